"""The three rates (三率) and the monthly report (每月情况通报), as data, Excel and PDF.

Definitions (per owner department, over tickets received in the period):

- dispatched (派单量): tickets the department owns that were dispatched;
- response rate (响应率): share of them it accepted (签收) within the response limit
  (``HotlineConfig.response_hours`` after dispatch);
- resolution rate (解决率): share of called-back tickets the requester says are solved;
- satisfaction rate (满意率): share of called-back tickets rated 满意 or 基本满意;
- on-time rate (按时办结率): tickets replied by their deadline, out of those replied plus those
  still unreplied and already overdue;
- returns (退回): tickets the department returned in the period (counted here for information;
  they count against the dispatcher's accuracy, see ``dispatcher_accuracy``);
- reopenings (重办): tickets reopened after an unsatisfied callback.

Each figure is computed by one aggregate query grouped by department, which uses the
``received_at`` index; rates are None when there is nothing to divide by.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.errors import ValidationFailed
from onewindow.regions.models import Region

from . import constants as c
from . import selectors
from .models import Category, Ticket, TicketEvent, TicketReturn

SH = ZoneInfo("Asia/Shanghai")
SATISFIED = (c.Satisfaction.SATISFIED, c.Satisfaction.BASIC)
# Dispatches counted for a period are those of tickets received at most this long before it.
DISPATCH_LOOKBACK = timedelta(days=90)


def ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    label: str

    @classmethod
    def month(cls, value: str | None = None, *, today: date | None = None) -> Period:
        """A calendar month in Beijing time from "YYYY-MM" (default: the previous month)."""
        if value:
            try:
                year, month = (int(x) for x in value.split("-", 1))
                first = date(year, month, 1)
            except ValueError:
                raise ValidationFailed("月份格式应为 YYYY-MM", code="month_invalid",
                                       fields={"month": "月份格式应为 YYYY-MM"}) from None
        else:
            today = today or timezone.localdate()
            first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return cls(datetime.combine(first, datetime.min.time(), tzinfo=SH),
                   datetime.combine(following, datetime.min.time(), tzinfo=SH), f"{first:%Y年%m月}")

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        """From ``start`` to ``end`` inclusive (calendar days, Beijing time)."""
        if end < start:
            msg = "结束日期不能早于开始日期"
            raise ValidationFailed(msg, code="period_invalid", fields={"to": msg})
        return cls(datetime.combine(start, datetime.min.time(), tzinfo=SH),
                   datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=SH),
                   f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}")


@dataclass
class DepartmentRates:
    department_id: int | None
    department: str
    received: int = 0
    dispatched: int = 0
    responded: int = 0
    replied: int = 0
    on_time: int = 0
    late_open: int = 0
    callbacks: int = 0
    solved: int = 0
    satisfied: int = 0
    overdue: int = 0
    reopened: int = 0
    returns: int = 0

    @property
    def response_rate(self) -> float | None:
        return ratio(self.responded, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return ratio(self.solved, self.callbacks)

    @property
    def satisfaction_rate(self) -> float | None:
        return ratio(self.satisfied, self.callbacks)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.replied + self.late_open)

    def as_dict(self) -> dict[str, Any]:
        return {
            "department": self.department, "received": self.received, "dispatched": self.dispatched,
            "responded": self.responded, "replied": self.replied, "callbacks": self.callbacks,
            "solved": self.solved, "satisfied": self.satisfied, "overdue": self.overdue,
            "reopened": self.reopened, "returns": self.returns, "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate, "satisfaction_rate": self.satisfaction_rate,
            "on_time_rate": self.on_time_rate,
        }


def _scoped(actor: Any, period: Period) -> QuerySet[Ticket]:
    return Ticket.objects.filter(selectors.ticket_scope_q(scope_for(actor)), received_at__gte=period.start,
                                 received_at__lt=period.end)


def _counts(qs: QuerySet[Ticket], response_hours: int) -> QuerySet[Any]:
    return qs.order_by().values("department_id").annotate(
        received=Count("id"),
        dispatched=Count("id", filter=Q(dispatched_at__isnull=False)),
        responded=Count("id", filter=Q(accepted_at__isnull=False, dispatched_at__isnull=False,
                                       accepted_at__lte=F("dispatched_at") + timedelta(hours=response_hours))),
        replied=Count("id", filter=Q(replied_at__isnull=False) & ~Q(status=c.Status.MERGED)),
        on_time=Count("id", filter=Q(replied_at__isnull=False, replied_at__lte=F("due_at"))
                      & ~Q(status=c.Status.MERGED)),
        late_open=Count("id", filter=Q(replied_at__isnull=True, overdue=True)),
        callbacks=Count("id", filter=~Q(satisfaction="")),
        solved=Count("id", filter=Q(solved=True)),
        satisfied=Count("id", filter=Q(satisfaction__in=list(SATISFIED))),
        overdue=Count("id", filter=Q(overdue=True)),
        reopened=Sum("reopen_count"),
    )


def department_rates(*, actor: Any, period: Period) -> list[DepartmentRates]:
    """The rates of every department with tickets in the period, worst satisfaction first."""
    config = selectors.hotline_config()
    rows = list(_counts(_scoped(actor, period).filter(department__isnull=False), config.response_hours))
    returns = dict(TicketReturn.objects.filter(
        selectors.ticket_scope_q_via(scope_for(actor), "ticket"),
        returned_at__gte=period.start, returned_at__lt=period.end).values_list("department_id")
        .annotate(n=Count("id")).values_list("department_id", "n"))
    names = dict(Department.objects.filter(id__in=[r["department_id"] for r in rows] + list(returns))
                 .values_list("id", "name"))
    result: dict[int, DepartmentRates] = {}
    for row in rows:
        dep = row.pop("department_id")
        result[dep] = DepartmentRates(department_id=dep, department=names.get(dep, "—"),
                                      **{k: int(v or 0) for k, v in row.items()})
    for dep, n in returns.items():
        result.setdefault(dep, DepartmentRates(department_id=dep, department=names.get(dep, "—"))).returns = n
    return sorted(result.values(), key=lambda r: (r.satisfaction_rate if r.satisfaction_rate is not None else 2,
                                                  -r.received, r.department))


def totals(rows: list[DepartmentRates]) -> DepartmentRates:
    total = DepartmentRates(department_id=None, department="合计")
    for row in rows:
        for name in ("received", "dispatched", "responded", "replied", "on_time", "late_open", "callbacks",
                     "solved", "satisfied", "overdue", "reopened", "returns"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


@dataclass
class DispatcherAccuracy:
    dispatcher: str
    dispatched: int
    returned: int

    @property
    def accuracy(self) -> float | None:
        return None if not self.dispatched else round(1 - self.returned / self.dispatched, 4)


def dispatcher_accuracy(*, actor: Any, period: Period) -> list[DispatcherAccuracy]:
    """Returns counted against whoever dispatched: each dispatcher, and the automatic rules."""
    visible = selectors.ticket_scope_q_via(scope_for(actor), "ticket")
    # Dispatches of the period concern tickets received in it or shortly before: bounding the
    # tickets' receipt lets the join read one index range instead of every ticket.
    dispatches = Counter(dict(TicketEvent.objects.filter(
        visible, action=c.Action.DISPATCH, at__gte=period.start, at__lt=period.end,
        ticket__received_at__gte=period.start - DISPATCH_LOOKBACK, ticket__received_at__lt=period.end).order_by()
        .values_list("actor_id").annotate(n=Count("ticket_id")).values_list("actor_id", "n")))
    returns = Counter(dict(TicketReturn.objects.filter(
        visible, returned_at__gte=period.start, returned_at__lt=period.end)
        .values_list("dispatched_by_id").annotate(n=Count("id")).values_list("dispatched_by_id", "n")))
    from django.contrib.auth import get_user_model

    users = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=[k for k in dispatches | returns if k])}
    out = [DispatcherAccuracy(users.get(k, "自动派单（规则与兜底）") if k else "自动派单（规则与兜底）",
                              dispatches.get(k, 0), returns.get(k, 0)) for k in set(dispatches) | set(returns)]
    return sorted(out, key=lambda d: (-(d.dispatched), d.dispatcher))


# --- Monthly report ---------------------------------------------------------------------------
@dataclass
class MonthlyReport:
    period: Period
    total: DepartmentRates
    departments: list[DepartmentRates]
    by_kind: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_area: list[tuple[str, int]]
    hot_topics: list[tuple[str, int]]
    hot_spots: list[dict[str, Any]]
    worst_overdue: list[Ticket]
    dispatchers: list[DispatcherAccuracy]
    generated_at: datetime = field(default_factory=timezone.now)


HOT_SPOT_MAX_TICKETS = 5000


def monthly_report(*, actor: Any, period: Period, now: datetime | None = None,
                   hot_spots: bool = True) -> MonthlyReport:
    """The month's report. Hot spots (a text analysis taking seconds) can be left out for the
    page, which loads them separately; they use the month's most supported and latest tickets."""
    now = now or timezone.now()
    qs = _scoped(actor, period)
    departments = department_rates(actor=actor, period=period)
    total = totals(departments)
    # Two scans of the month (index-only on PostgreSQL), grouped by what the report distributes
    # over (a few hundred groups each, hashed in memory); the distributions are summed from them.
    kind_n: Counter[str] = Counter()
    channel_n: Counter[str] = Counter()
    area_n: Counter[str] = Counter()
    for kind, channel, area, n in qs.order_by().annotate(area=Substr("region_path", 1, 27)).values_list(
            "kind", "channel", "area").annotate(n=Count("id")):
        kind_n[kind] += n
        channel_n[channel] += n
        area_n[area or ""] += n
    category_n: Counter[int | None] = Counter(dict(
        qs.order_by().values_list("category_id").annotate(n=Count("id")).values_list("category_id", "n")))
    total.received = sum(kind_n.values())
    kinds = dict(c.TicketKind.choices)
    channels = dict(c.Channel.choices)
    by_kind = [(kinds.get(k, k), n) for k, n in kind_n.most_common()]
    by_channel = [(channels.get(k, k), n) for k, n in channel_n.most_common()]
    categories = {cat.id: cat for cat in Category.objects.filter(id__in=[k for k in category_n if k])}
    tops = {cat.path[:4] for cat in categories.values()}
    top_names = dict(Category.objects.filter(path__in=tops).values_list("path", "name"))
    top_n: Counter[str] = Counter()
    for category_id, n in category_n.items():
        cat = categories.get(category_id) if category_id else None
        top_n[top_names.get(cat.path[:4], cat.path[:4]) if cat else "未分类"] += n
    by_category = top_n.most_common()
    # streets: the first two codes of the path (district + street, 12 digits each)
    area_names = dict(Region.objects.filter(path__in=[p for p in area_n if p]).values_list("path", "name"))
    by_area = [(area_names.get(p, "（区级/未定位）"), n) for p, n in area_n.most_common()]
    # the categories as filed (a ticket classified only to the top level counts there): the full
    # path says how deep that is, so the column is headed 诉求分类, not 三级分类
    hot_topics = [(categories[k].full_name, n) for k, n in category_n.most_common() if k in categories][:10]
    worst = worst_overdue(actor=actor, period=period, now=now)
    from .hotspots import hotspots_for_tickets

    spots = hotspots_for_tickets(qs.order_by("-supporters", "-received_at"), limit=5,
                                 max_rows=HOT_SPOT_MAX_TICKETS) if hot_spots else []
    return MonthlyReport(period=period, total=total, departments=departments, by_kind=by_kind,
                         by_channel=by_channel, by_category=by_category, by_area=by_area, hot_topics=hot_topics,
                         hot_spots=spots, worst_overdue=worst,
                         dispatchers=dispatcher_accuracy(actor=actor, period=period), generated_at=now)


