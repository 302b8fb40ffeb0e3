"""Services of grid governance against a real database."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage

from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.grid import selectors, services
from onewindow.grid.constants import (
    ChangeSource,
    DeclarationStatus,
    EventKind,
    HouseUse,
    LocationCheck,
    Relation,
    ResidenceType,
)
from onewindow.grid.models import ChangeRecord, GridEvent, House, Household, Photo, Resident, Visit
from onewindow.grid.tests.factories import (
    building_make,
    house_make,
    household_make,
    jpeg_bytes,
    png_bytes,
    resident_person,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SH)
INSIDE = (102.705, 25.005)  # inside 拓东社区第1网格


# --- Houses -----------------------------------------------------------------------------------
def test_houses_get_a_standard_code_from_community_building_unit_room(grids):
    building = services.building_create(actor=grids.worker.user, grid=grids.grid, name="拓东路18号3栋",
                                        lng=INSIDE[0], lat=INSIDE[1])
    assert building.code == "530103001001-0001"
    house = services.house_create(actor=grids.worker.user, building=building, unit="2", room="501",
                                  code="530103001001-0001-02-0501")
    assert house.code == "530103001001-0001-02-0501" and house.region_path == grids.grid.path
    assert house.address.endswith("02单元501室")
    second = services.building_create(actor=grids.worker.user, grid=grids.grid, name="拓东路20号")
    assert second.number == "0002"
    assert ChangeRecord.objects.filter(house=house, action="house_create", source=ChangeSource.WORKER).exists()


def test_buildings_are_registered_in_the_gazetteer(grids):
    from onewindow.regions.selectors import address_resolve

    services.building_create(actor=grids.worker.user, grid=grids.grid, name="拓东路18号3栋", lng=INSIDE[0],
                             lat=INSIDE[1])
    found = address_resolve(text="盘龙区拓东路18号3栋2单元501室门口路灯不亮")
    assert found is not None and found.region == grids.grid and found.place_kind == "address"
    assert (found.lng, found.lat) == INSIDE


def test_a_house_code_that_does_not_fit_its_region_is_refused_and_nothing_is_written(grids):
    building = building_make(grids.grid)
    with pytest.raises(ValidationFailed) as e:
        services.house_create(actor=grids.worker.user, building=building, unit="2", room="501",
                              code="530103002001-0001-02-0501")
    assert e.value.code == "house_code_region_mismatch"
    assert e.value.status == 400
    assert not House.objects.exists()
    services.house_create(actor=grids.worker.user, building=building, unit="2", room="501")
    with pytest.raises(Conflict) as e:
        services.house_create(actor=grids.worker.user, building=building, unit="02", room="0501")
    assert e.value.code == "house_exists"


def test_building_coordinates_must_be_real_and_in_the_grid(grids):
    with pytest.raises(ValidationFailed) as e:
        services.building_create(actor=grids.worker.user, grid=grids.grid, name="某楼", lng="东经102", lat="25")
    assert e.value.code == "coordinates_invalid"
    with pytest.raises(ValidationFailed) as e:
        services.building_create(actor=grids.worker.user, grid=grids.grid, name="某楼", lng=102.76, lat=25.01)
    assert e.value.code == "building_outside_grid"


def test_only_grid_workers_of_the_place_write(grids):
    with pytest.raises(NotFound):
        services.building_create(actor=grids.other_worker.user, grid=grids.grid, name="拓东路1号")
    with pytest.raises(PermissionDenied) as e:
        services.building_create(actor=grids.reviewer.user, grid=grids.grid, name="拓东路1号")
    assert e.value.code == "not_grid_worker"
    # the community's grid leader and the street's grid centre may
    services.building_create(actor=grids.leader.user, grid=grids.grid, name="拓东路1号")
    services.building_create(actor=grids.street.user, grid=grids.grid2, name="拓东路3号")


# --- Households -------------------------------------------------------------------------------
def test_a_household_with_members_and_special_groups(grids):
    head = resident_person(region=grids.grid, born="19400101")
    spouse = resident_person(region=grids.grid, born="19420101")
    household = services.household_create(actor=grids.worker.user, house=house_make(grids.grid), members=[
        services.MemberIn(person=head, relation=Relation.HEAD, residence_type=ResidenceType.REGISTERED,
                          tags=["disabled"]),
        services.MemberIn(person=spouse, relation=Relation.SPOUSE, residence_type=ResidenceType.REGISTERED)])
    assert household.number.startswith("530103001001-0001-02-0501-")
    household.refresh_from_db()
    assert (household.head_name, household.member_count, household.priority, household.special) == (
        head.name, 2, True, True)
    assert AuditEntry.objects.filter(action="grid.household", object_id=str(household.public_id)).exists()


def test_a_resident_in_two_households_at_once_is_refused_and_nothing_is_half_written(grids):
    person = resident_person(region=grids.grid)
    household_make(grids.grid, members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])
    other_house = house_make(grids.grid, room="601")
    newcomer = resident_person(region=grids.grid)
    with pytest.raises(Conflict) as e:
        services.household_create(actor=grids.worker.user, house=other_house, members=[
            services.MemberIn(person=newcomer, relation=Relation.HEAD, residence_type=ResidenceType.REGISTERED),
            services.MemberIn(person=person, relation=Relation.SPOUSE, residence_type=ResidenceType.REGISTERED)])
    assert e.value.code == "resident_in_other_household" and e.value.status == 409
    assert "一人同一时间只能属于一户" in e.value.message
    assert Household.objects.count() == 1
    assert not Resident.objects.filter(person=newcomer).exists()


def test_one_head_per_household_and_floating_residents_need_an_arrival_date(grids):
    a, b = resident_person(region=grids.grid), resident_person(region=grids.grid)
    with pytest.raises(ValidationFailed) as e:
        services.household_create(actor=grids.worker.user, house=house_make(grids.grid), members=[
            services.MemberIn(person=a, relation=Relation.HEAD, residence_type=ResidenceType.REGISTERED),
            services.MemberIn(person=b, relation=Relation.HEAD, residence_type=ResidenceType.REGISTERED)])
    assert e.value.code == "head_required"
    with pytest.raises(ValidationFailed) as e:
        services.household_create(actor=grids.worker.user, house=House.objects.get(), members=[
            services.MemberIn(person=a, relation=Relation.HEAD, residence_type=ResidenceType.FLOATING)])
    assert e.value.code == "arrived_on_required"


def test_moving_out_frees_the_person_and_dissolves_an_empty_household(grids):
    person = resident_person(region=grids.grid)
    household = household_make(grids.grid, members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])
    member = Resident.objects.get(person=person)
    services.resident_leave(actor=grids.worker.user, resident=member)
    household.refresh_from_db()
    assert household.dissolved_at is not None and household.member_count == 0
    household_make(grids.grid, house=house_make(grids.grid, room="702"),
                   members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])


def test_today_is_shanghai_s_day_even_before_8_am(grids):
    """timezone.now() is UTC: at 06:30 in Shanghai it is still the day before in UTC. A member who
    joins and leaves that morning does so on Shanghai's date (the date a clerk types)."""
    early = datetime(2026, 12, 7, 22, 30, tzinfo=ZoneInfo("UTC"))  # 2026-12-08 06:30 in Shanghai
    person = resident_person(region=grids.grid)
    services.household_create(actor=grids.worker.user, house=house_make(grids.grid), now=early, members=[
        services.MemberIn(person=person, relation=Relation.HEAD, residence_type=ResidenceType.REGISTERED)])
    member = Resident.objects.get(person=person)
    assert member.joined_on == date(2026, 12, 8)
    services.resident_leave(actor=grids.worker.user, resident=member, left_on=date(2026, 12, 8), now=early)
    member.refresh_from_db()
    assert member.left_on == date(2026, 12, 8)


