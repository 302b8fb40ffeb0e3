"""Choices, limits and audit codes of home and elderly care (居家养老服务)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models

MIN_AGE = 60  # 老年人：六十周岁以上（《老年人权益保障法》第二条）
CHECKIN_RADIUS_M = 300  # a check-in farther from the elder's home needs a reason and raises an alert
LATE_START_MINUTES = 30  # not checked in this long after the booked time: alert
SHORT_VISIT_RATIO = 0.6  # a visit shorter than this share of the booked duration: alert
ALONE_NO_VISIT_DAYS = 7  # an elder living alone without a delivered visit for this many days: alert
MAX_TEXT = 1000
MAX_PHOTO_BYTES = 8 * 1024 * 1024
ZERO = Decimal("0.00")


class CareMode(models.TextChoices):
    HOME = "home", "居家养老"
    COMMUNITY = "community", "社区养老"
    INSTITUTION = "institution", "机构养老"


class Living(models.TextChoices):
    ALONE = "alone", "独居"
    EMPTY_NEST = "empty_nest", "空巢"
    WITH_FAMILY = "with_family", "与子女同住"
    OTHER = "other", "其他"


class ElderStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    LEFT = "left", "已迁出"
    DECEASED = "deceased", "已故"


class CareLevel(models.IntegerChoices):
    """老年人能力等级 after GB/T 42195-2022 《老年人能力评估规范》 (total score 0–90)."""

    INTACT = 0, "能力完好"
    MILD = 1, "能力轻度受损（轻度失能）"
    MODERATE = 2, "能力中度受损（中度失能）"
    SEVERE = 3, "能力重度受损（重度失能）"
    LOST = 4, "能力完全丧失（完全失能）"


# GB/T 42195-2022: four first-level indicators (附录 B: B.1 自理能力 32, B.2 基础运动能力 15,
# B.3 精神状态 28, B.4 感知觉与社会参与 15), 26 second-level items. (code, label, max score)
# B.2.4 上下楼梯 and B.4.4 使用交通工具外出 score 0–3; the binary items (攻击行为, 抑郁症状) 0–1.
ASSESSMENT_SECTIONS: list[tuple[str, str, list[tuple[str, str, int]]]] = [
    ("self_care", "自理能力", [
        ("eating", "进食", 4), ("grooming", "修饰", 4), ("bathing", "洗澡", 4),
        ("dress_upper", "穿/脱上衣", 4), ("dress_lower", "穿/脱裤子和鞋袜", 4),
        ("urine", "小便控制", 4), ("bowel", "大便控制", 4), ("toilet", "如厕", 4),
    ]),
    ("mobility", "基础运动能力", [
        ("bed_position", "床上体位转移", 4), ("bed_chair", "床椅转移", 4),
        ("walking", "平地行走", 4), ("stairs", "上下楼梯", 3),
    ]),
    ("mental", "精神状态", [
        ("time_orientation", "时间定向", 4), ("space_orientation", "空间定向", 4),
        ("person_orientation", "人物定向", 4), ("memory", "记忆", 4), ("understanding", "理解能力", 4),
        ("expression", "表达能力", 4), ("aggression", "攻击行为", 1), ("depression", "抑郁症状", 1),
        ("consciousness", "意识水平", 2),
    ]),
    ("perception", "感知觉与社会参与", [
        ("vision", "视力", 2), ("hearing", "听力", 2), ("daily_affairs", "执行日常事务", 4),
        ("transport", "使用交通工具外出", 3), ("social", "社会交往能力", 4),
    ]),
]
ASSESSMENT_ITEMS: dict[str, tuple[str, int]] = {
    code: (label, top) for _s, _l, items in ASSESSMENT_SECTIONS for code, label, top in items
}
ASSESSMENT_MAX = sum(top for _label, top in ASSESSMENT_ITEMS.values())  # 90
# Lowest total of each level (GB/T 42195-2022 表: 90 完好, 66–89 轻度, 46–65 中度, 30–45 重度, 0–29 完全丧失)
LEVEL_FLOORS: list[tuple[int, int]] = [(90, 0), (66, 1), (46, 2), (30, 3), (0, 4)]


class ProviderKind(models.TextChoices):
    COMPANY = "company", "企业"
    CHARITY = "charity", "慈善组织"
    SOCIAL_WORK = "social_work", "社工机构"
    CANTEEN = "canteen", "社区长者食堂"
    INSTITUTION = "institution", "养老机构"
    MEDICAL = "medical", "医疗机构"


class ProviderStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    APPROVED = "approved", "已准入"
    SUSPENDED = "suspended", "已暂停"
    REJECTED = "rejected", "未准入"


class Category(models.TextChoices):
    """The eight categories of 居家无忧 (上城)."""

    CARE = "care", "居家养老"
    MEDICAL = "medical", "居家医疗"
    EDUCATION = "education", "居家教育"
    PREFERENTIAL = "preferential", "居家三优"
    EMPLOYMENT = "employment", "居家就业"
    CULTURE = "culture", "居家文化"
    SAFETY = "safety", "居家安养"
    ERRANDS = "errands", "居家办事"


class Qualification(models.TextChoices):
    CARER_5 = "carer_5", "养老护理员（五级/初级工）"
    CARER_4 = "carer_4", "养老护理员（四级/中级工）"
    CARER_3 = "carer_3", "养老护理员（三级/高级工）"
    NURSE = "nurse", "护士执业证书"
    DOCTOR = "doctor", "医师执业证书"
    SOCIAL_WORKER = "social_worker", "社会工作者职业资格"
    HEALTH_CERT = "health_cert", "健康证"
    COOK = "cook", "中式烹调师"


class OrderStatus(models.TextChoices):
    PLACED = "placed", "待派单"
    DISPATCHED = "dispatched", "待指派护理员"
    ASSIGNED = "assigned", "待上门"
    IN_SERVICE = "in_service", "服务中"
    DELIVERED = "delivered", "待确认"
    CONFIRMED = "confirmed", "已完成"
    CANCELLED = "cancelled", "已取消"


OPEN_STATUSES = (OrderStatus.PLACED, OrderStatus.DISPATCHED, OrderStatus.ASSIGNED, OrderStatus.IN_SERVICE)
DONE_STATUSES = (OrderStatus.DELIVERED, OrderStatus.CONFIRMED)


class OrderedBy(models.TextChoices):
    ELDER = "elder", "老人本人"
    FAMILY = "family", "家属"
    WORKER = "worker", "社区/网格工作人员"
    OPERATOR = "operator", "养老服务热线"
    BUREAU = "bureau", "民政部门"


class OrderChannel(models.TextChoices):
    WEB = "web", "网站"
    MOBILE = "mobile", "手机"
    PHONE = "phone", "电话"
    API = "api", "接口"


class DispatchMode(models.TextChoices):
    RULES = "rules", "按规则派单"
    CHOICE = "choice", "老人自选"


class LocationCheck(models.TextChoices):
    NEAR = "near", "在老人住址附近"
    FAR = "far", "距老人住址较远"
    NONE = "none", "无定位"
    UNKNOWN = "unknown", "住址无坐标"


class PaymentKind(models.TextChoices):
    ALLOWANCE = "allowance", "政府购买服务额度"
    OWN = "own", "个人自付"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待支付"
    PAID = "paid", "已支付"
    VOID = "void", "已作废"


class AlertKind(models.TextChoices):
    LATE_START = "late_start", "未按时上门"
    SHORT_VISIT = "short_visit", "服务时长不足"
    FAR_CHECKIN = "far_checkin", "签到位置异常"
    ALONE_NO_VISIT = "alone_no_visit", "独居老人多日无服务"


class SpotCheckResult(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"
    NOT_DELIVERED = "not_delivered", "服务未实际提供"


class SettlementStatus(models.TextChoices):
    ISSUED = "issued", "待机构确认"
    CONFIRMED = "confirmed", "机构已确认"
    DISPUTED = "disputed", "机构有异议"


class RuleKind(models.TextChoices):
    BASE = "base", "基础额度（取最高一项）"
    EXTRA = "extra", "叠加额度"


# Audit actions
AUDIT_ELDER_CREATE = "homecare.elder_create"
AUDIT_ELDER_UPDATE = "homecare.elder_update"
AUDIT_ELDER_REVEAL = "homecare.elder_reveal"
AUDIT_FAMILY_ADD = "homecare.family_add"
AUDIT_ASSESS = "homecare.assess"
AUDIT_RULE = "homecare.allowance_rule"
AUDIT_PROVIDER_CREATE = "homecare.provider_create"
AUDIT_PROVIDER_STATUS = "homecare.provider_status"
AUDIT_CARER = "homecare.carer"
AUDIT_SERVICE = "homecare.service"
AUDIT_ORDER_PLACE = "homecare.order_place"
AUDIT_ORDER_ASSIGN = "homecare.order_assign"
AUDIT_ORDER_CHECKIN = "homecare.order_checkin"
AUDIT_ORDER_CHECKOUT = "homecare.order_checkout"
AUDIT_ORDER_CONFIRM = "homecare.order_confirm"
AUDIT_ORDER_CANCEL = "homecare.order_cancel"
AUDIT_ORDER_PAY = "homecare.order_pay"
AUDIT_COMPLAINT = "homecare.complaint"
AUDIT_SPOT_CHECK = "homecare.spot_check"
AUDIT_SETTLEMENT = "homecare.settlement_run"
AUDIT_SETTLEMENT_CONFIRM = "homecare.settlement_confirm"
