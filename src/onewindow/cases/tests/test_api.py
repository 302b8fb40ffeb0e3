"""API wiring: every transition with who may and who may not, shapes, status codes, the
public progress query, my applications, workbench queries, uploads, bundles and ratings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onewindow.cases import services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.models import Case
from onewindow.cases.tests.helpers import fill_missing, online_submitted, pdf, png_bytes, review_to_decision
from onewindow.core.models import AuditEntry
from onewindow.core.tests.openapi_contract import OpenAPIClient

pytestmark = pytest.mark.django_db


def as_user(user: Any) -> Client:
    client = OpenAPIClient()
    if user is not None:
        client.force_login(user)
    return client


def post(user: Any, url: str, data: dict[str, Any] | None = None) -> Any:
    return as_user(user).post(url, json.dumps(data or {}), content_type="application/json")


def url(case: Case, tail: str = "") -> str:
    return f"/api/v1/cases/{case.public_id}{tail}"


# --- Bringing a case to a state through the services ------------------------------------------
def _draft(w, citizen, item):  # type: ignore[no-untyped-def]
    case = services.case_draft_create(actor=citizen.user, item=item)
    fill_missing(case, citizen.user)
    return case


def _submitted(w, citizen, item):  # type: ignore[no-untyped-def]
    return online_submitted(citizen.user, item)


def _prereviewed(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_prereview(actor=w.clerk.user, case=_submitted(w, citizen, item))


def _accepted(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_accept(actor=w.clerk.user, case=_prereviewed(w, citizen, item))


def _supplement(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_request_supplement(actor=w.reviewer_a.user, case=_accepted(w, citizen, item),
                                            items=[{"name": "门头照片", "reason": "缺少"}])


def _in_review(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_step_complete(actor=w.reviewer_a.user, case=_accepted(w, citizen, item),
                                       opinion="审查通过")


def _special(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_special_start(actor=w.reviewer_a.user, case=_in_review(w, citizen, item),
                                       kind="hearing", reason="依申请举行听证")


def _decision(w, citizen, item):  # type: ignore[no-untyped-def]
    return review_to_decision(_accepted(w, citizen, item), w.reviewer_a.user)


def _approved(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_decide(actor=w.reviewer_a.user, case=_decision(w, citizen, item), approve=True)


def _approved_with_result(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_result_issue(actor=None, case=_approved(w, citizen, item))


def _refused(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_decide(actor=w.reviewer_a.user, case=_decision(w, citizen, item), approve=False,
                                reason="不符合条件")


def _delivered(w, citizen, item):  # type: ignore[no-untyped-def]
    return services.case_deliver(actor=w.clerk.user, case=_refused(w, citizen, item), method="pickup")


CITIZEN, OTHER, CLERK, STREET, REV_A, REV_A2, LEAD_A, REV_B, SUPER = (
    "citizen", "other", "clerk", "street_clerk", "reviewer_a", "reviewer_a2", "leader_a", "reviewer_b",
    "supervisor")


def who(name: str, w, citizen, other):  # type: ignore[no-untyped-def]
    return {CITIZEN: citizen.user, OTHER: other.user, CLERK: w.clerk.user, STREET: w.street_clerk.user,
            REV_A: w.reviewer_a.user, REV_A2: w.reviewer_a2.user, LEAD_A: w.leader_a.user,
            REV_B: w.reviewer_b.user, SUPER: w.supervisor.user}[name]


# (endpoint, body, setup, allowed actor, resulting status, [(forbidden actor, http, code)])
TRANSITIONS: list[tuple[str, dict[str, Any], Callable[..., Case], str, str, list[tuple[str, int, str]]]] = [
    ("/submit", {}, _draft, CITIZEN, CaseStatus.SUBMITTED,
     [(OTHER, 404, "case_not_found"), (CLERK, 404, "case_not_found")]),
    ("/prereview", {"note": "齐全"}, _submitted, REV_A, CaseStatus.PREREVIEWED,
     [(CITIZEN, 403, "case_role_forbidden"), (REV_B, 404, "case_not_found"),
      (STREET, 404, "case_not_found"), (SUPER, 403, "case_role_forbidden")]),
    ("/accept", {}, _prereviewed, CLERK, CaseStatus.ACCEPTED,
     [(LEAD_A, 403, "case_role_forbidden"), (CITIZEN, 403, "case_role_forbidden"),
      (OTHER, 404, "case_not_found")]),
    ("/not-accept", {"reason": "不属于本部门职权"}, _submitted, CLERK, CaseStatus.NOT_ACCEPTED,
     [(CITIZEN, 403, "case_role_forbidden"), (REV_B, 404, "case_not_found")]),
    ("/supplement", {"items": [{"name": "营业执照", "reason": "过期"}]}, _accepted, REV_A,
     CaseStatus.SUPPLEMENT, [(LEAD_A, 403, "case_role_forbidden"), (CITIZEN, 403, "case_role_forbidden")]),
    ("/resubmit", {}, _supplement, CITIZEN, CaseStatus.ACCEPTED,
     [(REV_A, 403, "case_role_forbidden"), (OTHER, 404, "case_not_found")]),
    ("/steps/complete", {"opinion": "审查通过"}, _accepted, REV_A, CaseStatus.IN_REVIEW,
     [(CLERK, 403, "case_role_forbidden"), (LEAD_A, 403, "case_role_forbidden"),
      (REV_B, 404, "case_not_found")]),
    ("/special/start", {"kind": "expert_review", "reason": "组织专家评审"}, _in_review, LEAD_A,
     CaseStatus.SPECIAL, [(CLERK, 403, "case_role_forbidden"), (CITIZEN, 403, "case_role_forbidden")]),
    ("/special/end", {"outcome": "听证结束"}, _special, REV_A2, CaseStatus.IN_REVIEW,
     [(CLERK, 403, "case_role_forbidden"), (REV_B, 404, "case_not_found")]),
    ("/approve", {}, _decision, LEAD_A, CaseStatus.APPROVED,
     [(CLERK, 403, "case_role_forbidden"), (CITIZEN, 403, "case_role_forbidden"),
      (SUPER, 403, "case_role_forbidden")]),
    ("/refuse", {"reason": "场地不符合要求"}, _decision, REV_A, CaseStatus.REFUSED,
     [(CLERK, 403, "case_role_forbidden"), (REV_B, 404, "case_not_found")]),
    ("/result", {}, _approved, REV_A, CaseStatus.APPROVED,
     [(CITIZEN, 403, "case_role_forbidden"), (REV_B, 404, "case_not_found")]),
    ("/deliver", {"method": "online"}, _approved_with_result, CLERK, CaseStatus.DELIVERED,
     [(LEAD_A, 403, "case_role_forbidden"), (CITIZEN, 403, "case_role_forbidden")]),
    ("/close", {}, _delivered, REV_A, CaseStatus.CLOSED,
     [(CITIZEN, 403, "case_role_forbidden"), (STREET, 404, "case_not_found")]),
    ("/withdraw", {"reason": "不办了"}, _in_review, CITIZEN, CaseStatus.WITHDRAWN,
     [(REV_A, 403, "case_role_forbidden"), (OTHER, 404, "case_not_found")]),
]


@pytest.mark.parametrize(("endpoint", "body", "setup", "allowed", "result", "forbidden"), TRANSITIONS,
                         ids=[t[0] for t in TRANSITIONS])
def test_every_transition_and_its_permission(endpoint, body, setup, allowed, result, forbidden,
                                             world, citizen, other_citizen, item_simple):
    case = setup(world, citizen, item_simple)
    before = case.status
    for name, status, code in forbidden:
        response = post(who(name, world, citizen, other_citizen), url(case, endpoint), body)
        assert response.status_code == status, (name, response.json())
        assert response.json()["code"] == code
        assert response.json()["message"]
    case.refresh_from_db()
    assert case.status == before
    response = post(who(allowed, world, citizen, other_citizen), url(case, endpoint), body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == result and data["id"] == str(case.public_id)
    assert data["number"]
    case.refresh_from_db()
    assert case.status == result
    # an action the new status does not allow is a clear conflict
    if endpoint not in ("/result", "/steps/complete"):  # the next step is legal; result is idempotent
        again = post(who(allowed, world, citizen, other_citizen), url(case, endpoint), body)
        assert again.status_code == 409
        assert again.json()["code"] in ("case_transition_illegal", "case_step_is_decision")
        assert "不能执行" in again.json()["message"] or "决定环节" in again.json()["message"]


def test_transitions_are_audited_with_their_role(world, citizen, item_simple):
    case = _prereviewed(world, citizen, item_simple)
    post(world.clerk.user, url(case, "/accept"))
    entry = AuditEntry.objects.get(action="case.accept", object_id=str(case.public_id))
    assert entry.actor_id == world.clerk.user.pk and entry.summary["role"] == "window_clerk"


def test_validation_errors_have_the_one_shape(world, citizen, item_simple):
    case = _submitted(world, citizen, item_simple)
    response = post(world.clerk.user, url(case, "/not-accept"), {"reason": ""})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "case_reason_required" and body["fields"] == {"reason": "“不予受理”须写明理由"}
    assert body["request_id"]
    response = post(world.reviewer_a.user, url(case, "/supplement"), {"items": "nope"})
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    response = as_user(None).post(url(case, "/accept"))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_approve_before_the_decision_step_is_a_conflict(world, citizen, item_simple):
    case = _accepted(world, citizen, item_simple)
    response = post(world.leader_a.user, url(case, "/approve"))
    assert response.status_code == 409 and response.json()["code"] == "case_decision_not_reached"
    assert "审查" in response.json()["message"]


# --- Reading ----------------------------------------------------------------------------------
def test_detail_for_applicant_hides_internal_events_and_staff_names(world, citizen, item_simple):
    case = _in_review(world, citizen, item_simple)
    services.case_assign(actor=world.leader_a.user, cases=[case], assignee=world.reviewer_a)
    mine = as_user(citizen.user).get(url(case)).json()
    actions = [e["action"] for e in mine["timeline"]]
    assert actions == ["submit", "prereview", "accept", "complete_step"]
    actors = [e["actor"] for e in mine["timeline"]]
    assert actors[1:] == ["窗口受理人员", "窗口受理人员", "部门审批人员"]  # roles, not staff names
    assert "综合窗口小李" not in actors
    assert mine["allowed_actions"] == ["withdraw"]
    assert [m["state"] for m in mine["materials"]] == ["uploaded", "uploaded"]
    staff = as_user(world.reviewer_a.user).get(url(case)).json()
    assert "assign" in [e["action"] for e in staff["timeline"]]
    assert staff["allowed_actions"] == ["request_supplement", "complete_step", "start_special"]
    assert staff["remaining_working_days"] is not None and staff["assignee"] == "市监局审批员甲"
    assert as_user(world.reviewer_b.user).get(url(case)).status_code == 404


def test_progress_query_without_sign_in(world, citizen, item_simple):
    case = _accepted(world, citizen, item_simple)
    client = Client()
    response = client.get("/api/v1/cases/progress", {"number": case.number, "id_tail": citizen.id_number[-6:]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["applicant_name"] == "张*"
    assert [e["title"] for e in body["timeline"]][:1] == ["提交申请"]
    assert citizen.name not in response.content.decode()
    wrong = client.get("/api/v1/cases/progress", {"number": case.number, "id_tail": "000000"})
    missing = client.get("/api/v1/cases/progress", {"number": "5301032001010100001", "id_tail": "1234"})
    assert wrong.status_code == missing.status_code == 404
    assert {k: v for k, v in wrong.json().items() if k != "request_id"} == {
        k: v for k, v in missing.json().items() if k != "request_id"}


def test_progress_query_is_rate_limited(world, citizen, item_simple, settings):
    settings.ONEWINDOW_PROGRESS_QUERY_RATE = 3
    case = _submitted(world, citizen, item_simple)
    client = Client(REMOTE_ADDR="10.0.0.9")
    codes = [client.get("/api/v1/cases/progress", {"number": case.number, "id_tail": "9999"}).status_code
             for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    response = client.get("/api/v1/cases/progress", {"number": case.number, "id_tail": citizen.id_number[-4:]})
    assert response.status_code == 429 and response.json()["code"] == "too_many_requests"
    assert Client(REMOTE_ADDR="10.0.0.10").get(
        "/api/v1/cases/progress", {"number": case.number, "id_tail": citizen.id_number[-4:]}).status_code == 200


def test_my_cases_and_notifications(world, citizen, other_citizen, item_simple):
    first = _submitted(world, citizen, item_simple)
    draft = services.case_draft_create(actor=citizen.user, item=item_simple)
    _submitted(world, other_citizen, item_simple)
    body = as_user(citizen.user).get("/api/v1/me/cases").json()
    assert [x["id"] for x in body["items"]] == [str(draft.public_id), str(first.public_id)]
    notes = as_user(citizen.user).get("/api/v1/me/notifications").json()
    assert notes and not notes[0]["read"] and first.number in notes[0]["title"]
    marked = post(citizen.user, "/api/v1/me/notifications/read", {})
    assert marked.json() == {"marked": len(notes)}
    assert as_user(citizen.user).get("/api/v1/me/notifications", {"unread": True}).json() == []


def test_workbench_is_scoped_paged_and_bounded_in_queries(world, citizen, item_simple, item_b):
    for _ in range(3):
        case = _submitted(world, citizen, item_simple)
    services.case_assign(actor=world.leader_a.user, cases=[case], assignee=world.reviewer_a)
    other = _submitted(world, citizen, item_b)
    client = as_user(world.reviewer_a.user)
    client.get("/api/v1/cases")  # warm the session and scope
    with CaptureQueriesContext(__import__("django.db", fromlist=["connection"]).connection) as queries:
        body = client.get("/api/v1/cases", {"tab": "department"}).json()
    assert len(body["items"]) == 3 and not body["has_next"]
    from onewindow.cases.api import CasePage

    assert CasePage.model_validate(body).items[0].department.code == "530103-SCJG"  # the documented shape
    assert str(other.public_id) not in {x["id"] for x in body["items"]}
    # session, user, scope (staff + departments), the page: no query per row
    assert len(queries) <= 5, [q["sql"][:80] for q in queries]
    dues = [x["due_at"] for x in body["items"]]
    assert dues == sorted(dues)
    clerk = as_user(world.clerk.user).get("/api/v1/cases", {"tab": "open"}).json()
    assert len(clerk["items"]) == 4  # the integrated window sees every department
    assert as_user(world.street_clerk.user).get("/api/v1/cases", {"tab": "open"}).json()["items"] == []
    found = as_user(world.reviewer_b.user).get("/api/v1/cases", {"tab": "all", "q": other.number}).json()
    assert [x["number"] for x in found["items"]] == [other.number]
    assert as_user(citizen.user).get("/api/v1/cases").json()["items"] == []
    # by the applicant's ID number: in the POST body, never in the URL
    refused = as_user(world.clerk.user).get("/api/v1/cases", {"tab": "all", "q": citizen.id_number})
    assert refused.status_code == 400 and refused.json()["code"] == "personal_lookup_in_url"
    by_id = post(world.clerk.user, "/api/v1/cases/search", {"tab": "all", "q": citizen.id_number})
    assert by_id.status_code == 200 and by_id["Cache-Control"] == "no-store, private"
    assert other.number in [x["number"] for x in by_id.json()["items"]]


def test_bulk_assign_over_the_api(world, citizen, item_simple):
    a, b = _submitted(world, citizen, item_simple), _submitted(world, citizen, item_simple)
    body = {"case_ids": [str(a.public_id), str(b.public_id)], "assignee_id": str(world.reviewer_a2.public_id)}
    assert post(world.clerk.user, "/api/v1/cases/assign", body).status_code == 403
    response = post(world.leader_a.user, "/api/v1/cases/assign", body)
    assert response.status_code == 200 and {x["assignee"] for x in response.json()} == {"市监局审批员乙"}
    mine = as_user(world.reviewer_a2.user).get("/api/v1/cases", {"tab": "mine"}).json()
    assert len(mine["items"]) == 2


# --- Writing with files -----------------------------------------------------------------------
def test_draft_upload_and_submit_over_the_api(world, citizen, item_simple):
    client = as_user(citizen.user)
    response = client.post("/api/v1/cases/drafts", json.dumps({"item_id": str(item_simple.public_id),
                                                               "form_data": {"经营场所": "白塔路1号"}}),
                           content_type="application/json")
    assert response.status_code == 201, response.json()
    draft = response.json()
    assert draft["status"] == "draft" and draft["number"] is None
    first, second = draft["materials"]
    bad = client.post(f"/api/v1/cases/{draft['id']}/materials/{first['id']}/file",
                      {"file": pdf("a.pdf", b"not a pdf at all")})
    assert bad.status_code == 400 and bad.json()["code"] == "case_file_type"
    assert "a.pdf" in bad.json()["fields"]["file"]
    for material in (first, second):
        ok = client.post(f"/api/v1/cases/{draft['id']}/materials/{material['id']}/file",
                         {"file": pdf("营业执照.pdf")})
        assert ok.status_code == 200 and ok.json()["state"] == "uploaded"
    etag = client.get(f"/api/v1/cases/{draft['id']}")["ETag"]
    patched = client.patch(f"/api/v1/cases/{draft['id']}", json.dumps({"delivery_method": "post"}),
                           content_type="application/json", HTTP_IF_MATCH=etag)
    assert patched.status_code == 400 and patched.json()["code"] == "case_delivery_address"
    submitted = client.post(f"/api/v1/cases/{draft['id']}/submit")
    assert submitted.status_code == 200 and submitted.json()["number"]
    download = client.get(f"/api/v1/cases/{draft['id']}/materials/{first['id']}/file")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF-")
    staff_download = as_user(world.reviewer_a.user).get(f"/api/v1/cases/{draft['id']}/materials/{first['id']}/file")
    assert staff_download.status_code == 200
    assert AuditEntry.objects.filter(action="case.material_open", actor_id=world.reviewer_a.user.pk).count() == 1
    assert as_user(world.reviewer_b.user).get(
        f"/api/v1/cases/{draft['id']}/materials/{first['id']}/file").status_code == 404


def test_window_intake_multipart_with_files_and_acceptance(world, citizen, item_simple):
    version = item_simple.current_version
    m1, m2 = version.materials.order_by("order")
    data = {"item_id": str(item_simple.public_id), "person_id": str(citizen.public_id),
            "paper": [str(m1.public_id)], "accept": True}
    client = as_user(world.clerk.user)
    response = client.post("/api/v1/cases/intake", {
        "data": json.dumps(data), f"file_{m2.public_id}": pdf("scan.pdf")})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "accepted" and body["channel"] == "window"
    assert [m["state"] for m in body["materials"]] == ["paper", "uploaded"]
    assert as_user(world.reviewer_a.user).get(f"/api/v1/cases/{body['id']}").status_code == 200
    refused = as_user(world.reviewer_a.user).post("/api/v1/cases/intake", {"data": json.dumps(data)})
    assert refused.status_code == 403
    garbage = client.post("/api/v1/cases/intake", {"data": "{nope"})
    assert garbage.status_code == 400 and garbage.json()["fields"] == {"data": "格式不正确"}
    png_as_pdf = client.post("/api/v1/cases/intake", {
        "data": json.dumps({**data, "paper": [], "accept": False}),
        f"file_{m1.public_id}": pdf("photo.pdf", png_bytes())})
    assert png_as_pdf.status_code == 201
    assert png_as_pdf.json()["materials"][0]["content_type"] == "image/png"


def test_result_pdf_download(world, citizen, item_simple):
    case = _approved_with_result(world, citizen, item_simple)
    response = as_user(citizen.user).get(url(case, "/result.pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert as_user(world.reviewer_b.user).get(url(case, "/result.pdf")).status_code == 404
    pending = _approved(world, citizen, item_simple)
    assert as_user(citizen.user).get(url(pending, "/result.pdf")).json()["code"] == "case_result_not_issued"


# --- Bundles, ratings, figures ----------------------------------------------------------------
def test_bundle_over_the_api(world, agent, item_simple, item_b):
    person, enterprise = agent
    client = as_user(person.user)
    response = client.post("/api/v1/bundles", json.dumps({
        "item_ids": [str(item_simple.public_id), str(item_b.public_id)], "name": "开餐馆一件事",
        "enterprise_id": str(enterprise.public_id)}), content_type="application/json")
    assert response.status_code == 201, response.json()
    bundle = response.json()
    assert len(bundle["cases"]) == 2 and len(bundle["checklist"]) == 4
    for line in bundle["checklist"]:
        ok = client.post(f"/api/v1/bundles/{bundle['id']}/materials/file", {"key": line["key"], "file": pdf()})
        assert ok.status_code == 200
    done = client.post(f"/api/v1/bundles/{bundle['id']}/submit", json.dumps({}), content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "in_progress"
    assert {x["department"]["code"] for x in done.json()["cases"]} == {"530103-SCJG", "530103-CG"}
    assert as_user(world.reviewer_b.user).get(f"/api/v1/bundles/{bundle['id']}").status_code == 200
    assert as_user(world.street_clerk.user).get(f"/api/v1/bundles/{bundle['id']}").status_code == 404


def test_rating_and_follow_up_over_the_api(world, citizen, item_simple, calendar_official):
    case = _delivered(world, citizen, item_simple)
    assert post(world.clerk.user, url(case, "/ratings"), {"level": 5}).status_code == 403
    assert post(citizen.user, url(case, "/ratings"), {"level": 9}).json()["code"] == "rating_level_invalid"
    response = post(citizen.user, url(case, "/ratings"), {"level": 2, "comment": "态度一般"})
    assert response.status_code == 201 and response.json()["follow_up_status"] == "open"
    step = case.steps.get(kind="delivery")
    step_rating = post(citizen.user, url(case, "/ratings"), {"level": 5, "step_id": str(step.public_id)})
    assert step_rating.status_code == 201 and step_rating.json()["step"] == "出件送达"
    tasks = as_user(world.reviewer_a.user).get("/api/v1/follow-ups").json()
    assert len(tasks) == 1 and tasks[0]["case_number"] == case.number
    assert as_user(world.reviewer_b.user).get("/api/v1/follow-ups").json() == []
    answered = post(world.reviewer_a.user, f"/api/v1/follow-ups/{tasks[0]['id']}/answer",
                    {"answer": "已对窗口人员进行培训"})
    assert answered.status_code == 200 and answered.json()["status"] == "done"
    seen = as_user(citizen.user).get(url(case)).json()["ratings"]
    assert seen[0]["follow_up_answer"] == "已对窗口人员进行培训"


def test_figures_over_the_api(world, citizen, item_simple):
    from django.utils import timezone

    first_day = timezone.localdate().isoformat()  # the figures span the test's days (it may cross midnight)
    _delivered(world, citizen, item_simple)
    today = timezone.localdate().isoformat()
    body = as_user(world.leader_a.user).get("/api/v1/cases-figures",
                                            {"start": first_day, "end": today, "department": "530103-SCJG"}).json()
    assert body["cases"] == 1 and body["online_share"] == 100.0 and body["finished"] == 1
    assert as_user(world.reviewer_b.user).get(
        "/api/v1/cases-figures", {"start": today, "end": today, "department": "530103-SCJG"}).status_code == 404
    assert as_user(world.leader_a.user).get(
        "/api/v1/cases-figures", {"start": today, "end": "2020-01-01"}).status_code == 400


def test_workbench_count_is_exact_up_to_the_cap_then_bounded(world, citizen, item_simple, monkeypatch):
    """Past COUNT_CAP the list says "more than" instead of counting every row (at 1,000,000
    cases a department's count cost 250–550 ms); the rows and links stay the same."""
    from onewindow.cases import api as cases_api

    for _ in range(5):
        _submitted(world, citizen, item_simple)
    client = as_user(world.reviewer_a.user)
    exact = client.get("/api/v1/cases", {"tab": "department", "page_size": 2}).json()
    assert exact["count"] == 5 and exact["count_exact"] is True and exact["has_next"] is True
    monkeypatch.setattr(cases_api, "COUNT_CAP", 3)
    capped = client.get("/api/v1/cases", {"tab": "department", "page_size": 2}).json()
    assert capped["count"] == 3 and capped["count_exact"] is False
    assert capped["items"] == exact["items"] and capped["next"] == exact["next"]
    last = client.get("/api/v1/cases", {"tab": "department", "page_size": 2, "page": 3}).json()
    assert last["count"] == 5 and last["count_exact"] is True and not last["has_next"]
    monkeypatch.setattr(cases_api, "COUNT_CAP", 5)
    assert client.get("/api/v1/cases", {"tab": "department", "page_size": 2}).json()["count_exact"] is True


def test_workbench_pages_give_the_rows_of_the_scoped_list_in_order(world, citizen, item_simple, item_b):
    """page_rows, however it reads a page, gives the same rows in the same order as one query
    over the scoped list, on every page and tab (a guard for any later optimisation)."""
    from onewindow.cases import selectors

    for item in (item_simple, item_b, item_simple, item_b, item_simple):
        _submitted(world, citizen, item)
    for user, tab in ((world.clerk.user, "open"), (world.reviewer_a.user, "department"),
                      (world.leader_a.user, "all")):
        qs = selectors.case_list(actor=user, filters=selectors.CaseFilters(tab=tab))
        one_query = list(qs.values(*selectors.ROW_VALUES))
        assert one_query, tab
        for size in (2, 50):
            pages = []
            for number in range(1, 5):
                rows, has_next = selectors.page_rows(qs, page=number, size=size)
                pages.extend(rows)
                assert has_next == (number * size < len(one_query))
            assert pages == one_query
