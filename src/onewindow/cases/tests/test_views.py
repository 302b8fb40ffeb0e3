"""Pages: render, scope, forms and their errors, htmx fragments, strict-CSP-safe templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.cases import services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.models import Case, Rating
from onewindow.cases.tests.helpers import online_accepted, online_submitted, pdf, review_to_decision
from onewindow.licences.tests.factories import licence_make

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "cases"


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_templates_have_no_inline_script_style_or_handlers():
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), path.name
        assert " style=" not in text and "<style" not in text, path.name
        assert not re.search(r"\son[a-z]+=", text), path.name


def test_online_application_pages(world, citizen, item_a):
    licence_make(type_code="ID_CARD", holder=citizen)
    client = as_user(citizen.user)
    index = client.get(reverse("cases:apply_index"))
    assert index.status_code == 200 and item_a.current_version.name in index.content.decode()
    start = client.get(reverse("cases:apply", args=[item_a.public_id]))
    body = start.content.decode()
    assert start.status_code == 200 and body.count('class="badge badge-free"') == 1
    response = client.post(reverse("cases:apply", args=[item_a.public_id]))
    case = Case.objects.get(applicant_person=citizen)
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.public_id])
    detail = client.get(response["Location"]).content.decode()
    assert "submit-application" in detail and case.item_name in detail
    material = case.materials.order_by("order")[1]
    bad = client.post(reverse("cases:material_upload", args=[case.public_id, material.public_id]),
                      {"file": pdf("x.pdf", b"no pdf")}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200 and "不是 PDF、JPG 或 PNG 文件" in bad.content.decode()
    good = client.post(reverse("cases:material_upload", args=[case.public_id, material.public_id]),
                       {"file": pdf("营业执照.pdf")}, HTTP_HX_REQUEST="true")
    assert "营业执照.pdf" in good.content.decode()
    client.post(reverse("cases:draft_save", args=[case.public_id]),
                {"description": "名称变更", "delivery_method": "online", "contact_phone": "13900001111"})
    case.refresh_from_db()
    assert case.form_data["申请说明"] == "名称变更" and case.contact_phone == "13900001111"
    submitted = client.post(reverse("cases:act", args=[case.public_id, "submit"]), follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.number in submitted.content.decode()


def test_detail_is_scoped_and_actions_follow_roles(world, citizen, other_citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    detail_url = reverse("cases:detail", args=[case.public_id])
    assert as_user(other_citizen.user).get(detail_url).status_code == 404
    assert as_user(world.reviewer_b.user).get(detail_url).status_code == 404
    staff = as_user(world.reviewer_a.user).get(detail_url).content.decode()
    assert "do-prereview" in staff and "do-accept" not in staff
    mine = as_user(citizen.user).get(detail_url).content.decode()
    assert "do-prereview" not in mine and "wd-reason" in mine  # the applicant may withdraw
    # a failed action shows its Chinese message on the page
    response = as_user(world.reviewer_a.user).post(reverse("cases:act", args=[case.public_id, "not_accept"]),
                                                   {"reason": ""}, follow=True)
    assert "须写明理由" in response.content.decode()
    response = as_user(citizen.user).post(reverse("cases:act", args=[case.public_id, "accept"]), follow=True)
    assert "网上申请须先通过预审才能受理" in response.content.decode()


def test_staff_flow_through_pages(world, citizen, item_a, django_capture_on_commit_callbacks):
    case = online_submitted(citizen.user, item_a)
    reviewer = as_user(world.reviewer_a.user)

    def act(action, **data):  # type: ignore[no-untyped-def]
        return reviewer.post(reverse("cases:act", args=[case.public_id, action]), data)

    act("prereview", note="ok")
    act("accept")
    act("complete_step", opinion="材料齐全")
    act("complete_step", record_date="2026-11-24", record_place="门店", record_inspectors="甲、乙",
        record_findings="符合")
    with django_capture_on_commit_callbacks(execute=True):
        act("approve", reason="同意")
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.result_licence_ref
    detail = as_user(citizen.user).get(reverse("cases:detail", args=[case.public_id])).content.decode()
    assert "verification-code" in detail and "result-pdf" in detail
    pdf_response = as_user(citizen.user).get(reverse("cases:result_pdf", args=[case.public_id]))
    assert pdf_response.content.startswith(b"%PDF-")
    notice = as_user(citizen.user).get(reverse("cases:notice", args=[case.public_id, "acceptance"]))
    assert notice.status_code == 200 and case.number in notice.content.decode()
    assert as_user(citizen.user).get(reverse("cases:notice", args=[case.public_id, "supplement"])).status_code == 404


def test_progress_page_post_and_limits(world, citizen, item_a, settings):
    case = online_submitted(citizen.user, item_a)
    client = Client()
    page = client.get(reverse("cases:progress"))
    assert page.status_code == 200
    found = client.post(reverse("cases:progress"), {"number": case.number, "id_tail": citizen.id_number[-4:]})
    assert found.status_code == 200 and case.item_name in found.content.decode()
    assert citizen.name not in found.content.decode()
    wrong = client.post(reverse("cases:progress"), {"number": case.number, "id_tail": "0000"})
    assert wrong.status_code == 404 and "未查询到办件" in wrong.content.decode()
    # the error sits on the fields (focus goes there) and the typed ID tail stays in the form
    body = wrong.content.decode()
    assert 'id="id_tail" name="id_tail" value="0000"' in body
    assert body.count('aria-invalid="true" aria-describedby="progress-error"') == 2
    settings.ONEWINDOW_PROGRESS_QUERY_RATE = 1
    limited = Client(REMOTE_ADDR="10.1.1.1")
    limited.post(reverse("cases:progress"), {"number": case.number, "id_tail": "0000"})
    assert limited.post(reverse("cases:progress"), {"number": case.number, "id_tail": "0000"}).status_code == 429


def test_workbench_tabs_filters_htmx_and_bulk_assign(world, citizen, item_a, item_b):
    a = online_submitted(citizen.user, item_a)
    b = online_submitted(citizen.user, item_b)
    leader = as_user(world.leader_a.user)
    page = leader.get(reverse("cases:workbench")).content.decode()
    assert a.number in page and b.number not in page  # department queue
    rows = leader.get(reverse("cases:workbench"), {"tab": "open", "q": b.number}, HTTP_HX_REQUEST="true")
    assert b.number in rows.content.decode() and "<html" not in rows.content.decode()
    response = leader.post(reverse("cases:workbench_assign"),
                           {"case": [str(a.public_id)], "assignee": str(world.reviewer_a2.public_id)})
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.assignee == world.reviewer_a2
    assert as_user(citizen.user).get(reverse("cases:workbench")).status_code == 404
    # the assignment message shows once on the assignee's workbench
    assignee = as_user(world.reviewer_a2.user)
    assert "分派给您1件办件" in assignee.get(reverse("cases:workbench")).content.decode()
    assert "分派给您1件办件" not in assignee.get(reverse("cases:workbench")).content.decode()


def test_workbench_search_by_id_or_mobile_number_posts_and_never_puts_it_in_a_url(world, citizen, item_a, item_b):
    """Issue 9: an applicant's ID or mobile number travels in the POST body only; a URL holding one
    is a 400 with the stable code, and the answer links to no URL carrying it."""
    a = online_submitted(citizen.user, item_a)
    leader = as_user(world.leader_a.user)
    page = leader.get(reverse("cases:workbench")).content.decode()
    assert 'id="wb-filters" method="post"' in page and "hx-get" not in page and "hx-push-url" not in page
    for number in (citizen.id_number, citizen.phone):
        found = leader.post(reverse("cases:workbench"), {"tab": "open", "q": number}, HTTP_HX_REQUEST="true")
        body = found.content.decode()
        assert found.status_code == 200 and a.number in body, number
        assert number not in body  # neither echoed into a link nor shown in clear
        refused = leader.get(reverse("cases:workbench"), {"tab": "open", "q": number})
        assert refused.status_code == 400 and "personal_lookup_in_url" in refused.content.decode()
        assert a.number not in refused.content.decode()
    other = leader.post(reverse("cases:workbench"), {"tab": "open", "q": "11010519491231002X"},
                        HTTP_HX_REQUEST="true")
    assert a.number not in other.content.decode()  # somebody else's number finds nothing
    assert leader.put(reverse("cases:workbench")).status_code == 405


def test_window_clerk_workbench_opens_on_every_open_case(world, citizen, item_a, item_b):
    # The comprehensive-window clerk's department owns no items: their default view is "all open".
    a = online_submitted(citizen.user, item_a)
    b = online_submitted(citizen.user, item_b)
    page = as_user(world.clerk.user).get(reverse("cases:workbench")).content.decode()
    assert a.number in page and b.number in page
    assert 'href="?tab=open" aria-current="page"' in page
    # A department reviewer still opens on the department queue.
    reviewer = as_user(world.reviewer_a.user).get(reverse("cases:workbench")).content.decode()
    assert a.number in reviewer and b.number not in reviewer


def test_window_intake_page_registers_and_takes_in(world, item_a):
    from onewindow.accounts.tests.factories import make_id_number

    client = as_user(world.clerk.user)
    page = client.get(reverse("cases:intake")).content.decode()
    assert '<form method="post"' in page and "下一步" in page and "下一页" not in page
    assert as_user(world.reviewer_a.user).get(reverse("cases:intake")).status_code == 404
    name = item_a.current_version.name  # the exact name, as a clerk types it
    id_number = make_id_number(777)
    step1 = client.post(reverse("cases:intake"), {"item": name, "id_number": id_number})
    body = step1.content.decode()
    assert step1.status_code == 400 and "请填写申请人姓名" in body
    assert 'id="name" name="name" value="" maxlength="60" autocomplete="off" aria-invalid="true"' in body
    step1 = client.post(reverse("cases:intake"), {"item": name, "id_number": id_number, "name": "赵六"})
    assert step1.status_code == 200 and "take-in" in step1.content.decode()
    m1, m2, _ = item_a.current_version.materials.order_by("order")
    response = client.post(reverse("cases:intake"), {
        "item": name, "item_id": str(item_a.public_id), "id_number": id_number, "step": "take",
        "paper": [str(m1.public_id)], f"file_{m2.public_id}": pdf(), "delivery_method": "pickup",
        "accept": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(applicant_person__name="赵六")
    assert case.status == CaseStatus.ACCEPTED and case.channel == "window"


def test_window_intake_never_reads_identity_from_the_address(world, item_a):
    from onewindow.accounts.tests.factories import make_id_number

    client = as_user(world.clerk.user)
    response = client.get(reverse("cases:intake"), {"item": item_a.current_version.name,
                                                    "id_number": make_id_number(778), "name": "钱七"})
    body = response.content.decode()
    # a GET shows the empty form: nothing registered, nothing echoed back
    assert response.status_code == 200 and 'value="钱七"' not in body
    assert f'value="{make_id_number(778)}"' not in body and "take-in" not in body


def test_window_intake_finds_items_by_alias_and_pinyin_and_lists_names_first(world):
    from onewindow.accounts.tests.factories import make_id_number
    from onewindow.cases.tests.factories import service_item_make

    card = service_item_make(department=world.dept_a, materials=1, name="社会保障卡申领",
                             keywords=["社保卡", "第三代社保卡"], service_object="natural")
    service_item_make(department=world.dept_a, materials=1, name="社会保险登记",
                      service_object="natural")
    client = as_user(world.clerk.user)
    page = client.get(reverse("cases:intake")).content.decode()
    # the pick list offers names (with the department), not implementation codes
    assert '<option value="社会保障卡申领" label="盘龙区市场监督管理局">' in page
    assert card.implementation_code not in page
    for typed in ("社会保障卡申领", "社保卡", "shebaoka"):
        step1 = client.post(reverse("cases:intake"), {"item": typed, "id_number": make_id_number(779),
                                                      "name": "孙八"})
        body = step1.content.decode()
        assert step1.status_code == 200, (typed, body[:3000])
        assert "<h2>社会保障卡申领" in body and "take-in" in body
    # a vague word offers the likely items to choose from
    vague = client.post(reverse("cases:intake"), {"item": "社会", "id_number": make_id_number(779)})
    body = vague.content.decode()
    assert vague.status_code == 400 and 'name="item_pick"' in body and "有多个事项符合" in body
    picked = client.post(reverse("cases:intake"), {"item": "社会", "item_pick": str(card.public_id),
                                                   "id_number": make_id_number(779)})
    assert picked.status_code == 200 and "<h2>社会保障卡申领" in picked.content.decode()
    unknown = client.post(reverse("cases:intake"), {"item": "宇宙飞船驾照", "id_number": make_id_number(779)})
    assert unknown.status_code == 400 and "找不到该事项" in unknown.content.decode()


@pytest.mark.parametrize(("typed", "message"), [
    ("530103198001010778", "身份证号码校验位不正确"),  # wrong check digit
    ("53010319800101", "身份证号码应为18位，您填写了14位"),  # too short
    ("91530103MA6K5X2Y", "统一社会信用代码应为18位"),
])
def test_window_intake_reports_an_id_problem_once_on_the_field(world, item_a, typed, message):
    client = as_user(world.clerk.user)
    response = client.post(reverse("cases:intake"), {"item": item_a.current_version.name,
                                                     "id_number": typed})
    body = response.content.decode()
    assert response.status_code == 400
    assert body.count(message) == 1  # one message …
    assert re.search(r'id="id_number"[^>]*aria-invalid="true" aria-describedby="err-id_number"', body)
    assert f'<p class="field-error" id="err-id_number">{message}' in body  # … on the field
    assert 'role="alert"' not in body  # not at the top of the page


def test_rating_page_and_follow_up_pages(world, citizen, item_a, calendar_official,
                                         django_capture_on_commit_callbacks):
    case = online_accepted(citizen.user, item_a, world.clerk.user)
    case = review_to_decision(case, world.reviewer_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=True)
    case = services.case_deliver(actor=world.clerk.user, case=case, method="pickup")
    client = as_user(citizen.user)
    page = client.get(reverse("cases:rate", args=[case.public_id]))
    assert page.status_code == 200 and "非常不满意" in page.content.decode()
    bad = client.post(reverse("cases:rate", args=[case.public_id]), {"level": "1", "comment": ""})
    assert bad.status_code == 400 and "差评请简要说明原因" in bad.content.decode()
    client.post(reverse("cases:rate", args=[case.public_id]), {"level": "1", "comment": "排队太久"})
    rating = Rating.objects.get(case=case)
    follow = rating.follow_up
    staff = as_user(world.reviewer_a.user)
    assert case.number in staff.get(reverse("cases:follow_ups")).content.decode()
    staff.post(reverse("cases:follow_up", args=[follow.public_id]), {"answer": "已增加叫号窗口"})
    follow.refresh_from_db()
    assert follow.status == "done"
    assert "已增加叫号窗口" in client.get(reverse("cases:detail", args=[case.public_id])).content.decode()


def test_figures_and_my_cases_pages(world, citizen, item_a):
    case = online_submitted(citizen.user, item_a)
    figures = as_user(world.leader_a.user).get(reverse("cases:figures"))
    assert figures.status_code == 200 and "盘龙区市场监督管理局" in figures.content.decode()
    mine = as_user(citizen.user).get(reverse("cases:mine")).content.decode()
    assert case.number in mine
    assert as_user(world.reviewer_a.user).get(reverse("cases:mine")).status_code == 302


def test_bundle_pages(world, agent, item_a, item_b):
    person, enterprise = agent
    client = as_user(person.user)
    assert client.get(reverse("cases:bundle_new")).status_code == 200
    response = client.post(reverse("cases:bundle_new"), {
        "item": [str(item_b.public_id)], "name": "x", "enterprise": str(enterprise.public_id)}, follow=True)
    assert "至少包含两个事项" in response.content.decode()


def test_admin_is_read_only(world, citizen, item_a):
    from onewindow.accounts.tests.factories import UserFactory

    case = online_submitted(citizen.user, item_a)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = as_user(admin)
    assert client.get("/admin/cases/case/").status_code == 200
    assert client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    assert client.get("/admin/cases/case/add/").status_code == 403
