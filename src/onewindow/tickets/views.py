"""Pages of the hotline: the operator's call form, the dispatcher's queue, the department inbox,
the supervisor's views, callbacks, the ticket timeline, the knowledge base, and the citizens'
web form. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from onewindow.accounts.models import Department
from onewindow.accounts.selectors import department_find, department_list
from onewindow.accounts.views import staff_required
from onewindow.core.crypto import lookup_hash
from onewindow.core.errors import DomainError, NotFound, ValidationFailed
from onewindow.core.inputs import search_params
from onewindow.core.pagination import MAX_PAGE, BoundedPage, page_count

from . import constants as c
from . import rules, selectors, services
from .models import Category, ExtensionRequest, SupervisionOrder, Ticket

SH = ZoneInfo("Asia/Shanghai")


# --- Helpers ----------------------------------------------------------------------------------
def _float(value: str | None, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed("应为数字", code="number_invalid", fields={field: "应为数字"}) from None


def _int(value: str | None, field: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ValidationFailed("应为整数", code="number_invalid", fields={field: "应为整数"}) from None


def _department(code: str, field: str = "department") -> Department:
    department = department_find(code=code, active_only=True)
    if department is None:
        raise ValidationFailed("请选择部门", code="department_required", fields={field: "请选择部门"})
    return department


def _category(code: str | None) -> Category | None:
    code = (code or "").strip()
    if not code:
        return None
    category = selectors.category_find(code=code)
    if category is None:
        raise ValidationFailed("找不到该分类", code="category_not_found", fields={"category": "找不到该分类"})
    return category


def _status_text(ticket: Ticket) -> str:
    if ticket.status == c.Status.DISPATCHED and ticket.department:
        return f"已派至{ticket.department.name}"
    return ticket.get_status_display()


def _role_context(user: Any) -> dict[str, bool]:
    return {"is_operator": selectors.is_operator(user), "is_dispatcher": selectors.is_dispatcher(user),
            "is_supervisor": selectors.is_supervisor(user), "is_handler": bool(selectors.handler_departments(user))}


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, template, {**_role_context(request.user), **context}, status=status)


def _choices() -> dict[str, Any]:
    return {
        "max_text": c.MAX_TEXT, "max_title": c.MAX_TITLE,
        "kinds": c.TicketKind.choices, "urgencies": c.Urgency.choices, "limit_classes": c.LimitClass.choices,
        "satisfactions": c.Satisfaction.choices, "units": c.LimitUnit.choices,
        "departments": list(department_list()), "categories": list(selectors.category_list()),
    }


# --- Home -------------------------------------------------------------------------------------
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    counts = {
        "triage": selectors.triage_queue(actor=user).count(),
        "duplicates": selectors.duplicate_queue(actor=user).count(),
        "callback": selectors.callback_queue(actor=user).count(),
        "inbox": selectors.department_inbox(actor=user).count(),
        "overdue": selectors.overdue_list(actor=user).count(),
        "warnings": selectors.warning_list(actor=user).count(),
        "orders": selectors.order_open_for(actor=user).count(),
        "extensions": selectors.extension_pending(actor=user).count(),
        "reopen": selectors.reopen_candidates(actor=user).count(),
    }
    return _render(request, "tickets/home.html", {"counts": counts})


# --- The operator's call form -----------------------------------------------------------------
def _require_operator(request: HttpRequest) -> None:
    if not selectors.is_operator(request.user):
        raise NotFound()


@staff_required
def call(request: HttpRequest) -> HttpResponse:
    """Keyboard-first entry of a call in progress (热线受理)."""
    _require_operator(request)
    values: dict[str, Any] = {"kind": c.TicketKind.HELP, "urgency": c.Urgency.NORMAL}
    context = {"geojson_url": "/api/v1/regions/geojson",
               "location": _location_view(services.Location(None, None, None))}
    if request.method == "POST":
        values = request.POST.dict()
        context["location"] = _location_view(_location_from_post(request))
        try:
            services.ticket_intake_check(kind=values.get("kind", ""), text=values.get("text", ""),
                                         title=values.get("title", ""),
                                         requester_phone=values.get("requester_phone", ""))
            ticket = _intake_from_post(request, channel=c.Channel.HOTLINE)
        except DomainError as error:
            return _render(request, "tickets/call.html", {**context, "values": values, "error": error, **_choices()},
                           status=error.status)
        messages.success(request, f"已受理：{ticket.number}（{_status_text(ticket)}）")
        return redirect("tickets:call_done", public_id=ticket.public_id)
    return _render(request, "tickets/call.html", {**context, "values": values, **_choices()})


def _intake_from_post(request: HttpRequest, *, channel: str) -> Ticket:
    post = request.POST
    answering = bool(post.get("answer"))
    article = None
    if answering and post.get("article"):
        article = selectors.kb_get(public_id=post["article"])
    return services.ticket_intake(
        actor=request.user, kind=post.get("kind", ""), text=post.get("text", ""), title=post.get("title", ""),
        channel=channel, urgency=c.Urgency.URGENT if post.get("urgent") else c.Urgency.NORMAL,
        address=post.get("address", ""), lng=_float(post.get("lng"), "lng"), lat=_float(post.get("lat"), "lat"),
        requester_name=post.get("requester_name", ""), requester_phone=post.get("requester_phone", ""),
        confidential=bool(post.get("confidential")), requester_user=request.user,
        category=_category(post.get("category")) if channel == c.Channel.HOTLINE else None,
        answer_article=article, answer_text=post.get("answer_text", "") if answering else "",
    )


@staff_required
def call_done(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = selectors.ticket_get(actor=request.user, public_id=public_id)
    return _render(request, "tickets/call_done.html", {"ticket": ticket})


def _location_from_post(request: HttpRequest) -> services.Location:
    """Where the call is, from what the operator has typed or picked so far (never an error:
    the form reports bad coordinates when it is submitted)."""
    post = request.POST
    try:
        return services.location_resolve(address=post.get("address", ""), lng=_float(post.get("lng"), "lng"),
                                         lat=_float(post.get("lat"), "lat"))
    except DomainError:
        return services.location_resolve(address=post.get("address", ""))


@staff_required
@require_POST
def call_suggest(request: HttpRequest) -> HttpResponse:
    """Live classification suggestion and, for consultations, knowledge-base answers."""
    _require_operator(request)
    text = f"{request.POST.get('title', '')}\n{request.POST.get('text', '')}".strip()
    where = _location_from_post(request)
    live = services.suggestion_live(text=text, region_path=where.region.path if where.region else "")
    hits = selectors.kb_search(q=text, limit=3) if request.POST.get("kind") == c.TicketKind.CONSULT else []
    return render(request, "tickets/_suggestion.html", {"live": live, "hits": hits,
                                                         "is_consult": request.POST.get("kind") == "consult"})


@staff_required
@require_POST
def call_locate(request: HttpRequest) -> HttpResponse:
    """Where the call is: the street, community and grid of the map pick or the address."""
    _require_operator(request)
    return render(request, "tickets/_location.html", {"where": _location_view(_location_from_post(request))})


def _location_view(where: services.Location) -> dict[str, Any]:
    from onewindow.regions.selectors import region_chain

    chain = region_chain(region=where.region) if where.region is not None else None
    return {"source": where.source, "source_label": c.LocationSource(where.source).label,
            "place": where.place_name, "lng": where.lng, "lat": where.lat,
            "street": chain.street if chain else None, "community": chain.community if chain else None,
            "grid": chain.grid if chain else None, "located": bool(where.source)}


@staff_required
@require_POST
def caller_history(request: HttpRequest) -> HttpResponse:
    """The caller's earlier requests; the number comes in the POST body, never in the URL."""
    _require_operator(request)
    phone = request.POST.get("requester_phone", "").strip()
    try:
        phone = services.phone_clean(phone)
    except ValidationFailed:
        phone = ""
    tickets = selectors.caller_history(actor=request.user, phone_hash=lookup_hash(phone)) if phone else []
    return render(request, "tickets/_history.html", {"tickets": tickets, "phone": phone})


