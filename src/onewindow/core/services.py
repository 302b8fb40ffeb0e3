"""Writes of the core app: the working-day calendar (法定节假日与调休).

``calendar_seed_from_library`` fills the years the chinese_calendar package knows;
``calendar_import`` replaces one year with an official schedule from a small CSV/YAML file or
a list of rows. Both mark the year official, audit, and publish ``calendar.year_imported`` so
that apps holding provisional deadlines recompute them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from . import constants as c
from .audit import audit_record
from .errors import ValidationFailed
from .events import event_publish
from .inputs import decode_csv_text
from .models import CalendarDay, CalendarYear
from .selectors import MAX_YEAR, MIN_YEAR, calendar_year_check, work_calendar_invalidate

MAX_FILE_BYTES = 64 * 1024
MAX_ROWS = 366
NAME_MAX = CalendarDay._meta.get_field("name").max_length or 40

_KINDS = {
    "holiday": CalendarDay.Kind.HOLIDAY, "rest": CalendarDay.Kind.HOLIDAY,
    "off": CalendarDay.Kind.HOLIDAY, "休": CalendarDay.Kind.HOLIDAY,
    "假": CalendarDay.Kind.HOLIDAY, "放假": CalendarDay.Kind.HOLIDAY,
    "节假日": CalendarDay.Kind.HOLIDAY, "法定节假日": CalendarDay.Kind.HOLIDAY,
    "workday": CalendarDay.Kind.WORKDAY, "work": CalendarDay.Kind.WORKDAY,
    "班": CalendarDay.Kind.WORKDAY, "上班": CalendarDay.Kind.WORKDAY,
    "调休": CalendarDay.Kind.WORKDAY, "调休上班": CalendarDay.Kind.WORKDAY,
    "工作日": CalendarDay.Kind.WORKDAY,
}
_DATE_RE = re.compile(r"^\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*$")
_WEEKDAYS = "一二三四五六日"
_HEADER_DATE = {"date", "日期"}
_HEADER_COLUMNS = {
    "date": "date", "日期": "date",
    "kind": "kind", "type": "kind", "类型": "kind", "类别": "kind",
    "name": "name", "名称": "name", "节日": "name", "说明": "name",
}


@dataclass(frozen=True)
class CalendarRow:
    """One validated row: ``line`` is where it came from (file line or item number)."""

    line: int
    date: date
    kind: str
    name: str


@dataclass(frozen=True)
class _RawRow:
    line: int
    date: Any
    kind: Any
    name: Any


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="calendar_file_invalid", fields={"file": message})


# --- Reading a file ---------------------------------------------------------------------------
def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_FILE_BYTES:
        raise _file_error(f"文件过大（不超过 {MAX_FILE_BYTES // 1024} KB）")
    text = decode_csv_text(content)
    if text is None:  # pragma: no cover - gb18030 decodes most bytes
        raise _file_error("无法识别文件编码，请保存为 UTF-8")
    return text


def _looks_like_yaml(text: str, filename: str) -> bool:
    name = filename.lower()
    if name.endswith((".yaml", ".yml", ".json")):
        return True
    if name.endswith((".csv", ".txt")):
        return False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        return stripped.startswith(("-", "{", "[")) or re.match(r"^[A-Za-z_]+\s*:", stripped) is not None
    return False


def _rows_from_csv(text: str) -> list[_RawRow]:
    rows: list[_RawRow] = []
    columns = ["date", "kind", "name"]
    for line_no, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not rows and cells[0].lower() in _HEADER_DATE:
            columns = [_HEADER_COLUMNS.get(cell.lower(), "") for cell in cells]
            continue
        values = dict(zip(columns, cells, strict=False))
        rows.append(_RawRow(line_no, values.get("date", ""), values.get("kind", ""),
                            values.get("name", "")))
    return rows


def _rows_from_items(items: Iterable[Any]) -> list[_RawRow]:
    rows: list[_RawRow] = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, Mapping):
            rows.append(_RawRow(number, item.get("date"), item.get("kind"), item.get("name", "")))
        elif isinstance(item, list | tuple):
            values = [*item, "", "", ""]
            rows.append(_RawRow(number, values[0], values[1], values[2]))
        else:
            rows.append(_RawRow(number, item, None, ""))
    return rows


def _rows_from_yaml(text: str) -> tuple[list[_RawRow], int | None]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行附近）" if mark is not None else ""
        raise _file_error(f"文件不是有效的 YAML{where}") from exc
    year: int | None = None
    if isinstance(data, Mapping):
        raw_year = data.get("year")
        if raw_year is not None:
            if not isinstance(raw_year, int) or isinstance(raw_year, bool):
                raise _file_error("文件中的 year 应为四位数年份")
            year = raw_year
        data = data.get("days")
    if not isinstance(data, list):
        raise _file_error("YAML 文件应为日期列表，或含 days 列表的对象（每项含 date、kind、name）")
    return _rows_from_items(data), year


@dataclass(frozen=True)
class CalendarFile:
    rows: list[_RawRow]
    year: int | None  # the year the file names (YAML ``year:``), if any
    unit: str  # how its rows are counted in messages: 行 (CSV lines) or 条 (YAML items)


def calendar_file_parse(content: bytes | str, *, filename: str = "") -> CalendarFile:
    """The rows of a CSV (``date,kind,name``) or YAML file, not yet validated."""
    text = _decode(content)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise _file_error(f"文件过大（不超过 {MAX_FILE_BYTES // 1024} KB）")
    if _looks_like_yaml(text, filename):
        rows, year = _rows_from_yaml(text)
        return CalendarFile(rows, year, "条")
    return CalendarFile(_rows_from_csv(text), None, "行")


# --- Validating rows --------------------------------------------------------------------------
def _parse_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _shown(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 30 else text[:30] + "…"


def calendar_rows_validate(rows: list[_RawRow], *, year: int, unit: str = "条") -> list[CalendarRow]:
    """Every row checked; all problems reported at once, each naming its row.

    Raises ValidationFailed with ``fields`` {"rows.N": message} and ``detail``
    [{"row": N, "message": ...}, ...].
    """
    if not rows:
        raise _file_error("没有任何日期：请至少列出该年的法定节假日")
    if len(rows) > MAX_ROWS:
        raise _file_error(f"行数过多（不超过 {MAX_ROWS} 行）")
    problems: list[tuple[int, str]] = []
    seen: dict[date, int] = {}
    valid: list[CalendarRow] = []
    for raw in rows:
        where = f"第 {raw.line} {unit}"
        row_problems: list[str] = []
        day = _parse_date(raw.date)
        if raw.date is None or (isinstance(raw.date, str) and not raw.date.strip()):
            row_problems.append(f"{where}：缺少日期")
        elif day is None:
            row_problems.append(f"{where}：日期“{_shown(raw.date)}”无效，应为 YYYY-MM-DD")
        elif day.year != year:
            row_problems.append(f"{where}：日期 {day.isoformat()} 不在 {year} 年内")
        elif day in seen:
            row_problems.append(
                f"{where}：日期 {day.isoformat()} 与第 {seen[day]} {unit}重复")
        kind_text = "" if raw.kind is None else str(raw.kind).strip()
        kind = _KINDS.get(kind_text.lower())
        if kind is None:
            shown = f"“{_shown(kind_text)}”" if kind_text else "为空"
            row_problems.append(
                f"{where}：类型{shown}无法识别，应为 holiday（放假）或 workday（调休上班）")
        name = "" if raw.name is None else str(raw.name).strip()
        if len(name) > NAME_MAX:
            row_problems.append(f"{where}：名称过长（不超过 {NAME_MAX} 个字）")
        if (day is not None and day.year == year and kind == CalendarDay.Kind.WORKDAY
                and day.weekday() < 5 and not row_problems):
            row_problems.append(
                f"{where}：{day.isoformat()} 是星期{_WEEKDAYS[day.weekday()]}，本就是工作日，"
                "不能标为调休上班（是否与“放假”填反了？）")
        if day is not None and day not in seen:
            seen[day] = raw.line
        if row_problems:
            problems.extend((raw.line, p) for p in row_problems)
        elif day is not None and kind is not None:
            valid.append(CalendarRow(raw.line, day, str(kind), name))
    if problems:
        fields: dict[str, str] = {}
        for line, message in problems:
            key = f"rows.{line}"
            fields[key] = f"{fields[key]}；{message}" if key in fields else message
        bad_rows = len(fields)
        raise ValidationFailed(
            f"导入内容有 {bad_rows} {unit}有误，未导入任何内容，请修改后重新导入",
            code="calendar_rows_invalid",
            fields=fields,
            detail=[{"row": line, "message": message} for line, message in problems],
        )
    return valid


def calendar_year_guess(rows: Iterable[_RawRow]) -> int | None:
    """The one year all parseable dates fall in, if there is exactly one."""
    years = {d.year for d in (_parse_date(r.date) for r in rows) if d is not None}
    return years.pop() if len(years) == 1 else None


# --- Writing ----------------------------------------------------------------------------------
def _year_replace(*, year: int, rows: Iterable[tuple[date, str, str]], source: str,
                  existing: CalendarYear | None) -> CalendarYear:
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=kind, name=name) for d, kind, name in sorted(rows)])
    record = existing or CalendarYear(year=year)
    record.status = CalendarYear.Status.OFFICIAL
    record.source = source[:200]
    record.imported_at = timezone.now()
    record.save()
    transaction.on_commit(work_calendar_invalidate)  # this process sees it at once, others within the TTL
    return record


def _announce(year: int) -> None:
    event_publish(name=c.EVENT_CALENDAR_YEAR_IMPORTED, payload={"year": year})


def calendar_import(
    *,
    actor: Any,
    year: int | None = None,
    rows: list[Mapping[str, Any]] | None = None,
    content: bytes | str | None = None,
    filename: str = "",
    source: str = "",
) -> CalendarYear:
    """Replace one year's holidays and make-up workdays with its official schedule.

    Give either ``rows`` (``[{"date": "2027-01-01", "kind": "holiday", "name": "元旦"}, ...]``)
    or ``content`` of a CSV (``date,kind,name``) or YAML file. All or nothing: any bad row
    raises ValidationFailed naming every bad row and nothing is written. ``year`` may be left
    out when the file names it or all its dates fall in one year.
    """
    if (rows is None) == (content is None):
        raise ValidationFailed("请提供导入文件或日期列表（二选一）", code="calendar_file_invalid")
    unit = "条"
    file_year: int | None = None
    if content is not None:
        parsed = calendar_file_parse(content, filename=filename)
        raw_rows, file_year, unit = parsed.rows, parsed.year, parsed.unit
    else:
        if not isinstance(rows, list):
            raise _file_error("日期列表格式不正确")
        raw_rows = _rows_from_items(rows)
    if year is None:
        year = file_year or calendar_year_guess(raw_rows)
        if year is None:
            raise ValidationFailed("无法确定导入的年份：请指定年份", code="calendar_year_required",
                                   fields={"year": "请指定年份"})
    elif file_year is not None and file_year != year:
        raise _file_error(f"文件写明的年份 {file_year} 与所选年份 {year} 不一致")
    calendar_year_check(year)
    valid = calendar_rows_validate(raw_rows, year=year, unit=unit)
    source = source or (f"导入：{filename}" if filename else "导入")
    with transaction.atomic():
        existing = CalendarYear.objects.select_for_update().filter(year=year).first()
        previous = existing.status if existing else None
        record = _year_replace(year=year, rows=[(r.date, r.kind, r.name) for r in valid],
                               source=source, existing=existing)
        audit_record(actor=actor, action=c.AUDIT_CALENDAR_IMPORT, obj=record, summary={
            "year": year,
            "holidays": sum(1 for r in valid if r.kind == CalendarDay.Kind.HOLIDAY),
            "workdays": sum(1 for r in valid if r.kind == CalendarDay.Kind.WORKDAY),
            "previous_status": previous or "",
            "source": record.source,
        })
        _announce(year)
    return record


def _library_days() -> dict[int, dict[date, tuple[str, str]]]:
    import chinese_calendar

    def chinese(name: str) -> str:
        try:
            return str(chinese_calendar.Holiday(name).chinese)[:NAME_MAX]
        except ValueError:
            return name[:NAME_MAX]

    by_year: dict[int, dict[date, tuple[str, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, {})[day] = (CalendarDay.Kind.HOLIDAY, chinese(name))
    for day, name in chinese_calendar.workdays.items():
        # the package lists only make-up workdays here (weekends on which one works)
        by_year.setdefault(day.year, {})[day] = (CalendarDay.Kind.WORKDAY, chinese(name))
    return {y: days for y, days in by_year.items() if MIN_YEAR <= y <= MAX_YEAR}


def calendar_seed_from_library(*, actor: Any = None) -> list[int]:
    """Fill every year the chinese_calendar package covers and mark it official.

    Idempotent: a year already holding the package's data is left alone (no write, no event),
    and a year an administrator imported from another source is never overwritten. Returns the
    years written.
    """
    import chinese_calendar

    source = f"{c.CALENDAR_LIBRARY_SOURCE} {getattr(chinese_calendar, '__version__', '')}".strip()
    written: list[int] = []
    library = _library_days()
    with transaction.atomic():
        records = {r.year: r for r in CalendarYear.objects.select_for_update().filter(
            year__in=list(library))}
        current: dict[int, dict[date, tuple[str, str]]] = {}
        for day in CalendarDay.objects.filter(date__year__gte=min(library, default=0),
                                              date__year__lte=max(library, default=0)):
            current.setdefault(day.date.year, {})[day.date] = (day.kind, day.name)
        for year in sorted(library):
            record = records.get(year)
            official = record is not None and record.status == CalendarYear.Status.OFFICIAL
            if official and not record.source.startswith(c.CALENDAR_LIBRARY_SOURCE):  # type: ignore[union-attr]
                continue  # imported by people: theirs wins
            if official and current.get(year, {}) == library[year]:
                continue
            rows = [(d, kind, name) for d, (kind, name) in library[year].items()]
            _year_replace(year=year, rows=rows, source=source, existing=record)
            written.append(year)
            _announce(year)
        if written:
            audit_record(actor=actor, action=c.AUDIT_CALENDAR_SEED,
                         object_type=CalendarYear._meta.label_lower,
                         summary={"years": written, "source": source})
    return written
