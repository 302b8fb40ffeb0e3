"""Browser journeys of the hotline: a call from entry to rating, and a return and redispatch."""

import pytest
from playwright.sync_api import expect

from conftest import browser_login, wait_for_js
from onewindow.tickets import services
from onewindow.tickets.constants import Status
from onewindow.tickets.models import Ticket, TicketReturn
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(page, username: str) -> None:
    page.context.clear_cookies()
    browser_login(page, username)


def test_a_call_from_entry_through_dispatch_reply_callback_and_rating(page, hotline):
    sign_in_as(page, "operator")
    page.goto("/staff/hotline/call/")
    # keyboard first: the caller's number has the focus (autofocus applies at a rendering step,
    # which a loaded machine may reach after the load event)
    wait_for_js(page, "document.activeElement && document.activeElement.id === 'requester_phone'")
    page.keyboard.type("13812345678")
    page.keyboard.press("Tab")
    page.keyboard.type("王秀英")
    page.keyboard.press("Alt+2")  # 求助
    assert page.locator('input[name="kind"][value="help"]').is_checked()
    page.locator("#text").click()
    page.keyboard.type("拓东路12号小区从今天早上开始停水，至今没有来水，老人做饭都成问题。")
    # the classification suggestion appears while typing (a slow machine may first show the
    # suggestion for the words typed so far: wait for the one of the whole text)
    expect(page.get_by_test_id("suggested-category")).to_contain_text("自来水供应", timeout=15_000)
    expect(page.get_by_test_id("suggested-department")).to_have_text("区水务局", timeout=15_000)
    page.locator("#address").fill("拓东路12号")
    page.locator("details.coords summary").click()
    page.locator("#lng").fill("102.71")
    page.locator("#lat").fill("25.01")
    page.locator("#text").focus()
    page.keyboard.press("Control+Enter")
    page.get_by_test_id("done-number").wait_for()
    number = page.get_by_test_id("done-number").inner_text()
    assert page.get_by_test_id("done-department").inner_text() == "区水务局"
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.DISPATCHED and ticket.channel == "hotline"
    assert ticket.region.name == "拓东社区第1网格"

    # the water bureau accepts and replies from its inbox
    sign_in_as(page, "water")
    page.goto("/staff/hotline/inbox/")
    page.get_by_role("link", name=number).click()
    assert "王*英" in page.get_by_test_id("ticket-requester").inner_text()
    page.get_by_test_id("accept").click()
    page.locator("#reply-text").wait_for()
    page.locator("#reply-text").fill("经排查为主管道爆裂，已抢修完毕，下午三点恢复供水。")
    page.get_by_test_id("reply").click()
    page.get_by_test_id("ticket-reply").wait_for()
    assert page.get_by_test_id("ticket-status").get_attribute("data-status") == "replied"

    # the hotline calls back: satisfied, solved
    sign_in_as(page, "operator")
    page.goto("/staff/hotline/callbacks/")
    card = page.get_by_test_id(f"callback-{number}")
    card.locator('input[name="satisfaction"][value="satisfied"]').check()
    card.locator('input[name="solved"][value="1"]').check()
    card.get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.satisfaction, ticket.solved) == (Status.CLOSED, "satisfied", True)
    page.goto(f"/staff/hotline/tickets/{ticket.public_id}/")
    steps = page.get_by_test_id("timeline").locator("li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert steps == ["receive", "classify", "dispatch", "accept", "reply", "callback", "close"]
    assert page.get_by_test_id("ticket-status").get_attribute("data-status") == "closed"


def test_return_and_redispatch(page, hotline):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(
        text="拓东社区居民楼下的化粪池满溢，污水流到路面。", title="化粪池满溢", lng=102.71, lat=25.01))
    # the stand-in classifier is unsure about this one: it waits in the dispatcher's queue
    assert ticket.status == Status.TRIAGE
    sign_in_as(page, "operator")
    page.goto("/staff/hotline/triage/")
    card = page.get_by_test_id(f"triage-{ticket.number}")
    card.locator("select[name=department]").select_option("WATER")
    card.get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.department == hotline.water

    # the water bureau says it is the street's job and returns it with a reason
    sign_in_as(page, "water")
    page.goto(f"/staff/hotline/tickets/{ticket.public_id}/")
    page.locator("#return-reason").fill("化粪池属小区物业及街道管理，非市政供水管网")
    page.get_by_test_id("return").click()
    page.wait_for_load_state("networkidle")
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURNED and ticket.department is None
    assert TicketReturn.objects.get(ticket=ticket).dispatched_by == hotline.operator.user

    # back in the dispatcher's queue, with the reason; redispatched to the street office
    sign_in_as(page, "operator")
    page.goto("/staff/hotline/triage/")
    card = page.get_by_test_id(f"triage-{ticket.number}")
    assert "化粪池属小区物业" in card.inner_text()
    card.locator("select[name=department]").select_option("OFFICE-A")
    card.get_by_role("button").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("triage-empty").is_visible()
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED and ticket.department == hotline.office_a

    # the street office finds it in its inbox and accepts it
    sign_in_as(page, "office_a")
    page.goto("/staff/hotline/inbox/")
    page.get_by_role("link", name=ticket.number).click()
    page.get_by_test_id("accept").click()
    page.wait_for_load_state("networkidle")
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED and ticket.return_count == 1
    steps = page.get_by_test_id("timeline").locator("li").evaluate_all("els => els.map(e => e.dataset.action)")
    assert steps[-4:] == ["dispatch", "return", "dispatch", "accept"]


def test_citizen_web_form_and_tracking(page, hotline):
    page.goto("/hotline/new/")
    page.locator('input[name="kind"][value="complaint"]').check()
    page.locator("#pub-text").fill("鼓楼公园每天晚上广场舞音响噪音太大，影响休息。")
    page.locator("#pub-phone").fill("13900001111")
    page.get_by_role("button").last.click()
    number = page.get_by_test_id("public-number").inner_text()
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == "web" and ticket.department == hotline.env
    page.goto(f"/hotline/track/?number={number}")
    page.locator("#tr-phone").fill("13900001111")
    page.locator("form.filters button[type=submit]").click()
    assert "13900001111" not in page.url
    assert "区生态环境分局" in page.get_by_test_id("track-result").inner_text()
