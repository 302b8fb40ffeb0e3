"""Basic data (村居基础数据): buildings, houses, households and their members.

Each function owns its transaction, writes the change history (who, when, what, source) and
an audit entry, and keeps the household's denormalised figures (head, size, special groups).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from onewindow.accounts.models import Enterprise, Person
from onewindow.accounts.rules import id_number_parse
from onewindow.core.audit import audit_record
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import Conflict, ValidationFailed
from onewindow.core.masking import mask_id_number, mask_name, mask_phone
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from .. import constants as c
from .. import rules
from ..models import Building, House, Household, Resident
from .common import actor_label, choice, counter_next, history, now_or, require_worker

ONE_HOUSEHOLD = "该居民当前已在其他户登记（一人同一时间只能属于一户），请先在原户办理迁出"


def _grid_check(grid: Region) -> Region:
    if grid.level != RegionLevel.GRID or grid.parent_id is None:
        raise ValidationFailed("请选择网格", code="grid_required", fields={"grid": "请选择网格"})
    return grid


# --- Buildings and houses ---------------------------------------------------------------------
def building_create(*, actor: Any, grid: Region, name: str, address: str = "", lng: Any = None, lat: Any = None,
                    number: str | int | None = None, floors: int | None = None,
                    source: str = c.ChangeSource.WORKER, now: datetime | None = None) -> Building:
    """A building (or a village house plot) in a grid; its number is the next free one of the
    community unless given. Coordinates, when given, must lie in the grid."""
    now = now_or(now)
    _grid_check(grid)
    require_worker(actor, grid.path)
    name = (name or "").strip()[:200]
    if len(name) < 2:
        raise ValidationFailed("请填写楼栋名称（如：拓东路18号3栋）", code="building_name_required",
                               fields={"name": "请填写楼栋名称"})
    point = rules.point_clean(lng, lat)
    if point is not None and rules.point_in_geometry(grid.geometry, *point) is False:
        msg = "楼栋坐标不在所选网格范围内，请核对定位"
        raise ValidationFailed(msg, code="building_outside_grid", fields={"lng": msg, "lat": msg})
    community = Region.objects.defer("geometry").get(pk=grid.parent_id or 0)
    with transaction.atomic():
        if number is None:
            highest = Building.objects.filter(community=community).aggregate(m=Max("number"))["m"]
            number = f"{int(highest or 0) + 1:04d}"
        else:
            number = rules.building_number_clean(number)
        building = Building(
            code=rules.building_code(community.code, number), number=number, community=community, grid=grid,
            region_path=grid.path, name=name, address=(address or "").strip()[:300] or name,
            lng=point[0] if point else None, lat=point[1] if point else None, floors=floors)
        try:
            with transaction.atomic():
                building.save()
        except IntegrityError:
            raise Conflict(f"楼栋号 {number} 在本社区已被使用", code="building_exists",
                           fields={"number": "楼栋号已被使用"}) from None
        audit_record(actor=actor, action=c.AUDIT_HOUSE, obj=building,
                     summary={"building": building.code, "created": True, "source": source})
        _gazetteer_register(actor=actor, building=building, community=community)
    return building


def _gazetteer_register(*, actor: Any, building: Building, community: Region) -> None:
    """The building's doorplate address in the regions gazetteer, so that a 12345 address naming
    it resolves to its grid and point. Houses resolve through their building: a room is not a
    place one finds on a map."""
    from onewindow.regions.constants import PlaceKind
    from onewindow.regions.services import PlaceIn, place_upsert

    aliases = tuple(a for a in (f"{community.name}{building.name}", building.address) if a != building.name)
    place_upsert(actor=actor, place=PlaceIn(
        source=c.PLACE_SOURCE, source_ref=building.code, name=building.name, kind=PlaceKind.ADDRESS,
        aliases=aliases, region=building.grid, lng=building.lng, lat=building.lat))


def house_create(*, actor: Any, building: Building, unit: Any, room: Any, use: str = c.HouseUse.OWN,
                 code: str = "", owner_person: Person | None = None, owner_enterprise: Enterprise | None = None,
                 property_unit_code: str = "", source: str = c.ChangeSource.WORKER,
                 now: datetime | None = None) -> House:
    """A house in a building. A code given by the caller must be the one its community, building,
    unit and room make (house_code_region_mismatch / house_code_mismatch otherwise)."""
    now = now_or(now)
    require_worker(actor, building.region_path)
    use = choice(use, c.HouseUse, field="use", label="房屋用途")
    expected = rules.house_code_make(community_code=building.code[:12], building=building.number,
                                     unit=unit, room=room)
    if code:
        rules.house_code_check(code, expected=expected)
    if owner_person is not None and owner_enterprise is not None:
        raise ValidationFailed("产权人只能是一个自然人或一个法人", code="owner_ambiguous",
                               fields={"owner": "产权人只能有一个"})
    label = f"{expected.unit}单元{expected.room.lstrip('0') or '0'}室" if expected.unit != "00" else (
        f"{expected.room.lstrip('0')}室" if expected.room != "0000" else "")
    house = House(code=str(expected), building=building, unit=expected.unit, room=expected.room,
                  grid_id=building.grid_id, region_path=building.region_path,
                  address=f"{building.address}{label}"[:300], use=use, owner_person=owner_person,
                  owner_enterprise=owner_enterprise, property_unit_code=(property_unit_code or "").strip()[:28])
    with transaction.atomic():
        try:
            with transaction.atomic():
                house.save()
        except IntegrityError:
            raise Conflict(f"房屋 {expected} 已登记", code="house_exists", fields={"code": "该房屋已登记"}) from None
        history(actor=actor, source=source, action="house_create", at=now, house=house,
                changes={"code": house.code, "use": use, "owner": mask_name(owner_person.name) if owner_person
                         else (owner_enterprise.name if owner_enterprise else "")})
        audit_record(actor=actor, action=c.AUDIT_HOUSE, obj=house, summary={"code": house.code, "created": True,
                                                                             "source": source})
    return house


_UNSET: Any = object()


def house_update(*, actor: Any, house: House, use: str | None = None, owner_person: Any = _UNSET,
                 source: str = c.ChangeSource.WORKER, visit: Any = None, declaration: Any = None,
                 now: datetime | None = None) -> House:
    now = now_or(now)
    require_worker(actor, house.region_path)
    changes: dict[str, Any] = {}
    fields: list[str] = []
    if use is not None and use != house.use:
        use = choice(use, c.HouseUse, field="use", label="房屋用途")
        changes["use"] = [house.use, use]
        house.use = use
        fields.append("use")
    if owner_person is not _UNSET and (owner_person.pk if owner_person else None) != house.owner_person_id:
        changes["owner"] = "已变更"
        house.owner_person = owner_person
        fields.append("owner_person")
    if not fields:
        return house
    with transaction.atomic():
        house.save(update_fields=[*fields, "updated_at"])
        history(actor=actor, source=source, action="house_update", at=now, house=house, changes=changes,
                visit=visit, declaration=declaration)
        audit_record(actor=actor, action=c.AUDIT_HOUSE, obj=house, summary={"code": house.code, **changes})
    return house


# --- People -----------------------------------------------------------------------------------
def person_resolve(*, actor: Any, name: str, id_number: str, phone: str = "", region: Region,
                   field_prefix: str = "") -> Person:
    """The natural person with this ID number, registering them when unknown. The name must
    match the one on record (person_name_mismatch)."""
    from onewindow.accounts.services import person_create

    facts = id_number_parse(id_number, field=f"{field_prefix}id_number")
    name = (name or "").strip()
    person = Person.objects.filter(id_number_hash=lookup_hash(facts.number)).first()
    if person is not None:
        if name and name != person.name:
            msg = "姓名与身份证号码登记的信息不符，请核对"
            raise ValidationFailed(msg, code="person_name_mismatch", fields={f"{field_prefix}name": msg})
        return person
    return person_create(actor=actor, name=name, id_number=facts.number, phone=phone, region=region)


# --- Households and residents -----------------------------------------------------------------
@dataclass
class MemberIn:
    person: Person
    relation: str
    residence_type: str
    arrived_on: date | None = None
    planned_stay_until: date | None = None
    stay_reason: str = ""
    tags: list[str] = field(default_factory=list)


def _member_clean(member: MemberIn, *, today: date) -> MemberIn:
    choice(member.relation, c.Relation, field="relation", label="与户主关系")
    choice(member.residence_type, c.ResidenceType, field="residence_type", label="人口类型")
    if member.stay_reason:
        choice(member.stay_reason, c.StayReason, field="stay_reason", label="居住事由")
    member.tags = rules.tags_clean(member.tags)
    rules.stay_dates_check(arrived_on=member.arrived_on, planned_until=member.planned_stay_until, today=today)
    if member.residence_type == c.ResidenceType.FLOATING and member.arrived_on is None:
        msg = "流动人口请填写来本地日期"
        raise ValidationFailed(msg, code="arrived_on_required", fields={"arrived_on": msg})
    return member


def household_refresh(household: Household) -> None:
    """Recompute the household's head, size and flags from its current members."""
    members = list(Resident.objects.filter(household=household, left_on__isnull=True).select_related("person"))
    head = next((m for m in members if m.relation == c.Relation.HEAD), None)
    tags = [t for m in members for t in m.tags]
    household.head = head.person if head else None
    household.head_name = head.person.name if head else (members[0].person.name if members else "")
    household.member_count = len(members)
    household.special = bool(tags)
    household.priority = rules.is_priority(tags)
    household.floating = any(m.residence_type == c.ResidenceType.FLOATING for m in members)
    household.save(update_fields=["head", "head_name", "member_count", "special", "priority", "floating",
                                  "updated_at"])


