"""Pure rules of grid work: the house code, locations against a grid's polygon, visit due dates,
quotas, late reports, the residence registration's validity, photo sniffing, event states.

No database. Services call these to decide; tests exercise them without one.

House code (房屋编码), see docs/grid.md::

    530103001001-0012-02-0501
    └ community ┘ └bldg┘ └u┘ └room┘
    12-digit statistical code of the community (社区/村), the building number the community hands
    out (4 digits), the unit (单元, 2 digits, 00 when the building has none) and the room
    (户室, 4 characters: floor and door, e.g. 0501; 0000 for a single-family house).
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from onewindow.core.errors import ValidationFailed
from onewindow.regions.geometry import coordinates_problem

from .constants import (
    PRIORITY_TAGS,
    REGISTRATION_MAX_MONTHS,
    REGISTRATION_MIN_MONTHS,
    REVISIT_DAYS,
    REVISIT_DAYS_PRIORITY,
    TENANT_REPORT_DAYS,
    EventKind,
    EventState,
    LocationCheck,
    SpecialTag,
)

# --- House codes ------------------------------------------------------------------------------
_CODE_RE = re.compile(r"^(\d{12})-?(\d{4})-?(\d{2})-?([0-9A-Z]{4})$")
_ROOM_RE = re.compile(r"^[0-9A-Z]{1,4}$")


@dataclass(frozen=True)
class HouseCode:
    community: str
    building: str
    unit: str
    room: str

    def __str__(self) -> str:
        return f"{self.community}-{self.building}-{self.unit}-{self.room}"

    @property
    def building_code(self) -> str:
        return f"{self.community}-{self.building}"


def _fail(field: str, message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, fields={field: message})


def building_number_clean(value: Any) -> str:
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not 0 < int(text) <= 9999:
        raise _fail("building", "楼栋号应为 1 到 9999 的数字", "building_number_invalid")
    return f"{int(text):04d}"


def unit_clean(value: Any) -> str:
    text = str(value if value is not None else "").strip() or "0"
    if not text.isdigit() or not 0 <= int(text) <= 99:
        raise _fail("unit", "单元应为 0 到 99 的数字（无单元填 0）", "unit_invalid")
    return f"{int(text):02d}"


def room_clean(value: Any) -> str:
    """"501" → "0501"; "b2" → "00B2"; empty (a single-family house) → "0000"."""
    text = str(value if value is not None else "").strip().upper() or "0"
    if not _ROOM_RE.match(text):
        raise _fail("room", "户室号应为 1 到 4 位数字或字母，如 501、1203", "room_invalid")
    return text.rjust(4, "0")


def building_code(community_code: str, number: str) -> str:
    return f"{community_code}-{number}"


def house_code_make(*, community_code: str, building: str, unit: str, room: str) -> HouseCode:
    if not (len(community_code) == 12 and community_code.isdigit()):
        raise _fail("community", "社区代码应为12位数字", "community_code_invalid")
    return HouseCode(community_code, building_number_clean(building), unit_clean(unit), room_clean(room))


def house_code_parse(text: str) -> HouseCode:
    """A code as typed (with or without hyphens) → its parts; ValidationFailed when malformed."""
    match = _CODE_RE.match((text or "").strip().upper())
    if match is None:
        raise _fail("code", "房屋编码格式应为：12位社区代码-4位楼栋号-2位单元-4位户室，如 530103001001-0012-02-0501",
                    "house_code_invalid")
    return HouseCode(*match.groups())


def house_code_check(text: str, *, expected: HouseCode) -> HouseCode:
    """A code given by a client must be the one its community, building, unit and room make."""
    given = house_code_parse(text)
    if given.community != expected.community:
        raise _fail("code", f"房屋编码的社区代码（{given.community}）与房屋所在社区（{expected.community}）不符",
                    "house_code_region_mismatch")
    if given != expected:
        raise _fail("code", f"房屋编码应为 {expected}（与楼栋、单元、户室不符）", "house_code_mismatch")
    return given


def community_of_grid(grid_code: str) -> str:
    """Grids are coded as their community's 12 digits plus a 3-digit suffix."""
    return grid_code[:12]


# --- Locations --------------------------------------------------------------------------------
def point_clean(lng: Any, lat: Any) -> tuple[float, float] | None:
    """Both or neither; numbers on the WGS-84 globe; ValidationFailed (coordinates_invalid) else."""
    if (lng is None or lng == "") and (lat is None or lat == ""):
        return None
    if lng is None or lng == "" or lat is None or lat == "":
        msg = "经度和纬度须同时填写"
        raise ValidationFailed(msg, code="coordinates_invalid", fields={"lng": msg, "lat": msg})
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        msg = "坐标应为数字"
        raise ValidationFailed("坐标无效：" + msg, code="coordinates_invalid",
                               fields={"lng": msg, "lat": msg}) from None
    problems = coordinates_problem(x, y)
    if problems:
        raise ValidationFailed("坐标无效：" + "；".join(problems.values()), code="coordinates_invalid",
                               fields=problems)
    return x, y


def point_in_geometry(geometry: dict[str, Any] | None, lng: float, lat: float) -> bool | None:
    """Whether the (Multi)Polygon covers the point; None when there is no usable polygon."""
    if not geometry:
        return None
    from shapely.geometry import Point, shape

    try:
        return bool(shape(geometry).covers(Point(lng, lat)))
    except Exception:  # an unusable polygon cannot decide
        return None


