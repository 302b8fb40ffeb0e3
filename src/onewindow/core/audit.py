"""The audit trail (电子监察留痕): append-only, hash-chained entries.

``audit_record`` is called by every state-changing service inside its transaction, and by
every read that reveals personal data in full. ``audit_verify_chain`` recomputes the chain and
names the first entry that no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .context import current_client_ip, current_request_id
from .masking import mask_text
from .models import AuditChainHead, AuditEntry

GENESIS_HASH = "0" * 64


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {str(k): _masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


def entry_digest(
    *, prev_hash: str, seq: int, at: datetime, actor_id: int | None, actor_label: str,
    action: str, object_type: str, object_id: str, summary: Any, request_id: str, ip: str,
) -> str:
    canonical = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor_id,
            "actor_label": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "summary": summary,
            "request_id": request_id,
            "ip": ip,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    ref = getattr(obj, "public_id", None) or obj.pk
    return obj._meta.label_lower, str(ref)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the service's transaction: it locks the chain head."""
    if obj is not None:
        object_type, object_id = _object_ref(obj)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    actor_label = actor.get_username() if actor_id else "system"
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        seq = head.last_seq + 1
        at = timezone.now()
        clean_summary = _masked(summary or {})
        request_id = current_request_id()
        ip = current_client_ip()
        digest = entry_digest(
            prev_hash=head.last_hash, seq=seq, at=at, actor_id=actor_id,
            actor_label=actor_label, action=action, object_type=object_type,
            object_id=object_id, summary=clean_summary, request_id=request_id, ip=ip,
        )
        entry = AuditEntry.objects.create(
            seq=seq, at=at, actor_id=actor_id, actor_label=actor_label, action=action,
            object_type=object_type, object_id=object_id, summary=clean_summary,
            request_id=request_id, ip=ip, prev_hash=head.last_hash, hash=digest,
        )
        head.last_seq = seq
        head.last_hash = digest
        head.save(update_fields=["last_seq", "last_hash"])
    return entry


@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""


def audit_verify_chain(*, chunk_size: int = 5000) -> ChainVerdict:
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if entry.seq != expected_seq:
            return ChainVerdict(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失（已被删除）")
        if entry.prev_hash != prev_hash:
            return ChainVerdict(False, checked, entry.seq, "前序哈希不连续")
        digest = entry_digest(
            prev_hash=entry.prev_hash, seq=entry.seq, at=entry.at, actor_id=entry.actor_id,
            actor_label=entry.actor_label, action=entry.action, object_type=entry.object_type,
            object_id=entry.object_id, summary=entry.summary, request_id=entry.request_id,
            ip=entry.ip,
        )
        if digest != entry.hash:
            return ChainVerdict(False, checked, entry.seq, "内容与哈希不符（记录被修改）")
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != checked or head.last_hash != prev_hash):
        return ChainVerdict(False, checked, checked + 1, "链尾记录缺失（末尾记录被删除）")
    return ChainVerdict(True, checked)
