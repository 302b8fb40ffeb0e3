"""Pure rules of a ticket's life: the status machine, time limits and ticket numbers.

No database. Services call these to decide; tests exercise them without one.

Status machine (接诉即办 flow)::

    received ─┬─ dispatch ──────────────► dispatched ─ accept ─► accepted ─ reply ─► replied
              ├─ triage ─► triage ─ dispatch ─┘  ▲   │ return                         │ callback
              └─ answer_on_call ─► closed        │   ▼                                ▼
                                     returned ───┘ (redispatch)              callback_done ─ close ─► closed
    callback_done / closed ─ reopen (once) ─► reopened ─ accept ─► accepted
    grid events (site_check): replied ─ site_check ─► callback_done (─ close, when fixed)
    any open ticket ─ merge ─► merged (its requester gets the main ticket's answer)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from onewindow.core import workdays
from onewindow.core.errors import Conflict

from .constants import (
    DEFAULT_TIME_LIMITS,
    DEFAULT_WARNING_RATIO,
    NUMBER_PREFIX,
    Action,
    LimitClass,
    LimitUnit,
    Status,
    TicketKind,
    Urgency,
)

S = Status
_OPEN_FOR_MERGE = (S.RECEIVED, S.TRIAGE, S.DISPATCHED, S.ACCEPTED, S.RETURNED)

TRANSITIONS: dict[str, dict[str, str]] = {
    Action.TRIAGE: {S.RECEIVED: S.TRIAGE},
    Action.DISPATCH: {S.RECEIVED: S.DISPATCHED, S.TRIAGE: S.DISPATCHED, S.RETURNED: S.DISPATCHED},
    Action.ACCEPT: {S.DISPATCHED: S.ACCEPTED, S.REOPENED: S.ACCEPTED},
    Action.RETURN: {S.DISPATCHED: S.RETURNED, S.ACCEPTED: S.RETURNED},
    Action.REPLY: {S.ACCEPTED: S.REPLIED},
    Action.CALLBACK: {S.REPLIED: S.CALLBACK_DONE},
    Action.CLOSE: {S.CALLBACK_DONE: S.CLOSED},
    Action.ANSWER_ON_CALL: {S.RECEIVED: S.CLOSED, S.TRIAGE: S.CLOSED},
    Action.REOPEN: {S.CALLBACK_DONE: S.REOPENED, S.CLOSED: S.REOPENED},
    # Events reported by grid workers: the reporter checks the fix on site instead of a callback.
    Action.SITE_CHECK: {S.REPLIED: S.CALLBACK_DONE},
    Action.MERGE: dict.fromkeys(_OPEN_FOR_MERGE, S.MERGED),
}

_ACTION_LABELS = dict(Action.choices)
_STATUS_LABELS = dict(Status.choices)


def transition_target(status: str, action: str) -> str | None:
    """The status ``action`` leads to from ``status``, or None if it is not allowed."""
    return TRANSITIONS.get(action, {}).get(status)


def transition_check(status: str, action: str) -> str:
    """The new status; a Conflict naming both when the step is not allowed now."""
    target = transition_target(status, action)
    if target is None:
        raise Conflict(
            f"工单当前状态为“{_STATUS_LABELS.get(status, status)}”，不能执行“{_ACTION_LABELS.get(action, action)}”",
            code="ticket_bad_transition", detail={"status": status, "action": action},
        )
    return target


def actions_available(status: str) -> list[str]:
    return [action for action, table in TRANSITIONS.items() if status in table]


# --- Time limits ------------------------------------------------------------------------------
@dataclass(frozen=True)
class TimeLimit:
    amount: int
    unit: str  # LimitUnit

    @property
    def label(self) -> str:
        suffix = {LimitUnit.HOURS: "小时", LimitUnit.NATURAL_DAYS: "个自然日",
                  LimitUnit.WORKING_DAYS: "个工作日"}[LimitUnit(self.unit)]
        return f"{self.amount}{suffix}"


DEFAULT_LIMITS: dict[str, TimeLimit] = {
    str(k): TimeLimit(amount, str(unit)) for k, (amount, unit) in DEFAULT_TIME_LIMITS.items()
}


def limit_class_for(*, urgency: str, category_class: str | None = None,
                    requested: str | None = None) -> str:
    """Which time limit applies: urgent calls first, then what the dispatcher chose, then the
    category's class (utility outages), else general."""
    if urgency == Urgency.URGENT:
        return LimitClass.URGENT
    if requested in LimitClass.values:
        return str(requested)
    if category_class in LimitClass.values:
        return str(category_class)
    return LimitClass.GENERAL


