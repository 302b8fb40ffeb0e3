"""Browser: a material uploaded through htmx and then opened shows without CSP violations
(the ``page`` fixture fails the test on any)."""

from __future__ import annotations

import pytest

from conftest import browser_login, wait_for_js
from onewindow.cases.models import Case

from .helpers import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_uploaded_photo_opens_without_csp_errors(page, world, citizen, item_a):
    browser_login(page, "citizen")
    page.goto(f"/cases/apply/{item_a.public_id}/")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    case = Case.objects.get(applicant_person=citizen)
    material = case.materials.order_by("order")[1]
    row = page.locator(f"#m-{material.public_id}")
    row.locator("input[type=file]").set_input_files(
        {"name": "门头照片.png", "mimeType": "image/png", "buffer": png_bytes((40, 30))})
    row.locator("button[type=submit]").click()
    page.locator(f"#m-{material.public_id} .badge-ok").wait_for()
    link = page.locator(f"#m-{material.public_id} a").first.get_attribute("href")
    response = page.goto(link)
    assert response is not None and response.headers["content-type"] == "image/png"
    # the image document is drawn after the load (a CSP violation would show by then)
    wait_for_js(page, "document.images.length === 1 && document.images[0].complete"
                      " && document.images[0].naturalWidth === 40")
    assert not [e for e in page.console_errors if "Content Security Policy" in e]
