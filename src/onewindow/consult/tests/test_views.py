"""Consultation pages: asking from an item's guide, the conversation for citizen and clerk,
errors in place, the inbox and figures for staff only, FAQ entries on the guide."""

import pytest
from django.utils import timezone

from onewindow.consult import services
from onewindow.consult.models import Consultation
from onewindow.consult.tests.conftest import MONDAY_10, at

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _monday(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: MONDAY_10)


def test_ask_from_the_guide_and_talk(client, world, citizen, item_a):
    guide = client.get(f"/guide/item/{item_a.public_id}/").content.decode()
    assert f"/consult/?item={item_a.public_id}" in guide and "在线咨询" in guide
    client.force_login(citizen.user)
    form = client.get(f"/consult/?item={item_a.public_id}").content.decode()
    assert "个体工商户名称变更" in form and "您的问题" in form
    bad = client.post("/consult/", {"item": str(item_a.public_id), "text": "x"})
    assert bad.status_code == 400 and 'aria-describedby="text-error"' in bad.content.decode()
    assert not Consultation.objects.exists()
    response = client.post("/consult/", {"item": str(item_a.public_id), "text": "请问需要本人到场吗？"})
    x = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/consult/{x.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "请问需要本人到场吗？" in page and "data-push-token" in page and "待回复" in page
    client.force_login(world.reviewer_a.user)
    assert "请问需要本人到场吗？" in client.get("/staff/consult/").content.decode()
    client.post(f"/consult/{x.public_id}/send/", {"text": "不需要，可在线办理。"})
    client.post(f"/consult/{x.public_id}/tool/guide/")
    x.refresh_from_db()
    assert x.status == "answered" and x.messages.count() == 3
    client.force_login(world.reviewer_b.user)
    assert client.get(f"/consult/{x.public_id}/").status_code == 404
    assert client.get("/staff/consult/figures/").status_code == 404
    client.force_login(world.leader_a.user)
    assert "市场监督管理局" in client.get("/staff/consult/figures/").content.decode()


def test_approved_faq_shows_on_the_guide(client, world, citizen, item_a):
    x = services.consultation_open(actor=citizen.user, text="营业执照丢了怎么办？", item=item_a, now=MONDAY_10)
    services.message_send(actor=world.reviewer_a.user, consultation=x, text="可申请补领。", now=at(7, 10, 3))
    faq = services.faq_propose(actor=world.reviewer_a.user, consultation=x, question="营业执照遗失怎么补领？",
                               answer="登报声明后在线申请补领。")
    assert "营业执照遗失怎么补领？" not in client.get(f"/guide/item/{item_a.public_id}/").content.decode()
    client.force_login(world.reviewer_a2.user)
    client.post(f"/staff/consult/faq/{faq.public_id}/approve/")
    client.logout()
    assert "营业执照遗失怎么补领？" in client.get(f"/guide/item/{item_a.public_id}/").content.decode()
