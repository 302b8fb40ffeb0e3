"""A small hotline: categories, departments, dispatch rules, staff and a stand-in classifier."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onewindow.accounts.constants import DepartmentKind, Role
from onewindow.accounts.models import Department, Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.tickets import services
from onewindow.tickets.models import Category, DispatchRule, HotlineConfig
from onewindow.tickets.tests.factories import install_fake_classifier


@dataclass
class Hotline:
    water: Department
    env: Department
    office_a: Department
    office_b: Department
    fallback: Department
    operator: Staff
    water_staff: Department | Staff
    env_staff: Staff
    office_a_staff: Staff
    supervisor: Staff
    config: HotlineConfig

    def category(self, name: str) -> Category:
        return Category.objects.get(name=name, level=3)


@pytest.fixture
def classifier(monkeypatch):
    install_fake_classifier(monkeypatch)


@pytest.fixture
def hotline(district, supervisor, classifier) -> Hotline:
    services.category_seed(rows=services.FALLBACK_TAXONOMY, source="test")
    top = district.district
    water = DepartmentFactory(code="WATER", name="区水务局", region=top)
    env = DepartmentFactory(code="ENV", name="区生态环境分局", region=top)
    office_a = DepartmentFactory(code="OFFICE-A", name="拓东街道办事处", region=district.street_a,
                                 kind=DepartmentKind.STREET_OFFICE)
    office_b = DepartmentFactory(code="OFFICE-B", name="鼓楼街道办事处", region=district.street_b,
                                 kind=DepartmentKind.STREET_OFFICE)
    fallback = DepartmentFactory(code="FALLBACK", name="区城市管理局（兜底）", region=top)
    config = HotlineConfig.objects.create(district=top, fallback_department=fallback, triage_threshold=0.6)
    cat = lambda name: Category.objects.get(name=name, level=3)  # noqa: E731
    DispatchRule.objects.create(category=cat("自来水供应"), department=water, priority=10)
    DispatchRule.objects.create(category=cat("噪音污染"), department=env)
    DispatchRule.objects.create(category=cat("环境卫生"), region=district.street_a, department=office_a)
    DispatchRule.objects.create(category=cat("环境卫生"), region=district.street_b, department=office_b)
    return Hotline(
        water=water, env=env, office_a=office_a, office_b=office_b, fallback=fallback,
        operator=staff_make(username="operator", region=top, roles=[Role.HOTLINE_OPERATOR], name="话务员小李"),
        water_staff=staff_make(username="water", region=top, roles=[Role.DEPT_REVIEWER], departments=[water],
                               name="水务局承办人"),
        env_staff=staff_make(username="env", region=top, roles=[Role.DEPT_REVIEWER], departments=[env],
                             name="环境分局承办人"),
        office_a_staff=staff_make(username="office_a", region=district.street_a, roles=[Role.DEPT_REVIEWER],
                                  departments=[office_a], name="拓东街道承办人"),
        supervisor=supervisor, config=config,
    )
