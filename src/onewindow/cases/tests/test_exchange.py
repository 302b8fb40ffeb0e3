"""National 办件信息 exchange: the record of a case, the closed-case event, the streamed export."""

import csv
import io
import json
from datetime import timedelta

import pytest

from onewindow.accounts.tests.factories import make_id_number
from onewindow.cases import exchange, services
from onewindow.cases.constants import CaseStatus
from onewindow.cases.tests.conftest import at
from onewindow.cases.tests.helpers import online_accepted, online_submitted, review_to_decision
from onewindow.core.models import AuditEntry, OutboxEvent

pytestmark = pytest.mark.django_db


def _record(**kw):
    base = dict(number="5301032026112300001", item_code="11530103MB0000000X4000111000000", item_name="x",
                status=CaseStatus.CLOSED, applicant_kind="person", applicant_name="张三",
                id_number=make_id_number(5), department_code="530103-SCJG", department_name="市监局",
                channel="online", submitted_at=at(2026, 11, 23), accepted_at=at(2026, 11, 23, 11),
                promised_due_at=None, closed_at=at(2026, 11, 26), decided_status=CaseStatus.APPROVED,
                promised_limit_days=5, legal_limit_days=20)
    base.update(kw)
    return exchange.exchange_record(**base)


def test_record_maps_kind_types_and_status_codes(settings):
    record = _record()
    assert (record["case_kind_code"], record["case_kind"]) == ("2", "承诺件")
    assert (record["applicant_type"], record["id_type_code"], record["id_type"]) == ("自然人", "111", "居民身份证")
    assert record["id_number"].startswith("5301") and "*" in record["id_number"]  # masked
    assert (record["national_status_code"], record["national_status"], record["result"]) == ("08", "办结", "准予")
    assert record["accepted_at"] == "2026-11-23T11:00:00+08:00" and record["closed_at"].endswith("+08:00")
    assert set(record) == set(exchange.EXCHANGE_COLUMNS)
    assert _record(promised_limit_days=0)["case_kind"] == "即办件"
    assert _record(promised_limit_days=None, legal_limit_days=0)["case_kind"] == "即办件"
    firm = _record(applicant_kind="enterprise", id_number="91530103MA6K000001")
    assert (firm["id_type"], firm["id_number"]) == ("统一社会信用代码", "91530103MA6K000001")
    assert _record(status=CaseStatus.WITHDRAWN, decided_status="")["result"] == "撤回"
    assert _record(status=CaseStatus.IN_REVIEW, closed_at=None, decided_status="")["national_status"] == "审查"
    settings.ONEWINDOW_EXCHANGE_CODES = {"status": {"closed": ["99", "已办结"]}}
    assert _record()["national_status_code"] == "99"
    for status in CaseStatus.values:
        if status != CaseStatus.DRAFT:
            assert status in exchange.STATUSES


def test_closing_records_time_and_publishes_the_exchange_record(world, citizen, item_a):
    case = online_accepted(citizen.user, item_a, world.clerk.user, now=at(2026, 11, 23))
    case = review_to_decision(case, world.reviewer_a.user, now=at(2026, 11, 24))
    case = services.case_decide(actor=world.leader_a.user, case=case, approve=True, now=at(2026, 11, 25, 15))
    case = services.case_result_issue(actor=None, case=case)
    case = services.case_deliver(actor=world.clerk.user, case=case, method="online", now=at(2026, 11, 26))
    case = services.case_close(actor=world.reviewer_a.user, case=case, now=at(2026, 11, 26, 10))
    assert case.closed_at == at(2026, 11, 26, 10)
    event = OutboxEvent.objects.get(name="case.closed")
    record = event.payload["exchange"]
    assert event.payload["case_id"] == str(case.public_id)
    assert record["case_number"] == case.number and record["item_code"] == item_a.implementation_code
    assert (record["national_status"], record["result"], record["case_kind"]) == ("办结", "准予", "承诺件")
    assert record["closed_at"] == "2026-11-26T10:00:00+08:00" and record["department_code"] == "530103-SCJG"
    assert citizen.id_number not in json.dumps(event.payload)


def test_withdrawal_closes_and_is_pushed(world, citizen, item_a):
    case = online_submitted(citizen.user, item_a, now=at(2026, 11, 23))
    case = services.case_withdraw(actor=citizen.user, case=case, reason="不办了", now=at(2026, 11, 23, 12))
    assert case.status == CaseStatus.WITHDRAWN and case.closed_at == at(2026, 11, 23, 12)
    record = OutboxEvent.objects.get(name="case.closed").payload["exchange"]
    assert (record["national_status"], record["result"]) == ("撤回", "撤回")


def test_export_streams_scoped_records_by_period(client, world, citizen, item_a):
    case = online_submitted(citizen.user, item_a, now=at(2026, 11, 23))
    services.case_withdraw(actor=citizen.user, case=case, now=at(2026, 11, 23, 12))
    client.force_login(world.leader_a.user)
    params = {"from": "2026-11-23T00:00:00+08:00", "to": "2026-11-24T00:00:00+08:00", "by": "closed"}
    answer = client.get("/api/v1/cases/exchange", params)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/x-ndjson")
    assert answer["Cache-Control"] == "no-store"
    rows = [json.loads(line) for line in b"".join(answer.streaming_content).decode().splitlines()]
    assert [r["case_number"] for r in rows] == [case.number]
    assert rows[0]["national_status"] == "撤回" and "*" in rows[0]["id_number"]
    as_csv = client.get("/api/v1/cases/exchange", {**params, "format": "csv"})
    text = b"".join(as_csv.streaming_content).decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0]["case_number"] == case.number and parsed[0]["id_type"] == "居民身份证"
    outside = client.get("/api/v1/cases/exchange", {**params, "from": "2026-11-24T00:00:00+08:00",
                                                    "to": "2026-11-25T00:00:00+08:00"})
    assert b"".join(outside.streaming_content) == b""
    assert AuditEntry.objects.filter(action="case.exchange_export").count() == 3
    client.force_login(world.reviewer_b.user)  # another department: nothing
    other = client.get("/api/v1/cases/exchange", params)
    assert b"".join(other.streaming_content) == b""


def test_export_refuses_bad_periods(client, world):
    client.force_login(world.leader_a.user)
    start = at(2026, 1, 1)
    for a, b in ((start, start), (start, start + timedelta(days=400)), (start.replace(year=1990), start)):
        answer = client.get("/api/v1/cases/exchange", {"from": a.isoformat(), "to": b.isoformat()})
        assert answer.status_code == 400 and answer.json()["code"] == "export_period_invalid"
    assert client.get("/api/v1/cases/exchange", {"from": start.isoformat(), "to": start.isoformat(),
                                                 "format": "xml"}).status_code == 422
