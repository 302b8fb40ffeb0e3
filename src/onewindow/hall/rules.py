"""Pure rules of the service hall: the number's lifecycle, service order, priority, opening
hours, spoken calls, wait estimates, slots, check-in timing and booking limits. No database."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from onewindow.core.errors import Conflict
from onewindow.core.workdays import SHANGHAI

from .constants import PriorityReason, Rank, TicketStatus

T = TicketStatus


# --- Lifecycle of a number --------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str
    label: str


TRANSITIONS: dict[str, Transition] = {
    "call": Transition((T.WAITING,), T.CALLED, "叫号"),
    "recall": Transition((T.CALLED,), T.CALLED, "重呼"),
    "no_show_recall": Transition((T.NO_SHOW,), T.CALLED, "过号重呼"),
    "start": Transition((T.CALLED,), T.SERVING, "开始办理"),
    "no_show": Transition((T.CALLED,), T.NO_SHOW, "过号"),
    "transfer": Transition((T.CALLED, T.SERVING), T.WAITING, "转办"),
    "finish": Transition((T.SERVING,), T.DONE, "办结"),
    "cancel": Transition((T.WAITING,), T.CANCELLED, "取消"),
    "expire": Transition((T.WAITING, T.CALLED), T.EXPIRED, "当日未办理"),
}

STATUS_LABELS = dict(TicketStatus.choices)


def transition_check(action: str, status: str) -> str:
    """The status after ``action``; Conflict (``hall_ticket_state``) when not allowed now."""
    rule = TRANSITIONS[action]
    if status not in rule.sources:
        raise Conflict(f"该号当前为“{STATUS_LABELS.get(status, status)}”，不能{rule.label}",
                       code="hall_ticket_state")
    return rule.target


def ticket_number(prefix: str, seq: int) -> str:
    """A001 … A999, then A1000 (never reused within a day)."""
    return f"{prefix}{seq:03d}"


# --- Priority ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PriorityRules:
    """A hall's priority settings (HallProfile), as plain values."""

    prereview: bool = True
    guide_check: bool = True
    age: int = 70
    disabled: bool = True
    pregnant: bool = True
    appointment: bool = True


def age_on(birth: date, day: date) -> int:
    years = day.year - birth.year
    return years - 1 if (day.month, day.day) < (birth.month, birth.day) else years


def priority_reasons(rules: PriorityRules, *, birth_date: date | None = None, today: date | None = None,
                     prereviewed: bool = False, guide_checked: bool = False, disabled: bool = False,
                     pregnant: bool = False) -> list[str]:
    """Why a number is a priority number (特呼号) under a hall's rules, most telling first."""
    reasons: list[str] = []
    if prereviewed and rules.prereview:
        reasons.append(PriorityReason.PREREVIEW)
    if guide_checked and rules.guide_check:
        reasons.append(PriorityReason.GUIDE_CHECK)
    if rules.age and birth_date is not None and today is not None and age_on(birth_date, today) >= rules.age:
        reasons.append(PriorityReason.ELDERLY)
    if disabled and rules.disabled:
        reasons.append(PriorityReason.DISABLED)
    if pregnant and rules.pregnant:
        reasons.append(PriorityReason.PREGNANT)
    return [str(r) for r in reasons]


def queue_rank(*, reasons: Iterable[str] = (), appointment_on_time: bool = False,
               transferred: bool = False) -> int:
    """Service order: checked-in appointments, then transferred numbers (they waited once
    already), then priority numbers, then everyone else; within a rank, first taken first."""
    if appointment_on_time:
        return Rank.APPOINTMENT
    if transferred:
        return Rank.TRANSFERRED
    if any(True for _ in reasons):
        return Rank.PRIORITY
    return Rank.NORMAL


# --- Opening hours ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Hours:
    opens_at: time
    closes_at: time
    last_take_minutes: int = 30
    lunch_from: time | None = None
    lunch_to: time | None = None

    @property
    def last_take(self) -> time:
        day = date(2000, 1, 3)
        moment = datetime.combine(day, self.closes_at) - timedelta(minutes=self.last_take_minutes)
        # compared as moments of one day: a lead longer than the morning must not wrap to last night
        return max(moment, datetime.combine(day, self.opens_at)).time()


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


