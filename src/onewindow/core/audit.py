"""The audit trail (电子监察留痕): append-only entries chained by a keyed MAC, anchored outside.

``audit_record`` is called by every state-changing service inside its transaction, and by
every read that reveals personal data in full. Each entry carries
``hash = HMAC-SHA256(audit key, prev_hash ‖ canonical JSON of the entry)``; the key
(``ONEWINDOW_AUDIT_KEY``, versioned for rotation) is configuration the database never holds,
so whoever can write the table cannot recompute the chain after an edit. Entries written
before keys existed keep their plain SHA-256 hash (``key_version`` 0) and are accepted only
as the chain's prefix, up to the ``legacy_until`` recorded in the signed checkpoints.

``audit_checkpoint_write`` (timer job ``core.audit_checkpoint``) signs "entry N had hash H"
into a separate append-only store (``core.audit_anchor``), after checking the entries since
the previous checkpoint. ``audit_verify_chain`` recomputes the chain and compares it with
every checkpoint, so a wiped (TRUNCATE), shortened (tail cut, head moved back) or rewritten
trail is reported, naming the first entry that no longer matches. See ADR 0009.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from .audit_anchor import (
    Checkpoint,
    CheckpointStore,
    CheckpointStoreError,
    checkpoint_new,
    checkpoint_store,
    checkpoint_valid,
)
from .context import current_client_ip, current_request_id
from .masking import mask_text
from .models import AuditChainHead, AuditEntry

logger = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
LEGACY_KEY_VERSION = 0  # plain SHA-256, entries written before the chain was keyed


# --- Keys --------------------------------------------------------------------------------------
def _key_bytes(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except ValueError:
        raw = b""
    return raw if len(raw) >= 32 else hashlib.sha256(text.encode()).digest()


@lru_cache(maxsize=4)
def _parse_keys(spec: str) -> dict[int, bytes]:
    keys: dict[int, bytes] = {}
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        version, sep, key = part.partition(":")
        if sep and version.isdigit() and int(version) >= 1:
            keys[int(version)] = _key_bytes(key)
        else:
            keys[1] = _key_bytes(part)
    if not keys:
        raise ValueError("ONEWINDOW_AUDIT_KEY holds no key")
    return keys


def audit_keys() -> dict[int, bytes]:
    """``ONEWINDOW_AUDIT_KEY``: a key, or ``version:key`` pairs (the highest version signs)."""
    return _parse_keys(settings.ONEWINDOW_AUDIT_KEY)


def audit_key_version() -> int:
    return max(audit_keys())


# --- Entries -------------------------------------------------------------------------------------
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
    key_version: int = LEGACY_KEY_VERSION,
) -> str:
    """The chain value of one entry: HMAC under key ``key_version``, or SHA-256 for version 0."""
    fields: dict[str, Any] = {
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
    }
    if key_version != LEGACY_KEY_VERSION:
        fields["v"] = key_version
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    message = (prev_hash + canonical).encode("utf-8")
    if key_version == LEGACY_KEY_VERSION:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(audit_keys()[key_version], message, hashlib.sha256).hexdigest()


def _object_ref(obj: models.Model | None) -> tuple[str, str]:
    if obj is None:
        return "", ""
    ref = getattr(obj, "public_id", None) or obj.pk
    return obj._meta.label_lower, str(ref)


_HEAD = AuditChainHead._meta.db_table
_ENTRY = AuditEntry._meta.db_table
_ENTRY_FIELDS = [f for f in AuditEntry._meta.concrete_fields]
_ENTRY_COLUMNS = ", ".join(connection.ops.quote_name(str(f.column)) for f in _ENTRY_FIELDS)


def _head_advance(cursor: Any) -> tuple[int, str]:
    """Take the chain head's row lock and the next seq: one UPDATE … RETURNING."""
    sql = f"UPDATE {_HEAD} SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash"  # noqa: S608
    cursor.execute(sql)
    row = cursor.fetchone()
    if row is None:
        # No head row (a fresh database, or a flush in tests): start it from the table's tail.
        cursor.execute(
            f"INSERT INTO {_HEAD} (id, last_seq, last_hash) "  # noqa: S608
            f"SELECT 1, COALESCE(MAX(seq), 0), COALESCE((SELECT hash FROM {_ENTRY} "
            f"ORDER BY seq DESC LIMIT 1), %s) FROM {_ENTRY} WHERE true ON CONFLICT (id) DO NOTHING",
            [GENESIS_HASH])
        cursor.execute(sql)
        row = cursor.fetchone()
    return int(row[0]), str(row[1])


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Call it inside the service's transaction: it locks the chain head
    until that transaction ends, so entries commit in ``seq`` order without gaps.

    Two statements on PostgreSQL (the head's ``UPDATE … RETURNING``, then one ``INSERT`` of
    the entry chained with the head's ``UPDATE``): the MAC needs ``seq`` and the previous
    hash, and is computed here because the database must not hold the key.
    """
    if obj is not None:
        object_type, object_id = _object_ref(obj)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    actor_label = actor.get_username() if actor_id else "system"
    clean_summary = _masked(summary or {})
    request_id = current_request_id()
    ip = current_client_ip()
    key_version = audit_key_version()
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        seq, prev_hash = _head_advance(cursor)
        at = timezone.now()
        digest = entry_digest(
            prev_hash=prev_hash, seq=seq, at=at, actor_id=actor_id, actor_label=actor_label,
            action=action, object_type=object_type, object_id=object_id, summary=clean_summary,
            request_id=request_id, ip=ip, key_version=key_version,
        )
        entry = AuditEntry(
            seq=seq, at=at, actor_id=actor_id, actor_label=actor_label, action=action,
            object_type=object_type, object_id=object_id, summary=clean_summary,
            request_id=request_id, ip=ip, prev_hash=prev_hash, hash=digest, key_version=key_version,
        )
        params = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _ENTRY_FIELDS]
        values = ", ".join(["%s"] * len(params))
        if connection.vendor == "postgresql":
            cursor.execute(
                f"WITH e AS (INSERT INTO {_ENTRY} ({_ENTRY_COLUMNS}) VALUES ({values}) RETURNING hash) "  # noqa: S608
                f"UPDATE {_HEAD} SET last_hash = e.hash FROM e WHERE {_HEAD}.id = 1", params)
        else:
            cursor.execute(f"INSERT INTO {_ENTRY} ({_ENTRY_COLUMNS}) VALUES ({values})", params)  # noqa: S608
            cursor.execute(f"UPDATE {_HEAD} SET last_hash = %s WHERE id = 1", [digest])  # noqa: S608
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


# --- Verification ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChainVerdict:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str = ""
    checkpoint_seq: int | None = None
    checkpoint_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)


class AuditChainBroken(Exception):
    def __init__(self, verdict: ChainVerdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


@dataclass(frozen=True)
class _Anchors:
    checkpoints: list[Checkpoint]  # the valid ones since the last re-anchoring, oldest first
    by_seq: dict[int, str]
    latest: Checkpoint | None
    error: str = ""


def _anchors(store: CheckpointStore | None) -> _Anchors:
    if store is None:
        return _Anchors([], {}, None)
    keys = audit_keys()
    try:
        checkpoints = store.all()
    except CheckpointStoreError as exc:
        return _Anchors([], {}, None, f"检查点存储损坏：{exc}")
    for index, cp in enumerate(checkpoints, start=1):
        if not checkpoint_valid(cp, keys):
            return _Anchors([], {}, None, f"检查点存储第 {index} 条签名无效（检查点被伪造或密钥缺失）")
    restores = [i for i, cp in enumerate(checkpoints) if cp.is_restore]
    if restores:
        checkpoints = checkpoints[restores[-1]:]
    by_seq: dict[int, str] = {}
    previous: Checkpoint | None = None
    for cp in checkpoints:
        if previous is not None and (cp.seq < previous.seq or cp.at < previous.at):
            return _Anchors([], {}, None, f"检查点倒退：第 {cp.seq} 条在第 {previous.seq} 条之后写入")
        if by_seq.get(cp.seq, cp.hash) != cp.hash:
            return _Anchors([], {}, None, f"检查点自相矛盾：第 {cp.seq} 条有两个不同的校验值")
        by_seq[cp.seq] = cp.hash
        previous = cp
    return _Anchors(checkpoints, by_seq, checkpoints[-1] if checkpoints else None)


def _walk(entries: Any, *, prev_hash: str, expected_seq: int, legacy_until: int | None,
          keyed_seen: bool, by_seq: dict[int, str]) -> tuple[ChainVerdict | None, int, str, bool]:
    """Check entries in seq order; returns (failure or None, checked, last hash, keyed seen)."""
    keys = audit_keys()
    checked = 0
    for entry in entries:
        if entry.seq != expected_seq:
            return (ChainVerdict(False, checked, expected_seq, f"第 {expected_seq} 条记录缺失（已被删除）"),
                    checked, prev_hash, keyed_seen)
        if entry.prev_hash != prev_hash:
            return ChainVerdict(False, checked, entry.seq, "前序哈希不连续"), checked, prev_hash, keyed_seen
        if entry.key_version == LEGACY_KEY_VERSION:
            if keyed_seen or (legacy_until is not None and entry.seq > legacy_until):
                return (ChainVerdict(False, checked, entry.seq,
                                     "记录使用了无密钥的旧校验方式（在启用密钥之后，可能被伪造）"),
                        checked, prev_hash, keyed_seen)
        else:
            keyed_seen = True
            if entry.key_version not in keys:
                return (ChainVerdict(False, checked, entry.seq,
                                     f"缺少第 {entry.key_version} 版审计密钥，无法校验"),
                        checked, prev_hash, keyed_seen)
        digest = entry_digest(
            prev_hash=entry.prev_hash, seq=entry.seq, at=entry.at, actor_id=entry.actor_id,
            actor_label=entry.actor_label, action=entry.action, object_type=entry.object_type,
            object_id=entry.object_id, summary=entry.summary, request_id=entry.request_id,
            ip=entry.ip, key_version=entry.key_version,
        )
        if not hmac.compare_digest(digest, entry.hash):
            return (ChainVerdict(False, checked, entry.seq, "内容与校验码不符（记录被修改）"),
                    checked, prev_hash, keyed_seen)
        anchored = by_seq.get(entry.seq)
        if anchored is not None and anchored != entry.hash:
            return (ChainVerdict(False, checked, entry.seq, "记录与检查点不符（记录被改写）"),
                    checked, prev_hash, keyed_seen)
        prev_hash = entry.hash
        expected_seq += 1
        checked += 1
    return None, checked, prev_hash, keyed_seen


def audit_verify_chain(*, store: CheckpointStore | bool | None = True,
                       chunk_size: int = 5000) -> ChainVerdict:
    """Recompute the whole chain and compare it with the checkpoints of ``store`` (the
    configured store by default; ``None`` skips them)."""
    if store is True:
        store = checkpoint_store()
    anchors = _anchors(store or None)
    cp = anchors.latest
    cp_seq = cp.seq if cp else None
    cp_at = cp.at_datetime if cp else None
    if anchors.error:
        return ChainVerdict(False, 0, None, anchors.error)
    entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size)
    failure, checked, last_hash, _ = _walk(
        entries, prev_hash=GENESIS_HASH, expected_seq=1,
        legacy_until=cp.legacy_until if cp else None, keyed_seen=False, by_seq=anchors.by_seq)
    if failure is not None:
        return ChainVerdict(False, failure.checked, failure.first_bad_seq, failure.reason, cp_seq, cp_at)
    if cp is not None and checked < cp.seq:
        return ChainVerdict(
            False, checked, checked + 1,
            f"审计记录被截断：检查点（{timezone.localtime(cp.at_datetime):%Y-%m-%d %H:%M:%S}）"
            f"记录到第 {cp.seq} 条，现只有 {checked} 条", cp_seq, cp_at)
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None and checked:
        return ChainVerdict(False, checked, checked, "链头记录缺失", cp_seq, cp_at)
    if head is not None and (head.last_seq != checked or head.last_hash != last_hash):
        return ChainVerdict(False, checked, checked + 1, "链尾记录缺失（末尾记录被删除）", cp_seq, cp_at)
    warnings = []
    if store and cp is None and checked:
        warnings.append("尚无检查点：无法发现整表清空或末尾截断（定时任务 core.audit_checkpoint 会写入）")
    elif cp is not None and checked > cp.seq:
        warnings.append(f"最近检查点之后的 {checked - cp.seq} 条记录尚未被检查点覆盖")
    return ChainVerdict(True, checked, None, "", cp_seq, cp_at, warnings)


# --- Checkpoints ----------------------------------------------------------------------------------
def audit_checkpoint_write(*, store: CheckpointStore | None = None, now: datetime | None = None,
                           restore_note: str = "", min_interval: float = 0) -> Checkpoint | None:
    """Sign the chain's current tail into the store, after checking every entry since the last
    checkpoint. Refuses (``AuditChainBroken``) when the chain no longer extends the last
    checkpoint, so a cut or rewritten trail is never signed as the new truth. Returns None
    when there is nothing new.

    ``restore_note`` re-anchors after a restore from backup: the last checkpoints then name
    entries that are gone, so the whole chain is checked afresh and a ``restore:`` checkpoint
    supersedes them (an operator's decision, recorded in the store and the audit trail).
    """
    store = store or checkpoint_store()
    now = now or timezone.now()
    anchors = _anchors(store)
    if anchors.error:
        raise AuditChainBroken(ChainVerdict(False, 0, None, anchors.error))
    last = None if restore_note else anchors.latest
    tail = AuditEntry.objects.order_by("-seq").values("seq", "hash").first()
    if tail is None:
        if last is not None and last.seq > 0:
            raise AuditChainBroken(ChainVerdict(
                False, 0, 1, f"审计记录被清空：检查点记录到第 {last.seq} 条", last.seq, last.at_datetime))
        return None
    if last is not None:
        if tail["seq"] == last.seq and tail["hash"] == last.hash:
            return None
        if min_interval and now - last.at_datetime < timedelta(seconds=min_interval):
            return None
        anchored = AuditEntry.objects.filter(seq=last.seq).values_list("hash", flat=True).first()
        if tail["seq"] < last.seq or anchored != last.hash:
            raise AuditChainBroken(ChainVerdict(
                False, 0, last.seq, f"审计链与检查点（第 {last.seq} 条）不符：记录被截断或改写",
                last.seq, last.at_datetime))
        entries = AuditEntry.objects.filter(seq__gt=last.seq).order_by("seq").iterator(chunk_size=5000)
        failure, checked, _, _ = _walk(entries, prev_hash=last.hash, expected_seq=last.seq + 1,
                                       legacy_until=last.legacy_until,
                                       keyed_seen=last.seq > last.legacy_until, by_seq={})
        legacy_until = last.legacy_until
    else:
        entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=5000)
        failure, checked, _, _ = _walk(entries, prev_hash=GENESIS_HASH, expected_seq=1,
                                       legacy_until=None, keyed_seen=False, by_seq={})
        legacy_until = (AuditEntry.objects.filter(key_version=LEGACY_KEY_VERSION)
                        .aggregate(m=models.Max("seq"))["m"] or 0)
    if failure is not None:
        raise AuditChainBroken(failure)
    # Entries committed while we checked extend the chain; sign what was checked.
    signed_seq = (last.seq if last else 0) + checked
    signed_hash = AuditEntry.objects.filter(seq=signed_seq).values_list("hash", flat=True).first()
    if signed_hash is None:
        return None
    cp = checkpoint_new(seq=signed_seq, hash=signed_hash, at=now, legacy_until=legacy_until,
                        key_version=audit_key_version(), keys=audit_keys(),
                        note=f"restore: {restore_note}" if restore_note else "")
    store.append(cp)
    if restore_note:
        audit_record(actor=None, action="audit.reanchor", object_type="audit", object_id=str(signed_seq),
                     summary={"note": restore_note, "superseded_seq": anchors.latest.seq if anchors.latest else 0})
    return cp
