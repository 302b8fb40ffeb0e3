"""Residence registration (居住登记) of floating residents and its e-licence.

A verified registration is published into the e-licence library as a 居住登记证明 through
``licences.services.licence_issue``: the 居住证 item's material names that licence type, so an
application finds it like any other e-licence and every use of it inside a case is traced by
the licences app. ``cases`` never needs to know that the grid exists.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import DepartmentKind
from onewindow.accounts.selectors import department_list
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, ValidationFailed
from onewindow.core.masking import mask_name

from .. import constants as c
from .. import rules
from ..models import House, ResidenceRegistration, Resident
from .common import choice, counter_next, files_remove, history, now_or, require_worker


def _issuer(house: House) -> Any:
    """The community committee of the house issues the proof (it verified the data)."""
    community_path = "/".join(house.region_path.split("/")[:4]) + "/"
    return department_list(region_path=community_path).filter(
        kind=DepartmentKind.COMMUNITY_COMMITTEE, region__path=community_path).first()


def registration_end(*, actor: Any, registration: ResidenceRegistration, reason: str,
                     now: datetime | None = None) -> ResidenceRegistration:
    """End a registration (moved away, registered again) and revoke its e-licence."""
    from onewindow.licences.models import Licence
    from onewindow.licences.services import licence_revoke

    now = now_or(now)
    if registration.status == c.RegistrationStatus.ENDED:
        return registration
    with transaction.atomic():
        registration.status = c.RegistrationStatus.ENDED
        registration.save(update_fields=["status", "updated_at"])
        licence = Licence.objects.filter(public_id=registration.licence_ref).first() if registration.licence_ref \
            else None
        if licence is not None and licence.status != "revoked":
            licence_revoke(actor=None, licence=licence, reason=reason)
        audit_record(actor=actor, action=c.AUDIT_REGISTRATION, obj=registration,
                     summary={"number": registration.number, "ended": True, "reason": reason[:200]})
    return registration


def residence_register(*, actor: Any, resident: Resident, arrived_on: date | None = None,
                       planned_until: date | None = None, reason: str = "", declaration: Any = None,
                       source: str = c.ChangeSource.WORKER, now: datetime | None = None) -> ResidenceRegistration:
    """Register (and verify) a floating resident's residence and publish the 居住登记证明."""
    from onewindow.licences.services import licence_issue

    now = now_or(now)
    require_worker(actor, resident.region_path)
    today = timezone.localdate(now)
    if resident.left_on is not None:
        raise Conflict("该居民已迁出，不能办理居住登记", code="resident_left")
    if resident.residence_type == c.ResidenceType.REGISTERED:
        raise ValidationFailed("户籍人口无需办理居住登记", code="registration_not_floating",
                               fields={"resident": "户籍人口无需办理居住登记"})
    arrived_on = arrived_on or resident.arrived_on
    if arrived_on is None:
        msg = "请填写来本地日期"
        raise ValidationFailed(msg, code="arrived_on_required", fields={"arrived_on": msg})
    planned_until = planned_until or resident.planned_stay_until
    rules.stay_dates_check(arrived_on=arrived_on, planned_until=planned_until, today=today)
    reason = choice(reason or resident.stay_reason or c.StayReason.OTHER, c.StayReason, field="stay_reason",
                    label="居住事由")
    household = resident.household
    house = household.house
    person = resident.person
    valid_until = rules.registration_valid_until(arrived_on=arrived_on, planned_until=planned_until, today=today)
    area = settings.ONEWINDOW_DISTRICT_CODE[:6]
    issued_paths: list[str] = []
    try:
        with transaction.atomic():
            for old in ResidenceRegistration.objects.select_for_update().filter(
                    person=person, status=c.RegistrationStatus.VERIFIED):
                registration_end(actor=actor, registration=old, reason="已重新办理居住登记", now=now)
            number = f"JZDJ{area}{today:%Y%m%d}{counter_next(f'reg:{area}:{today:%Y%m%d}'):05d}"
            registration = ResidenceRegistration.objects.create(
                number=number, person=person, resident=resident, house=house, region_path=resident.region_path,
                arrived_on=arrived_on, valid_until=valid_until, reason=reason, verified_by_id=getattr(
                    actor, "pk", None), verified_at=now, declaration=declaration)
            licence = licence_issue(
                actor=None, type_code=c.LICENCE_TYPE_REGISTRATION, holder_person=person, number=number,
                valid_from=today, valid_until=valid_until, source_ref=number, department=_issuer(house),
                data={"居住地址": house.address, "房屋编码": house.code, "来本地日期": arrived_on.isoformat(),
                      "居住事由": c.StayReason(reason).label, "登记编号": number,
                      "核实人": getattr(actor, "display_name", "") or "网格员"})
            issued_paths.append(str(licence.file.name))
            registration.licence_ref = licence.public_id
            registration.licence_number = licence.number
            registration.save(update_fields=["licence_ref", "licence_number", "updated_at"])
            if resident.arrived_on != arrived_on or resident.planned_stay_until != planned_until \
                    or resident.stay_reason != reason:
                resident.arrived_on, resident.planned_stay_until = arrived_on, planned_until
                resident.stay_reason = reason
                resident.save(update_fields=["arrived_on", "planned_stay_until", "stay_reason", "updated_at"])
            history(actor=actor, source=source, action="residence_register", at=now, household=household,
                    resident=resident, declaration=declaration,
                    changes={"number": number, "name": mask_name(person.name), "arrived_on": arrived_on.isoformat(),
                             "valid_until": valid_until.isoformat(), "licence": licence.number})
            audit_record(actor=actor, action=c.AUDIT_REGISTRATION, obj=registration, summary={
                "number": number, "household": household.number, "licence": str(licence.public_id),
                "valid_until": valid_until.isoformat(), "source": source})
    except Exception:
        files_remove(issued_paths)
        raise
    return registration
