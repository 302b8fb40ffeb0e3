"""/api/v1/news: the public stream, details, 政务公开 catalogue and yearly figures (cacheable:
ETag and Last-Modified, 304 on a match); the newsroom (drafts, 审核发布, feeds) for staff."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date, parse_http_date_safe
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from onewindow.accounts.auth import API_AUTH
from onewindow.core.errors import ValidationFailed
from onewindow.core.pagination import UpdatedSinceFilter

from . import constants as c
from . import selectors, services
from .models import NewsAttachment, NewsFeed, NewsItem

router = Router(tags=["新闻与政务公开 news"])
PUBLIC_MAX_AGE = 60


# --- Schemas ----------------------------------------------------------------------------------
class NewsDepartmentRef(Schema):
    code: str
    name: str


class NewsItemOut(Schema):
    id: UUID
    kind: str = Field(..., description="news 新闻动态 / notice 通知公告 / policy 政策文件 / interpretation 政策解读")
    kind_label: str
    title: str
    summary: str
    tags: list[str]
    open_category: str
    document_number: str
    department: NewsDepartmentRef
    published_at: datetime | None
    source: str
    source_url: str


class NewsItemRef(Schema):
    id: UUID
    title: str


class NewsAttachmentOut(Schema):
    id: UUID
    name: str
    caption: str
    content_type: str = Field(..., description="按内容识别的图片类型或 application/pdf")
    size: int
    width: int | None = None
    height: int | None = None
    internal: bool = Field(False, description="仅内部可见（审核依据），不随信息公开")
    url: str


class NewsItemDetailOut(NewsItemOut):
    body: str
    interprets: NewsItemRef | None
    interpretations: list[NewsItemRef]
    attachments: list[NewsAttachmentOut] = Field(default_factory=list, description="公开的图片和 PDF")


class NewsStaffItemOut(NewsItemOut):
    status: str
    status_label: str
    body: str
    publish_at: datetime | None
    withdraw_at: datetime | None
    review_note: str
    feed: str
    attachments: list[NewsAttachmentOut] = Field(default_factory=list, description="全部附件（含仅内部可见的）")


class NewsItemIn(Schema):
    department_code: str = Field(..., examples=["530103-SCJG"])
    kind: str = Field(c.NewsKind.NEWS, examples=["news"])
    title: str = Field(..., examples=["盘龙区开展节前食品安全专项检查"])
    summary: str = ""
    body: str = ""
    tags: list[str] = []
    open_category: str = Field("", description="政务公开类别（留空则不进入政务公开目录）")
    document_number: str = ""
    interprets_id: UUID | None = Field(None, description="政策解读所解读的政策文件")
    publish_at: datetime | None = None
    withdraw_at: datetime | None = None
    submit: bool = Field(False, description="保存后直接提交审核")


class NewsReviewIn(Schema):
    note: str = ""


class NewsReasonIn(Schema):
    reason: str = Field(..., examples=["信息有误，需核实后重发"])


class NewsFeedIn(Schema):
    department_code: str
    name: str = Field(..., examples=["区市场监管局门户网站"])
    url: str = Field(..., examples=["https://example.gov.cn/rss.xml"])
    kind: str = c.NewsKind.NEWS
    open_category: str = ""


class NewsFeedOut(Schema):
    id: UUID
    name: str
    url: str
    department: NewsDepartmentRef
    kind: str
    is_active: bool
    last_fetched_at: datetime | None
    last_status: str
    last_error: str
    last_new: int
    last_duplicates: int


class NewsFetchOut(Schema):
    status: str
    new: int
    duplicates: int
    error: str


class NewsCategoryCount(Schema):
    code: str
    label: str
    count: int


class NewsCatalogueDepartmentOut(Schema):
    code: str
    name: str
    total: int
    categories: list[NewsCategoryCount]


class NewsYearReportOut(Schema):
    year: int
    published: int
    withdrawn: int
    by_category: list[NewsCategoryCount]
    by_kind: list[NewsCategoryCount]


def _dept(d: Any) -> dict[str, str]:
    return {"code": d.code, "name": d.name}


def _item(item: NewsItem) -> dict[str, Any]:
    return {"id": item.public_id, "kind": item.kind, "kind_label": item.get_kind_display(), "title": item.title,
            "summary": item.summary, "tags": item.tags or [], "open_category": item.open_category,
            "document_number": item.document_number, "department": _dept(item.department),
            "published_at": item.published_at, "source": item.source, "source_url": item.source_url}


def _attachment(a: NewsAttachment, *, staff: bool) -> dict[str, Any]:
    name = "news:staff_file" if staff else "news:file"
    return {"id": a.public_id, "name": a.name, "caption": a.caption, "content_type": a.content_type, "size": a.size,
            "width": a.width, "height": a.height, "internal": a.internal,
            "url": reverse(name, kwargs={"public_id": a.item.public_id, "file_id": a.public_id})}


def _staff_item(item: NewsItem) -> dict[str, Any]:
    return {**_item(item), "status": item.status, "status_label": item.get_status_display(), "body": item.body,
            "publish_at": item.publish_at, "withdraw_at": item.withdraw_at, "review_note": item.review_note,
            "feed": item.feed.name if item.feed_id and item.feed else "",
            "attachments": [_attachment(a, staff=True) for a in item.attachments.all()]}


def _feed(feed: NewsFeed) -> dict[str, Any]:
    return {"id": feed.public_id, "name": feed.name, "url": feed.url, "department": _dept(feed.department),
            "kind": feed.kind, "is_active": feed.is_active, "last_fetched_at": feed.last_fetched_at,
            "last_status": feed.last_status, "last_error": feed.last_error, "last_new": feed.last_new,
            "last_duplicates": feed.last_duplicates}


def _not_modified(request: HttpRequest, etag: str, latest: datetime | None) -> bool:
    if etag and etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return True
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return bool(latest and since and int(latest.timestamp()) <= since and "If-None-Match" not in request.headers)


def _cache_headers(response: HttpResponse, etag: str, latest: datetime | None) -> None:
    response["ETag"] = etag
    if latest:
        response["Last-Modified"] = http_date(latest.timestamp())
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"


# --- Public -----------------------------------------------------------------------------------
class NewsListQuery(UpdatedSinceFilter):
    kind: str = Field("", description="类别")
    department: str = Field("", description="部门编码")
    category: str = Field("", description="政务公开类别")
    q: str = Field("", max_length=50, description="标题、摘要或文号中的字词")
    year: int | None = Field(None, ge=2000, le=2100)


class NewsPageOut(Schema):
    items: list[NewsItemOut]
    count: int
    page: int
    pages: int


@router.get("/news", response={200: NewsPageOut, 304: None}, summary="新闻、公告和政策（已发布）",
            description="支持 ETag / Last-Modified 条件请求（未变化时返回 304）。")
def news_list(request: HttpRequest, response: HttpResponse, filters: Query[NewsListQuery],
              page: int = 1) -> Any:
    if filters.kind and filters.kind not in c.NewsKind.values:
        raise ValidationFailed(fields={"kind": "类别不存在"})
    qs = selectors.news_public_list(filters=selectors.NewsFilters(
        kind=filters.kind, department=filters.department, category=filters.category, q=filters.q,
        year=filters.year, updated_since=filters.updated_since))
    variant = (f"{filters.kind}|{filters.department}|{filters.category}|{filters.q}|{filters.year}|{page}"
               f"|{filters.updated_since.isoformat() if filters.updated_since else ''}")
    etag, latest, count = selectors.news_list_stats(qs, variant=variant)
    _cache_headers(response, etag, latest)
    if _not_modified(request, etag, latest):
        return Status(304, None)
    size = 20
    pages = max((count + size - 1) // size, 1)
    page = min(max(page, 1), pages)
    rows = list(qs[(page - 1) * size: page * size])
    return {"items": [_item(i) for i in rows], "count": count, "page": page, "pages": pages}


@router.get("/news/items/{item_id}", response={200: NewsItemDetailOut, 304: None}, summary="信息详情")
def news_detail(request: HttpRequest, response: HttpResponse, item_id: UUID) -> Any:
    item = selectors.news_public_get(public_id=item_id)
    interpretations = selectors.news_interpretations(item=item)
    latest = max([item.updated_at, *[i.updated_at for i in interpretations]])
    etag = f'W/"{item.public_id.hex[:16]}-{int(latest.timestamp() * 1000)}"'
    _cache_headers(response, etag, latest)
    if _not_modified(request, etag, latest):
        return Status(304, None)
    interprets = item.interprets if item.interprets and item.interprets.status == c.NewsStatus.PUBLISHED else None
    return {**_item(item), "body": item.body,
            "interprets": {"id": interprets.public_id, "title": interprets.title} if interprets else None,
            "interpretations": [{"id": i.public_id, "title": i.title} for i in interpretations],
            "attachments": [_attachment(a, staff=False) for a in selectors.news_public_attachments(item=item)]}


@router.get("/news/open/catalogue", response=list[NewsCatalogueDepartmentOut], summary="政务公开目录（按部门、类别）")
def news_open_catalogue(request: HttpRequest, department: str = "") -> Any:
    return selectors.open_catalogue(department=department)


@router.get("/news/open/report/{year}", response=NewsYearReportOut, summary="政务公开年度报告数据")
def news_open_report(request: HttpRequest, year: int) -> Any:
    if not 2000 <= year <= 2100:
        raise ValidationFailed(fields={"year": "年度须在 2000–2100 之间"})
    return selectors.open_report(year=year)


# --- Newsroom (staff) ---------------------------------------------------------------------------
def _fields(body: NewsItemIn, *, actor: Any) -> services.NewsFields:
    interprets = selectors.news_policy_get(public_id=body.interprets_id) if body.interprets_id else None
    return services.NewsFields(kind=body.kind, title=body.title, summary=body.summary, body=body.body,
                               tags=body.tags, open_category=body.open_category,
                               document_number=body.document_number, interprets=interprets,
                               publish_at=body.publish_at, withdraw_at=body.withdraw_at)


class NewsStaffListQuery(UpdatedSinceFilter):
    status: str = ""
    q: str = ""


@router.get("/news/staff/items", response=list[NewsStaffItemOut], auth=API_AUTH, summary="本部门的信息（最近 200 条）")
def news_staff_items(request: HttpRequest, filters: Query[NewsStaffListQuery]) -> Any:
    rows = selectors.news_staff_list(actor=request.user, status=filters.status, q=filters.q,
                                     updated_since=filters.updated_since)[:200]
    return [_staff_item(i) for i in rows]


@router.get("/news/staff/queue", response=list[NewsStaffItemOut], auth=API_AUTH, summary="待审核发布")
def news_staff_queue(request: HttpRequest) -> Any:
    return [_staff_item(i) for i in selectors.news_review_queue(actor=request.user)[:200]]


@router.post("/news/staff/items", response={201: NewsStaffItemOut}, auth=API_AUTH, summary="撰写（草稿或提交审核）")
def news_staff_create(request: HttpRequest, body: NewsItemIn) -> Any:
    department = selectors.editable_department_get(actor=request.user, code=body.department_code)
    item = services.news_create(actor=request.user, department=department,
                                fields=_fields(body, actor=request.user), submit=body.submit)
    return Status(201, _staff_item(item))


@router.get("/news/staff/items/{item_id}", response=NewsStaffItemOut, auth=API_AUTH, summary="稿件详情")
def news_staff_get(request: HttpRequest, item_id: UUID) -> Any:
    return _staff_item(selectors.news_staff_get(actor=request.user, public_id=item_id))


@router.post("/news/staff/items/{item_id}/attachments", response={201: NewsAttachmentOut}, auth=API_AUTH,
             summary="上传图片或 PDF（撰写、退回或待审核时）",
             description="multipart：file（≤ 10 MB，按内容识别类型，图片须能解码），caption 可选，"
                         "internal=true 为仅内部可见的审核依据。")
def news_staff_attachment_add(request: HttpRequest, item_id: UUID, file: File[UploadedFile], caption: Form[str] = "",
                              internal: Form[bool] = False) -> Any:
    item = selectors.news_staff_get(actor=request.user, public_id=item_id)
    a = services.news_attachment_add(actor=request.user, item=item, name=file.name or "附件",
                                     content=file.read(c.ATTACHMENT_MAX_BYTES + 1), caption=caption,
                                     internal=internal)
    return Status(201, _attachment(a, staff=True))


@router.get("/news/staff/items/{item_id}/attachments/{file_id}", auth=API_AUTH, summary="打开稿件附件",
            response={200: None})
def news_staff_attachment_get(request: HttpRequest, item_id: UUID, file_id: UUID) -> FileResponse:
    a = selectors.news_staff_attachment_get(actor=request.user, item_id=item_id, public_id=file_id)
    response = FileResponse(a.file.open("rb"), content_type=a.content_type, as_attachment=False, filename=a.name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.delete("/news/staff/items/{item_id}/attachments/{file_id}", response={204: None}, auth=API_AUTH,
               summary="删除稿件附件")
def news_staff_attachment_remove(request: HttpRequest, item_id: UUID, file_id: UUID) -> Any:
    a = selectors.news_staff_attachment_get(actor=request.user, item_id=item_id, public_id=file_id)
    services.news_attachment_remove(actor=request.user, attachment=a)
    return Status(204, None)


@router.post("/news/staff/items/{item_id}/submit", response=NewsStaffItemOut, auth=API_AUTH, summary="提交审核")
def news_staff_submit(request: HttpRequest, item_id: UUID) -> Any:
    item = selectors.news_staff_get(actor=request.user, public_id=item_id)
    return _staff_item(services.news_submit(actor=request.user, item=item))


@router.post("/news/staff/items/{item_id}/approve", response=NewsStaffItemOut, auth=API_AUTH,
             summary="审核通过并发布（或定时发布）")
def news_staff_approve(request: HttpRequest, item_id: UUID, body: NewsReviewIn) -> Any:
    item = selectors.news_staff_get(actor=request.user, public_id=item_id)
    return _staff_item(services.news_approve(actor=request.user, item=item, note=body.note))


@router.post("/news/staff/items/{item_id}/reject", response=NewsStaffItemOut, auth=API_AUTH, summary="退回")
def news_staff_reject(request: HttpRequest, item_id: UUID, body: NewsReasonIn) -> Any:
    item = selectors.news_staff_get(actor=request.user, public_id=item_id)
    return _staff_item(services.news_reject(actor=request.user, item=item, reason=body.reason))


@router.post("/news/staff/items/{item_id}/withdraw", response=NewsStaffItemOut, auth=API_AUTH, summary="撤回")
def news_staff_withdraw(request: HttpRequest, item_id: UUID, body: NewsReasonIn) -> Any:
    item = selectors.news_staff_get(actor=request.user, public_id=item_id)
    return _staff_item(services.news_withdraw(actor=request.user, item=item, reason=body.reason))


@router.get("/news/staff/feeds", response=list[NewsFeedOut], auth=API_AUTH, summary="订阅源")
def news_staff_feeds(request: HttpRequest) -> Any:
    return [_feed(f) for f in selectors.feed_list(actor=request.user)]


@router.post("/news/staff/feeds", response={201: NewsFeedOut}, auth=API_AUTH, summary="登记订阅源（RSS/Atom）")
def news_staff_feed_create(request: HttpRequest, body: NewsFeedIn) -> Any:
    department = selectors.editable_department_get(actor=request.user, code=body.department_code)
    feed = services.feed_register(actor=request.user, department=department, name=body.name, url=body.url,
                                  kind=body.kind, open_category=body.open_category)
    return Status(201, _feed(feed))


@router.post("/news/staff/feeds/{feed_id}/fetch", response=NewsFetchOut, auth=API_AUTH,
             summary="立即抓取订阅源（新条目进入审核队列）")
def news_staff_feed_fetch(request: HttpRequest, feed_id: UUID) -> Any:
    feed = selectors.feed_get(actor=request.user, public_id=feed_id)
    result = services.feed_fetch(feed=feed, actor=request.user)
    return {"status": result.status, "new": result.new, "duplicates": result.duplicates, "error": result.error}
