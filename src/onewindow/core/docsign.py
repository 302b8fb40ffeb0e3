"""Digital signatures of issued documents (Ed25519, via ``cryptography``).

``ONEWINDOW_SIGNING_KEY`` holds the issuing platform's private keys: a base64 seed of 32 bytes,
or ``version:base64-seed`` entries separated by commas (the highest version signs new
documents; keep the older versions listed so that documents they signed still verify). The key
id printed on a document is ``<version>-<first 8 hex digits of SHA-256(public key)>``, so a
verifier knows which public key to use; the public keys are published at
``/verify/keys.json`` (and ``GET /api/v1/licences/signing-keys``).

Anyone holding a document's signed content (``/api/v1/licences/verify/{code}`` answers it) and
the public key can check the signature with any Ed25519 implementation, e.g.::

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key)).verify(
        base64.b64decode(signature), content.encode("utf-8"))
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

ALGORITHM = "Ed25519"


@dataclass(frozen=True)
class SigningKey:
    version: int
    key_id: str
    private: Ed25519PrivateKey
    public_raw: bytes

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode("ascii")


def _seed(text: str, *, strict: bool) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) == 32:
        return raw
    if strict:
        raise ValueError("ONEWINDOW_SIGNING_KEY must be the base64 of a 32-byte Ed25519 seed")
    # Development and tests: any local secret becomes a seed (production refuses this at start).
    return hashlib.sha256(text.encode("utf-8")).digest()


def keys_parse(spec: str, *, strict: bool = False) -> dict[int, SigningKey]:
    keys: dict[int, SigningKey] = {}
    for part in (p.strip() for p in (spec or "").split(",")):
        if not part:
            continue
        version_text, sep, key_text = part.partition(":")
        if sep and version_text.strip().isdigit():
            version, text = int(version_text), key_text
        else:
            version, text = 1, part
        private = Ed25519PrivateKey.from_private_bytes(_seed(text, strict=strict))
        public_raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                       serialization.PublicFormat.Raw)
        key_id = f"{version}-{hashlib.sha256(public_raw).hexdigest()[:8]}"
        keys[version] = SigningKey(version=version, key_id=key_id, private=private, public_raw=public_raw)
    return keys


@lru_cache(maxsize=4)
def _keyring(spec: str) -> dict[int, SigningKey]:
    keys = keys_parse(spec)
    if not keys:
        raise ValueError("ONEWINDOW_SIGNING_KEY is not set")
    return keys


def keyring() -> dict[int, SigningKey]:
    return _keyring(str(settings.ONEWINDOW_SIGNING_KEY))


def current_key() -> SigningKey:
    keys = keyring()
    return keys[max(keys)]


def key_by_id(key_id: str) -> SigningKey | None:
    return next((k for k in keyring().values() if k.key_id == key_id), None)


def sign(content: bytes) -> tuple[str, str]:
    """Sign ``content``; returns (key id, base64 signature)."""
    key = current_key()
    return key.key_id, base64.b64encode(key.private.sign(content)).decode("ascii")


def verify(content: bytes, *, key_id: str, signature: str) -> bool:
    key = key_by_id(key_id)
    if key is None or not signature:
        return False
    try:
        raw = base64.b64decode(signature, validate=True)
        Ed25519PublicKey.from_public_bytes(key.public_raw).verify(raw, content)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def public_keys() -> list[dict[str, str]]:
    return [{"key_id": k.key_id, "algorithm": ALGORITHM, "public_key": k.public_b64}
            for _, k in sorted(keyring().items())]

