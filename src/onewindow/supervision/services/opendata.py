"""Open data (政府数据开放): the catalogue, building datasets from the platform's own data with
personal data removed, applications for conditionally open datasets and their API keys.

How personal data is kept out (see docs/architecture.md, "Open data"):

- aggregate datasets are built from the daily figures (counts per month × street × department
  or category; no record-level field at all) and every count below ``K_ANONYMITY`` (5) is
  withheld (small-cell suppression, published as empty);
- the one record-level dataset (ticket records, 有条件开放) keeps only generalised attributes —
  month, street, top-level category, channel, status, satisfaction — never text, address,
  place, number, names or phones, and drops every row whose quasi-identifier combination
  (month, street, category) occurs fewer than ``K_ANONYMITY`` times (k-anonymity, k = 5);
- datasets with personal records (residents, households) are listed as 不予开放 with the reason.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.phones import phone_parse
from onewindow.regions.models import Region

from .. import rules
from ..constants import (
    AUDIT_DATA_APPLY,
    AUDIT_DATA_DECIDE,
    DATA_KEY_PREFIX,
    K_ANONYMITY,
    ApplicationStatus,
    Source,
    Tier,
    TopKind,
)
from ..models import DailyFigure, DailyTop, DataApiKey, DataApplication, Dataset, DatasetRow
from .assessment import ASSESSORS

Builder = Callable[[date, date], tuple[list[dict[str, Any]], int]]
HISTORY_DAYS = 730


def _streets() -> dict[str, str]:
    return dict(Region.objects.filter(level="street").values_list("path", "name"))


def _street_of(path: str, streets: dict[str, str]) -> str:
    return streets.get(rules.path_at_depth(path or "", 2) or "", "区级")


def build_cases_monthly(first: date, last: date) -> tuple[list[dict[str, Any]], int]:
    streets = _streets()
    depts = dict(Department.objects.values_list("id", "name"))
    cells: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows: Any = (DailyFigure.objects.filter(source=Source.CASES, day__gte=first, day__lte=last)
            .values("day", "region_path", "department_id")
            .annotate(r=Sum("received"), o=Sum("online"), f=Sum("finished"), e=Sum("early"), v=Sum("overdue")))
    for r in rows:
        key = (r["day"].strftime("%Y-%m"), _street_of(r["region_path"], streets), depts.get(r["department_id"], ""))
        for short, name in (("r", "received"), ("o", "online"), ("f", "finished"), ("e", "early"), ("v", "overdue")):
            cells[key][name] += int(r[short] or 0)
    out, suppressed = [], 0
    for (month, street, dept), v in sorted(cells.items()):
        row: dict[str, Any] = {"month": month, "street": street, "department": dept}
        for name in ("received", "online", "finished", "early", "overdue"):
            row[name] = rules.suppress_small(v[name], K_ANONYMITY)
            suppressed += row[name] is None
        out.append(row)
    return out, suppressed


def build_tickets_monthly(first: date, last: date) -> tuple[list[dict[str, Any]], int]:
    streets = _streets()
    cells: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in (DailyTop.objects.filter(kind=TopKind.CATEGORY, day__gte=first, day__lte=last)
              .values("day", "region_path", "label").annotate(n=Sum("n"))):
        top_level = r["label"].split("/")[0].split(" > ")[0].strip()
        cells[(r["day"].strftime("%Y-%m"), _street_of(r["region_path"], streets), top_level)] += int(r["n"] or 0)
    out, suppressed = [], 0
    for (month, street, category), n in sorted(cells.items()):
        value = rules.suppress_small(n, K_ANONYMITY)
        suppressed += value is None
        out.append({"month": month, "street": street, "category": category, "tickets": value})
    return out, suppressed


def build_hall_daily(first: date, last: date) -> tuple[list[dict[str, Any]], int]:
    streets = _streets()
    cells: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in (DailyFigure.objects.filter(source=Source.HALL, day__gte=first, day__lte=last)
              .values("day", "region_path").annotate(t=Sum("received"), w=Sum("wait_seconds"), n=Sum("waits"))):
        cell = cells[(r["day"], _street_of(r["region_path"], streets))]
        cell[0] += int(r["t"] or 0)
        cell[1] += int(r["w"] or 0)
        cell[2] += int(r["n"] or 0)
    out = [{"day": d.isoformat(), "street": s, "taken": rules.suppress_small(t, K_ANONYMITY),
            "average_wait_minutes": round(w / n / 60, 1) if n >= K_ANONYMITY else None}
           for (d, s), (t, w, n) in sorted(cells.items())]
    return out, sum(1 for r in out if r["taken"] is None)


def build_ticket_records(first: date, last: date) -> tuple[list[dict[str, Any]], int]:
    from ..sources import SH, day_bounds, ticket_records

    streets = _streets()
    start, end = day_bounds(first, last)
    rows = [{"month": timezone.localtime(r["received_at"], SH).strftime("%Y-%m"),
             "street": _street_of(r["region_path"], streets),
             "category": (r["category__full_name"] or "未分类").split("/")[0].split(" > ")[0].strip(),
             "channel": r["channel"], "status": r["status"], "satisfaction": r["satisfaction"] or ""}
            for r in ticket_records(start, end)]
    return rules.k_anonymous(rows, ("month", "street", "category"), K_ANONYMITY)


BUILDERS: dict[str, Builder] = {
    "cases_monthly": build_cases_monthly,
    "tickets_monthly": build_tickets_monthly,
    "hall_daily": build_hall_daily,
    "ticket_records": build_ticket_records,
}

CATALOGUE: list[dict[str, Any]] = [
    {"slug": "cases-monthly-by-street", "title": "政务服务办件量（按月、街道、部门）", "theme": "政务服务",
     "builder": "cases_monthly", "tier": Tier.OPEN, "frequency": "daily", "keywords": "办件 网办 提前办结",
     "description": "每月各街道、各部门收件量、网上申请量、办结量、提前办结量和超期办结量。",
     "anonymisation": f"按月×街道×部门汇总，不含任何办件或申请人信息；小于 {K_ANONYMITY} 的数值不予公布（留空）。",
     "fields": [("month", "月份", "string"), ("street", "街道", "string"), ("department", "部门", "string"),
                ("received", "收件量", "integer"), ("online", "网上申请量", "integer"),
                ("finished", "办结量", "integer"), ("early", "提前办结量", "integer"),
                ("overdue", "超期办结量", "integer")]},
    {"slug": "hotline-monthly-by-category", "title": "12345热线诉求量（按月、街道、类别）", "theme": "城市管理",
     "builder": "tickets_monthly", "tier": Tier.OPEN, "frequency": "daily", "keywords": "12345 诉求 热线",
     "description": "每月各街道12345热线诉求量，按一级类别统计。",
     "anonymisation": f"按月×街道×一级类别汇总；小于 {K_ANONYMITY} 的数值不予公布（留空）。",
     "fields": [("month", "月份", "string"), ("street", "街道", "string"), ("category", "诉求类别", "string"),
                ("tickets", "诉求量", "integer")]},
    {"slug": "hall-daily-waits", "title": "政务服务大厅取号与等候时间（按日）", "theme": "政务服务",
     "builder": "hall_daily", "tier": Tier.OPEN, "frequency": "daily", "keywords": "大厅 排队 等候",
     "description": "各街道政务服务大厅每日取号人次和平均等候时间（分钟）。",
     "anonymisation": f"按日×街道汇总，不含号码、姓名或证件号；少于 {K_ANONYMITY} 人次不予公布。",
     "fields": [("day", "日期", "date"), ("street", "街道", "string"), ("taken", "取号人次", "integer"),
                ("average_wait_minutes", "平均等候（分钟）", "number")]},
    {"slug": "hotline-ticket-records", "title": "12345热线工单明细（去标识化）", "theme": "城市管理",
     "builder": "ticket_records", "tier": Tier.CONDITIONAL, "frequency": "daily", "keywords": "12345 工单 明细",
     "description": "每条工单的受理月份、街道、一级类别、渠道、状态和满意度，供研究使用。",
     "anonymisation": (f"只保留泛化后的字段（月份、街道、一级类别、渠道、状态、满意度），不含诉求内容、地址、"
                       f"地点、编号、姓名和电话；（月份, 街道, 类别）组合少于 {K_ANONYMITY} 条的记录全部删除"
                       f"（k-匿名，k={K_ANONYMITY}）。"),
     "fields": [("month", "受理月份", "string"), ("street", "街道", "string"), ("category", "一级类别", "string"),
                ("channel", "渠道", "string"), ("status", "状态", "string"), ("satisfaction", "满意度", "string")]},
    {"slug": "grid-residents", "title": "网格住户与居民信息", "theme": "基层治理", "builder": "",
     "tier": Tier.CLOSED, "frequency": "monthly", "keywords": "网格 居民",
     "description": "网格内房屋、住户和居民的登记信息。",
     "closed_reason": "含个人信息（姓名、证件号、住址），依据《个人信息保护法》不予开放。",
     "anonymisation": "", "fields": []},
]


def catalogue_seed(*, publisher: str = "区政务服务和大数据管理局") -> int:
    made = 0
    for spec in CATALOGUE:
        fields = [{"name": n, "title": t, "type": ty} for n, t, ty in spec["fields"]]
        _, created = Dataset.objects.update_or_create(slug=spec["slug"], defaults={
            "title": spec["title"], "description": spec["description"], "publisher": publisher,
            "theme": spec["theme"], "keywords": spec["keywords"], "frequency": spec["frequency"],
            "tier": spec["tier"], "closed_reason": spec.get("closed_reason", ""), "fields": fields,
            "anonymisation": spec["anonymisation"], "builder": spec["builder"], "spatial": "本区"})
        made += created
    return made


def dataset_refresh(*, dataset: Dataset, now: datetime | None = None, today: date | None = None) -> int:
    """Rebuild one dataset's rows (the last two years) in one transaction."""
    if not dataset.builder or dataset.tier == Tier.CLOSED:
        return 0
    now = now or timezone.now()
    last = today or timezone.localdate(now)
    rows, suppressed = BUILDERS[dataset.builder](last - timedelta(days=HISTORY_DAYS), last)
    with transaction.atomic():
        DatasetRow.objects.filter(dataset=dataset).delete()
        DatasetRow.objects.bulk_create((DatasetRow(dataset=dataset, seq=i, data=r) for i, r in enumerate(rows, 1)),
                                       batch_size=5000)
        dataset.row_count, dataset.suppressed, dataset.refreshed_at = len(rows), suppressed, now
        dataset.issued_at = dataset.issued_at or now
        dataset.save(update_fields=["row_count", "suppressed", "refreshed_at", "issued_at", "updated_at"])
    return len(rows)


