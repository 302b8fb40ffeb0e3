"""What operators see of the classifier: the full category path, the confidence in words, the
department the rules give at the place typed; a top-level label refined by keywords."""

from __future__ import annotations

import re
import types

import pytest
from django.urls import reverse

from onewindow.tickets import rules, services
from onewindow.tickets.constants import Status
from onewindow.tickets.tests.factories import FakeSuggestion, install_fake_classifier, intake_kwargs

pytestmark = pytest.mark.django_db

GARBAGE = "小区门口的垃圾桶满了三天没人清运，苍蝇很多，气味很大。"


def top_level_only(text: str) -> FakeSuggestion:
    """A model trained on the top level only (like the demo's): "城乡建设"."""
    return FakeSuggestion("城乡建设", 0.97, model_version="20261207T062410Z-cd784e3dc35c",
                          alternatives=[("环境保护", 0.01)])


def visible(html: str) -> str:
    return re.sub(r"<details.*?</details>", "", html, flags=re.S)


# --- Pure rules -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("confidence", "level"), [(None, "low"), (0.3, "low"), (0.59, "low"), (0.6, "medium"),
                                                   (0.79, "medium"), (0.8, "high"), (0.99, "high")])
def test_confidence_in_words(confidence, level):
    assert rules.confidence_level(confidence, 0.6) == level


def test_keywords_refine_a_top_level_category():
    table = [rules.KeywordCategory("/01/0101/0101001/", ("垃圾", "清运", "环卫")),
             rules.KeywordCategory("/01/0101/0101005/", ("物业", "电梯")),
             rules.KeywordCategory("/02/0201/0201001/", ("噪音",))]
    assert rules.category_refine(path="/01/", text=GARBAGE, candidates=table) == ("/01/0101/0101001/", "垃圾")
    # keywords of another branch do not count; a tie refines nothing; nothing found, nothing
    assert rules.category_refine(path="/02/", text=GARBAGE, candidates=table) is None
    assert rules.category_refine(path="/01/", text="物业不清运垃圾", candidates=[
        rules.KeywordCategory("/01/0101/0101001/", ("垃圾",)),
        rules.KeywordCategory("/01/0101/0101005/", ("物业",))]) is None
    assert rules.category_refine(path="/01/", text="路灯不亮", candidates=table) is None


# --- Intake and the live suggestion -------------------------------------------------------------
def test_a_top_level_label_is_refined_and_dispatched_to_the_street(monkeypatch, hotline, district):
    install_fake_classifier(monkeypatch, top_level_only)
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(text=GARBAGE))
    assert ticket.classifier_label == "城乡建设"
    assert ticket.category.full_name == "城乡建设 / 城市建设和市政管理 / 环境卫生"
    assert ticket.status == Status.DISPATCHED and ticket.department == hotline.office_a
    note = ticket.events.get(action="classify").note
    assert note == "智能分类：城乡建设 / 城市建设和市政管理 / 环境卫生（把握高，97%，按关键词“垃圾桶”细化）"


def test_the_suggestion_box_shows_the_path_the_confidence_in_words_and_the_street(
        client, monkeypatch, hotline, district):
    install_fake_classifier(monkeypatch, top_level_only)
    client.force_login(hotline.operator.user)
    html = client.post(reverse("tickets:call_suggest"), {
        "text": GARBAGE, "kind": "complaint", "lng": "102.71", "lat": "25.01"}).content.decode()
    shown = visible(html)
    assert "城乡建设 / 城市建设和市政管理 / 环境卫生" in shown
    assert re.search(r'data-testid="confidence"[^>]*>高<', shown)
    assert "拓东街道办事处" in shown  # the street of the point typed so far
    assert "cd784e3dc35c" not in shown and "暂无推荐" not in shown
    # across the street boundary the other street office would take it
    other = client.post(reverse("tickets:call_suggest"), {
        "text": GARBAGE, "kind": "complaint", "lng": "102.78", "lat": "25.01"}).content.decode()
    assert "鼓楼街道办事处" in other


def test_the_suggestion_box_says_why_it_has_nothing(client, monkeypatch, hotline):
    client.force_login(hotline.operator.user)
    short = client.post(reverse("tickets:call_suggest"), {"text": "垃圾", "kind": "complaint"}).content.decode()
    assert "请继续输入诉求内容" in short

    class Unavailable(Exception):
        pass

    def no_model(text):
        raise Unavailable("no model")

    module = types.ModuleType("onewindow.tickets.classifier")
    module.classify = no_model
    module.current_version = lambda: None
    module.ClassifierUnavailable = Unavailable
    install_fake_classifier(monkeypatch, no_model)
    import sys

    monkeypatch.setitem(sys.modules, "onewindow.tickets.classifier", module)
    monkeypatch.setattr(__import__("onewindow.tickets", fromlist=["x"]), "classifier", module, raising=False)
    none = client.post(reverse("tickets:call_suggest"), {"text": GARBAGE, "kind": "complaint"}).content.decode()
    assert "暂无训练好的分类模型" in none


def test_the_classify_api_reports_path_level_and_department(client, monkeypatch, hotline, district):
    install_fake_classifier(monkeypatch, top_level_only)
    client.force_login(hotline.operator.user)
    body = client.post("/api/v1/tickets/classify", {"text": GARBAGE, "lng": 102.78, "lat": 25.01},
                       content_type="application/json").json()
    assert body["state"] == "ok" and body["confidence_level"] == "high" and body["confidence_label"] == "高"
    assert body["category"]["full_name"] == "城乡建设 / 城市建设和市政管理 / 环境卫生"
    assert body["predicted"]["name"] == "城乡建设" and body["keyword"] == "垃圾桶"
    assert body["department"]["name"] == "鼓楼街道办事处"


def test_the_ticket_page_shows_the_path_and_confidence_not_the_model_id(client, monkeypatch, hotline):
    install_fake_classifier(monkeypatch, top_level_only)
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(text=GARBAGE))
    client.force_login(hotline.operator.user)
    html = client.get(reverse("tickets:detail", args=[ticket.public_id])).content.decode()
    row = re.search(r'data-testid="ticket-classifier">(.*?)</dd>', html, flags=re.S).group(1)
    assert "城乡建设" in row and ">高<" in row
    assert "cd784e3dc35c" not in visible(row) and "cd784e3dc35c" in row  # folded away
    place = re.search(r'data-testid="ticket-place">(.*?)</dd>', html, flags=re.S).group(1)
    assert "拓东街道 · 拓东社区 · 拓东社区第1网格" in place
