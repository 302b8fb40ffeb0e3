"""/api/v1/calendar: public reads, the deadline calculator, and the staff import."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.accounts import services as account_services
from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import staff_make
from onewindow.core.models import AuditEntry, CalendarDay, CalendarYear, OutboxEvent
from onewindow.core.services import calendar_seed_from_library

pytestmark = pytest.mark.django_db

ROWS_2027 = [
    {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
    {"date": "2027-10-02", "kind": "holiday", "name": "国庆节"},
    {"date": "2027-10-09", "kind": "workday", "name": "国庆节"},
]


def bearer(user) -> dict[str, str]:  # type: ignore[no-untyped-def]
    _, key = account_services.api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


@pytest.fixture
def administrator(district):  # type: ignore[no-untyped-def]
    return staff_make(username="admin1", region=district.district, roles=[Role.ADMINISTRATOR],
                      name="系统管理员")


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    calendar_seed_from_library(actor=None)


def is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- Public reads -----------------------------------------------------------------------------
def test_an_official_year_lists_its_days(client, seeded):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/calendar/2026")
    assert response.status_code == 200
    assert len(queries) <= 3
    body = response.json()
    assert body["status"] == "official" and body["status_label"] == "官方公布"
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-10-10"]["kind"] == "workday" and not days["2026-10-10"]["assumed"]
    assert days["2026-10-07"]["name"] == "国庆节"
    assert len(days) == CalendarDay.objects.filter(date__year=2026).count()


def test_a_provisional_year_shows_the_assumed_dates(client, seeded):
    body = client.get("/api/v1/calendar/2027").json()
    assert body["status"] == "provisional" and body["imported_at"] is None
    assert {"date": "2027-02-06", "kind": "holiday", "kind_label": "法定节假日", "name": "春节",
            "assumed": True} in body["days"]


@pytest.mark.parametrize(("url", "status", "field"), [
    ("/api/v1/calendar/3000", 400, "year"),
    ("/api/v1/calendar/abc", 422, "year"),
])
def test_bad_years_are_refused_in_chinese(client, url, status, field):
    response = client.get(url)
    assert response.status_code == status
    body = response.json()
    assert field in body["fields"] and is_chinese(body["message"])


def test_deadline_across_national_day_2026(client, seeded):
    response = client.get("/api/v1/calendar/deadline",
                          {"start": "2026-09-30T10:00:00+08:00", "days": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["at"].startswith("2026-10-13T23:59:59.999")
    assert body["at"].endswith("+08:00")
    assert body["provisional"] is False and body["unit"] == "working"


def test_deadline_with_a_naive_or_utc_start(client, seeded):
    naive = client.get("/api/v1/calendar/deadline", {"start": "2026-09-30T10:00", "days": 1})
    assert naive.json()["at"].startswith("2026-10-08T23:59:59")
    utc = client.get("/api/v1/calendar/deadline", {"start": "2026-09-29T17:30:00Z", "days": 1})
    assert utc.json()["at"].startswith("2026-10-08T23:59:59")  # Sep 30 in Shanghai


def test_deadline_into_an_unpublished_year_is_provisional(client, seeded):
    body = client.get("/api/v1/calendar/deadline",
                      {"start": "2026-12-30T09:00:00+08:00", "days": 2}).json()
    assert body["at"].startswith("2027-01-04") and body["provisional"] is True


def test_natural_days(client, seeded):
    body = client.get("/api/v1/calendar/deadline",
                      {"start": "2026-09-30T09:00:00+08:00", "days": 3, "unit": "natural"}).json()
    assert body["at"].startswith("2026-10-03T23:59:59") and body["provisional"] is False


def test_bad_deadline_input_is_a_422_with_chinese_fields(client):
    response = client.get("/api/v1/calendar/deadline",
                          {"start": "昨天", "days": -1, "unit": "lunar"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_failed"
    assert set(body["fields"]) == {"start", "days", "unit"}
    assert all(is_chinese(m) for m in body["fields"].values())
    assert client.get("/api/v1/calendar/deadline", {"days": 1}).status_code == 422


# --- Import -----------------------------------------------------------------------------------
def test_anonymous_import_is_401(client):
    response = client.post("/api/v1/calendar/2027/import", {"rows": ROWS_2027},
                           content_type="application/json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_window_clerk_cannot_import(client, clerk_a):
    response = client.post("/api/v1/calendar/2027/import", {"rows": ROWS_2027},
                           content_type="application/json", **bearer(clerk_a.user))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "permission_denied" and is_chinese(body["message"])
    assert not CalendarDay.objects.exists() and not CalendarYear.objects.exists()


def test_an_administrator_imports_a_year(client, administrator):
    response = client.post("/api/v1/calendar/2027/import",
                           {"rows": ROWS_2027, "source": "国办发明电〔2026〕X号"},
                           content_type="application/json", **bearer(administrator.user))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "official" and body["source"] == "国办发明电〔2026〕X号"
    assert [d["date"] for d in body["days"]] == ["2027-10-01", "2027-10-02", "2027-10-09"]
    assert AuditEntry.objects.get(action="calendar.import").actor_id == administrator.user.pk
    assert OutboxEvent.objects.filter(name="calendar.year_imported", payload={"year": 2027}).exists()
    deadline = client.get("/api/v1/calendar/deadline",
                          {"start": "2027-09-30T09:00:00+08:00", "days": 1}).json()
    # Fri Oct 1 off, then the weekend: Monday Oct 4, no longer provisional
    assert deadline["at"].startswith("2027-10-04") and deadline["provisional"] is False


def test_a_supervisor_may_import_too(client, supervisor):
    response = client.post("/api/v1/calendar/2027/import", {"rows": ROWS_2027},
                           content_type="application/json", **bearer(supervisor.user))
    assert response.status_code == 200


def test_bad_rows_are_a_400_naming_each_row(client, administrator):
    rows = [*ROWS_2027, {"date": "2027-02-30", "kind": "holiday"},
            {"date": "2026-10-01", "kind": "holiday"}, {"date": "2027-10-01", "kind": "off-ish"}]
    response = client.post("/api/v1/calendar/2027/import", {"rows": rows},
                           content_type="application/json", **bearer(administrator.user))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "calendar_rows_invalid"
    assert is_chinese(body["message"]) and body["request_id"]
    assert body["fields"]["rows.4"] == "第 4 条：日期“2027-02-30”无效，应为 YYYY-MM-DD"
    assert body["fields"]["rows.5"] == "第 5 条：日期 2026-10-01 不在 2027 年内"
    assert "与第 1 条重复" in body["fields"]["rows.6"]
    assert [d["row"] for d in body["detail"]] == [4, 5, 6, 6]
    assert not CalendarDay.objects.exists()


def test_malformed_body_is_a_422(client, administrator):
    response = client.post("/api/v1/calendar/2027/import", {"rows": "nope"},
                           content_type="application/json", **bearer(administrator.user))
    assert response.status_code == 422
    assert response.json()["fields"] == {"rows": "应为列表"}
    empty = client.post("/api/v1/calendar/2027/import", {"rows": []},
                        content_type="application/json", **bearer(administrator.user))
    assert empty.status_code == 400 and is_chinese(empty.json()["message"])
    assert not CalendarYear.objects.exists()


def test_the_seeded_2026_schedule_through_the_api(client, seeded):
    body = client.get("/api/v1/calendar/2026").json()
    workdays = sorted(d["date"] for d in body["days"] if d["kind"] == "workday")
    assert workdays == ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20",
                        "2026-10-10"]
    assert date.fromisoformat(workdays[-1]).weekday() == 5


def test_deadline_far_outside_the_calendar_is_a_chinese_400_not_a_500(client, seeded):
    for start in ("9999-12-31", "0001-01-01", "2201-01-01T10:00"):
        response = client.get("/api/v1/calendar/deadline", {"start": start, "days": 5})
        body = response.json()
        assert response.status_code == 400 and body["code"] == "calendar_start_out_of_range", start
        assert body["fields"]["start"] == "开始时间应在1990年至2200年之间"