def datasets_refresh(*, now: datetime | None = None) -> dict[str, int]:
    return {d.slug: dataset_refresh(dataset=d, now=now) for d in Dataset.objects.exclude(tier=Tier.CLOSED)}


def application_file(*, actor: Any, dataset: Dataset, organisation: str, purpose: str,
                     contact_phone: str) -> DataApplication:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied("请先登录再申请", code="not_authenticated", status=401)
    if dataset.tier != Tier.CONDITIONAL:
        raise Conflict("只有有条件开放的数据集需要申请", code="dataset_not_conditional")
    errors: dict[str, str] = {}
    organisation, purpose = (organisation or "").strip(), (purpose or "").strip()
    if not (2 <= len(organisation) <= 100):
        errors["organisation"] = "请填写申请单位（2–100 字）"
    if not (10 <= len(purpose) <= 2000):
        errors["purpose"] = "请说明数据用途（10–2000 字）"
    phone = ""
    try:
        parsed = phone_parse(contact_phone, field="contact_phone")
        if parsed is None:
            errors["contact_phone"] = "请填写联系电话"
        else:
            phone = parsed.number
    except ValidationFailed as exc:
        errors["contact_phone"] = exc.fields.get("contact_phone", exc.message)
    if errors:
        raise ValidationFailed(code="application_invalid", fields=errors)
    with transaction.atomic():
        if DataApplication.objects.filter(dataset=dataset, applicant=actor, status=ApplicationStatus.PENDING).exists():
            raise Conflict("您已提交过申请，请等待审核", code="application_pending")
        app = DataApplication.objects.create(dataset=dataset, applicant=actor, organisation=organisation,
                                             purpose=purpose, contact_phone=phone)
        audit_record(actor=actor, action=AUDIT_DATA_APPLY, obj=app, summary={"dataset": dataset.slug})
    return app


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def application_decide(*, actor: Any, application: DataApplication, approve: bool, note: str = "",
                       now: datetime | None = None, valid_days: int = 365) -> tuple[DataApplication, str]:
    """A supervisor approves (an API key is made and shown once) or rejects an application."""
    from onewindow.accounts.scope import scope_for

    if not scope_for(actor).has_role(*ASSESSORS):
        raise PermissionDenied("只有数据开放管理人员可以审核", code="not_data_admin")
    now = now or timezone.now()
    key = ""
    with transaction.atomic():
        locked = DataApplication.objects.select_for_update().get(pk=application.pk)
        if locked.status != ApplicationStatus.PENDING:
            raise Conflict("该申请已审核", code="application_decided")
        if not approve and len((note or "").strip()) < 2:
            msg = "不予通过时请说明理由"
            raise ValidationFailed(msg, code="decision_note", fields={"note": msg})
        locked.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_note = actor, now, (note or "").strip()[:300]
        locked.valid_until = (timezone.localdate(now) + timedelta(days=valid_days)) if approve else None
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "valid_until", "updated_at"])
        if approve:
            key = DATA_KEY_PREFIX + secrets.token_urlsafe(24)
            DataApiKey.objects.create(application=locked, prefix=key[:10], key_hash=_key_hash(key),
                                      expires_at=now + timedelta(days=valid_days))
        audit_record(actor=actor, action=AUDIT_DATA_DECIDE, obj=locked,
                     summary={"dataset": locked.dataset.slug, "approved": approve})
    return locked, key


