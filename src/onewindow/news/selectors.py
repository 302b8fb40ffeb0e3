"""Reads of the news module: the public stream, details, the 政务公开 catalogue and yearly
figures (published items only); the staff's lists and approval queue (scoped)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import Count, Max, Q, QuerySet
from django.db.models.functions import ExtractYear

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.errors import NotFound

from . import constants as c
from . import rules
from .models import NewsAttachment, NewsFeed, NewsItem

_LIST_FIELDS = ("public_id", "kind", "title", "summary", "tags", "open_category", "document_number",
                "published_at", "updated_at", "source", "source_url", "department__name",
                "department__short_name", "department__code", "department__public_id")


@dataclass(frozen=True)
class NewsFilters:
    kind: str = ""
    department: str = ""  # department code
    category: str = ""  # 政务公开 category
    q: str = ""
    year: int | None = None
    updated_since: datetime | None = None


def _public() -> QuerySet[NewsItem]:
    return NewsItem.objects.filter(status=c.NewsStatus.PUBLISHED)


def news_public_list(*, filters: NewsFilters) -> QuerySet[NewsItem]:
    qs = _public().select_related("department")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.department:
        qs = qs.filter(department__code=filters.department)
    if filters.category:
        qs = qs.filter(open_category=filters.category)
    if filters.year:
        qs = qs.filter(published_at__year=filters.year)
    if filters.updated_since is not None:
        qs = qs.filter(updated_at__gte=filters.updated_since)
    q = (filters.q or "").strip()[:50]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(summary__icontains=q) | Q(document_number__icontains=q))
    return qs.order_by("-published_at", "-pk")


def news_list_stats(qs: QuerySet[NewsItem], *, variant: str) -> tuple[str, datetime | None, int]:
    """(ETag, Last-Modified, count) of a public list: one aggregate query (an index-only scan of
    ``news_pub_upd_idx`` for the whole stream), no rows read; the count also serves the pager. An
    item withdrawn or edited changes the newest ``updated_at`` of published items or their count."""
    agg = qs.order_by().aggregate(n=Count("pk"), latest=Max("updated_at"))
    return rules.list_etag(count=agg["n"], latest=agg["latest"], variant=variant), agg["latest"], agg["n"]


def news_list_validators(qs: QuerySet[NewsItem], *, variant: str) -> tuple[str, datetime | None]:
    etag, latest, _count = news_list_stats(qs, variant=variant)
    return etag, latest


def news_public_get(*, public_id: UUID | str) -> NewsItem:
    item = (_public().select_related("department", "region", "interprets")
            .filter(public_id=public_id).first())
    if item is None:
        raise NotFound("该信息不存在或已撤回", code="news_not_found")
    return item


def news_public_attachments(*, item: NewsItem) -> list[NewsAttachment]:
    return list(item.attachments.filter(internal=False).order_by("id"))


def news_public_attachment_get(*, item_id: UUID | str, public_id: UUID | str) -> NewsAttachment:
    """A public file of a published item; internal files and files of drafts are not found."""
    attachment = (NewsAttachment.objects.select_related("item")
                  .filter(item__public_id=item_id, item__status=c.NewsStatus.PUBLISHED, internal=False,
                          public_id=public_id).first())
    if attachment is None:
        raise NotFound("该附件不存在或已撤回", code="news_attachment_not_found")
    return attachment


def news_staff_attachment_get(*, actor: Any, item_id: UUID | str, public_id: UUID | str) -> NewsAttachment:
    """Any file of an item in the staff member's scope (drafts and internal files included)."""
    item = news_staff_get(actor=actor, public_id=item_id)
    attachment = item.attachments.filter(public_id=public_id).first()
    if attachment is None:
        raise NotFound("找不到该附件", code="news_attachment_not_found")
    attachment.item = item
    return attachment


def news_interpretations(*, item: NewsItem) -> list[NewsItem]:
    return list(_public().filter(interprets=item).order_by("-published_at"))


def departments_publishing() -> list[dict[str, Any]]:
    """Departments with published items: code, name, count (for filters and the catalogue)."""
    rows = (_public().values("department__code", "department__name").annotate(n=Count("pk"))
            .order_by("department__name"))
    return [{"code": r["department__code"], "name": r["department__name"], "count": r["n"]} for r in rows]


def open_catalogue(*, department: str = "") -> list[dict[str, Any]]:
    """政务公开 catalogue: per department, the count of published items of each category."""
    qs = _public().exclude(open_category="")
    if department:
        qs = qs.filter(department__code=department)
    rows = qs.values("department__code", "department__name", "open_category").annotate(n=Count("pk"))
    by_dept: dict[str, dict[str, Any]] = {}
    labels = dict(c.OpenCategory.choices)
    for row in rows.order_by("department__name", "open_category"):
        entry = by_dept.setdefault(row["department__code"], {
            "code": row["department__code"], "name": row["department__name"], "categories": [], "total": 0})
        entry["categories"].append({"code": row["open_category"], "label": labels.get(row["open_category"], ""),
                                    "count": row["n"]})
        entry["total"] += row["n"]
    return list(by_dept.values())