def worst_overdue(*, actor: Any, period: Period, now: datetime, limit: int = 10) -> list[Ticket]:
    """The latest of: tickets still open past their deadline, and tickets of the month replied late.

    Two index-only reads (open overdue tickets in deadline order; the month's overdue tickets),
    then only the chosen rows are loaded.
    """
    scope = selectors.ticket_scope_q(scope_for(actor))
    still_open = list(Ticket.objects.filter(scope, status__in=list(c.OPEN_STATUSES), overdue=True)
                      .order_by("due_at").values_list("id", "due_at", "replied_at")[:limit])
    of_month = list(Ticket.objects.filter(scope, overdue=True, received_at__gte=period.start,
                                          received_at__lt=period.end, replied_at__isnull=False)
                    .order_by().values_list("id", "due_at", "replied_at"))
    late: dict[int, float] = {}
    for pk, due, replied in [*still_open, *of_month]:
        if due is not None:
            late[pk] = ((replied or now) - due).total_seconds()
    chosen = sorted(late, key=lambda pk: -late[pk])[:limit]
    rows = {t.id: t for t in Ticket.objects.filter(id__in=chosen).select_related("department", "category")
            .defer(*selectors.LIST_DEFERRED[:-2])}
    return [rows[pk] for pk in chosen if pk in rows]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def overdue_by(ticket: Ticket, now: datetime) -> str:
    if ticket.due_at is None:
        return "—"
    end = ticket.replied_at or now
    hours = max((end - ticket.due_at).total_seconds() / 3600, 0)
    return f"{hours / 24:.1f} 天" if hours >= 24 else f"{hours:.0f} 小时"