def api_key_check(*, key: str, dataset: Dataset, now: datetime | None = None) -> DataApiKey:
    """The live key of an approved application for this dataset; NotFound-like 403 otherwise."""
    now = now or timezone.now()
    found = DataApiKey.objects.select_related("application").filter(key_hash=_key_hash(key or "")).first()
    if (found is None or found.revoked_at is not None or (found.expires_at and found.expires_at <= now)
            or found.application.dataset_id != dataset.id
            or found.application.status != ApplicationStatus.APPROVED):
        raise PermissionDenied("数据接口密钥无效、已过期或不适用于该数据集", code="data_key_invalid")
    DataApiKey.objects.filter(pk=found.pk).update(last_used_at=now)
    return found


def dataset_access(*, dataset: Dataset, actor: Any, key: str = "") -> None:
    """May this request read the rows? 无条件: anyone; 有条件: a valid key or the approved
    applicant signed in; 不予开放: nobody."""
    if dataset.tier == Tier.OPEN:
        return
    if dataset.tier == Tier.CLOSED or not dataset.is_published:
        raise NotFound("该数据集不予开放", code="dataset_closed")
    if key:
        api_key_check(key=key, dataset=dataset)
        return
    if getattr(actor, "is_authenticated", False) and DataApplication.objects.filter(
            dataset=dataset, applicant=actor, status=ApplicationStatus.APPROVED,
            valid_until__gte=timezone.localdate()).exists():
        return
    raise PermissionDenied("该数据集为有条件开放，请先申请并使用获批的数据接口密钥", code="dataset_conditional")


STREAM_CHUNK = 5000


def dataset_rows(*, dataset: Dataset, offset: int = 0, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Rows in order. Without a limit (downloads): keyset pages of ``STREAM_CHUNK`` rows, each its
    own short query on the (dataset, seq) index, so a stream of millions holds neither a cursor
    nor a transaction open and memory stays flat.

    Each page is a bounded range of ``seq`` (``last < seq <= last + STREAM_CHUNK``), not "the
    next 5,000 after ``last``": right after the daily refresh rewrote a million rows, before
    autovacuum analysed them, PostgreSQL planned the open-ended form as a bitmap scan of every
    remaining row plus a sort — each page read the rest of the table (1 s a page at 1,000,000
    rows, 196 s a download); a bounded range reads at most one page of rows whatever the plan."""
    qs = DatasetRow.objects.filter(dataset=dataset).order_by("seq")
    if limit is not None:
        yield from qs.values_list("data", flat=True)[offset:offset + limit]
        return
    top = qs.aggregate(top=Max("seq"))["top"] or 0
    last = 0
    while last < top:
        page = qs.filter(seq__gt=last, seq__lte=last + STREAM_CHUNK).values_list("data", flat=True)
        last += STREAM_CHUNK
        yield from list(page)
