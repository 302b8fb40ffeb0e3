"""Demo lifecycle map: the catering template (设立 → 开业) over the demo catalogue's items where
they exist, given to the demo enterprise with the market bureau's reviewer as service officer.
Idempotent (template by industry, map by enterprise and template)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from onewindow.accounts.models import Enterprise, Staff
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItemVersion

from . import services
from .models import EnterpriseMap, MapNode, MapTemplate

# key, stage, name, words to find the catalogue item, licence type code, predecessors
CATERING = [
    ("register", "setup", "营业执照（设立登记）", "设立登记", "BUSINESS_LICENCE", []),
    ("seal", "setup", "刻制公章", "印章", "", ["register"]),
    ("bank", "setup", "银行开户", "", "", ["register"]),
    ("tax", "setup", "税务登记与发票申领", "税务", "", ["register"]),
    ("fire", "project", "公众聚集场所投入使用、营业前消防安全检查", "消防", "", ["register"]),
    ("sign", "project", "户外招牌设置", "招牌", "", ["register"]),
    ("food", "opening", "食品经营许可", "食品经营", "FOOD_BUSINESS_LICENCE", ["register"]),
    ("open", "opening", "开业", "", "", ["seal", "bank", "tax", "fire", "food"]),
]


def _item(words: str):  # type: ignore[no-untyped-def]
    if not words:
        return None
    version = (ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, name__contains=words)
               .select_related("item").order_by("pk").first())
    return version.item if version else None


def lifecycle_demo_load(*, small: bool = False) -> dict[str, int]:
    template, created = MapTemplate.objects.get_or_create(industry="catering",
                                                          defaults={"name": "餐饮企业开办（一企一张图）"})
    if created:
        for order, (key, stage, name, words, licence, after) in enumerate(CATERING, start=1):
            MapNode.objects.create(template=template, key=key, stage=stage, name=name, item=_item(words),
                                   licence_type_code=licence, after=after, order=order)
    enterprise = Enterprise.objects.filter(users__username="enterprise").first()
    manager = get_user_model().objects.filter(username="leader").first()
    officer = Staff.objects.filter(user__username="reviewer_market").first()
    maps = 0
    if enterprise and manager and not EnterpriseMap.objects.filter(enterprise=enterprise, template=template).exists():
        services.map_assign(actor=manager, enterprise=enterprise, template=template, officer=officer)
        maps = 1
    return {"新增模板": int(created), "新增企业图谱": maps}
