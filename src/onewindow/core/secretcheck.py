"""Refuse known placeholders and weak keys in production (pure; used by config/settings.py).

Each function returns a problem description (English, for the operator's console) or None.
Settings raise ``ImproperlyConfigured`` on any problem when ``ONEWINDOW_PRODUCTION`` is set, so
web, worker and timer processes refuse to start rather than run with a guessable key.
"""

from __future__ import annotations

import base64
import binascii

# Values shipped in .env.example and docs, and words that mark a placeholder.
PLACEHOLDER_MARKERS = (
    "change-me", "changeme", "change_me", "replace-me", "placeholder", "example",
    "base64-of-32-random-bytes", "random-characters", "your-secret", "secret-key",
    "django-insecure", "test-secret_key", "not-secret", "insecure",
)
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE = 5


def _placeholder(value: str) -> bool:
    lowered = value.lower()
    return any(marker in lowered for marker in PLACEHOLDER_MARKERS)


def secret_key_problem(value: str) -> str | None:
    value = value or ""
    if not value:
        return "ONEWINDOW_SECRET_KEY is not set"
    if _placeholder(value):
        return "ONEWINDOW_SECRET_KEY is a placeholder (e.g. the one of .env.example)"
    if len(value) < MIN_SECRET_KEY_LENGTH:
        return f"ONEWINDOW_SECRET_KEY is too short ({len(value)} < {MIN_SECRET_KEY_LENGTH} characters)"
    if len(set(value)) < MIN_SECRET_KEY_UNIQUE:
        return "ONEWINDOW_SECRET_KEY has too few distinct characters"
    return None


def _raw_key_problem(name: str, text: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return f"{name} is empty"
    if _placeholder(text):
        return f"{name} is a placeholder (e.g. the one of .env.example)"
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        return f"{name} must be the base64 of 32 random bytes"
    if len(set(raw)) < 8:
        return f"{name} is not random (too few distinct bytes)"
    return None


def data_keys_problem(spec: str) -> str | None:
    """``ONEWINDOW_DATA_KEYS``: ``version:base64(32 bytes)`` entries, comma separated."""
    parts = [p.strip() for p in (spec or "").split(",") if p.strip()]
    if not parts:
        return "ONEWINDOW_DATA_KEYS is not set"
    versions: set[str] = set()
    for part in parts:
        version, sep, key = part.partition(":")
        if not sep or not version.strip().isdigit():
            return "ONEWINDOW_DATA_KEYS entries must read version:base64-key"
        if version in versions:
            return f"ONEWINDOW_DATA_KEYS lists version {version} twice"
        versions.add(version)
        problem = _raw_key_problem(f"ONEWINDOW_DATA_KEYS version {version}", key)
        if problem:
            return problem
    return None


def lookup_key_problem(value: str) -> str | None:
    return _raw_key_problem("ONEWINDOW_LOOKUP_KEY", value)


def production_secret_problems(*, secret_key: str, data_keys: str, lookup_key: str) -> list[str]:
    return [p for p in (secret_key_problem(secret_key), data_keys_problem(data_keys),
                        lookup_key_problem(lookup_key)) if p]
