"""Pure rules of grid work, without a database."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onewindow.core.errors import ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.grid import rules
from onewindow.grid.constants import EventKind, EventState, LocationCheck

SQUARE = {"type": "Polygon", "coordinates": [[[102.70, 25.00], [102.71, 25.00], [102.71, 25.01], [102.70, 25.01],
                                              [102.70, 25.00]]]}


def test_house_code_is_community_building_unit_room():
    code = rules.house_code_make(community_code="530103001001", building="12", unit="2", room="501")
    assert str(code) == "530103001001-0012-02-0501"
    assert code.building_code == "530103001001-0012"
    assert rules.house_code_parse("530103001001001202 0501".replace(" ", "")) == code
    assert rules.house_code_make(community_code="530103001001", building=7, unit="", room="").room == "0000"


def test_a_house_code_that_does_not_fit_its_region_is_refused():
    expected = rules.house_code_make(community_code="530103001001", building="12", unit="2", room="501")
    with pytest.raises(ValidationFailed) as e:
        rules.house_code_check("530103002001-0012-02-0501", expected=expected)
    assert e.value.code == "house_code_region_mismatch" and "530103002001" in e.value.message
    with pytest.raises(ValidationFailed) as e:
        rules.house_code_check("530103001001-0012-03-0501", expected=expected)
    assert e.value.code == "house_code_mismatch"
    with pytest.raises(ValidationFailed) as e:
        rules.house_code_parse("5301-12-2-501")
    assert e.value.code == "house_code_invalid"


@given(st.integers(1, 9999), st.integers(0, 99), st.from_regex(r"[0-9A-Z]{1,4}", fullmatch=True))
def test_house_codes_round_trip(building, unit, room):
    code = rules.house_code_make(community_code="530103001001", building=building, unit=unit, room=room)
    assert rules.house_code_parse(str(code)) == code
    assert rules.house_code_parse(str(code).replace("-", "")) == code


@pytest.mark.parametrize(("value", "code"), [("0", "building_number_invalid"), ("x1", "building_number_invalid")])
def test_bad_building_numbers(value, code):
    with pytest.raises(ValidationFailed) as e:
        rules.building_number_clean(value)
    assert e.value.code == code


def test_units_and_rooms_are_checked():
    with pytest.raises(ValidationFailed) as e:
        rules.unit_clean("100")
    assert e.value.code == "unit_invalid"
    with pytest.raises(ValidationFailed) as e:
        rules.room_clean("12345")
    assert e.value.code == "room_invalid"


def test_bad_coordinates_are_refused_in_chinese():
    for lng, lat in [("abc", "25"), (200, 25), (102.7, 95), (102.7, None), (float("nan"), 25)]:
        with pytest.raises(ValidationFailed) as e:
            rules.point_clean(lng, lat)
        assert e.value.code == "coordinates_invalid"
    assert rules.point_clean(None, "") is None
    assert rules.point_clean("102.7", "25.0") == (102.7, 25.0)


def test_location_inside_outside_and_unknown():
    assert rules.location_classify(geometry=SQUARE, point=(102.705, 25.005), note="") == (LocationCheck.INSIDE, "")
    with pytest.raises(ValidationFailed) as e:
        rules.location_classify(geometry=SQUARE, point=(102.8, 25.005), note="")
    assert e.value.code == "location_reason_required"
    assert rules.location_classify(geometry=SQUARE, point=(102.8, 25.005), note="在社区服务站集中走访")[0] == \
        LocationCheck.OUTSIDE
    with raises_code(ValidationFailed, "location_reason_required"):
        rules.location_classify(geometry=SQUARE, point=None, note="")
    assert rules.location_classify(geometry=SQUARE, point=None, note="室内无信号")[0] == LocationCheck.UNKNOWN
    assert rules.location_classify(geometry=None, point=(102.8, 25.0), note="")[0] == LocationCheck.UNCHECKED


def test_visits_fall_due_sooner_for_priority_households():
    now = datetime(2026, 11, 23, tzinfo=UTC)
    assert rules.visit_due(last_visited_at=None, priority=False, now=now)
    forty_days = now - timedelta(days=40)
    assert rules.visit_due(last_visited_at=forty_days, priority=True, now=now)
    assert not rules.visit_due(last_visited_at=forty_days, priority=False, now=now)
    assert rules.is_priority(["elderly_alone"]) and not rules.is_priority(["veteran"])


def test_quota_progress_and_coverage():
    progress = rules.QuotaProgress(done=12, quota=30)
    assert (progress.percent, progress.remaining) == (40, 18)
    assert rules.QuotaProgress(done=40, quota=30).percent == 100
    assert rules.coverage_percent(1, 3) == 33 and rules.coverage_percent(0, 0) == 0


def test_tags_are_known_special_groups_in_a_stable_order():
    assert rules.tags_clean("veteran,disabled") == ["disabled", "veteran"]
    with pytest.raises(ValidationFailed) as e:
        rules.tags_clean(["zombie"])
    assert e.value.code == "tag_unknown"


def test_a_landlord_reports_within_three_days():
    assert not rules.tenancy_late(start_on=date(2026, 11, 1), reported_on=date(2026, 11, 4))
    assert rules.tenancy_late(start_on=date(2026, 11, 1), reported_on=date(2026, 11, 5))


def test_registration_validity_follows_the_planned_stay_within_bounds():
    today = date(2026, 11, 23)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2027, 6, 30), today=today) == \
        date(2027, 6, 30)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2030, 1, 1), today=today) == \
        date(2028, 11, 23)
    assert rules.registration_valid_until(arrived_on=today, planned_until=None, today=today) == date(2027, 11, 23)
    assert rules.add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_photos_are_sniffed_by_content():
    assert rules.image_sniff(b"\xff\xd8\xff\xe0....") == ("image/jpeg", "jpg")
    assert rules.image_sniff(b"\x89PNG\r\n\x1a\n....") == ("image/png", "png")
    assert rules.image_sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == ("image/webp", "webp")
    assert rules.image_sniff(b"%PDF-1.7") is None
    assert rules.image_sniff(b"MZ\x90\x00") is None


def test_event_states_follow_the_ticket():
    assert rules.event_state(kind=EventKind.SELF_HANDLED, ticket_status=None) == EventState.SELF_HANDLED
    assert rules.event_state(kind=EventKind.REPORTED, ticket_status="triage") == EventState.REPORTED
    assert rules.event_state(kind=EventKind.REPORTED, ticket_status="replied") == EventState.CHECK
    assert rules.event_state(kind=EventKind.REPORTED, ticket_status="closed") == EventState.CLOSED
    on_time = datetime(2026, 11, 23, tzinfo=UTC)
    assert rules.closed_on_time(status="closed", replied_at=on_time, due_at=on_time + timedelta(hours=1))
    assert not rules.closed_on_time(status="closed", replied_at=on_time, due_at=on_time - timedelta(hours=1))


# --- Edges a caller relies on (issue 9: each kills mutants that survived the tests above) -----
@pytest.mark.parametrize(("call", "code", "field", "message"), [
    (lambda: rules.building_number_clean("0"), "building_number_invalid", "building", "楼栋号应为 1 到 9999 的数字"),
    (lambda: rules.building_number_clean("10000"), "building_number_invalid", "building",
     "楼栋号应为 1 到 9999 的数字"),
    (lambda: rules.building_number_clean(None), "building_number_invalid", "building", "楼栋号应为 1 到 9999 的数字"),
    (lambda: rules.unit_clean("100"), "unit_invalid", "unit", "单元应为 0 到 99 的数字（无单元填 0）"),
    (lambda: rules.unit_clean("-1"), "unit_invalid", "unit", "单元应为 0 到 99 的数字（无单元填 0）"),
    (lambda: rules.room_clean("12345"), "room_invalid", "room", "户室号应为 1 到 4 位数字或字母，如 501、1203"),
    (lambda: rules.room_clean("5-1"), "room_invalid", "room", "户室号应为 1 到 4 位数字或字母，如 501、1203"),
    (lambda: rules.house_code_make(community_code="53010300100", building="1", unit="1", room="1"),
     "community_code_invalid", "community", "社区代码应为12位数字"),
    (lambda: rules.house_code_make(community_code="5301030010011", building="1", unit="1", room="1"),
     "community_code_invalid", "community", "社区代码应为12位数字"),
    (lambda: rules.house_code_make(community_code="53010300100a", building="1", unit="1", room="1"),
     "community_code_invalid", "community", "社区代码应为12位数字"),
    (lambda: rules.house_code_parse(None), "house_code_invalid", "code",
     "房屋编码格式应为：12位社区代码-4位楼栋号-2位单元-4位户室，如 530103001001-0012-02-0501"),
    (lambda: rules.stay_dates_check(arrived_on=date(2026, 11, 24), planned_until=None, today=date(2026, 11, 23)),
     "arrived_on_future", "arrived_on", "来本地日期不能晚于今天"),
    (lambda: rules.stay_dates_check(arrived_on=date(2026, 11, 2), planned_until=date(2026, 11, 1),
                                    today=date(2026, 11, 23)),
     "stay_dates_invalid", "planned_stay_until", "拟居住截止日期不能早于来本地日期"),
])
def test_each_refusal_names_its_field_code_and_chinese_message(call, code, field, message):
    with raises_code(ValidationFailed, code, field=field) as caught:
        call()
    assert caught.value.message == message
    assert caught.value.fields == {field: message}


def test_building_unit_and_room_edges():
    assert rules.building_number_clean(" 9999 ") == "9999"
    assert rules.building_number_clean("1") == "0001"
    assert rules.unit_clean("") == "00" and rules.unit_clean(None) == "00"
    assert rules.unit_clean("0") == "00" and rules.unit_clean(" 99 ") == "99" and rules.unit_clean(3) == "03"
    assert rules.room_clean("b2") == "00B2" and rules.room_clean(None) == "0000" and rules.room_clean(" ") == "0000"
    assert rules.room_clean("1203") == "1203"
    assert rules.building_code("530103001001", "0012") == "530103001001-0012"
    assert rules.community_of_grid("530103001001002") == "530103001001"


def test_house_codes_are_read_in_any_case_and_checked_against_the_house():
    expected = rules.house_code_make(community_code="530103001001", building="12", unit="2", room="a1")
    assert rules.house_code_parse(" 530103001001-0012-02-00a1 ") == expected
    assert rules.house_code_check("530103001001001202" + "00A1", expected=expected) == expected
    with raises_code(ValidationFailed, "house_code_region_mismatch", field="code") as caught:
        rules.house_code_check("530103002001-0012-02-00A1", expected=expected)
    assert caught.value.message == "房屋编码的社区代码（530103002001）与房屋所在社区（530103001001）不符"
    with raises_code(ValidationFailed, "house_code_mismatch", field="code") as caught:
        rules.house_code_check("530103001001-0012-02-0501", expected=expected)
    assert caught.value.message == "房屋编码应为 530103001001-0012-02-00A1（与楼栋、单元、户室不符）"


@pytest.mark.parametrize(("lng", "lat"), [(None, "25"), ("", "25"), ("102.7", None), ("102.7", "")])
def test_a_point_needs_both_coordinates(lng, lat):
    with raises_code(ValidationFailed, "coordinates_invalid") as caught:
        rules.point_clean(lng, lat)
    assert caught.value.message == "经度和纬度须同时填写"
    assert caught.value.fields == {"lng": "经度和纬度须同时填写", "lat": "经度和纬度须同时填写"}


def test_a_point_without_either_coordinate_is_none_and_bad_numbers_say_why():
    assert rules.point_clean("", None) is None and rules.point_clean(None, None) is None
    assert rules.point_clean("", "") is None
    for lng, lat in [("abc", "25"), ([102], 25)]:
        with raises_code(ValidationFailed, "coordinates_invalid") as caught:
            rules.point_clean(lng, lat)
        assert caught.value.message == "坐标无效：坐标应为数字"
        assert caught.value.fields == {"lng": "坐标应为数字", "lat": "坐标应为数字"}
    with raises_code(ValidationFailed, "coordinates_invalid") as caught:
        rules.point_clean(200, 95)
    assert caught.value.message == "坐标无效：经度应为 -180 到 180 之间的数字；纬度应为 -90 到 90 之间的数字"
    assert caught.value.fields == {"lng": "经度应为 -180 到 180 之间的数字", "lat": "纬度应为 -90 到 90 之间的数字"}
    assert rules.point_clean(0, 0) == (0.0, 0.0)


def test_point_in_geometry_covers_the_edge_and_reads_lng_then_lat():
    assert rules.point_in_geometry(SQUARE, 102.70, 25.005) is True  # on the boundary
    assert rules.point_in_geometry(SQUARE, 102.705, 25.02) is False
    strip = {"type": "Polygon", "coordinates": [[[0, 10], [1, 10], [1, 20], [0, 20], [0, 10]]]}
    assert rules.point_in_geometry(strip, 0.5, 15) is True
    assert rules.point_in_geometry(strip, 15, 0.5) is False
    assert rules.point_in_geometry(None, 1, 1) is None and rules.point_in_geometry({}, 1, 1) is None
    assert rules.point_in_geometry({"type": "Polygon", "coordinates": "bad"}, 1, 1) is None


def test_location_notes_are_trimmed_capped_and_need_two_characters():
    outside, inside = (102.8, 25.005), (102.705, 25.005)
    for point, message in [
        (None, "未获取到定位，请说明原因（如：室内无信号、未授权定位）"),
        (outside, "定位不在本网格范围内，请说明原因（如：在网格外集中走访、定位偏差）"),
    ]:
        with raises_code(ValidationFailed, "location_reason_required", field="location_note") as caught:
            rules.location_classify(geometry=SQUARE, point=point, note=" 无 ")
        assert caught.value.message == message
        assert caught.value.fields == {"location_note": message}
        assert rules.location_classify(geometry=SQUARE, point=point, note=" 无信 ")[1] == "无信"
    long_note = "说" * 300
    assert rules.location_classify(geometry=SQUARE, point=None, note=long_note) == (LocationCheck.UNKNOWN, "说" * 200)
    assert rules.location_classify(geometry=SQUARE, point=inside, note=" 集中走访 ") == \
        (LocationCheck.INSIDE, "集中走访")
    assert rules.location_classify(geometry=None, point=inside, note=None) == (LocationCheck.UNCHECKED, "")
    assert rules.location_classify(geometry=None, point=inside, note="无边界") == (LocationCheck.UNCHECKED, "无边界")
    assert rules.location_classify(geometry=SQUARE, point=outside, note="走访") == (LocationCheck.OUTSIDE, "走访")


def test_distance_is_the_great_circle_in_metres():
    import math

    def law_of_cosines(a, b):
        (x1, y1), (x2, y2) = [(math.radians(x), math.radians(y)) for x, y in (a, b)]
        c = math.sin(y1) * math.sin(y2) + math.cos(y1) * math.cos(y2) * math.cos(x2 - x1)
        return 6_371_000 * math.acos(c)

    assert rules.distance_m((102.0, 25.0), (102.0, 26.0)) == pytest.approx(6_371_000 * math.pi / 180, rel=1e-9)
    for a, b in [((102.0, 25.0), (103.0, 25.0)), ((102.7, 25.0), (102.71, 25.01)), ((-70.0, -33.0), (151.0, -34.0))]:
        assert rules.distance_m(a, b) == pytest.approx(law_of_cosines(a, b), rel=1e-6)
        assert rules.distance_m(b, a) == pytest.approx(rules.distance_m(a, b), rel=1e-12)
    assert rules.distance_m((102.0, 25.0), (102.0, 25.0)) == 0


def test_tags_accept_any_separator_drop_repeats_and_name_the_unknown_one():
    assert rules.tags_clean(None) == [] and rules.tags_clean("") == [] and rules.tags_clean([]) == []
    assert rules.tags_clean("veteran，disabled  elderly_alone,veteran") == ["elderly_alone", "disabled", "veteran"]
    assert rules.tags_clean([" veteran ", "veteran", "empty_nest"]) == ["empty_nest", "veteran"]
    everything = list(reversed(rules.SpecialTag.values))
    assert rules.tags_clean(everything) == list(rules.SpecialTag.values)
    with raises_code(ValidationFailed, "tag_unknown", field="tags") as caught:
        rules.tags_clean(["veteran", "z" * 30])
    assert caught.value.message == "未知的特殊群体标签：" + "z" * 20


def test_priority_households_and_their_revisit_interval():
    for tag in ("elderly_alone", "disabled", "low_income", "serious_illness", "left_behind_child"):
        assert rules.is_priority(["veteran", tag])
    assert not rules.is_priority([]) and not rules.is_priority(["veteran", "empty_nest"])
    assert rules.revisit_days(priority=True) == 30 and rules.revisit_days(priority=False) == 90


@pytest.mark.parametrize(("priority", "days"), [(True, 30), (False, 90)])
def test_a_visit_falls_due_exactly_at_the_interval(priority, days):
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    at_limit = now - timedelta(days=days)
    assert rules.visit_due(last_visited_at=at_limit, priority=priority, now=now)
    assert not rules.visit_due(last_visited_at=at_limit + timedelta(seconds=1), priority=priority, now=now)


def test_month_boundaries():
    assert rules.month_start(date(2026, 11, 23)) == date(2026, 11, 1)
    assert rules.next_month_start(date(2026, 12, 31)) == date(2027, 1, 1)
    assert rules.next_month_start(date(2026, 1, 31)) == date(2026, 2, 1)
    assert rules.next_month_start(date(2024, 2, 1)) == date(2024, 3, 1)
    assert rules.next_month_start(date(2026, 2, 10)) == date(2026, 3, 1)  # a February of 28 days
    assert rules.next_month_start(date(2026, 4, 30)) == date(2026, 5, 1)


def test_quota_edges():
    assert rules.QuotaProgress(done=0, quota=0).percent == 100
    assert rules.QuotaProgress(done=0, quota=-1).percent == 100
    assert rules.QuotaProgress(done=0, quota=1).percent == 0
    assert rules.QuotaProgress(done=2, quota=3).percent == 67
    assert rules.QuotaProgress(done=30, quota=30).remaining == 0
    assert rules.QuotaProgress(done=31, quota=30).remaining == 0
    assert rules.QuotaProgress(done=29, quota=30).remaining == 1
    assert rules.QuotaProgress(done=1000, quota=3).percent == 100
    assert rules.coverage_percent(2, 3) == 67 and rules.coverage_percent(3, 3) == 100
    assert rules.coverage_percent(5, 0) == 0


def test_tenancy_report_days_default_to_three_and_can_be_given():
    start = date(2026, 11, 1)
    assert not rules.tenancy_late(start_on=start, reported_on=date(2026, 11, 4))
    assert rules.tenancy_late(start_on=start, reported_on=date(2026, 11, 2), days=0)
    assert not rules.tenancy_late(start_on=start, reported_on=start, days=0)
    assert not rules.tenancy_late(start_on=start, reported_on=date(2026, 11, 8), days=7)


def test_add_months_lands_on_the_last_day_of_short_months():
    import calendar

    for year in (2023, 2024, 2000, 2100):
        for months in range(12):
            landed = rules.add_months(date(year, 1, 31), months)
            assert landed == date(year, months + 1, calendar.monthrange(year, months + 1)[1])
    assert rules.add_months(date(2026, 11, 30), 1) == date(2026, 12, 30)
    assert rules.add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert rules.add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)
    assert rules.add_months(date(2026, 3, 15), 24) == date(2028, 3, 15)
    assert rules.add_months(date(2026, 3, 15), 0) == date(2026, 3, 15)


def test_registration_validity_is_at_least_a_month_and_at_most_two_years():
    today = date(2026, 11, 23)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2026, 11, 30), today=today) == \
        date(2026, 12, 23)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2026, 12, 23), today=today) == \
        date(2026, 12, 23)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2026, 12, 24), today=today) == \
        date(2026, 12, 24)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2028, 11, 22), today=today) == \
        date(2028, 11, 22)
    assert rules.registration_valid_until(arrived_on=today, planned_until=date(2028, 11, 24), today=today) == \
        date(2028, 11, 23)
    assert rules.registration_valid_until(arrived_on=None, planned_until=None, today=date(2026, 1, 31)) == \
        date(2027, 1, 31)


def test_stay_dates_accept_today_and_a_same_day_stay():
    today = date(2026, 11, 23)
    assert rules.stay_dates_check(arrived_on=today, planned_until=today, today=today) is None
    assert rules.stay_dates_check(arrived_on=None, planned_until=date(2020, 1, 1), today=today) is None
    assert rules.stay_dates_check(arrived_on=date(2026, 1, 1), planned_until=None, today=today) is None


def test_every_photo_kind_and_near_misses():
    assert rules.image_sniff(b"GIF87a....") == ("image/gif", "gif")
    assert rules.image_sniff(b"GIF89a....") == ("image/gif", "gif")
    assert rules.image_sniff(b"\xff\xd8\xff") == ("image/jpeg", "jpg")
    assert rules.image_sniff(b"\x89PNG\r\n\x1a") is None
    assert rules.image_sniff(b"\xff\xd8") is None and rules.image_sniff(b"") is None
    assert rules.image_sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None
    assert rules.image_sniff(b"RIFX\x00\x00\x00\x00WEBPVP8 ") is None
    assert rules.image_sniff(b"RIFF\x00\x00\x00WEBPVP8 ") is None


@pytest.mark.parametrize(("status", "state"), [
    (None, EventState.REPORTED), ("", EventState.REPORTED), ("unknown", EventState.REPORTED),
    ("received", EventState.REPORTED), ("returned", EventState.REPORTED), ("dispatched", EventState.DISPATCHED),
    ("accepted", EventState.HANDLING), ("reopened", EventState.HANDLING), ("callback_done", EventState.REVIEW),
    ("merged", EventState.CLOSED),
])
def test_every_ticket_status_maps_to_an_event_state(status, state):
    assert rules.event_state(kind=EventKind.REPORTED, ticket_status=status) == state
    assert rules.event_state(kind=EventKind.SELF_HANDLED, ticket_status=status) == EventState.SELF_HANDLED


def test_closed_on_time_needs_a_closed_ticket_answered_by_its_limit():
    at = datetime(2026, 11, 23, tzinfo=UTC)
    assert rules.closed_on_time(status="closed", replied_at=at, due_at=at)
    assert rules.closed_on_time(status="closed", replied_at=at, due_at=None)
    assert not rules.closed_on_time(status="replied", replied_at=at, due_at=at)
    assert not rules.closed_on_time(status="closed", replied_at=None, due_at=at)
    assert not rules.closed_on_time(status="closed", replied_at=None, due_at=None)
    assert not rules.closed_on_time(status="closed", replied_at=at + timedelta(seconds=1), due_at=at)