def open_report(*, year: int) -> dict[str, Any]:
    """The yearly report figures (政府信息公开工作年度报告): items published in the year by
    category and by kind, and withdrawn ones."""
    year_qs = NewsItem.objects.filter(published_at__year=year)
    labels = dict(c.OpenCategory.choices)
    kinds = dict(c.NewsKind.choices)
    by_category = {r["open_category"]: r["n"] for r in
                   year_qs.exclude(open_category="").values("open_category").annotate(n=Count("pk"))}
    by_kind = {r["kind"]: r["n"] for r in year_qs.values("kind").annotate(n=Count("pk"))}
    return {
        "year": year,
        "published": year_qs.count(),
        "withdrawn": year_qs.filter(status=c.NewsStatus.WITHDRAWN).count(),
        "by_category": [{"code": code, "label": label, "count": by_category.get(code, 0)}
                        for code, label in labels.items()],
        "by_kind": [{"code": code, "label": label, "count": by_kind.get(code, 0)} for code, label in kinds.items()],
    }


def open_report_years() -> list[int]:
    years = (NewsItem.objects.exclude(published_at=None).annotate(y=ExtractYear("published_at"))
             .values_list("y", flat=True).distinct())
    return sorted({int(y) for y in years}, reverse=True)


# --- Staff -------------------------------------------------------------------------------------
def _scoped(actor: Any) -> QuerySet[NewsItem]:
    scope = scope_for(actor)
    return NewsItem.objects.filter(scope.q(region_path_field="region_path", department_field="department_id"))


def news_staff_list(*, actor: Any, status: str = "", q: str = "",
                    updated_since: datetime | None = None) -> QuerySet[NewsItem]:
    qs = _scoped(actor).select_related("department", "feed")
    if status:
        qs = qs.filter(status=status)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    q = (q or "").strip()[:50]
    if q:
        qs = qs.filter(title__icontains=q)
    return qs.order_by("-updated_at", "-pk")


def news_review_queue(*, actor: Any) -> QuerySet[NewsItem]:
    """Items waiting for approval that this person may approve (empty for editors)."""
    scope = scope_for(actor)
    if not scope.has_role(*c.APPROVER_ROLES):
        return NewsItem.objects.none()
    return news_staff_list(actor=actor, status=c.NewsStatus.PENDING).order_by("created_at", "pk")


def news_staff_get(*, actor: Any, public_id: UUID | str) -> NewsItem:
    item = (_scoped(actor).select_related("department__region", "feed", "interprets", "author", "reviewer")
            .filter(public_id=public_id).first())
    if item is None:
        raise NotFound()
    return item


def news_policy_choices(*, actor: Any) -> QuerySet[NewsItem]:
    """Policies an interpretation may point to: published ones of the district."""
    return _public().filter(kind=c.NewsKind.POLICY).order_by("-published_at")


def news_policy_get(*, public_id: UUID | str) -> NewsItem:
    item = _public().filter(kind=c.NewsKind.POLICY, public_id=public_id).first()
    if item is None:
        raise NotFound("所解读的政策文件不存在或未发布", code="news_policy_not_found")
    return item


def editable_departments(*, actor: Any) -> QuerySet[Department]:
    scope = scope_for(actor)
    if scope.is_empty:
        return Department.objects.none()
    qs = Department.objects.filter(is_active=True, region__path__startswith=scope.region_path or "")
    if not scope.all_departments:
        qs = qs.filter(pk__in=sorted(scope.department_ids))
    return qs.select_related("region").order_by("name")


def editable_department_get(*, actor: Any, code: str) -> Department:
    dept = editable_departments(actor=actor).filter(code=code).first()
    if dept is None:
        raise NotFound("找不到该部门，或您不能为其发布信息", code="news_department_not_found")
    return dept


def feed_list(*, actor: Any) -> QuerySet[NewsFeed]:
    scope = scope_for(actor)
    return (NewsFeed.objects.filter(scope.q(region_path_field="department__region__path",
                                            department_field="department_id"))
            .select_related("department").order_by("department__name", "name"))


def feed_get(*, actor: Any, public_id: UUID | str) -> NewsFeed:
    feed = feed_list(actor=actor).filter(public_id=public_id).first()
    if feed is None:
        raise NotFound()
    return feed


def news_is_staff(*, actor: Any) -> bool:
    return not scope_for(actor).is_empty


def news_is_approver(*, actor: Any) -> bool:
    return scope_for(actor).has_role(*c.APPROVER_ROLES)
