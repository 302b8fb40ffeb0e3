from __future__ import annotations

import pytest

from onewindow.accounts.tests.factories import DepartmentFactory
from onewindow.catalog import selectors
from onewindow.catalog.demo import ITEMS, demo_load_catalog
from onewindow.catalog.models import Material, ServiceItem, ServiceItemVersion, Theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_departments(district):  # type: ignore[no-untyped-def]
    suffixes = {s["dept"] for s in ITEMS} | {c for s in ITEMS for c in s.get("co", [])}
    return [DepartmentFactory(code=f"530103-{s}", name=f"盘龙区{s}", region=district.district)
            for s in sorted(suffixes)]


def test_demo_catalogue_is_complete_and_idempotent(demo_departments) -> None:
    counts = demo_load_catalog()
    assert counts["本次新建事项"] == len(ITEMS) >= 30
    versions = list(selectors.published_versions_for_index())
    assert len(versions) == len(ITEMS)
    assert not any(v.is_placeholder for v in versions)
    assert {0, 1} <= {v.visits for v in versions}
    assert any(v.co_departments.all() for v in versions)
    assert any(not v.is_free and v.fees for v in versions)
    assert all(v.legal_basis and v.steps and v.conditions and v.materials.all()
               for v in versions)
    licence_codes = set(Material.objects.values_list("licence_type_code", flat=True))
    assert {"ID_CARD", "HOUSEHOLD_REGISTER", "BUSINESS_LICENCE", "MARRIAGE_CERT",
            "BIRTH_MEDICAL_CERT", "SOCIAL_SECURITY_CARD"} <= licence_codes
    assert set(Theme.objects.values_list("person_kind", flat=True)) == {"natural", "legal"}
    birth = Theme.objects.get(code="birth")
    assert birth.items.count() >= 3
    assert Material.objects.exclude(blank_form="").exists()

    revision = selectors.catalog_revision()
    again = demo_load_catalog()
    assert again["本次新建事项"] == 0 and again["本次更新事项"] == 0
    assert again["本次生成表格"] == 0 and again["本次新建主题"] == 0
    assert ServiceItem.objects.count() == len(ITEMS)
    assert ServiceItemVersion.objects.count() == len(ITEMS)
    assert selectors.catalog_revision() == revision


def test_demo_needs_the_departments(district) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="缺少演示部门"):
        demo_load_catalog()
