"""Calendar writes against a real database: import, seed, audit, outbox event."""

from datetime import date, datetime

import chinese_calendar
import pytest

from onewindow.core import constants as c
from onewindow.core.audit import audit_verify_chain
from onewindow.core.errors import ValidationFailed
from onewindow.core.events import _handlers, subscribe
from onewindow.core.models import AuditEntry, CalendarDay, CalendarYear, OutboxEvent
from onewindow.core.selectors import deadline_add, work_calendar
from onewindow.core.services import calendar_import, calendar_seed_from_library
from onewindow.core.tests.helpers import raises_code
from onewindow.core.workdays import SHANGHAI

pytestmark = pytest.mark.django_db

GOOD_CSV = """date,kind,name
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-13,workday,春节
2027-02-20,workday,春节
"""

GOOD_YAML = """year: 2027
days:
  - {date: 2027-01-01, kind: holiday, name: 元旦}
  - {date: 2027-10-01, kind: holiday, name: 国庆节}
  - {date: 2027-10-09, kind: workday, name: 国庆节}
"""


def days_of(year: int) -> dict[date, str]:
    return dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))


def test_import_csv_writes_the_year_and_marks_it_official(supervisor):
    record = calendar_import(actor=supervisor.user, year=2027, content=GOOD_CSV.encode(),
                             filename="2027.csv")
    assert record.status == CalendarYear.Status.OFFICIAL
    assert record.imported_at is not None and record.source == "导入：2027.csv"
    stored = days_of(2027)
    assert len(stored) == 10
    assert stored[date(2027, 2, 13)] == CalendarDay.Kind.WORKDAY
    assert CalendarDay.objects.get(date=date(2027, 2, 5)).name == "春节"
    entry = AuditEntry.objects.get(action=c.AUDIT_CALENDAR_IMPORT)
    assert entry.actor_id == supervisor.user.pk
    assert entry.summary["year"] == 2027 and entry.summary["holidays"] == 8
    assert entry.summary["workdays"] == 2
    assert audit_verify_chain().ok
    event = OutboxEvent.objects.get(name=c.EVENT_CALENDAR_YEAR_IMPORTED)
    assert event.payload == {"year": 2027}


def test_imported_year_is_no_longer_provisional_and_uses_the_make_up_days():
    start = date(2027, 2, 4)
    before = deadline_add(start=start, days=2)
    assert before.provisional
    calendar_import(actor=None, year=2027, content=GOOD_CSV)
    after = deadline_add(start=start, days=2)
    assert not after.provisional
    # Feb 5–11 off, Sat Feb 13 is a make-up workday: Feb 12 (1), Feb 13 (2)
    assert after.day == date(2027, 2, 13)


def test_import_yaml_takes_the_year_from_the_file():
    record = calendar_import(actor=None, content=GOOD_YAML, filename="2027.yaml")
    assert record.year == 2027
    assert days_of(2027) == {date(2027, 1, 1): "holiday", date(2027, 10, 1): "holiday",
                             date(2027, 10, 9): "workday"}


def test_import_rows_and_chinese_kind_names():
    rows = [{"date": "2027-01-01", "kind": "休", "name": "元旦"},
            {"date": "2027/10/09", "kind": "班", "name": "国庆节"}]
    calendar_import(actor=None, year=2027, rows=rows)
    assert days_of(2027) == {date(2027, 1, 1): "holiday", date(2027, 10, 9): "workday"}


def test_import_gbk_csv_from_excel():
    calendar_import(actor=None, year=2027, content="2027-01-01,holiday,元旦\n".encode("gbk"),
                    filename="x.csv")
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).name == "元旦"


def test_reimport_replaces_the_year_and_keeps_other_years():
    calendar_import(actor=None, year=2026, rows=[{"date": "2026-10-01", "kind": "holiday"}])
    calendar_import(actor=None, year=2027, content=GOOD_CSV)
    calendar_import(actor=None, year=2027, content=GOOD_YAML, filename="fix.yaml")
    assert set(days_of(2027)) == {date(2027, 1, 1), date(2027, 10, 1), date(2027, 10, 9)}
    assert set(days_of(2026)) == {date(2026, 10, 1)}
    assert CalendarYear.objects.get(year=2027).source == "导入：fix.yaml"
    assert OutboxEvent.objects.filter(name=c.EVENT_CALENDAR_YEAR_IMPORTED).count() == 3


