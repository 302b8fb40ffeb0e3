"""The public 12345 form and the operator's call form: phone numbers by the Chinese rules, the
text limit said once on the field, error codes and request ids only inside the details fold."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from onewindow.tickets.constants import MAX_TEXT
from onewindow.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PUBLIC = {"kind": "complaint", "text": "小区门口的垃圾桶满了三天没人清运，气味很大。", "requester_phone": "13900001111"}


def visible(html: str) -> str:
    """The page without the folded technical details."""
    return re.sub(r"<details class=\"error-details\">.*?</details>", "", html, flags=re.S)


@pytest.mark.parametrize(("phone", "message"), [
    ("12345", "12345 是热线号码"),
    ("63123456", "固定电话请加区号"),
    ("1381234567", "手机号码应为 11 位数字"),
])
def test_public_form_refuses_numbers_nobody_can_call_back(client, hotline, phone, message):
    response = client.post(reverse("tickets:public_new"), {**PUBLIC, "requester_phone": phone})
    assert response.status_code == 400
    html = response.content.decode()
    assert not Ticket.objects.exists()
    assert visible(html).count(message) == 1
    field = re.search(r'<input type="tel" id="pub-phone"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field and 'aria-describedby="requester_phone-error pub-phone-hint"' in field
    assert f'value="{phone}"' in field  # what was typed stays


@pytest.mark.parametrize("phone", ["0871-63123456", "(0871) 6312 3456", "+86 139 0000 1111"])
def test_public_form_takes_mobiles_and_landlines_with_area_codes(client, hotline, phone):
    response = client.post(reverse("tickets:public_new"), {**PUBLIC, "requester_phone": phone})
    assert response.status_code == 200
    assert Ticket.objects.get().requester_phone in ("0871-63123456", "13900001111")


def test_text_over_the_limit_is_said_once_on_the_field_with_the_count(client, hotline):
    text = "垃圾没人清运。" * 750  # 5,250 characters
    response = client.post(reverse("tickets:public_new"), {**PUBLIC, "text": text})
    assert response.status_code == 400
    html = response.content.decode()
    shown = visible(html)
    message = f"诉求内容最多 {MAX_TEXT} 字，现有 {len(text)} 字，请删减 {len(text) - MAX_TEXT} 字"
    assert shown.count(message) == 1
    assert 'id="text-error"' in shown and "提交的内容有误，请检查标出的项目" in shown
    # the code and the request id are there for support staff, folded away
    assert "text_too_long" not in shown and response["X-Request-ID"] not in shown
    assert "<code>text_too_long</code>" in html
    # the field counts down (data for static/js/onewindow.js) and keeps the text
    assert f'data-maxlength="{MAX_TEXT}"' in html and 'data-count="pub-text-count"' in html
    assert text in html


def test_every_field_problem_is_marked_at_once(client, hotline):
    response = client.post(reverse("tickets:public_new"),
                           {"kind": "complaint", "text": "垃圾", "requester_phone": "12345"})
    html = visible(response.content.decode())
    assert "诉求内容过短" in html and "12345 是热线号码" in html
    assert html.count('aria-invalid="true"') == 2


def test_a_line_break_counts_as_one_character(client, hotline):
    text = ("垃" * 2499 + "\r\n") * 2  # 5,002 characters as sent, 5,000 as the page counts them
    assert client.post(reverse("tickets:public_new"), {**PUBLIC, "text": text.strip() + "圾"}).status_code == 200


def test_operator_form_checks_the_callers_number(client, hotline):
    client.force_login(hotline.operator.user)
    response = client.post(reverse("tickets:call"), {"requester_phone": "12345", "kind": "help",
                                                     "text": "拓东路12号小区从今天早上开始停水。"})
    assert response.status_code == 400
    html = visible(response.content.decode())
    assert html.count("12345 是热线号码") == 1 and "phone_service_number" not in html
    assert not Ticket.objects.exists()
    ok = client.post(reverse("tickets:call"), {"requester_phone": "0871 6312 3456", "kind": "help",
                                               "text": "拓东路12号小区从今天早上开始停水。"})
    assert ok.status_code == 302 and Ticket.objects.get().requester_phone == "0871-63123456"
