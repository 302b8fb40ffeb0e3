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


def audit_key_problem(spec: str) -> str | None:
    """``ONEWINDOW_AUDIT_KEY``: a base64 key, or ``version:base64-key`` entries, comma separated."""
    parts = [p.strip() for p in (spec or "").split(",") if p.strip()]
    if not parts:
        return "ONEWINDOW_AUDIT_KEY is not set"
    for part in parts:
        version, sep, key = part.partition(":")
        name = f"ONEWINDOW_AUDIT_KEY version {version}" if sep and version.isdigit() else "ONEWINDOW_AUDIT_KEY"
        problem = _raw_key_problem(name, key if sep and version.isdigit() else part)
        if problem:
            return problem
    return None


def signing_key_problem(spec: str) -> str | None:
    """``ONEWINDOW_SIGNING_KEY``: Ed25519 seeds, ``base64`` or ``version:base64`` entries."""
    parts = [p.strip() for p in (spec or "").split(",") if p.strip()]
    if not parts:
        return "ONEWINDOW_SIGNING_KEY is not set"
    for part in parts:
        version, sep, key = part.partition(":")
        versioned = bool(sep) and version.strip().isdigit()
        name = f"ONEWINDOW_SIGNING_KEY version {version}" if versioned else "ONEWINDOW_SIGNING_KEY"
        problem = _raw_key_problem(name, key if versioned else part)
        if problem:
            return problem
    return None


LOOPBACK_HOSTS = ("localhost", "localhost.localdomain", "0.0.0.0",  # noqa: S104
                  "::1", "[::1]", "::", "[::]")


def public_url_problem(value: str, *, production: bool) -> str | None:
    """``ONEWINDOW_PUBLIC_URL``: the address printed in QR codes. An absolute http(s) URL without
    query or fragment; in production not a loopback or placeholder host, and https."""
    from urllib.parse import urlsplit

    value = (value or "").strip()
    if not value:
        return "ONEWINDOW_PUBLIC_URL is not set"
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower()
    except ValueError:
        return f"ONEWINDOW_PUBLIC_URL is not a URL: {value!r}"
    if parts.scheme not in ("http", "https") or not host:
        return f"ONEWINDOW_PUBLIC_URL must be an absolute http(s) address, not {value!r}"
    if parts.query or parts.fragment:
        return "ONEWINDOW_PUBLIC_URL must not carry a query or fragment"
    if not production:
        return None
    if host in LOOPBACK_HOSTS or host.startswith("127.") or host.endswith(".localhost"):
        return f"ONEWINDOW_PUBLIC_URL points at this machine ({host}): QR codes would not work elsewhere"
    if host.endswith((".example", ".invalid", ".test")) or "example." in host:
        return f"ONEWINDOW_PUBLIC_URL is a placeholder host ({host})"
    if parts.scheme != "https":
        return "ONEWINDOW_PUBLIC_URL must use https in production"
    return None


def production_secret_problems(*, secret_key: str, data_keys: str, lookup_key: str,
                               audit_key: str | None = None, signing_key: str | None = None,
                               public_url: str | None = None) -> list[str]:
    checks = [secret_key_problem(secret_key), data_keys_problem(data_keys), lookup_key_problem(lookup_key)]
    if audit_key is not None:
        checks.append(audit_key_problem(audit_key))
    if signing_key is not None:
        checks.append(signing_key_problem(signing_key))
    if public_url is not None:
        checks.append(public_url_problem(public_url, production=True))
    return [p for p in checks if p]
