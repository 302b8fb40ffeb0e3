"""Factories for catalogue tests (and for other apps' tests that need a service item)."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.accounts.tests.factories import DepartmentFactory
from onewindow.catalog.constants import ItemType, VersionStatus
from onewindow.catalog.models import Material, ServiceItem, ServiceItemVersion, Theme
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region


def _district() -> Region:
    """The demo district (created when a test did not build the ``district`` fixture)."""
    region = Region.objects.filter(code="530103000000").first()
    if region is None:
        region = Region.objects.create(code="530103000000", name="盘龙区",
                                       level=RegionLevel.DISTRICT, path="/530103000000/")
    return region


class CatalogDepartmentFactory(DepartmentFactory):
    region = factory.LazyFunction(_district)


class ServiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    basic_code = factory.Sequence(lambda n: f"000001{n:06d}")
    implementation_code = factory.LazyAttribute(
        lambda o: f"{o.basic_code}-530103000000-000-TEST-1-00")
    department = factory.SubFactory(CatalogDepartmentFactory)


class VersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItemVersion

    item = factory.SubFactory(ServiceItemFactory)
    number = 1
    status = VersionStatus.DRAFT
    name = factory.Sequence(lambda n: f"测试事项{n}")
    item_type = ItemType.LICENSING
    conditions = "符合法定条件"
    legal_limit_value = 20
    promised_limit_value = 5


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Material

    version = factory.SubFactory(VersionFactory)
    name = factory.Sequence(lambda n: f"材料{n}")


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    code = factory.Sequence(lambda n: f"theme-{n}")
    name = factory.Sequence(lambda n: f"主题{n}")
    person_kind = "natural"


def item_make(*, department: Department | None = None, published: bool = True,
              materials: int = 0, **elements: Any) -> ServiceItem:
    """An item with one version (published unless ``published=False``), bypassing services."""
    item = ServiceItemFactory(**({"department": department} if department else {}))
    status = VersionStatus.PUBLISHED if published else VersionStatus.DRAFT
    version = VersionFactory(item=item, status=status,
                             published_at=timezone.now() if published else None, **elements)
    for i in range(materials):
        MaterialFactory(version=version, order=i)
    if published:
        item.current_version = version
        item.save(update_fields=["current_version"])
    return item
