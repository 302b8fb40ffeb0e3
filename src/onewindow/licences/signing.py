"""The signature over a licence's content (Ed25519 through ``core.docsign``).

The signed content is GB/T 36902-style catalogue data of the licence — type code, name,
number, holder (masked as on the verification page), holder code type and masked code, issuer,
dates, the case number, the verification code — and a SHA-256 digest of the surface items
(``data``), as canonical JSON (keys sorted, no spaces, UTF-8). It holds no personal data in
clear, so the public verification API can hand it out for anyone to check with the platform's
public key; the platform itself also recomputes it from the stored row, so an edited row (an
item, a date, the holder) no longer verifies.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from onewindow.core import docsign

from .constants import HolderKind
from .models import Licence

CONTENT_VERSION = 1


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_dict(licence: Licence) -> dict[str, Any]:
    from .selectors import holder_masked

    name, identifier = holder_masked(licence)
    data = {str(k): str(v) for k, v in (licence.data or {}).items()}
    return {
        "内容版本": CONTENT_VERSION,
        "证照类型代码": licence.licence_type.code,
        "证照名称": licence.title or licence.licence_type.name,
        "证照编号": licence.masked_number,
        "持证主体": name,
        "持证主体代码类型": "公民身份号码" if licence.holder_kind == HolderKind.PERSON else "统一社会信用代码",
        "持证主体代码": identifier,
        "颁发机构": licence.issuer_name,
        "颁发日期": licence.issued_on.isoformat(),
        "有效期起始": licence.valid_from.isoformat(),
        "有效期截止": licence.valid_until.isoformat() if licence.valid_until else "长期",
        "业务编号": licence.source_ref,
        "验证码": licence.verification_code,
        "照面信息摘要": hashlib.sha256(_canonical(data).encode("utf-8")).hexdigest(),
    }


def signed_content(licence: Licence) -> str:
    return _canonical(content_dict(licence))


def licence_sign(licence: Licence) -> None:
    """Set ``signature``/``signature_key`` (the caller saves)."""
    licence.signature_key, licence.signature = docsign.sign(signed_content(licence).encode("utf-8"))


@dataclass(frozen=True)
class SignatureCheck:
    status: str  # "valid", "invalid", "unsigned"
    key_id: str = ""
    algorithm: str = docsign.ALGORITHM

    @property
    def label(self) -> str:
        return {"valid": "电子签名有效，内容未被篡改", "invalid": "电子签名无效：内容与签发时不一致",
                "unsigned": "外部导入的证照，未经本平台签名"}[self.status]


def signature_check(licence: Licence) -> SignatureCheck:
    if not licence.signature:
        return SignatureCheck(status="unsigned")
    ok = docsign.verify(signed_content(licence).encode("utf-8"), key_id=licence.signature_key,
                        signature=licence.signature)
    return SignatureCheck(status="valid" if ok else "invalid", key_id=licence.signature_key)
