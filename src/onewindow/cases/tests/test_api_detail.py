"""The case detail (GET /cases/{id}) answers from plain rows of its materials, timeline and
ratings instead of model instances validated by pydantic (issue 18): the same bytes as the
former path for applicant and staff in several states, one query per list, ETag kept."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.cases import api, selectors
from onewindow.cases.tests import test_api as states
from onewindow.core.api import LocalTimeJSONEncoder
from onewindow.core.concurrency import version_tag

pytestmark = pytest.mark.django_db


def _former_bytes(user: Any, public_id: Any) -> bytes:
    """What the detail answered before: ``case_detail`` of ``case_get``'s instance, validated
    into ``CaseOut``, dumped and rendered by the API renderer."""
    case = selectors.case_get(actor=user, public_id=public_id)
    body = api.case_detail(SimpleNamespace(user=user), case)  # type: ignore[arg-type]
    return json.dumps(api.CaseOut.model_validate(body).model_dump(), cls=LocalTimeJSONEncoder).encode()


@pytest.fixture
def cases(world, citizen, item_a, item_simple, calendar_official):  # type: ignore[no-untyped-def]
    made = [states._draft(world, citizen, item_a), states._supplement(world, citizen, item_a),
            states._special(world, citizen, item_a), states._approved(world, citizen, item_a)]
    delivered = states._delivered(world, citizen, item_simple)
    assert states.post(citizen.user, states.url(delivered, "/ratings"),
                       {"level": 2, "comment": "态度一般"}).status_code == 201
    step = delivered.steps.get(kind="delivery")
    assert states.post(citizen.user, states.url(delivered, "/ratings"),
                       {"level": 5, "step_id": str(step.public_id)}).status_code == 201
    return [*made, delivered]


def test_the_detail_answers_the_same_bytes_as_the_model_path(world, citizen, cases):
    seen = 0
    for user in (citizen.user, world.clerk.user, world.reviewer_a.user, world.leader_a.user,
                 world.supervisor.user, world.reviewer_b.user):
        client = states.as_user(user)
        for case in cases:
            response = client.get(states.url(case))
            if response.status_code == 404:
                continue
            assert response.status_code == 200, response.content[:300]
            assert response.content == _former_bytes(user, case.public_id)
            seen += 1
    assert seen >= 15
    ratings = json.loads(states.as_user(citizen.user).get(states.url(cases[-1])).content)["ratings"]
    assert [r["follow_up_status"] for r in ratings] == ["open", None] and ratings[1]["step"] == "出件送达"


def test_etag_and_if_none_match_are_kept(world, cases):
    client = states.as_user(world.reviewer_a.user)
    case = cases[3]
    response = client.get(states.url(case))
    case.refresh_from_db()
    assert response["ETag"] == version_tag(case)
    again = client.get(states.url(case), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again["ETag"] == response["ETag"]


def test_one_query_per_list_whatever_the_case_holds(world, cases):
    client = states.as_user(world.supervisor.user)
    client.get(states.url(cases[1]))
    for case in cases[1:]:  # a draft is the applicant's alone
        with CaptureQueriesContext(connection) as captured:
            assert client.get(states.url(case)).status_code == 200
        sql = [q["sql"] for q in captured.captured_queries]
        for table in ("cases_casematerial", "cases_caseevent", "cases_rating", "cases_casestep"):
            assert sum(f'FROM "{table}"' in q for q in sql) == 1, (table, sql)


# --- The 201 answer of POST /cases/intake ----------------------------------------------------------
def test_the_window_intake_answer_is_the_validated_schemas_bytes(world, citizen, item_a, item_simple):
    """``_created_response`` renders ``case_detail``'s dict without validating it into
    ``CaseOut``: for intakes with paper, scans, nothing, and accepted on the spot, the dict is
    already the validated dump, byte for byte."""
    from onewindow.cases import services
    from onewindow.cases.tests.helpers import pdf

    clerk = world.clerk.user
    a = list(item_a.current_version.materials.order_by("order"))
    s1, s2 = item_simple.current_version.materials.order_by("order")
    made = [
        services.case_window_intake(actor=clerk, item=item_a, person=citizen, form_data={"说明": "变更名称"},
                                    paper=[str(a[0].public_id)], uploads={str(a[1].public_id): pdf()}),
        services.case_window_intake(actor=clerk, item=item_a, person=citizen),
        services.case_window_intake(actor=clerk, item=item_simple, person=citizen, paper=[str(s1.public_id)],
                                    uploads={str(s2.public_id): pdf("scan.pdf")}, accept=True),
    ]
    for case in made:
        body = api._detail(SimpleNamespace(user=clerk), case)  # type: ignore[arg-type]
        assert body["materials"] and body["timeline"]
        rendered = json.dumps(body, cls=LocalTimeJSONEncoder).encode()
        assert rendered == json.dumps(api.CaseOut.model_validate(body).model_dump(), cls=LocalTimeJSONEncoder).encode()
    assert {c.status for c in made} == {"submitted", "accepted"}


def test_post_intake_answers_201_with_the_location_the_api_gave(world, citizen, item_simple):
    from django.test import RequestFactory

    from config.api import api as ninja_api
    from onewindow.cases.tests.helpers import pdf

    s1, s2 = item_simple.current_version.materials.order_by("order")
    data = {"item_id": str(item_simple.public_id), "person_id": str(citizen.public_id), "paper": [str(s1.public_id)]}
    client = states.as_user(world.clerk.user)
    response = client.post("/api/v1/cases/intake", {"data": json.dumps(data), f"file_{s2.public_id}": pdf("scan.pdf")})
    assert response.status_code == 201, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    former = ninja_api.created_location(RequestFactory().post("/api/v1/cases/intake"), body)
    assert response["Location"] == former == f"http://testserver/api/v1/cases/{body['id']}"
    assert client.get(response["Location"]).json()["number"] == body["number"]


@pytest.mark.django_db(transaction=True)
def test_the_detail_reads_the_case_with_joins_in_written_order(world, citizen, item_a):
    """GET /cases/{id} plans the case row's joins in written order (issue 18): the setting is
    sent right before that read, ends with the request, and the answer is the same bytes."""
    from onewindow.cases import services

    clerk = world.clerk.user
    case = services.case_window_intake(actor=clerk, item=item_a, person=citizen)
    client = states.as_user(clerk)
    client.get(f"/api/v1/cases/{case.public_id}")  # sign-in and caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/api/v1/cases/{case.public_id}")
    assert response.status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    if connection.vendor == "postgresql":
        at = sql.index("SET LOCAL join_collapse_limit = 1")
        assert 'FROM "cases_case"' in sql[at + 1]
        with connection.cursor() as cursor:
            cursor.execute("SHOW join_collapse_limit")
            assert cursor.fetchone()[0] != "1"
    assert response.content == _former_bytes(clerk, case.public_id)
