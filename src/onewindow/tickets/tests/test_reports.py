"""The three rates per department, dispatcher accuracy, and the monthly report in three forms."""

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from onewindow.accounts import services as account_services
from onewindow.core.errors import ValidationFailed
from onewindow.core.tests.helpers import raises_code
from onewindow.tickets import reports, services
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 10, 12, 9, 0, tzinfo=SH)  # a Monday in October
OCTOBER = reports.Period.month("2026-10")


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


@pytest.fixture
def october(hotline):
    """Four water tickets and one for the street office, with known outcomes."""
    op, water, sup = hotline.operator.user, hotline.water_staff.user, hotline.supervisor.user

    def water_ticket(n):
        return services.ticket_intake(actor=op, now=at(n), **intake_kwargs(
            text=f"拓东路{n}号小区停水了，一直没有来水。", lng=102.71 + n * 0.002, lat=25.01))

    # 1: accepted in 1 h, replied on time, satisfied and solved
    t1 = water_ticket(0)
    services.ticket_accept(actor=water, ticket=t1, now=at(1))
    services.ticket_reply(actor=water, ticket=t1, text="已恢复供水，请知悉。", now=at(5))
    services.ticket_callback(actor=op, ticket=t1, satisfaction="satisfied", solved=True, now=at(6))
    # 2: accepted late (30 h > 24 h), replied late (due after 24 h), unsatisfied, reopened
    t2 = water_ticket(1)
    services.ticket_accept(actor=water, ticket=t2, now=at(31))
    services.ticket_reply(actor=water, ticket=t2, text="已恢复供水，请知悉。", now=at(40))
    services.ticket_callback(actor=op, ticket=t2, satisfaction="unsatisfied", solved=False, now=at(41))
    services.ticket_reopen(actor=sup, ticket=t2, reason="水压不足需重新处理", now=at(42))
    # 3: never accepted, overdue
    t3 = water_ticket(2)
    services.tickets_deadline_tick(now=at(60))
    # 4: returned to the dispatcher (an automatic dispatch), then sent to the street office
    t4 = water_ticket(3)
    services.ticket_return(actor=water, ticket=t4, reason="属于小区物业内部管网", now=at(4))
    services.ticket_dispatch(actor=op, ticket=t4, department=hotline.office_a, now=at(5))
    services.ticket_accept(actor=hotline.office_a_staff.user, ticket=t4, now=at(6))
    services.ticket_reply(actor=hotline.office_a_staff.user, ticket=t4, text="已督促物业修复管网。", now=at(8))
    services.ticket_callback(actor=op, ticket=t4, satisfaction="basic", solved=True, now=at(9))
    # a ticket of November does not count in October
    services.ticket_intake(actor=op, now=datetime(2026, 11, 3, 9, tzinfo=SH), **intake_kwargs())
    return t1, t2, t3, t4


def test_department_rates(hotline, october):
    rows = {r.department: r for r in reports.department_rates(actor=hotline.supervisor.user, period=OCTOBER)}
    water = rows["区水务局"]
    assert (water.received, water.dispatched, water.responded) == (3, 3, 1)
    assert water.response_rate == pytest.approx(1 / 3, abs=1e-4)
    # t2's reply was late and t3 is overdue unreplied: 1 on time out of 3
    assert (water.replied, water.on_time, water.late_open) == (1, 1, 1)
    assert water.on_time_rate == 0.5
    assert (water.callbacks, water.solved, water.satisfied) == (1, 1, 1)
    assert water.reopened == 1 and water.returns == 1 and water.overdue == 1
    office = rows["拓东街道办事处"]
    assert (office.response_rate, office.satisfaction_rate, office.resolution_rate) == (1.0, 1.0, 1.0)
    total = reports.totals(list(rows.values()))
    assert total.received == 4 and total.returns == 1


def test_returns_count_against_the_dispatcher(hotline, october):
    rows = {d.dispatcher: d for d in reports.dispatcher_accuracy(actor=hotline.supervisor.user, period=OCTOBER)}
    automatic = rows["自动派单（规则与兜底）"]
    assert (automatic.dispatched, automatic.returned) == (4, 1)
    assert automatic.accuracy == 0.75
    operator = rows["话务员小李"]
    assert (operator.dispatched, operator.returned, operator.accuracy) == (1, 0, 1.0)