def take_check(hours: Hours, *, now: datetime, working_day: bool) -> None:
    """Numbers are given on working days between opening and ``last_take``; else a clear 409."""
    local = now.astimezone(SHANGHAI)
    if not working_day:
        raise Conflict("今天是休息日或法定节假日，大厅不办公，请在工作日前来或在线预约",
                       code="hall_holiday")
    if local.time() < hours.opens_at:
        raise Conflict(f"大厅尚未开始取号，取号时间为{_hm(hours.opens_at)}至{_hm(hours.last_take)}",
                       code="hall_not_open")
    if local.time() >= hours.last_take:
        raise Conflict(f"今日取号已结束（{_hm(hours.last_take)}停止取号），请明天再来或在线预约",
                       code="hall_closed")


# --- Calls ------------------------------------------------------------------------------------
DIGITS = "零一二三四五六七八九"


def spoken(text: str) -> str:
    """Digits read one by one in Chinese (A012 → A零一二), as calling systems do."""
    return "".join(DIGITS[int(ch)] if ch.isdigit() else ch for ch in text)


def call_speech(number: str, window_number: str) -> str:
    return f"请{spoken(number)}号到{spoken(window_number)}号窗口办理"


def estimate_wait_minutes(*, ahead: int, service_minutes: float, windows: int) -> int:
    """Minutes until a number is likely called: the people ahead shared among the windows
    serving its type (at least one), each taking ``service_minutes``."""
    if ahead <= 0:
        return 0
    return math.ceil(ahead * max(service_minutes, 1.0) / max(windows, 1))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


# --- Appointments -----------------------------------------------------------------------------
def slot_times(day: date, hours: Hours, minutes: int) -> list[tuple[datetime, datetime]]:
    """The bookable periods of a day: from opening to closing in steps of ``minutes``, none
    across the lunch break."""
    minutes = max(int(minutes), 5)
    step = timedelta(minutes=minutes)
    start = datetime.combine(day, hours.opens_at, tzinfo=SHANGHAI)
    close = datetime.combine(day, hours.closes_at, tzinfo=SHANGHAI)
    lunch = None
    if hours.lunch_from and hours.lunch_to and hours.lunch_from < hours.lunch_to:
        lunch = (datetime.combine(day, hours.lunch_from, tzinfo=SHANGHAI),
                 datetime.combine(day, hours.lunch_to, tzinfo=SHANGHAI))
    out: list[tuple[datetime, datetime]] = []
    while start + step <= close:
        end = start + step
        if lunch and start < lunch[1] and end > lunch[0]:
            start = lunch[1]
            continue
        out.append((start, end))
        start = end
    return out


def checkin_timing(*, now: datetime, starts_at: datetime, ends_at: datetime, early_minutes: int,
                   late_minutes: int) -> str:
    """``"early"`` (too early to check in), ``"on_time"`` or ``"late"``."""
    if now < starts_at - timedelta(minutes=early_minutes):
        return "early"
    if now <= max(ends_at, starts_at + timedelta(minutes=late_minutes)):
        return "on_time"
    return "late"


def booking_blocked_until(no_shows: Sequence[datetime], *, now: datetime, limit: int, period_days: int,
                          block_days: int) -> datetime | None:
    """Repeated no-shows limit booking: with ``limit`` or more within ``period_days`` before the
    latest one, booking is refused for ``block_days`` after it (None: booking allowed)."""
    if limit <= 0 or not no_shows:
        return None
    latest = max(no_shows)
    window_start = latest - timedelta(days=period_days)
    if sum(1 for at in no_shows if at > window_start) < limit:
        return None
    until = latest + timedelta(days=block_days)
    return until if until > now else None


def change_deadline(starts_at: datetime, cutoff_minutes: int) -> datetime:
    return starts_at - timedelta(minutes=cutoff_minutes)


# --- Figures ----------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0–100) with linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    k = (len(ordered) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo))


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None