def errors_of(code: str, **kwargs) -> ValidationFailed:  # type: ignore[no-untyped-def]
    with raises_code(ValidationFailed, code) as info:
        calendar_import(actor=None, **kwargs)
    return info.value


@pytest.mark.parametrize(("line", "message"), [
    ("2027-02-30,holiday,春节", "第 3 行：日期“2027-02-30”无效，应为 YYYY-MM-DD"),
    ("明天,holiday,春节", "第 3 行：日期“明天”无效，应为 YYYY-MM-DD"),
    ("2026-12-31,holiday,元旦", "第 3 行：日期 2026-12-31 不在 2027 年内"),
    ("2027-01-01,holiday,元旦", "第 3 行：日期 2027-01-01 与第 2 行重复"),
    ("2027-01-02,rest-day,元旦",
     "第 3 行：类型“rest-day”无法识别，应为 holiday（放假）或 workday（调休上班）"),
    ("2027-01-02,,元旦", "第 3 行：类型为空无法识别，应为 holiday（放假）或 workday（调休上班）"),
    (",holiday,元旦", "第 3 行：缺少日期"),
    ("2027-01-04,workday,元旦", "第 3 行：2027-01-04 是星期一，本就是工作日，不能标为调休上班"),
])
def test_each_kind_of_bad_row_is_named(line, message):
    error = errors_of("calendar_rows_invalid", year=2027,
                      content=f"date,kind,name\n2027-01-01,holiday,元旦\n{line}\n", filename="bad.csv")
    assert error.status == 400
    assert error.fields["rows.3"].startswith(message)
    assert error.detail[0]["row"] == 3
    assert "未导入任何内容" in error.message


def test_every_bad_row_is_listed_and_nothing_is_written():
    calendar_import(actor=None, year=2027, rows=[{"date": "2027-01-01", "kind": "holiday"}])
    before_audit = AuditEntry.objects.count()
    before_events = OutboxEvent.objects.count()
    content = ("date,kind,name\n2027-10-01,holiday,国庆节\n2027-13-01,holiday,x\n"
               "2027-10-02,holiday,国庆节\n2026-10-03,holiday,国庆节\n2027-10-02,假期,国庆节\n")
    error = errors_of("calendar_rows_invalid", year=2027, content=content, filename="bad.csv")
    assert sorted(error.fields) == ["rows.3", "rows.5", "rows.6"]
    assert "与第 4 行重复" in error.fields["rows.6"] and "类型“假期”" in error.fields["rows.6"]
    assert [d["row"] for d in error.detail] == [3, 5, 6, 6]
    assert error.message.startswith("导入内容有 3 行有误")
    # the earlier import is untouched: nothing of the bad file was written
    assert days_of(2027) == {date(2027, 1, 1): "holiday"}
    assert AuditEntry.objects.count() == before_audit
    assert OutboxEvent.objects.count() == before_events


def test_rows_are_counted_as_items_for_lists():
    error = errors_of("calendar_rows_invalid", year=2027, rows=[{"date": "2027-01-01", "kind": "holiday"},
                                                                {"date": "2027-01-01", "kind": "holiday"}])
    assert error.fields == {"rows.2": "第 2 条：日期 2027-01-01 与第 1 条重复"}


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"year": 2027, "content": ""}, "calendar_file_invalid"),
    ({"year": 2027, "content": "days: [unclosed", "filename": "x.yaml"}, "calendar_file_invalid"),
    ({"year": 2027, "content": "just: text", "filename": "x.yaml"}, "calendar_file_invalid"),
    ({"year": 2028, "content": GOOD_YAML, "filename": "x.yaml"}, "calendar_file_invalid"),
    ({"year": 2027, "content": "x" * 70_000}, "calendar_file_invalid"),
    ({"content": "2027-01-01,holiday\n2028-01-01,holiday\n"}, "calendar_year_required"),
    ({"year": 1800, "rows": [{"date": "1800-01-01", "kind": "holiday"}]}, "year_out_of_range"),
    ({"year": 2027}, "calendar_file_invalid"),
])
def test_unusable_input_is_refused_in_chinese(kwargs, code):
    error = errors_of(code, **kwargs)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.message)
    assert not CalendarDay.objects.exists()
    assert not CalendarYear.objects.exists()


