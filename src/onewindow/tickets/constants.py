"""Names and defaults of the 12345 hotline (接诉即办) shared by the tickets app and its users."""

from __future__ import annotations

from django.db import models


class TicketKind(models.TextChoices):
    CONSULT = "consult", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


class Channel(models.TextChoices):
    HOTLINE = "hotline", "12345 热线"
    WEB = "web", "网站"
    MOBILE = "mobile", "移动端"
    API = "api", "接口"
    IMPORT = "import", "批量导入"
    OPEN311 = "open311", "Open311"
    GRID = "grid", "网格上报"


class Urgency(models.TextChoices):
    NORMAL = "normal", "一般"
    URGENT = "urgent", "紧急"


class LimitClass(models.TextChoices):
    """Which time limit applies (after Beijing's 接诉即办 rules; editable in 办理时限)."""

    URGENT = "urgent", "紧急诉求"
    UTILITY = "utility", "水电气热等民生保障"
    GENERAL = "general", "一般诉求"
    COMPLEX = "complex", "疑难复杂诉求"


class LimitUnit(models.TextChoices):
    HOURS = "hours", "小时（自然时间）"
    NATURAL_DAYS = "natural_days", "自然日"
    WORKING_DAYS = "working_days", "工作日"


# Default time limits: (amount, unit, warn before the limit as a fraction of the whole limit).
DEFAULT_TIME_LIMITS: dict[str, tuple[int, str]] = {
    LimitClass.URGENT: (2, LimitUnit.HOURS),
    LimitClass.UTILITY: (24, LimitUnit.HOURS),
    LimitClass.GENERAL: (7, LimitUnit.NATURAL_DAYS),
    LimitClass.COMPLEX: (15, LimitUnit.NATURAL_DAYS),
}
# A warning (预警) is raised when this share of the time limit has passed.
DEFAULT_WARNING_RATIO = 0.8


class Status(models.TextChoices):
    RECEIVED = "received", "已登记"
    TRIAGE = "triage", "待人工派单"
    DISPATCHED = "dispatched", "已派单"
    ACCEPTED = "accepted", "办理中"
    RETURNED = "returned", "已退回"
    REPLIED = "replied", "已答复"
    CALLBACK_DONE = "callback_done", "已回访"
    REOPENED = "reopened", "重新办理"
    CLOSED = "closed", "已办结"
    MERGED = "merged", "已合并"


# Tickets still being worked on (deadlines, warnings and duplicate checks apply to them).
OPEN_STATUSES = (
    Status.RECEIVED, Status.TRIAGE, Status.DISPATCHED, Status.ACCEPTED, Status.RETURNED,
    Status.REOPENED,
)
# Tickets waiting in the dispatcher's queue (待派单).
DISPATCHER_QUEUE = (Status.TRIAGE, Status.RETURNED)
# Tickets a department must act on.
DEPARTMENT_QUEUE = (Status.DISPATCHED, Status.ACCEPTED, Status.REOPENED)
FINAL_STATUSES = (Status.CLOSED, Status.MERGED)


class LocationSource(models.TextChoices):
    """How a ticket's place was found at intake."""

    POINT = "point", "坐标（地图选点）"
    ADDRESS = "address", "地址（地名地址库）"
    REGION = "region", "指定区划"
    TEXT = "text", "诉求内容中的地名"
    NONE = "", "未定位"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class DispatchVia(models.TextChoices):
    RULE = "rule", "派单规则"
    FALLBACK = "fallback", "兜底部门"
    DISPATCHER = "dispatcher", "人工派单"
    KNOWLEDGE = "knowledge", "知识库直接答复"


class CoHandlerStatus(models.TextChoices):
    PENDING = "pending", "协办中"
    DONE = "done", "已反馈"


class OrderStatus(models.TextChoices):
    OPEN = "open", "督办中"
    ANSWERED = "answered", "已反馈"
    OVERDUE = "overdue", "督办超期"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"


class Action(models.TextChoices):
    """What happened to a ticket: one TicketEvent per step of its timeline."""

    RECEIVE = "receive", "登记受理"
    CLASSIFY = "classify", "智能分类"
    TRIAGE = "triage", "转人工派单"
    DISPATCH = "dispatch", "派单"
    ACCEPT = "accept", "签收"
    RETURN = "return", "退回"
    COHANDLER_ADD = "cohandler_add", "增加协办单位"
    COHANDLER_REPLY = "cohandler_reply", "协办反馈"
    REPLY = "reply", "答复"
    CALLBACK = "callback", "回访"
    CLOSE = "close", "办结"
    REOPEN = "reopen", "重新办理"
    ANSWER_ON_CALL = "answer_on_call", "知识库直接答复"
    DUPLICATE_FLAG = "duplicate_flag", "疑似重复"
    MERGE = "merge", "合并"
    MERGE_ANSWER = "merge_answer", "随主件答复"
    WARN = "warn", "临期预警"
    OVERDUE = "overdue", "超期"
    SUPERVISE = "supervise", "督办"
    SUPERVISE_ANSWER = "supervise_answer", "督办反馈"
    EXTENSION_REQUEST = "extension_request", "申请延期"
    EXTENSION_DECIDE = "extension_decide", "延期审批"
    DEADLINE_RECOMPUTE = "deadline_recompute", "重算时限"
    CATEGORY_CHANGE = "category_change", "修改分类"
    SITE_CHECK = "site_check", "现场核实"


