"""Pages of home care: each role sees its pages in Chinese, forms show errors on the field, no 500."""

import re
from datetime import timedelta

import pytest

from onewindow.homecare import constants as c
from onewindow.homecare import services
from onewindow.homecare.models import Order, Settlement

from .conftest import Care
from .factories import NEAR, elder_id_number, photo

pytestmark = pytest.mark.django_db


def test_public_page_shows_categories_beds_and_rules(client, care: Care) -> None:
    r = client.get("/care/?category=care")
    html = r.content.decode()
    assert r.status_code == 200
    for text in ("养老服务", "居家医疗", "助餐送餐", "拓东居家养老服务中心", "高龄补贴（80岁以上）",
                 "如何申请政府购买服务"):
        assert text in html
    assert client.get("/care/?category=bogus&lng=x").status_code == 200


def test_family_orders_from_the_page_and_confirms(client, care: Care) -> None:
    client.force_login(care.family)
    assert "张桂英" in client.get("/my/care/").content.decode()
    tomorrow = (care.at(0) + timedelta(days=1)).date().isoformat()
    r = client.post("/my/care/order/", {"elder": str(care.elder.public_id), "service": "", "day": tomorrow,
                                        "time": "11:00"})
    assert r.status_code == 400 and "请选择服务项目" in r.content.decode()
    assert 'aria-invalid="true"' in r.content.decode()
    r = client.post("/my/care/order/", {"elder": str(care.elder.public_id), "service": str(care.meal.public_id),
                                        "day": tomorrow, "time": "11:00", "note": "少盐"})
    order = Order.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/my/care/orders/{order.public_id}/"
    html = client.get(r["Location"]).content.decode()
    assert "待指派护理员" in html and "拓东居家养老服务中心" in html
    order = services.order_assign(actor=care.manager.user, order=order, carer=care.carer)
    Order.objects.filter(pk=order.pk).update(scheduled_at=care.at(0))
    order.refresh_from_db()
    services.order_checkin(actor=care.carer.user, order=order, lng=NEAR[0], lat=NEAR[1], photo=photo())
    services.order_checkout(actor=care.carer.user, order=order, work_notes="送餐到家")
    r = client.post(f"/my/care/orders/{order.public_id}/", {"action": "confirm"})
    assert r.status_code == 400 and "请选择 1 到 5 星" in r.content.decode()
    r = client.post(f"/my/care/orders/{order.public_id}/", {"action": "confirm", "rating": "5", "comment": "好"})
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == c.OrderStatus.CONFIRMED and order.rating == 5


def test_stranger_sees_nothing(client, care: Care) -> None:
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal,
                                 scheduled_at=care.at(10) + timedelta(days=1))
    client.force_login(care.stranger)
    assert client.get(f"/my/care/orders/{order.public_id}/").status_code == 404
    assert client.get("/my/care/order/").status_code == 404
    assert client.get("/staff/care/").status_code in (302, 403, 404)


def test_carer_day_and_check_in_page(client, care: Care) -> None:
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal,
                                 scheduled_at=care.at(10) + timedelta(days=1))
    services.order_assign(actor=care.manager.user, order=order, carer=care.carer)
    Order.objects.filter(pk=order.pk).update(scheduled_at=care.at(0) + timedelta(minutes=5))
    client.force_login(care.carer.user)
    assert client.get("/staff/care/").status_code == 302
    html = client.get("/staff/care/today/").content.decode()
    assert "助餐送餐" in html and "张**" in html
    page = client.get(f"/staff/care/orders/{order.public_id}/").content.decode()
    assert "拓东路18号3栋2单元501" in page and "签到" in page  # the assigned carer needs the full address
    r = client.post(f"/staff/care/orders/{order.public_id}/", {"action": "checkin", "lng": "102.73", "lat": "25.01"})
    assert r.status_code == 400 and "请到老人家中签到" in r.content.decode()
    client.force_login(care.manager_b.user)
    assert client.get(f"/staff/care/orders/{order.public_id}/").status_code == 404


