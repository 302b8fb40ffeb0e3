"""The monitor's anomaly rules and rising departments, each with the records behind it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.cases.models import CaseEvent, CasePause
from onewindow.supervision import monitor
from onewindow.supervision.tests.helpers import case_at, ticket_overdue
from onewindow.tickets.models import TicketReturn

pytestmark = pytest.mark.django_db


def by_code(items):
    return {a.code: a for a in items}


def test_anomaly_rules_list_their_records(world, item_a, hotline):
    now = timezone.now()
    scope = monitor.monitor_scope(world.supervisor.user)
    same = case_at(item=item_a, submitted_at=now - timedelta(days=3), status="approved")
    other = case_at(item=item_a, submitted_at=now - timedelta(days=3), status="approved")
    for case, approver in ((same, world.reviewer_a), (other, world.reviewer_a2)):
        CaseEvent.objects.create(case=case, at=now - timedelta(days=2), action="accept", actor=world.reviewer_a.user,
                                 actor_label="市监局审批员甲", title="受理")
        CaseEvent.objects.create(case=case, at=now - timedelta(days=1), action="approve", actor=approver.user,
                                 actor_label=approver.name, title="准予许可")
    paused = case_at(item=item_a, submitted_at=now - timedelta(days=20), status="in_review")
    for i in range(3):
        CasePause.objects.create(case=paused, kind="supplement", reason="补正", started_at=now - timedelta(days=10 - i))
    ticket = ticket_overdue(hotline, now=now - timedelta(days=3))
    for _ in range(5):
        TicketReturn.objects.create(ticket=ticket, department=hotline.water, reason="非本部门职责",
                                    dispatched_by=hotline.operator.user, returned_at=now - timedelta(days=1))
    found = by_code(monitor.anomalies(scope=scope, now=now))
    assert [r.label.split()[0] for r in found["same_person"].records] == [same.number]
    assert found["same_person"].records[0].url == f"/staff/monitor/cases/{same.public_id}/"
    assert [r.detail for r in found["pauses"].records] == ["暂停 3 次"]
    assert [r.label for r in found["returns"].records] == ["operator"]
    assert found["rejections"].records == []


def test_rising_departments_and_lights(hotline):
    now = timezone.now()
    scope = monitor.monitor_scope(hotline.supervisor.user)
    ticket_overdue(hotline, now=now - timedelta(days=3))
    ticket_overdue(hotline, now=now - timedelta(days=2))
    rising = monitor.rising_departments(scope=scope, now=now)
    assert [(r.department, r.this_week, r.last_week) for r in rising] == [(hotline.water.name, 2, 0)]
    lights = {x.source: (x.yellow, x.red) for x in monitor.lights(scope=scope, now=now)}
    assert lights["tickets"] == (0, 2) and lights["cases"] == (0, 0)