# --- Queues -----------------------------------------------------------------------------------
@staff_required
def triage(request: HttpRequest) -> HttpResponse:
    if not selectors.is_dispatcher(request.user):
        raise NotFound()
    return _render(request, "tickets/triage.html", {
        "queue": list(selectors.triage_queue(actor=request.user)[:100]),
        "duplicates": list(selectors.duplicate_queue(actor=request.user)[:50]), **_choices()})


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    if not selectors.handler_departments(request.user):
        raise NotFound()
    return _render(request, "tickets/inbox.html", {
        "tickets": list(selectors.department_inbox(actor=request.user)[:200]),
        "cohandling": list(selectors.cohandling_inbox(actor=request.user)[:100]),
        "orders": list(selectors.order_open_for(actor=request.user)[:100]),
    })


@staff_required
def callbacks(request: HttpRequest) -> HttpResponse:
    if not selectors.is_dispatcher(request.user):
        raise NotFound()
    return _render(request, "tickets/callbacks.html", {
        "tickets": list(selectors.callback_queue(actor=request.user)[:100]), **_choices()})


@staff_required
def supervise(request: HttpRequest) -> HttpResponse:
    if not selectors.is_supervisor(request.user):
        raise NotFound()
    user = request.user
    return _render(request, "tickets/supervise.html", {
        "overdue": list(selectors.overdue_list(actor=user)[:100]),
        "warnings": list(selectors.warning_list(actor=user)[:100]),
        "orders": list(selectors.order_open_for(actor=user)[:100]),
        "extensions": list(selectors.extension_pending(actor=user)[:100]),
        "reopen": list(selectors.reopen_candidates(actor=user)[:100]),
    })


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_list(request: HttpRequest) -> HttpResponse:
    params = search_params(request)  # the search form posts: a requester's phone stays out of URLs
    status = params.get("status", "")
    filters = selectors.TicketFilters(
        status=tuple(s for s in status.split(",") if s), q=params.get("q", "")[:100],
        overdue=True if params.get("overdue") else None,
        order="newest" if params.get("order") == "newest" else "due")
    listing = selectors.ticket_page(actor=request.user, filters=filters)
    page = _bounded_page(listing, params.get("page"))
    template = "tickets/_rows.html" if getattr(request, "htmx", False) else "tickets/list.html"
    return _render(request, template, {"page": page, "status": status, "q": filters.q,
                                       "overdue": bool(filters.overdue), "statuses": c.Status.choices})


