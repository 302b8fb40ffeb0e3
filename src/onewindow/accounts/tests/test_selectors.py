"""The lookups pages and API functions use instead of the ORM: a missing or malformed id is
NotFound (or None for a ``*_find``), never a 500."""

import pytest

from onewindow.accounts import selectors
from onewindow.core.errors import NotFound
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("bad", ["", "not-a-uuid", "1' OR 1=1", "00000000-0000-4000-8000-000000000000"])
def test_lookups_by_public_id_answer_not_found_for_missing_or_malformed_ids(district, bad):
    with raises_code(NotFound, "staff_not_found"):
        selectors.staff_get(public_id=bad)
    with raises_code(NotFound, "enterprise_not_found"):
        selectors.enterprise_get(public_id=bad)
    with raises_code(NotFound, "person_not_found"):
        selectors.person_get_for_intake(public_id=bad)
    with raises_code(NotFound, "hall_not_found"):
        selectors.service_hall_get(public_id=bad)


def test_staff_get_finds_the_staff_member(clerk_a):
    assert selectors.staff_get(public_id=str(clerk_a.public_id)) == clerk_a


def test_department_find_is_none_for_an_unknown_or_inactive_code(clerk_a):
    department = clerk_a.departments.get()
    assert selectors.department_find(code=f" {department.code} ") == department
    assert selectors.department_find(code="NOPE") is None
    department.is_active = False
    department.save(update_fields=["is_active"])
    assert selectors.department_find(code=department.code) == department
    assert selectors.department_find(code=department.code, active_only=True) is None
