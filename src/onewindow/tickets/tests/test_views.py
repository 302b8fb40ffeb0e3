"""Hotline pages: who may open what, and that each form calls its service."""

import pytest
from django.urls import reverse

from onewindow.tickets import services
from onewindow.tickets.constants import Status
from onewindow.tickets.models import Ticket
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db

CALL = {"requester_phone": "13812345678", "requester_name": "王秀英", "kind": "help",
        "text": "拓东路12号小区从今天早上开始停水，至今没有来水。", "address": "拓东路12号",
        "lng": "102.71", "lat": "25.01"}


def login(client, staff):
    client.force_login(staff.user)
    return client


def test_pages_by_role(client, hotline):
    pages = ["home", "call", "triage", "callbacks", "kb", "inbox", "supervise", "list"]
    allowed = {
        hotline.operator: {"home", "call", "triage", "callbacks", "kb", "list"},
        hotline.water_staff: {"home", "inbox", "list"},
        hotline.supervisor: {"home", "triage", "callbacks", "kb", "supervise", "list"},
    }
    for staff, ok in allowed.items():
        login(client, staff)
        for name in pages:
            status = client.get(reverse(f"tickets:{name}")).status_code
            assert status == (200 if name in ok else 404), (staff, name, status)
    client.logout()
    assert client.get(reverse("tickets:home")).status_code == 302  # to the sign-in page


def test_operator_registers_a_call_from_the_form(client, hotline):
    login(client, hotline.operator)
    page = client.get(reverse("tickets:call")).content.decode()
    assert 'id="requester_phone"' in page and "autofocus" in page and "data-keyboard-form" in page
    response = client.post(reverse("tickets:call"), CALL)
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("tickets:call_done",
                                                                            args=[ticket.public_id])
    assert ticket.channel == "hotline" and ticket.department == hotline.water
    done = client.get(response["Location"]).content.decode()
    assert ticket.number in done and "区水务局" in done


def test_call_form_errors_keep_what_was_typed(client, hotline):
    login(client, hotline.operator)
    response = client.post(reverse("tickets:call"), {**CALL, "text": "停水"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "诉求内容过短" in page and 'value="13812345678"' in page
    assert not Ticket.objects.exists()


def test_live_suggestion_and_kb_answers(client, hotline):
    login(client, hotline.operator)
    fragment = client.post(reverse("tickets:call_suggest"), {"text": "家里停水了一天", "kind": "help"}).content.decode()
    assert "自来水供应" in fragment and "区水务局" in fragment and 'data-set-category="0101002"' in fragment
    services.kb_article_save(actor=hotline.operator.user, title="居住证办理材料", keywords="居住证",
                             answer="携带身份证和租房合同到社区警务室办理。")
    fragment = client.post(reverse("tickets:call_suggest"),
                           {"text": "办居住证需要什么材料", "kind": "consult"}).content.decode()
    assert "携带身份证" in fragment and 'name="answer"' in fragment
    article = fragment.split('name="article" value="')[1].split('"')[0]
    response = client.post(reverse("tickets:call"), {**CALL, "kind": "consult", "text": "办居住证需要什么材料？",
                                                     "answer": "1", "article": article})
    assert response.status_code == 302
    assert Ticket.objects.get().status == Status.CLOSED
    login(client, hotline.water_staff)
    assert client.post(reverse("tickets:call_suggest"), {"text": "停水"}).status_code == 404


def test_caller_history(client, hotline):
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    login(client, hotline.operator)
    fragment = client.post(reverse("tickets:caller_history"), {"requester_phone": "138 1234 5678"}).content.decode()
    assert "小区停水" in fragment
    assert "小区停水" not in client.post(reverse("tickets:caller_history"), {"requester_phone": "139"}).content.decode()
    # the number never travels in a URL: GET is not answered
    assert client.get(reverse("tickets:caller_history"), {"requester_phone": "13812345678"}).status_code == 405
    call_page = client.get(reverse("tickets:call")).content.decode()
    assert 'hx-post="/staff/hotline/call/history/"' in call_page
    assert 'hx-get="/staff/hotline/call/history/' not in call_page


def test_department_accepts_and_replies_on_the_detail_page(client, hotline):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    url = reverse("tickets:detail", args=[ticket.public_id])
    login(client, hotline.water_staff)
    page = client.get(url).content.decode()
    assert 'data-testid="accept"' in page and 'data-testid="reply"' not in page
    assert "王*英" in page and "13812345678" not in page
    response = client.post(reverse("tickets:action", args=[ticket.public_id, "accept"]))
    assert response.status_code == 302 and response["Location"] == url
    bad = client.post(reverse("tickets:action", args=[ticket.public_id, "reply"]), {"text": "好"})
    assert bad.status_code == 400 and "答复内容过短" in bad.content.decode()
    client.post(reverse("tickets:action", args=[ticket.public_id, "reply"]), {"text": "已抢修完毕，恢复供水。"})
    ticket.refresh_from_db()
    assert ticket.status == Status.REPLIED
    page = client.get(url).content.decode()
    assert 'data-action="reply"' in page and "已抢修完毕" in page
    # another department gets a 404 for the page and for every action
    login(client, hotline.env_staff)
    assert client.get(url).status_code == 404
    assert client.post(reverse("tickets:action", args=[ticket.public_id, "accept"])).status_code == 404
    login(client, hotline.water_staff)
    assert client.post(reverse("tickets:action", args=[ticket.public_id, "nonsense"])).status_code == 404


def test_dispatch_from_the_queue_and_callback(client, hotline):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(
        text="网购的衣服质量差，商家拒绝退货。"))
    login(client, hotline.operator)
    queue = client.get(reverse("tickets:triage")).content.decode()
    assert ticket.number in queue
    response = client.post(reverse("tickets:action", args=[ticket.public_id, "dispatch"]),
                           {"department": "ENV", "next": reverse("tickets:triage")})
    assert response["Location"] == reverse("tickets:triage")
    ticket.refresh_from_db()
    assert ticket.department == hotline.env and ticket.dispatched_by == hotline.operator.user
    services.ticket_accept(actor=hotline.env_staff.user, ticket=ticket)
    services.ticket_reply(actor=hotline.env_staff.user, ticket=ticket, text="已协调商家退货退款。")
    assert ticket.number in client.get(reverse("tickets:callbacks")).content.decode()
    client.post(reverse("tickets:action", args=[ticket.public_id, "callback"]),
                {"satisfaction": "satisfied", "solved": "1"})
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.solved


def test_supervisor_pages_reopen_and_extension(client, hotline):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    services.ticket_accept(actor=hotline.water_staff.user, ticket=ticket)
    ext = services.extension_request_create(actor=hotline.water_staff.user, ticket=ticket, reason="需更换管道",
                                            amount=2)
    login(client, hotline.supervisor)
    page = client.get(reverse("tickets:supervise")).content.decode()
    assert f'data-testid="extension-{ticket.number}"' in page
    client.post(reverse("tickets:action", args=[ticket.public_id, "extension_decide"]),
                {"extension": str(ext.public_id), "approve": "1"})
    ext.refresh_from_db()
    assert ext.status == "approved"
    bad = client.post(reverse("tickets:action", args=[ticket.public_id, "extension_decide"]),
                      {"extension": "garbage", "approve": "1"})
    assert bad.status_code == 400
    client.post(reverse("tickets:action", args=[ticket.public_id, "supervise"]),
                {"reason": "群众多次来电催办", "due_date": "2099-01-01"})
    assert ticket.orders.get().due_at.year == 2099


def test_requester_reveal_is_audited_on_the_page(client, hotline):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    login(client, hotline.operator)
    page = client.post(reverse("tickets:action", args=[ticket.public_id, "reveal"]), {"reason": "回访"})
    assert "13812345678" in page.content.decode()
    from onewindow.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="ticket.requester_reveal").count() == 1


