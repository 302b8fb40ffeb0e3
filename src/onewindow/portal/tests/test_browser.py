"""On a 360 px phone: the home fits, quick entries are large enough to tap, the large-text
switch applies, and a guide read online opens again offline (service worker)."""

import pytest

from conftest import wait_for_js

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_on_a_phone_and_a_guide_offline(page, world, item_a):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    heights = page.eval_on_selector_all("[data-testid=quick-entries] a", "els => els.map(e => e.offsetHeight)")
    assert len(heights) == 7 and min(heights) >= 44
    size = page.eval_on_selector("body", "e => parseFloat(getComputedStyle(e.querySelector('.portal-home')).fontSize)")
    assert size >= 18
    page.get_by_role("button", name="大字模式").click()
    wait_for_js(page, "document.documentElement.classList.contains('text-large')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    wait_for_js(page, "navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready"
                           ".then(() => true)")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    wait_for_js(page, "navigator.serviceWorker.controller !== null")
    guide = f"/guide/item/{item_a.public_id}/"
    page.goto(guide)
    page.get_by_role("heading", name="个体工商户名称变更").first.wait_for()
    # the worker stores the copy after answering: wait until it is in the guides' cache
    wait_for_js(page, f"caches.open('ow-guides-1').then(c => c.match('{guide}')).then(r => !!r)")
    page.context.set_offline(True)
    page.goto(guide)
    page.get_by_role("heading", name="个体工商户名称变更").first.wait_for()
    page.goto("/my/")
    page.get_by_text("离线").first.wait_for()
    page.context.set_offline(False)
