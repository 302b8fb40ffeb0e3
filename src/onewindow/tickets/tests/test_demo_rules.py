"""The demo district's dispatch rules do what a district would: refuse at a residential gate
goes to the street office (its 城管/环卫), a compound's property problem to the community,
water to the water bureau — not everything 城乡建设 to 住建局."""

from __future__ import annotations

import pytest

from onewindow.accounts.demo import accounts_demo_load
from onewindow.accounts.models import User
from onewindow.regions.demo import regions_demo_load
from onewindow.regions.models import Region
from onewindow.tickets import demo, services
from onewindow.tickets.tests.factories import FakeSuggestion, install_fake_classifier

pytestmark = pytest.mark.django_db


def top_level(text: str) -> FakeSuggestion:
    label = "卫生计生" if "医院" in text else "城乡建设"
    return FakeSuggestion(label, 0.95)


@pytest.fixture
def district_demo(settings, tmp_path, monkeypatch):
    settings.SHARED_DATA_DIR = tmp_path / "nowhere"
    regions_demo_load(small=True)
    accounts_demo_load(small=True)
    district = Region.objects.get(code=settings.ONEWINDOW_DISTRICT_CODE)
    made = demo._reference_ensure(district=district, supervisor=User.objects.get(username="supervisor"))
    install_fake_classifier(monkeypatch, top_level)
    return made


def intake(text: str, address: str):
    return services.ticket_intake(actor=User.objects.get(username="operator"), kind="complaint", channel="hotline",
                                  text=text, address=address, requester_phone="13812345678")


@pytest.mark.parametrize(("text", "address", "department"), [
    ("小区门口的垃圾堆了三天没人清运，臭气熏天。", "银海畅园小区门口", "拓东街道办事处"),
    ("路边垃圾桶满了没人清运。", "昆明市盘龙区鼓楼街道桃源社区桃源街8号", "鼓楼街道办事处"),
    ("小区物业不作为，电梯坏了一个月没人修。", "银海畅园3栋", "尚义社区居民委员会"),
    ("小区门口有流动摊贩占道经营，堵塞交通。", "白塔路12号", "拓东街道办事处"),
    ("家里停水两天了，自来水一直没有恢复。", "银海畅园", "盘龙区水务局"),
    ("小区门口的垃圾堆了三天没人清运。", "", "盘龙区城市管理局"),  # not located: the district's 城管
    ("楼顶有人违章搭建阳光房。", "银海畅园", "盘龙区城市管理局"),
])
def test_demo_rules_send_tickets_where_a_district_would(district_demo, text, address, department):
    ticket = intake(text, address)
    assert ticket.department is not None and ticket.department.name == department, ticket.dispatch_note


def test_demo_rules_are_made_once(district_demo, settings, monkeypatch):
    assert district_demo["rules"] > 20
    monkeypatch.undo()  # the real classifier module again (the demo asks it for a model)
    settings.SHARED_DATA_DIR = settings.VAR_DIR / "no-shared-data"
    district = Region.objects.get(code=settings.ONEWINDOW_DISTRICT_CODE)
    again = demo._reference_ensure(district=district, supervisor=User.objects.get(username="supervisor"))
    assert again["rules"] == 0
