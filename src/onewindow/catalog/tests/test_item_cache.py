"""Items for applications are cached per process and stamped with the catalogue revision
(selectors.item_for_application, ADR 0022): a publish or a retirement is seen at once by the
publishing process and, through the revision, by the others."""

from __future__ import annotations

import pytest

from onewindow.catalog import selectors, services
from onewindow.catalog.tests.conftest import MATERIALS
from onewindow.core.errors import NotFound
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(admin, dept, elements):  # type: ignore[no-untyped-def]
    item = services.item_create(actor=admin.user, department=dept, implementation_code="11530103MB0000001-XK-001",
                                elements=elements, materials=MATERIALS)
    services.item_publish(actor=admin.user, item=item)
    return item


def test_the_item_comes_with_its_version_and_materials_and_is_read_once(
        published, settings, django_assert_num_queries) -> None:
    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 60
    with django_assert_num_queries(3):  # revision, item with department and version, materials
        item = selectors.item_for_application(public_id=published.public_id)
        names = [m.name for m in item.current_version.materials.all()]
    assert item.department.code == published.department.code
    assert sorted(names) == sorted(m["name"] for m in MATERIALS)
    with django_assert_num_queries(0):
        again = selectors.item_for_application(public_id=str(published.public_id))
        assert len(again.current_version.materials.all()) == len(MATERIALS)
    assert again is item


def test_an_interval_of_zero_turns_the_cache_off(published, settings, django_assert_num_queries) -> None:
    """The test suite's setting: factories change items without bumping the revision."""
    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 0
    first = selectors.item_for_application(public_id=published.public_id)
    with django_assert_num_queries(2):  # the item with its version, the materials
        again = selectors.item_for_application(public_id=published.public_id)
    assert again is not first and again.current_version_id == first.current_version_id


def test_every_call_checks_the_revision_with_a_tiny_interval(published, settings,
                                                             django_assert_num_queries) -> None:
    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 1e-9
    selectors.item_for_application(public_id=published.public_id)
    with django_assert_num_queries(1):
        selectors.item_for_application(public_id=published.public_id)


def test_a_publish_is_seen_by_the_publishing_process_at_once(
        admin, published, settings, django_capture_on_commit_callbacks) -> None:
    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 3600  # only the commit hook can tell it
    v1 = selectors.item_for_application(public_id=published.public_id).current_version
    services.draft_update(actor=admin.user, item=published, elements={"promised_limit_value": 3})
    with django_capture_on_commit_callbacks(execute=True):
        v2 = services.item_publish(actor=admin.user, item=published)
    seen = selectors.item_for_application(public_id=published.public_id).current_version
    assert seen.id == v2.id != v1.id and seen.promised_limit_value == 3
    with django_capture_on_commit_callbacks(execute=True):
        services.item_retire(actor=admin.user, item=published)
    assert selectors.item_for_application(public_id=published.public_id).current_version is None


def test_another_process_sees_a_publish_through_the_revision(admin, published, settings) -> None:
    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 1e-9  # the interval has passed at each call
    v1 = selectors.item_for_application(public_id=published.public_id).current_version
    services.draft_update(actor=admin.user, item=published, elements={"promised_limit_value": 3})
    v2 = services.item_publish(actor=admin.user, item=published)  # no commit hook in this test
    assert v2.id != v1.id
    assert selectors.item_for_application(public_id=published.public_id).current_version.id == v2.id


def test_unknown_ids_are_not_found_and_not_remembered(admin, dept, elements, settings) -> None:
    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 60
    with raises_code(NotFound, "item_not_found"):
        selectors.item_for_application(public_id="not-a-uuid")
    item = services.item_create(actor=admin.user, department=dept, implementation_code="11530103MB0000001-XK-002",
                                elements=elements, materials=MATERIALS)
    assert selectors.item_for_application(public_id=item.public_id).current_version is None
    with raises_code(NotFound, "item_not_found"):
        selectors.item_for_application(public_id="00000000-0000-4000-8000-000000000000")


def test_a_department_renamed_or_moved_is_seen_through_the_revision(published, dept, district, settings) -> None:
    """Items carry their department's name and region: a change made anywhere (here a bulk
    update, as the admin or a shell would) advances the revision in the same transaction."""
    from onewindow.accounts.models import Department

    settings.ONEWINDOW_CATALOG_CHECK_SECONDS = 1e-9
    before = selectors.catalog_revision()
    assert selectors.item_for_application(public_id=published.public_id).department.name == "盘龙区市场监督管理局"
    Department.objects.filter(pk=dept.pk).update(name="盘龙区市场监管局")
    assert selectors.catalog_revision() == before + 1
    assert selectors.item_for_application(public_id=published.public_id).department.name == "盘龙区市场监管局"
    Department.objects.filter(pk=dept.pk).update(region=district.street_a)
    item = selectors.item_for_application(public_id=published.public_id)
    assert item.department.region.path == district.street_a.path
    district.street_a.name = "拓东街道办事处"
    district.street_a.save()
    assert selectors.item_for_application(public_id=published.public_id).department.region.name == "拓东街道办事处"


def test_a_save_that_changes_nothing_keeps_the_revision(dept, district) -> None:
    before = selectors.catalog_revision()
    dept.save()  # Django writes every column: the triggers compare old and new values
    district.district.save()
    assert selectors.catalog_revision() == before
