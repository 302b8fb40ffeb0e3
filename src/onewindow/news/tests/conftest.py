"""News fixtures: a district bureau with an editor and a leader (approver), a street office
editor, and a feed of the bureau on the shipped fixture."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Department, Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make


@dataclass
class Newsroom:
    bureau: Department
    street: Department
    editor: Staff
    leader: Staff
    street_editor: Staff


@pytest.fixture
def newsroom(district) -> Newsroom:  # type: ignore[no-untyped-def]
    bureau = DepartmentFactory(code="530103-SCJG", name="盘龙区市场监督管理局", short_name="市场监管局",
                               region=district.district)
    street = DepartmentFactory(code="530103-TD", name="拓东街道办事处", region=district.street_a, kind="street_office")
    editor = staff_make(username="editor", region=district.district, roles=[Role.DEPT_REVIEWER],
                        departments=[bureau], name="市监局编辑")
    leader = staff_make(username="news_leader", region=district.district, roles=[Role.LEADER],
                        departments=[bureau], name="市监局领导")
    street_editor = staff_make(username="street_editor", region=district.street_a, roles=[Role.WINDOW_CLERK],
                               departments=[street], name="拓东编辑")
    return Newsroom(bureau, street, editor, leader, street_editor)
