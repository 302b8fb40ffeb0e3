"""Intake reads and writes a fixed number of times, whatever the number of tickets: the
duplicate check is one query over the open tickets of the place, the number one statement,
and the API answers from the rows just written. Tests run without the reference-data cache
(settings, limits, rules, departments and categories are read on every intake here; a
running process reads them once every 30 seconds)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from onewindow.tickets import services

pytestmark = pytest.mark.django_db

# The scope (2: read once per request, then cached on the user), the district (1), the
# classifier's category, settings, time limits, dispatch rules, department, category subtree
# (6, cached in production), the calendar version (1), the number (1), the duplicate check (1),
# ticket and events (2 inserts), audit entry (5), outbox (1), the savepoint pair in tests (2),
# the gazetteer's version (1, once every few seconds in production).
SERVICE_MAX_QUERIES = 23
# API: + the session and its user (or a bearer token); no read-back of the new ticket.
API_MAX_QUERIES = SERVICE_MAX_QUERIES + 2

CALL = {"kind": "help", "channel": "hotline", "title": "小区停水三天",
        "text": "拓东路1号小区已经停水三天了，自来水一直没有恢复，请尽快处理", "address": "拓东路1号",
        "requester_name": "王秀英", "requester_phone": "13812345678"}


def _fresh(user: Any) -> Any:
    return type(user).objects.get(pk=user.pk)  # nothing cached on it


def test_intake_has_a_fixed_query_count(hotline, django_assert_max_num_queries):
    first = services.ticket_intake(actor=hotline.operator.user, **CALL)
    operator = _fresh(hotline.operator.user)
    with django_assert_max_num_queries(SERVICE_MAX_QUERIES):
        again = services.ticket_intake(actor=operator, **CALL)
    assert again.status == "dispatched" and again.duplicate_of_id == first.id
    assert [e.action for e in again.events.order_by("at", "id")] == ["receive", "classify", "dispatch",
                                                                      "duplicate_flag"]


def test_intake_api_answers_from_the_rows_it_wrote(hotline, django_assert_max_num_queries):
    first = services.ticket_intake(actor=hotline.operator.user, **CALL)
    client = Client()
    client.force_login(hotline.operator.user)
    client.get("/api/v1/health")
    with django_assert_max_num_queries(API_MAX_QUERIES):
        response = client.post("/api/v1/tickets", json.dumps(CALL), content_type="application/json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["duplicate_of"] == first.number
    assert [e["action"] for e in created["events"]] == ["receive", "classify", "dispatch", "duplicate_flag"]
    # the same ticket read back from the database gives the same answer (instants as instants)
    read = client.get(f"/api/v1/tickets/{created['id']}").json()
    assert _instants(created) == _instants(read)


def _instants(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value