LIST_PAGE_SIZE = 50


def _bounded_page(listing: selectors.TicketPage, number_text: Any) -> BoundedPage:
    """A page of the list counted at most to COUNT_CAP rows (ADR 0024): "1万+ 条" past it.
    A page past the end shows the last page, as Django's ``Paginator.get_page`` did."""
    size = LIST_PAGE_SIZE
    number = int(number_text) if str(number_text or "").isdigit() and int(number_text) > 0 else 1
    number = min(number, MAX_PAGE)
    rows = listing[(number - 1) * size:number * size + 1]
    if not rows and number > 1:
        count, exact = listing.bounded_count()
        number = max(1, -(-min(count, MAX_PAGE * size) // size))
        rows = listing[(number - 1) * size:number * size + 1]
    has_next = len(rows) > size
    count, exact = page_count(page=number, page_size=size, rows=len(rows[:size]), has_next=has_next,
                              count=listing.bounded_count)
    return BoundedPage(object_list=rows[:size], number=number, page_size=size, has_next=has_next,
                       count=count, count_exact=exact)


# --- One ticket -------------------------------------------------------------------------------
def _capabilities(user: Any, t: Ticket) -> dict[str, bool]:
    owner = selectors.is_department_handler(user, t.department_id)
    dispatcher = selectors.is_dispatcher(user)
    supervisor = selectors.is_supervisor(user)

    def can(action: str) -> bool:
        return rules.transition_target(t.status, action) is not None

    my_departments = selectors.handler_departments(user)
    return {
        "dispatch": dispatcher and can(c.Action.DISPATCH),
        "merge": dispatcher and can(c.Action.MERGE),
        "dismiss_duplicate": dispatcher and t.duplicate_of_id is not None and t.is_open,
        "answer": selectors.is_operator(user) and t.kind == c.TicketKind.CONSULT and can(c.Action.ANSWER_ON_CALL),
        "accept": owner and can(c.Action.ACCEPT),
        "return": owner and can(c.Action.RETURN),
        "reply": owner and can(c.Action.REPLY),
        "extension": owner and t.status in (c.Status.DISPATCHED, c.Status.ACCEPTED, c.Status.REOPENED),
        "cohandler_add": (dispatcher or owner) and t.status not in c.FINAL_STATUSES,
        "cohandler_reply": selectors.ticket_cohandler_pending(ticket=t, department_ids=my_departments),
        "callback": dispatcher and can(c.Action.CALLBACK) and not t.site_check,
        "reopen": supervisor and can(c.Action.REOPEN) and t.reopen_count < c.REOPEN_LIMIT
        and t.satisfaction == c.Satisfaction.UNSATISFIED,
        "close": supervisor and can(c.Action.CLOSE),
        "supervise": supervisor and t.department_id is not None and t.status not in c.FINAL_STATUSES,
    }


def _detail(request: HttpRequest, ticket: Ticket, *, error: DomainError | None = None,
            revealed: dict[str, str] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    return _render(request, "tickets/detail.html", {
        "ticket": ticket, "requester": selectors.requester_view(actor=user, ticket=ticket),
        "events": list(selectors.ticket_events(ticket=ticket)),
        "cohandlers": selectors.ticket_cohandlers(ticket=ticket),
        "orders": selectors.ticket_orders(ticket=ticket),
        "extensions": list(ticket.extensions.all()),
        "attachments": list(ticket.attachments.all()),
        "merged": list(ticket.merged.all()),
        "can": _capabilities(user, ticket), "error": error, "revealed": revealed,
        "classifier": _classifier_view(ticket), "where": _ticket_location(ticket),
        "values": request.POST.dict() if request.method == "POST" else {},
        "my_departments": selectors.handler_departments(user), **_choices(),
    }, status=status)


def _classifier_view(ticket: Ticket) -> dict[str, Any] | None:
    """The classifier's decision for people: the category path and the confidence in words."""
    if not ticket.classifier_label:
        return None
    predicted = selectors.category_resolve(ticket.classifier_label)
    threshold = selectors.hotline_config(region_path=ticket.region_path).triage_threshold
    level = rules.confidence_level(ticket.classifier_confidence, threshold)
    return {"path": predicted.full_name if predicted else ticket.classifier_label, "level": level,
            "level_label": c.CONFIDENCE_LABELS[level], "confidence": ticket.classifier_confidence,
            "version": ticket.classifier_version}


def _ticket_location(ticket: Ticket) -> dict[str, Any]:
    from onewindow.regions.selectors import region_chain

    chain = region_chain(region=ticket.region) if ticket.region is not None else None
    return {"source": ticket.location_source, "source_label": ticket.get_location_source_display(),
            "place": ticket.place_name, "lng": ticket.lng, "lat": ticket.lat,
            "street": chain.street if chain else None, "community": chain.community if chain else None,
            "grid": chain.grid if chain else None, "located": bool(ticket.location_source or ticket.lng)}


@staff_required
def ticket_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, selectors.ticket_get(actor=request.user, public_id=public_id))


def _supervision_due(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 (a calendar date)
    except ValueError:
        msg = "日期格式应为 YYYY-MM-DD"
        raise ValidationFailed(msg, code="date_invalid", fields={"due_date": msg}) from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=SH)


def _merge_target(request: HttpRequest) -> Ticket:
    number = request.POST.get("into", "").strip()
    try:
        return selectors.ticket_get_by_number(actor=request.user, number=number)
    except NotFound:
        raise ValidationFailed("找不到主工单", code="merge_target_not_found", fields={"into": "找不到主工单"}) from None


Handler = Callable[[HttpRequest, Ticket], str]


def _order(request: HttpRequest, ticket: Ticket) -> SupervisionOrder:
    order = selectors.ticket_order_of(ticket=ticket, public_id=request.POST.get("order"))
    if order is None:
        raise ValidationFailed("找不到该督办单", code="order_not_found")
    return order


def _extension(request: HttpRequest, ticket: Ticket) -> ExtensionRequest:
    ext = selectors.ticket_extension_of(ticket=ticket, public_id=request.POST.get("extension"))
    if ext is None:
        raise ValidationFailed("找不到该延期申请", code="extension_not_found")
    return ext


def _do_dispatch(r: HttpRequest, t: Ticket) -> str:
    services.ticket_dispatch(actor=r.user, ticket=t, department=_department(r.POST.get("department", "")),
                             category=_category(r.POST.get("category")),
                             limit_class=r.POST.get("limit_class") or None, note=r.POST.get("note", ""))
    return f"已派单至{t.department}"


def _do_callback(r: HttpRequest, t: Ticket) -> str:
    services.ticket_callback(actor=r.user, ticket=t, satisfaction=r.POST.get("satisfaction", ""),
                             solved=r.POST.get("solved") == "1", note=r.POST.get("note", ""))
    return "回访已记录" + ("，工单已办结" if t.status == c.Status.CLOSED else "，待监督管理人员决定是否重办")


def _do_answer(r: HttpRequest, t: Ticket) -> str:
    article = selectors.kb_get(public_id=r.POST["article"]) if r.POST.get("article") else None
    services.ticket_answer_on_call(actor=r.user, ticket=t, article=article, text=r.POST.get("answer_text", ""))
    return "已答复并办结"


def _do_accept(r: HttpRequest, t: Ticket) -> str:
    services.ticket_accept(actor=r.user, ticket=t)
    return "已签收"


def _do_return(r: HttpRequest, t: Ticket) -> str:
    services.ticket_return(actor=r.user, ticket=t, reason=r.POST.get("reason", ""))
    return "已退回派单员"


def _do_reply(r: HttpRequest, t: Ticket) -> str:
    services.ticket_reply(actor=r.user, ticket=t, text=r.POST.get("text", ""))
    return "已答复"


def _do_close(r: HttpRequest, t: Ticket) -> str:
    services.ticket_close(actor=r.user, ticket=t, note=r.POST.get("note", ""))
    return "已办结"


def _do_reopen(r: HttpRequest, t: Ticket) -> str:
    services.ticket_reopen(actor=r.user, ticket=t, reason=r.POST.get("reason", ""))
    return "已重新交办"


def _do_merge(r: HttpRequest, t: Ticket) -> str:
    services.ticket_merge(actor=r.user, ticket=t, into=_merge_target(r))
    return "已合并"


def _do_dismiss(r: HttpRequest, t: Ticket) -> str:
    services.ticket_duplicate_dismiss(actor=r.user, ticket=t)
    return "已标记为非重复"


def _do_cohandler_add(r: HttpRequest, t: Ticket) -> str:
    services.ticket_cohandler_add(actor=r.user, ticket=t, department=_department(r.POST.get("department", "")),
                                  request=r.POST.get("request", ""))
    return "已增加协办单位"


def _do_cohandler_reply(r: HttpRequest, t: Ticket) -> str:
    services.ticket_cohandler_reply(actor=r.user, ticket=t, text=r.POST.get("text", ""))
    return "协办意见已提交"


def _do_supervise(r: HttpRequest, t: Ticket) -> str:
    services.supervision_order_create(actor=r.user, ticket=t, reason=r.POST.get("reason", ""),
                                      due_at=_supervision_due(r.POST.get("due_date", "")))
    return "已督办"


def _do_order_answer(r: HttpRequest, t: Ticket) -> str:
    services.supervision_order_answer(actor=r.user, order=_order(r, t), response=r.POST.get("response", ""))
    return "督办反馈已提交"


def _do_extension(r: HttpRequest, t: Ticket) -> str:
    services.extension_request_create(actor=r.user, ticket=t, reason=r.POST.get("reason", ""),
                                      amount=_int(r.POST.get("amount"), "amount"),
                                      unit=r.POST.get("unit", c.LimitUnit.WORKING_DAYS))
    return "延期申请已提交"


def _do_extension_decide(r: HttpRequest, t: Ticket) -> str:
    services.extension_decide(actor=r.user, request=_extension(r, t), approve=r.POST.get("approve") == "1",
                              note=r.POST.get("note", ""))
    return "已审批延期申请"


ACTIONS: dict[str, Handler] = {
    "dispatch": _do_dispatch, "accept": _do_accept, "return": _do_return, "reply": _do_reply,
    "callback": _do_callback, "close": _do_close, "reopen": _do_reopen, "merge": _do_merge,
    "dismiss_duplicate": _do_dismiss, "answer": _do_answer, "cohandler_add": _do_cohandler_add,
    "cohandler_reply": _do_cohandler_reply, "supervise": _do_supervise, "order_answer": _do_order_answer,
    "extension": _do_extension, "extension_decide": _do_extension_decide,
}


@staff_required
@require_POST
def ticket_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    ticket = selectors.ticket_get(actor=request.user, public_id=public_id)
    if action == "reveal":
        try:
            revealed = services.ticket_requester_reveal(actor=request.user, ticket=ticket,
                                                        reason=request.POST.get("reason", ""))
        except DomainError as error:
            return _detail(request, ticket, error=error, status=error.status)
        return _detail(request, ticket, revealed=revealed)
    handler = ACTIONS.get(action)
    if handler is None:
        raise NotFound()
    try:
        done = handler(request, ticket)
    except DomainError as error:
        ticket.refresh_from_db()
        return _detail(request, ticket, error=error, status=error.status)
    messages.success(request, f"{ticket.number}：{done}")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if selectors.ticket_visible(request.user, ticket):
        return redirect("tickets:detail", public_id=ticket.public_id)
    return redirect("tickets:home")


# --- Knowledge base ---------------------------------------------------------------------------
@staff_required
def kb(request: HttpRequest) -> HttpResponse:
    if not selectors.is_dispatcher(request.user):
        raise NotFound()
    error = None
    if request.method == "POST":
        try:
            article = services.kb_article_save(
                actor=request.user, title=request.POST.get("title", ""), answer=request.POST.get("answer", ""),
                question=request.POST.get("question", ""), keywords=request.POST.get("keywords", ""),
                category=_category(request.POST.get("category")))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"已保存知识库条目：{article.title}")
            return redirect("tickets:kb")
    q = request.GET.get("q", "")
    hits = selectors.kb_search(q=q, limit=50) if q.strip() else None
    return _render(request, "tickets/kb.html", {
        "q": q, "hits": hits, "articles": selectors.kb_list() if hits is None else [],
        "error": error, "values": request.POST.dict() if error else {}, **_choices()},
        status=error.status if error else 200)


# --- Citizens ---------------------------------------------------------------------------------
PUBLIC_KINDS = [(k, label) for k, label in c.TicketKind.choices]


def public_new(request: HttpRequest) -> HttpResponse:
    """The citizens' web form (网上诉求): no account needed; a phone number for the callback."""
    values: dict[str, Any] = {"kind": c.TicketKind.HELP}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            post = request.POST
            services.ticket_intake_check(kind=post.get("kind", ""), text=post.get("text", ""),
                                         title=post.get("title", ""), requester_phone=post.get("requester_phone", ""),
                                         phone_required=True)
            ticket = _intake_from_post(request, channel=c.Channel.MOBILE if request.POST.get("mobile")
                                       else c.Channel.WEB)
        except DomainError as error:
            return render(request, "tickets/public_new.html", {**_public_context(values), "error": error},
                          status=error.status)
        return render(request, "tickets/public_done.html", {"ticket": ticket})
    return render(request, "tickets/public_new.html", _public_context(values))


def _public_context(values: dict[str, Any]) -> dict[str, Any]:
    return {"values": values, "kinds": PUBLIC_KINDS, "max_text": c.MAX_TEXT, "max_title": c.MAX_TITLE}


def public_track(request: HttpRequest) -> HttpResponse:
    """A requester follows their ticket by its number and their phone number. The form posts: the
    phone number never travels in the URL (the number may, to fill the form in)."""
    if request.method == "POST":
        number = request.POST.get("number", "").strip()[:40]
        phone = request.POST.get("phone", "").strip()[:40]
    else:
        number, phone = request.GET.get("number", "").strip()[:40], ""
    ticket = None
    searched = request.method == "POST" and bool(number or phone)
    if number and phone:
        try:
            phone = services.phone_clean(phone, field_name="phone")
        except ValidationFailed:
            phone = ""
        if phone:
            ticket = selectors.ticket_public_track(number=number, phone=phone)
    return render(request, "tickets/public_track.html", {"ticket": ticket, "searched": searched,
                                                         "number": number})


def public_track_url(ticket: Ticket) -> str:
    return reverse("tickets:public_track") + f"?number={ticket.number}"


# --- Rates and the monthly report -------------------------------------------------------------
def _require_report_reader(request: HttpRequest) -> None:
    from onewindow.accounts.constants import Role
    from onewindow.accounts.scope import scope_for

    if not scope_for(request.user).has_role(Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR):
        raise NotFound()


@staff_required
def report(request: HttpRequest) -> HttpResponse:
    """每月情况通报: the three rates by department, distributions, hot topics, worst overdue items;
    as a page, an Excel workbook (?format=xlsx) or a PDF (?format=pdf)."""
    from django.template.loader import render_to_string

    from . import reports

    _require_report_reader(request)
    try:
        period = reports.Period.month(request.GET.get("month") or None)
    except DomainError as error:
        return _render(request, "tickets/report.html", {"error": error}, status=error.status)
    fmt = request.GET.get("format", "")
    # the page loads its hot spots separately (report_hotspots): that text analysis takes seconds
    data = reports.monthly_report(actor=request.user, period=period, hot_spots=fmt in ("xlsx", "pdf"))
    month = f"{period.start:%Y-%m}"
    context = {"report": data, "month": month, "rows": _report_rows(data), "total": _rate_cells(data.total),
               "worst": [(t, reports.overdue_by(t, data.generated_at)) for t in data.worst_overdue],
               "dispatchers": [(d, reports.percent(d.accuracy)) for d in data.dispatchers]}
    if fmt == "xlsx":
        response = HttpResponse(reports.report_excel(data), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="12345-report-{month}.xlsx"'
        return response
    if fmt == "pdf":
        html = render_to_string("tickets/report_pdf.html", context, request=request)
        response = HttpResponse(reports.report_pdf(data, html=html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="12345-report-{month}.pdf"'
        return response
    return _render(request, "tickets/report.html", context)


@staff_required
def report_hotspots(request: HttpRequest) -> HttpResponse:
    """The hot spots of one month (htmx fragment of the report page)."""
    from .hotspots import hotspots_for_tickets
    from .reports import HOT_SPOT_MAX_TICKETS, Period

    _require_report_reader(request)
    period = Period.month(request.GET.get("month") or None)
    qs = selectors.ticket_list(actor=request.user, filters=selectors.TicketFilters(
        received_from=period.start, received_to=period.end))
    spots = hotspots_for_tickets(qs.order_by("-supporters", "-received_at"), limit=5, max_rows=HOT_SPOT_MAX_TICKETS)
    return render(request, "tickets/_hotspots.html", {"spots": spots})


def _rate_cells(r: Any) -> list[str]:
    from .reports import percent

    return [r.department, str(r.received), str(r.dispatched), percent(r.response_rate), percent(r.resolution_rate),
            percent(r.satisfaction_rate), percent(r.on_time_rate), str(r.overdue), str(r.returns),
            str(r.reopened)]


def _report_rows(data: Any) -> list[list[str]]:
    return [_rate_cells(r) for r in data.departments]


# --- The classifier's model page ----------------------------------------------------------------
@staff_required
def classifier_page(request: HttpRequest) -> HttpResponse:
    """Versions, their figures and who promoted them; retrain, promote, roll back; drift."""
    from onewindow.core import embeddings

    from . import classifier, learning

    user = request.user
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "retrain":
                outcome = learning.classifier_retrain(actor=user, force=True)
                messages.info(request, {"promoted": "新模型已通过留出评估并启用",
                                        "rejected": "候选模型不如在用模型，未启用",
                                        "zero_shot": "已启用零样本模型"}.get(outcome.action, outcome.reason))
            elif action == "promote":
                learning.classifier_promote(actor=user, version=request.POST.get("version", ""))
                messages.success(request, "已启用所选模型版本")
            elif action == "rollback":
                row = learning.classifier_rollback(actor=user)
                messages.success(request, f"已回滚到 {row.version}")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("tickets:classifier")
    learning.classifier_versions_sync()
    versions = selectors.classifier_versions(actor=user)
    drift = selectors.classifier_drift_weekly(actor=user)
    current = classifier.current_version()
    meta: dict[str, Any] = {}
    if current:
        meta = learning._meta_of(current)
    return _render(request, "tickets/classifier.html", {
        "versions": versions, "current": current, "meta": meta, "drift": drift,
        "labels": selectors.classifier_label_counts(actor=user),
        "timings": selectors.classifier_stage_timings(actor=user),
        "embeddings": embeddings.status(), "can_manage": selectors.is_supervisor(user),
        "threshold": selectors.hotline_config().triage_threshold,
    })
