"""Pages: 我的材料 (levels, sources, expiry, every use, consent, watermarked downloads), the
case page's levels and the clerk's short checklist, commitments, post-checks and figures."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from onewindow.cases import services as case_services
from onewindow.materials import services
from onewindow.materials.models import Commitment, CreditRecord, LibraryMaterial

from .factories import marriage_item, submitted_with_upload
from .test_services import _verified

pytestmark = pytest.mark.django_db


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_my_materials_page_lists_level_source_expiry_and_uses(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a)
    _verified(world, citizen, item)
    submitted_with_upload(citizen.user, marriage_item(world.dept_b, name="再生育审批"))
    page = as_user(citizen.user).get(reverse("materials:mine")).content.decode()
    assert "我的材料" in page and "结婚证原件" in page
    assert "综合窗口小李" in page and "窗口核验原件" in page
    assert "此件经与原件核对无误" in page  # the watermark of the use in the second case
    assert "撤回复用授权" in page and "下载带水印副本" in page


def test_consent_and_download_through_the_page(world, citizen):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    _verified(world, citizen, marriage_item(world.dept_a))
    entry = LibraryMaterial.objects.get()
    client = as_user(citizen.user)
    response = client.post(reverse("materials:copy", args=[entry.public_id]), {"purpose": "办理护照"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "办理护照" in PdfReader(io.BytesIO(response.content)).metadata["/OneWindowWatermark"]
    refused = client.post(reverse("materials:copy", args=[entry.public_id]), {"purpose": ""}, follow=True)
    assert "请填写副本用途" in refused.content.decode()
    client.post(reverse("materials:consent", args=[entry.public_id]), {"allowed": "0"})
    entry.refresh_from_db()
    assert entry.reuse_allowed is False
    assert "恢复复用授权" in client.get(reverse("materials:mine")).content.decode()
    other = as_user(world.clerk.user).post(reverse("materials:consent", args=[entry.public_id]), {"allowed": "1"})
    assert other.status_code == 404


def test_case_page_shows_levels_and_the_clerk_is_asked_only_for_the_rest(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a)
    _verified(world, citizen, item)
    case = submitted_with_upload(citizen.user, item)
    page = as_user(world.clerk.user).get(reverse("cases:detail", args=[case.public_id])).content.decode()
    assert "免提交（材料库已核验）" in page and "B级" in page
    assert "待核验：1 项" in page and "婚育情况声明" in page.split('id="to-check"')[1].split("</p>")[0]
    assert "结婚证原件" not in page.split('id="to-check"')[1].split("</p>")[0]


def test_commitment_through_the_case_page(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=True)
    draft = case_services.case_draft_create(actor=citizen.user, item=item)
    client = as_user(citizen.user)
    page = client.get(reverse("cases:detail", args=[draft.public_id])).content.decode()
    assert "我承诺，不再提交该材料" in page
    row = draft.materials.get(order=1)
    client.post(reverse("cases:material_commit", args=[draft.public_id, row.public_id]), {"commit": "1"})
    row.refresh_from_db()
    assert row.state == "committed" and row.trust_level == "D"
    cert = draft.materials.get(order=0)
    refused = client.post(reverse("cases:material_commit", args=[draft.public_id, cert.public_id]),
                          {"commit": "1"}, follow=True)
    assert "不适用告知承诺制" in refused.content.decode()


def test_postcheck_page_records_a_false_commitment(world, citizen):  # type: ignore[no-untyped-def]
    case = submitted_with_upload(citizen.user, marriage_item(world.dept_a, promise=True), commit=True)
    services.postcheck_draw(share=1.0)
    client = as_user(world.reviewer_a.user)
    page = client.get(reverse("materials:postchecks")).content.decode()
    assert case.number in page and "婚育情况声明" in page
    commitment = Commitment.objects.get()
    refused = client.post(reverse("materials:postcheck_result", args=[commitment.public_id]),
                          {"result": "failed", "note": ""}, follow=True)
    assert "须写明核查情况" in refused.content.decode()
    client.post(reverse("materials:postcheck_result", args=[commitment.public_id]),
                {"result": "failed", "note": "民政部门反馈与声明不符"})
    assert CreditRecord.objects.get().holder_person == citizen
    assert "信用记录" in as_user(citizen.user).get(reverse("materials:mine")).content.decode()
    assert as_user(world.reviewer_b.user).post(
        reverse("materials:postcheck_result", args=[commitment.public_id]), {"result": "passed"}).status_code == 404


def test_material_figures_page(world, citizen):  # type: ignore[no-untyped-def]
    item = marriage_item(world.dept_a, promise=True)
    submitted_with_upload(citizen.user, item, commit=True)
    page = as_user(world.leader_a.user).get(reverse("cases:material_figures")).content.decode()
    assert "材料分级统计" in page and item.current_version.name in page
    assert "50.0%" in page  # half the required materials promised (D), half uploaded


def test_window_intake_page_skips_library_materials_and_takes_a_commitment(world, citizen):  # type: ignore[no-untyped-def]
    from onewindow.cases.models import Case

    item = marriage_item(world.dept_a, name="再生育审批", promise=True)
    _verified(world, citizen, marriage_item(world.dept_b))
    client = as_user(world.clerk.user)
    name = item.current_version.name
    step = client.post(reverse("cases:intake"), {"item": name, "item_id": str(item.public_id),
                                                 "id_number": citizen.id_number, "name": citizen.name})
    body = step.content.decode()
    assert step.status_code == 200 and "材料库已有核验件（B级），无需核验" in body
    cert, declaration = item.current_version.materials.order_by("order")
    assert f'name="file_{cert.public_id}"' not in body and f'name="commit" value="{declaration.public_id}"' in body
    response = client.post(reverse("cases:intake"), {
        "item": name, "item_id": str(item.public_id), "id_number": citizen.id_number, "step": "take",
        "commit": [str(declaration.public_id)], "delivery_method": "pickup"})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(item=item)
    assert dict(case.materials.values_list("order", "trust_level")) == {0: "B", 1: "D"}
    assert Commitment.objects.get().case_ref == case.number
