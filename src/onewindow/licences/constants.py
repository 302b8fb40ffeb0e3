"""Vocabularies of the e-licence library (电子证照库) and the names it shares with higher apps."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class DocumentKind(models.TextChoices):
    LICENCE = "licence", "证照"
    APPROVAL = "approval", "批准文书"


class HolderKind(models.TextChoices):
    PERSON = "person", "自然人"
    ENTERPRISE = "enterprise", "法人"
    ANY = "any", "自然人或法人"


class LicenceStatus(models.TextChoices):
    VALID = "valid", "有效"
    EXPIRED = "expired", "已过期"
    REVOKED = "revoked", "已注销"


class LicenceSource(models.TextChoices):
    PLATFORM = "platform", "本平台签发"
    IMPORT = "import", "文件导入"
    API = "api", "接口导入"
    DEMO = "demo", "演示数据"


class VerifyStatus(models.TextChoices):
    VALID = "valid", "真实有效"
    EXPIRED = "expired", "真实，但已过有效期"
    REVOKED = "revoked", "真实，但已注销"
    UNKNOWN = "unknown", "查无此证，可能是伪造或验证码有误"


@dataclass(frozen=True)
class StandardType:
    code: str
    name: str
    holder_kind: str
    issuer_name: str
    validity_years: int | None = None
    validity_rule: str = "长期有效"
    document_kind: str = DocumentKind.LICENCE


#: Built-in licence types, created on first use (``selectors.licence_type_get``) and editable
#: in the admin afterwards. Codes are the ones catalogue materials and versions refer to.
STANDARD_TYPES: dict[str, StandardType] = {
    t.code: t
    for t in (
        StandardType("ID_CARD", "居民身份证", HolderKind.PERSON, "公安机关", None,
                     "按年龄确定：5年、10年、20年或长期"),
        StandardType("HOUSEHOLD_REGISTER", "居民户口簿", HolderKind.PERSON, "公安机关"),
        # 个体工商户 hold their 营业执照 as natural persons (the operator); companies as legal persons.
        StandardType("BUSINESS_LICENCE", "营业执照", HolderKind.ANY, "市场监督管理局", None,
                     "按营业期限，未载明的长期有效"),
        StandardType("FOOD_OPERATION_PERMIT", "食品经营许可证", HolderKind.ENTERPRISE,
                     "市场监督管理局", 5, "自发证之日起5年"),
        StandardType("FOOD_BUSINESS_LICENCE", "食品经营许可证", HolderKind.ENTERPRISE,
                     "市场监督管理局", 5, "自发证之日起5年"),
        StandardType("MARRIAGE_CERT", "结婚证", HolderKind.PERSON, "婚姻登记机关"),
        StandardType("BIRTH_MEDICAL_CERT", "出生医学证明", HolderKind.PERSON, "卫生健康部门"),
        StandardType("SOCIAL_SECURITY_CARD", "社会保障卡", HolderKind.PERSON, "人力资源和社会保障局",
                     10, "自发卡之日起10年"),
        StandardType("RESIDENCE_PERMIT", "居住证", HolderKind.PERSON, "公安机关", 1,
                     "自签发之日起1年，可签注延长"),
        # Published by the grid app when a grid worker verified a floating resident's 居住登记;
        # the 居住证 item's 居住证明 material names this type.
        StandardType("RESIDENCE_REGISTRATION", "居住登记证明", HolderKind.PERSON,
                     "社区居民委员会（流动人口服务站）", None, "至登记的拟居住期满"),
        StandardType("DISABILITY_CERT", "残疾人证", HolderKind.PERSON, "残疾人联合会", 10,
                     "自发证之日起10年"),
        StandardType("MINIMUM_LIVING_CERT", "最低生活保障证", HolderKind.PERSON, "民政局", 1,
                     "自批准之日起1年，年度复核"),
        StandardType("ELDERLY_ALLOWANCE_CERT", "高龄津贴享受证明", HolderKind.PERSON, "民政局"),
        StandardType("HEALTH_CERT", "健康证明", HolderKind.PERSON, "卫生健康部门", 1,
                     "自发证之日起1年"),
        StandardType("OUTDOOR_SIGN_PERMIT", "户外广告（招牌）设置许可决定书", HolderKind.ANY,
                     "城市管理局", 3, "自批准之日起3年"),
        StandardType("PUBLIC_HEALTH_PERMIT", "公共场所卫生许可证", HolderKind.ENTERPRISE,
                     "卫生健康部门", 4, "自发证之日起4年"),
        StandardType("DRUG_OPERATION_PERMIT", "药品经营许可证", HolderKind.ENTERPRISE,
                     "市场监督管理局", 5, "自发证之日起5年"),
        StandardType("APPROVAL_DECISION", "准予行政许可决定书", HolderKind.ANY, "审批部门", None,
                     "长期有效", DocumentKind.APPROVAL),
        StandardType("CONFIRMATION_LETTER", "行政确认书", HolderKind.ANY, "审批部门", None,
                     "长期有效", DocumentKind.APPROVAL),
    )
}

#: The alphabet of verification codes: no 0/O or 1/I/L to confuse (31 symbols; 16 of them ≈ 79 bits).
VERIFY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
VERIFY_CODE_LENGTH = 16

#: Largest import accepted at once (rows) and file size (bytes).
IMPORT_MAX_ROWS = 20000
IMPORT_MAX_BYTES = 10 * 1024 * 1024

# Outbox events for higher apps: payload {"licence_id", "type_code", "number", "source_ref",
# "holder_kind"} (+ "reason" when revoked).
EVENT_LICENCE_ISSUED = "licence.issued"
EVENT_LICENCE_REVOKED = "licence.revoked"

# Audit actions of this app.
AUDIT_LICENCE_ISSUE = "licence.issue"
AUDIT_LICENCE_IMPORT = "licence.import"
AUDIT_LICENCE_REVOKE = "licence.revoke"
AUDIT_LICENCE_LOOKUP = "licence.lookup"
AUDIT_LICENCE_USE = "licence.use"
AUDIT_LICENCE_EXPIRE = "licence.expire"
AUDIT_LICENCE_VIEW = "licence.view"
