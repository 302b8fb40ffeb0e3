"""Cursor pages of the tickets list: a walk started with ``cursor=*`` returns every ticket exactly
once even when tickets are registered during the walk (offset pages would shift); ``next``
follows the cursor; a changed or foreign cursor answers 422 ``cursor_invalid``; offset pages
keep working and carry ``next_cursor: null``."""

import pytest

from onewindow.core.pagination import cursor_encode
from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.test_api import CALL, bearer, post

pytestmark = pytest.mark.django_db


def _walk(client, auth, params, *, during=None):  # type: ignore[no-untyped-def]
    seen, pages = [], []
    body = client.get("/api/v1/tickets", {**params, "cursor": "*"}, **auth).json()
    while True:
        pages.append(body)
        seen += [t["id"] for t in body["items"]]
        if during and len(pages) == 1:
            during()
        if not body["next_cursor"]:
            return seen, pages
        body = client.get("/api/v1/tickets", {**params, "cursor": body["next_cursor"]}, **auth).json()


def test_a_cursor_walk_returns_every_ticket_once_even_with_inserts(client, hotline):
    user = hotline.operator.user
    for n in range(7):
        post(client, "/api/v1/tickets", {**CALL, "title": f"小区停水{n}"}, user)
    before = {str(t.public_id) for t in Ticket.objects.all()}
    added: list[str] = []

    def insert() -> None:
        for n in range(2):
            added.append(post(client, "/api/v1/tickets", {**CALL, "title": f"路灯不亮{n}"}, user).json()["id"])

    seen, pages = _walk(client, bearer(user), {"page_size": 3, "order": "due"}, during=insert)
    assert len(seen) == len(set(seen)) == 9
    assert set(seen) == before | set(added) and seen[-2:] == added  # the new ones at the end
    assert [p["page"] for p in pages] == [1, 2, 3] and all(p["previous"] is None for p in pages)
    assert pages[0]["count"] == 7 and pages[-1]["count"] == 9 and pages[-1]["next"] is None


def test_next_links_carry_the_cursor_and_filters(client, hotline):
    user = hotline.operator.user
    for n in range(3):
        post(client, "/api/v1/tickets", {**CALL, "title": f"小区停水{n}"}, user)
    auth = bearer(user)
    first = client.get("/api/v1/tickets", {"cursor": "*", "page_size": 2, "status": "dispatched,accepted"},
                       **auth).json()
    assert "cursor=" in first["next"] and "status=dispatched%2Caccepted" in first["next"] and "page=" not in (
        first["next"].replace("page_size", ""))
    second = client.get(first["next"].removeprefix("http://testserver"), **auth).json()
    assert second["page"] == 2 and len(second["items"]) == 1 and second["next_cursor"] is None
    offset = client.get("/api/v1/tickets", {"page_size": 2}, **auth).json()
    assert offset["next_cursor"] is None and "page=2" in offset["next"]


@pytest.mark.parametrize("mangle", [
    lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # the signature no longer matches
    lambda c: "x" + c,
    lambda c: "e30:1vXa",  # well-formed, unsigned
    lambda c: cursor_encode(path="/api/v1/audit", page=2, keys=("seq",), row={"seq": 5}),  # another list's
])
def test_a_changed_cursor_is_a_422_with_its_code(client, hotline, mangle):
    user = hotline.operator.user
    for n in range(3):
        post(client, "/api/v1/tickets", {**CALL, "title": f"小区停水{n}"}, user)
    auth = bearer(user)
    cursor = client.get("/api/v1/tickets", {"cursor": "*", "page_size": 1}, **auth).json()["next_cursor"]
    response = client.get("/api/v1/tickets", {"cursor": mangle(cursor)}, **auth)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "cursor_invalid" and "cursor" in response.json()["fields"]
    assert client.get("/api/v1/tickets", {"cursor": "c" * 401}, **auth).json()["code"] == "validation_failed"
