"""On a phone, over the ASGI server: a citizen asks about an item, the responsible clerk (on
duty) sees it arrive in the inbox and answers, and the answer appears on the citizen's page
without a reload — and the citizen's reply appears on the clerk's page the same way. Nothing
reloads under a typing person: not an answer, not the clerk ending the conversation, and the
inbox refreshes its table in place."""

import pytest

from conftest import browser_login, wait_for_js
from onewindow.consult import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}


def test_a_citizen_asks_and_the_clerk_answers_live(asgi_context, world, citizen, item_a,
                                                   monkeypatch):
    monkeypatch.setattr(services, "in_service_hours", lambda at: True)
    monkeypatch.setattr(services, "first_answer_due", lambda start: start)
    services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=True)
    clerk = asgi_context()
    browser_login(clerk, "reviewer_a")
    clerk.goto("/staff/consult/")
    wait_for_js(clerk, "document.documentElement.getAttribute('data-push') === 'on'")
    clerk.evaluate("window.__samePage = true")

    phone = asgi_context(viewport=PHONE)
    browser_login(phone, "citizen")
    phone.goto(f"/consult/?item={item_a.public_id}")
    phone.get_by_label("您的问题").fill("请问个体工商户名称变更需要本人到场吗？")
    phone.get_by_test_id("consult-ask").click()
    phone.wait_for_url("**/consult/*/")
    wait_for_js(phone, "document.documentElement.getAttribute('data-push') === 'on'")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # the inbox learns of it by push and shows it, in place
    question = clerk.get_by_test_id("consult-inbox").get_by_role("link", name="请问个体工商户名称变更需要本人到场吗？")
    question.wait_for()
    assert clerk.evaluate("window.__samePage === true")
    question.click()
    wait_for_js(clerk, "document.documentElement.getAttribute('data-push') === 'on'")
    # the citizen starts typing before the answer arrives: the answer must not reload the page
    # (a reload threw the half-typed reply away and sent an empty one)
    phone.evaluate("window.__samePage = true")
    phone.get_by_label("消息").fill("好的，")
    assert not phone.get_by_test_id("consult-rate").is_visible()
    clerk.get_by_label("消息").fill("不需要本人到场，可以在线办理。")
    clerk.get_by_test_id("consult-send").click()

    phone.get_by_test_id("consult-messages").get_by_text("不需要本人到场，可以在线办理。").wait_for()
    wait_for_js(phone, "document.querySelector('[data-testid=consult-status]').textContent === '已回复'")
    phone.get_by_test_id("consult-rate").wait_for()
    assert phone.evaluate("window.__samePage === true")
    assert phone.get_by_label("消息").input_value() == "好的，"
    phone.get_by_label("消息").fill("好的，谢谢！")
    phone.get_by_test_id("consult-send").click()
    clerk.get_by_test_id("consult-messages").get_by_text("好的，谢谢！").wait_for()
    assert phone.get_by_test_id("consult-status").inner_text() == "已回复"

    # the clerk ends it while the citizen types more: the citizen keeps the page and the text
    phone.get_by_label("消息").fill("还有一个问题")
    clerk.get_by_role("button", name="结束咨询").click()
    wait_for_js(phone, "document.querySelector('[data-consult-chat]').dataset.status === 'closed'")
    assert phone.evaluate("window.__samePage === true")
    assert phone.get_by_test_id("consult-status").inner_text() == "已结束"
    assert phone.get_by_label("消息").input_value() == "还有一个问题"
    assert phone.get_by_label("消息").evaluate("box => box.readOnly")
    assert phone.get_by_test_id("consult-send").is_disabled()
    assert not phone.get_by_role("button", name="结束咨询").is_visible()
    phone.get_by_test_id("consult-messages").get_by_text("咨询已结束。").wait_for()
    phone.get_by_test_id("consult-rate").click()
    phone.get_by_text("评价：5 / 5").wait_for()