def location_classify(*, geometry: dict[str, Any] | None, point: tuple[float, float] | None,
                      note: str) -> tuple[str, str]:
    """(LocationCheck, note): inside the grid needs nothing; outside it, or without a position,
    the worker says why (ValidationFailed ``location_reason_required`` otherwise)."""
    note = (note or "").strip()[:200]
    if point is None:
        if len(note) < 2:
            msg = "未获取到定位，请说明原因（如：室内无信号、未授权定位）"
            raise ValidationFailed(msg, code="location_reason_required", fields={"location_note": msg})
        return LocationCheck.UNKNOWN, note
    inside = point_in_geometry(geometry, *point)
    if inside is None:
        return LocationCheck.UNCHECKED, note
    if inside:
        return LocationCheck.INSIDE, note
    if len(note) < 2:
        msg = "定位不在本网格范围内，请说明原因（如：在网格外集中走访、定位偏差）"
        raise ValidationFailed(msg, code="location_reason_required", fields={"location_note": msg})
    return LocationCheck.OUTSIDE, note


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lng, lat) points."""
    lng1, lat1, lng2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# --- Tags, visits and quotas ------------------------------------------------------------------
def tags_clean(values: Any) -> list[str]:
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[,，\s]+", values) if v]
    known = set(SpecialTag.values)
    tags = []
    for value in values:
        tag = str(value).strip()
        if tag not in known:
            raise _fail("tags", f"未知的特殊群体标签：{tag[:20]}", "tag_unknown")
        if tag not in tags:
            tags.append(tag)
    return sorted(tags, key=SpecialTag.values.index)


def is_priority(tags: list[str]) -> bool:
    return any(t in PRIORITY_TAGS for t in tags)


def revisit_days(*, priority: bool) -> int:
    return REVISIT_DAYS_PRIORITY if priority else REVISIT_DAYS


def visit_due(*, last_visited_at: datetime | None, priority: bool, now: datetime) -> bool:
    """Never visited, or not within the revisit interval (shorter for priority households)."""
    if last_visited_at is None:
        return True
    return last_visited_at <= now - timedelta(days=revisit_days(priority=priority))


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month_start(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class QuotaProgress:
    done: int
    quota: int

    @property
    def percent(self) -> int:
        if self.quota <= 0:
            return 100
        return min(100, round(100 * self.done / self.quota))

    @property
    def remaining(self) -> int:
        return max(self.quota - self.done, 0)


def coverage_percent(visited: int, total: int) -> int:
    return round(100 * visited / total) if total else 0


# --- Rented houses and residence registration -------------------------------------------------
def tenancy_late(*, start_on: date, reported_on: date, days: int = TENANT_REPORT_DAYS) -> bool:
    """The landlord reports a tenant within ``days`` days of moving in."""
    return (reported_on - start_on).days > days


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def registration_valid_until(*, arrived_on: date, planned_until: date | None, today: date) -> date:
    """The proof lasts until the planned stay ends: at least a month, at most two years from today."""
    earliest = add_months(today, REGISTRATION_MIN_MONTHS)
    latest = add_months(today, REGISTRATION_MAX_MONTHS)
    if planned_until is None:
        return add_months(today, 12)
    return max(earliest, min(planned_until, latest))


def stay_dates_check(*, arrived_on: date | None, planned_until: date | None, today: date) -> None:
    if arrived_on is not None and arrived_on > today:
        raise _fail("arrived_on", "来本地日期不能晚于今天", "arrived_on_future")
    if arrived_on is not None and planned_until is not None and planned_until < arrived_on:
        raise _fail("planned_stay_until", "拟居住截止日期不能早于来本地日期", "stay_dates_invalid")


# --- Photos -----------------------------------------------------------------------------------
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"GIF87a", 0, "image/gif", "gif"),
    (b"GIF89a", 0, "image/gif", "gif"),
)


def image_sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG, GIF or WebP by its first bytes; None otherwise."""
    for magic, offset, content_type, ext in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


# --- Events -----------------------------------------------------------------------------------
_STATES = {
    "received": EventState.REPORTED, "triage": EventState.REPORTED, "returned": EventState.REPORTED,
    "dispatched": EventState.DISPATCHED, "accepted": EventState.HANDLING, "reopened": EventState.HANDLING,
    "replied": EventState.CHECK, "callback_done": EventState.REVIEW, "closed": EventState.CLOSED,
    "merged": EventState.CLOSED,
}
OPEN_EVENT_STATES = (EventState.REPORTED, EventState.DISPATCHED, EventState.HANDLING, EventState.CHECK,
                     EventState.REVIEW)


def event_state(*, kind: str, ticket_status: str | None) -> str:
    """Where an event stands: self-handled ones are done; reported ones follow their ticket."""
    if kind == EventKind.SELF_HANDLED:
        return EventState.SELF_HANDLED
    return _STATES.get(ticket_status or "", EventState.REPORTED)


def closed_on_time(*, status: str, replied_at: datetime | None, due_at: datetime | None) -> bool:
    """A reported event closed on time: its ticket is closed and was answered within its limit."""
    return status == "closed" and replied_at is not None and (due_at is None or replied_at <= due_at)
