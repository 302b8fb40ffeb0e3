from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from onewindow.catalog import selectors, services
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItemVersion
from onewindow.catalog.tests.conftest import MATERIALS
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db


def _create(actor, dept, elements, code="11530103MB0000001-XK-001"):  # type: ignore[no-untyped-def]
    return services.item_create(actor=actor.user, department=dept, implementation_code=code,
                                elements=elements, materials=MATERIALS)


def test_create_makes_a_draft_that_the_public_cannot_see(admin, dept, elements) -> None:
    item = _create(admin, dept, elements)
    draft = selectors.item_draft(item=item)
    assert draft is not None and draft.number == 1 and draft.status == VersionStatus.DRAFT
    assert [m.name for m in draft.materials.order_by("order")] == [m["name"] for m in MATERIALS]
    assert item.basic_code == "11530103MB0000001"
    with raises_code(NotFound, "item_not_found"):
        selectors.item_published_get(public_id=item.public_id)
    with raises_code(NotFound, "item_version_not_found"):
        selectors.item_version_get(public_id=draft.public_id)
    assert AuditEntry.objects.filter(action="catalog.item_create",
                                     object_id=str(item.public_id)).exists()


def test_publish_edit_republish_keeps_old_version_readable(admin, dept, elements) -> None:
    item = _create(admin, dept, elements)
    rev0 = selectors.catalog_revision()
    v1 = services.item_publish(actor=admin.user, item=item)
    assert selectors.catalog_revision() == rev0 + 1
    item.refresh_from_db()
    assert item.current_version_id == v1.id and v1.published_at is not None

    v2 = services.draft_update(actor=admin.user, item=item,
                               elements={"promised_limit_value": 3, "change_note": "压缩时限"})
    assert v2.number == 2 and v2.status == VersionStatus.DRAFT
    assert v2.materials.count() == len(MATERIALS)  # copied
    v1.refresh_from_db()
    assert v1.status == VersionStatus.PUBLISHED and v1.promised_limit_value == 5
    # A second edit changes the same draft.
    again = services.draft_update(actor=admin.user, item=item, elements={"visits": 0})
    assert again.pk == v2.pk

    published = services.item_publish(actor=admin.user, item=item)
    assert published.pk == v2.pk
    v1.refresh_from_db()
    assert v1.status == VersionStatus.RETIRED and v1.retired_at is not None
    assert selectors.item_version_get(public_id=v1.public_id).promised_limit_value == 5
    assert selectors.item_published_get(public_id=item.public_id).promised_limit_value == 3
    actions = list(AuditEntry.objects.filter(action__startswith="catalog.")
                   .values_list("action", flat=True))
    assert actions == ["catalog.item_create", "catalog.publish", "catalog.draft_create",
                       "catalog.draft_update", "catalog.draft_update", "catalog.publish"]


def test_retire_and_illegal_transitions(admin, dept, elements) -> None:
    item = _create(admin, dept, elements)
    with pytest.raises(Conflict) as exc:
        services.item_retire(actor=admin.user, item=item)
    assert exc.value.code == "not_published"
    with pytest.raises(Conflict) as exc:
        services.draft_discard(actor=admin.user, item=item)
    assert exc.value.code == "only_version"
    services.item_publish(actor=admin.user, item=item)
    with pytest.raises(Conflict) as exc:
        services.item_publish(actor=admin.user, item=item)
    assert exc.value.code == "no_draft"
    rev = selectors.catalog_revision()
    retired = services.item_retire(actor=admin.user, item=item, reason="职能调整")
    assert retired.status == VersionStatus.RETIRED
    assert selectors.catalog_revision() == rev + 1
    item.refresh_from_db()
    assert item.current_version is None
    with raises_code(NotFound, "item_not_found"):
        selectors.item_published_get(public_id=item.public_id)
    # Re-offering: edit (new draft) and publish again.
    services.draft_update(actor=admin.user, item=item, elements={"hours": "全天"})
    v3 = services.item_publish(actor=admin.user, item=item)
    assert v3.number == 2
    assert AuditEntry.objects.get(action="catalog.retire").summary["reason"] == "职能调整"


def test_materials_of_published_versions_are_frozen(admin, dept, elements) -> None:
    item = _create(admin, dept, elements)
    v1 = services.item_publish(actor=admin.user, item=item)
    material = v1.materials.first()
    with pytest.raises(Conflict) as exc:
        services.material_update(actor=admin.user, material=material, data={"copies": 2})
    assert exc.value.code == "version_not_draft"
    with raises_code(Conflict, "version_not_draft"):
        services.material_delete(actor=admin.user, material=material)
    added = services.material_add(actor=admin.user, item=item,
                                  data={"name": "健康证明", "material_type": "复印件"},
                                  blank_form=ContentFile(b"%PDF-1.4", name="form.pdf"))
    assert added.version.status == VersionStatus.DRAFT and added.material_type == "copy"
    assert added.blank_form.name.endswith("form.pdf")
    assert v1.materials.count() == len(MATERIALS)
    assert added.version.materials.count() == len(MATERIALS) + 1
    services.material_update(actor=admin.user, material=added,
                             data={"is_required": False, "condition": "从事接触直接入口食品工作的"})
    added.refresh_from_db()
    assert added.is_required is False
    with raises_code(ValidationFailed, "material_invalid") as err:
        services.material_update(actor=admin.user, material=added, data={"condition": ""})
    assert err.value.fields == {"condition": "非必要材料须写明适用情形"}