def test_scope_worker_grid_leader_community_street_and_no_departments(grids):
    mine = household_make(grids.grid)
    theirs = household_make(grids.grid2)
    far = household_make(grids.other)
    assert set(selectors.household_list(actor=grids.worker.user)) == {mine}
    assert set(selectors.household_list(actor=grids.leader.user)) == {mine, theirs}
    assert set(selectors.household_list(actor=grids.street.user)) == {mine, theirs}
    assert set(selectors.household_list(actor=grids.other_worker.user)) == {far}
    assert not selectors.household_list(actor=grids.reviewer.user).exists()
    assert not selectors.household_list(actor=grids.supervisor.user).exists()
    with raises_code(NotFound, "not_found"):
        selectors.household_get(actor=grids.worker.user, public_id=theirs.public_id)
    with raises_code(NotFound, "not_found"):
        selectors.household_get(actor=grids.reviewer.user, public_id=mine.public_id)


def test_revealing_a_residents_full_data_needs_a_reason_and_is_audited(grids):
    person = resident_person(region=grids.grid, phone="13912345678")
    household_make(grids.grid, members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])
    member = Resident.objects.get(person=person)
    view = selectors.member_view(member)
    assert view.phone == "139****5678" and "*" in view.id_number
    with pytest.raises(ValidationFailed) as e:
        services.resident_reveal(actor=grids.worker.user, resident=member, reason="")
    assert e.value.code == "reveal_reason_required"
    with raises_code(NotFound, "not_found"):
        services.resident_reveal(actor=grids.other_worker.user, resident=member, reason="核对信息")
    full = services.resident_reveal(actor=grids.worker.user, resident=member, reason="走访核对联系方式")
    assert full["phone"] == "13912345678" and full["id_number"] == person.id_number
    entry = AuditEntry.objects.get(action="grid.resident_reveal")
    assert entry.summary["reason"] == "走访核对联系方式" and entry.actor == grids.worker.user


