"""The enterprise journey on a phone (一企一张图): the agent applies for company registration,
sees the node in progress with its case number; the service officer leaves a note on the same
map; the department approves through the case workflow; the agent's map shows the node done
and the two licences it may now apply for in parallel, and opens one's guide."""

import re

import pytest

from conftest import browser_login
from onewindow.cases import services as case_services
from onewindow.cases.tests.factories import service_item_make
from onewindow.cases.tests.helpers import fill_missing, review_to_decision
from onewindow.lifecycle import services
from onewindow.lifecycle.models import MapNode, MapTemplate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def _no_sideways_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))


def test_the_enterprise_sees_its_map_advance_when_the_case_is_approved(page, world, agent, item_simple, item_b):
    page.set_default_timeout(60_000)  # the machine is shared: the first page warms the server up
    person, enterprise = agent
    register = service_item_make(department=world.dept_a, materials=1, name="企业设立登记", service_object="both",
                                 promised_limit_value=3, legal_limit_value=20)
    template = MapTemplate.objects.create(industry="catering", name="餐饮企业开办")
    MapNode.objects.create(template=template, key="register", stage="setup", name="企业设立登记", item=register,
                           order=1)
    MapNode.objects.create(template=template, key="food", stage="opening", name="食品经营许可", item=item_simple,
                           after=["register"], order=2)
    MapNode.objects.create(template=template, key="sign", stage="opening", name="户外招牌设置", item=item_b,
                           after=["register"], order=3)
    emap = services.map_assign(actor=world.leader_a.user, enterprise=enterprise, template=template,
                               officer=world.reviewer_a)
    case = case_services.case_draft_create(actor=person.user, item=register, enterprise=enterprise)
    fill_missing(case, person.user)
    case = case_services.case_submit(actor=person.user, case=case)
    case = case_services.case_prereview(actor=world.reviewer_a.user, case=case)
    case = case_services.case_accept(actor=world.reviewer_a.user, case=case)

    # the service officer sees the same map and leaves a note
    browser_login(page, "reviewer_a")
    page.goto(f"/lifecycle/{emap.public_id}/")
    assert page.locator('[data-node="register"]').get_attribute("data-state") == "in_progress"
    page.get_by_role("button", name="添加记录").click()
    page.get_by_text("请填写 2–1000 个字").first.wait_for()  # an empty note is refused on the field
    assert page.locator("#lc-text").get_attribute("aria-invalid") == "true"
    page.locator("#lc-text").fill("材料已收到，正在审查，预计三个工作日内办结")
    page.get_by_role("button", name="添加记录").click()
    page.get_by_text("材料已收到，正在审查").wait_for()
    page.context.clear_cookies()

    # the agent, on a phone, sees the registration in progress with its case number
    page.set_viewport_size(PHONE)
    browser_login(page, "agent")
    page.goto("/my/lifecycle/")
    page.wait_for_url(f"**/lifecycle/{emap.public_id}/")
    node = page.locator('[data-node="register"]')
    assert node.get_attribute("data-state") == "in_progress" and case.number in node.inner_text()
    assert page.get_by_test_id("lc-done").inner_text() == "0"
    assert page.get_by_test_id("lc-next").count() == 0
    assert "材料已收到，正在审查" in page.content()
    assert page.locator('[data-node="food"]').get_attribute("data-state") == "not_started"
    assert _no_sideways_scroll(page)

    # the department approves through the workflow
    case = review_to_decision(case, world.reviewer_a.user)
    case_services.case_decide(actor=world.reviewer_a.user, case=case, approve=True)

    page.reload()
    assert page.locator('[data-node="register"]').get_attribute("data-state") == "done"
    assert page.get_by_test_id("lc-done").inner_text() == "1"
    next_steps = page.get_by_test_id("lc-next")
    assert re.findall(r"食品经营许可|户外招牌设置", next_steps.inner_text()) == ["食品经营许可", "户外招牌设置"]
    for key in ("food", "sign"):
        assert page.locator(f'[data-node="{key}"]').get_attribute("data-state") == "available"
    assert _no_sideways_scroll(page)
    next_steps.get_by_role("link", name="食品经营许可").click()
    page.wait_for_url(f"**/guide/item/{item_simple.public_id}/")
    assert "食品经营许可" in page.locator("h1").inner_text()
