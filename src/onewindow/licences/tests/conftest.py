"""Licence fixtures: the market regulation bureau, its administrator and reviewer, storage."""

from __future__ import annotations

import pytest

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.example.gov.cn"
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def no_case_checkers(monkeypatch):  # type: ignore[no-untyped-def]
    """Licence tests use made-up case numbers: leave out the checkers higher apps register
    (the hook itself is tested in test_services)."""
    from onewindow.licences import selectors

    monkeypatch.setattr(selectors, "_case_checkers", [])


@pytest.fixture
def market(district) -> Department:  # type: ignore[no-untyped-def]
    return DepartmentFactory(code="530103-SCJG", name="盘龙区市场监督管理局", region=district.district)


@pytest.fixture
def civil(district) -> Department:  # type: ignore[no-untyped-def]
    return DepartmentFactory(code="530103-MZ", name="盘龙区民政局", region=district.district)


@pytest.fixture
def market_admin(district, market) -> Staff:  # type: ignore[no-untyped-def]
    return staff_make(username="market_admin", region=district.district, roles=[Role.ADMINISTRATOR],
                      departments=[market], name="市场监管管理员")


@pytest.fixture
def market_reviewer(district, market) -> Staff:  # type: ignore[no-untyped-def]
    return staff_make(username="market_reviewer", region=district.district, roles=[Role.DEPT_REVIEWER],
                      departments=[market], name="市场监管审批员")


@pytest.fixture
def civil_admin(district, civil) -> Staff:  # type: ignore[no-untyped-def]
    return staff_make(username="civil_admin", region=district.district, roles=[Role.ADMINISTRATOR],
                      departments=[civil], name="民政管理员")
