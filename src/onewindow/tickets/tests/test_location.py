"""Where a ticket is: intake resolves its address against the gazetteer (regions), trusts a
point over an address, and an explicit region over an address that contradicts it."""

from __future__ import annotations

import pytest

from onewindow.regions import services as region_services
from onewindow.regions.constants import PlaceKind
from onewindow.regions.services import PlaceIn
from onewindow.tickets import services
from onewindow.tickets.constants import LocationSource
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db


@pytest.fixture
def gazetteer(district):
    region_services.gazetteer_sync_regions(district=district.district)
    compound = region_services.place_upsert(place=PlaceIn(
        source="test", source_ref="jinbi", name="金碧苑", kind=PlaceKind.RESIDENCE, aliases=("金碧苑小区",),
        lng=102.705, lat=25.005))
    region_services.place_upsert(place=PlaceIn(
        source="test", source_ref="gulou-market", name="鼓楼菜市场", kind=PlaceKind.POI, lng=102.78, lat=25.02))
    return compound


def intake(hotline, **kw):
    values = intake_kwargs(**{"text": "小区门口的垃圾桶满了三天没人清运，气味很大。", "title": "垃圾没人清运",
                              "lng": None, "lat": None, **kw})
    return services.ticket_intake(actor=hotline.operator.user, **values)


def test_an_address_is_resolved_to_its_place_region_and_point(hotline, district, gazetteer):
    ticket = intake(hotline, address="盘龙区金碧苑小区5栋门口")
    assert ticket.location_source == LocationSource.ADDRESS
    assert ticket.place_id == gazetteer.pk and ticket.place_name == "金碧苑"
    assert ticket.region == district.grid_a1 and ticket.region_path == district.grid_a1.path
    assert (ticket.lng, ticket.lat) == (102.705, 25.005)
    # and so the street's rule dispatches it to the street office (环境卫生 in 拓东街道)
    assert ticket.department == hotline.office_a


def test_an_address_naming_only_a_community_gives_the_community(hotline, district, gazetteer):
    ticket = intake(hotline, address="昆明市盘龙区鼓楼街道鼓楼社区某巷3号")
    assert ticket.region == district.community_b1 and ticket.place_name == "鼓楼社区"
    assert ticket.lng is not None and ticket.department == hotline.office_b


def test_a_point_is_trusted_over_the_address(hotline, district, gazetteer):
    same = intake(hotline, address="金碧苑小区", lng=102.71, lat=25.01)
    assert same.location_source == LocationSource.POINT and (same.lng, same.lat) == (102.71, 25.01)
    assert same.region == district.grid_a1 and same.place_name == "金碧苑"
    elsewhere = intake(hotline, address="鼓楼菜市场门口", lng=102.71, lat=25.01)
    assert elsewhere.region == district.grid_a1 and elsewhere.place_id is None


def test_a_given_region_wins_over_a_contradicting_address(hotline, district, gazetteer):
    ticket = intake(hotline, address="鼓楼菜市场", region=district.community_a2)
    assert ticket.region == district.community_a2 and ticket.location_source == LocationSource.REGION
    deeper = intake(hotline, address="金碧苑小区", region=district.street_a)
    assert deeper.region == district.grid_a1 and deeper.location_source == LocationSource.ADDRESS


def test_a_place_named_in_the_text_when_there_is_no_address(hotline, district, gazetteer):
    ticket = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(
        text="我住在金碧苑，楼下垃圾桶三天没人清运。", address="", lng=None, lat=None))
    assert ticket.location_source == LocationSource.TEXT and ticket.place_name == "金碧苑"
    nowhere = services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(
        text="今天早上楼下的垃圾桶满了没人清运。", address="", lng=None, lat=None))
    assert nowhere.location_source == LocationSource.NONE and nowhere.region == district.district


def test_intake_with_a_resolved_address_has_a_bounded_query_count(hotline, gazetteer,
                                                                 django_assert_max_num_queries):
    from onewindow.tickets.tests.test_query_counts import SERVICE_MAX_QUERIES

    intake(hotline, address="金碧苑小区")
    operator = type(hotline.operator.user).objects.get(pk=hotline.operator.user.pk)
    # + the region and its ancestors of the place (one query)
    with django_assert_max_num_queries(SERVICE_MAX_QUERIES + 1):
        services.ticket_intake(actor=operator, **intake_kwargs(
            text="小区门口的垃圾桶满了三天没人清运，气味很大。", lng=None, lat=None, address="金碧苑小区"))


def test_hot_spots_name_the_resolved_place_not_words_of_the_text(hotline, district, gazetteer):
    from onewindow.tickets.hotspots import hotspots_for_tickets
    from onewindow.tickets.models import Ticket

    for n, address in enumerate(("金碧苑小区3栋", "金碧苑东门", "金碧苑小区门口")):
        services.ticket_intake(actor=hotline.operator.user, **intake_kwargs(
            title="今天早上小区垃圾没人清运", text=f"今天早上小区门口的垃圾桶又满了，已经{n + 2}天没人清运，气味很大。",
            address=address, lng=None, lat=None))
    spots = hotspots_for_tickets(Ticket.objects.all())
    assert spots and spots[0]["size"] == 3
    assert spots[0]["place"] == "拓东社区 · 金碧苑"
