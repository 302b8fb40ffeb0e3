"""News pages: the public stream and details (conditional GET), 政务公开 with the yearly
figures; the newsroom for editors and approvers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_POST

from onewindow.accounts.views import staff_page
from onewindow.core.errors import DomainError, ValidationFailed

from . import constants as c
from . import selectors, services


def _conditional(request: HttpRequest, etag: str, latest: datetime | None) -> HttpResponse | None:
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        return HttpResponseNotModified()
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    if latest and since and "If-None-Match" not in request.headers and int(latest.timestamp()) <= since:
        return HttpResponseNotModified()
    return None


def _validators(response: HttpResponse, etag: str, latest: datetime | None) -> HttpResponse:
    response["ETag"] = etag
    if latest:
        response["Last-Modified"] = http_date(latest.timestamp())
    response["Cache-Control"] = "private, max-age=0, must-revalidate"  # pages carry the signed-in header
    return response


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def news_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.NewsFilters(
        kind=request.GET.get("kind", "") if request.GET.get("kind", "") in c.NewsKind.values else "",
        department=request.GET.get("department", "")[:40], category=request.GET.get("category", "")[:20],
        q=request.GET.get("q", "")[:50], year=_int(request.GET.get("year")))
    qs = selectors.news_public_list(filters=filters)
    page_no = _int(request.GET.get("page")) or 1
    variant = f"{filters}|{page_no}|{request.user.pk}|{request.LANGUAGE_CODE}|{request.COOKIES.get('ow_text')}" \
              f"|{request.COOKIES.get('ow_contrast')}"
    etag, latest = selectors.news_list_validators(qs, variant=variant)
    not_modified = _conditional(request, etag, latest)
    if not_modified:
        return not_modified
    page = Paginator(qs, 20).get_page(page_no)
    context = {"page": page, "filters": filters, "kinds": c.NewsKind.choices,
               "categories": c.OpenCategory.choices, "departments": selectors.departments_publishing()}
    return _validators(render(request, "news/list.html", context), etag, latest)


def news_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.news_public_get(public_id=public_id)
    interpretations = selectors.news_interpretations(item=item)
    latest = max([item.updated_at, *[i.updated_at for i in interpretations]])
    etag = (f'W/"{item.public_id.hex[:16]}-{int(latest.timestamp() * 1000)}-{request.user.pk}'
            f'-{request.LANGUAGE_CODE}-{request.COOKIES.get("ow_text")}-{request.COOKIES.get("ow_contrast")}"')
    not_modified = _conditional(request, etag, latest)
    if not_modified:
        return not_modified
    files = selectors.news_public_attachments(item=item)
    context = {"item": item, "interpretations": interpretations,
               "paragraphs": [p for p in item.body.split("\n") if p.strip()],
               "images": [f for f in files if f.is_image], "documents": [f for f in files if not f.is_image]}
    return _validators(render(request, "news/detail.html", context), etag, latest)


def _file_response(attachment: Any, *, public: bool) -> FileResponse:
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type, as_attachment=False,
                            filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response


def news_file(request: HttpRequest, public_id: str, file_id: str) -> FileResponse:
    """A public picture or PDF of a published item (internal files and drafts' files: 404)."""
    return _file_response(selectors.news_public_attachment_get(item_id=public_id, public_id=file_id), public=True)


def open_catalogue(request: HttpRequest) -> HttpResponse:
    years = selectors.open_report_years()
    year = _int(request.GET.get("year")) or (years[0] if years else timezone.localdate().year)
    context = {"catalogue": selectors.open_catalogue(department=request.GET.get("department", "")[:40]),
               "categories": c.OpenCategory.choices, "report": selectors.open_report(year=year), "years": years}
    return render(request, "news/open.html", context)


# --- Newsroom ---------------------------------------------------------------------------------
@staff_page("news.staff")
def staff_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in c.NewsStatus.values else ""
    page = Paginator(selectors.news_staff_list(actor=request.user, status=status, q=request.GET.get("q", "")),
                     30).get_page(request.GET.get("page"))
    context = {"page": page, "status": status, "statuses": c.NewsStatus.choices,
               "queue": selectors.news_review_queue(actor=request.user)[:50],
               "approver": selectors.news_is_approver(actor=request.user)}
    return render(request, "news/staff_list.html", context)


def _when(value: str, field: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValidationFailed(fields={field: "时间格式不正确"})
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _fields_from(request: HttpRequest) -> services.NewsFields:
    interprets = None
    if request.POST.get("interprets"):
        interprets = selectors.news_policy_get(public_id=request.POST["interprets"][:40])
    return services.NewsFields(
        kind=request.POST.get("kind", c.NewsKind.NEWS), title=request.POST.get("title", ""),
        summary=request.POST.get("summary", ""), body=request.POST.get("body", ""),
        tags=request.POST.get("tags", ""), open_category=request.POST.get("open_category", ""),
        document_number=request.POST.get("document_number", ""), interprets=interprets,
        publish_at=_when(request.POST.get("publish_at", ""), "publish_at"),
        withdraw_at=_when(request.POST.get("withdraw_at", ""), "withdraw_at"))


def _form_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"kinds": c.NewsKind.choices, "categories": c.OpenCategory.choices,
            "departments": selectors.editable_departments(actor=request.user),
            "policies": selectors.news_policy_choices(actor=request.user)[:100], **extra}


@staff_page("news.staff")
def staff_new(request: HttpRequest) -> HttpResponse:
    context = _form_context(request, values={})
    if request.method == "POST":
        context["values"] = request.POST.dict()
        try:
            department = selectors.editable_department_get(actor=request.user,
                                                           code=request.POST.get("department", ""))
            item = services.news_create(actor=request.user, department=department, fields=_fields_from(request),
                                        submit=request.POST.get("submit") == "1")
        except DomainError as error:
            return render(request, "news/staff_form.html", {**context, "error": error}, status=error.status)
        messages.success(request, "已提交审核" if item.status == c.NewsStatus.PENDING else "草稿已保存")
        return redirect("news:staff_item", public_id=item.public_id)
    return render(request, "news/staff_form.html", context)


def _item_context(request: HttpRequest, item: Any) -> dict[str, Any]:
    values = {"department": item.department.code, "kind": item.kind, "title": item.title, "summary": item.summary,
              "body": item.body, "tags": "，".join(item.tags or []), "open_category": item.open_category,
              "document_number": item.document_number,
              "interprets": str(item.interprets.public_id) if item.interprets else "",
              "publish_at": timezone.localtime(item.publish_at).strftime("%Y-%m-%dT%H:%M") if item.publish_at else "",
              "withdraw_at": timezone.localtime(item.withdraw_at).strftime("%Y-%m-%dT%H:%M")
              if item.withdraw_at else ""}
    return _form_context(request, item=item, values=values, attachments=list(item.attachments.all()),
                         can_approve=services.can_approve_for(actor=request.user, department=item.department),
                         editable=item.status in (c.NewsStatus.DRAFT, c.NewsStatus.REJECTED, c.NewsStatus.PENDING))


@staff_page("news.staff")
def staff_item(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.news_staff_get(actor=request.user, public_id=public_id)
    context = _item_context(request, item)
    if request.method == "POST":
        context["values"] = request.POST.dict()
        try:
            item = services.news_update(actor=request.user, item=item, fields=_fields_from(request))
        except DomainError as error:
            return render(request, "news/staff_item.html", {**context, "error": error}, status=error.status)
        messages.success(request, "已保存")
        return redirect("news:staff_item", public_id=item.public_id)
    return render(request, "news/staff_item.html", context)


@require_POST
@staff_page("news.staff")
def staff_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    item = selectors.news_staff_get(actor=request.user, public_id=public_id)
    reason = request.POST.get("reason", "")
    done = {
        "submit": lambda: services.news_submit(actor=request.user, item=item),
        "approve": lambda: services.news_approve(actor=request.user, item=item, note=reason),
        "reject": lambda: services.news_reject(actor=request.user, item=item, reason=reason),
        "withdraw": lambda: services.news_withdraw(actor=request.user, item=item, reason=reason),
    }
    if action not in done:
        raise ValidationFailed("不支持的操作", code="news_unknown_action")
    try:
        item = done[action]()
    except DomainError as error:
        context = _form_context(request, item=item, values={}, action_error=error,
                                attachments=list(item.attachments.all()),
                                can_approve=services.can_approve_for(actor=request.user, department=item.department),
                                editable=False)
        return render(request, "news/staff_item.html", context, status=error.status)
    messages.success(request, f"操作成功：{item.get_status_display()}")
    return redirect("news:staff_item", public_id=item.public_id)


@staff_page("news.staff")
def staff_file(request: HttpRequest, public_id: str, file_id: str) -> Any:
    """Any file of an item in the staff member's scope, internal ones included."""
    attachment = selectors.news_staff_attachment_get(actor=request.user, item_id=public_id, public_id=file_id)
    return _file_response(attachment, public=False)


@require_POST
@staff_page("news.staff")
def staff_file_add(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.news_staff_get(actor=request.user, public_id=public_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed("请选择要上传的图片或 PDF", code="news_attachment_missing",
                                   fields={"file": "请选择要上传的图片或 PDF"})
        services.news_attachment_add(actor=request.user, item=item, name=upload.name or "附件",
                                     content=upload.read(c.ATTACHMENT_MAX_BYTES + 1),
                                     caption=request.POST.get("caption", ""),
                                     internal=request.POST.get("internal") == "1")
    except DomainError as error:
        context = _item_context(request, item)
        context.update(file_error=error, file_values=request.POST.dict())
        return render(request, "news/staff_item.html", context, status=error.status)
    messages.success(request, "附件已上传")
    return redirect("news:staff_item", public_id=item.public_id)


@require_POST
@staff_page("news.staff")
def staff_file_remove(request: HttpRequest, public_id: str, file_id: str) -> HttpResponse:
    attachment = selectors.news_staff_attachment_get(actor=request.user, item_id=public_id, public_id=file_id)
    try:
        services.news_attachment_remove(actor=request.user, attachment=attachment)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "附件已删除")
    return redirect("news:staff_item", public_id=public_id)


@staff_page("news.staff")
def staff_feeds(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"feeds": selectors.feed_list(actor=request.user), "values": {},
                               "departments": selectors.editable_departments(actor=request.user),
                               "kinds": c.NewsKind.choices, "categories": c.OpenCategory.choices}
    if request.method == "POST":
        context["values"] = request.POST.dict()
        try:
            department = selectors.editable_department_get(actor=request.user,
                                                           code=request.POST.get("department", ""))
            services.feed_register(actor=request.user, department=department, name=request.POST.get("name", ""),
                                   url=request.POST.get("url", ""), kind=request.POST.get("kind", "news"),
                                   open_category=request.POST.get("open_category", ""))
        except DomainError as error:
            return render(request, "news/staff_feeds.html", {**context, "error": error}, status=error.status)
        messages.success(request, "订阅源已登记")
        return redirect("news:staff_feeds")
    return render(request, "news/staff_feeds.html", context)


@require_POST
@staff_page("news.staff")
def staff_feed_fetch(request: HttpRequest, public_id: str) -> HttpResponse:
    feed = selectors.feed_get(actor=request.user, public_id=public_id)
    result = services.feed_fetch(feed=feed, actor=request.user)
    if result.status == c.FeedStatus.FAILED:
        messages.error(request, f"抓取失败：{result.error}")
    else:
        messages.success(request, f"抓取完成：新增 {result.new} 条进入审核队列，重复 {result.duplicates} 条")
    return redirect("news:staff_feeds")
