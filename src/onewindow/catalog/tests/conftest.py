"""Catalogue fixtures: two departments of the district, an administrator, a reviewer."""

from __future__ import annotations

from typing import Any

import pytest

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make

FULL_ELEMENTS: dict[str, Any] = {
    "name": "食品经营许可",
    "item_type": "01",
    "exercise_level": "district",
    "service_object": "legal",
    "legal_basis": [{"law": "中华人民共和国食品安全法", "article": "第三十五条",
                     "text": "国家对食品生产经营实行许可制度。"}],
    "conditions": "有与经营的食品品种、数量相适应的经营场所。",
    "steps": [{"name": "受理", "description": "窗口受理", "handler_role": "窗口人员",
               "time_limit": "即时"},
              {"name": "审查", "description": "材料审查", "handler_role": "审批人员",
               "time_limit": "3个工作日"}],
    "legal_limit_value": 20, "legal_limit_unit": "working_day",
    "promised_limit_value": 5, "promised_limit_unit": "working_day",
    "is_free": True, "fees": [],
    "place": "盘龙区政务服务中心二楼市场监管窗口", "hours": "工作日 9:00-17:00",
    "visits": 1, "online_depth": 3, "is_online": True, "appointment": True,
    "kiosk": False, "postal_delivery": True, "tongban_scope": "city",
    "result_type": "licence", "result_name": "食品经营许可证",
    "result_licence_type_code": "FOOD_BUSINESS_LICENCE",
    "faq": [{"q": "可以网上申请吗？", "a": "可以。"}],
    "contact_phone": "0871-12345678", "complaint_channel": "12345",
    "keywords": ["食品许可", "餐饮"], "co_department_codes": [], "placeholder_fields": [],
}
MATERIALS: list[dict[str, Any]] = [
    {"name": "食品经营许可申请书", "material_type": "original", "is_required": True,
     "copies": 1, "source": "applicant"},
    {"name": "营业执照", "material_type": "copy", "is_required": True, "copies": 1,
     "source": "shared", "licence_type_code": "BUSINESS_LICENCE"},
    {"name": "委托书", "material_type": "original", "is_required": False,
     "condition": "委托他人办理的", "copies": 1, "source": "applicant"},
]


@pytest.fixture
def dept(district) -> Department:  # type: ignore[no-untyped-def]
    return DepartmentFactory(code="530103-SCJG", name="盘龙区市场监督管理局",
                             region=district.district)


@pytest.fixture
def other_dept(district) -> Department:  # type: ignore[no-untyped-def]
    return DepartmentFactory(code="530103-MZ", name="盘龙区民政局", region=district.district)


@pytest.fixture
def admin(district) -> Staff:  # type: ignore[no-untyped-def]
    return staff_make(username="cat_admin", region=district.district,
                      roles=[Role.ADMINISTRATOR], name="目录管理员")


@pytest.fixture
def reviewer(district, dept) -> Staff:  # type: ignore[no-untyped-def]
    return staff_make(username="cat_reviewer", region=district.district,
                      roles=[Role.DEPT_REVIEWER], departments=[dept], name="市监局审批员")


@pytest.fixture
def elements() -> dict[str, Any]:
    return {k: (list(v) if isinstance(v, list) else v) for k, v in FULL_ELEMENTS.items()}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Uploaded forms and samples go to a temporary folder, not var/storage."""
    settings.MEDIA_ROOT = tmp_path / "media"
