"""Vocabularies of the material library: trust levels, verification methods, post-checks."""

from __future__ import annotations

from django.db import models


class TrustLevel(models.TextChoices):
    """The four trust levels of 《"互联网+政务服务"技术体系建设指南》."""

    A = "A", "A级（政府部门签发）"
    B = "B", "B级（经核验的材料）"
    C = "C", "C级（申请人上传）"
    D = "D", "D级（申请人承诺）"


#: Short labels as shown next to a material.
LEVEL_SHORT = {"A": "A级", "B": "B级", "C": "C级", "D": "D级"}
#: What each level means, in one line (pages and API descriptions).
LEVEL_MEANING = {
    "A": "政府部门签发的电子证照或本平台出具的结果，可直接使用",
    "B": "窗口人员已与原件核对，存入材料库，有效期内再次办事免核验",
    "C": "申请人上传，须由工作人员核验原件后方可采信",
    "D": "申请人书面承诺（告知承诺制），事后核查",
}
ALL_LEVELS = "ABCD"
DEFAULT_LEVELS = "ABC"


class HolderKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"


class VerifyMethod(models.TextChoices):
    WINDOW = "window", "窗口核验原件"
    POST = "post", "邮寄原件核验"
    DATA = "data", "数据比对核验"


class LibraryStatus(models.TextChoices):
    VALID = "valid", "有效"
    SUPERSEDED = "superseded", "已被新核验件替代"
    REVOKED = "revoked", "已作废"


class UseKind(models.TextChoices):
    CASE = "case", "办件使用"
    DOWNLOAD = "download", "下载副本"


class CheckStatus(models.TextChoices):
    """事后核查 of a commitment."""

    PENDING = "pending", "待抽取"
    NOT_SELECTED = "not_selected", "未抽中"
    SCHEDULED = "scheduled", "待核查"
    PASSED = "passed", "核查属实"
    FAILED = "failed", "承诺不实"


CHECK_OPEN = (CheckStatus.SCHEDULED,)
CHECK_DONE = (CheckStatus.PASSED, CheckStatus.FAILED)

AUDIT_PREFIX = "material."
AUDIT_VERIFY = "material.verify"
AUDIT_USE = "material.use"
AUDIT_DOWNLOAD = "material.download"
AUDIT_CONSENT = "material.consent"
AUDIT_COMMIT = "material.commit"
AUDIT_POSTCHECK_SCHEDULE = "material.postcheck_schedule"
AUDIT_POSTCHECK_RESULT = "material.postcheck_result"
AUDIT_CREDIT = "material.credit_record"

#: Purposes a holder may pick for a downloaded copy (the watermark names it).
DOWNLOAD_PURPOSE_MAX = 60