def test_an_error_inside_the_transaction_rolls_everything_back(monkeypatch):
    calendar_import(actor=None, year=2027, rows=[{"date": "2027-01-01", "kind": "holiday"}])

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("outbox down")

    monkeypatch.setattr("onewindow.core.services.event_publish", broken)
    with pytest.raises(RuntimeError):
        calendar_import(actor=None, year=2027, content=GOOD_CSV)
    assert days_of(2027) == {date(2027, 1, 1): "holiday"}
    assert not AuditEntry.objects.filter(summary__holidays=8).exists()


def test_a_subscriber_receives_the_event_after_commit(django_capture_on_commit_callbacks):
    received: list[dict] = []

    @subscribe(c.EVENT_CALENDAR_YEAR_IMPORTED)
    def on_import(payload: dict) -> None:
        received.append(payload)

    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            calendar_import(actor=None, year=2027, content=GOOD_CSV)
            assert received == []  # not before the commit
        assert len(callbacks) >= 1
        assert received == [{"year": 2027}]
        assert OutboxEvent.objects.get(name=c.EVENT_CALENDAR_YEAR_IMPORTED).processed_at
    finally:
        _handlers[c.EVENT_CALENDAR_YEAR_IMPORTED].remove(on_import)


# --- Seeding from the chinese_calendar package ------------------------------------------------
def test_seed_fills_the_library_years_and_is_idempotent():
    years = sorted({d.year for d in chinese_calendar.holidays})
    written = calendar_seed_from_library(actor=None)
    assert written == years
    assert set(CalendarYear.objects.values_list("year", flat=True)) == set(years)
    assert not CalendarYear.objects.exclude(status=CalendarYear.Status.OFFICIAL).exists()
    expected = len(chinese_calendar.holidays) + len(chinese_calendar.workdays)
    assert CalendarDay.objects.count() == expected
    assert CalendarDay.objects.get(date=date(2026, 10, 1)).name == "国庆节"
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).kind == CalendarDay.Kind.WORKDAY
    events = OutboxEvent.objects.filter(name=c.EVENT_CALENDAR_YEAR_IMPORTED).count()
    audits = AuditEntry.objects.filter(action=c.AUDIT_CALENDAR_SEED).count()
    stamps = list(CalendarYear.objects.values_list("updated_at", flat=True))

    assert calendar_seed_from_library(actor=None) == []
    assert CalendarDay.objects.count() == expected
    assert OutboxEvent.objects.filter(name=c.EVENT_CALENDAR_YEAR_IMPORTED).count() == events
    assert AuditEntry.objects.filter(action=c.AUDIT_CALENDAR_SEED).count() == audits == 1
    assert list(CalendarYear.objects.values_list("updated_at", flat=True)) == stamps


def test_seeded_calendar_gives_the_real_national_day_2026_deadline():
    calendar_seed_from_library(actor=None)
    start = datetime(2026, 9, 30, 9, 0, tzinfo=SHANGHAI)
    result = deadline_add(start=start, days=5)
    assert result.day == date(2026, 10, 13) and not result.provisional
    assert work_calendar().is_official_year(2026)
    assert not work_calendar().is_official_year(2027)


def test_seed_repairs_an_edited_library_year_but_keeps_imported_years():
    calendar_seed_from_library(actor=None)
    calendar_import(actor=None, year=2026, rows=[{"date": "2026-10-01", "kind": "holiday"}])
    CalendarDay.objects.filter(date=date(2025, 10, 1)).delete()
    assert calendar_seed_from_library(actor=None) == [2025]
    assert CalendarDay.objects.filter(date=date(2025, 10, 1)).exists()
    assert set(days_of(2026)) == {date(2026, 10, 1)}
    assert CalendarYear.objects.get(year=2026).source == "导入"
