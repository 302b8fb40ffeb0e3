"""Pure rules of applications (办件): the state machine, review plans, deadlines, numbers,
uploads and ratings. No database; tested without one.

The state machine is one explicit table, ``TRANSITIONS``: for every action the statuses it may
start from, the status it leads to, and the roles that may perform it. ``transition_check``
is the single gate every service passes through; it raises ``Conflict`` (stable code
``case_transition_illegal`` and friends) for an action the status does not allow and
``PermissionDenied`` (``case_role_forbidden``) for a role that may not do it.

Roles are the staff roles of ``accounts.constants.Role`` plus two pseudo-roles: ``applicant``
(the person or enterprise the case belongs to, or their agent's account) and ``system`` (the
timer and event handlers).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from onewindow.accounts.constants import Role
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed
from onewindow.core.workdays import (
    SHANGHAI,
    Deadline,
    WorkCalendar,
    add_days,
    count_working_days,
    is_working_day,
    local_date,
)

from .constants import (
    APPLICANT,
    BAD_RATING_MAX,
    CLOCK_STATUSES,
    ROLE_LABELS,
    SYSTEM,
    Action,
    CaseStatus,
    Channel,
    RatingLevel,
    StepKind,
    WarningLevel,
)

S = CaseStatus
A = Action
CLERK = str(Role.WINDOW_CLERK)
REVIEWER = str(Role.DEPT_REVIEWER)
LEADER = str(Role.LEADER)

#: Channels whose cases are pre-reviewed (预审) before acceptance: nobody saw the originals.
PREREVIEW_CHANNELS = frozenset({Channel.ONLINE.value, Channel.KIOSK.value})
ALL_CHANNELS = frozenset(Channel.values)


# --- The state machine ------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    #: The status the case goes to; ``None`` means "back to the status it was paused from".
    target: str | None
    roles: frozenset[str]
    channels: frozenset[str] = ALL_CHANNELS
    #: A reason or opinion text is required (不予受理/不予许可 must say why).
    reason_required: bool = False

    @property
    def label(self) -> str:
        return str(Action(self.action).label)


def _t(action: Action, sources: Iterable[CaseStatus], target: CaseStatus | None,
       roles: Iterable[str], **kwargs: Any) -> Transition:
    return Transition(action=action.value, sources=frozenset(s.value for s in sources),
                      target=target.value if target else None, roles=frozenset(roles), **kwargs)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t(A.SUBMIT, [S.DRAFT], S.SUBMITTED, [APPLICANT, CLERK]),
    _t(A.PREREVIEW, [S.SUBMITTED], S.PREREVIEWED, [CLERK, REVIEWER],
       channels=PREREVIEW_CHANNELS),
    _t(A.ACCEPT, [S.SUBMITTED, S.PREREVIEWED], S.ACCEPTED, [CLERK, REVIEWER]),
    _t(A.NOT_ACCEPT, [S.SUBMITTED, S.PREREVIEWED], S.NOT_ACCEPTED, [CLERK, REVIEWER],
       reason_required=True),
    _t(A.REQUEST_SUPPLEMENT, [S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED, S.IN_REVIEW],
       S.SUPPLEMENT, [CLERK, REVIEWER], reason_required=True),
    _t(A.RESUBMIT, [S.SUPPLEMENT], None, [APPLICANT, CLERK]),
    _t(A.COMPLETE_STEP, [S.ACCEPTED, S.IN_REVIEW], S.IN_REVIEW, [REVIEWER, LEADER]),
    _t(A.START_SPECIAL, [S.ACCEPTED, S.IN_REVIEW], S.SPECIAL, [REVIEWER, LEADER],
       reason_required=True),
    _t(A.END_SPECIAL, [S.SPECIAL], None, [REVIEWER, LEADER]),
    _t(A.APPROVE, [S.ACCEPTED, S.IN_REVIEW], S.APPROVED, [REVIEWER, LEADER]),
    _t(A.REFUSE, [S.ACCEPTED, S.IN_REVIEW], S.REFUSED, [REVIEWER, LEADER],
       reason_required=True),
    _t(A.DELIVER, [S.APPROVED, S.REFUSED], S.DELIVERED, [CLERK, REVIEWER]),
    _t(A.CLOSE, [S.DELIVERED], S.CLOSED, [CLERK, REVIEWER, SYSTEM]),
    _t(A.WITHDRAW, [S.SUBMITTED, S.PREREVIEWED, S.SUPPLEMENT, S.ACCEPTED, S.IN_REVIEW, S.SPECIAL],
       S.WITHDRAWN, [APPLICANT, CLERK]),
)}

#: Where a pause may resume to (the status recorded when the clock stopped).
RESUMABLE = {
    A.RESUBMIT.value: frozenset({S.SUBMITTED.value, S.ACCEPTED.value, S.IN_REVIEW.value}),
    A.END_SPECIAL.value: frozenset({S.ACCEPTED.value, S.IN_REVIEW.value}),
}


def status_label(status: str) -> str:
    try:
        return str(CaseStatus(status).label)
    except ValueError:
        return status


def roles_label(roles: Iterable[str]) -> str:
    order = [APPLICANT, CLERK, REVIEWER, LEADER, SYSTEM]
    ordered = sorted(set(roles), key=lambda r: (order.index(r) if r in order else 99, r))
    return "、".join(ROLE_LABELS.get(r, r) for r in ordered)


@dataclass(frozen=True)
class StepPlan:
    """One review step of an item (审查、审核、决定、现场勘察) and who may complete it."""

    name: str
    kind: str
    roles: tuple[str, ...]

    @property
    def is_decision(self) -> bool:
        return self.kind == StepKind.DECISION

    @property
    def needs_record(self) -> bool:
        return self.kind == StepKind.INSPECTION


def transition_get(action: str) -> Transition:
    try:
        return TRANSITIONS[action]
    except KeyError:
        raise ValidationFailed(f"未知的办理操作：{action}", code="case_action_unknown") from None


def transition_check(*, action: str, status: str, roles: Iterable[str], channel: str = "",
                     step: StepPlan | None = None, resume_status: str = "",
                     result_ready: bool = True) -> str:
    """Check that ``roles`` may perform ``action`` on a case in ``status``; return the new status.

    ``step`` is the case's current review step (for ``complete_step``, ``approve``, ``refuse``),
    ``resume_status`` the status recorded when the clock stopped (for ``resubmit`` and
    ``end_special``), ``result_ready`` whether an approved case's result document exists (for
    ``deliver``).
    """
    transition = transition_get(action)
    label = transition.label
    if status not in transition.sources:
        raise Conflict(f"办件当前状态为“{status_label(status)}”，不能执行“{label}”",
                       code="case_transition_illegal",
                       detail={"action": action, "status": status})
    if channel and channel not in transition.channels:
        raise Conflict(f"{Channel(channel).label}的办件没有“{label}”环节",
                       code="case_channel_illegal", detail={"action": action, "channel": channel})
    allowed = set(transition.roles)
    if action == A.ACCEPT and status == S.SUBMITTED and channel in PREREVIEW_CHANNELS:
        raise Conflict("网上申请须先通过预审才能受理", code="case_prereview_required")
    if action == A.COMPLETE_STEP:
        if step is None:
            raise Conflict("该事项没有待完成的审查环节，请直接作出决定", code="case_no_step")
        if step.is_decision:
            raise Conflict(f"“{step.name}”是决定环节，请作出准予或不予许可的决定",
                           code="case_step_is_decision")
        allowed &= set(step.roles)
    if action in (A.APPROVE, A.REFUSE) and step is not None:
        if not step.is_decision:
            raise Conflict(f"尚未到决定环节，当前环节为“{step.name}”", code="case_decision_not_reached")
        allowed &= set(step.roles)
    if action == A.DELIVER and status == S.APPROVED and not result_ready:
        raise Conflict("办理结果（证照或批准文书）尚未出具，不能送达", code="case_result_not_issued")
    if not allowed.intersection(roles):
        raise PermissionDenied(f"“{label}”只能由{roles_label(allowed)}办理",
                               code="case_role_forbidden",
                               detail={"action": action, "roles": sorted(allowed)})
    if transition.target is not None:
        return transition.target
    if resume_status not in RESUMABLE[action]:
        raise Conflict("办件暂停前的状态无效，无法恢复计时", code="case_resume_invalid")
    return resume_status


def allowed_actions(*, status: str, roles: Iterable[str], channel: str = "",
                    step: StepPlan | None = None, resume_status: str = "",
                    result_ready: bool = True) -> list[str]:
    """The actions ``roles`` may take now, in table order (for buttons and the API)."""
    roles = frozenset(roles)
    found = []
    for action in TRANSITIONS:
        try:
            transition_check(action=action, status=status, roles=roles, channel=channel,
                             step=step, resume_status=resume_status, result_ready=result_ready)
        except (Conflict, PermissionDenied):
            continue
        found.append(action)
    return found


def reason_check(action: str, reason: str, *, field: str = "reason") -> str:
    text = (reason or "").strip()
    if TRANSITIONS[action].reason_required and len(text) < 2:
        message = f"“{TRANSITIONS[action].label}”须写明理由"
        raise ValidationFailed(message, code="case_reason_required", fields={field: message})
    if len(text) > 2000:
        raise ValidationFailed("理由过长（不超过2000字）", code="case_reason_too_long",
                               fields={field: "理由过长（不超过2000字）"})
    return text


# --- Review plans -----------------------------------------------------------------------------
#: Step names of the catalogue's 办理流程 that are not review steps of the back office.
NON_REVIEW_WORDS = ("受理", "申请", "提交", "预审", "送达", "出件", "领取", "办结", "归档", "咨询",
                    "取件", "缴费", "评价",
                    # issuing the result follows the decision (case_result_issue), never precedes it
                    "发照", "发证", "颁证", "制证", "发放", "出证")
DECISION_WORDS = ("决定", "审批", "批准", "签发", "核准", "审定")
INSPECTION_WORDS = ("勘", "核查", "踏勘", "实地")
DEFAULT_PLAN: tuple[StepPlan, ...] = (
    StepPlan("审查", StepKind.REVIEW.value, (REVIEWER,)),
    StepPlan("审核", StepKind.REVIEW.value, (REVIEWER, LEADER)),
    StepPlan("决定", StepKind.DECISION.value, (REVIEWER, LEADER)),
)


def _step_roles(kind: str, handler: str) -> tuple[str, ...]:
    if "领导" in handler or "负责人" in handler:
        return (LEADER,)
    if kind == StepKind.DECISION:
        return (REVIEWER, LEADER)
    return (REVIEWER,)


def review_plan(steps: Sequence[Mapping[str, Any]] | None) -> tuple[StepPlan, ...]:
    """The back-office steps of an item version from its 办理流程 (``version.steps``).

    Intake and delivery steps are the window's and are left out; a step whose name speaks of
    a site visit is a 现场勘察 (its completion needs a record); the last step is always a
    decision (added as “决定” when the catalogue does not name one). No usable steps: the
    default 审查 → 审核 → 决定.
    """
    plan: list[StepPlan] = []
    for raw in steps or []:
        if not isinstance(raw, Mapping):
            continue
        name = str(raw.get("name") or "").strip()[:40]
        if not name or any(word in name for word in NON_REVIEW_WORDS):
            continue
        if any(word in name for word in DECISION_WORDS):
            kind = StepKind.DECISION.value
        elif any(word in name for word in INSPECTION_WORDS):
            kind = StepKind.INSPECTION.value
        else:
            kind = StepKind.REVIEW.value
        plan.append(StepPlan(name, kind, _step_roles(kind, str(raw.get("handler_role") or ""))))
    if not plan:
        return DEFAULT_PLAN
    # Only the last decision counts as the decision; earlier ones are reviews.
    plan = [p if p.kind != StepKind.DECISION or i == len(plan) - 1
            else StepPlan(p.name, StepKind.REVIEW.value, (REVIEWER, LEADER))
            for i, p in enumerate(plan)]
    if not plan[-1].is_decision:
        plan.append(StepPlan("决定", StepKind.DECISION.value, (REVIEWER, LEADER)))
    return tuple(plan)


def inspection_record_check(record: Mapping[str, Any] | None) -> dict[str, str]:
    """A 现场勘察 record: date, place, inspectors and findings are all required."""
    record = record or {}
    labels = {"date": "勘察日期", "place": "勘察地点", "inspectors": "勘察人员", "findings": "勘察情况"}
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for key, label in labels.items():
        value = str(record.get(key) or "").strip()
        if not value:
            errors[f"record.{key}"] = f"请填写{label}"
        cleaned[key] = value[:1000]
    if not errors:
        try:
            date.fromisoformat(cleaned["date"])
        except ValueError:
            errors["record.date"] = "勘察日期格式应为 YYYY-MM-DD"
    if errors:
        raise ValidationFailed("现场勘察记录不完整", code="case_inspection_record", fields=errors)
    return cleaned


# --- Deadlines --------------------------------------------------------------------------------
UNIT_MAP = {"working_day": "working", "natural_day": "natural", "working": "working",
            "natural": "natural"}


def calendar_unit(unit: str) -> str:
    return UNIT_MAP.get(unit, "working")


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None  # None: still paused


def pause_days(calendar: WorkCalendar, pause: Pause, *, unit: str = "working_day",
               now: datetime | None = None) -> int:
    """Days a pause adds to the time limit: the days after the day it began up to the day it
    ended (the pause day itself already counted; a pause within one day adds nothing)."""
    end = pause.end or now
    if end is None or end <= pause.start:
        return 0
    if calendar_unit(unit) == "natural":
        return max((local_date(end) - local_date(pause.start)).days, 0)
    return max(count_working_days(calendar, pause.start, end).days, 0)


def due_compute(calendar: WorkCalendar, *, start: datetime, days: int | None, unit: str,
                paused_days: int = 0) -> Deadline | None:
    """When a limit of ``days`` counted from ``start`` falls due, extended by the days paused.

    ``None`` when the catalogue gives no limit. 0 days (即办) is the end of the start day.
    """
    if days is None:
        return None
    return add_days(calendar, start, days + max(paused_days, 0), calendar_unit(unit))


def subtract_working_days(calendar: WorkCalendar, day: date, days: int) -> date:
    """The working day ``days`` working days before ``day`` (``day`` itself when 0)."""
    counted = 0
    while counted < days:
        day -= timedelta(days=1)
        if is_working_day(calendar, day):
            counted += 1
    return day


def warning_threshold(total_days: int, share: float) -> int | None:
    """Remaining working days at or below which a case turns yellow; ``None`` for 即办 (no
    yellow, only red). Yellow when under ``share`` of the limit is left."""
    if total_days <= 0:
        return None
    return max(math.ceil(total_days * share) - 1, 0)


def warn_at_compute(calendar: WorkCalendar, *, due: datetime, total_days: int,
                    share: float) -> datetime | None:
    """The moment the case turns yellow: the start of the day from which no more than the
    threshold of working days remain before ``due``."""
    threshold = warning_threshold(total_days, share)
    if threshold is None:
        return None
    day = subtract_working_days(calendar, local_date(due), threshold)
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def remaining_working_days(calendar: WorkCalendar, *, now: datetime, due: datetime) -> int:
    """Working days left after today up to the due day (0 = due today, negative = overdue)."""
    return count_working_days(calendar, now, due).days


def warning_level(*, now: datetime, due_at: datetime | None, warn_at: datetime | None) -> str:
    if due_at is None:
        return WarningLevel.NONE.value
    if now > due_at:
        return WarningLevel.RED.value
    if warn_at is not None and now >= warn_at:
        return WarningLevel.YELLOW.value
    return WarningLevel.NONE.value


@dataclass(frozen=True)
class Completion:
    working_days_used: int
    early: bool
    overdue: bool


def completion_compute(calendar: WorkCalendar, *, accepted_at: datetime, completed_at: datetime,
                       paused_days: int, due_at: datetime | None) -> Completion:
    """How long a decided case took in working days (pauses not counted), and whether it was
    finished before the day it was due (提前办结) or after it (超期)."""
    used = max(count_working_days(calendar, accepted_at, completed_at).days - paused_days, 0)
    if due_at is None:
        return Completion(used, False, False)
    done_day, due_day = local_date(completed_at), local_date(due_at)
    return Completion(used, done_day < due_day, completed_at > due_at)


def clock_runs(status: str) -> bool:
    return status in CLOCK_STATUSES


# --- Case numbers -----------------------------------------------------------------------------
NUMBER_RE = re.compile(r"^(\d{6})(\d{8})(\d{5})$")
SEQ_DIGITS = 5


def case_number_key(area_code: str, day: date) -> str:
    """The counter key of one area and day: ``530103`` + ``20261122``."""
    area = (area_code or "")[:6]
    if len(area) != 6 or not area.isdigit():
        raise ValueError("area code must be 6 digits")
    return f"{area}{day:%Y%m%d}"


def case_number_format(key: str, seq: int) -> str:
    """办件编号: 6-digit area + date + 5-digit sequence of the day, e.g. 5301032026112200001.

    Readable (where and when) and sortable (within an area, by time)."""
    if not 1 <= seq < 10 ** SEQ_DIGITS:
        raise Conflict("当日办件编号已用尽，请联系管理员", code="case_number_exhausted")
    return f"{key}{seq:0{SEQ_DIGITS}d}"


def case_number_normalise(value: str) -> str:
    """Strip spaces and hyphens people type; return '' when it cannot be a case number."""
    text = re.sub(r"[\s\-_]", "", value or "")
    return text if NUMBER_RE.match(text) else ""


def id_tail_normalise(value: str) -> str:
    """The last 4–6 characters of an ID number or credit code, upper-cased; '' if malformed."""
    text = re.sub(r"\s", "", value or "").upper()
    return text if re.fullmatch(r"[0-9A-Z]{4,6}", text) else ""


def id_tail_matches(full: str, tail: str) -> bool:
    """Constant-time comparison of the end of ``full`` with ``tail``."""
    if not tail:  # full[-0:] would be the whole of it; a longer tail or an empty full never compares equal
        return False
    return hmac.compare_digest(full.upper()[-len(tail):].encode(), tail.upper().encode())


# --- Uploads ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extension: str


PDF = FileKind("PDF", "application/pdf", "pdf")
JPEG = FileKind("JPG", "image/jpeg", "jpg")
PNG = FileKind("PNG", "image/png", "png")
ACCEPTED_KINDS = (PDF, JPEG, PNG)


def file_kind_sniff(head: bytes) -> FileKind | None:
    """The kind of a file from its first bytes (magic numbers), ignoring its name."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def upload_check(*, name: str, size: int, head: bytes, max_bytes: int,
                 field: str = "file") -> FileKind:
    """Accept PDF, JPG and PNG by content; clear Chinese messages otherwise."""
    label = f"“{(name or '文件')[:60]}”"
    if size <= 0:
        message = f"文件{label}是空文件，请重新选择"
        raise ValidationFailed(message, code="case_file_empty", fields={field: message})
    if size > max_bytes:
        message = (f"文件{label}大小为 {size / 1024 / 1024:.1f} MB，"
                   f"超过 {max_bytes / 1024 / 1024:g} MB 的上限，请压缩后重新上传")
        raise ValidationFailed(message, code="case_file_too_large", fields={field: message})
    kind = file_kind_sniff(head)
    if kind is None:
        message = (f"文件{label}不是 PDF、JPG 或 PNG 文件（按文件内容识别，与文件名无关），"
                   "请转换后重新上传")
        raise ValidationFailed(message, code="case_file_type", fields={field: message})
    return kind


