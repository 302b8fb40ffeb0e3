"""Navigation by role: links follow audience, roles and predicates; pages follow their links."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from onewindow.accounts import navigation as nav
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import UserFactory, staff_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def links():  # type: ignore[no-untyped-def]
    saved = dict(nav._LINKS)
    nav._LINKS.clear()
    nav.nav_register(
        nav.NavLink("t.guide", "t", "Service guide", "catalog:guide", nav.PUBLIC, order=1),
        nav.NavLink("t.mine", "t", "My applications", "cases:mine", nav.SIGNED_IN, order=2),
        nav.NavLink("t.work", "t", "Workbench", "supervision:home", order=3),
        nav.NavLink("t.intake", "t", "Window intake", "cases:intake",
                    roles=nav.roles(Role.WINDOW_CLERK), order=4),
        nav.NavLink("t.odd", "t", "Odd", "cases:figures", check=lambda user: user.username == "x",
                    order=5),
        nav.NavLink("t.gone", "t", "Gone", "no-such:page", nav.PUBLIC, order=6),
    )
    yield
    nav._LINKS.clear()
    nav._LINKS.update(saved)


def keys(user) -> list[str]:  # type: ignore[no-untyped-def]
    return nav.nav_keys(user=user, menu="t")


def test_links_follow_audience_roles_and_checks(links, district) -> None:  # type: ignore[no-untyped-def]
    clerk = staff_make(username="x", region=district.street_a, roles=[Role.WINDOW_CLERK])
    reviewer = staff_make(username="r", region=district.district, roles=[Role.DEPT_REVIEWER])
    citizen = UserFactory()
    assert keys(AnonymousUser()) == ["t.guide"]  # a page that is not installed is left out
    assert keys(citizen) == ["t.guide", "t.mine"]
    assert keys(clerk.user) == ["t.work", "t.intake", "t.odd"]
    assert keys(reviewer.user) == ["t.work"]
    assert nav.nav_allows(user=clerk.user, key="t.intake")
    assert not nav.nav_allows(user=reviewer.user, key="t.intake")
    assert not nav.nav_allows(user=citizen, key="t.work")


def test_inactive_staff_lose_role_links(links, district) -> None:  # type: ignore[no-untyped-def]
    clerk = staff_make(username="y", region=district.street_a, roles=[Role.WINDOW_CLERK])
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    clerk.user.refresh_from_db()
    assert "t.intake" not in keys(clerk.user)


def test_unknown_audience_is_refused() -> None:
    with pytest.raises(ValueError):
        nav.NavLink("t.bad", "t", "Bad", "catalog:guide", audience="everyone")


def test_template_tag_renders_the_menu(links, district) -> None:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/")
    request.user = UserFactory()
    html = Template('{% load navigation %}{% nav_links "t" as ls %}'
                    '{% for l in ls %}[{{ l.url }}]{% endfor %}').render(Context({"request": request}))
    assert html == "[/guide/][/cases/mine/]"


def test_intake_page_answers_404_to_roles_without_its_link(client, clerk_a, supervisor) -> None:  # type: ignore[no-untyped-def]
    client.force_login(supervisor.user)
    response = client.get("/cases/staff/intake/")
    assert response.status_code == 404
    assert "/cases/staff/intake/" not in client.get("/cases/staff/").content.decode()
    client.force_login(clerk_a.user)
    assert client.get("/cases/staff/intake/").status_code == 200
    assert 'href="/cases/staff/intake/"' in client.get("/cases/staff/").content.decode()
