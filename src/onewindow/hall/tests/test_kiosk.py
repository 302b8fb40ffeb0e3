"""The self-service kiosk (自助终端): identification, the kiosk item list, applying and the
receipt, sign-out (explicit and idle), and the kiosk case in the clerk's workbench."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from onewindow.accounts.identity import TypedIdCardProvider
from onewindow.accounts.models import ServiceHall
from onewindow.cases.constants import CaseStatus, Channel, MaterialState
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import service_item_make
from onewindow.cases.tests.helpers import pdf
from onewindow.core.errors import PermissionDenied
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.hall import kiosk
from onewindow.licences.tests.factories import licence_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk_item(world):  # type: ignore[no-untyped-def]
    """A kiosk item of dept A: the ID card (material 1) is an e-licence, two more materials."""
    return service_item_make(department=world.dept_a, materials=3, licence_codes={0: "ID_CARD"},
                             name="居民身份证换领预约", service_object="natural", kiosk=True,
                             promised_limit_value=5, legal_limit_value=20)


@pytest.fixture
def counter_item(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_a, materials=1, name="烟草专卖零售许可",
                             service_object="both", kiosk=False)


def url(name: str, hall: ServiceHall, *args: object) -> str:
    return reverse(f"kiosk:{name}", args=[hall.public_id, *args])


def identify(client, hall: ServiceHall, person, **extra):  # type: ignore[no-untyped-def]
    return client.post(url("identify", hall), {"name": person.name, "id_number": person.id_number,
                                               **extra})


# --- Identification ---------------------------------------------------------------------------
def test_identify_bad_checksum_is_a_clear_chinese_400(client, world, citizen):
    number = citizen.id_number[:17] + ("0" if citizen.id_number[17] != "0" else "1")
    response = client.post(url("identify", world.hall), {"name": citizen.name, "id_number": number})
    assert response.status_code == 400
    assert "身份证号码校验位不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action=kiosk.AUDIT_SIGN_IN).exists()


def test_identify_wrong_name_is_401_and_audited(client, world, citizen):
    response = client.post(url("identify", world.hall), {"name": "王五", "id_number": citizen.id_number})
    assert response.status_code == 401
    assert "姓名与身份证号码不一致" in response.content.decode()
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action=kiosk.AUDIT_SIGN_IN_FAILED)
    assert entry.summary["code"] == "kiosk_identity_not_verified"
    assert citizen.id_number not in str(entry.summary)  # masked
    assert entry.summary["id_number"].startswith(citizen.id_number[:3])


def test_identify_unregistered_person_is_refused(client, world):
    from onewindow.accounts.tests.factories import make_id_number

    response = client.post(url("identify", world.hall), {"name": "陌生人", "id_number": make_id_number(999)})
    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


def test_identify_success_starts_a_short_audited_kiosk_session(client, world, citizen, settings):
    settings.ONEWINDOW_KIOSK_IDLE_SECONDS = 90
    client.force_login(world.clerk.user)  # whoever used this browser before is replaced
    response = identify(client, world.hall, citizen, next=url("items", world.hall))
    assert response.status_code == 302
    assert response["Location"] == url("items", world.hall)
    session = client.session
    assert int(session["_auth_user_id"]) == citizen.user.pk
    assert session[kiosk.SESSION_KEY]["hall"] == str(world.hall.public_id)
    assert session.get_expiry_age() == 90 + kiosk.IDLE_GRACE_SECONDS
    entry = AuditEntry.objects.get(action=kiosk.AUDIT_SIGN_IN)
    assert entry.actor_id == citizen.user.pk
    assert entry.object_id == str(world.hall.public_id) or entry.object_type.endswith("servicehall")
    assert entry.summary["provider"] == "kiosk_typed_id"
    assert citizen.id_number not in str(entry.summary)


def test_identify_ignores_offsite_next(client, world, citizen):
    response = identify(client, world.hall, citizen, next="https://evil.example/")
    assert response["Location"] == url("home", world.hall)


def test_identify_is_rate_limited(client, world, citizen, settings):
    settings.ONEWINDOW_KIOSK_IDENTIFY_RATE = 2
    for _ in range(2):
        client.post(url("identify", world.hall), {"name": "王五", "id_number": citizen.id_number})
    response = identify(client, world.hall, citizen)
    assert response.status_code == 429
    assert "核验次数过多" in response.content.decode()


def test_typed_provider_refuses_in_production(rf, settings, citizen):
    settings.PRODUCTION = True
    settings.ONEWINDOW_KIOSK_TYPED_ID = False
    with raises_code(PermissionDenied, "kiosk_reader_missing"):
        TypedIdCardProvider().verify(rf.post("/"), {"name": citizen.name, "id_number": citizen.id_number})
    settings.ONEWINDOW_KIOSK_TYPED_ID = True
    identity = TypedIdCardProvider().verify(rf.post("/"), {"name": citizen.name,
                                                           "id_number": citizen.id_number})
    assert identity is not None and identity.id_number == citizen.id_number


def test_a_normal_session_is_not_a_kiosk_session(client, world, citizen):
    client.force_login(citizen.user)
    response = client.get(url("home", world.hall))
    assert response.status_code == 200
    assert 'id="kiosk-identify"' in response.content.decode()  # not signed in at the kiosk
    assert client.get(url("licences", world.hall)).status_code == 302


def test_unknown_hall_is_404(client, world):
    assert client.get("/kiosk/00000000-0000-0000-0000-000000000000/").status_code == 404


# --- Sign-out -----------------------------------------------------------------------------------
def test_exit_signs_out_and_returns_home(client, world, citizen):
    identify(client, world.hall, citizen)
    response = client.post(url("exit", world.hall))
    assert response["Location"] == url("home", world.hall)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=kiosk.AUDIT_SIGN_OUT, summary__reason="exit").exists()


def test_idle_timeout_is_configured_on_every_kiosk_page(client, world, citizen, settings):
    settings.ONEWINDOW_KIOSK_IDLE_SECONDS = 75
    home = client.get(url("home", world.hall)).content.decode()
    assert 'data-idle-seconds="0"' in home  # nobody to sign out on an empty home screen
    assert 'data-idle-seconds="75"' in client.get(url("identify", world.hall)).content.decode()
    identify(client, world.hall, citizen)
    page = client.get(url("home", world.hall))
    assert 'data-idle-seconds="75"' in page.content.decode()
    assert 'id="kiosk-exit"' in page.content.decode()
    assert page["Cache-Control"] == "no-store"


def test_server_ends_an_idle_kiosk_session(client, world, citizen, settings):
    settings.ONEWINDOW_KIOSK_IDLE_SECONDS = 60
    identify(client, world.hall, citizen)
    session = client.session
    marker = session[kiosk.SESSION_KEY]
    marker["seen"] = int(time.time()) - 60 - kiosk.IDLE_GRACE_SECONDS - 1
    session[kiosk.SESSION_KEY] = marker
    session.save()
    response = client.get(url("home", world.hall))
    assert 'id="kiosk-exit"' not in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=kiosk.AUDIT_SIGN_OUT, summary__reason="expired").exists()


def test_kiosk_session_of_another_hall_is_not_honoured(client, world, citizen, district):
    other = ServiceHall.objects.create(name="拓东街道便民服务中心", region=district.street_a)
    identify(client, world.hall, citizen)
    assert client.get(url("licences", other)).status_code == 302
    assert "_auth_user_id" not in client.session


# --- Items --------------------------------------------------------------------------------------
def test_only_kiosk_items_are_listed(client, world, kiosk_item, counter_item):
    body = client.get(url("items", world.hall)).content.decode()
    assert "居民身份证换领预约" in body
    assert "烟草专卖零售许可" not in body
    searched = client.get(url("items", world.hall), {"q": "烟草专卖"}).content.decode()
    assert "烟草专卖零售许可" not in searched
    found = client.get(url("items", world.hall), {"q": "身份证换领"}).content.decode()
    assert "居民身份证换领预约" in found
    assert client.get(url("item", world.hall, counter_item.public_id)).status_code == 404


def test_catalogue_groups_by_department_and_filters_by_theme(world, kiosk_item, counter_item):
    from onewindow.catalog.models import Theme

    theme = Theme.objects.create(code="id-card", name="证件办理", person_kind="natural")
    theme.items.add(kiosk_item, counter_item)
    catalogue = kiosk.kiosk_catalogue()
    assert [g.title for g in catalogue.groups] == [world.dept_a.short_name]
    assert catalogue.count == 1
    assert [t.code for t in catalogue.themes] == ["id-card"]
    assert kiosk.kiosk_catalogue(theme="id-card").count == 1
    assert kiosk.kiosk_catalogue(theme="unknown").theme == ""


def test_item_page_marks_materials_fetched_from_e_licences(client, world, citizen, kiosk_item):
    licence_make(type_code="ID_CARD", holder=citizen)
    identify(client, world.hall, citizen)
    body = client.get(url("item", world.hall, kiosk_item.public_id)).content.decode()
    assert body.count("kiosk-badge-ok") == 1


# --- Applying -----------------------------------------------------------------------------------
def test_apply_needs_identification(client, world, kiosk_item):
    response = client.post(url("apply", world.hall, kiosk_item.public_id))
    assert response.status_code == 302
    assert response["Location"].startswith(url("identify", world.hall))
    assert not Case.objects.exists()


def test_apply_upload_submit_and_receipt(client, world, citizen, kiosk_item):
    licence_make(type_code="ID_CARD", holder=citizen)
    identify(client, world.hall, citizen)
    response = client.post(url("apply", world.hall, kiosk_item.public_id))
    case = Case.objects.get()
    assert response["Location"] == url("case", world.hall, case.public_id)
    assert (case.channel, case.hall_id, case.status) == (Channel.KIOSK, world.hall.id, CaseStatus.DRAFT)
    materials = list(case.materials.order_by("order"))
    assert materials[0].state == MaterialState.LICENCE

    # Submitting without the second required material keeps the draft and says what is missing.
    response = client.post(url("case", world.hall, case.public_id))
    assert response.status_code in (400, 409)
    assert 'id="kiosk-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT

    response = client.post(url("case", world.hall, case.public_id),
                           {f"file_{materials[1].public_id}": pdf("户口簿.pdf")})
    assert response["Location"] == url("receipt", world.hall, case.public_id)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.number
    receipt = client.get(url("receipt", world.hall, case.public_id))
    body = receipt.content.decode()
    assert case.number in body and 'data-print' in body
    assert "张*" in body  # the applicant's name masked
    # Another citizen at the kiosk later cannot open it.
    client.post(url("exit", world.hall))
    assert client.get(url("receipt", world.hall, case.public_id)).status_code == 302


def test_bad_file_is_reported_in_chinese(client, world, citizen, kiosk_item):
    from django.core.files.uploadedfile import SimpleUploadedFile

    identify(client, world.hall, citizen)
    client.post(url("apply", world.hall, kiosk_item.public_id))
    case = Case.objects.get()
    material = case.materials.order_by("order")[0]
    response = client.post(url("case", world.hall, case.public_id), {
        f"file_{material.public_id}": SimpleUploadedFile("a.exe", b"MZ\x90\x00not a pdf")})
    assert response.status_code == 400
    assert material.name in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_other_citizens_kiosk_case_is_404(client, world, citizen, other_citizen, kiosk_item):
    identify(client, world.hall, citizen)
    client.post(url("apply", world.hall, kiosk_item.public_id))
    case = Case.objects.get()
    client.post(url("exit", world.hall))
    identify(client, world.hall, other_citizen)
    assert client.get(url("case", world.hall, case.public_id)).status_code == 404


# --- Progress and licences ----------------------------------------------------------------------
def test_progress_query_and_my_licences(client, world, citizen, kiosk_item):
    licence_make(type_code="ID_CARD", holder=citizen, number="530103198001010011")
    identify(client, world.hall, citizen)
    body = client.get(url("licences", world.hall)).content.decode()
    assert 'id="kiosk-licences"' in body and "530103198001010011" not in body
    client.post(url("apply", world.hall, kiosk_item.public_id))
    case = Case.objects.get()
    for material in case.materials.filter(state=MaterialState.MISSING):
        client.post(url("case", world.hall, case.public_id), {f"file_{material.public_id}": pdf()})
    case.refresh_from_db()
    assert case.number
    mine = client.get(url("progress", world.hall)).content.decode()
    assert case.number in mine
    found = client.post(url("progress", world.hall),
                        {"number": case.number, "id_tail": citizen.id_number[-4:]})
    assert found.status_code == 200 and 'id="kiosk-progress-result"' in found.content.decode()
    missing = client.post(url("progress", world.hall), {"number": case.number, "id_tail": "0000"})
    assert missing.status_code == 404


# --- Staff side ---------------------------------------------------------------------------------
def test_kiosk_case_shows_in_workbench_as_self_service(client, world, citizen, kiosk_item):
    identify(client, world.hall, citizen)
    client.post(url("apply", world.hall, kiosk_item.public_id))
    case = Case.objects.get()
    for material in case.materials.filter(state=MaterialState.MISSING):
        client.post(url("case", world.hall, case.public_id), {f"file_{material.public_id}": pdf()})
    case.refresh_from_db()
    client.post(url("exit", world.hall))
    client.force_login(world.clerk.user)
    body = client.get(reverse("cases:workbench"), {"tab": "open"}).content.decode()
    assert case.number in body
    assert "自助终端" in body


# --- API ----------------------------------------------------------------------------------------
def test_api_lists_only_kiosk_items(client, world, kiosk_item, counter_item):
    response = client.get(f"/api/v1/kiosk/{world.hall.public_id}/items")
    assert response.status_code == 200
    data = response.json()
    assert data["hall_name"] == world.hall.name
    names = [i["name"] for g in data["groups"] for i in g["items"]]
    assert names == ["居民身份证换领预约"]
    assert data["groups"][0]["items"][0]["id"] == str(kiosk_item.public_id)
    searched = client.get(f"/api/v1/kiosk/{world.hall.public_id}/items", {"q": "烟草"}).json()
    assert searched["groups"] == []
    missing = client.get("/api/v1/kiosk/00000000-0000-0000-0000-000000000000/items")
    assert missing.status_code == 404 and missing.json()["code"] == "hall_not_found"


def test_api_kiosk_draft_needs_a_kiosk_item_and_hall(client, world, citizen, kiosk_item, counter_item):
    client.force_login(citizen.user)
    refused = client.post("/api/v1/cases/drafts", {"item_id": str(counter_item.public_id),
                                                   "channel": "kiosk", "hall_id": str(world.hall.public_id)},
                          content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "case_not_kiosk"
    created = client.post("/api/v1/cases/drafts", {"item_id": str(kiosk_item.public_id),
                                                   "channel": "kiosk", "hall_id": str(world.hall.public_id)},
                          content_type="application/json")
    assert created.status_code == 201
    assert Case.objects.get().channel == Channel.KIOSK


def test_hall_chooser_links_each_hall_kiosk(client, world):
    body = client.get(reverse("kiosk:halls")).content.decode()
    assert world.hall.name in body and url("home", world.hall) in body


def test_staff_accounts_cannot_sign_in_at_a_kiosk(client, world):
    from onewindow.cases.tests.factories import person_make

    person = person_make(name=world.clerk.name, user=world.clerk.user)
    response = client.post(url("identify", world.hall), {"name": person.name, "id_number": person.id_number})
    assert response.status_code == 403
    assert "工作人员账号不能在自助终端登录" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=kiosk.AUDIT_SIGN_IN_FAILED,
                                     summary__code="kiosk_staff_refused").exists()


def test_exit_works_without_a_csrf_token(world, citizen):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert identify(browser, world.hall, citizen).status_code == 403  # identifying needs the token
    browser.get(url("identify", world.hall))
    token = browser.cookies["csrftoken"].value
    identify(browser, world.hall, citizen, csrfmiddlewaretoken=token)
    assert int(browser.session["_auth_user_id"]) == citizen.user.pk
    response = browser.post(url("exit", world.hall), {"reason": "idle"})  # a stale page, no token
    assert response.status_code == 302
    assert "_auth_user_id" not in browser.session
    assert AuditEntry.objects.filter(action=kiosk.AUDIT_SIGN_OUT, summary__reason="idle").exists()
