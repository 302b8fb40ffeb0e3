"""The applicant fills in what the result document prints; the issued licence carries it (and
not the free text); the draft form shows each problem on its field and keeps what was typed;
the case page's texts (draft, ratings, deadline line, e-licence numbers)."""

from __future__ import annotations

import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from onewindow.cases import services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.models import Case
from onewindow.cases.tests.factories import service_item_make
from onewindow.cases.tests.helpers import fill_missing, review_to_decision
from onewindow.licences.models import Licence
from onewindow.licences.signing import signature_check

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def business_item(world):  # type: ignore[no-untyped-def]
    return service_item_make(department=world.dept_a, materials=1, name="个体工商户设立登记",
                             service_object="natural", steps=[{"name": "审核登记"}, {"name": "发照"}],
                             promised_limit_value=1, legal_limit_value=3, result_type="licence",
                             result_name="营业执照", result_licence_type_code="BUSINESS_LICENCE")


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_business_licence_items_are_asked_saved_and_printed(world, citizen, business_item,
                                                            django_capture_on_commit_callbacks):
    client = _client(citizen.user)
    response = client.post(reverse("cases:apply", args=[business_item.public_id]))
    case = Case.objects.get(applicant_person=citizen)
    page = client.get(response["Location"]).content.decode()
    assert "草稿" in page and page.count(">草稿<") == 1  # the status badge only, once
    for label in ("名称", "经营场所", "经营范围", "组成形式"):
        assert f">{label} " in page or f">{label}<" in page, label
    assert 'data-maxchars="2000"' in page and 'id="description-count"' in page
    client.post(reverse("cases:draft_save", args=[case.public_id]), {
        "result_0": "盘龙区老张小吃店", "result_1": "昆明市盘龙区拓东路88号",
        "result_2": "<b>小吃服务</b>", "result_3": "个人经营",
        "description": "我要开店，身份证 " + citizen.id_number, "delivery_method": "online"})
    case.refresh_from_db()
    assert case.form_data["名称"] == "盘龙区老张小吃店" and case.form_data["经营范围"] == "<b>小吃服务</b>"
    fill_missing(case, citizen.user)
    case = services.case_submit(actor=citizen.user, case=case, now=at(2026, 11, 23))
    case = services.case_prereview(actor=world.clerk.user, case=case, now=at(2026, 11, 23))
    case = services.case_accept(actor=world.clerk.user, case=case, now=at(2026, 11, 23))
    # 发照 is not a review step before the decision
    assert [s.name for s in case.steps.order_by("order") if s.kind != "intake"] == ["审核登记", "决定"]
    case = review_to_decision(case, world.reviewer_a.user, now=at(2026, 11, 24))
    with django_capture_on_commit_callbacks(execute=True):
        services.case_decide(actor=world.leader_a.user, case=case, approve=True, now=at(2026, 11, 24, 15))
    case.refresh_from_db()
    assert case.status == CaseStatus.APPROVED and case.result_issued_at is not None
    licence = Licence.objects.get(public_id=case.result_licence_ref)
    assert licence.licence_type.code == "BUSINESS_LICENCE"
    assert licence.data["名称"] == "盘龙区老张小吃店" and licence.data["经营者"] == citizen.name
    assert licence.data["经营场所"] == "昆明市盘龙区拓东路88号" and licence.data["类型"] == "个体工商户"
    assert "申请说明" not in licence.data and "办件编号" not in licence.data
    assert signature_check(licence).status == "valid"
    reader = PdfReader(io.BytesIO(licence.file.open("rb").read()))
    text = "".join("".join(p.extract_text() for p in reader.pages).split())
    assert "小吃服务" in text and "<b>" not in text and citizen.id_number not in text
    assert "我要开店" not in text and text.count(case.number) == 1
    detail = client.get(reverse("cases:detail", args=[case.public_id])).content.decode()
    assert licence.verification_code_display in detail and "H:" not in detail
    # no "·" left hanging before the due date once the clock stopped at the decision
    assert not re.search(r">\s*·\s*截止", detail)


def test_draft_form_errors_sit_on_their_fields_and_keep_what_was_typed(world, citizen, business_item):
    client = _client(citizen.user)
    response = client.post(reverse("cases:apply", args=[business_item.public_id]))
    case = Case.objects.get(applicant_person=citizen)
    too_long = "经" * 2001
    page = client.post(reverse("cases:draft_save", args=[case.public_id]), {
        "result_0": "盘龙区老张小吃店", "result_2": too_long, "description": "开店申请",
        "contact_phone": "13900001111", "delivery_method": "online"})
    body = page.content.decode()
    assert page.status_code == 400
    assert 'id="result_2"' in body and 'aria-invalid="true" aria-describedby="err-result_2' in body
    assert "“经营范围”最多2000字，现有2001字" in body
    assert 'value="盘龙区老张小吃店"' in body and ">开店申请</textarea>" in body
    case.refresh_from_db()
    assert "名称" not in case.form_data  # nothing half-saved
    page = client.post(reverse("cases:draft_save", args=[case.public_id]), {
        "description": "开店申请", "contact_phone": "12345", "delivery_method": "online"})
    body = page.content.decode()
    assert page.status_code == 400 and 'aria-describedby="err-contact_phone"' in body
    assert 'value="12345"' in body
    assert response.status_code == 302


def test_ratings_show_their_level_and_step_links_go_after_a_case_rating(world, citizen, item_a,
                                                                        django_capture_on_commit_callbacks):
    from onewindow.cases.tests.helpers import online_accepted

    case = online_accepted(citizen.user, item_a, world.clerk.user)
    case = review_to_decision(case, world.reviewer_a.user)
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_decide(actor=world.reviewer_a.user, case=case, approve=True)
    case = services.case_deliver(actor=world.clerk.user, case=case, method="pickup")
    client = _client(citizen.user)
    url = reverse("cases:detail", args=[case.public_id])
    assert "?step=" in client.get(url).content.decode()
    client.post(reverse("cases:rate", args=[case.public_id]), {"level": "4", "comment": "还可以"})
    page = client.get(url).content.decode()
    assert "<strong>满意</strong>：还可以" in page
    assert "?step=" not in page  # one rating each: the step links go with the case rating
