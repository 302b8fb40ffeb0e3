"""The audit page reads as Chinese: a label per action, a one-line summary, readable details
folded away (是/否, names instead of codes), the raw code only inside the fold."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from onewindow.core.audit import audit_record
from onewindow.core.audit_labels import audit_action_label, audit_describe, value_text
from onewindow.tickets import services
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db


def visible(html: str) -> str:
    """The text a person sees: no folded details, no markup."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<details.*?</details>", "", html, flags=re.S))


def test_values_read_as_words():
    assert value_text(True) == "是" and value_text(False) == "否" and value_text(None) == "—"
    assert value_text(["营业执照", "身份证"]) == "营业执照、身份证"
    assert value_text({"label": "城乡建设", "confidence": 0.91}) == "分类：城乡建设；置信度：0.91"


def test_every_app_registers_its_actions():
    assert audit_action_label("case.draft_save") == "保存申请草稿"
    assert audit_action_label("case.submit") == "提交申请"
    assert audit_action_label("ticket.create") == "登记工单"
    assert audit_action_label("licence.issue") == "签发电子证照"
    assert audit_action_label("person.unmask") == "查看居民完整证件号或电话"
    assert audit_action_label("region.place") == "更新地名地址库"
    assert audit_action_label("case.something_new") == "办件操作"  # an app's label for the rest


def test_case_steps_read_with_status_labels():
    text = audit_describe("case.accept", {"number": "5301032026110900002", "from": "submitted",
                                          "to": "accepted", "role": "window_clerk", "provisional": False}).text
    assert text == "办件 5301032026110900002：已提交（待预审/受理） → 已受理"
    details = dict(audit_describe("case.accept", {"provisional": False, "role": "window_clerk"}).details)
    assert details == {"期限为暂定": "否", "角色": "窗口受理人员"}


def test_the_audit_page_shows_labels_and_summaries(client, hotline, supervisor):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs())
    services.ticket_accept(actor=hotline.water_staff.user, ticket=ticket)
    audit_record(actor=None, action="case.draft_save", object_type="cases.case",
                 summary={"item": "X-1", "version": 1, "channel": "online", "created": True})
    client.force_login(supervisor.user)
    html = client.get(reverse("supervision:audit")).content.decode()
    shown = visible(html)
    assert "保存申请草稿" in shown and "新建草稿（网上申请）" in shown
    assert f"工单 {ticket.number}：签收（区水务局）" in shown
    assert f"工单 {ticket.number}，12345 热线求助，派至区水务局" in shown
    # no codes, dicts or True/False outside the fold; they are inside it, readable
    assert "case.draft_save" not in shown and "{'" not in shown and "True" not in shown
    assert "<code>case.draft_save</code>" in html and "<dd>是</dd>" in html
    filtered = visible(client.get(reverse("supervision:audit"), {"action": "ticket.create"}).content.decode())
    assert "登记工单" in filtered and "新建草稿" not in filtered
