"""Bulk import of messages from other boards (CSV/Excel)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onewindow.core.errors import ValidationFailed
from onewindow.core.inputs import decode_csv_text

from .. import constants as c
from ..models import (
    Ticket,
)
from .intake import _intake_permission, ticket_intake

# --- Bulk import (CSV/Excel messages from other boards) ---------------------------------------
IMPORT_MAX_ROWS = 5000
# Chinese board exports, Open311 field names and the NYC / Pittsburgh 311 exports.
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "留言主题", "主题", "title", "subject", "complaint type", "complaint_type", "request_type"),
    "text": ("内容", "留言详情", "诉求内容", "详情", "text", "description", "descriptor"),
    "received_at": ("时间", "留言时间", "受理时间", "received_at", "requested_datetime", "created date",
                    "created_date", "created_on"),
    "kind": ("类型", "诉求类型", "kind"),
    "address": ("地址", "address", "incident address", "incident_address", "address_string"),
    "requester_phone": ("电话", "联系电话", "phone"),
    "requester_name": ("姓名", "联系人", "name"),
    "external_id": ("编号", "留言编号", "external_id", "id", "unique key", "unique_key", "request_id",
                    "service_request_id"),
    "supporters": ("点赞数", "likes", "supporters"),
    "lng": ("经度", "lng", "long", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
}
KIND_BY_LABEL = {label: value for value, label in c.TicketKind.choices} | {v: v for v in c.TicketKind.values}
_DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M",
                 "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%Y/%m/%d", "%Y-%m-%d")


@dataclass
class ImportResult:
    created: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


def parse_local_datetime(value: Any) -> datetime | None:
    """A date/time cell as an aware datetime (naive values are Beijing time)."""
    from zoneinfo import ZoneInfo

    parsed: datetime | None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            return None
        parsed = None
        for fmt in _DATE_FORMATS:
            for candidate in (text, text[:19]):
                try:
                    parsed = datetime.strptime(candidate, fmt)  # noqa: DTZ007 (made aware below)
                    break
                except ValueError:
                    continue
            if parsed is not None:
                break
        if parsed is None:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return parsed


def import_rows_read(content: bytes, *, filename: str = "") -> list[dict[str, Any]]:
    """Rows of a CSV (UTF-8 or GB18030) or .xlsx file as dicts keyed by header."""
    import csv
    import io

    if len(content) > 20 * 1024 * 1024:
        raise ValidationFailed("文件过大（不超过 20 MB）", code="import_too_large")
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:
            raise ValidationFailed("无法读取 Excel 文件", code="import_unreadable") from exc
        sheet = book.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(values, ())]
        return [dict(zip(header, row, strict=False)) for row in values]
    text = decode_csv_text(content)
    if text is None:
        raise ValidationFailed("无法识别文件编码，请保存为 UTF-8 的 CSV", code="import_encoding")
    reader = csv.DictReader(io.StringIO(text))
    reader.fieldnames = [str(h or "").strip() for h in (reader.fieldnames or [])]
    return list(reader)


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return value
    return None


def tickets_import(*, actor: Any, content: bytes, filename: str = "", kind: str = c.TicketKind.HELP,
                   now: datetime | None = None) -> ImportResult:
    """Bulk intake of messages from another board: every row goes through ``ticket_intake``.

    Rows already imported (same 编号) are skipped, so a file may be imported again; a row that
    cannot be used is reported with its line number and the others still go in.
    """
    _intake_permission(actor, c.Channel.IMPORT)
    rows = import_rows_read(content, filename=filename)
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationFailed(f"一次最多导入 {IMPORT_MAX_ROWS} 行", code="import_too_many")
    if rows and _pick(rows[0], IMPORT_COLUMNS["text"]) is None and _pick(rows[0], IMPORT_COLUMNS["title"]) is None:
        raise ValidationFailed("文件缺少“内容”或“标题”列", code="import_columns_missing")
    result = ImportResult()
    known = set(Ticket.objects.filter(channel=c.Channel.IMPORT).exclude(external_id="")
                .values_list("external_id", flat=True))
    for line, row in enumerate(rows, start=2):
        value = {key: _pick(row, names) for key, names in IMPORT_COLUMNS.items()}
        external = str(value["external_id"] or "").strip()
        if external and external in known:
            result.duplicates += 1
            continue
        title = re.sub(r"\s+", " ", str(value["title"] or "")).strip()[: c.MAX_TITLE]
        text = re.sub(r"\s+", " ", str(value["text"] or "")).strip() or title
        received = parse_local_datetime(value["received_at"])
        if value["received_at"] and received is None:
            result.problems.append(f"第{line}行：时间“{str(value['received_at'])[:20]}”无法识别")
            continue
        try:
            lng = float(value["lng"]) if value["lng"] is not None else None
            lat = float(value["lat"]) if value["lat"] is not None else None
            supporters = int(float(value["supporters"] or 0))
            ticket_intake(
                actor=actor, kind=KIND_BY_LABEL.get(str(value["kind"] or "").strip(), kind), text=text[: c.MAX_TEXT],
                title=title, channel=c.Channel.IMPORT, address=str(value["address"] or ""), lng=lng, lat=lat,
                requester_name=str(value["requester_name"] or ""), requester_phone=str(value["requester_phone"] or ""),
                received_at=received, external_id=external, supporters=supporters, now=now)
        except ValidationFailed as exc:
            detail = "；".join(exc.fields.values()) or exc.message
            result.problems.append(f"第{line}行：{detail}")
            continue
        except (TypeError, ValueError):
            result.problems.append(f"第{line}行：数值格式不正确")
            continue
        if external:
            known.add(external)
        result.created += 1
    return result
