"""A small published catalogue for the guide, public API and browser tests, made through the
catalogue services (so revisions, versions and audit are real)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile

from onewindow.accounts.models import Department
from onewindow.accounts.tests.factories import DepartmentFactory
from onewindow.catalog import services
from onewindow.catalog.models import ServiceItem, ServiceItemVersion, Theme

BASE: dict[str, Any] = {
    "item_type": "20",
    "exercise_level": "district",
    "service_object": "natural",
    "legal_basis": [{"law": "中华人民共和国社会保险法", "article": "第五十七条",
                     "text": "用人单位应当自成立之日起三十日内申请办理社会保险登记。"}],
    "conditions": "依法应当参加社会保险的单位和个人。",
    "steps": [{"name": "申请", "description": "提交申请材料", "handler_role": "申请人",
               "time_limit": ""},
              {"name": "受理审核", "description": "窗口审核材料", "handler_role": "窗口人员",
               "time_limit": "即时"}],
    "legal_limit_value": 15, "legal_limit_unit": "working_day",
    "promised_limit_value": 0, "promised_limit_unit": "working_day",
    "is_free": True, "fees": [],
    "place": "广安区政务服务中心一楼社保窗口", "hours": "工作日 9:00-12:00，13:30-17:00",
    "visits": 1, "online_depth": 3, "is_online": True, "appointment": True,
    "kiosk": False, "postal_delivery": False, "tongban_scope": "none",
    "result_type": "other", "result_name": "社会保险登记证明",
    "faq": [{"q": "可以委托他人办理吗？", "a": "可以，需携带委托书和双方身份证。"}],
    "contact_phone": "0826-2345678", "complaint_channel": "12345 政务服务便民热线",
    "keywords": ["社保"], "co_department_codes": [], "placeholder_fields": [],
}
MATERIALS: list[dict[str, Any]] = [
    {"name": "居民身份证", "material_type": "original", "is_required": True, "copies": 1,
     "source": "applicant", "licence_type_code": "ID_CARD"},
    {"name": "社会保险登记表", "material_type": "original", "is_required": True, "copies": 2,
     "source": "applicant", "spec": "用黑色签字笔填写"},
    {"name": "授权委托书", "material_type": "original", "is_required": False,
     "condition": "委托他人办理的", "copies": 1, "source": "applicant"},
]


@dataclass
class GuideCatalogue:
    rs: Department
    scjg: Department
    mz: Department
    shebao: ServiceItem  # 社会保险登记: 最多跑一次, 可预约, blank form; version 2 published
    pension: ServiceItem  # 城乡居民养老保险参保登记: 零跑动 + 全程网办
    food: ServiceItem  # 食品经营许可: legal persons, fees, 跨省通办, 可邮寄
    dibao: ServiceItem  # 最低生活保障审批: street level, 2 visits
    draft_only: ServiceItem  # never published
    retired: ServiceItem  # published then retired
    shebao_v1: ServiceItemVersion
    tuixiu: Theme
    kaiban: Theme
    shebao_theme: Theme


def _make(admin: Any, dept: Department, code: str, *, publish: bool = True,
          materials: list[dict[str, Any]] | None = None, **overrides: Any) -> ServiceItem:
    elements = {**BASE, **overrides}
    item = services.item_create(actor=admin, department=dept, implementation_code=code,
                                elements=elements,
                                materials=MATERIALS if materials is None else materials)
    if publish:
        services.item_publish(actor=admin, item=item)
    item.refresh_from_db()
    return item


def guide_catalogue(admin: Any, district_region: Any) -> GuideCatalogue:
    """``admin``: a Staff (or User) with the administrator role over ``district_region``."""
    admin = getattr(admin, "user", admin)
    rs = DepartmentFactory(code="511602-RS", name="广安区人力资源和社会保障局",
                           region=district_region)
    scjg = DepartmentFactory(code="511602-SCJG", name="广安区市场监督管理局",
                             region=district_region)
    mz = DepartmentFactory(code="511602-MZ", name="广安区民政局", region=district_region)

    shebao = _make(admin, rs, "511602-RS-0001", name="社会保险登记（旧）")
    shebao_v1 = ServiceItemVersion.objects.get(item=shebao, number=1)
    services.draft_update(actor=admin, item=shebao,
                          elements={"name": "社会保险登记", "change_note": "名称规范"})
    draft = ServiceItemVersion.objects.get(item=shebao, status="draft")
    form = draft.materials.get(name="社会保险登记表")
    form.blank_form.save("shebao-form.pdf", ContentFile(b"%PDF-1.4 blank form"), save=False)
    form.sample_file.save("shebao-sample.pdf", ContentFile(b"%PDF-1.4 sample"), save=True)
    services.item_publish(actor=admin, item=shebao)
    shebao.refresh_from_db()

    pension = _make(admin, rs, "511602-RS-0002", name="城乡居民基本养老保险参保登记",
                    visits=0, online_depth=4, is_online=True, appointment=False,
                    postal_delivery=True, keywords=["养老保险", "参保"])
    food = _make(admin, scjg, "511602-SCJG-0001", name="食品经营许可", item_type="01",
                 service_object="legal", is_free=False, is_online=False, online_depth=2,
                 conditions="有与经营的食品品种、数量相适应的经营场所。",
                 result_name="食品经营许可证",
                 fees=[{"name": "工本费", "standard": "每证 10 元", "basis": "川价发〔2020〕1号",
                        "reducible": True}],
                 tongban_scope="cross_province", postal_delivery=True, appointment=False,
                 keywords=["餐饮"], legal_basis=[{"law": "中华人民共和国食品安全法",
                                                 "article": "第三十五条", "text": ""}])
    dibao = _make(admin, mz, "511602-MZ-0001", name="最低生活保障审批", item_type="05",
                  conditions="家庭人均收入低于当地最低生活保障标准。", result_name="低保证",
                  exercise_level="street", visits=2, online_depth=2, is_online=False,
                  appointment=False, keywords=[])
    draft_only = _make(admin, rs, "511602-RS-0003", name="社会保障卡挂失", publish=False)
    retired = _make(admin, mz, "511602-MZ-0002", name="临时救助审批（已取消）")
    services.item_retire(actor=admin, item=retired, reason="职能调整")
    retired.refresh_from_db()

    tuixiu = services.theme_save(actor=admin, code="tuixiu", name="退休养老",
                                 person_kind="natural", kind="life_event", order=1,
                                 item_codes=[pension.implementation_code])
    kaiban = services.theme_save(actor=admin, code="kaiban", name="开办企业",
                                 person_kind="legal", kind="life_event", order=1,
                                 item_codes=[food.implementation_code])
    shebao_theme = services.theme_save(actor=admin, code="shebao", name="社保服务",
                                       person_kind="natural", kind="theme", order=2,
                                       item_codes=[shebao.implementation_code,
                                                   pension.implementation_code])
    return GuideCatalogue(rs=rs, scjg=scjg, mz=mz, shebao=shebao, pension=pension, food=food,
                          dibao=dibao, draft_only=draft_only, retired=retired,
                          shebao_v1=shebao_v1, tuixiu=tuixiu, kaiban=kaiban,
                          shebao_theme=shebao_theme)
