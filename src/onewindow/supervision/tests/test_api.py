"""/api/v1 dashboard, monitor and assessment: wiring, scope, codes, shapes against the OpenAPI."""

import json
from datetime import timedelta
from functools import cache

import jsonschema_rs
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from onewindow.supervision.services import assessment as svc
from onewindow.supervision.services.figures import figures_refresh
from onewindow.supervision.tests.helpers import MONDAY, case_at, ticket_overdue

pytestmark = pytest.mark.django_db
RANGE = "first=2026-11-01&last=2026-11-30"


@cache
def _spec() -> dict:
    from config.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def conforms(response, path: str, method: str = "get"):
    spec = _spec()
    operation = spec["paths"][f"/api/v1{path}"][method]
    schema = operation["responses"][str(response.status_code)]["content"]["application/json"]["schema"]
    body = response.json()
    validator = jsonschema_rs.validator_for({**schema, "components": spec["components"]})
    assert validator.is_valid(body), list(validator.iter_errors(body))[:3]
    return body


def test_dashboard_figures_by_api_with_freshness_and_a_query_bound(client, hotline, district):
    ticket_overdue(hotline)
    figures_refresh(first=MONDAY.date(), last=MONDAY.date() + timedelta(days=1))
    client.force_login(hotline.supervisor.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/dashboard/figures?{RANGE}")
    body = conforms(response, "/dashboard/figures")
    assert len(queries) <= 12
    figures = {f["code"]: f for f in body["figures"]}
    assert figures["tickets_received"]["value"] == 1 and figures["tickets_received"]["as_of"]
    assert figures["response_rate"]["value"] == 0 and body["region"]["level"] == "district"
    regions = conforms(client.get(f"/api/v1/dashboard/regions?{RANGE}"), "/dashboard/regions")
    assert {c["name"]: c["tickets"] for c in regions["children"]} == {"拓东街道": 1, "鼓楼街道": 0}
    grid = conforms(client.get(f"/api/v1/dashboard/figures?region={district.grid_a1.code}&{RANGE}"),
                    "/dashboard/figures")
    assert [b["level"] for b in grid["breadcrumbs"]] == ["district", "street", "community", "grid"]
    trend = conforms(client.get(f"/api/v1/dashboard/trend?{RANGE}"), "/dashboard/trend")
    assert trend == [{"month": "2026-11", "cases": 0, "tickets": 1, "hall": 0, "grid": 0, "care": 0,
                      "cases_finished": 0, "tickets_finished": 0}]
    conforms(client.get(f"/api/v1/dashboard/top?kind=category&{RANGE}"), "/dashboard/top")
    conforms(client.get(f"/api/v1/dashboard/hall-waits?{RANGE}"), "/dashboard/hall-waits")
    bad = client.get("/api/v1/dashboard/top?kind=nope")
    assert bad.status_code == 400 and conforms(bad, "/dashboard/top")["code"] == "top_kind_invalid"
    bad = client.get("/api/v1/dashboard/figures?first=2026-13-01")
    assert bad.status_code == 400 and bad.json()["code"] == "range_invalid" and "first" in bad.json()["fields"]
    client.force_login(hotline.office_a_staff.user)
    assert client.get("/api/v1/dashboard/figures").status_code == 404


def test_monitor_api_and_supervision_orders(client, hotline, world, item_a):
    ticket = ticket_overdue(hotline)
    case = case_at(item=item_a, submitted_at=timezone.now() - timedelta(days=5), status="accepted",
                   due_at=timezone.now() - timedelta(hours=5))
    client.force_login(hotline.supervisor.user)
    body = conforms(client.get("/api/v1/monitor"), "/monitor")
    assert {x["source"]: x["red"] for x in body["lights"]}["tickets"] == 1
    assert {o["number"] for o in body["oldest_overdue"]} == {ticket.number, case.number}
    response = client.post("/api/v1/monitor/ticket-orders",
                           {"ticket_id": str(ticket.public_id), "reason": "超期请立即办理"},
                           content_type="application/json")
    assert conforms(response, "/monitor/ticket-orders", "post")["status"] == "open"
    response = client.post("/api/v1/monitor/case-orders", {"case_id": str(case.public_id), "reason": "超期请说明"},
                           content_type="application/json")
    order = conforms(response, "/monitor/case-orders", "post")
    assert response.status_code == 201 and order["department"] == world.dept_a.name
    again = client.post("/api/v1/monitor/case-orders", {"case_id": str(case.public_id), "reason": "再次督办此件"},
                        content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "order_open_exists"
    client.force_login(world.reviewer_a.user)
    answered = client.post(f"/api/v1/monitor/case-orders/{order['id']}/answer", {"response": "已加快审查进度"},
                           content_type="application/json")
    assert conforms(answered, "/monitor/case-orders/{order_id}/answer", "post")["status"] == "answered"
    assert client.get("/api/v1/monitor").status_code == 404


def test_assessment_api_run_scores_deductions_appeal(client, hotline):
    svc.rules_seed()
    ticket = ticket_overdue(hotline)
    client.force_login(hotline.supervisor.user)
    run = client.post("/api/v1/assessment/runs", {"period": "2026-11"}, content_type="application/json")
    assert conforms(run, "/assessment/runs", "post")["status"] == "draft"
    bad = client.post("/api/v1/assessment/runs", {"period": "11/2026"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "period_invalid"
    scores = conforms(client.get("/api/v1/assessment/runs/2026-11/scores?target=department"),
                      "/assessment/runs/{period}/scores")
    water = next(s for s in scores if s["department_code"] == "WATER")
    assert float(water["deducted"]) == 2
    deductions = conforms(client.get("/api/v1/assessment/runs/2026-11/deductions"),
                          "/assessment/runs/{period}/deductions")
    mine = next(d for d in deductions if d["target"] == hotline.water.name)
    assert mine["object_number"] == ticket.number and mine["url"].endswith(f"/{ticket.public_id}/")
    conforms(client.post("/api/v1/assessment/runs/2026-11/publish"), "/assessment/runs/{period}/publish", "post")
    client.force_login(hotline.water_staff.user)
    appeal = client.post(f"/api/v1/assessment/deductions/{mine['id']}/appeals", {"reason": "属于不可抗力"},
                         content_type="application/json")
    appeal_body = conforms(appeal, "/assessment/deductions/{deduction_id}/appeals", "post")
    client.force_login(hotline.supervisor.user)
    decided = client.post(f"/api/v1/assessment/appeals/{appeal_body['id']}/decision",
                          {"cancel": True, "note": "情况属实"}, content_type="application/json")
    assert conforms(decided, "/assessment/appeals/{appeal_id}/decision", "post")["status"] == "cancelled"
    scores = client.get("/api/v1/assessment/runs/2026-11/scores").json()
    assert float(next(s for s in scores if s["department_code"] == "WATER")["deducted"]) == 0