def _member_summary(member: MemberIn) -> dict[str, Any]:
    return {"name": mask_name(member.person.name), "id_number": mask_id_number(member.person.id_number),
            "relation": member.relation, "residence_type": member.residence_type, "tags": member.tags,
            "arrived_on": member.arrived_on.isoformat() if member.arrived_on else None,
            "planned_stay_until": member.planned_stay_until.isoformat() if member.planned_stay_until else None}


def _resident_insert(household: Household, member: MemberIn, *, today: date) -> Resident:
    resident = Resident(household=household, person=member.person, grid_id=household.grid_id,
                        region_path=household.region_path, relation=member.relation,
                        residence_type=member.residence_type, arrived_on=member.arrived_on,
                        planned_stay_until=member.planned_stay_until, stay_reason=member.stay_reason,
                        tags=member.tags, joined_on=today)
    if Resident.objects.filter(person=member.person, left_on__isnull=True).exists():
        raise Conflict(ONE_HOUSEHOLD, code="resident_in_other_household", fields={"person": ONE_HOUSEHOLD})
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:  # a concurrent registration won the race
        raise Conflict(ONE_HOUSEHOLD, code="resident_in_other_household", fields={"person": ONE_HOUSEHOLD}) from None
    return resident


def household_create(*, actor: Any, house: House, members: list[MemberIn], source: str = c.ChangeSource.WORKER,
                     declaration: Any = None, now: datetime | None = None) -> Household:
    """A household in a house with its members: exactly one head (户主), nobody twice, nobody
    who still belongs to another household."""
    now = now_or(now)
    require_worker(actor, house.region_path)
    today = timezone.localdate(now)
    if not members:
        raise ValidationFailed("请至少登记一名成员", code="members_required", fields={"members": "请至少登记一名成员"})
    members = [_member_clean(m, today=today) for m in members]
    heads = [m for m in members if m.relation == c.Relation.HEAD]
    if len(heads) != 1:
        msg = "每户须有且只有一名户主"
        raise ValidationFailed(msg, code="head_required", fields={"relation": msg})
    if len({m.person.pk for m in members}) != len(members):
        msg = "同一人不能在一户中登记两次"
        raise ValidationFailed(msg, code="member_duplicate", fields={"members": msg})
    with transaction.atomic():
        sequence = counter_next(f"hh:{house.code}")
        household = Household.objects.create(number=f"{house.code}-{sequence}", house=house, grid_id=house.grid_id,
                                             region_path=house.region_path)
        for member in members:
            resident = _resident_insert(household, member, today=today)
            history(actor=actor, source=source, action="member_add", at=now, household=household,
                    resident=resident, changes=_member_summary(member), declaration=declaration)
        household_refresh(household)
        history(actor=actor, source=source, action="household_create", at=now, household=household,
                house=house, changes={"number": household.number, "members": len(members)},
                declaration=declaration)
        audit_record(actor=actor, action=c.AUDIT_HOUSEHOLD, obj=household, summary={
            "number": household.number, "created": True, "members": len(members), "source": source})
    return household


