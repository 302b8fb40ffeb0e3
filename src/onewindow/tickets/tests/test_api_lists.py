"""The ticket lists answer from plain rows (selectors.LIST_VALUES) instead of model instances
validated by pydantic (issue 18): the same bytes as the former path, page by page, for every
list that renders them (GET /tickets, POST /tickets/search, the queues), and few queries."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from onewindow.core.api import LocalTimeJSONEncoder
from onewindow.tickets import api, selectors, services
from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 8, 0, 17, 250_000, tzinfo=SH)  # microseconds: rendered as such


@pytest.fixture
def tickets(hotline):
    """Dispatched, triaged (no department), duplicated, located and unlocated tickets, one
    without a region."""
    op = hotline.operator.user
    texts = ["拓东社区巷子里垃圾堆了{}天没人清运。", "拓东路{}号小区停水了，一直没有来水。",
             "网购的衣服质量差{}，商家拒绝退货。", "夜里工地施工噪音太大{}，睡不着觉。"]
    made = []
    for i in range(14):
        located = i % 7 != 3
        made.append(services.ticket_intake(actor=op, now=T0 + timedelta(minutes=41 * i), **intake_kwargs(
            text=texts[i % 4].format(i), lng=(102.71 if i % 2 else 102.76) if located else None,
            lat=25.01 + i * 0.0005 if located else None, address="" if not located else f"拓东路{i}号",
            urgency="urgent" if i % 5 == 0 else "normal")))
    again = services.ticket_intake(actor=op, now=T0 + timedelta(hours=12), **intake_kwargs(
        text=texts[1].format(1), lng=102.71, lat=25.0105))
    made.append(again)
    # a row without a region (imported records may lack one; the scope reads region_path)
    Ticket.objects.filter(pk=made[3].pk).update(region=None)
    return made


def _former_body(request_page: list[Ticket], *, count: int, page: int, page_size: int,
                 next_link: str | None, previous: str | None) -> bytes:
    """What ``@paginate(OneWindowPagination)`` answered before: model instances rendered by
    ``_list_out``, validated into the paged schema, dumped and rendered by the API renderer."""
    wanted = {t.duplicate_of_id for t in request_page if t.duplicate_of_id}
    numbers = dict(Ticket.objects.filter(id__in=wanted).values_list("id", "number")) if wanted else {}
    body = {"count": count, "count_exact": True, "page": page, "page_size": page_size, "next": next_link,
            "previous": previous,
            "items": [api._list_out(t, numbers) for t in request_page]}
    dumped = api.PagedTicketListOut.model_validate(body).model_dump()
    return json.dumps(dumped, cls=LocalTimeJSONEncoder).encode()


def _assert_same(response: Any, instances: list[Ticket]) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:300]
    data = response.json()
    expected = _former_body(instances, count=data["count"], page=data["page"], page_size=data["page_size"],
                            next_link=data["next"], previous=data["previous"])
    assert response.content == expected
    return data


WHO = ("operator", "water_staff", "office_a_staff", "supervisor")
QUERIES = ("", "status=dispatched,accepted", "order=newest", "status=triage", "page=2&page_size=4",
           "overdue=false&order=updated")


def test_the_list_answers_the_same_bytes_as_the_model_path(client, hotline, tickets):
    for who in WHO:
        user = getattr(hotline, who).user
        client.force_login(user)
        for query in QUERIES:
            response = client.get(f"/api/v1/tickets?{query}")
            params = dict(p.split("=") for p in query.split("&") if p)
            filters = selectors.TicketFilters(status=tuple(s for s in params.get("status", "").split(",") if s),
                                              order=params.get("order", "due"),
                                              overdue={"false": False}.get(params.get("overdue", "")))
            page, size = int(params.get("page", 1)), int(params.get("page_size", 50))
            listing = selectors.ticket_page(actor=user, filters=filters)
            instances = listing[(page - 1) * size:page * size] if (page - 1) * size < listing.count() else []
            data = _assert_same(response, instances)
            assert data["count"] == listing.count(), (who, query)


def test_the_rows_cover_every_shape_of_a_row(client, hotline, tickets):
    client.force_login(hotline.supervisor.user)
    items = client.get("/api/v1/tickets?page_size=200").json()["items"]
    assert any(i["duplicate_of"] for i in items) and any(i["duplicate_of"] is None for i in items)
    assert any(i["department"] is None for i in items) and any(i["department"] for i in items)
    assert any(i["region"] is None for i in items) and any(i["region"] for i in items)
    assert all(i["received_at"].endswith("+08:00") and "." in i["received_at"] for i in items)


def test_search_and_queues_answer_the_same_bytes(client, hotline, tickets):
    op = hotline.operator.user
    client.force_login(op)
    response = client.post("/api/v1/tickets/search?page_size=5", json.dumps({"q": "13812345678"}),
                           content_type="application/json")
    listing = selectors.ticket_page(actor=op, filters=selectors.TicketFilters(q="13812345678"))
    assert _assert_same(response, listing[0:5])["count"] == len(tickets)
    for name in ("triage", "duplicates", "overdue"):
        response = client.get(f"/api/v1/tickets/queues/{name}")
        queryset = api.QUEUES[name](actor=op)
        _assert_same(response, list(queryset[0:50]))
    client.force_login(hotline.water_staff.user)
    response = client.get("/api/v1/tickets/queues/department?page_size=2")
    queryset = api.QUEUES["department"](actor=hotline.water_staff.user)
    assert _assert_same(response, list(queryset[0:2]))["count"] >= 2
    assert client.get("/api/v1/tickets/queues/nope").json()["code"] == "queue_not_found"


def test_pages_past_the_end_and_bad_bounds(client, hotline, tickets):
    client.force_login(hotline.supervisor.user)
    data = client.get("/api/v1/tickets?page=9&page_size=50").json()
    assert data["items"] == [] and data["count"] == len(tickets) and data["next"] is None
    assert client.get("/api/v1/tickets?page_size=201").status_code == 422
    assert client.get("/api/v1/tickets?page=0").status_code == 422


def test_a_list_page_costs_a_fixed_number_of_queries(client, hotline, tickets, django_assert_max_num_queries):
    client.force_login(hotline.supervisor.user)
    client.get("/api/v1/tickets")  # session, user and scope once
    # session + user (2), scope (2: staff, departments), count (1), the page (1)
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/tickets?page_size=200").json()["items"]) == len(tickets)
