"""The ticket detail (GET /tickets/{id}, GET /tickets/by-number/{number}) answers from the
ticket and plain rows of its co-handlers, attachments and timeline instead of model instances
validated by pydantic (issue 18): the same bytes as the former path for every role and state,
in four queries whatever the ticket holds."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.core.api import LocalTimeJSONEncoder
from onewindow.tickets import api, selectors, services
from onewindow.tickets.models import Ticket, TicketAttachment
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 8, 0, 17, 250_000, tzinfo=SH)


@pytest.fixture
def tickets(hotline):
    """Tickets in several states: dispatched, triaged, accepted with a co-handler and
    attachments, replied, a duplicate, a merged one, a confidential one, one without region."""
    op = hotline.operator.user
    texts = ["拓东社区巷子里垃圾堆了{}天没人清运。", "拓东路{}号小区停水了，一直没有来水。",
             "网购的衣服质量差{}，商家拒绝退货。", "夜里工地施工噪音太大{}，睡不着觉。"]
    made = [services.ticket_intake(actor=op, now=T0 + timedelta(minutes=41 * i), **intake_kwargs(
        text=texts[i % 4].format(i), lng=102.71 if i % 2 else 102.76, lat=25.01 + i * 0.0005,
        address=f"拓东路{i}号", confidential=(i == 5))) for i in range(8)]
    made.append(services.ticket_intake(actor=op, now=T0 + timedelta(hours=12), **intake_kwargs(
        text=texts[1].format(1), lng=102.71, lat=25.0105)))  # a duplicate of made[1]
    water = Ticket.objects.get(pk=made[1].pk)
    assert water.department_id == hotline.water.pk  # dispatched by the classifier's rule
    staff = hotline.water_staff.user
    water = services.ticket_accept(actor=staff, ticket=water, now=T0 + timedelta(hours=1))
    services.ticket_cohandler_add(actor=staff, ticket=water, department=hotline.office_a, request="请协助排查管网",
                                  now=T0 + timedelta(hours=1, minutes=5))
    for name, kind in (("现场.jpg", "image/jpeg"), ("说明.pdf", "application/pdf")):
        TicketAttachment.objects.create(ticket=water, file=f"tickets/{name}", name=name, content_type=kind,
                                        size=1234)
    services.ticket_reply(actor=staff, ticket=Ticket.objects.get(pk=water.pk), text="已恢复供水。",
                          now=T0 + timedelta(hours=3))
    services.ticket_merge(actor=op, ticket=Ticket.objects.get(pk=made[7].pk),
                          into=Ticket.objects.get(pk=made[3].pk), now=T0 + timedelta(hours=5))
    Ticket.objects.filter(pk=made[6].pk).update(region=None)
    return [Ticket.objects.get(pk=t.pk) for t in made]


def _former_bytes(user: Any, public_id: Any) -> bytes:
    """What the detail answered before: ``ticket_get``'s instance rendered by ``_detail_out``,
    validated into ``TicketOut``, dumped and rendered by the API renderer."""
    ticket = selectors.ticket_get(actor=user, public_id=public_id)
    body = api._detail_out(SimpleNamespace(user=user), ticket)  # type: ignore[arg-type]
    return json.dumps(api.TicketOut.model_validate(body).model_dump(), cls=LocalTimeJSONEncoder).encode()


WHO = ("operator", "water_staff", "office_a_staff", "env_staff", "supervisor")


def test_the_detail_answers_the_same_bytes_as_the_model_path(client, hotline, tickets):
    seen = 0
    states = set()
    for who in WHO:
        user = getattr(hotline, who).user
        client.force_login(user)
        for t in tickets:
            response = client.get(f"/api/v1/tickets/{t.public_id}")
            if response.status_code == 404:
                with pytest.raises(Exception, match="找不到该工单"):
                    selectors.ticket_get(actor=user, public_id=t.public_id)
                continue
            assert response.status_code == 200, response.content[:300]
            assert response.content == _former_bytes(user, t.public_id), (who, t.number)
            by_number = client.get(f"/api/v1/tickets/by-number/{t.number}")
            assert by_number.content == response.content
            seen += 1
            states.add(t.status)
    assert seen >= 20
    assert len(states) >= 3
    body = json.loads(client.get(f"/api/v1/tickets/{tickets[7].public_id}").content)
    assert body["merged_into"] == tickets[3].number
    assert any(t.duplicate_of_id for t in tickets)
    assert any(t.confidential for t in tickets)


def test_the_detail_reads_four_queries_whatever_the_ticket_holds(client, hotline, tickets):
    client.force_login(hotline.supervisor.user)
    client.get(f"/api/v1/tickets/{tickets[0].public_id}")  # session and scope cached
    counts = set()
    for t in tickets:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/api/v1/tickets/{t.public_id}")
        assert response.status_code == 200
        counts.add(len(captured.captured_queries))
    assert len(counts) == 1, counts  # merged, duplicated, co-handled: the same statements
    detail = [q["sql"] for q in captured.captured_queries if "tickets_" in q["sql"]]
    assert len(detail) == 4, detail  # ticket (+ both numbers), co-handlers, attachments, events


def test_an_unknown_or_invisible_ticket_is_still_a_404(client, hotline, tickets):
    client.force_login(hotline.env_staff.user)
    hidden = [t for t in tickets if t.department_id != hotline.env.pk and not t.cohandlers.exists()]
    response = client.get(f"/api/v1/tickets/{hidden[0].public_id}")
    assert response.status_code == 404 and response.json()["code"] == "ticket_not_found"
    assert client.get("/api/v1/tickets/by-number/12345-20990101-999999").status_code == 404


# --- The 201 answer of POST /tickets -------------------------------------------------------------
INTAKES = [
    {},  # dispatched by the water rule
    {"title": "买的电器有质量问题", "text": "上周在商场买的电饭煲用了两天就坏了，商家不给退。",
     "kind": "complaint"},  # triage
    {"text": "拓东路12号小区停水了，到现在还没有来水，请尽快处理。", "lng": 102.7102, "lat": 25.0101},  # duplicate
    {"kind": "consult", "text": "请问小区停水一般多久能恢复？",
     "answer_text": "一般抢修在24小时内恢复供水。"},  # answered on the call
    {"confidential": True, "text": "拓东路有人在楼顶私搭违建，占用公共空间，存在安全隐患。"},  # fallback owner
    {"address": "", "lng": None, "lat": None, "requester_phone": "", "text": "有人反映停水的问题一直没有解决请处理"},
]


def test_the_created_answer_is_the_validated_schemas_bytes(hotline):
    """``_created_response`` renders ``_detail_out``'s dict without validating it into
    ``TicketOut``: for every intake outcome the dict is already the validated dump, byte for
    byte, with the rows intake handed over (no read-back)."""
    op = hotline.operator.user
    statuses = set()
    for i, extra in enumerate(INTAKES):
        ticket = services.ticket_intake(actor=op, now=T0 + timedelta(minutes=7 * i), **intake_kwargs(**extra))
        statuses.add((ticket.status, ticket.duplicate_of_id is not None))
        body = api._detail_out(SimpleNamespace(user=op), ticket)  # type: ignore[arg-type]
        assert body["events"], "intake handed its rows over"
        rendered = json.dumps(body, cls=LocalTimeJSONEncoder).encode()
        validated = json.dumps(api.TicketOut.model_validate(body).model_dump(), cls=LocalTimeJSONEncoder).encode()
        assert rendered == validated
    assert {s for s, _ in statuses} >= {"dispatched", "triage", "closed"} and (("dispatched", True) in statuses
                                                                               or ("triage", True) in statuses)


def test_post_tickets_answers_201_with_the_location_the_api_gave(client, hotline):
    from django.test import RequestFactory

    from config.api import api as ninja_api

    client.force_login(hotline.operator.user)
    for extra in INTAKES[:2]:
        payload = {k: v for k, v in intake_kwargs(**extra).items() if v is not None}
        response = client.post("/api/v1/tickets", payload, content_type="application/json")
        assert response.status_code == 201, response.content[:300]
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        former = ninja_api.created_location(RequestFactory().post("/api/v1/tickets"), body)
        assert response["Location"] == former == f"http://testserver/api/v1/tickets/{body['id']}"
        assert client.get(response["Location"]).json()["number"] == body["number"]
