"""/api/v1/calendar: the working-day calendar (public reads) and its import (staff)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.constants import Role
from onewindow.accounts.scope import scope_for
from onewindow.core import selectors as core_selectors
from onewindow.core import services as core_services
from onewindow.core.errors import PermissionDenied, ValidationFailed
from onewindow.core.workdays import MAX_DAYS, SHANGHAI

router = Router(tags=["工作日历 calendar"])

# Who may replace a year's official schedule (the staff page uses the same rule).
CALENDAR_EDITORS = (Role.ADMINISTRATOR, Role.SUPERVISOR)


class CalendarDayOut(Schema):
    date: date
    kind: Literal["holiday", "workday"]
    kind_label: str
    name: str
    assumed: bool = Field(description="暂定年度按法定日期推定的节日（非官方公布）")


class CalendarYearOut(Schema):
    year: int
    status: Literal["official", "provisional"]
    status_label: str
    source: str
    imported_at: datetime | None
    days: list[CalendarDayOut]


class DeadlineQuery(Schema):
    start: datetime = Field(description="受理时间（ISO 8601；不带时区按北京时间）")
    days: int = Field(ge=0, le=MAX_DAYS, description="时限天数")
    unit: Literal["working", "natural"] = Field("working", description="working 工作日 / natural 自然日")


class DeadlineOut(Schema):
    start: datetime
    days: int
    unit: str
    at: datetime = Field(description="截止时间：当日 23:59:59.999999（北京时间）")
    provisional: bool = Field(description="计算涉及尚未公布官方安排的年度，结果为暂定")


class CalendarImportRowIn(Schema):
    date: str = Field(description="YYYY-MM-DD", max_length=40)
    kind: str = Field(description="holiday（放假）或 workday（调休上班）", max_length=20)
    name: str = Field("", max_length=100)


class CalendarImportIn(Schema):
    rows: list[CalendarImportRowIn] = Field(max_length=400)
    source: str = Field("", max_length=200, description="来源，如国务院办公厅通知文号")


def _year_out(year: int) -> dict[str, Any]:
    view = core_selectors.calendar_year_get(year=year)
    return {
        "year": view.year, "status": view.status, "status_label": view.status_label,
        "source": view.source, "imported_at": view.imported_at,
        "days": [{"date": d.date, "kind": d.kind, "kind_label": d.kind_label, "name": d.name,
                  "assumed": d.assumed} for d in view.days],
    }


#: Years a deadline may start in (the calendar's arithmetic ends at 9999).
DEADLINE_YEARS = (1990, 2200)


@router.get("/calendar/deadline", response=DeadlineOut, summary="计算办理时限")
def calendar_deadline(request: HttpRequest, query: Query[DeadlineQuery]) -> dict[str, Any]:
    """Accepted at ``start`` with a limit of ``days``: when is it due? The day of acceptance is
    not counted; the result is the end of the last day (Asia/Shanghai)."""
    start = query.start if query.start.tzinfo else query.start.replace(tzinfo=SHANGHAI)
    if not DEADLINE_YEARS[0] <= start.year <= DEADLINE_YEARS[1]:
        message = f"开始时间应在{DEADLINE_YEARS[0]}年至{DEADLINE_YEARS[1]}年之间"
        raise ValidationFailed(message, code="calendar_start_out_of_range", fields={"start": message})
    try:
        deadline = core_selectors.deadline_add(start=start, days=query.days, unit=query.unit)
    except (OverflowError, ValueError):
        message = "无法计算该时限：结果超出日历范围"
        raise ValidationFailed(message, code="calendar_start_out_of_range", fields={"start": message}) from None
    return {"start": start, "days": query.days, "unit": query.unit, "at": deadline.at,
            "provisional": deadline.provisional}


@router.get("/calendar/{year}", response=CalendarYearOut, summary="年度节假日与调休安排")
def calendar_year(request: HttpRequest, year: int) -> dict[str, Any]:
    return _year_out(year)


@router.post("/calendar/{year}/import", response=CalendarYearOut, auth=API_AUTH,
             summary="导入年度官方节假日安排（管理员、监督人员）")
def calendar_year_import(request: HttpRequest, year: int, payload: CalendarImportIn) -> dict[str, Any]:
    """Replaces the year's holidays and make-up workdays; all or nothing. Bad rows give 400
    ``calendar_rows_invalid`` with ``fields`` {"rows.N": message} and ``detail`` listing each."""
    if not scope_for(request.user).has_role(*CALENDAR_EDITORS):
        raise PermissionDenied("只有系统管理员或监督管理人员可以导入节假日安排")
    core_services.calendar_import(
        actor=request.user, year=year, rows=[row.model_dump() for row in payload.rows],
        source=payload.source or "接口导入",
    )
    return _year_out(year)
