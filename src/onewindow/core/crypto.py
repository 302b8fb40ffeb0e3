"""Encryption at rest for personal data, with key versions, and keyed lookup hashes.

Values are sealed with AES-256-GCM. A sealed value reads ``v<version>:<base64(nonce|ct)>`` so
that keys can be rotated: the newest key seals, every configured key opens. The lookup hash is
HMAC-SHA256 under a separate key, so an exact match (``id_number_hash == lookup_hash(x)``) needs
neither decryption nor a clear-text column.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

NONCE_BYTES = 12


class DecryptionError(Exception):
    """A sealed value could not be opened (unknown key version or tampered data)."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[int, bytes]
    current: int
    lookup_key: bytes


def _key_bytes(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    if len(raw) == 32:
        return raw
    # A passphrase rather than 32 raw bytes: stretch it deterministically.
    return hashlib.sha256(text.encode()).digest()


@lru_cache(maxsize=4)
def _keyring(spec: str, lookup: str) -> Keyring:
    keys: dict[int, bytes] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        version, _, key = part.partition(":")
        keys[int(version)] = _key_bytes(key)
    if not keys:
        raise ValueError("ONEWINDOW_DATA_KEYS holds no key")
    return Keyring(keys=keys, current=max(keys), lookup_key=_key_bytes(lookup))


def keyring() -> Keyring:
    return _keyring(settings.ONEWINDOW_DATA_KEYS, settings.ONEWINDOW_LOOKUP_KEY)


def seal(plaintext: str, *, context: bytes = b"onewindow") -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    ct = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode("utf-8"), context)
    return f"v{ring.current}:" + base64.b64encode(nonce + ct).decode("ascii")


def open_sealed(token: str, *, context: bytes = b"onewindow") -> str:
    ring = keyring()
    head, sep, body = token.partition(":")
    if not sep or not head.startswith("v") or not head[1:].isdigit():
        raise DecryptionError("not a sealed value")
    key = ring.keys.get(int(head[1:]))
    if key is None:
        raise DecryptionError(f"unknown key version {head}")
    raw = base64.b64decode(body)
    try:
        return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context).decode("utf-8")
    except Exception as exc:  # InvalidTag
        raise DecryptionError("sealed value does not verify") from exc


def key_version(token: str) -> int | None:
    head = token.partition(":")[0]
    return int(head[1:]) if head.startswith("v") and head[1:].isdigit() else None


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised value, for exact lookup of an encrypted column."""
    normalised = value.strip().upper()
    return hmac.new(keyring().lookup_key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()
