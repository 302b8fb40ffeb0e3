"""Vocabularies of applications (办件): statuses, actions, channels, warnings, ratings."""

from __future__ import annotations

from django.db import models

from onewindow.accounts.constants import Role


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交（待预审/受理）"
    PREREVIEWED = "prereviewed", "预审通过（待受理）"
    SUPPLEMENT = "supplement", "待补正"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    IN_REVIEW = "in_review", "审查中"
    SPECIAL = "special", "特别程序中"
    APPROVED = "approved", "准予许可（待送达）"
    REFUSED = "refused", "不予许可（待送达）"
    DELIVERED = "delivered", "已送达"
    CLOSED = "closed", "已办结"
    WITHDRAWN = "withdrawn", "已撤回"


S = CaseStatus
#: The case is somebody's work: shown in workbench queues (partial indexes use this set).
OPEN_STATUSES: tuple[str, ...] = (
    S.SUBMITTED, S.PREREVIEWED, S.SUPPLEMENT, S.ACCEPTED, S.IN_REVIEW, S.SPECIAL,
    S.APPROVED, S.REFUSED,
)
#: The time-limit clock runs (warnings apply).
CLOCK_STATUSES: tuple[str, ...] = (S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED, S.IN_REVIEW)
#: The clock is stopped (补正 and 特别程序 do not count towards the time limit).
PAUSED_STATUSES: tuple[str, ...] = (S.SUPPLEMENT, S.SPECIAL)
#: A decision exists or the case ended: it counts as finished (办结) for bundles and figures.
FINISHED_STATUSES: tuple[str, ...] = (
    S.APPROVED, S.REFUSED, S.DELIVERED, S.CLOSED, S.NOT_ACCEPTED, S.WITHDRAWN,
)
#: Nothing more can happen.
FINAL_STATUSES: tuple[str, ...] = (S.CLOSED, S.NOT_ACCEPTED, S.WITHDRAWN)
#: Before acceptance (受理).
PRE_ACCEPTANCE_STATUSES: tuple[str, ...] = (S.SUBMITTED, S.PREREVIEWED)


class Action(models.TextChoices):
    """A transition of the case state machine (see ``rules.TRANSITIONS``)."""

    SUBMIT = "submit", "提交申请"
    PREREVIEW = "prereview", "预审通过"
    ACCEPT = "accept", "受理"
    NOT_ACCEPT = "not_accept", "不予受理"
    REQUEST_SUPPLEMENT = "request_supplement", "一次性告知补正"
    RESUBMIT = "resubmit", "补正后重新提交"
    COMPLETE_STEP = "complete_step", "完成审查环节"
    START_SPECIAL = "start_special", "启动特别程序"
    END_SPECIAL = "end_special", "结束特别程序"
    APPROVE = "approve", "准予许可"
    REFUSE = "refuse", "不予许可"
    DELIVER = "deliver", "送达结果"
    CLOSE = "close", "办结归档"
    WITHDRAW = "withdraw", "撤回申请"


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    WINDOW = "window", "窗口受理"
    KIOSK = "kiosk", "自助终端"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"


#: Pseudo-roles used by the transition table besides the staff roles of accounts.
APPLICANT = "applicant"
SYSTEM = "system"
ROLE_LABELS: dict[str, str] = {
    APPLICANT: "申请人", SYSTEM: "系统",
    **{str(value): str(label) for value, label in Role.choices},
}


class StepKind(models.TextChoices):
    INTAKE = "intake", "受理"
    REVIEW = "review", "审查"
    INSPECTION = "inspection", "现场勘察"
    DECISION = "decision", "决定"
    DELIVERY = "delivery", "出件送达"


class StepStatus(models.TextChoices):
    PENDING = "pending", "未开始"
    ACTIVE = "active", "办理中"
    DONE = "done", "已完成"
    SKIPPED = "skipped", "未进行"


class MaterialState(models.TextChoices):
    MISSING = "missing", "未提交"
    UPLOADED = "uploaded", "已上传"
    LICENCE = "licence", "免提交（电子证照）"
    SHARED = "shared", "免提交（部门共享）"
    PAPER = "paper", "纸质材料已核验"
    REJECTED = "rejected", "需补正"
    LIBRARY = "library", "免提交（材料库已核验）"
    COMMITTED = "committed", "告知承诺"


#: States in which a material counts as provided.
MATERIAL_PROVIDED = (MaterialState.UPLOADED, MaterialState.LICENCE, MaterialState.SHARED,
                     MaterialState.PAPER, MaterialState.LIBRARY, MaterialState.COMMITTED)
#: States in which nobody has to bring or check anything (A or B level, or a commitment).
MATERIAL_FREE = (MaterialState.LICENCE, MaterialState.SHARED, MaterialState.LIBRARY)


