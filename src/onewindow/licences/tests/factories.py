"""Factories and helpers for licence tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from onewindow.accounts.models import Enterprise, Person
from onewindow.accounts.tests.factories import UserFactory, make_credit_code, make_id_number
from onewindow.core.crypto import lookup_hash
from onewindow.licences.constants import HolderKind, LicenceSource, LicenceStatus
from onewindow.licences.models import Licence
from onewindow.licences.rules import licence_number_store, verification_code_new
from onewindow.licences.selectors import licence_type_get

_seq = iter(range(100, 100000))


def person_make(*, name: str = "张三丰", seq: int | None = None, user: Any = None) -> Person:
    number = make_id_number(seq if seq is not None else next(_seq) % 1000)
    return Person.objects.create(name=name, id_number=number, id_number_hash=lookup_hash(number),
                                 user=user)


def citizen_make(*, username: str, name: str = "李小明", seq: int | None = None) -> Person:
    user = UserFactory(username=username, display_name=name)
    return person_make(name=name, seq=seq, user=user)


def enterprise_make(*, name: str = "昆明示例商贸有限公司", seq: int | None = None,
                    agent: Any = None) -> Enterprise:
    enterprise = Enterprise.objects.create(
        name=name, credit_code=make_credit_code(seq if seq is not None else next(_seq)))
    if agent is not None:
        enterprise.users.add(agent)
    return enterprise


def licence_make(
    *, type_code: str = "ID_CARD", holder: Person | Enterprise, number: str | None = None,
    valid_until: date | None = None, status: str = LicenceStatus.VALID,
    issued_on: date = date(2020, 1, 1), department: Any = None,
    source: str = LicenceSource.IMPORT,
) -> Licence:
    """A licence written directly (no PDF), for selector and permission tests."""
    licence_type = licence_type_get(code=type_code)
    stored, is_holder_id = licence_number_store(
        number or f"N{next(_seq):08d}", holder.id_number if isinstance(holder, Person) else "")
    fields: dict[str, Any] = {"number": stored, "number_is_holder_id": is_holder_id}
    if isinstance(holder, Person):
        fields |= {"holder_kind": HolderKind.PERSON, "holder_person": holder,
                  "holder_id_number": holder.id_number, "holder_id_number_hash": holder.id_number_hash}
    else:
        fields |= {"holder_kind": HolderKind.ENTERPRISE, "holder_enterprise": holder,
                  "holder_credit_code": holder.credit_code}
    return Licence.objects.create(
        licence_type=licence_type, document_kind=licence_type.document_kind,
        holder_name=holder.name,
        issuer_name=department.name if department else licence_type.issuer_name,
        issuing_department=department,
        issuer_region_path=department.region.path if department else "",
        issued_on=issued_on, valid_from=issued_on, valid_until=valid_until, status=status,
        verification_code=verification_code_new(), source=source, **fields,
    )
