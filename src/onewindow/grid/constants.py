"""Vocabularies of grid governance (网格化社会治理): houses, households, residents, visits, events."""

from __future__ import annotations

from django.db import models


class HouseUse(models.TextChoices):
    OWN = "own", "自住"
    RENTED = "rented", "出租"
    VACANT = "vacant", "空置"
    COMMERCIAL = "commercial", "商用"


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", "户籍人口"
    RESIDENT = "resident", "常住人口"
    FLOATING = "floating", "流动人口"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母/外祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    RELATIVE = "relative", "其他亲属"
    TENANT = "tenant", "合租人/同住人"
    OTHER = "other", "其他"


class SpecialTag(models.TextChoices):
    """Special groups (重点关爱对象). Personal data: shown only inside the grid scope."""

    ELDERLY_ALONE = "elderly_alone", "独居老人"
    EMPTY_NEST = "empty_nest", "空巢老人"
    DISABLED = "disabled", "残疾人"
    LOW_INCOME = "low_income", "低保/低收入"
    SERIOUS_ILLNESS = "serious_illness", "重病患者"
    VETERAN = "veteran", "退役军人"
    LEFT_BEHIND_CHILD = "left_behind_child", "留守儿童"


#: Tags whose households are visited first and most often.
PRIORITY_TAGS = frozenset({SpecialTag.ELDERLY_ALONE, SpecialTag.DISABLED, SpecialTag.LOW_INCOME,
                           SpecialTag.SERIOUS_ILLNESS, SpecialTag.LEFT_BEHIND_CHILD})
#: Residents who may ask a grid worker to apply on their behalf (代办).
PROXY_TAGS = frozenset({SpecialTag.ELDERLY_ALONE, SpecialTag.EMPTY_NEST, SpecialTag.DISABLED,
                        SpecialTag.SERIOUS_ILLNESS})
PROXY_MIN_AGE = 60


class StayReason(models.TextChoices):
    WORK = "work", "务工"
    BUSINESS = "business", "经商"
    STUDY = "study", "就学"
    FAMILY = "family", "投亲靠友"
    OTHER = "other", "其他"


class DeclarationKind(models.TextChoices):
    MEMBER_ADD = "member_add", "新增家庭成员"
    MEMBER_LEAVE = "member_leave", "家庭成员迁出"
    CORRECTION = "correction", "信息更正"
    TENANT = "tenant", "新增租客（房东申报）"
    RESIDENCE = "residence", "居住登记"


class DeclarationStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    ACCEPTED = "accepted", "已核实采纳"
    REJECTED = "rejected", "已退回"


class RegistrationStatus(models.TextChoices):
    VERIFIED = "verified", "已核实"
    ENDED = "ended", "已注销"


class ReportSource(models.TextChoices):
    LANDLORD = "landlord", "房东申报"
    TENANT = "tenant", "租客申报"
    WORKER = "worker", "网格员采集"


class EventKind(models.TextChoices):
    REPORTED = "reported", "上报12345"
    SELF_HANDLED = "self_handled", "自处置"


class EventCategory(models.TextChoices):
    SAFETY = "safety", "安全隐患"
    FIRE = "fire", "消防隐患"
    ENVIRONMENT = "environment", "环境卫生"
    FACILITY = "facility", "市政设施"
    DISPUTE = "dispute", "矛盾纠纷"
    ORDER = "order", "治安问题"
    BUILDING = "building", "违法建设"
    OTHER = "other", "其他"


class EventState(models.TextChoices):
    """How an event stands, for the map and the worker's list (derived from its ticket)."""

    REPORTED = "reported", "待派单"
    DISPATCHED = "dispatched", "已派单"
    HANDLING = "handling", "办理中"
    CHECK = "check", "待现场核实"
    REVIEW = "review", "待监督决定"
    CLOSED = "closed", "已办结"
    SELF_HANDLED = "self_handled", "已自处置"


class LocationCheck(models.TextChoices):
    INSIDE = "inside", "在网格内"
    OUTSIDE = "outside", "在网格外（已说明）"
    UNKNOWN = "unknown", "未定位（已说明）"
    UNCHECKED = "unchecked", "网格无边界，未核验"


class ChangeSource(models.TextChoices):
    WORKER = "worker", "网格员采集"
    VISIT = "visit", "走访更正"
    DECLARATION = "declaration", "居民自主申报"
    API = "api", "接口"
    DEMO = "demo", "演示数据"


class ConsentMethod(models.TextChoices):
    SIGNED = "signed", "本人书面签字"
    VERBAL = "verbal", "本人口头同意（有见证人）"
    GUARDIAN = "guardian", "监护人同意"


# Defaults (editable per worker: WorkerQuota).
DEFAULT_MONTHLY_QUOTA = 30
#: A household is due for a visit when never visited or not within this many days.
REVISIT_DAYS = 90
REVISIT_DAYS_PRIORITY = 30
#: A landlord reports a new tenant within this many days of moving in (租赁房屋治安管理).
TENANT_REPORT_DAYS = 3
#: The residence registration proof lasts until the planned stay ends, at most this long.
REGISTRATION_MAX_MONTHS = 24
REGISTRATION_MIN_MONTHS = 1
LICENCE_TYPE_REGISTRATION = "RESIDENCE_REGISTRATION"

MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_TEXT = 2000

#: Gazetteer places (regions.Place) the grid registers: one per building (its doorplate address).
PLACE_SOURCE = "grid"

# Audit actions of this app.
AUDIT_HOUSE = "grid.house"
AUDIT_HOUSEHOLD = "grid.household"
AUDIT_RESIDENT = "grid.resident"
AUDIT_REVEAL = "grid.resident_reveal"
AUDIT_DECLARATION = "grid.declaration"
AUDIT_REGISTRATION = "grid.residence_registration"
AUDIT_VISIT = "grid.visit"
AUDIT_EVENT = "grid.event"
AUDIT_PROXY = "grid.proxy"
AUDIT_QUOTA = "grid.quota"
AUDIT_DEMO = "grid.demo"

#: How the change history names its actions and fields (pages show these, never raw keys).
CHANGE_ACTIONS = {
    "house_create": "登记房屋", "house_update": "修改房屋", "household_create": "登记住户",
    "household_dissolve": "注销住户", "member_add": "新增成员", "member_leave": "成员迁出",
    "member_update": "修改成员信息", "proxy_start": "代办申请", "residence_register": "居住登记",
    "tenancy_create": "租住登记",
}
CHANGE_FIELDS = {
    "code": "编码", "use": "用途", "owner": "产权人", "number": "编号", "members": "人数", "name": "姓名",
    "id_number": "身份证号", "relation": "与户主关系", "residence_type": "人口类型", "tags": "特殊群体",
    "arrived_on": "来本地日期", "planned_stay_until": "拟居住至", "left_on": "迁出日期",
    "valid_until": "有效期至", "licence": "电子证照", "start_on": "入住日期", "landlord": "房东",
    "late": "逾期申报", "report_source": "申报方式", "case": "办件", "item": "事项", "consent": "同意方式",
}