class PauseKind(models.TextChoices):
    SUPPLEMENT = "supplement", "补正"
    SPECIAL = "special", "特别程序"


class SpecialKind(models.TextChoices):
    EXPERT_REVIEW = "expert_review", "专家评审"
    HEARING = "hearing", "听证"
    TESTING = "testing", "检验、检测、检疫"
    PUBLIC_NOTICE = "public_notice", "公示"
    OTHER = "other", "其他"


class DeliveryMethod(models.TextChoices):
    ONLINE = "online", "网上送达（电子证照/文书）"
    PICKUP = "pickup", "窗口领取"
    POST = "post", "邮寄送达"


class WarningLevel(models.TextChoices):
    NONE = "none", "正常"
    YELLOW = "yellow", "黄色预警（临近时限）"
    RED = "red", "红色预警（已超期）"


class BundleStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_PROGRESS = "in_progress", "并联办理中"
    COMPLETED = "completed", "已全部办结"


class RatingLevel(models.IntegerChoices):
    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASIC = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


#: 不满意 and 非常不满意 open a follow-up task (差评整改).
BAD_RATING_MAX = RatingLevel.DISSATISFIED


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "整改中"
    DONE = "done", "已整改回复"


class NotificationKind(models.TextChoices):
    CASE_STATUS = "case_status", "办件进度"
    SUPPLEMENT = "supplement", "补正告知"
    RESULT = "result", "办理结果"
    WARNING = "warning", "时限预警"
    RATING = "rating", "评价"
    FOLLOW_UP = "follow_up", "差评整改"
    ASSIGNED = "assigned", "任务分派"
    APPOINTMENT = "appointment", "预约提醒"


# Settings (with defaults) read by services.
SETTING_WARNING_SHARE = "ONEWINDOW_CASE_WARNING_SHARE"  # yellow below this share left (0.25)
SETTING_ACCEPT_DAYS = "ONEWINDOW_CASE_ACCEPT_DAYS"  # working days to prereview/accept (2)
SETTING_FOLLOW_UP_DAYS = "ONEWINDOW_CASE_FOLLOW_UP_DAYS"  # working days to answer a bad rating (5)
SETTING_MAX_UPLOAD = "ONEWINDOW_CASE_MAX_UPLOAD_BYTES"  # per file (10 MB)
SETTING_NOTIFY_ADAPTERS = "ONEWINDOW_NOTIFY_ADAPTERS"  # dotted paths of external senders
SETTING_PROGRESS_RATE = "ONEWINDOW_PROGRESS_QUERY_RATE"  # queries per client per minute (10)

DEFAULT_WARNING_SHARE = 0.25
DEFAULT_ACCEPT_DAYS = 2
DEFAULT_FOLLOW_UP_DAYS = 5
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
DEFAULT_PROGRESS_RATE = 10

# Outbox events published by this app.
#: Online pre-review passed: the hall may give the applicant a priority queue number.
#: Payload: {"case_id", "case_number", "item_name", "department_code", "region_path",
#:           "applicant": {"kind", "name", "person_id", "enterprise_id", "user_id"}}
EVENT_PREREVIEW_PASSED = "case.prereview_passed"
AUDIT_EXCHANGE_EXPORT = "case.exchange_export"
EVENT_CASE_CLOSED = "case.closed"  # closed or withdrawn: closed_at is set

# Audit actions.
AUDIT_PREFIX = "case."
AUDIT_DRAFT_SAVE = "case.draft_save"
AUDIT_MATERIAL_UPLOAD = "case.material_upload"
AUDIT_MATERIAL_LICENCE = "case.material_licence"
AUDIT_ASSIGN = "case.assign"
AUDIT_RESULT_ISSUE = "case.result_issue"
AUDIT_DEADLINE_RECOMPUTE = "case.deadline_recompute"
AUDIT_WARNING = "case.warning"
AUDIT_BUNDLE_SUBMIT = "case.bundle_submit"
AUDIT_RATING = "case.rating"
AUDIT_FOLLOW_UP = "case.follow_up_answer"
AUDIT_MATERIAL_OPEN = "case.material_open"


# Who uses which staff pages of applications (the links and the views share these).
#: Staff who see cases at all (the workbench, case pages, figures).
CASE_STAFF_ROLES = (Role.WINDOW_CLERK, Role.DEPT_REVIEWER, Role.LEADER, Role.SUPERVISOR,
                    Role.ADMINISTRATOR)
#: 综合受理: only window clerks take applications in at the window.
INTAKE_ROLES = (Role.WINDOW_CLERK,)
#: 差评整改: answered by the department's reviewers and leaders, watched by supervisors.
FOLLOW_UP_ROLES = (Role.DEPT_REVIEWER, Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR)
