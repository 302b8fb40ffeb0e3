"""Done-when of issue 8: with the demo loaded, each demo account (and a visitor) signs in on a
360 px phone and follows the links it can reach (bounded); every page answers without a 5xx,
fits the screen without sideways scrolling, raises no CSP violation and has no serious or
critical axe-core violation. Citizen pages also keep the 适老化 sizes (text ≥ 18 px, tap targets
≥ 44 px). The error pages are checked the same way."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from onewindow.accounts.demo import DEMO_PASSWORD

from .crawl import crawl, page_check, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACCOUNTS = ("citizen", "enterprise", "clerk", "reviewer_market", "operator", "supervisor", "leader",
            "grid", "care", "admin")
PER_ACCOUNT = 10

#: 适老化 measurements on citizen pages: text nodes under 18 px, tap targets under 44 px
#: (links heading a list item or table cell, the header, buttons, radio/checkbox labels).
_ELDERLY_JS = "\n".join(line for line in Path(__file__).with_name("elderly_check.js").read_text(
    encoding="utf-8").splitlines() if not line.startswith("//"))


@pytest.fixture
def demo(db) -> None:  # type: ignore[no-untyped-def]
    call_command("demo_load", "--small", stdout=StringIO())


def _phone(chromium_browser: Any, live_server: Any, *, large: bool = False) -> Any:
    context = chromium_browser.new_context(locale="zh-CN", viewport={"width": 360, "height": 780},
                                           base_url=live_server.url)
    if large:
        context.add_cookies([{"name": "ow_text", "value": "large", "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _citizen_page(path: str) -> bool:
    return not path.startswith(("/staff", "/hotline/desk", "/grid", "/hall/panel", "/supervision"))


def test_every_demo_account_reaches_only_pages_that_fit_a_phone(demo, chromium_browser, live_server):
    """One test, one demo load (the slow part): the crawl, then large-text mode, then errors."""
    _crawl_every_account(chromium_browser, live_server)
    _large_text_mode_keeps_badges_and_tags_large(chromium_browser, live_server)
    _error_pages_fit_a_phone_and_pass_axe(chromium_browser, live_server)


def _crawl_every_account(chromium_browser: Any, live_server: Any) -> None:
    problems: list[str] = []
    visited = 0
    for account in ("-", *ACCOUNTS):
        page = _phone(chromium_browser, live_server)
        if account != "-":
            sign_in(page, account, DEMO_PASSWORD)
            assert "/accounts/login" not in page.url, account
        reports = crawl(page, live_server.url, start=["/"], limit=PER_ACCOUNT, per_shape=1)
        visited += len(reports)
        assert len(reports) >= 3, (account, [r.path for r in reports])
        problems += [f"{account}: {r}" for r in reports if not r.ok]
        if account in ("-", "citizen"):
            for report in reports:
                if report.status >= 400 or not _citizen_page(report.path):
                    continue
                page.goto(report.path)
                sizes = page.evaluate(_ELDERLY_JS)
                problems += [f"{account}: {report.path} small text {s}" for s in sizes["small"]]
                problems += [f"{account}: {report.path} tap target {t}" for t in sizes["tiny"]]
        page.context.close()
    assert visited >= 40
    assert not problems, "\n".join(problems)


def _large_text_mode_keeps_badges_and_tags_large(chromium_browser: Any, live_server: Any) -> None:
    page = _phone(chromium_browser, live_server, large=True)
    sign_in(page, "citizen", DEMO_PASSWORD)
    for path in ("/cases/mine/", "/guide/"):
        page.goto(path)
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll('.badge, .gbadge, .gtag, .req'))
            .map(e => parseFloat(getComputedStyle(e).fontSize))""")
        assert sizes and min(sizes) >= 21.5, (path, sizes)
    page.context.close()


def _error_pages_fit_a_phone_and_pass_axe(chromium_browser: Any, live_server: Any) -> None:
    page = _phone(chromium_browser, live_server)
    report = page_check(page, "/no-such-page/")
    assert report.status == 404 and report.ok, str(report)
    assert "页面不存在" in page.content() or "找不到" in page.content()
    # a form posted without its CSRF token: the Chinese 403 page in the site layout
    page.goto("/accounts/login/")
    page.evaluate("document.querySelectorAll('input[name=csrfmiddlewaretoken]').forEach(e => e.remove())")
    page.get_by_label("用户名").fill("citizen")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/accounts/login/")) as response:
        page.get_by_role("button", name="登录").click()
    assert response.value.status == 403
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 361
    assert "Forbidden" not in page.content() and "CSRF" not in page.inner_text("main")
    page.context.close()
