"""The consultation demo step: three consultations (rated, answered, transferred to 12345) and
an approved FAQ entry; a second run adds nothing."""

import pytest

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.cases.tests.factories import service_item_make
from onewindow.consult.constants import ConsultStatus
from onewindow.consult.demo import consult_demo_load
from onewindow.consult.models import Consultation, FaqEntry

pytestmark = pytest.mark.django_db


def test_consult_demo_is_idempotent(district, citizen):
    dept = DepartmentFactory(code="530103-SCJGJ", name="盘龙区市场监督管理局", region=district.district)
    for name in ("market_1", "market_2"):
        staff_make(username=name, region=district.district, roles=[Role.DEPT_REVIEWER], departments=[dept])
    service_item_make(department=dept, materials=1, name="个体工商户名称变更")
    assert consult_demo_load() == {"新增咨询": 3, "转12345": 1}
    statuses = sorted(Consultation.objects.values_list("status", flat=True))
    assert statuses == sorted([ConsultStatus.CLOSED, ConsultStatus.ANSWERED, ConsultStatus.TRANSFERRED])
    assert FaqEntry.objects.get().status == "approved"
    assert consult_demo_load() == {"新增咨询": 0}
    assert Consultation.objects.count() == 3
