"""/api/v1/homecare: wiring, scope, status codes, stable error codes, shapes checked against the
OpenAPI schema, a query-count bound."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.grid.tests.test_api import bearer, conforms
from onewindow.homecare import constants as c
from onewindow.homecare.models import Elder, Order

from .conftest import Care, full_scores
from .factories import NEAR, elder_id_number, png_bytes

pytestmark = pytest.mark.django_db


def test_public_catalogue_and_providers(client, care: Care) -> None:
    r = client.get("/api/v1/homecare/services")
    assert r.status_code == 200
    assert {s["code"] for s in conforms(r, "/homecare/services")} == {"ZC01", "XZ01"}
    r = client.get("/api/v1/homecare/providers", {"lng": 102.71, "lat": 25.01})
    body = conforms(r, "/homecare/providers")
    assert body[0]["name"] == "拓东居家养老服务中心" and body[0]["distance_m"] is not None
    r = client.get("/api/v1/homecare/assessment-form")
    form = conforms(r, "/homecare/assessment-form")
    assert form["max_total"] == 90 and sum(len(s["items"]) for s in form["sections"]) == 26


def test_worker_registers_elder_and_assesses(client, care: Care) -> None:
    auth = bearer(care.worker.user)
    r = client.post("/api/v1/homecare/elders", {
        "name": "李秀兰", "id_number": elder_id_number(5, born="19480101"), "community_code": "530103001001",
        "address": "拓东路20号1栋101", "phone": "13911112222", "living": "alone", "health_notes": "腿脚不便"},
        content_type="application/json", **auth)
    assert r.status_code == 201, r.content
    body = conforms(r, "/homecare/elders", "post")
    assert body["id_number"].startswith("5301") and "*" in body["id_number"]
    assert "腿脚" not in r.content.decode() and body["health_notes_recorded"] is True
    r = client.post(f"/api/v1/homecare/elders/{body['id']}/assessments", {"scores": full_scores(2)},
                    content_type="application/json", **auth)
    assessment = conforms(r, "/homecare/elders/{elder_id}/assessments", "post")
    assert assessment["level"] == 2 and assessment["total"] == 50
    r = client.post(f"/api/v1/homecare/elders/{body['id']}/assessments", {"scores": {"eating": 9}},
                    content_type="application/json", **auth)
    assert r.status_code == 400 and r.json()["code"] == "assessment_incomplete"
    assert "进食" in r.json()["fields"]["eating"]
    r = client.post("/api/v1/homecare/elders", {"name": "小李", "id_number": elder_id_number(6, born="19900101"),
                                                "community_code": "530103001001", "address": "拓东路1号"},
                    content_type="application/json", **auth)
    assert r.status_code == 400 and r.json()["code"] == "elder_too_young"
    assert Elder.objects.count() == 2


def test_order_journey_through_the_api(client, care: Care) -> None:
    when = (care.at(10) + timedelta(days=1)).isoformat()
    r = client.post("/api/v1/homecare/orders", {"elder_id": str(care.elder.public_id),
                                                "service_id": str(care.meal.public_id), "scheduled_at": when},
                    content_type="application/json", **bearer(care.family))
    assert r.status_code == 201, r.content
    order = conforms(r, "/homecare/orders", "post")
    assert order["provider"]["name"] == "拓东居家养老服务中心" and order["allowance_part"] in ("15.00", 15.0, "15")
    oid = order["id"]
    # another provider's manager does not see it
    assert client.get(f"/api/v1/homecare/orders/{oid}", **bearer(care.manager_b.user)).json()["code"] == \
        "order_not_found"
    r = client.post(f"/api/v1/homecare/orders/{oid}/assign", {"carer_id": str(care.carer.public_id)},
                    content_type="application/json", **bearer(care.manager.user))
    assert conforms(r, "/homecare/orders/{order_id}/assign", "post")["status"] == "assigned"
    Order.objects.filter(public_id=oid).update(scheduled_at=care.at(0) + timedelta(minutes=1))
    carer = bearer(care.carer.user)
    day = conforms(client.get("/api/v1/homecare/carer/day", **carer), "/homecare/carer/day")
    assert [o["id"] for o in day] == [oid]
    r = client.post(f"/api/v1/homecare/orders/{oid}/checkin", {"lng": "102.73", "lat": "25.01"}, **carer)
    assert r.status_code == 400 and r.json()["code"] == "checkin_far_from_home"
    r = client.post(f"/api/v1/homecare/orders/{oid}/checkin", {
        "lng": str(NEAR[0]), "lat": str(NEAR[1]), "photo": SimpleUploadedFile("a.png", png_bytes(), "image/png")},
        **carer)
    assert r.status_code == 200, r.content
    assert conforms(r, "/homecare/orders/{order_id}/checkin", "post")["checkin_check"] == "near"
    r = client.post(f"/api/v1/homecare/orders/{oid}/checkout", {"work_notes": "送餐到家"}, **carer)
    assert r.json()["status"] == "delivered"
    r = client.post(f"/api/v1/homecare/orders/{oid}/confirm", {"rating": 9}, content_type="application/json",
                    **bearer(care.family))
    assert r.status_code == 422 and r.json()["code"] == "validation_failed"
    r = client.post(f"/api/v1/homecare/orders/{oid}/confirm", {"rating": 5, "comment": "好"},
                    content_type="application/json", **bearer(care.family))
    assert conforms(r, "/homecare/orders/{order_id}/confirm", "post")["status"] == "confirmed"
    month = care.at(0).strftime("%Y-%m")
    r = client.post("/api/v1/homecare/settlements/run", {"month": month}, content_type="application/json",
                    **bearer(care.bureau.user))
    runs = conforms(r, "/homecare/settlements/run", "post")
    assert len(runs) == 1 and runs[0]["order_count"] == 1
    r = client.get(f"/api/v1/homecare/settlements/{runs[0]['id']}", **bearer(care.manager.user))
    detail = conforms(r, "/homecare/settlements/{settlement_id}")
    assert [ln["order"] for ln in detail["lines"]] == [order["number"]]
    r = client.post(f"/api/v1/homecare/settlements/{runs[0]['id']}/confirm", {"agree": True},
                    content_type="application/json", **bearer(care.manager.user))
    assert conforms(r, "/homecare/settlements/{settlement_id}/confirm", "post")["status"] == "confirmed"
    r = client.get("/api/v1/homecare/figures", {"month": month}, **bearer(care.bureau.user))
    row = conforms(r, "/homecare/figures")[0]
    assert (row["orders"], row["delivered"], row["rating"]) == (1, 1, 5.0)
    assert client.get("/api/v1/homecare/figures", **bearer(care.manager.user)).status_code == 404


def test_lists_are_scoped_and_bounded(client, care: Care) -> None:
    for i in range(5):
        Elder.objects.create(person=care.elder.person.__class__.objects.create(
            name=f"老人{i}", id_number=elder_id_number(100 + i), id_number_hash=f"h{i}"),
            name=f"老人{i}", birth_date=care.elder.birth_date, community=care.district.community_a1,
            region_path=care.district.community_a1.path, address="拓东路")
    auth = bearer(care.worker.user)
    client.get("/api/v1/homecare/elders", **auth)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/api/v1/homecare/elders", **auth)
    assert conforms(r, "/homecare/elders")["count"] == 6
    assert len(ctx) <= 8
    assert client.get("/api/v1/homecare/elders", **bearer(care.other_worker.user)).json()["count"] == 0
    r = client.get(f"/api/v1/homecare/elders/{care.elder.public_id}", **bearer(care.other_worker.user))
    assert r.status_code == 404 and r.json()["code"] == "elder_not_found"
    r = client.post("/api/v1/homecare/orders", {"elder_id": str(care.elder.public_id),
                                                "service_id": str(care.meal.public_id),
                                                "scheduled_at": care.at(10).isoformat()},
                    content_type="application/json", **bearer(care.stranger))
    assert r.status_code == 404
    assert c.OrderStatus.PLACED == "placed"


def test_spot_check_alert_resolve_and_elder_update(client, care: Care) -> None:
    from onewindow.homecare import services
    from onewindow.homecare.models import Alert

    from .factories import photo

    when = care.at(9)
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal, scheduled_at=when,
                                 now=when - timedelta(hours=2))
    order = services.order_assign(actor=care.manager.user, order=order, carer=care.carer)
    services.order_checkin(actor=care.carer.user, order=order, lng=NEAR[0], lat=NEAR[1], photo=photo(), now=when)
    services.order_checkout(actor=care.carer.user, order=order, work_notes="送餐", now=when + timedelta(minutes=3))
    r = client.post(f"/api/v1/homecare/orders/{order.public_id}/spot-checks", {"result": "satisfied"},
                    content_type="application/json", **bearer(care.bureau.user))
    assert conforms(r, "/homecare/orders/{order_id}/spot-checks", "post")["result_label"] == "满意"
    r = client.post(f"/api/v1/homecare/orders/{order.public_id}/spot-checks", {"result": "satisfied"},
                    content_type="application/json", **bearer(care.manager.user))
    assert r.status_code == 403 and r.json()["code"] == "not_bureau"
    alert = Alert.objects.get(kind=c.AlertKind.SHORT_VISIT)
    assert client.post(f"/api/v1/homecare/alerts/{alert.public_id}/resolve",
                       **bearer(care.manager_b.user)).status_code == 404
    r = client.post(f"/api/v1/homecare/alerts/{alert.public_id}/resolve", **bearer(care.manager.user))
    conforms(r, "/homecare/alerts/{alert_id}/resolve", "post")
    assert Alert.objects.get(pk=alert.pk).resolved_at is not None
    r = client.patch(f"/api/v1/homecare/elders/{care.elder.public_id}", {"living": "with_family", "low_income": False},
                     content_type="application/json", **bearer(care.worker.user))
    body = conforms(r, "/homecare/elders/{elder_id}", "patch")
    assert body["living"] == "with_family" and body["monthly_allowance"] in ("100.00", 100.0, "100")
    r = client.patch(f"/api/v1/homecare/elders/{care.elder.public_id}", {"living": "mars"},
                     content_type="application/json", **bearer(care.worker.user))
    assert r.status_code == 400 and r.json()["code"] == "living_invalid"