def test_community_registers_and_assesses(client, care: Care) -> None:
    client.force_login(care.worker.user)
    r = client.post("/staff/care/elders/new/", {"name": "李秀兰", "id_number": elder_id_number(7, born="19990101"),
                                                "community": "530103001001", "address": "拓东路20号"})
    assert r.status_code == 400 and "未满 60 周岁" in r.content.decode()
    assert elder_id_number(7, born="19990101") not in r.content.decode()
    page = client.get(f"/staff/care/elders/{care.elder.public_id}/").content.decode()
    assert "13900002222" not in page and "高血压" not in page and "张*英" in page
    r = client.post(f"/staff/care/elders/{care.elder.public_id}/", {"action": "reveal", "reason": "上门核实"})
    assert "13900002222" in r.content.decode()
    r = client.post(f"/staff/care/elders/{care.elder.public_id}/assess/", {"eating": "4"})
    assert r.status_code == 400 and "请评定“洗澡”" in r.content.decode()
    scores = {code: str(top) for code, (_l, top) in c.ASSESSMENT_ITEMS.items()}
    r = client.post(f"/staff/care/elders/{care.elder.public_id}/assess/", scores)
    assert r.status_code == 302
    care.elder.refresh_from_db()
    assert care.elder.care_level == 0


def test_supervisor_runs_settlement_and_downloads(client, care: Care) -> None:
    order = services.order_place(actor=care.family, elder=care.elder, service=care.meal,
                                 scheduled_at=care.at(10) + timedelta(days=1))
    services.order_assign(actor=care.manager.user, order=order, carer=care.carer)
    Order.objects.filter(pk=order.pk).update(scheduled_at=care.at(0))
    order.refresh_from_db()
    services.order_checkin(actor=care.carer.user, order=order, lng=NEAR[0], lat=NEAR[1], photo=photo())
    services.order_checkout(actor=care.carer.user, order=order, work_notes="送餐")
    services.order_confirm(actor=care.family, order=order, rating=4)
    client.force_login(care.bureau.user)
    month = care.at(0).strftime("%Y-%m")
    html = client.get(f"/staff/care/figures/?month={month}").content.decode()
    assert "拓东居家养老服务中心" in html and "月度结算" in html
    r = client.post("/staff/care/figures/", {"month": month})
    assert r.status_code == 302
    s = Settlement.objects.get()
    r = client.get(f"/staff/care/settlements/{s.public_id}/?format=xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    r = client.get(f"/staff/care/settlements/{s.public_id}/?format=pdf")
    assert r.status_code == 200 and r.content[:4] == b"%PDF"
    assert "各街道老人数" in client.get("/staff/care/data/").content.decode()
    client.force_login(care.manager.user)
    r = client.post(f"/staff/care/settlements/{s.public_id}/", {"agree": "1"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == c.SettlementStatus.CONFIRMED
    client.force_login(care.manager_b.user)
    assert client.get(f"/staff/care/settlements/{s.public_id}/").status_code == 404


def test_bureau_edits_the_policy_page(client, care: Care) -> None:
    client.force_login(care.worker.user)
    assert client.get("/staff/care/policy/").status_code == 404
    client.force_login(care.bureau.user)
    assert "高龄补贴（80岁以上）" in client.get("/staff/care/policy/").content.decode()
    r = client.post("/staff/care/policy/", {"name": "独居叠加", "kind": "extra", "monthly_amount": "abc"})
    assert r.status_code == 400 and "每月额度应为" in r.content.decode()
    r = client.post("/staff/care/policy/", {"name": "独居叠加", "kind": "extra", "monthly_amount": "50",
                                            "min_age": "60", "min_level": "0", "alone_only": "1"})
    assert r.status_code == 302
    care.elder.refresh_from_db()
    assert str(care.elder.monthly_allowance) == "250.00"
    from onewindow.homecare.models import AllowanceRule

    rule = AllowanceRule.objects.get(name="独居叠加")
    client.post("/staff/care/policy/", {"rule": str(rule.public_id)})  # switch off
    care.elder.refresh_from_db()
    assert str(care.elder.monthly_allowance) == "200.00"


def test_providers_page_for_bureau_and_manager(client, care: Care) -> None:
    client.force_login(care.bureau.user)
    html = client.get("/staff/care/providers/").content.decode()
    assert "拓东居家养老服务中心" in html and "鼓楼长者食堂" in html and "养老护理员（四级/中级工）" in html
    r = client.post("/staff/care/providers/", {"provider": str(care.provider.public_id), "status": "suspended"})
    assert r.status_code == 400 and "请填写原因" in r.content.decode()
    r = client.post("/staff/care/providers/", {"provider": str(care.provider.public_id), "status": "suspended",
                                               "reason": "投诉核查"})
    assert r.status_code == 302
    care.provider.refresh_from_db()
    assert care.provider.status == c.ProviderStatus.SUSPENDED
    client.force_login(care.manager.user)
    html = client.get("/staff/care/providers/").content.decode()
    assert "拓东居家养老服务中心" in html and "鼓楼长者食堂" not in html
    r = client.post("/staff/care/providers/", {"provider": str(care.provider.public_id), "action": "carer",
                                               "name": "新护理员", "qualifications": ["carer_5", "health_cert"]})
    assert r.status_code == 302 and care.provider.carers.filter(name="新护理员").exists()
    r = client.post("/staff/care/providers/", {"provider": str(care.provider.public_id), "status": "approved"})
    assert r.status_code == 403
    client.force_login(care.family)
    assert client.get("/staff/care/providers/").status_code in (302, 403, 404)


def test_elder_search_by_id_or_mobile_number_posts_and_never_puts_it_in_a_url(client, care: Care) -> None:
    """Issue 9: care staff find an elder by the full ID or mobile number in the POST body only."""
    id_number = elder_id_number(1, born="19400315")
    client.force_login(care.worker.user)
    page = client.get("/staff/care/elders/").content.decode()
    assert 'method="post"' in page and 'name="csrfmiddlewaretoken"' in page
    for number in (id_number, "13900002222"):
        found = client.post("/staff/care/elders/", {"q": number})
        body = found.content.decode()
        assert found.status_code == 200 and f"/staff/care/elders/{care.elder.public_id}/" in body, number
        assert not re.search(rf'(href|action|src|hx-[a-z]+)="[^"]*{number}', body)  # in no link or form target
        refused = client.get("/staff/care/elders/", {"q": number})
        assert refused.status_code == 400 and "personal_lookup_in_url" in refused.content.decode()
    assert f"/staff/care/elders/{care.elder.public_id}/" not in client.post(
        "/staff/care/elders/", {"q": "13900009999"}).content.decode()
    client.force_login(care.other_worker.user)  # another street's worker: not in their scope
    assert f"/staff/care/elders/{care.elder.public_id}/" not in client.post(
        "/staff/care/elders/", {"q": id_number}).content.decode()


def test_api_elder_search_takes_the_number_in_the_body(client, care: Care) -> None:
    from onewindow.accounts import services as account_services

    _, key = account_services.api_token_create(user=care.worker.user, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    found = client.post("/api/v1/homecare/elders/search", {"q": "13900002222"}, content_type="application/json",
                        **auth)
    assert found.status_code == 200 and [row["id"] for row in found.json()["items"]] == [str(care.elder.public_id)]
    refused = client.get("/api/v1/homecare/elders", {"q": "13900002222"}, **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "personal_lookup_in_url"
    assert client.get("/api/v1/homecare/elders", {"q": "张桂"}, **auth).json()["count"] == 1
