"""Consultation pages: 我要问 (ask, my consultations), the live conversation (citizen and clerk
on one page, pushed both ways), the clerks' inbox with duty and FAQ approval, figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from onewindow.accounts.views import staff_page
from onewindow.core.errors import DomainError, NotFound, ValidationFailed
from onewindow.tickets import selectors as ticket_selectors

from . import constants as c
from . import push, selectors, services


def guide_faq_panel(version: Any, request: HttpRequest) -> str:
    """On an item's guide: its approved FAQ entries and 在线咨询 about the item."""
    from django.template.loader import render_to_string

    faqs = selectors.faq_for_item(item=version.item)
    return render_to_string("consult/_guide_faq.html", {"faqs": faqs, "item": version.item}, request=request)


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    item = item_name = None
    item_id = request.POST.get("item") or request.GET.get("item") or ""
    context: dict[str, Any] = {"values": {}, "departments": selectors.departments_for_questions(),
                               "consultations": selectors.my_consultations(actor=request.user)[:50],
                               "in_hours": services.in_service_hours(timezone.now())}
    try:
        if item_id:
            item, item_name = selectors.item_for_question(public_id=item_id[:40])
    except DomainError:
        item = None
    context.update(item=item, item_name=item_name, item_id=str(item.public_id) if item else "")
    if request.method == "POST":
        context["values"] = request.POST.dict()
        try:
            department = None
            code = request.POST.get("department", "")
            if code and item is None:
                department = selectors.departments_for_questions().filter(code=code[:40]).first()
                if department is None:
                    raise ValidationFailed(fields={"department": "部门不存在"})
            x = services.consultation_open(actor=request.user, text=request.POST.get("text", ""),
                                           topic=request.POST.get("topic", ""), item=item, department=department)
        except DomainError as error:
            return render(request, "consult/mine.html", {**context, "error": error}, status=error.status)
        return redirect("consult:chat", public_id=x.public_id)
    return render(request, "consult/mine.html", context)


def _chat_context(request: HttpRequest, x: Any) -> dict[str, Any]:
    clerk = x.citizen_id != request.user.pk
    context: dict[str, Any] = {"x": x, "clerk": clerk, "push_token": push.conversation_token(x),
                               "chat_messages": selectors.messages_of(consultation=x),
                               "open": x.status in c.OPEN_STATUSES,
                               "ratings": [5, 4, 3, 2, 1]}
    if clerk:
        try:
            context["articles"] = ticket_selectors.kb_list(q=x.item_name or x.topic)[:5]
        except Exception:
            context["articles"] = []
    return context


@login_required
def chat(request: HttpRequest, public_id: str) -> HttpResponse:
    x = selectors.consultation_get(actor=request.user, public_id=public_id)
    return render(request, "consult/chat.html", _chat_context(request, x))


def _act(request: HttpRequest, public_id: str, action: Any) -> HttpResponse:
    x = selectors.consultation_get(actor=request.user, public_id=public_id)
    try:
        action(x)
    except DomainError as error:
        x = selectors.consultation_get(actor=request.user, public_id=public_id)
        return render(request, "consult/chat.html", {**_chat_context(request, x), "error": error,
                                                     "values": request.POST.dict()}, status=error.status)
    return redirect("consult:chat", public_id=x.public_id)


@require_POST
@login_required
def send(request: HttpRequest, public_id: str) -> HttpResponse:
    """The form's own target (the page's script sends through the API and stays on the page);
    with a file chosen, the message carries the picture or PDF."""
    upload = request.FILES.get("file")

    def do(x: Any) -> None:
        text = request.POST.get("text", "")
        if upload is not None:
            services.attachment_send(actor=request.user, consultation=x, name=upload.name or "附件",
                                     content=upload.read(c.ATTACHMENT_MAX_BYTES + 1), text=text)
        else:
            services.message_send(actor=request.user, consultation=x, text=text)
    return _act(request, public_id, do)


