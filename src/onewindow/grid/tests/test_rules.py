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