def test_ticket_list_filters(client, hotline):
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(text="网购的衣服质量差，商家拒绝退货。"))
    login(client, hotline.supervisor)
    page = client.get(reverse("tickets:list"), {"status": "triage"}).content.decode()
    assert "网购的衣服" in page and "小区停水" not in page
    fragment = client.get(reverse("tickets:list"), {"q": "12345-"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "网购的衣服" in fragment


def test_ticket_search_by_requester_phone_posts_and_never_puts_it_in_a_url(client, hotline):
    """Issue 9: staff find a requester's tickets by the full number, in the POST body only."""
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(
        text="网购的衣服质量差，商家拒绝退货。", requester_phone="13900001111"))
    login(client, hotline.supervisor)
    page = client.get(reverse("tickets:list")).content.decode()
    assert 'id="ticket-filters" method="post"' in page and "hx-get" not in page and "hx-push-url" not in page
    for typed in ("13900001111", "139-0000-1111"):
        found = client.post(reverse("tickets:list"), {"q": typed}, HTTP_HX_REQUEST="true").content.decode()
        assert "网购的衣服" in found and "小区停水" not in found, typed
        assert "13900001111" not in found
    refused = client.get(reverse("tickets:list"), {"q": "13900001111"})
    assert refused.status_code == 400 and "personal_lookup_in_url" in refused.content.decode()
    assert "网购的衣服" not in refused.content.decode()
    # a number nobody called from finds nothing; words still search titles and addresses
    assert "网购的衣服" not in client.post(reverse("tickets:list"), {"q": "13700009999"}).content.decode()
    assert "小区停水" in client.post(reverse("tickets:list"), {"q": "拓东路"}).content.decode()


def test_public_form_and_tracking(client, hotline):
    response = client.post(reverse("tickets:public_new"), {"kind": "complaint", "text": "鼓楼公园广场舞音响噪音太大。",
                                                           "requester_phone": "13900001111"})
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.channel == "web" and ticket.number in response.content.decode()
    assert ticket.requester_user is None
    missing_phone = client.post(reverse("tickets:public_new"), {"kind": "help", "text": "路灯坏了好几天了。"})
    assert missing_phone.status_code == 400
    found = client.post(reverse("tickets:public_track"), {"number": ticket.number, "phone": "13900001111"})
    assert 'data-testid="track-result"' in found.content.decode()
    wrong = client.post(reverse("tickets:public_track"), {"number": ticket.number, "phone": "13900002222"})
    assert 'data-testid="track-result"' not in wrong.content.decode()
    # a phone number in the URL is not used: the form posts it
    by_url = client.get(reverse("tickets:public_track"), {"number": ticket.number, "phone": "13900001111"})
    html = by_url.content.decode()
    assert 'data-testid="track-result"' not in html and f'value="{ticket.number}"' in html
    assert '<form method="post"' in html
