"""Factories for case tests (and for other apps' tests that need applications)."""

from __future__ import annotations

import itertools
from typing import Any

from django.utils import timezone

from onewindow.accounts.constants import UserKind
from onewindow.accounts.models import Department, Enterprise, Person, User
from onewindow.accounts.tests.factories import UserFactory, make_credit_code, make_id_number
from onewindow.cases.constants import CaseStatus, Channel
from onewindow.cases.models import Case
from onewindow.cases.numbering import case_number_next
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.tests.factories import MaterialFactory, item_make
from onewindow.core.crypto import lookup_hash
from onewindow.regions.models import Region

_seq = itertools.count(1)

#: A published version's 办理流程 with one review, a site inspection and a decision.
STEPS_WITH_INSPECTION = [
    {"name": "受理", "handler_role": "窗口人员"},
    {"name": "审查", "handler_role": "审批人员"},
    {"name": "现场勘察", "handler_role": "审批人员"},
    {"name": "决定", "handler_role": "审批人员"},
    {"name": "送达", "handler_role": "窗口人员"},
]


def person_make(*, name: str = "", region: Region | None = None, user: User | None = None,
                seq: int | None = None, **kwargs: Any) -> Person:
    n = seq if seq is not None else next(_seq)
    id_number = kwargs.pop("id_number", None) or make_id_number(n % 1000, born=f"19{70 + n // 1000 % 30}0101")
    phone = kwargs.pop("phone", "13800000000")
    return Person.objects.create(
        name=name or f"申请人{n}", id_number=id_number, id_number_hash=lookup_hash(id_number),
        phone=phone, phone_hash=lookup_hash(phone) if phone else "", region=region,
        region_path=region.path if region else "", user=user, **kwargs)


def citizen_make(*, username: str = "", name: str = "", region: Region | None = None,
                 **kwargs: Any) -> Person:
    """A citizen account with its person record."""
    n = next(_seq)
    user = UserFactory(username=username or f"citizen{n}", kind=UserKind.CITIZEN,
                       display_name=name or f"市民{n}")
    return person_make(name=name or f"市民{n}", region=region, user=user, seq=n, **kwargs)


def enterprise_make(*, name: str = "", user: User | None = None, region: Region | None = None
                    ) -> Enterprise:
    n = next(_seq)
    enterprise = Enterprise.objects.create(name=name or f"测试企业{n}有限公司",
                                           credit_code=make_credit_code(n), region=region,
                                           region_path=region.path if region else "")
    if user is not None:
        enterprise.users.add(user)
    return enterprise


def service_item_make(*, department: Department | None = None, materials: int = 3,
                      licence_codes: dict[int, str] | None = None, **elements: Any) -> ServiceItem:
    """A published item with ``materials`` materials (the first ones required)."""
    elements.setdefault("is_online", True)
    elements.setdefault("online_depth", 4)
    item = item_make(department=department, materials=0, **elements)
    version = item.current_version
    assert version is not None
    for i in range(materials):
        MaterialFactory(version=version, order=i, name=f"{version.name}材料{i + 1}",
                        is_required=i < 2, licence_type_code=(licence_codes or {}).get(i, ""))
    return item


def case_make(*, item: ServiceItem | None = None, person: Person | None = None,
              status: str = CaseStatus.SUBMITTED, channel: str = Channel.ONLINE,
              region_path: str | None = None, **fields: Any) -> Case:
    """A case written directly (no services), numbered unless it is a draft."""
    item = item or service_item_make()
    version = item.current_version
    assert version is not None
    person = person or person_make()
    department = item.department
    now = timezone.now()
    number = None if status == CaseStatus.DRAFT else case_number_next(
        area_code=department.region.code, when=now)
    return Case.objects.create(
        number=number, item=item, item_version=version, item_name=version.name,
        department=department,
        region_path=region_path if region_path is not None else department.region.path,
        channel=channel, status=status, applicant_person=person, applicant_name=person.name,
        applicant_user=person.user, submitted_at=None if number is None else now, **fields)
