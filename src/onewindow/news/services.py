"""Writes of the news module: drafting, 审核发布 (two people), scheduled publishing and
withdrawal, feed registration and aggregation into the approval queue. Every change audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed
from onewindow.core.uploads import upload_check

from . import constants as c
from . import feeds, rules
from .models import NewsAttachment, NewsFeed, NewsItem


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


# --- Who may do what ----------------------------------------------------------------------------
def can_edit_for(*, actor: Any, department: Department) -> bool:
    """Editors write for their own departments (leaders, supervisors and administrators for
    every department in their region)."""
    scope = scope_for(actor)
    return scope.covers(region_path=department.region.path, department_id=department.pk)


def can_approve_for(*, actor: Any, department: Department) -> bool:
    scope = scope_for(actor)
    return scope.has_role(*c.APPROVER_ROLES) and scope.covers(region_path=department.region.path,
                                                             department_id=department.pk)


def _require_editor(actor: Any, department: Department) -> None:
    if not can_edit_for(actor=actor, department=department):
        raise PermissionDenied("您只能为本部门撰写和管理信息", code="news_not_your_department")


def _require_approver(actor: Any, item: NewsItem) -> None:
    if not can_approve_for(actor=actor, department=item.department):
        raise PermissionDenied("只有本部门的审核人员（领导、监督或管理员）可以审核发布", code="news_not_approver")


def _locked(item: NewsItem) -> NewsItem:
    return NewsItem.objects.select_for_update().select_related("department__region").get(pk=item.pk)


def _require_state(item: NewsItem, action: str) -> None:
    if not rules.can(action, item.status):
        raise Conflict(f"该信息当前状态为“{item.get_status_display()}”，不能执行此操作", code="news_wrong_state",
                       detail={"status": item.status})


# --- Fields --------------------------------------------------------------------------------------
@dataclass
class NewsFields:
    kind: str = c.NewsKind.NEWS
    title: str = ""
    summary: str = ""
    body: str = ""
    tags: list[str] | str | None = None
    open_category: str = ""
    document_number: str = ""
    interprets: NewsItem | None = None
    publish_at: datetime | None = None
    withdraw_at: datetime | None = None


def _clean(fields: NewsFields, *, department: Department, now: datetime) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = (fields.title or "").strip()
    if len(title) < 4:
        errors["title"] = "标题至少 4 个字"
    elif len(title) > c.TITLE_MAX:
        errors["title"] = f"标题不能超过 {c.TITLE_MAX} 个字"
    summary = (fields.summary or "").strip()
    if len(summary) > c.SUMMARY_MAX:
        errors["summary"] = f"摘要不能超过 {c.SUMMARY_MAX} 个字"
    body = (fields.body or "").strip()
    if len(body) > c.BODY_MAX:
        errors["body"] = f"正文不能超过 {c.BODY_MAX} 个字"
    if not body and not summary:
        errors["body"] = "请填写正文或摘要"
    if fields.kind not in c.NewsKind.values:
        errors["kind"] = "请选择类别：新闻动态、通知公告、政策文件或政策解读"
    if fields.open_category and fields.open_category not in c.OpenCategory.values:
        errors["open_category"] = "政务公开类别不存在"
    if fields.kind == c.NewsKind.INTERPRETATION:
        target = fields.interprets
        if target is None:
            errors["interprets"] = "政策解读须关联所解读的政策文件"
        elif target.kind != c.NewsKind.POLICY:
            errors["interprets"] = "只能解读政策文件"
    elif fields.interprets is not None:
        errors["interprets"] = "只有政策解读可以关联政策文件"
    if fields.withdraw_at and fields.withdraw_at <= (fields.publish_at or now):
        errors["withdraw_at"] = "定时撤回时间须晚于发布时间"
    if len(fields.document_number or "") > 60:
        errors["document_number"] = "文号不能超过 60 个字"
    if errors:
        raise ValidationFailed(fields=errors)
    return {
        "kind": fields.kind, "title": title, "summary": summary, "body": body,
        "tags": rules.tags_clean(fields.tags, limit=c.TAGS_MAX, length=c.TAG_MAX),
        "open_category": fields.open_category or "", "document_number": (fields.document_number or "").strip(),
        "interprets": fields.interprets, "publish_at": fields.publish_at, "withdraw_at": fields.withdraw_at,
        "title_key": rules.title_key(title),
    }


# --- Items -------------------------------------------------------------------------------------
def news_create(*, actor: Any, department: Department, fields: NewsFields, submit: bool = False,
                now: datetime | None = None) -> NewsItem:
    """A draft written by an editor of the department (optionally submitted for approval)."""
    _require_editor(actor, department)
    now = _now(now)
    data = _clean(fields, department=department, now=now)
    with transaction.atomic():
        item = NewsItem.objects.create(
            department=department, region=department.region, region_path=department.region.path,
            author=actor, status=c.NewsStatus.PENDING if submit else c.NewsStatus.DRAFT, **data)
        audit_record(actor=actor, action=c.AUDIT_NEWS_CREATE, obj=item,
                     summary={"title": item.title, "kind": item.kind, "department": department.code,
                              "status": item.status})
    return item


def news_update(*, actor: Any, item: NewsItem, fields: NewsFields, now: datetime | None = None) -> NewsItem:
    now = _now(now)
    with transaction.atomic():
        item = _locked(item)
        _require_editor(actor, item.department)
        _require_state(item, "edit")
        data = _clean(fields, department=item.department, now=now)
        changed = [k for k, v in data.items() if getattr(item, k) != v]
        for key, value in data.items():
            setattr(item, key, value)
        item.save(update_fields=[*data.keys(), "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_NEWS_UPDATE, obj=item, summary={"changed": changed})
    return item


def news_submit(*, actor: Any, item: NewsItem) -> NewsItem:
    with transaction.atomic():
        item = _locked(item)
        _require_editor(actor, item.department)
        _require_state(item, "submit")
        item.status = c.NewsStatus.PENDING
        item.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_NEWS_SUBMIT, obj=item, summary={"title": item.title})
    return item


def news_approve(*, actor: Any, item: NewsItem, note: str = "", now: datetime | None = None) -> NewsItem:
    """审核发布: a reviewer of the department (not the author) approves; the item is published
    at once or at its scheduled time."""
    now = _now(now)
    with transaction.atomic():
        item = _locked(item)
        _require_approver(actor, item)
        _require_state(item, "approve")
        if item.author_id is not None and item.author_id == getattr(actor, "pk", None):
            raise PermissionDenied("撰写人不能审核自己的稿件，请由另一位审核人员审核", code="news_self_approval")
        if item.withdraw_at is not None and item.withdraw_at <= now:
            raise ValidationFailed("定时撤回时间已过，请修改后再审核", code="news_withdraw_passed",
                                   fields={"withdraw_at": "定时撤回时间已过"})
        item.status = rules.approved_status(publish_at=item.publish_at, now=now)
        item.reviewer = actor
        item.review_note = (note or "").strip()[:300]
        if item.status == c.NewsStatus.PUBLISHED:
            item.published_at = now
        item.save(update_fields=["status", "reviewer", "review_note", "published_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_NEWS_APPROVE, obj=item,
                     summary={"title": item.title, "status": item.status})
    return item


def news_reject(*, actor: Any, item: NewsItem, reason: str) -> NewsItem:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed(fields={"reason": "请填写退回理由"})
    with transaction.atomic():
        item = _locked(item)
        _require_approver(actor, item)
        _require_state(item, "reject")
        item.status = c.NewsStatus.REJECTED
        item.reviewer = actor
        item.review_note = reason[:300]
        item.save(update_fields=["status", "reviewer", "review_note", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_NEWS_REJECT, obj=item, summary={"reason": reason[:300]})
    return item


def news_withdraw(*, actor: Any, item: NewsItem, reason: str, now: datetime | None = None) -> NewsItem:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationFailed(fields={"reason": "请填写撤回理由"})
    now = _now(now)
    with transaction.atomic():
        item = _locked(item)
        _require_approver(actor, item)
        _require_state(item, "withdraw")
        item.status = c.NewsStatus.WITHDRAWN
        item.withdrawn_at = now
        item.review_note = reason[:300]
        item.save(update_fields=["status", "withdrawn_at", "review_note", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_NEWS_WITHDRAW, obj=item, summary={"reason": reason[:300]})
    return item


def news_schedule_run(*, now: datetime | None = None) -> dict[str, int]:
    """Publish approved items whose time has come; withdraw published ones whose time is up."""
    now = _now(now)
    published = withdrawn = 0
    due = list(NewsItem.objects.filter(status=c.NewsStatus.SCHEDULED, publish_at__lte=now).values_list("pk", flat=True))
    for pk in due:
        with transaction.atomic():
            item = NewsItem.objects.select_for_update().get(pk=pk)
            if item.status != c.NewsStatus.SCHEDULED:
                continue
            item.status = c.NewsStatus.PUBLISHED
            item.published_at = item.publish_at or now
            item.save(update_fields=["status", "published_at", "updated_at"])
            audit_record(actor=None, action=c.AUDIT_NEWS_PUBLISH, obj=item, summary={"scheduled": True})
            published += 1
    ending = list(NewsItem.objects.filter(status=c.NewsStatus.PUBLISHED, withdraw_at__lte=now)
                  .values_list("pk", flat=True))
    for pk in ending:
        with transaction.atomic():
            item = NewsItem.objects.select_for_update().get(pk=pk)
            if item.status != c.NewsStatus.PUBLISHED:
                continue
            item.status = c.NewsStatus.WITHDRAWN
            item.withdrawn_at = now
            item.save(update_fields=["status", "withdrawn_at", "updated_at"])
            audit_record(actor=None, action=c.AUDIT_NEWS_WITHDRAW, obj=item, summary={"scheduled": True})
            withdrawn += 1
    return {"published": published, "withdrawn": withdrawn}


# --- Feeds -------------------------------------------------------------------------------------
def feed_register(*, actor: Any, department: Department, name: str, url: str, kind: str = c.NewsKind.NEWS,
                  open_category: str = "") -> NewsFeed:
    _require_editor(actor, department)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    url = (url or "").strip()
    if not 2 <= len(name) <= 100:
        errors["name"] = "请填写订阅源名称（2–100 个字）"
    problem = feeds.url_check(url)
    if problem:
        errors["url"] = problem
    if kind not in c.NewsKind.values:
        errors["kind"] = "请选择类别"
    if open_category and open_category not in c.OpenCategory.values:
        errors["open_category"] = "政务公开类别不存在"
    if errors:
        raise ValidationFailed(fields=errors)
    try:
        with transaction.atomic():
            feed = NewsFeed.objects.create(department=department, name=name, url=url, kind=kind,
                                           open_category=open_category or "")
            audit_record(actor=actor, action=c.AUDIT_FEED_REGISTER, obj=feed,
                         summary={"name": name, "url": url, "department": department.code})
    except IntegrityError as exc:
        raise Conflict("本部门已登记该订阅源", code="news_feed_exists", fields={"url": "已登记"}) from exc
    return feed


@dataclass(frozen=True)
class FeedResult:
    status: str
    new: int = 0
    duplicates: int = 0
    error: str = ""


def _duplicate(*, key: str, title_key: str, when: datetime) -> bool:
    if NewsItem.objects.filter(source_key=key).exists():
        return True
    window = timedelta(days=c.DUPLICATE_WINDOW_DAYS)
    return NewsItem.objects.filter(title_key=title_key, created_at__gte=when - window).exists()


def feed_fetch(*, feed: NewsFeed, actor: Any = None, now: datetime | None = None) -> FeedResult:
    """Fetch one feed; put every new entry (not seen by id or link, nor by title within two
    weeks) into the approval queue as a pending item of the feed's department."""
    now = _now(now)
    if actor is not None:
        _require_editor(actor, feed.department)
    try:
        fetched = feeds.fetch(feed.url, etag=feed.etag, modified=feed.modified)
        entries = feeds.parse(fetched.content) if fetched.content is not None else None
    except feeds.FeedError as exc:
        result = FeedResult(c.FeedStatus.FAILED, error=str(exc)[:300])
        entries, fetched = None, None
    else:
        result = FeedResult(c.FeedStatus.NOT_MODIFIED if entries is None else c.FeedStatus.OK)
    new = dup = 0
    department = Department.objects.select_related("region").get(pk=feed.department_id)
    with transaction.atomic():
        for entry in entries or []:
            title = rules.text_from_html(entry.title, limit=c.TITLE_MAX)
            key = rules.source_key(entry_id=entry.entry_id, link=entry.link, title=title)
            tkey = rules.title_key(title)
            if _duplicate(key=key, title_key=tkey, when=now):
                dup += 1
                continue
            body = rules.text_from_html(entry.body_html, limit=c.BODY_MAX)
            NewsItem.objects.create(
                kind=feed.kind, title=title, summary=rules.text_from_html(entry.summary_html, limit=200),
                body=body or title, department=department, region=department.region,
                region_path=department.region.path,
                tags=rules.tags_clean(entry.tags, limit=c.TAGS_MAX, length=c.TAG_MAX),
                open_category=feed.open_category, status=c.NewsStatus.PENDING, source=c.NewsSource.FEED,
                feed=feed, source_url=entry.link if entry.link.startswith(("http://", "https://")) else "",
                source_key=key, title_key=tkey, publish_at=None,
            )
            new += 1
        feed.last_fetched_at = now
        feed.last_status = result.status
        feed.last_error = result.error
        feed.last_new, feed.last_duplicates = new, dup
        if fetched is not None and fetched.content is not None:
            feed.etag, feed.modified = fetched.etag, fetched.modified
        feed.save(update_fields=["last_fetched_at", "last_status", "last_error", "last_new", "last_duplicates",
                                 "etag", "modified", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_FEED_FETCH, obj=feed,
                     summary={"status": result.status, "new": new, "duplicates": dup})
    return FeedResult(result.status, new, dup, result.error)


def feeds_fetch_due(*, now: datetime | None = None) -> dict[str, int]:
    """Every active feed not fetched within ``FEED_EVERY_SECONDS`` (the periodic job)."""
    now = _now(now)
    cutoff = now - timedelta(seconds=c.FEED_EVERY_SECONDS)
    totals = {"feeds": 0, "new": 0, "duplicates": 0, "failed": 0}
    for feed in NewsFeed.objects.filter(is_active=True).exclude(last_fetched_at__gt=cutoff).order_by("pk"):
        result = feed_fetch(feed=feed, now=now)
        totals["feeds"] += 1
        totals["new"] += result.new
        totals["duplicates"] += result.duplicates
        totals["failed"] += result.status == c.FeedStatus.FAILED
    return totals



# --- Attachments ---------------------------------------------------------------------------------
def news_attachment_add(*, actor: Any, item: NewsItem, name: str, content: bytes, caption: str = "",
                        internal: bool = False) -> NewsAttachment:
    """A picture or PDF for an item still being written or reviewed, judged by its content
    (``core.uploads.upload_check``). ``internal`` files (审核依据) are never public."""
    _require_editor(actor, item.department)
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ValidationFailed(fields={"caption": "说明不能超过 200 个字"})
    upload = upload_check(name=name, content=content, allowed=c.ATTACHMENT_TYPES, max_bytes=c.ATTACHMENT_MAX_BYTES,
                          field="file", code_prefix="news_attachment", kinds_label=c.ATTACHMENT_KINDS_LABEL)
    with transaction.atomic():
        item = _locked(item)
        _require_editor(actor, item.department)
        _require_state(item, "edit")
        if item.attachments.count() >= c.ATTACHMENTS_MAX:
            raise ValidationFailed(f"每条信息最多 {c.ATTACHMENTS_MAX} 个附件", code="news_attachments_too_many",
                                   fields={"file": f"每条信息最多 {c.ATTACHMENTS_MAX} 个附件"})
        attachment = NewsAttachment(item=item, name=upload.name, caption=caption, content_type=upload.content_type,
                                    extension=upload.extension, size=len(upload.content), width=upload.width,
                                    height=upload.height, internal=internal,
                                    uploaded_by=actor if getattr(actor, "pk", None) else None)
        attachment.file.save(upload.name, ContentFile(upload.content), save=False)
        attachment.save()
        item.save(update_fields=["updated_at"])  # the detail's ETag changes with its files
        audit_record(actor=actor, action=c.AUDIT_ATTACHMENT_ADD, obj=item,
                     summary={"file": upload.name[:60], "type": upload.content_type, "size": len(upload.content),
                              "internal": internal})
    return attachment


def news_attachment_remove(*, actor: Any, attachment: NewsAttachment) -> None:
    with transaction.atomic():
        item = _locked(attachment.item)
        _require_editor(actor, item.department)
        _require_state(item, "edit")
        name = attachment.name
        attachment.delete()  # the file goes with the hourly cleanup of unreferenced uploads
        item.save(update_fields=["updated_at"])
        audit_record(actor=actor, action=c.AUDIT_ATTACHMENT_REMOVE, obj=item, summary={"file": name[:60]})
