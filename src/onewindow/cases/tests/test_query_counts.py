"""The create paths read and write a fixed number of times, whatever the data size: a window
intake with three materials (service and multipart API). A regression that adds a query per
material, re-reads the catalogue or the account, or reads the new case back fails here."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from onewindow.cases import services
from onewindow.cases.tests.factories import service_item_make
from onewindow.cases.tests.helpers import pdf

pytestmark = pytest.mark.django_db

# Service: the clerk's window (1), the version's materials (1), number (1), calendar version (1),
# case, materials, event (3 inserts), audit entry (savepoint, head lock, insert, head update,
# release: 5), notification (1), the transaction's savepoint pair in tests (2). The scope is
# read once per request (2) and is cached on the user afterwards.
SERVICE_MAX_QUERIES = 17
# API: + item (1), applicant (1), + the session and its user (or a bearer token); the response
# is built from the rows just written, without reading them back.
API_MAX_QUERIES = 19 + 2


def _item_with_three(world, citizen):  # type: ignore[no-untyped-def]
    item = service_item_make(department=world.dept_a, materials=3, name="三份材料的事项",
                             service_object="both", promised_limit_value=5, legal_limit_value=20)
    # one intake first: the audit chain's head row and the process's working-day calendar exist
    # from then on (each is created or loaded once, not per case)
    services.case_window_intake(actor=world.clerk.user, item=item, person=citizen)
    return item


def test_window_intake_with_three_materials_has_a_fixed_query_count(world, citizen,
                                                                     django_assert_max_num_queries):
    item = _item_with_three(world, citizen)
    keys = [str(m.public_id) for m in item.current_version.materials.order_by("order")]
    actor = type(world.clerk.user).objects.get(pk=world.clerk.user.pk)  # nothing cached on it
    with django_assert_max_num_queries(SERVICE_MAX_QUERIES):
        case = services.case_window_intake(actor=actor, item=item, person=citizen,
                                           uploads={k: pdf(f"{i}.pdf") for i, k in enumerate(keys)})
    assert case.number and case.materials.filter(state="uploaded").count() == 3
    assert case.events.get().actor_label == world.clerk.name


def test_intake_api_answers_from_the_rows_it_wrote(world, citizen, django_assert_max_num_queries):
    item = _item_with_three(world, citizen)
    first, *rest = [str(m.public_id) for m in item.current_version.materials.order_by("order")]
    client = Client()
    client.force_login(world.clerk.user)
    body: dict[str, Any] = {"data": json.dumps({"item_id": str(item.public_id),
                                                "person_id": str(citizen.public_id), "paper": [first]}),
                            **{f"file_{k}": pdf(f"{k}.pdf") for k in rest}}
    client.get("/api/v1/health")  # the session is read on the first request
    with django_assert_max_num_queries(API_MAX_QUERIES):
        response = client.post("/api/v1/cases/intake", body)
    assert response.status_code == 201, response.json()
    created = response.json()
    assert [m["state"] for m in created["materials"]] == ["paper", "uploaded", "uploaded"]
    # the same case read back from the database gives the same answer (instants compared as
    # instants: the new case's deadlines are written in local time, the stored ones in UTC)
    again = client.get(f"/api/v1/cases/{created['id']}").json()
    assert _instants(created) == _instants(again)
    assert len(created["timeline"]) == 1 and created["timeline"][0]["actor"] == world.clerk.name


def _instants(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_instants(v) for v in value]
    if isinstance(value, str) and len(value) >= 20 and value[4:5] == "-" and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value
