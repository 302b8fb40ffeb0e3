"""core.selectors.by_public_id: the one lookup by public id that never answers a 500."""

import pytest

from onewindow.accounts.models import Department
from onewindow.core.selectors import by_public_id

pytestmark = pytest.mark.django_db


def test_a_row_by_its_public_id_and_none_for_anything_else(district) -> None:
    from onewindow.accounts.tests.factories import DepartmentFactory

    dept = DepartmentFactory(code="530103-T", name="测试局", region=district.district)
    assert by_public_id(Department.objects.all(), dept.public_id) == dept
    assert by_public_id(Department.objects.all(), str(dept.public_id)) == dept
    assert by_public_id(Department.objects.filter(is_active=False), dept.public_id) is None
    for bad in ("", None, "not-a-uuid", "00000000-0000-4000-8000-000000000000", 12, ["x"]):
        assert by_public_id(Department.objects.all(), bad) is None