# Keywords of the categories a district's rules route differently from their parents: when the
# classifier names only the top level ("城乡建设"), the request's words pick the subcategory
# (关键词派单). Written into Category.keywords by category_seed where empty; editable there.
CATEGORY_KEYWORDS: dict[str, str] = {
    "环境卫生": "垃圾 垃圾桶 垃圾箱 清运 环卫 保洁 清扫 脏乱 卫生死角 乱倒 建筑垃圾 公厕 厕所",
    "自来水供应": "停水 自来水 水压 供水 水管爆裂 水表",
    "电力供应": "停电 断电 供电 电压不稳",
    "燃气供应": "燃气 天然气 煤气 燃气管道",
    "小区管理": "物业 物业费 业委会 业主委员会 电梯 小区管理",
    "城管执法": "占道经营 流动摊贩 摊贩 乱摆摊 店外经营",
    "违章建筑": "违建 违章建筑 违章搭建 私搭乱建 乱搭乱建 加盖",
    "园林绿化": "绿化 树木 修剪 砍树 草坪",
    "噪音污染": "噪音 噪声 扰民 广场舞 音响 夜间施工",
    "大气污染": "油烟 废气 粉尘 扬尘 焚烧 烧烤",
    "道路维护": "坑洼 井盖 路面破损 路灯",
    "消费维权": "退款 退费 预付卡 过期 假冒 缺斤少两",
    "入学招生": "入学 招生 学位 转学",
    "养老保险": "养老保险 养老金 退休金",
}
# The classifier's confidence in words, for people: below the triage threshold it is 低 (a
# dispatcher decides), from halfway between the threshold and certainty it is 高.
CONFIDENCE_LABELS = {"high": "高", "medium": "中", "low": "低"}

# Ticket numbers: 12345-YYYYMMDD-NNNNNN, sortable as text.
NUMBER_PREFIX = "12345"

# Defaults of the editable hotline settings (HotlineConfig).
DEFAULT_TRIAGE_THRESHOLD = 0.6
DEFAULT_RETURN_LIMIT_WORKING_DAYS = 2
DEFAULT_RESPONSE_HOURS = 24
DEFAULT_DUPLICATE_WINDOW_HOURS = 72
DEFAULT_DUPLICATE_THRESHOLD = 0.5
DEFAULT_SUPERVISION_DAYS = 3
REOPEN_LIMIT = 1

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10
ATTACHMENT_TYPES = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "audio/mpeg",
    "audio/wav", "audio/x-wav", "video/mp4", "text/plain",
}

# Audit actions of this app.
AUDIT_TICKET_CREATE = "ticket.create"
AUDIT_TICKET_TRANSITION = "ticket.transition"
AUDIT_TICKET_REVEAL = "ticket.requester_reveal"
AUDIT_TICKET_MERGE = "ticket.merge"
AUDIT_TICKET_DEADLINE = "ticket.deadline"
AUDIT_RULE_CHANGE = "ticket.dispatch_rule"
AUDIT_CATEGORY_SEED = "ticket.category_seed"
AUDIT_KB_CHANGE = "ticket.kb_change"
AUDIT_CONFIG_CHANGE = "ticket.config_change"
AUDIT_OPEN311_CLIENT = "ticket.open311_client"
AUDIT_TICKET_EXPORT = "ticket.export"
AUDIT_CLASSIFIER_PROMOTE = "ticket.classifier_promote"
AUDIT_CLASSIFIER_TRAIN = "ticket.classifier_train"


class LabelSource(models.TextChoices):
    """Which human decision gave a ticket its category (a training label of the classifier)."""

    TRIAGE = "triage", "分拣派单"
    RETURN = "return", "部门退回"
    REDISPATCH = "redispatch", "重新派单"
    CORRECTION = "correction", "修改分类"


class ModelStatus(models.TextChoices):
    CANDIDATE = "candidate", "候选"
    CURRENT = "current", "在用"
    RETIRED = "retired", "已停用"
    REJECTED = "rejected", "未通过评估"


# The classifier learns from dispatchers: retrain when this many new labels arrived, and judge the
# candidate on the most recent labelled tickets (this share of them, at least / at most).
CLASSIFIER_RETRAIN_MIN_LABELS = 30
CLASSIFIER_HOLDOUT_SHARE = 0.2
CLASSIFIER_HOLDOUT_MIN = 10
CLASSIFIER_HOLDOUT_MAX = 500
