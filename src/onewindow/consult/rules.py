"""Pure rules of online consultation: service hours and the first-answer deadline counted in
working minutes, message text cleaning. No database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from onewindow.core.workdays import SHANGHAI

Hours = list[tuple[time, time]]
IsWorkingDay = Callable[[date], bool]


def hours_parse(spec: str) -> Hours:
    """``"09:00-12:00,13:30-17:30"`` → ordered, non-overlapping ranges; raises ValueError."""
    ranges: Hours = []
    for part in (spec or "").split(","):
        part = part.strip()
        if not part:
            continue
        start_s, _, end_s = part.partition("-")
        start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
        if end <= start:
            raise ValueError(f"bad range {part!r}")
        if ranges and start < ranges[-1][1]:
            raise ValueError(f"ranges overlap or are unordered at {part!r}")
        ranges.append((start, end))
    if not ranges:
        raise ValueError("no service hours")
    return ranges


def in_hours(at: datetime, *, hours: Hours, is_working_day: IsWorkingDay) -> bool:
    local = at.astimezone(SHANGHAI)
    if not is_working_day(local.date()):
        return False
    now = local.time()
    return any(start <= now < end for start, end in hours)


def add_working_minutes(start: datetime, minutes: int, *, hours: Hours, is_working_day: IsWorkingDay,
                        max_days: int = 60) -> datetime:
    """The instant ``minutes`` of service time after ``start`` (time outside the hours and on
    non-working days does not count). Starting outside the hours counts from the next opening."""
    if minutes < 0:
        raise ValueError("minutes must be ≥ 0")
    local = start.astimezone(SHANGHAI)
    left = timedelta(minutes=minutes)
    day = local.date()
    for _ in range(max_days):
        if is_working_day(day):
            for open_t, close_t in hours:
                seg_start = datetime.combine(day, open_t, tzinfo=SHANGHAI)
                seg_end = datetime.combine(day, close_t, tzinfo=SHANGHAI)
                begin = max(seg_start, local)
                if begin >= seg_end:
                    continue
                if begin + left <= seg_end:
                    return begin + left
                left -= seg_end - begin
        day += timedelta(days=1)
    raise ValueError("no service time within the horizon")


def working_minutes_between(start: datetime, end: datetime, *, hours: Hours, is_working_day: IsWorkingDay) -> int:
    """Service minutes from ``start`` to ``end`` (0 when end ≤ start)."""
    if end <= start:
        return 0
    a, b = start.astimezone(SHANGHAI), end.astimezone(SHANGHAI)
    total = timedelta()
    day = a.date()
    while day <= b.date():
        if is_working_day(day):
            for open_t, close_t in hours:
                seg_start = max(datetime.combine(day, open_t, tzinfo=SHANGHAI), a)
                seg_end = min(datetime.combine(day, close_t, tzinfo=SHANGHAI), b)
                if seg_end > seg_start:
                    total += seg_end - seg_start
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)


_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_LINES = re.compile(r"\n{3,}")


def message_clean(text: str) -> str:
    """Plain text as typed: NFC, control and direction-override characters removed, runs of
    blank lines shortened, ends trimmed."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", text)
    return _LINES.sub("\n\n", text).strip()


def average(values: list[int | float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None
