"""Vocabularies of the service catalogue (事项目录/实施清单), after the national standard."""

from __future__ import annotations

from django.db import models


class ItemType(models.TextChoices):
    """事项类型 with the two-digit codes used in implementation codes and by 四川政务服务网."""

    LICENSING = "01", "行政许可"
    PENALTY = "02", "行政处罚"
    ENFORCEMENT = "03", "行政强制"
    LEVY = "04", "行政征收"
    BENEFIT = "05", "行政给付"
    INSPECTION = "06", "行政检查"
    CONFIRMATION = "07", "行政确认"
    REWARD = "08", "行政奖励"
    ADJUDICATION = "09", "行政裁决"
    OTHER_POWER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"


#: Item types that are administrative powers (listed in the 权力清单); 公共服务 is not.
POWER_ITEM_TYPES = frozenset(t.value for t in ItemType if t != ItemType.PUBLIC_SERVICE)


class ExerciseLevel(models.TextChoices):
    """行使层级."""

    DISTRICT = "district", "区级"
    STREET = "street", "街道（乡镇）级"
    COMMUNITY = "community", "社区（村）级"


class ServiceObject(models.TextChoices):
    """服务对象."""

    NATURAL = "natural", "自然人"
    LEGAL = "legal", "法人"
    BOTH = "both", "自然人、法人"


class TimeUnit(models.TextChoices):
    WORKING_DAY = "working_day", "个工作日"
    NATURAL_DAY = "natural_day", "个自然日"


class OnlineDepth(models.IntegerChoices):
    """网上办理深度 (一级 to 四级 = 全程网办)."""

    INFO = 1, "一级：网上可查询办事指南"
    DOWNLOAD = 2, "二级：可下载表格、在线预约"
    PRE_REVIEW = 3, "三级：在线预审、网上受理"
    FULL = 4, "四级：全程网办"


class TongbanScope(models.TextChoices):
    """通办范围."""

    NONE = "none", "不通办"
    CITY = "city", "全市通办"
    PROVINCE = "province", "全省通办"
    CROSS_PROVINCE = "cross_province", "跨省通办"


class ResultType(models.TextChoices):
    """办理结果类型."""

    LICENCE = "licence", "证照"
    APPROVAL = "approval", "批文/决定书"
    OTHER = "other", "其他"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    RETIRED = "retired", "已停用"


class MaterialType(models.TextChoices):
    ORIGINAL = "original", "原件"
    COPY = "copy", "复印件"
    EFILE = "efile", "电子文件"


class MaterialSource(models.TextChoices):
    """材料来源渠道."""

    APPLICANT = "applicant", "申请人自备"
    ISSUER = "issuer", "发证（出具）机关"
    SHARED = "shared", "政府部门共享"


class ItemSource(models.TextChoices):
    MANUAL = "manual", "人工录入"
    IMPORT = "import", "批量导入"
    DEMO = "demo", "演示数据"
    GUANGAN = "guangan", "广安区公开目录"


class PersonKind(models.TextChoices):
    NATURAL = "natural", "个人"
    LEGAL = "legal", "法人"


class ThemeKind(models.TextChoices):
    LIFE_EVENT = "life_event", "人生事/企业事"
    THEME = "theme", "主题服务"


class ListKind(models.TextChoices):
    POWER = "power", "权力清单"
    RESPONSIBILITY = "responsibility", "责任清单"


#: Shown wherever an element was filled as a placeholder (e.g. the 广安区 import).
PLACEHOLDER_MARK = "（待完善）"

#: Elements a version carries, in the order pages, diffs and exports show them.
VERSION_ELEMENTS: tuple[tuple[str, str], ...] = (
    ("name", "事项名称"),
    ("item_type", "事项类型"),
    ("exercise_level", "行使层级"),
    ("service_object", "服务对象"),
    ("legal_basis", "设定依据"),
    ("conditions", "受理条件"),
    ("steps", "办理流程"),
    ("legal_limit_value", "法定时限"),
    ("legal_limit_unit", "法定时限单位"),
    ("promised_limit_value", "承诺时限"),
    ("promised_limit_unit", "承诺时限单位"),
    ("is_free", "是否收费"),
    ("fees", "收费标准"),
    ("place", "办理地点"),
    ("hours", "办理时间"),
    ("visits", "到办事现场次数"),
    ("online_depth", "网上办理深度"),
    ("is_online", "网上办理"),
    ("appointment", "可预约"),
    ("kiosk", "自助终端"),
    ("postal_delivery", "快递送达"),
    ("tongban_scope", "通办范围"),
    ("result_type", "结果类型"),
    ("result_name", "结果名称"),
    ("result_licence_type_code", "电子证照类型"),
    ("faq", "常见问题"),
    ("contact_phone", "咨询电话"),
    ("complaint_channel", "监督投诉渠道"),
    ("keywords", "关键词/别名"),
    ("co_department_codes", "联办部门"),
    ("placeholder_fields", "待完善要素"),
)
ELEMENT_LABELS = dict(VERSION_ELEMENTS)

# Audit actions of this app.
AUDIT_ITEM_CREATE = "catalog.item_create"
AUDIT_DRAFT_UPDATE = "catalog.draft_update"
AUDIT_DRAFT_CREATE = "catalog.draft_create"
AUDIT_DRAFT_DISCARD = "catalog.draft_discard"
AUDIT_PUBLISH = "catalog.publish"
AUDIT_RETIRE = "catalog.retire"
AUDIT_MATERIAL_ADD = "catalog.material_add"
AUDIT_MATERIAL_UPDATE = "catalog.material_update"
AUDIT_MATERIAL_DELETE = "catalog.material_delete"
AUDIT_IMPORT = "catalog.import"
AUDIT_THEME_SAVE = "catalog.theme_save"
AUDIT_LIST_SAVE = "catalog.list_save"
AUDIT_LIST_PUBLISH = "catalog.list_publish"