@dataclass(frozen=True)
class Due:
    due_at: datetime
    warning_at: datetime
    provisional: bool


def deadline_compute(*, start: datetime, limit: TimeLimit, calendar: workdays.WorkCalendar,
                     warning_ratio: float = DEFAULT_WARNING_RATIO) -> Due:
    """When a ticket received at ``start`` is due under ``limit``, and when to warn.

    Hours are natural time from the moment of receipt; days end at the end of the last day
    (the day of receipt not counted), working days by the working-day calendar.
    """
    if start.tzinfo is None:
        raise ValueError("naive datetime")
    if limit.amount < 0:
        raise ValueError("negative limit")
    if limit.unit == LimitUnit.HOURS:
        due_at, provisional = start + timedelta(hours=limit.amount), False
    elif limit.unit == LimitUnit.WORKING_DAYS:
        deadline = workdays.add_working_days(calendar, start, limit.amount)
        due_at, provisional = deadline.at, deadline.provisional
    elif limit.unit == LimitUnit.NATURAL_DAYS:
        deadline = workdays.add_natural_days(calendar, start, limit.amount)
        due_at, provisional = deadline.at, deadline.provisional
    else:
        raise ValueError(f"unknown unit {limit.unit!r}")
    return Due(due_at, warning_at_for(start=start, due_at=due_at, ratio=warning_ratio), provisional)


def warning_at_for(*, start: datetime, due_at: datetime, ratio: float = DEFAULT_WARNING_RATIO) -> datetime:
    ratio = min(max(ratio, 0.0), 1.0)
    span = max(due_at - start, timedelta(0))
    return start + span * ratio


def deadline_extend(*, due_at: datetime, limit: TimeLimit, calendar: workdays.WorkCalendar) -> Due:
    """A deadline moved on by ``limit`` from the old one (an approved extension, 延期)."""
    extended = deadline_compute(start=due_at, limit=limit, calendar=calendar)
    return extended


def return_allowed(*, dispatched_at: datetime, now: datetime, limit_working_days: int,
                   calendar: workdays.WorkCalendar) -> bool:
    """A department may return a ticket within ``limit`` working days of its dispatch."""
    if now < dispatched_at:
        return True
    used = workdays.count_working_days(calendar, dispatched_at, now).days
    return used <= limit_working_days


def is_overdue(*, due_at: datetime | None, now: datetime, finished_at: datetime | None = None) -> bool:
    if due_at is None:
        return False
    return (finished_at or now) > due_at


# --- Numbers ----------------------------------------------------------------------------------
def ticket_number(day: date, sequence: int) -> str:
    """12345-20261122-000123: readable, and sorts by day then arrival as plain text."""
    if not 0 < sequence < 1_000_000:
        raise ValueError("sequence out of range")
    return f"{NUMBER_PREFIX}-{day:%Y%m%d}-{sequence:06d}"


def ticket_number_parse(number: str) -> tuple[date, int] | None:
    parts = (number or "").strip().split("-")
    if len(parts) != 3 or parts[0] != NUMBER_PREFIX or len(parts[1]) != 8 or not parts[2].isdigit():
        return None
    try:
        day = datetime.strptime(parts[1], "%Y%m%d").date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        return None
    return day, int(parts[2])


# --- Callbacks --------------------------------------------------------------------------------
def callback_closes(satisfaction: str) -> bool:
    """满意 and 基本满意 close the ticket at once; 不满意 waits for a supervisor's decision."""
    return satisfaction != "unsatisfied"


def site_check_outcome(*, solved: bool, satisfaction: str) -> str:
    """The rating a site check records: not fixed is always 不满意 (the supervisor then decides)."""
    return satisfaction if solved else "unsatisfied"


def reopen_allowed(*, reopen_count: int, satisfaction: str, limit: int = 1) -> bool:
    return reopen_count < limit and satisfaction == "unsatisfied"


def kind_answerable_on_call(kind: str) -> bool:
    return kind == TicketKind.CONSULT
