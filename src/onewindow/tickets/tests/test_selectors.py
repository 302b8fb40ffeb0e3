"""Scoped pages: the index-by-index page (TicketPage) returns exactly what the plain query does."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onewindow.tickets import selectors, services
from onewindow.tickets.constants import Status
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 8, 0, tzinfo=SH)


@pytest.fixture
def many(hotline):
    """Tickets in both streets, for three departments, in several states, with varied deadlines."""
    op = hotline.operator.user
    texts = ["拓东社区巷子里垃圾堆了{}天没人清运。", "拓东路{}号小区停水了，一直没有来水。",
             "网购的衣服质量差{}，商家拒绝退货。"]
    made = []
    for i in range(24):
        lng = 102.71 if i % 2 else 102.76
        t = services.ticket_intake(actor=op, now=T0 + timedelta(minutes=37 * i), **intake_kwargs(
            text=texts[i % 3].format(i), lng=lng, lat=25.01 + i * 0.0005, urgency="urgent" if i % 5 == 0 else "normal"))
        made.append(t)
    for t in made[:6]:
        if t.department_id == hotline.water.id:
            services.ticket_accept(actor=hotline.water_staff.user, ticket=t)
    services.ticket_cohandler_add(actor=op, ticket=made[2], department=hotline.water)
    return made


@pytest.mark.parametrize("who", ["operator", "water_staff", "office_a_staff", "supervisor", "env_staff"])
@pytest.mark.parametrize("statuses", [(), (Status.DISPATCHED, Status.ACCEPTED), (Status.TRIAGE,)])
def test_pages_equal_the_plain_query(hotline, many, who, statuses):
    user = getattr(hotline, who).user
    filters = selectors.TicketFilters(status=statuses)
    expected = list(selectors.ticket_list(actor=user, filters=filters))
    page = selectors.ticket_page(actor=user, filters=filters)
    assert page.count() == len(expected) == len(page)
    for start, stop in ((0, 5), (0, 50), (3, 9), (20, 30)):
        assert [t.id for t in page[start:stop]] == [t.id for t in expected[start:stop]]


def test_cohandled_tickets_are_in_the_co_handlers_pages(hotline, many):
    page = selectors.ticket_page(actor=hotline.water_staff.user)
    assert many[2].id in {t.id for t in page[0:100]}
    assert many[2].department_id != hotline.water.id


def test_lists_do_not_load_long_texts_or_personal_data(hotline, many, django_assert_max_num_queries):
    page = selectors.ticket_page(actor=hotline.supervisor.user)
    with django_assert_max_num_queries(4):
        rows = page[0:10]
        assert [t.category.name for t in rows] and [t.department for t in rows]
    assert "requester_phone" in rows[0].get_deferred_fields() and "text" in rows[0].get_deferred_fields()


def test_reference_data_is_cached_per_process_and_cleared_by_writes(hotline, monkeypatch,
                                                                    django_capture_on_commit_callbacks):
    monkeypatch.setattr(selectors, "REFERENCE_TTL_SECONDS", 30.0)
    selectors.reference_cache_clear()
    first = selectors.dispatch_rule_specs()
    assert selectors.dispatch_rule_specs() == first
    with django_capture_on_commit_callbacks(execute=True):
        services.dispatch_rule_save(actor=hotline.supervisor.user, department=hotline.env,
                                    category=hotline.category("违章建筑"), priority=3)
    assert len(selectors.dispatch_rule_specs()) == len(first) + 1
    config = selectors.hotline_config()
    assert selectors.hotline_config() is config
    selectors.reference_cache_clear()
    assert selectors.hotline_config() is not config
