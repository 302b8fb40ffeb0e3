"""Badges computed from an item's data, and time limits as citizens read them (no database)."""

from __future__ import annotations

import pytest

from onewindow.catalog.badges import badges_for, document_badges
from onewindow.catalog.guide_views import time_limit_text
from onewindow.catalog.search import Document


def labels(**facts) -> list[str]:  # type: ignore[no-untyped-def]
    return [b.label for b in badges_for(**facts)]


@pytest.mark.parametrize(("facts", "expected"), [
    ({"visits": 0, "online_depth": 4}, ["全程网办", "零跑动", "最多跑一次"]),
    ({"visits": 0, "online_depth": 3}, ["零跑动", "最多跑一次"]),
    ({"visits": 1, "online_depth": 4}, ["最多跑一次"]),
    ({"visits": 2, "online_depth": 4}, []),
    ({"visits": None, "online_depth": None}, []),
    ({"visits": 1, "online_depth": 2, "appointment": True, "postal": True, "kiosk": True,
      "tongban_scope": "cross_province"}, ["最多跑一次", "可预约", "可邮寄", "自助办理", "跨省通办"]),
    ({"visits": 3, "online_depth": 1, "tongban_scope": "province"}, ["全省通办"]),
    ({"visits": 3, "online_depth": 1, "tongban_scope": "none"}, []),
])
def test_badges_follow_the_data(facts, expected, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CATALOG_APPOINTMENTS_BOOKABLE = True
    assert labels(**facts) == expected


def test_appointment_badge_waits_for_booking(settings) -> None:  # type: ignore[no-untyped-def]
    # Nothing to book yet: the flag stays in the data but the guide does not advertise it.
    settings.CATALOG_APPOINTMENTS_BOOKABLE = False
    assert labels(visits=1, online_depth=2, appointment=True) == ["最多跑一次"]


def test_document_badges_read_the_index_flags(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CATALOG_APPOINTMENTS_BOOKABLE = True
    doc = Document(id="x", name="x", visits=0, online_depth=4,
                   flags=frozenset({"appointment", "city", "full_online"}))
    assert [b.code for b in document_badges(doc)] == [
        "full_online", "zero_visits", "at_most_one_visit", "appointment", "city"]


@pytest.mark.parametrize(("value", "unit", "text"), [
    (None, "working_day", ""), (0, "working_day", "即办"), (5, "working_day", "5 个工作日"),
    (30, "natural_day", "30 个自然日"),
])
def test_time_limit_text(value, unit, text) -> None:  # type: ignore[no-untyped-def]
    assert time_limit_text(value, unit) == text
