"""Pages of grid work: rendered in Chinese, scoped, errors on the field, nothing half written."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.core.models import AuditEntry
from onewindow.grid.constants import HouseUse, Relation, ResidenceType
from onewindow.grid.models import Declaration, GridEvent, Visit
from onewindow.grid.tests.factories import house_make, household_make, jpeg_bytes, resident_person

pytestmark = pytest.mark.django_db


def test_the_workers_phone_page_lists_households_due_special_groups_first(client, grids):
    plain = household_make(grids.grid)
    priority = household_make(grids.grid, house=house_make(grids.grid, room="302"), tags=["disabled"])
    household_make(grids.grid2)  # another grid: not mine
    client.force_login(grids.worker.user)
    page = client.get("/staff/grid/").content.decode()
    assert "拓东社区第1网格" in page and "待走访住户" in page and "本月走访" in page
    assert page.index(f"due-{priority.number}") < page.index(f"due-{plain.number}")
    assert "0</strong> / 30" in page
    assert page.count('data-testid="due-') == 2 + page.count('data-testid="due-list"') + page.count('due-empty')


def test_pages_are_404_outside_the_scope_and_for_departments(client, grids):
    household = household_make(grids.grid)
    client.force_login(grids.other_worker.user)
    assert client.get(f"/staff/grid/households/{household.public_id}/").status_code == 404
    client.force_login(grids.reviewer.user)
    for url in ("/staff/grid/", "/staff/grid/map/", "/staff/grid/figures/",
                f"/staff/grid/households/{household.public_id}/"):
        assert client.get(url).status_code == 404, url
    client.force_login(grids.supervisor.user)  # figures and map, no households
    assert client.get("/staff/grid/").status_code == 302
    assert client.get("/staff/grid/figures/").status_code == 200
    assert client.get(f"/staff/grid/households/{household.public_id}/").status_code == 404


def test_the_household_page_masks_and_the_reveal_is_audited(client, grids):
    person = resident_person(region=grids.grid, phone="13912345678")
    household = household_make(grids.grid, members=[(person, Relation.HEAD, ResidenceType.REGISTERED)])
    client.force_login(grids.worker.user)
    page = client.get(f"/staff/grid/households/{household.public_id}/").content.decode()
    assert "139****5678" in page and "13912345678" not in page and household.house.code in page
    member = household.members.get()
    shown = client.post(f"/staff/grid/residents/{member.public_id}/reveal/", {"reason": "核对联系方式"})
    assert "13912345678" in shown.content.decode() and "记入审计" in shown.content.decode()
    assert AuditEntry.objects.filter(action="grid.resident_reveal").count() == 1
    refused = client.post(f"/staff/grid/residents/{member.public_id}/reveal/", {"reason": ""})
    assert refused.status_code == 400 and "查看完整信息须填写事由" in refused.content.decode()


def test_a_visit_form_with_a_bad_photo_shows_the_error_on_the_field(client, grids):
    household = household_make(grids.grid)
    client.force_login(grids.worker.user)
    url = f"/staff/grid/households/{household.public_id}/visit/"
    bad = client.post(url, {"notes": "入户走访", "lng": "102.705", "lat": "25.005", "house_use": "own",
                            "photos": [SimpleUploadedFile("a.jpg", b"GIF8 nope", content_type="image/jpeg")]})
    body = bad.content.decode()
    assert bad.status_code == 400 and 'id="photos-error"' in body and "不是图片" in body
    assert 'aria-invalid="true" aria-describedby="photos-error"' in body
    assert not Visit.objects.exists()
    ok = client.post(url, {"notes": "入户走访", "lng": "102.705", "lat": "25.005", "house_use": HouseUse.OWN,
                           "photos": [SimpleUploadedFile("a.jpg", jpeg_bytes(), content_type="image/jpeg")]})
    assert ok.status_code == 302 and Visit.objects.get().photos.count() == 1
    photo = Visit.objects.get().photos.get()
    served = client.get(f"/staff/grid/photos/{photo.public_id}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    client.force_login(grids.other_worker.user)
    assert client.get(f"/staff/grid/photos/{photo.public_id}/").status_code == 404


def test_reporting_a_self_handled_event(client, grids):
    client.force_login(grids.worker.user)
    response = client.post("/staff/grid/events/new/", {"category": "environment", "text": "楼道堆放杂物影响通行。",
                                                       "lng": "102.705", "lat": "25.005", "self_handled": "1",
                                                       "handled_note": "已当场劝导清理"})
    event = GridEvent.objects.get()
    assert response.status_code == 302 and event.ticket is None
    page = client.get(f"/staff/grid/events/{event.public_id}/").content.decode()
    assert "已自处置" in page and "已当场劝导清理" in page


def test_a_citizen_sees_the_verified_household_and_declares(client, grids):
    from onewindow.cases.tests.factories import citizen_make

    me = citizen_make(username="me", name="李华", region=grids.grid)
    household_make(grids.grid, members=[(me, Relation.HEAD, ResidenceType.REGISTERED)])
    house = house_make(grids.grid, owner_person=me, room="808", use=HouseUse.VACANT)
    client.force_login(me.user)
    page = client.get("/my/household/").content.decode()
    assert "我的住户" in page and "李*" in page and "申报新租客" in page
    bad = client.post(f"/my/household/declare/tenant/?house={house.public_id}",
                      {"house": str(house.public_id), "name": "王小明", "id_number": "123"})
    assert bad.status_code == 400 and 'id="d-id-error"' in bad.content.decode()
    tenant = resident_person(region=None, born="19990909", name="王小明")
    ok = client.post(f"/my/household/declare/tenant/?house={house.public_id}",
                     {"house": str(house.public_id), "name": "王小明", "id_number": tenant.id_number,
                      "moved_in_on": "2026-12-01"})
    assert ok.status_code == 302 and Declaration.objects.get().status == "pending"
    other = house_make(grids.grid, room="909")
    assert client.get(f"/my/household/declare/tenant/?house={other.public_id}").status_code == 404


def test_figures_and_map_pages_for_the_street(client, grids):
    household_make(grids.grid)
    client.force_login(grids.street.user)
    page = client.get("/staff/grid/figures/").content.decode()
    assert "拓东社区" in page and "金碧社区" in page and "走访覆盖率" in page
    page = client.get("/staff/grid/map/").content.decode()
    assert "/api/v1/grid/map/regions?region=530103001000" in page and "leaflet.js" in page


def test_household_search_by_a_members_id_or_mobile_number_posts_and_never_puts_it_in_a_url(client, grids):
    """Issue 9: a grid worker finds a household by a current member's full ID or mobile number,
    sent in the POST body; a URL holding such a number is a 400 with the stable code."""
    member = resident_person(region=grids.grid, phone="13911112222", name="赵建国")
    wanted = household_make(grids.grid, members=[(member, Relation.HEAD, ResidenceType.REGISTERED)])
    other = household_make(grids.grid, house=house_make(grids.grid, room="402"))
    client.force_login(grids.worker.user)
    page = client.get("/staff/grid/households/").content.decode()
    assert 'id="hh-filters"' in page and 'method="post"' in page
    for number in (member.id_number, "13911112222"):
        found = client.post("/staff/grid/households/", {"q": number})
        body = found.content.decode()
        assert found.status_code == 200 and wanted.number in body and other.number not in body, number
        assert not re.search(rf'(href|action|src|hx-[a-z]+)="[^"]*{number}', body)  # in no link or form target
        refused = client.get("/staff/grid/households/", {"q": number})
        assert refused.status_code == 400 and "personal_lookup_in_url" in refused.content.decode()
    # the number of someone outside the worker's grid finds nothing
    stranger = resident_person(region=grids.other, phone="13911113333")
    household_make(grids.other, members=[(stranger, Relation.HEAD, ResidenceType.REGISTERED)])
    assert 'class="hh-list"></ul>' in client.post("/staff/grid/households/", {"q": "13911113333"}).content.decode()
    assert 'class="hh-list"></ul>' in client.post("/staff/grid/households/", {"q": stranger.id_number}
                                                  ).content.decode()
    # a head's name still searches by GET (tabs, bookmarks)
    assert wanted.number in client.get("/staff/grid/households/", {"q": "赵建"}).content.decode()
