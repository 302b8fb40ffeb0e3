"""No ID or mobile number in any URL (issue 9, "Personal data never travels in URLs").

A member of staff types a full ID number and a full mobile number into the search box of every
staff list that may be searched by them (cases, 12345 tickets, grid households, home-care elders,
residents, licences). A real Chromium records every request it sends to the server, and a log handler
records everything the server logs meanwhile: neither number may appear in a URL the browser
requested, in the address bar, or in any log line.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import pytest

from conftest import browser_login
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.cases.tests.factories import person_make

ID_NUMBER = "53010319800101123X"
MOBILE = "13912345678"

# (page, the search box)
SEARCHES = [
    ("/cases/staff/", "#f-q"),
    ("/staff/hotline/tickets/", "#q"),
    ("/staff/grid/households/", "#hh-q"),
    ("/staff/care/elders/", "#q"),
    ("/staff/people/", "#q"),
    ("/staff/licences/", "#q"),
]


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage())
        except Exception:  # a broken record is not what this test looks for
            self.lines.append(str(record.msg))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_searches_by_id_or_mobile_number_never_put_it_in_a_url(page, district):  # type: ignore[no-untyped-def]
    staff = staff_make(username="searcher", region=district.street_a, name="街道综合岗",
                       roles=[Role.WINDOW_CLERK, Role.GRID_WORKER, Role.HOTLINE_OPERATOR])
    person_make(name="赵建国", region=district.community_a1, id_number=ID_NUMBER, phone=MOBILE)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(f"{request.method} {request.url}"))
    records = _Records()
    root = logging.getLogger()
    root.addHandler(records)
    try:
        browser_login(page, staff.user.username)
        for path, box in SEARCHES:
            for number in (ID_NUMBER, MOBILE):
                page.goto(path)
                assert page.locator(box).count() == 1, path
                page.locator(box).fill(number)
                # Enter only schedules the submission (a key press does not wait for it): wait for
                # the search's answer, or the next page.goto cancels it before it is sent
                with page.expect_response(lambda r, path=path: r.request.method == "POST"
                                          and urlsplit(r.url).path == path):
                    page.locator(box).press("Enter")
                page.wait_for_load_state("networkidle")
                assert number not in page.url, (path, page.url)
    finally:
        root.removeHandler(records)
    posted = {urlsplit(line.split(" ", 1)[1]).path for line in requested if line.startswith("POST ")}
    assert {path for path, _ in SEARCHES} <= posted  # every search went in a POST body
    for line in requested:
        assert ID_NUMBER not in line and MOBILE not in line, line
    for line in records.lines:
        assert ID_NUMBER not in line and MOBILE not in line, line