RATE_COLUMNS = (("department", "部门"), ("received", "受理量"), ("dispatched", "派单量"),
                ("response_rate", "响应率"), ("resolution_rate", "解决率"), ("satisfaction_rate", "满意率"),
                ("on_time_rate", "按时办结率"), ("overdue", "超期"), ("returns", "退回"), ("reopened", "重办"))


def report_excel(report: MonthlyReport) -> bytes:
    """The monthly report as an .xlsx workbook (one sheet per table)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="F6F8FA")

    def sheet(title: str, header: list[str], rows: list[list[Any]], *, first: bool = False) -> None:
        ws = book.active if first else book.create_sheet()
        assert ws is not None
        ws.title = title
        ws.append([f"12345 热线每月情况通报 · {report.period.label} · {title}"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(header)
        for cell in ws[2]:
            cell.font, cell.fill = bold, head_fill
        for row in rows:
            ws.append(row)
        for index, _ in enumerate(header, start=1):
            letter = ws.cell(row=2, column=index).column_letter
            ws.column_dimensions[letter].width = 28 if index == 1 else 14
        for row_cells in ws.iter_rows(min_row=3):
            for cell in row_cells:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0%"
                cell.alignment = Alignment(vertical="top", wrap_text=True)

    def rate_row(r: DepartmentRates) -> list[Any]:
        d = r.as_dict()
        return [d[k] for k, _ in RATE_COLUMNS]

    sheet("三率", [label for _, label in RATE_COLUMNS],
          [rate_row(r) for r in report.departments] + [rate_row(report.total)], first=True)
    sheet("分类分布", ["一级分类", "件数"], [list(x) for x in report.by_category])
    sheet("区域分布", ["街道", "件数"], [list(x) for x in report.by_area])
    sheet("热点问题", ["诉求分类（最细一级，含上级路径）", "件数"], [list(x) for x in report.hot_topics])
    sheet("热点事件", ["地点", "问题", "件数", "点赞", "时间范围"],
          [[s["place"], s["title"], s["size"], s["likes"], s["span"]] for s in report.hot_spots])
    sheet("超期最严重", ["工单编号", "标题", "承办部门", "办理时限", "超期"],
          [[t.number, t.title, t.department.name if t.department else "—",
            timezone.localtime(t.due_at).strftime("%Y-%m-%d %H:%M") if t.due_at else "—",
            overdue_by(t, report.generated_at)] for t in report.worst_overdue])
    sheet("派单准确率", ["派单人", "派单次数", "被退回", "准确率"],
          [[d.dispatcher, d.dispatched, d.returned, d.accuracy] for d in report.dispatchers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_pdf(report: MonthlyReport, *, html: str) -> bytes:
    """The report page rendered for print by WeasyPrint (Noto CJK fonts for Chinese)."""
    from weasyprint import HTML

    return bytes(HTML(string=html).write_pdf())
