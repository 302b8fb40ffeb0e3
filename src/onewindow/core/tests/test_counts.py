"""Bounded list counts (core.pagination.bounded_count, ADR 0024): exact up to the cap, "more
than the cap" beyond, and a list over the cap remembered for a short time, never one under it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template
from django.utils import translation

from onewindow.core import pagination
from onewindow.core.pagination import BoundedPage, bounded_count, count_memo_clear, page_count

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    User = get_user_model()
    User.objects.bulk_create([User(username=f"count{i}") for i in range(7)])
    return User.objects.filter(username__startswith="count")


@pytest.fixture(autouse=True)
def _memo():
    count_memo_clear()
    yield
    count_memo_clear()


def test_exact_up_to_the_cap_then_the_cap_and_not_exact(users):
    assert bounded_count(users, cap=100) == (7, True)
    assert bounded_count(users, cap=7) == (7, True)  # exactly the cap is still exact
    assert bounded_count(users, cap=6) == (6, False)
    assert bounded_count(users, cap=1) == (1, False)
    assert bounded_count(users.filter(username="count3"), cap=1) == (1, True)
    assert bounded_count(users.none(), cap=5) == (0, True)


def test_the_default_cap_is_read_when_called(users, monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_CAP", 4)
    assert bounded_count(users) == (4, False)
    monkeypatch.setattr(pagination, "COUNT_CAP", 10_000)
    assert bounded_count(users) == (7, True)


def test_one_statement_that_stops_after_cap_plus_one_rows(users, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        bounded_count(users.order_by("username"), cap=3)
    sql = captured.captured_queries[0]["sql"].upper()
    assert "LIMIT 4" in sql and "ORDER BY" not in sql


def test_a_list_over_the_cap_is_remembered_for_the_memo_time_only(users, settings, monkeypatch,
                                                                  django_assert_num_queries):
    settings.ONEWINDOW_COUNT_MEMO_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(pagination.time, "monotonic", lambda: clock[0])
    assert bounded_count(users, cap=5, memo_key="all") == (5, False)
    with django_assert_num_queries(0):
        assert bounded_count(users, cap=5, memo_key="all") == (5, False)
    clock[0] += 31  # past the memo time the list is counted again, and found under the cap
    users.filter(username__in=["count0", "count1", "count2"]).delete()
    with django_assert_num_queries(1):
        assert bounded_count(users, cap=5, memo_key="all") == (4, True)
    # another key is another list; without a key nothing is remembered
    with django_assert_num_queries(2):
        assert bounded_count(users.filter(username="count5"), cap=5, memo_key="other") == (1, True)
        assert bounded_count(users, cap=3) == (3, False)


def test_a_list_under_the_cap_is_counted_every_time(users, settings, django_assert_num_queries):
    """The flag never lies for small lists: a row added or removed shows at once."""
    settings.ONEWINDOW_COUNT_MEMO_SECONDS = 30
    assert bounded_count(users, cap=100, memo_key="k") == (7, True)
    get_user_model().objects.create(username="count7")
    with django_assert_num_queries(1):
        assert bounded_count(users, cap=100, memo_key="k") == (8, True)
    users.filter(username="count0").delete()
    assert bounded_count(users, cap=100, memo_key="k") == (7, True)


def test_no_memo_when_the_memo_time_is_zero(users, settings, django_assert_num_queries):
    settings.ONEWINDOW_COUNT_MEMO_SECONDS = 0
    assert bounded_count(users, cap=2, memo_key="k") == (2, False)
    with django_assert_num_queries(1):
        assert bounded_count(users, cap=2, memo_key="k") == (2, False)


def test_the_page_counts_itself_when_it_shows_the_end():
    def never() -> tuple[int, bool]:
        raise AssertionError("no count needed")

    assert page_count(page=1, page_size=50, rows=0, has_next=False, count=never) == (0, True)
    assert page_count(page=1, page_size=50, rows=12, has_next=False, count=never) == (12, True)
    assert page_count(page=3, page_size=10, rows=4, has_next=False, count=never) == (24, True)
    # a full page with more after it, or a page past the end: counted
    assert page_count(page=1, page_size=10, rows=10, has_next=True, count=lambda: (10_000, False)) == (10_000, False)
    assert page_count(page=9, page_size=10, rows=0, has_next=False, count=lambda: (24, True)) == (24, True)


def test_a_bounded_page_has_no_page_total_when_the_count_is_not_exact():
    exact = BoundedPage(object_list=[1, 2], number=2, page_size=2, has_next=True, count=5, count_exact=True)
    assert exact.num_pages == 3 and exact.has_previous() and exact.has_next() and exact.next_page_number() == 3
    inexact = BoundedPage(object_list=[1], number=1, page_size=50, has_next=True, count=10_000, count_exact=False)
    assert inexact.num_pages is None and not inexact.has_previous()
    assert BoundedPage(object_list=[], number=1, page_size=50, has_next=False, count=0, count_exact=True).num_pages == 1


@pytest.mark.parametrize(("language", "value", "shown"), [
    ("zh-hans", 10_000, "1万"), ("zh-hans", 30_000, "3万"), ("zh-hans", 9_999, "9,999"), ("zh-hans", 12_345, "12,345"),
    ("en", 10_000, "10,000"), ("zh-hans", "x", "x"),
])
def test_count_short_reads_whole_wan_in_chinese(language, value, shown):
    with translation.override(language):
        assert Template("{% load ow_counts %}{{ v|count_short }}").render(Context({"v": value})) == shown


def test_the_page_shape_documents_the_flag():
    fields = pagination.OneWindowPagination.Output.model_fields
    assert list(fields)[:2] == ["count", "count_exact"]
    assert fields["count_exact"].is_required() and "false" in (fields["count_exact"].description or "")
