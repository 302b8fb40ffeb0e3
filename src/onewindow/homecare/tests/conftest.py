"""Home-care fixtures: the district of the root conftest, the bureau, a community worker, the
hotline, two providers with managers and carers, a family member with an account, an elder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Person, Staff, User
from onewindow.accounts.tests.factories import UserFactory, staff_make
from onewindow.core.crypto import lookup_hash
from onewindow.homecare import constants as c
from onewindow.homecare import services
from onewindow.homecare.models import Carer, Elder, Provider, Service

from .factories import HOME, carer_make, elder_id_number, provider_make, service_make


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@dataclass
class Care:
    district: object
    bureau: Staff
    worker: Staff  # community worker of 拓东社区
    other_worker: Staff  # community worker of 鼓楼社区 (another street)
    operator: Staff
    family: User
    stranger: User
    elder: Elder
    meal: Service
    bath: Service
    provider: Provider
    provider_b: Provider
    manager: Staff
    manager_b: Staff
    carer: Carer
    carer_b: Carer

    def at(self, hour: int = 10, day: date | None = None) -> datetime:
        d = day or timezone.localdate()
        return timezone.make_aware(datetime(d.year, d.month, d.day, hour, 0))


@pytest.fixture
def care(district, supervisor) -> Care:  # type: ignore[no-untyped-def]
    bureau = supervisor
    worker = staff_make(username="sq1", region=district.community_a1, roles=[Role.GRID_WORKER], name="社区工作者")
    other = staff_make(username="sq_other", region=district.community_b1, roles=[Role.GRID_WORKER], name="鼓楼社区")
    operator = staff_make(username="rx1", region=district.district, roles=[Role.HOTLINE_OPERATOR], name="养老热线")
    family = UserFactory(username="family1", display_name="王小明")
    Person.objects.create(name="王小明", id_number=elder_id_number(900, born="19850101"),
                          id_number_hash=lookup_hash(elder_id_number(900, born="19850101")),
                          phone="13800001111", phone_hash=lookup_hash("13800001111"), user=family)
    stranger = UserFactory(username="stranger", display_name="路人")
    services.allowance_rule_save(actor=None, name="高龄补贴（80岁以上）", monthly_amount="100", min_age=80)
    services.allowance_rule_save(actor=None, name="中度及以上失能", monthly_amount="300", min_level=2)
    services.allowance_rule_save(actor=None, name="低保特困叠加", kind=c.RuleKind.EXTRA, monthly_amount="100",
                                 low_income_only=True)
    meal = service_make(code="ZC01", name="助餐送餐", category=c.Category.CARE, price="15.00", minutes=30,
                        covered=True)
    bath = service_make(code="XZ01", name="助浴", category=c.Category.CARE, price="80.00", minutes=60,
                        covered=True)
    provider = provider_make(bureau.user, "拓东居家养老服务中心", 1, [district.street_a], [meal, bath])
    provider_b = provider_make(bureau.user, "鼓楼长者食堂", 2, [district.street_b], [meal], kind=c.ProviderKind.CANTEEN)
    manager = staff_make(username="jg1", region=district.street_a, roles=[Role.CARE_PROVIDER], name="机构管理员")
    manager_b = staff_make(username="jg2", region=district.street_b, roles=[Role.CARE_PROVIDER], name="食堂管理员")
    services.provider_manager_add(actor=bureau.user, provider=provider, user=manager.user)
    services.provider_manager_add(actor=bureau.user, provider=provider_b, user=manager_b.user)
    carer = carer_make(manager.user, provider, "hl1", "何护理")
    carer_b = carer_make(manager_b.user, provider_b, "hl2", "鼓楼护理员")
    elder = services.elder_register(
        actor=worker.user, name="张桂英", id_number=elder_id_number(1, born="19400315"),
        community=district.community_a1, address="拓东路18号3栋2单元501", phone="13900002222", lng=HOME[0],
        lat=HOME[1], living=c.Living.ALONE, low_income=True, health_notes="高血压，糖尿病，需低糖饮食")
    services.family_add(actor=worker.user, elder=elder, name="王小明", relation="儿子", phone="13800001111")
    return Care(district, bureau, worker, other, operator, family, stranger, elder, meal, bath, provider, provider_b,
                manager, manager_b, carer, carer_b)


def full_scores(value: int | None = None) -> dict[str, int]:
    return {code: (top if value is None else min(value, top)) for code, (_l, top) in c.ASSESSMENT_ITEMS.items()}


__all__ = ["Care", "Decimal", "full_scores"]
