"""Rendering of licences and approval documents as PDF (WeasyPrint + Noto CJK fonts).

Each licence type prints its own surface items in its own form (``layouts``): a framed licence
(营业执照, 许可证), a card-like certificate (证) or a decision letter (决定书). The holder's ID
number is printed in full only on documents that are identity cards themselves, masked or left
out elsewhere. Applicant text is printed without markup (tags removed, then escaped). Every
document carries the issuer's electronic seal image, the Ed25519 signature over its content
(``signing``) with the key id, the case number once, a QR code of the public verification URL
(from ``ONEWINDOW_PUBLIC_URL``) and the verification code. Fonts come from the system's
fontconfig (Debian's fonts-noto-cjk); nothing is downloaded.
"""

from __future__ import annotations

import base64
import io
import logging
from typing import Any

import segno
from django.template.loader import render_to_string

from onewindow.core.masking import mask_id_number

from .constants import DocumentKind, HolderKind
from .layouts import Layout, layout_for, surface_items
from .models import Licence
from .seal import seal_png

# WeasyPrint reports every rendering step at INFO; keep the logs for what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def qr_png_data_uri(text: str, *, scale: int = 6) -> str:
    qr = segno.make(text, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _seal_purpose(licence: Licence) -> str:
    return "行政审批专用章" if licence.document_kind == DocumentKind.APPROVAL else "电子证照专用章"


def _holder_id(licence: Licence, id_print: str) -> str:
    if licence.holder_kind != HolderKind.PERSON:
        return licence.holder_credit_code
    if id_print == "full":
        return licence.holder_id_number
    if id_print == "masked":
        return mask_id_number(licence.holder_id_number)
    return ""


def _with_holder_items(licence: Licence, layout: Layout) -> dict[str, object]:
    """The data, with the holder's name and credit code in the items that name the holder
    (for licences issued without them, e.g. through the API)."""
    data: dict[str, object] = dict(licence.data or {})
    name_item, code_item = layout.holder_items
    if name_item and not data.get(name_item):
        data[name_item] = licence.holder_name
    if code_item and not data.get(code_item) and licence.holder_kind == HolderKind.ENTERPRISE:
        data[code_item] = licence.holder_credit_code
    return data


def document_context(licence: Licence) -> dict[str, Any]:
    licence_type = licence.licence_type
    layout = layout_for(licence_type.code)
    is_person = licence.holder_kind == HolderKind.PERSON
    # The number: printed in full only where the whole ID number may be printed.
    number = licence.display_number
    if licence.number_is_holder_id and layout.id_print != "full":
        number = licence.masked_number
    seal = seal_png(licence.issuer_name, _seal_purpose(licence))
    return {
        "licence": licence,
        "layout": layout,
        "form": layout.form,
        "title": licence.title or licence_type.name,
        "is_approval": licence.document_kind == DocumentKind.APPROVAL,
        "number": number,
        "show_holder": layout.show_holder,
        "holder_label": layout.holder_label[0 if is_person else 1],
        "holder_id_label": "公民身份号码" if is_person else "统一社会信用代码",
        "holder_id": _holder_id(licence, layout.id_print),
        "items": surface_items(licence_type.code, _with_holder_items(licence, layout)),
        "note": layout.note,
        "subject": str((licence.data or {}).get("许可事项") or (licence.data or {}).get("确认事项")
                       or licence.title or licence_type.name),
        "qr": qr_png_data_uri(licence.verify_url),
        "verify_url": licence.verify_url,
        "seal": "data:image/png;base64," + base64.b64encode(seal).decode("ascii"),
        "signature": licence.signature,
        "signature_key": licence.signature_key,
    }


def document_html(licence: Licence) -> str:
    return render_to_string("licences/pdf/document.html", document_context(licence))


def document_pdf(licence: Licence) -> bytes:
    from weasyprint import HTML

    return HTML(string=document_html(licence)).write_pdf()
