"""Attachments on tickets, sniffed by content."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from onewindow.core.errors import ValidationFailed
from onewindow.core.uploads import content_sniff, image_check

from .. import constants as c
from .. import selectors
from ..models import (
    Ticket,
    TicketAttachment,
)
from ._common import _audit, _now, _require, _require_visible, actor_id


# --- Attachments ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AttachmentIn:
    name: str
    content_type: str
    content: bytes


def _attachments_check(files: Sequence[AttachmentIn]) -> list[AttachmentIn]:
    """The attachments with the type their content shows (``core.uploads.content_sniff``): the
    client's declared type is ignored, like case materials; images must decode and not be
    decompression bombs. A file name is cut to its last 200 characters without its path."""
    if len(files) > c.MAX_ATTACHMENTS:
        msg = f"附件最多{c.MAX_ATTACHMENTS}个"
        raise ValidationFailed(msg, code="attachments_too_many", fields={"attachments": msg})
    checked = []
    for f in files:
        name = re.sub(r"[\x00-\x1f\x7f]", "", re.split(r"[\\/]", f.name or "")[-1]).strip()[-200:] or "附件"
        if len(f.content) > c.MAX_ATTACHMENT_BYTES:
            msg = f"附件“{name[:40]}”超过 {c.MAX_ATTACHMENT_BYTES // 1024 // 1024} MB"
            raise ValidationFailed(msg, code="attachment_too_large", fields={"attachments": msg})
        sniffed = content_sniff(f.content[:512])
        if sniffed is None or sniffed.content_type not in c.ATTACHMENT_TYPES:
            msg = f"附件“{name[:40]}”的类型不受支持（可上传图片、PDF、音视频或文本）"
            raise ValidationFailed(msg, code="attachment_type", fields={"attachments": msg})
        if sniffed.content_type.startswith("image/"):
            image_check(f.content, label=name[:40], field="attachments", damaged_code="attachment_damaged",
                        damaged_message=f"附件“{name[:40]}”已损坏或不完整，请重新上传")
        checked.append(AttachmentIn(name=name, content_type=sniffed.content_type, content=f.content))
    return checked


def _attachments_save(ticket: Ticket, files: Sequence[AttachmentIn], actor: Any) -> list[TicketAttachment]:
    saved = []
    for f in files:
        attachment = TicketAttachment(ticket=ticket, name=f.name[:200] or "附件", content_type=f.content_type,
                                      size=len(f.content), uploaded_by_id=actor_id(actor))
        attachment.file.save(attachment.name, ContentFile(f.content), save=False)
        attachment.save()
        saved.append(attachment)
    return saved


def ticket_attachment_add(*, actor: Any, ticket: Ticket, attachment: AttachmentIn,
                          now: datetime | None = None) -> TicketAttachment:
    """Add a photo or document to a ticket (hotline staff or the owner department)."""
    now = _now(now)
    _require_visible(actor, ticket)
    _require(selectors.is_dispatcher(actor) or selectors.is_department_handler(actor, ticket.department_id),
             "只有热线或承办部门可以上传附件", "permission_denied")
    if ticket.attachments.count() >= c.MAX_ATTACHMENTS:
        raise ValidationFailed(f"附件最多{c.MAX_ATTACHMENTS}个", code="attachments_too_many")
    attachment = _attachments_check([attachment])[0]
    with transaction.atomic():
        _attachments_save(ticket, [attachment], actor)
        saved = ticket.attachments.order_by("-id").first()
        assert saved is not None
        _audit(actor, ticket, "attachment_add", name=saved.name, size=saved.size)
    return saved
