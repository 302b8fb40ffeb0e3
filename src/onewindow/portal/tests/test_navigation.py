"""Every link the home pages offer leads somewhere that works for the person who sees it."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from onewindow.accounts.demo import DEMO_PASSWORD, NAMED_STAFF

HREF = re.compile(r'href="(/[^"#]*)"')


def _links(html: str) -> set[str]:
    # Static files, the API docs and language/sign-out forms are not pages of this test.
    return {h for h in HREF.findall(html)
            if not h.startswith(("/static/", "/api/", "/i18n/")) and "logout" not in h}


def _all_open(client: Client, links: set[str]) -> dict[str, int]:
    # Redirects are fine (the staff's "/" leads to the workbench) as long as they end on a page.
    return {h: client.get(h, follow=True).status_code for h in sorted(links)}


@pytest.fixture(scope="module")
def demo_district(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """The small demo, loaded once for this module in a transaction rolled back at its end
    (each test runs in a savepoint inside it): loading it is the slow part of these tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_load", "--small", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_district, db) -> None:  # type: ignore[no-untyped-def]
    return None


def test_public_home_links_all_open_for_a_visitor(demo, client: Client) -> None:
    html = client.get("/").content.decode()
    links = _links(html)
    # The citizen's main journeys are one click from the home page.
    for must in ("/guide/", "/cases/apply/", "/cases/progress/", "/hotline/new/",
                 "/hotline/track/", "/verify/", "/accounts/login/"):
        assert must in links
    statuses = _all_open(client, links)
    assert {h: s for h, s in statuses.items() if s != 200} == {}


def test_citizen_home_offers_own_applications_and_licences(demo, client: Client) -> None:
    client.post("/accounts/login/", {"username": "citizen", "password": DEMO_PASSWORD})
    links = _links(client.get("/").content.decode())
    assert {"/cases/mine/", "/me/licences/"} <= links
    statuses = _all_open(client, links)
    assert {h: s for h, s in statuses.items() if s != 200} == {}


CASE_WORKERS = {"admin", "leader", "supervisor", "clerk", "clerk_tuodong", "clerk_other",
                "reviewer_market", "reviewer_civil"}
CLERKS = {"clerk", "clerk_tuodong", "clerk_other"}


def test_staff_see_only_the_pages_their_roles_may_use_and_all_open(demo, client: Client) -> None:
    # One demo district for every named account (loading it is the slow part of this test).
    seen: dict[str, set[str]] = {}
    for username in NAMED_STAFF:
        client.logout()
        client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        response = client.get("/staff/")
        assert response.status_code == 200, username
        links = seen[username] = _links(response.content.decode())
        assert "/staff/hotline/" in links, username
        statuses = _all_open(client, links)
        assert {h: s for h, s in statuses.items() if s != 200} == {}, username
        # The case pages' own navigation leads only to pages that open.
        if username in CASE_WORKERS:
            sub = _links(client.get("/cases/staff/").content.decode())
            assert {h: s for h, s in _all_open(client, sub).items() if s != 200} == {}, username
        # A page whose link is not shown answers 404 (the link and the page follow one rule).
        if "/cases/staff/intake/" not in links:
            assert client.get("/cases/staff/intake/").status_code == 404, username
    # 窗口收件 only for window clerks; case pages only for those who handle cases.
    assert {u for u, links in seen.items() if "/cases/staff/intake/" in links} == CLERKS
    assert {u for u, links in seen.items() if "/cases/staff/" in links} == CASE_WORKERS
    assert "/staff/catalog/" not in seen["operator"] and "/staff/catalog/" in seen["admin"]
    assert "/staff/hotline/report/" in seen["supervisor"]
    assert "/staff/hotline/report/" not in seen["clerk"]


def test_unknown_address_gets_a_chinese_404_page(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'href="/guide/"' in html
