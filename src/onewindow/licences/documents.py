"""Rendering of licences and approval documents as PDF (WeasyPrint + Noto CJK fonts).

The document shows the type, number, holder, issuer, dates, the extra lines of ``data``, a QR
code of the public verification URL and the verification code. Fonts come from the system's
fontconfig (Debian's fonts-noto-cjk); nothing is downloaded.
"""

from __future__ import annotations

import base64
import io
import logging
from typing import Any

import segno
from django.template.loader import render_to_string

from .constants import DocumentKind, HolderKind
from .models import Licence

# WeasyPrint reports every rendering step at INFO; keep the logs for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def qr_png_data_uri(text: str, *, scale: int = 6) -> str:
    qr = segno.make(text, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def document_context(licence: Licence) -> dict[str, Any]:
    licence_type = licence.licence_type
    is_person = licence.holder_kind == HolderKind.PERSON
    return {
        "licence": licence,
        "title": licence.title or licence_type.name,
        "is_approval": licence.document_kind == DocumentKind.APPROVAL,
        "holder_label": "持证人" if is_person else "名称",
        "holder_id_label": "公民身份号码" if is_person else "统一社会信用代码",
        "holder_id": licence.holder_identifier,
        "lines": [(str(k), str(v)) for k, v in (licence.data or {}).items()],
        "qr": qr_png_data_uri(licence.verify_url),
        "verify_url": licence.verify_url,
    }


def document_html(licence: Licence) -> str:
    return render_to_string("licences/pdf/document.html", document_context(licence))


def document_pdf(licence: Licence) -> bytes:
    from weasyprint import HTML

    return HTML(string=document_html(licence)).write_pdf()
