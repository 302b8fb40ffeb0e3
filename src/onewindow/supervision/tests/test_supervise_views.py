"""Pages of the monitor, supervision orders, the assessment and the dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.supervision.models import AssessmentDeduction, CaseSupervisionOrder
from onewindow.supervision.services import assessment as svc
from onewindow.supervision.services.figures import figures_refresh
from onewindow.supervision.tests.helpers import MONDAY, case_at, ticket_overdue
from onewindow.tickets.models import SupervisionOrder

pytestmark = pytest.mark.django_db


def test_monitor_shows_lights_and_oldest_overdue_and_issues_a_ticket_order(client, hotline):
    ticket = ticket_overdue(hotline)
    client.force_login(hotline.supervisor.user)
    page = client.get("/staff/monitor/")
    html = page.content.decode()
    assert page.status_code == 200 and ticket.number in html and "受理与审批为同一人" in html
    assert 'data-testid="red-tickets">1<' in html
    response = client.post(f"/staff/monitor/tickets/{ticket.public_id}/order/",
                           {"reason": "超期未办，请立即处理并反馈"})
    assert response.status_code == 302 and SupervisionOrder.objects.filter(ticket=ticket).count() == 1
    response = client.post(f"/staff/monitor/tickets/{ticket.public_id}/order/", {"reason": "短"})
    assert response.status_code == 400 and "督办事由" in response.content.decode()
    partial = client.get("/staff/monitor/", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and ticket.number.encode() in partial.content


def test_monitor_is_hidden_from_clerks(client, hotline):
    client.force_login(hotline.water_staff.user)
    assert client.get("/staff/monitor/").status_code == 404


def test_case_order_page_issues_and_the_department_answers(client, world, item_a):
    case = case_at(item=item_a, submitted_at=timezone.now() - timedelta(days=10), status="in_review",
                   due_at=timezone.now() - timedelta(days=1))
    client.force_login(world.supervisor.user)
    url = f"/staff/monitor/cases/{case.public_id}/"
    assert case.number in client.get("/staff/monitor/").content.decode()
    bad = client.post(url, {"reason": ""})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    assert client.post(url, {"reason": "超期未办结，请说明原因"}).status_code == 302
    order = CaseSupervisionOrder.objects.get(case=case)
    assert order.department == world.dept_a and order.status == "open"
    client.force_login(world.reviewer_a.user)
    assert client.get(url).status_code == 404  # the monitor's case page is for supervisors
    client.force_login(world.supervisor.user)
    assert "超期未办结" in client.get("/staff/monitor/cases/").content.decode()


def test_assessment_pages_report_excel_pdf_and_appeal(client, hotline):
    svc.rules_seed()
    ticket = ticket_overdue(hotline)
    client.force_login(hotline.supervisor.user)
    assert client.post("/staff/assessment/", {"period": "2026-13"}).status_code == 400
    response = client.post("/staff/assessment/", {"period": "2026-11"})
    assert response.status_code == 302 and response["Location"].endswith("/staff/assessment/2026-11/")
    html = client.get("/staff/assessment/2026-11/").content.decode()
    assert ticket.number in html and f"/staff/hotline/tickets/{ticket.public_id}/" in html
    xlsx = client.get("/staff/assessment/2026-11/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = client.get("/staff/assessment/2026-11/?format=pdf")
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"
    # Not published yet: the department does not see it; then it does, and appeals.
    client.force_login(hotline.water_staff.user)
    assert client.get("/staff/assessment/2026-11/").status_code == 404
    client.force_login(hotline.supervisor.user)
    client.post("/staff/assessment/2026-11/publish/")
    client.force_login(hotline.water_staff.user)
    deduction = AssessmentDeduction.objects.get(score__department=hotline.water)
    response = client.post("/staff/assessment/2026-11/appeal/", {"deduction": str(deduction.public_id),
                                                                 "reason": "管网爆管属不可抗力"})
    assert response.status_code == 302
    deduction.refresh_from_db()
    assert deduction.status == "appealed"


def test_dashboard_page_drills_down_and_checks_the_range(client, hotline, district):
    ticket_overdue(hotline)
    figures_refresh(first=MONDAY.date(), last=MONDAY.date() + timedelta(days=1))
    client.force_login(hotline.supervisor.user)
    html = client.get("/staff/dashboard/?first=2026-11-01&last=2026-11-30").content.decode()
    assert "办件量" in html and "拓东街道" in html and 'data-testid="figure-tickets_received">1<' in html
    street = client.get(f"/staff/dashboard/?region={district.street_a.code}&first=2026-11-01&last=2026-11-30")
    assert street.status_code == 200 and "拓东社区" in street.content.decode()
    bad = client.get("/staff/dashboard/?first=2026-12-01&last=2026-11-01")
    assert bad.status_code == 400 and "开始日期不能晚于结束日期" in bad.content.decode()
    client.force_login(hotline.water_staff.user)
    assert client.get("/staff/dashboard/").status_code == 404
