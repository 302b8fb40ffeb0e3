"""The three rates (响应率, 解决率, 满意率) checked against a hand-computed month.

Nine water tickets of October 2026, each dispatched to the water bureau at intake; the
response limit is 24 hours after dispatch. What happened, and what each rate counts:

| ticket | accepted after | callback  | solved | responded | called back | solved | satisfied |
|--------|----------------|-----------|--------|-----------|-------------|--------|-----------|
| W1     | 1 h            | 满意      | yes    | 1         | 1           | 1      | 1         |
| W2     | 2 h            | 满意      | no     | 1         | 1           | 0      | 1         |
| W3     | 3 h            | 基本满意  | yes    | 1         | 1           | 1      | 1         |
| W4     | 30 h (late)    | 不满意    | yes    | 0         | 1           | 1      | 0         |
| W5     | 5 h            | 基本满意  | no     | 1         | 1           | 0      | 1         |
| W6     | 20 h           | —         | —      | 1         | 0           | 0      | 0         |
| W7     | never          | —         | —      | 0         | 0           | 0      | 0         |
| W8     | 10 h           | —         | —      | 1         | 0           | 0      | 0         |
| W9     | 4 h            | 不满意    | no     | 1         | 1           | 0      | 0         |
| total  |                |           |        | 7 of 9    | 6           | 3 of 6 | 4 of 6    |

响应率 = 7/9 = 77.8 %, 解决率 = 3/6 = 50.0 %, 满意率 = 4/6 = 66.7 %: three different figures,
because being satisfied (with the answer, the attitude) and having the problem solved are two
questions of the callback.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from onewindow.tickets import reports, services
from onewindow.tickets.tests.factories import intake_kwargs

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 12, 9, 0, tzinfo=SH)

#: ticket → (hours until accepted or None, callback satisfaction or None, solved)
PLAN: dict[str, tuple[float | None, str | None, bool]] = {
    "W1": (1, "satisfied", True),
    "W2": (2, "satisfied", False),
    "W3": (3, "basic", True),
    "W4": (30, "unsatisfied", True),
    "W5": (5, "basic", False),
    "W6": (20, None, False),
    "W7": (None, None, False),
    "W8": (10, None, False),
    "W9": (4, "unsatisfied", False),
}


@pytest.fixture
def month(hotline):
    op, water = hotline.operator.user, hotline.water_staff.user
    for index, (name, (accept_after, satisfaction, solved)) in enumerate(PLAN.items()):
        received = START + timedelta(days=index)
        ticket = services.ticket_intake(actor=op, now=received, **intake_kwargs(
            title=f"{name} 停水", text=f"{name}：金碧路{index + 1}号楼从早上开始停水，请尽快恢复供水。",
            lng=102.705 + index * 0.004, lat=25.02))
        assert ticket.department == hotline.water
        if accept_after is None:
            continue
        services.ticket_accept(actor=water, ticket=ticket, now=received + timedelta(hours=accept_after))
        if name == "W8":
            continue
        services.ticket_reply(actor=water, ticket=ticket, text="已派人维修，供水已恢复。",
                              now=received + timedelta(hours=accept_after + 2))
        if satisfaction:
            services.ticket_callback(actor=op, ticket=ticket, satisfaction=satisfaction, solved=solved,
                                     now=received + timedelta(hours=accept_after + 4))


def test_the_three_rates_match_the_hand_computed_month(hotline, month):
    rows = {r.department: r for r in reports.department_rates(
        actor=hotline.supervisor.user, period=reports.Period.month("2026-10"))}
    water = rows["区水务局"]
    assert (water.dispatched, water.responded, water.callbacks, water.solved, water.satisfied) == (9, 7, 6, 3, 4)
    assert water.response_rate == pytest.approx(7 / 9, abs=1e-4)
    assert water.resolution_rate == 0.5
    assert water.satisfaction_rate == pytest.approx(4 / 6, abs=1e-4)
    assert [reports.percent(x) for x in (water.response_rate, water.resolution_rate, water.satisfaction_rate)] \
        == ["77.8%", "50.0%", "66.7%"]


def test_the_report_page_shows_the_three_rates(client, hotline, month):
    client.force_login(hotline.supervisor.user)
    html = client.get(reverse("tickets:report"), {"month": "2026-10"}).content.decode()
    row = next(r for r in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S) if "区水务局" in r)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)[1:]
    # received, dispatched, response, resolution, satisfaction
    assert cells[:5] == ["9", "9", "77.8%", "50.0%", "66.7%"]
