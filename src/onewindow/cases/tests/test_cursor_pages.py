"""Cursor pages of the staff workbench: every case once during a walk with inserts; a changed
cursor is a 422 ``cursor_invalid``; offset pages unchanged."""

import pytest

from onewindow.cases.tests.factories import case_make
from onewindow.cases.tests.test_api import as_user

pytestmark = pytest.mark.django_db


def test_a_workbench_walk_returns_every_case_once(world, citizen, item_simple):
    made = [str(case_make(item=item_simple).public_id) for _ in range(5)]
    client = as_user(world.clerk.user)
    params = {"tab": "all", "page_size": 2}
    body = client.get("/api/v1/cases", {**params, "cursor": "*"}).json()
    seen = [x["id"] for x in body["items"]]
    late = str(case_make(item=item_simple).public_id)
    while body["next_cursor"]:
        assert body["has_next"] and "cursor=" in body["next"]
        body = client.get("/api/v1/cases", {**params, "cursor": body["next_cursor"]}).json()
        seen += [x["id"] for x in body["items"]]
    assert len(seen) == len(set(seen)) == 6 and set(seen) == {*made, late} and seen[-1] == late
    assert body["has_next"] is False and body["count"] == 6 and body["count_exact"] is True
    offset = client.get("/api/v1/cases", params).json()
    assert offset["next_cursor"] is None and offset["page"] == 1 and offset["has_next"]
    bad = client.get("/api/v1/cases", {"cursor": body["page"] and "eyJ9:abc"})
    assert bad.status_code == 422 and bad.json()["code"] == "cursor_invalid"


def test_a_cursor_page_has_the_keys_of_an_offset_page_in_the_same_order(world, citizen, item_simple):
    for _ in range(3):
        case_make(item=item_simple)
    client = as_user(world.clerk.user)
    offset = client.get("/api/v1/cases", {"tab": "all", "page_size": 2}).json()
    walk = client.get("/api/v1/cases", {"tab": "all", "page_size": 2, "cursor": "*"}).json()
    assert list(walk) == list(offset) and list(walk["items"][0]) == list(offset["items"][0])