def test_rates_follow_the_scope(hotline, october):
    rows = reports.department_rates(actor=hotline.water_staff.user, period=OCTOBER)
    assert [r.department for r in rows] == ["区水务局"]
    # the street office sees its street: the water tickets there and its own
    rows = reports.department_rates(actor=hotline.office_a_staff.user, period=OCTOBER)
    assert {r.department: r.returns for r in rows} == {"区水务局": 1, "拓东街道办事处": 0}
    accuracy = reports.dispatcher_accuracy(actor=hotline.env_staff.user, period=OCTOBER)
    assert accuracy == []


def test_monthly_report_data(hotline, october):
    data = reports.monthly_report(actor=hotline.supervisor.user, period=OCTOBER, now=at(100))
    assert data.total.received == 4
    assert data.by_kind == [("求助", 4)]
    assert data.by_channel == [("12345 热线", 4)]
    assert data.by_category == [("城乡建设", 4)]
    assert data.by_area == [("拓东街道", 4)]
    assert data.hot_topics[0] == ("城乡建设 / 城市建设和市政管理 / 自来水供应", 4)
    assert [t.number for t in data.worst_overdue] == [october[2].number]
    assert reports.overdue_by(october[2], at(100)) == "3.1 天"


def test_period_parsing():
    assert OCTOBER.start == datetime(2026, 10, 1, tzinfo=SH) and OCTOBER.end == datetime(2026, 11, 1, tzinfo=SH)
    assert reports.Period.month(today=date(2026, 1, 15)).label == "2025年12月"
    with raises_code(ValidationFailed, "month_invalid"):
        reports.Period.month("2026-13")
    with raises_code(ValidationFailed, "period_invalid"):
        reports.Period.between(date(2026, 2, 1), date(2026, 1, 1))


def test_report_page_excel_and_pdf(client, hotline, october):
    client.force_login(hotline.supervisor.user)
    url = reverse("tickets:report")
    page = client.get(url, {"month": "2026-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "区水务局" in html and "33.3%" in html and october[2].number in html
    xlsx = client.get(url, {"month": "2026-10", "format": "xlsx"})
    assert xlsx["Content-Disposition"] == 'attachment; filename="12345-report-2026-10.xlsx"'
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames[:3] == ["三率", "分类分布", "区域分布"]
    sheet = book["三率"]
    header = [c.value for c in sheet[2]]
    assert header[:4] == ["部门", "受理量", "派单量", "响应率"]
    water = next(row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == "区水务局")
    assert water[1] == 3 and water[3] == pytest.approx(0.3333)
    pdf = client.get(url, {"month": "2026-10", "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(url, {"month": "bogus"}).status_code == 400
    fragment = client.get(reverse("tickets:report_hotspots"), {"month": "2026-10"}).content.decode()
    assert 'data-testid="hot-spots"' in fragment and "<html" not in fragment
    client.force_login(hotline.water_staff.user)
    assert client.get(url).status_code == 404


def test_rates_api(client, hotline, october):
    _, key = account_services.api_token_create(user=hotline.supervisor.user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    body = client.get("/api/v1/tickets/rates", {"from": "2026-10-01", "to": "2026-10-31"}, **auth).json()
    water = next(r for r in body if r["department"] == "区水务局")
    assert water["response_rate"] == pytest.approx(0.3333) and water["returns"] == 1
    assert body[-1]["department"] == "合计"
    monthly = client.get("/api/v1/tickets/reports/monthly", {"month": "2026-10"}, **auth).json()
    assert monthly["period"] == "2026年10月" and monthly["worst_overdue"] == [october[2].number]
    _, citizen_key = account_services.api_token_create(user=hotline.water_staff.user, name="t")
    forbidden = client.get("/api/v1/tickets/reports/monthly", HTTP_AUTHORIZATION=f"Bearer {citizen_key}")
    assert forbidden.status_code == 403
