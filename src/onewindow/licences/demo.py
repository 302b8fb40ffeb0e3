"""Demo data of the licence library: ID cards and household registers for the demo residents,
business licences (and some food permits) for the demo enterprises, and one platform-issued
food operation permit with its PDF for the demo enterprise agent's company.

``demo_load_licences`` is idempotent and deterministic: licences are keyed by (type, number),
numbers derive from the holder, dates from a seeded random generator; a second run writes
nothing. It reads the people and enterprises that ``accounts.demo`` created.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.accounts.models import Department, Enterprise, Person
from onewindow.core.audit import audit_record

from .constants import AUDIT_LICENCE_IMPORT, HolderKind, LicenceSource, LicenceStatus
from .models import Licence, LicenceType
from .rules import add_years, licence_number_store, verification_code_new
from .selectors import licence_types_ensure
from .services import licence_issue

SEED = 530103
SOURCE_REF = "demo_load"

#: Issuing bureau (department code suffix of accounts.demo) of the built-in types.
TYPE_BUREAUS: dict[str, str] = {
    "ID_CARD": "GAFJ", "HOUSEHOLD_REGISTER": "GAFJ", "RESIDENCE_PERMIT": "GAFJ",
    "BUSINESS_LICENCE": "SCJGJ", "FOOD_OPERATION_PERMIT": "SCJGJ", "FOOD_BUSINESS_LICENCE": "SCJGJ",
    "DRUG_OPERATION_PERMIT": "SCJGJ",
    "MARRIAGE_CERT": "MZJ", "MINIMUM_LIVING_CERT": "MZJ", "ELDERLY_ALLOWANCE_CERT": "MZJ",
    "BIRTH_MEDICAL_CERT": "WJJ", "HEALTH_CERT": "WJJ", "PUBLIC_HEALTH_PERMIT": "WJJ",
    "SOCIAL_SECURITY_CARD": "RSJ", "OUTDOOR_SIGN_PERMIT": "CGJ", "DISABILITY_CERT": "CL",
}


def _types_assign(area: str) -> dict[str, LicenceType]:
    """Built-in types, each linked to its bureau of the demo district when that exists."""
    licence_types_ensure()
    departments = {d.code: d for d in Department.objects.select_related("region").filter(
        code__in=[f"{area}-{suffix}" for suffix in TYPE_BUREAUS.values()])}
    types = {t.code: t for t in LicenceType.objects.select_related("issuing_department__region")}
    for code, suffix in TYPE_BUREAUS.items():
        department = departments.get(f"{area}-{suffix}")
        licence_type = types.get(code)
        if licence_type is not None and department is not None and licence_type.issuing_department_id is None:
            licence_type.issuing_department = department
            licence_type.issuer_name = department.name
            licence_type.save(update_fields=["issuing_department", "issuer_name", "updated_at"])
    return types


def _id_card_validity(birth: date | None, issued: date) -> date | None:
    """居民身份证: 5 years under 16, 10 years to 25, 20 years to 45, long term after."""
    if birth is None:
        return add_years(issued, 20)
    age = issued.year - birth.year
    if age < 16:
        return add_years(issued, 5)
    if age <= 25:
        return add_years(issued, 10)
    if age <= 45:
        return add_years(issued, 20)
    return None


def _licence(licence_type: LicenceType, *, number: str, holder: Person | Enterprise, issued: date,
             valid_until: date | None, status: str = LicenceStatus.VALID,
             data: dict[str, str] | None = None) -> Licence:
    department = licence_type.issuing_department
    fields: dict[str, Any]
    number, number_is_holder_id = licence_number_store(
        number, holder.id_number if isinstance(holder, Person) else "")
    if isinstance(holder, Person):
        fields = {"holder_kind": HolderKind.PERSON, "holder_person": holder,
                  "holder_id_number": holder.id_number, "holder_id_number_hash": holder.id_number_hash}
    else:
        fields = {"holder_kind": HolderKind.ENTERPRISE, "holder_enterprise": holder,
                  "holder_credit_code": holder.credit_code}
    return Licence(
        licence_type=licence_type, document_kind=licence_type.document_kind, number=number,
        number_is_holder_id=number_is_holder_id,
        holder_name=holder.name, issuer_name=licence_type.issuer_name or "—",
        issuing_department=department, issuer_region_path=department.region.path if department else "",
        issued_on=issued, valid_from=issued, valid_until=valid_until, status=status,
        verification_code=verification_code_new(), source=LicenceSource.DEMO, source_ref=SOURCE_REF,
        data=data or {}, **fields,
    )


def _wanted(types: dict[str, LicenceType], today: date) -> list[Licence]:
    rng = random.Random(f"{SEED}-licences")
    wanted: list[Licence] = []
    for person in Person.objects.order_by("id"):
        issued = today - timedelta(days=rng.randint(30, 365 * 12))
        wanted.append(_licence(types["ID_CARD"], number=person.id_number, holder=person, issued=issued,
                               valid_until=_id_card_validity(person.birth_date, issued)))
        household = f"5301{person.id_number_hash[:8].upper()}"
        wanted.append(_licence(types["HOUSEHOLD_REGISTER"], number=household, holder=person,
                               issued=today - timedelta(days=rng.randint(365, 365 * 20)), valid_until=None))
        if rng.random() < 0.6:
            card_issued = today - timedelta(days=rng.randint(30, 365 * 9))
            wanted.append(_licence(types["SOCIAL_SECURITY_CARD"], number=f"S{person.id_number_hash[8:17].upper()}",
                                   holder=person, issued=card_issued,
                                   valid_until=add_years(card_issued, 10)))
    for enterprise in Enterprise.objects.order_by("id"):
        issued = today - timedelta(days=rng.randint(60, 365 * 10))
        wanted.append(_licence(types["BUSINESS_LICENCE"], number=enterprise.credit_code, holder=enterprise,
                               issued=issued, valid_until=None, data={
                                   "法定代表人": enterprise.legal_representative, "住所": enterprise.address}))
        if any(word in enterprise.name for word in ("小吃", "早餐", "餐饮", "食品", "便利店")):
            permit_issued = today - timedelta(days=rng.randint(30, 365 * 6))
            wanted.append(_licence(types["FOOD_OPERATION_PERMIT"], number=f"JY1{enterprise.credit_code[2:16]}",
                                   holder=enterprise, issued=permit_issued,
                                   valid_until=add_years(permit_issued, 5) - timedelta(days=1)))
    return wanted


def _showcase(types: dict[str, LicenceType], today: date) -> int:
    """The demo citizen gets an expired health certificate; the demo company a platform-issued
    food operation permit (with its PDF), so both statuses and the PDF can be tried."""
    created = 0
    citizen = Person.objects.filter(user__username="citizen").first()
    if citizen is not None and not Licence.objects.filter(
            licence_type=types["HEALTH_CERT"], holder_id_number_hash=citizen.id_number_hash).exists():
        issued = today - timedelta(days=500)
        lic = _licence(types["HEALTH_CERT"], number=f"JK{citizen.id_number_hash[:10].upper()}", holder=citizen,
                       issued=issued, valid_until=issued + timedelta(days=364), status=LicenceStatus.EXPIRED)
        lic.save()
        created += 1
    company = Enterprise.objects.filter(users__username="enterprise").first()
    permit = types["FOOD_OPERATION_PERMIT"]
    if company is not None and not Licence.objects.filter(
            licence_type=permit, holder_credit_code=company.credit_code, source=LicenceSource.PLATFORM).exists():
        licence_issue(actor=None, type_code=permit.code, holder_enterprise=company, data={
            "经营者名称": company.name, "法定代表人（负责人）": company.legal_representative,
            "经营场所": company.address, "主体业态": "食品销售经营者（网络经营）",
            "经营项目": "预包装食品（不含冷藏冷冻食品）销售",
        }, source_ref="DEMO-BJ-0001", department=permit.issuing_department)
        created += 1
    return created


def demo_load_licences(*, small: bool = False) -> dict[str, int]:
    """Load demo licences for the demo people and enterprises (idempotent)."""
    from django.conf import settings

    today = timezone.localdate()
    types = _types_assign(settings.ONEWINDOW_DISTRICT_CODE[:6])
    wanted = _wanted(types, today)
    known: set[tuple[int, str]] = set()
    for type_id in {w.licence_type_id for w in wanted}:
        numbers = [w.number for w in wanted if w.licence_type_id == type_id]
        for start in range(0, len(numbers), 500):
            known |= set(Licence.objects.filter(licence_type_id=type_id, number__in=numbers[start:start + 500])
                         .values_list("licence_type_id", "number"))
    new = [w for w in wanted if (w.licence_type_id, w.number) not in known]
    with transaction.atomic():
        if new:
            Licence.objects.bulk_create(new, batch_size=500)
            audit_record(actor=None, action=AUDIT_LICENCE_IMPORT, object_type="licences.licence",
                         summary={"batch": len(new), "source": SOURCE_REF})
    showcase = _showcase(types, today)
    return {
        "本次新增证照": len(new) + showcase,
        "证照类型": LicenceType.objects.count(),
        "证照总数": Licence.objects.count(),
    }