def sha256_hex(chunks: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def safe_filename(name: str) -> str:
    """A display name for an uploaded file: no path, no control characters, 100 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "", base).strip() or "file"
    return base[-100:]


# --- Materials --------------------------------------------------------------------------------
@dataclass(frozen=True)
class MaterialView:
    name: str
    is_required: bool
    provided: bool


def materials_missing(materials: Iterable[MaterialView]) -> list[str]:
    return [m.name for m in materials if m.is_required and not m.provided]


def materials_check(materials: Iterable[MaterialView]) -> None:
    missing = materials_missing(materials)
    if missing:
        message = "以下必要材料尚未提交：" + "、".join(missing)
        raise ValidationFailed(message, code="case_materials_missing",
                               fields={"materials": message}, detail={"missing": missing})


def supplement_items_clean(items: Iterable[Mapping[str, Any]] | None, *,
                           known: Iterable[str] = ()) -> list[dict[str, str]]:
    """The 一次性告知 list: each item names what is missing or wrong and why."""
    known_set = set(known)
    cleaned: list[dict[str, str]] = []
    for raw in items or []:
        name = str(raw.get("name") or raw.get("material") or "").strip()[:200]
        reason = str(raw.get("reason") or "").strip()[:500]
        material_id = str(raw.get("material_id") or "").strip()
        if not name:
            continue
        if material_id and known_set and material_id not in known_set:
            raise ValidationFailed("补正清单中的材料不属于该办件", code="case_supplement_material",
                                   fields={"items": "补正清单中的材料不属于该办件"})
        cleaned.append({"name": name, "reason": reason, "material_id": material_id})
    if not cleaned:
        message = "请列出需要补正的材料或内容（一次性告知）"
        raise ValidationFailed(message, code="case_supplement_items_required",
                               fields={"items": message})
    return cleaned


# --- Ratings ----------------------------------------------------------------------------------
def rating_level_check(level: Any) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in RatingLevel.values:
        message = "请选择评价等级（非常满意、满意、基本满意、不满意、非常不满意）"
        raise ValidationFailed(message, code="rating_level_invalid", fields={"level": message})
    return value


def rating_is_bad(level: int) -> bool:
    return level <= BAD_RATING_MAX


def rating_comment_check(level: int, comment: str) -> str:
    text = (comment or "").strip()
    if rating_is_bad(level) and len(text) < 2:
        message = "差评请简要说明原因，以便部门整改"
        raise ValidationFailed(message, code="rating_comment_required", fields={"comment": message})
    if len(text) > 1000:
        raise ValidationFailed("评价内容过长（不超过1000字）", code="rating_comment_too_long",
                               fields={"comment": "评价内容过长（不超过1000字）"})
    return text


# --- Figures ----------------------------------------------------------------------------------
@dataclass
class Figures:
    """Counts for one department and period; rates are derived."""

    cases: int = 0
    online: int = 0
    finished: int = 0
    early: int = 0
    overdue: int = 0
    working_days_total: int = 0
    working_days_count: int = 0
    licence_materials: int = 0
    visits_saved: int = 0
    ratings: int = 0
    satisfied: int = 0
    rating_points: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(part * 100.0 / whole, 1) if whole else None

    @property
    def online_share(self) -> float | None:
        return self._rate(self.online, self.cases)

    @property
    def early_rate(self) -> float | None:
        return self._rate(self.early, self.finished)

    @property
    def average_working_days(self) -> float | None:
        if not self.working_days_count:
            return None
        return round(self.working_days_total / self.working_days_count, 1)

    @property
    def satisfaction(self) -> float | None:
        """Share of ratings that are 基本满意 or better (好评率)."""
        return self._rate(self.satisfied, self.ratings)

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_points / self.ratings, 2) if self.ratings else None


def visits_saved(*, channel: str, delivery_method: str) -> int:
    """Trips to the hall a case spared its applicant: applying online saves the trip to apply,
    online or postal delivery the trip to collect the result (跑动次数)."""
    saved = 1 if channel == Channel.ONLINE else 0
    if delivery_method in ("online", "post"):
        saved += 1
    return saved