def resident_add(*, actor: Any, household: Household, member: MemberIn, source: str = c.ChangeSource.WORKER,
                 declaration: Any = None, visit: Any = None, now: datetime | None = None) -> Resident:
    now = now_or(now)
    require_worker(actor, household.region_path)
    member = _member_clean(member, today=timezone.localdate(now))
    if household.dissolved_at is not None:
        raise Conflict("该户已注销", code="household_dissolved")
    with transaction.atomic():
        if member.relation == c.Relation.HEAD and Resident.objects.filter(
                household=household, left_on__isnull=True, relation=c.Relation.HEAD).exists():
            msg = "该户已有户主"
            raise ValidationFailed(msg, code="head_exists", fields={"relation": msg})
        resident = _resident_insert(household, member, today=timezone.localdate(now))
        history(actor=actor, source=source, action="member_add", at=now, household=household, resident=resident,
                changes=_member_summary(member), declaration=declaration, visit=visit)
        household_refresh(household)
        audit_record(actor=actor, action=c.AUDIT_RESIDENT, obj=resident, summary={
            "household": household.number, "added": _member_summary(member), "source": source})
    return resident


def resident_update(*, actor: Any, resident: Resident, relation: str | None = None,
                    residence_type: str | None = None, tags: Any = None, planned_stay_until: Any = _UNSET,
                    source: str = c.ChangeSource.WORKER, declaration: Any = None, visit: Any = None,
                    now: datetime | None = None) -> Resident:
    """Correct what grid work knows of a member (relation, type, special groups, planned stay)."""
    now = now_or(now)
    require_worker(actor, resident.region_path)
    if resident.left_on is not None:
        raise Conflict("该居民已迁出，不能修改", code="resident_left")
    changes: dict[str, Any] = {}
    if relation is not None and relation != resident.relation:
        changes["relation"] = [resident.relation, choice(relation, c.Relation, field="relation", label="与户主关系")]
    if residence_type is not None and residence_type != resident.residence_type:
        changes["residence_type"] = [resident.residence_type,
                                     choice(residence_type, c.ResidenceType, field="residence_type", label="人口类型")]
    if tags is not None:
        clean = rules.tags_clean(tags)
        if clean != resident.tags:
            changes["tags"] = [resident.tags, clean]
    if planned_stay_until is not _UNSET and planned_stay_until != resident.planned_stay_until:
        rules.stay_dates_check(arrived_on=resident.arrived_on, planned_until=planned_stay_until,
                               today=timezone.localdate(now))
        changes["planned_stay_until"] = [resident.planned_stay_until.isoformat() if resident.planned_stay_until
                                         else None, planned_stay_until.isoformat() if planned_stay_until else None]
    if not changes:
        return resident
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=resident.household_id)
        if "relation" in changes and changes["relation"][1] == c.Relation.HEAD and Resident.objects.filter(
                household=household, left_on__isnull=True, relation=c.Relation.HEAD).exclude(pk=resident.pk).exists():
            msg = "该户已有户主，请先更改原户主的关系"
            raise ValidationFailed(msg, code="head_exists", fields={"relation": msg})
        for name, (_old, new) in changes.items():
            if name == "planned_stay_until":
                setattr(resident, name, planned_stay_until)
            else:
                setattr(resident, name, new)
        resident.save(update_fields=[*changes, "updated_at"])
        history(actor=actor, source=source, action="member_update", at=now, household=household, resident=resident,
                changes=changes, declaration=declaration, visit=visit)
        household_refresh(household)
        audit_record(actor=actor, action=c.AUDIT_RESIDENT, obj=resident, summary={
            "household": household.number, "changed": sorted(changes), "source": source})
    return resident


