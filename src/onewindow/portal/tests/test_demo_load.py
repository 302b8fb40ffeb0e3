"""manage.py demo_load: the whole demo, twice, and every demo account can sign in."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.demo import DEMO_PASSWORD, NAMED_STAFF
from onewindow.accounts.models import Department, Enterprise, Person, ServiceWindow, Staff, User
from onewindow.cases.constants import CaseStatus
from onewindow.cases.models import Case, CaseBundle, CaseEvent, Rating, RatingFollowUp
from onewindow.cases.selectors import (
    CaseFilters,
    case_figures,
    case_list,
    case_list_for_applicant,
    case_visible,
)
from onewindow.core.models import AuditEntry
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region
from onewindow.tickets.constants import Status as TicketStatus
from onewindow.tickets.models import ExtensionRequest, SupervisionOrder, Ticket, TicketEvent
from onewindow.tickets.reports import Period, monthly_report

MODELS = (Region, Department, ServiceWindow, User, Staff, Person, Enterprise, Case, CaseEvent,
          CaseBundle, Rating, RatingFollowUp, Ticket, TicketEvent, SupervisionOrder, ExtensionRequest)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.mark.django_db
def test_demo_load_brings_every_state_twice_creates_no_duplicates_and_every_role_signs_in(
        client: Client) -> None:
    out = StringIO()
    call_command("demo_load", "--small", stdout=out)
    first = _counts()
    text = out.getvalue()
    assert "街道：12" in text and "社区/村：15" in text
    assert f"密码均为 {DEMO_PASSWORD}" in text
    for username in (*NAMED_STAFF, "citizen", "enterprise"):
        assert f"  {username} " in text
    _every_state(text)

    audit = AuditEntry.objects.count()
    again = StringIO()
    call_command("demo_load", "--small", stdout=again)
    assert _counts() == first
    assert AuditEntry.objects.count() == audit  # nothing written, nothing audited
    assert "本次新建区划：0" in again.getvalue()

    staff_roles = {r for s in Staff.objects.filter(user__username__in=NAMED_STAFF)
                   for r in s.roles}
    assert staff_roles == set(Role.values)
    for username in (*NAMED_STAFF, "citizen", "enterprise"):
        client.logout()
        response = client.post("/accounts/login/", {"username": username,
                                                     "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.session.get("_auth_user_id") == str(
            User.objects.get(username=username).pk), username

    tuodong = Staff.objects.select_related("region").get(user__username="clerk_tuodong")
    assert tuodong.region.level == RegionLevel.STREET and tuodong.region.name == "拓东街道"
    assert list(tuodong.departments.values_list("name", flat=True)) == ["拓东街道办事处"]


@pytest.mark.django_db
def test_demo_load_explains_a_district_the_data_does_not_have(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_DISTRICT_CODE = "440105000000"
    with pytest.raises(CommandError, match="区划：文件中没有区县代码为 440105"):
        call_command("demo_load", "--small", stdout=StringIO())
    assert Region.objects.count() == 0


def _every_state(text: str) -> None:
    """The small demo brings cases and tickets in every state (checked after the first load of
    the test above: a demo load is the slow part of the suite)."""
    assert "办件（" in text and "12345工单（" in text

    # Applications: every state of the workflow, a bundle, ratings and a followed-up bad one.
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses >= {CaseStatus.SUBMITTED, CaseStatus.PREREVIEWED, CaseStatus.SUPPLEMENT,
                        CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SPECIAL,
                        CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.DELIVERED, CaseStatus.CLOSED,
                        CaseStatus.NOT_ACCEPTED, CaseStatus.WITHDRAWN}
    assert Case.objects.filter(status=CaseStatus.DRAFT).count() == 0
    assert set(Case.objects.values_list("channel", flat=True)) == {"window", "online", "kiosk"}
    assert Case.objects.values("department").distinct().count() >= 5
    issued = Case.objects.filter(status__in=[CaseStatus.APPROVED, CaseStatus.DELIVERED, CaseStatus.CLOSED],
                                 result_issued_at__isnull=False)
    assert issued.exists()
    assert Case.objects.exclude(warning_level="none").exists()
    bundle = CaseBundle.objects.get()
    assert bundle.cases.values("department").distinct().count() == 2
    assert Rating.objects.filter(level__lte=2).count() == 1
    assert RatingFollowUp.objects.get().status == "done"
    # histories are spread over past working days, never in the future
    first = CaseEvent.objects.order_by("at").first()
    assert first is not None and (timezone.now() - first.at).days >= 14
    assert not CaseEvent.objects.filter(at__gt=timezone.now()).exists()

    # "我的办件": the demo citizen and the enterprise agent see their own cases.
    citizen = User.objects.get(username="citizen")
    own = case_list_for_applicant(user=citizen)
    assert own.count() >= 4 and all(case_visible(actor=citizen, case=c) for c in own)
    assert case_list_for_applicant(user=User.objects.get(username="enterprise")).count() >= 2
    # the workbenches (reviewers: their bureau's cases; the clerk: open cases taken in at the
    # window, which belong to the items' bureaus) and the leader's figures are not empty
    for username in ("reviewer_market", "reviewer_civil"):
        assert case_list(actor=User.objects.get(username=username)).exists(), username
    assert case_list(actor=User.objects.get(username="clerk"), filters=CaseFilters(tab="open")).exists()
    today = timezone.localdate()
    figures = case_figures(actor=User.objects.get(username="leader"), start=today - timedelta(days=70),
                           end=today)
    assert figures.cases >= 15 and figures.finished and figures.online and figures.ratings == 3

    # Tickets: the hotline at work, and this month's report has figures.
    tickets = Ticket.objects.all()
    assert tickets.count() >= 40
    assert set(tickets.values_list("channel", flat=True)) >= {"hotline", "web", "mobile"}
    states = set(tickets.values_list("status", flat=True))
    assert states >= {TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.REPLIED,
                      TicketStatus.CLOSED, TicketStatus.MERGED, TicketStatus.RETURNED,
                      TicketStatus.REOPENED}
    assert TicketEvent.objects.filter(action="return").exists()
    assert tickets.filter(satisfaction__in=["satisfied", "basic"]).exists()
    assert tickets.filter(overdue=True).exists()
    assert SupervisionOrder.objects.exists() and ExtensionRequest.objects.exists()
    assert not TicketEvent.objects.filter(at__gt=timezone.now()).exists()
    supervisor = User.objects.get(username="supervisor")
    # Last month is complete whatever today's date (early on the 1st this month has no callbacks).
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    report = monthly_report(actor=supervisor, period=Period.month(f"{last_month:%Y-%m}"),
                            hot_spots=False)
    assert report.total.received > 0 and report.total.callbacks > 0
    assert report.total.satisfaction_rate and report.total.response_rate
    # callbacks ask two questions: satisfied with the answer, and is the problem solved
    solved_unhappy = tickets.filter(solved=True, satisfaction="unsatisfied").exists()
    unsolved_happy = tickets.filter(solved=False, satisfaction__in=["satisfied", "basic"]).exists()
    assert solved_unhappy and unsolved_happy
    assert report.total.satisfaction_rate != report.total.resolution_rate