# --- Visits -----------------------------------------------------------------------------------
def test_a_visit_inside_the_grid_with_photos_and_corrections(grids):
    person = resident_person(region=grids.grid, born="19450101")
    household = household_make(grids.grid, members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])
    member = Resident.objects.get(person=person)
    visit = services.visit_record(
        actor=grids.worker.user, household=household, notes="老人身体尚可，独自居住。", lng=INSIDE[0], lat=INSIDE[1],
        photos=[services.PhotoIn("门口.jpg", jpeg_bytes()), services.PhotoIn("a.png", png_bytes())],
        corrections=services.VisitCorrections(house_use=HouseUse.OWN, members=[
            services.MemberCorrection(resident=member, tags=["elderly_alone"])]), now=NOW)
    assert visit.location_check == LocationCheck.INSIDE
    assert [p.content_type for p in visit.photos.all()] == ["image/jpeg", "image/png"]
    assert visit.corrections == [{"member": member.person.name[0] + "*" * (len(member.person.name) - 2)
                                  + member.person.name[-1] if len(member.person.name) > 2
                                  else member.person.name[0] + "*", "field": "tags", "to": ["elderly_alone"]}]
    household.refresh_from_db()
    assert household.last_visited_at == NOW and household.priority
    change = ChangeRecord.objects.get(resident=member, action="member_update")
    assert (change.source, change.visit, change.changes["tags"]) == (ChangeSource.VISIT, visit, [[], ["elderly_alone"]])
    assert selectors.quota_progress(actor=grids.worker.user, today=NOW.date()).done == 1


def test_a_visit_outside_the_grid_needs_a_reason(grids):
    household = household_make(grids.grid)
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=grids.worker.user, household=household, notes="入户走访", lng=102.8, lat=25.0)
    assert e.value.code == "location_reason_required"
    visit = services.visit_record(actor=grids.worker.user, household=household, notes="入户走访", lng=102.8, lat=25.0,
                                  location_note="居民在子女家，电话约在社区服务站见面")
    assert visit.location_check == LocationCheck.OUTSIDE


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_written(grids, media_root):
    household = household_make(grids.grid)
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=grids.worker.user, household=household, notes="入户走访", lng=INSIDE[0],
                              lat=INSIDE[1], photos=[services.PhotoIn("ok.png", png_bytes()),
                                                     services.PhotoIn("照片.jpg", b"%PDF-1.7 not a photo")])
    assert e.value.code == "photo_not_image" and "照片.jpg" in e.value.message
    with pytest.raises(ValidationFailed) as e:
        services.visit_record(actor=grids.worker.user, household=household, notes="入户走访", lng=INSIDE[0],
                              lat=INSIDE[1], photos=[services.PhotoIn("broken.png", png_bytes()[:30])])
    assert e.value.code == "photo_damaged"
    assert not Visit.objects.exists() and not Photo.objects.exists()
    assert not (media_root / "grid").exists() or not any((media_root / "grid").rglob("*.*"))