def resident_leave(*, actor: Any, resident: Resident, left_on: date | None = None, note: str = "",
                   source: str = c.ChangeSource.WORKER, declaration: Any = None, visit: Any = None,
                   now: datetime | None = None) -> Resident:
    """A member moves out (迁出); the last one leaving dissolves the household."""
    now = now_or(now)
    require_worker(actor, resident.region_path)
    left_on = left_on or timezone.localdate(now)
    if resident.left_on is not None:
        raise Conflict("该居民已迁出", code="resident_left")
    if left_on > timezone.localdate(now) or left_on < resident.joined_on:
        msg = "迁出日期应在入户日期与今天之间"
        raise ValidationFailed(msg, code="left_on_invalid", fields={"left_on": msg})
    with transaction.atomic():
        household = Household.objects.select_for_update().get(pk=resident.household_id)
        resident.left_on = left_on
        resident.save(update_fields=["left_on", "updated_at"])
        history(actor=actor, source=source, action="member_leave", at=now, household=household, resident=resident,
                changes={"name": mask_name(resident.person.name), "left_on": left_on.isoformat()}, note=note,
                declaration=declaration, visit=visit)
        household_refresh(household)
        from ..models import ResidenceRegistration
        from .registration import registration_end

        for registration in ResidenceRegistration.objects.filter(resident=resident,
                                                                 status=c.RegistrationStatus.VERIFIED):
            registration_end(actor=actor, registration=registration, reason="已迁出", now=now)
        if household.member_count == 0:
            household.dissolved_at = now
            household.save(update_fields=["dissolved_at", "updated_at"])
            history(actor=actor, source=source, action="household_dissolve", at=now, household=household)
        audit_record(actor=actor, action=c.AUDIT_RESIDENT, obj=resident, summary={
            "household": household.number, "left_on": left_on.isoformat(), "source": source})
    return resident


def resident_reveal(*, actor: Any, resident: Resident, reason: str) -> dict[str, str]:
    """A member's ID number, phone and registered address in full, for a grid worker of the
    place who gives a reason; the reading itself is audited."""
    from ..selectors import resident_get

    resident = resident_get(actor=actor, public_id=resident.public_id)
    reason = (reason or "").strip()
    if len(reason) < 2:
        msg = "查看完整信息须填写事由"
        raise ValidationFailed(msg, code="reveal_reason_required", fields={"reason": msg})
    person = resident.person
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_REVEAL, obj=resident, summary={
            "person": str(person.public_id), "household": resident.household.number,
            "fields": ["id_number", "phone", "address"], "reason": reason[:200],
            "by": actor_label(actor)})
    return {"name": person.name, "id_number": person.id_number, "phone": person.phone,
            "phone_masked": mask_phone(person.phone), "address": person.address}
