"""Browser: the operator's intake with the map picker — the address is resolved to its street,
community and grid while typing, a click on the map sets the point (and so the street whose
office takes the refuse complaint), and the ticket keeps what was shown."""

from __future__ import annotations

import pytest

from conftest import browser_login
from onewindow.regions import services as region_services
from onewindow.regions.constants import PlaceKind
from onewindow.regions.services import PlaceIn
from onewindow.tickets.constants import LocationSource
from onewindow.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GARBAGE = "小区门口的垃圾桶满了三天没人清运，苍蝇很多，气味很大。"


@pytest.fixture
def gazetteer(district):
    region_services.gazetteer_sync_regions(district=district.district)
    region_services.place_upsert(place=PlaceIn(source="test", source_ref="jinbi", name="金碧苑",
                                               kind=PlaceKind.RESIDENCE, lng=102.705, lat=25.005))


def start_call(page) -> None:
    browser_login(page, "operator")
    page.goto("/staff/hotline/call/")
    page.locator("#map-picker[data-loaded]").wait_for()
    assert int(page.locator("#map-picker").get_attribute("data-loaded")) == 6  # 2 streets, 3 communities, 1 grid
    page.locator("#requester_phone").fill("13812345678")
    page.locator("#text").fill(GARBAGE)


def test_the_address_is_resolved_while_typing_and_kept(page, hotline, gazetteer, district):
    start_call(page)
    page.locator("#address").fill("金碧苑小区3栋门口")
    page.locator("#address").dispatch_event("change")
    chain = page.get_by_test_id("location-chain")
    chain.filter(has_text="拓东社区第1网格").wait_for()
    assert chain.inner_text() == "拓东街道 · 拓东社区 · 拓东社区第1网格"
    assert "金碧苑" in page.get_by_test_id("location-place").inner_text()
    # the suggestion names the full path, the confidence in words and the street office
    page.get_by_test_id("suggested-department").filter(has_text="拓东街道办事处").wait_for()
    assert "城乡建设 / 城市建设和市政管理 / 环境卫生" in page.get_by_test_id("suggested-category").inner_text()
    assert page.get_by_test_id("confidence").inner_text() == "高"
    # the resolved point is shown on the map (the blue marker)
    page.locator("#map-picker path[stroke='#0969da']").wait_for()
    page.locator("#text").focus()
    page.keyboard.press("Control+Enter")
    page.get_by_test_id("done-number").wait_for()
    ticket = Ticket.objects.get(number=page.get_by_test_id("done-number").inner_text())
    assert ticket.location_source == LocationSource.ADDRESS and ticket.place_name == "金碧苑"
    assert ticket.region == district.grid_a1 and ticket.department == hotline.office_a


def test_a_click_on_the_map_sets_the_point_and_the_street(page, hotline, gazetteer, district):
    start_call(page)
    page.locator("#address").fill("路口东侧")
    # the two streets are drawn in red; click in the middle of the eastern one (鼓楼街道)
    page.locator("#map-picker").scroll_into_view_if_needed()
    boxes = [p.bounding_box() for p in page.locator("#map-picker path[stroke='#b4261d']").all()]
    east = max(boxes, key=lambda b: b["x"])
    page.mouse.click(east["x"] + east["width"] / 2, east["y"] + east["height"] / 2)
    page.get_by_test_id("location-chain").filter(has_text="鼓楼社区").wait_for()
    assert page.get_by_test_id("location-chain").inner_text() == "鼓楼街道 · 鼓楼社区"
    lng = float(page.locator("#lng").input_value())
    assert 102.75 < lng < 102.80
    page.get_by_test_id("suggested-department").filter(has_text="鼓楼街道办事处").wait_for()
    page.get_by_test_id("register").click()
    page.get_by_test_id("done-number").wait_for()
    ticket = Ticket.objects.get(number=page.get_by_test_id("done-number").inner_text())
    assert ticket.location_source == LocationSource.POINT and ticket.region == district.community_b1
    assert ticket.lng == pytest.approx(lng) and ticket.department == hotline.office_b
