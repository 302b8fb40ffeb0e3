"""Ticket lists count at most COUNT_CAP rows (ADR 0024): exact below it, ``count_exact:
false`` and the cap above it, the same rows and links either way; the staff page says
"共 N+ 件工单" when the total is not exact."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from onewindow.core import pagination
from onewindow.tickets import selectors, services, views
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _memo():
    pagination.count_memo_clear()
    yield
    pagination.count_memo_clear()


@pytest.fixture
def seven(hotline):
    return [services.ticket_intake(actor=hotline.operator.user, now=T0 + timedelta(minutes=7 * i),
                                   **intake_kwargs(text=f"拓东路{i}号小区停水了，一直没有来水。"))
            for i in range(7)]


def test_small_lists_count_exactly_on_every_page(client, hotline, seven):
    client.force_login(hotline.supervisor.user)
    total = selectors.ticket_page(actor=hotline.supervisor.user).count()
    assert total == 7
    for size in (1, 2, 3, 7, 50):
        for page in range(1, 10):
            data = client.get(f"/api/v1/tickets?page={page}&page_size={size}").json()
            assert (data["count"], data["count_exact"]) == (total, True), (size, page)
    queue = client.get("/api/v1/tickets/queues/overdue?page_size=1").json()
    overdue = selectors.overdue_list(actor=hotline.supervisor.user).count()
    assert queue["count_exact"] is True and queue["count"] == overdue


def test_past_the_cap_the_flag_says_so_and_rows_and_links_stay(client, hotline, seven, monkeypatch):
    client.force_login(hotline.supervisor.user)
    exact = client.get("/api/v1/tickets?page_size=2").json()
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    capped = client.get("/api/v1/tickets?page_size=2").json()
    assert (capped["count"], capped["count_exact"]) == (5, False)
    assert capped["items"] == exact["items"] and capped["next"] == exact["next"]
    # the last page knows the total from its own rows
    last = client.get("/api/v1/tickets?page=4&page_size=2").json()
    assert (last["count"], last["count_exact"], last["next"]) == (7, True, None)
    # a cursor walk counts the same way
    walk = client.get("/api/v1/tickets?cursor=*&page_size=2").json()
    assert (walk["count"], walk["count_exact"]) == (5, False) and walk["next_cursor"]
    monkeypatch.setattr(pagination, "COUNT_CAP", 7)
    assert client.get("/api/v1/tickets?page_size=2").json()["count_exact"] is True


def test_the_flag_does_not_outlive_the_memo_or_reach_another_list(client, hotline, seven, monkeypatch, settings):
    settings.ONEWINDOW_COUNT_MEMO_SECONDS = 30
    clock = [5000.0]
    monkeypatch.setattr(pagination.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(pagination, "COUNT_CAP", 5)
    client.force_login(hotline.supervisor.user)
    assert client.get("/api/v1/tickets?page_size=2").json()["count_exact"] is False
    # another filter, or another person's scope, is another list: counted, and exact when small
    for who, query in (("supervisor", "status=triage"), ("office_a_staff", ""), ("water_staff", "status=triage"),
                        ("supervisor", "status=dispatched&order=newest")):
        user = getattr(hotline, who).user
        client.force_login(user)
        params = dict(parse_qsl(query))
        expected = selectors.ticket_page(actor=user, filters=selectors.TicketFilters(
            status=tuple(s for s in params.get("status", "").split(",") if s),
            order=params.get("order", "due"))).count()
        data = client.get(f"/api/v1/tickets?page_size=1&{query}").json()
        assert (data["count"], data["count_exact"]) == ((expected, True) if expected <= 5 else (5, False)), who
    clock[0] += 31
    monkeypatch.setattr(pagination, "COUNT_CAP", 10)
    client.force_login(hotline.supervisor.user)
    assert client.get("/api/v1/tickets?page_size=2").json()["count_exact"] is True


def test_the_staff_list_reads_the_total_in_chinese(client, hotline, seven, monkeypatch):
    client.force_login(hotline.supervisor.user)
    page = client.get(reverse("tickets:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "共 7 件工单" in page and "1 / 1" in page
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    page = client.get(reverse("tickets:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "共 7 件工单" in page  # one page shows the end: counted from its rows
    monkeypatch.setattr(views, "LIST_PAGE_SIZE", 2)
    fragment = client.get(reverse("tickets:list"), {"page": "2"}, HTTP_HX_REQUEST="true").content.decode()
    assert "共 3+ 件工单" in fragment and "第 2 页" in fragment and " / " not in fragment
    fragment = client.get(reverse("tickets:list"), {"page": "4"}, HTTP_HX_REQUEST="true").content.decode()
    assert "共 7 件工单" in fragment and "4 / 4" in fragment  # the last page counts its own rows
    fragment = client.get(reverse("tickets:list"), {"page": "99"}, HTTP_HX_REQUEST="true").content.decode()
    assert "第 2 页" in fragment  # past the end: the last page the bounded count knows of
    monkeypatch.setattr(pagination, "COUNT_CAP", 10_000)
    monkeypatch.setattr(selectors.TicketPage, "bounded_count", lambda self: (10_000, False))
    fragment = client.get(reverse("tickets:list"), HTTP_HX_REQUEST="true").content.decode()
    assert "共 1万+ 件工单" in fragment