def test_due_visits_put_special_groups_first_and_skip_recent_visits(grids):
    plain = household_make(grids.grid)
    special = household_make(grids.grid, house=house_make(grids.grid, room="301"), tags=["veteran"])
    priority = household_make(grids.grid, house=house_make(grids.grid, room="302"), tags=["elderly_alone"])
    visited = household_make(grids.grid, house=house_make(grids.grid, room="303"))
    services.visit_record(actor=grids.worker.user, household=visited, notes="走访", lng=INSIDE[0], lat=INSIDE[1],
                          now=NOW - timedelta(days=10))
    due = list(selectors.due_visits(actor=grids.worker.user, now=NOW))
    assert due == [priority, special, plain]


# --- Events -----------------------------------------------------------------------------------
def test_a_reported_event_enters_the_hotline_and_is_confirmed_on_site(grids, hotline):
    event = services.event_report(actor=grids.worker.user, grid=grids.grid, category="facility",
                                  text="拓东路12号小区门口停水，自来水管破裂漏水。", lng=INSIDE[0], lat=INSIDE[1],
                                  photos=[services.PhotoIn("漏水.jpg", jpeg_bytes())], now=NOW)
    ticket = event.ticket
    assert (ticket.channel, ticket.site_check, ticket.status) == ("grid", True, "dispatched")
    assert ticket.department == hotline.water and ticket.attachments.count() == 1
    assert event.number.startswith("WG-20261123-") and event.photos.count() == 1
    assert selectors.event_state(event) == "dispatched"
    from onewindow.tickets import services as tickets

    tickets.ticket_accept(actor=hotline.water_staff.user, ticket=ticket, now=NOW + timedelta(hours=1))
    tickets.ticket_reply(actor=hotline.water_staff.user, ticket=ticket, text="已更换破损水管，恢复供水。",
                         now=NOW + timedelta(hours=2))
    assert list(selectors.events_to_check(actor=grids.worker.user)) == [event]
    with raises_code(NotFound, "not_found"):
        services.event_site_check(actor=grids.other_worker.user, event=event, solved=True)
    services.event_site_check(actor=grids.worker.user, event=event, solved=True, satisfaction="satisfied",
                              note="现场已修复", now=NOW + timedelta(hours=3))
    event.ticket.refresh_from_db()
    assert event.ticket.status == "closed" and selectors.event_state(event) == "closed"


def test_self_handled_events_do_not_enter_the_hotline(grids, hotline):
    with pytest.raises(ValidationFailed) as e:
        services.event_report(actor=grids.worker.user, grid=grids.grid, category="environment",
                              text="楼道堆放杂物影响通行。", lng=INSIDE[0], lat=INSIDE[1], self_handled=True)
    assert e.value.code == "handled_note_required"
    event = services.event_report(actor=grids.worker.user, grid=grids.grid, category="environment",
                                  text="楼道堆放杂物影响通行。", lng=INSIDE[0], lat=INSIDE[1], self_handled=True,
                                  handled_note="已劝导住户当场清理")
    assert event.kind == EventKind.SELF_HANDLED and event.ticket is None
    from onewindow.tickets.models import Ticket

    assert not Ticket.objects.exists()


def test_an_event_with_a_bad_photo_writes_no_ticket(grids, hotline):
    from onewindow.tickets.models import Ticket

    with pytest.raises(ValidationFailed) as e:
        services.event_report(actor=grids.worker.user, grid=grids.grid, category="safety",
                              text="井盖缺失，存在安全隐患。", lng=INSIDE[0], lat=INSIDE[1],
                              photos=[services.PhotoIn("x.jpg", b"<html>not an image</html>")])
    assert e.value.code == "photo_not_image"
    assert not Ticket.objects.exists() and not GridEvent.objects.exists()


# --- Declarations and residence registration --------------------------------------------------
@pytest.fixture
def landlord(grids):
    from onewindow.cases.tests.factories import citizen_make

    person = citizen_make(username="landlord", name="李华", region=grids.grid)
    house = house_make(grids.grid, owner_person=person, use=HouseUse.VACANT)
    return person, house