@login_required
def file(request: HttpRequest, public_id: str, file_id: str) -> FileResponse:
    """A picture or PDF of the conversation, inline, for its citizen and the department's clerks."""
    a = selectors.attachment_get(actor=request.user, consultation_id=public_id, public_id=file_id)
    response = FileResponse(a.file.open("rb"), content_type=a.content_type, as_attachment=False, filename=a.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@login_required
def close(request: HttpRequest, public_id: str) -> HttpResponse:
    return _act(request, public_id, lambda x: services.consultation_close(actor=request.user, consultation=x))


@require_POST
@login_required
def rate(request: HttpRequest, public_id: str) -> HttpResponse:
    def do(x: Any) -> None:
        try:
            rating = int(request.POST.get("rating", ""))
        except ValueError:
            raise ValidationFailed(fields={"rating": "请选择 1–5 星"}) from None
        services.consultation_rate(actor=request.user, consultation=x, rating=rating,
                                   comment=request.POST.get("comment", ""))
    return _act(request, public_id, do)


@require_POST
@login_required
def tool(request: HttpRequest, public_id: str, tool: str) -> HttpResponse:
    """The clerk's tools: answer from the knowledge base, send the item's guide or its online
    application, propose an FAQ entry."""

    def do(x: Any) -> None:
        if not services.is_clerk_for(actor=request.user, consultation=x):
            raise NotFound()
        if tool == "kb":
            article = ticket_selectors.kb_get(public_id=request.POST.get("article", "")[:40])
            services.message_send(actor=request.user, consultation=x, text=article.answer[: c.MESSAGE_MAX])
        elif tool in ("guide", "apply"):
            if x.item_id is None:
                raise ValidationFailed("该咨询未关联事项", code="consult_no_item")
            item, name = selectors.item_for_question(public_id=x.item.public_id)
            send_fn = services.application_send if tool == "apply" else services.guide_send
            send_fn(actor=request.user, consultation=x, item=item, name=name)
        elif tool == "faq":
            services.faq_propose(actor=request.user, consultation=x, question=request.POST.get("question", ""),
                                 answer=request.POST.get("answer", ""))
            messages.success(request, "已提交常见问题，待另一位工作人员审核后显示在办事指南上")
        else:
            raise ValidationFailed("不支持的操作", code="consult_unknown_tool")
    return _act(request, public_id, do)


@staff_page("consult.inbox")
def inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in c.ConsultStatus.values else ""
    departments = selectors.inbox_departments(actor=request.user)
    context = {"rows": selectors.inbox(actor=request.user, status=status, mine=request.GET.get("mine") == "1")[:100],
               "status": status, "statuses": c.ConsultStatus.choices,
               "duties": selectors.duty_departments(actor=request.user),
               "faqs": selectors.faq_proposed(actor=request.user)[:30],
               "push_token": push.inbox_token(departments) if departments else ""}
    return render(request, "consult/inbox.html", context)


@require_POST
@staff_page("consult.inbox")
def duty(request: HttpRequest) -> HttpResponse:
    dept = selectors.duty_department_get(actor=request.user, code=request.POST.get("department", "")[:40])
    on = services.duty_set(actor=request.user, department=dept, on=request.POST.get("on") == "1")
    messages.success(request, f"{dept.name}：{'已上岗值班' if on else '已离岗'}")
    return redirect("consult:inbox")


@require_POST
@staff_page("consult.inbox")
def faq_approve(request: HttpRequest, public_id: str) -> HttpResponse:
    faq = selectors.faq_get(actor=request.user, public_id=public_id)
    try:
        services.faq_approve(actor=request.user, faq=faq)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已发布到办事指南的常见问题")
    return redirect("consult:inbox")


@staff_page("consult.figures")
def figures(request: HttpRequest) -> HttpResponse:
    return render(request, "consult/figures.html", {"rows": selectors.figures(actor=request.user)})