def test_validation_messages_name_the_element(admin, dept, elements) -> None:
    elements.update(promised_limit_value="五天", item_type="99", is_free=False)
    with raises_code(ValidationFailed, "item_invalid") as exc:
        _create(admin, dept, elements)
    assert exc.value.fields["promised_limit_value"] == "应为不小于0的整数"
    assert exc.value.fields["item_type"].startswith("应为以下之一：行政许可")
    assert "'承诺时限'：应为不小于0的整数" in exc.value.message


def test_publish_requires_complete_elements(admin, dept) -> None:
    item = services.item_create(actor=admin.user, department=dept,
                                implementation_code="X-0001",
                                elements={"name": "空事项", "item_type": "20"})
    with pytest.raises(ValidationFailed) as exc:
        services.item_publish(actor=admin.user, item=item)
    assert exc.value.code == "item_incomplete"
    assert set(exc.value.fields) == {"conditions", "promised_limit_value", "place", "materials"}
    assert not ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED).exists()


def test_duplicate_code_conflicts(admin, dept, elements) -> None:
    _create(admin, dept, elements)
    with pytest.raises(Conflict) as exc:
        _create(admin, dept, elements)
    assert exc.value.code == "implementation_code_taken"


def test_department_reviewer_manages_only_own_department(
        reviewer, admin, dept, other_dept, elements, clerk_a) -> None:  # type: ignore[no-untyped-def]
    item = _create(reviewer, dept, elements)
    services.item_publish(actor=reviewer.user, item=item)
    with raises_code(PermissionDenied, "catalog_permission_denied"):
        _create(reviewer, other_dept, elements, code="OTHER-0001")
    other = _create(admin, other_dept, elements, code="OTHER-0002")
    with raises_code(NotFound, "item_not_found"):
        services.item_publish(actor=reviewer.user, item=other)
    with raises_code(PermissionDenied, "catalog_permission_denied"):
        _create(clerk_a, dept, elements, code="CLERK-0001")
    assert [i.implementation_code for i in selectors.item_list(actor=reviewer.user)] == [
        item.implementation_code]
    assert selectors.item_list(actor=admin.user).count() == 2
    assert selectors.item_list(actor=clerk_a.user).count() == 0
    with pytest.raises(PermissionDenied):
        services.theme_save(actor=reviewer.user, code="birth", name="出生",
                            person_kind="natural")


def test_co_departments_and_diff(admin, dept, other_dept, elements) -> None:
    elements["co_department_codes"] = [other_dept.code]
    item = _create(admin, dept, elements)
    v1 = services.item_publish(actor=admin.user, item=item)
    assert [d.code for d in v1.co_departments.all()] == [other_dept.code]
    with raises_code(ValidationFailed, "department_not_found") as exc:
        services.draft_update(actor=admin.user, item=item,
                              elements={"co_department_codes": ["NOPE"]})
    assert exc.value.fields["co_department_codes"] == "部门不存在：NOPE"
    v2 = services.draft_update(actor=admin.user, item=item,
                               elements={"co_department_codes": [], "visits": 0})
    from onewindow.catalog.rules import snapshot_diff

    changes = snapshot_diff(selectors.version_snapshot(v1), selectors.version_snapshot(v2))
    assert [c.label for c in changes] == ["到办事现场次数", "联办部门"]


def test_published_versions_for_index_has_bounded_queries(
        admin, dept, elements, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        item = _create(admin, dept, elements, code=f"IDX-{n:04d}")
        services.item_publish(actor=admin.user, item=item)
    with django_assert_max_num_queries(5):
        rows = list(selectors.published_versions_for_index())
        assert len(rows) == 5
        assert all(len(v.materials.all()) == 3 for v in rows)
        assert all(v.item.department.region.code == "530103000000" for v in rows)
        assert all(list(v.item.themes.all()) == [] for v in rows)
        assert all(list(v.co_departments.all()) == [] for v in rows)


def test_themes_and_lists(admin, dept, elements) -> None:
    item = _create(admin, dept, elements)
    services.item_publish(actor=admin.user, item=item)
    theme = services.theme_save(actor=admin.user, code="open-business", name="开办企业",
                                person_kind="legal", item_codes=[item.implementation_code])
    assert [v.item_id for v in selectors.theme_published_versions(theme=theme)] == [item.id]
    services.power_entry_save(actor=admin.user, item=item)
    services.responsibility_entry_save(actor=admin.user, item=item, duty="受理责任",
                                       accountability_cases="不予受理未说明理由的",
                                       accountable_subject="区纪委监委",
                                       accountability_basis="《中华人民共和国行政许可法》第七十二条")
    assert not selectors.power_list_published(department=dept).exists()
    services.list_publish(actor=admin.user, department=dept, kind="power")
    services.list_publish(actor=admin.user, department=dept, kind="responsibility")
    entry = selectors.power_list_published(department=dept).get()
    assert entry.basis == "《中华人民共和国食品安全法》第三十五条"
    assert selectors.responsibility_list_published(department=dept).count() == 1