def test_a_landlord_declares_a_tenant_and_the_worker_verifies_it(grids, landlord):
    from onewindow.licences.models import Licence

    owner, house = landlord
    tenant = resident_person(region=None, born="19950505", name="王小明")
    declaration = services.declaration_submit(user=owner.user, kind="tenant", house=house, now=NOW, payload={
        "name": "王小明", "id_number": tenant.id_number, "phone": "13700001111",
        "moved_in_on": "2026-11-21", "planned_stay_until": "2027-11-20", "stay_reason": "work"})
    assert declaration.status == DeclarationStatus.PENDING and "王*明" in declaration.summary
    assert not Resident.objects.filter(person=tenant).exists()  # nothing shared before verification
    assert list(selectors.declaration_pending(actor=grids.worker.user)) == [declaration]
    assert not selectors.declaration_pending(actor=grids.other_worker.user).exists()
    services.declaration_accept(actor=grids.worker.user, declaration=declaration, now=NOW)
    member = Resident.objects.get(person=tenant, left_on__isnull=True)
    assert (member.residence_type, member.relation, member.arrived_on) == (
        ResidenceType.FLOATING, Relation.HEAD, date(2026, 11, 21))
    house.refresh_from_db()
    assert house.use == HouseUse.RENTED
    tenancy = house.tenancies.get()
    assert tenancy.landlord == owner and tenancy.late is False and tenancy.report_source == "landlord"
    licence = Licence.objects.get(licence_type__code="RESIDENCE_REGISTRATION", holder_person=tenant)
    assert licence.valid_until == date(2027, 11, 20) and licence.issuing_department == grids.committee
    assert default_storage.exists(licence.file.name)
    sources = set(ChangeRecord.objects.filter(declaration=declaration).values_list("source", flat=True))
    assert sources == {ChangeSource.DECLARATION}
    with pytest.raises(Conflict) as e:
        services.declaration_accept(actor=grids.worker.user, declaration=declaration)
    assert e.value.code == "declaration_decided"


def test_a_declaration_is_rejected_with_a_reason(grids, landlord):
    owner, house = landlord
    declaration = services.declaration_submit(user=owner.user, kind="tenant", house=house, payload={
        "name": "张三", "id_number": resident_person(region=None).id_number, "moved_in_on": "2026-11-01"})
    with pytest.raises(ValidationFailed) as e:
        services.declaration_reject(actor=grids.worker.user, declaration=declaration, reason="")
    assert e.value.code == "reason_required"
    services.declaration_reject(actor=grids.worker.user, declaration=declaration, reason="经上门核实该人员并未入住")
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.REJECTED and declaration.reason == "经上门核实该人员并未入住"


def test_declarations_are_checked_when_made(grids, landlord):
    owner, house = landlord
    with pytest.raises(ValidationFailed) as e:
        services.declaration_submit(user=owner.user, kind="tenant", house=house, payload={
            "name": "张三", "id_number": "530103199001011230", "moved_in_on": "2026-11-01"})
    assert e.value.code == "id_number_checksum"
    other_house = house_make(grids.grid, room="909")
    with pytest.raises(NotFound) as e:
        services.declaration_submit(user=owner.user, kind="tenant", house=other_house, payload={})
    assert e.value.code == "house_not_owned"


def test_a_residence_application_reuses_the_verified_registration(grids, landlord):
    """The 居住证 item's 居住证明 material names the 居住登记证明 licence type: the case finds it."""
    from onewindow.cases import services as cases
    from onewindow.cases.constants import MaterialState
    from onewindow.cases.tests.factories import citizen_make, service_item_make

    owner, house = landlord
    tenant = citizen_make(username="tenant", name="王小明", region=None)
    declaration = services.declaration_submit(user=owner.user, kind="tenant", house=house, now=NOW, payload={
        "name": "王小明", "id_number": tenant.id_number, "moved_in_on": "2026-11-20"})
    services.declaration_accept(actor=grids.worker.user, declaration=declaration, now=NOW)
    item = service_item_make(materials=2, licence_codes={1: "RESIDENCE_REGISTRATION"})
    case = cases.case_draft_create(actor=tenant.user, item=item)
    material = case.materials.get(licence_type_code="RESIDENCE_REGISTRATION")
    assert material.state == MaterialState.LICENCE and material.licence_number.startswith("JZDJ")


def test_moving_out_ends_the_registration_and_revokes_its_licence(grids, landlord):
    from onewindow.grid.models import ResidenceRegistration
    from onewindow.licences.models import Licence

    _owner, house = landlord
    tenant = resident_person(region=grids.grid, born="19990101")
    services.tenant_register(actor=grids.worker.user, house=house, person=tenant, moved_in_on=date(2026, 11, 1),
                             planned_stay_until=None, stay_reason="work")
    member = Resident.objects.get(person=tenant, left_on__isnull=True)
    services.resident_leave(actor=grids.worker.user, resident=member, note="退租")
    registration = ResidenceRegistration.objects.get(person=tenant)
    assert registration.status == "ended"
    assert Licence.objects.get(public_id=registration.licence_ref).status == "revoked"


def test_a_worker_registers_a_tenant_reported_late(grids, landlord):
    owner, house = landlord
    tenant = resident_person(region=grids.grid, born="19990101")
    tenancy = services.tenant_register(actor=grids.worker.user, house=house, person=tenant,
                                       moved_in_on=date(2026, 11, 1), planned_stay_until=None, stay_reason="work",
                                       now=NOW)
    assert tenancy.late and tenancy.landlord == owner and tenancy.report_source == "worker"


# --- Proxy applications -----------------------------------------------------------------------
def test_a_worker_applies_for_an_elderly_resident_with_consent(grids):
    from onewindow.cases.constants import CaseStatus
    from onewindow.cases.tests.factories import service_item_make

    elder = resident_person(region=grids.grid, born="19400303")
    young = resident_person(region=grids.grid, born="19900303")
    household = household_make(grids.grid, members=[(elder, Relation.HEAD, ResidenceType.REGISTERED),
                                                    (young, Relation.CHILD, ResidenceType.REGISTERED)])
    item = service_item_make(materials=2)
    paper = [str(m.public_id) for m in item.current_version.materials.all()]
    elder_member, young_member = household_make and selectors.household_members(household=household)
    with pytest.raises(ValidationFailed) as e:
        services.proxy_start(actor=grids.worker.user, resident=young_member, item=item, consent_method="signed",
                             consent_note="本人签字", paper=paper)
    assert e.value.code == "proxy_not_eligible"
    with pytest.raises(ValidationFailed) as e:
        services.proxy_start(actor=grids.worker.user, resident=elder_member, item=item, consent_method="signed",
                             consent_note="", paper=paper)
    assert e.value.code == "consent_note_required"
    proxy = services.proxy_start(actor=grids.worker.user, resident=elder_member, item=item, consent_method="verbal",
                                 consent_note="老人口头同意，其子在场见证", paper=paper, now=NOW)
    case = proxy.case
    assert case.status == CaseStatus.SUBMITTED and case.applicant_person == elder
    assert case.proxy_staff == grids.worker and "口头同意" in case.proxy_consent
    assert case.events.get(action="submit").title == "代办提交"


def test_the_hotlines_events_keep_the_event_open_or_finished(grids, hotline, django_capture_on_commit_callbacks):
    from onewindow.tickets import services as tickets

    event = services.event_report(actor=grids.worker.user, grid=grids.grid, category="facility",
                                  text="小区门口自来水管破裂，停水。", lng=INSIDE[0], lat=INSIDE[1])
    ticket = event.ticket
    tickets.ticket_accept(actor=hotline.water_staff.user, ticket=ticket)
    tickets.ticket_reply(actor=hotline.water_staff.user, ticket=ticket, text="已抢修完毕，恢复供水。")
    services.event_site_check(actor=grids.worker.user, event=event, solved=False, note="仍在漏水")
    event.refresh_from_db()
    assert event.closed_at is None and selectors.event_state(event) == "review"
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_close(actor=hotline.supervisor.user, ticket=ticket, note="已另行安排")
    event.refresh_from_db()
    assert event.closed_at is not None
    assert not selectors.event_list(actor=grids.worker.user, filters=selectors.EventFilters(open_only=True)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_reopen(actor=hotline.supervisor.user, ticket=ticket, reason="居民再次反映仍在漏水")
    event.refresh_from_db()
    assert event.closed_at is None
    geo = selectors.map_regions(actor=grids.street.user, region=grids.street.region)
    grid_props = next(f["properties"] for f in geo["features"] if f["properties"]["code"] == grids.grid.code)
    assert grid_props["open_events"] == 1 and grid_props["open_by_state"] == {"handling": 1}
