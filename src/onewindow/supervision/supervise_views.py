"""Pages of monitoring (电子监察), supervision orders, the assessment and the leaders' dashboard."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from onewindow.accounts.scope import scope_for
from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError, NotFound
from onewindow.tickets import selectors as ticket_selectors
from onewindow.tickets import services as ticket_services

from . import dashboard, monitor, reports, rules, selectors
from .constants import AppealStatus, TargetKind
from .services import assessment as svc
from .services import orders


# --- Monitor ---------------------------------------------------------------------------------
def _monitor_context(request: HttpRequest) -> dict[str, Any]:
    scope = monitor.monitor_scope(request.user)
    now = timezone.now()
    return {"now": now, "lights": monitor.lights(scope=scope, now=now),
            "oldest": monitor.oldest_overdue(scope=scope, now=now),
            "rising": monitor.rising_departments(scope=scope, now=now),
            "anomalies": monitor.anomalies(scope=scope, now=now),
            "can_order": scope.has_role(*svc.ASSESSORS)}


@staff_required
def monitor_page(request: HttpRequest) -> HttpResponse:
    context = _monitor_context(request)
    if request.headers.get("HX-Request"):
        return render(request, "supervision/partials/monitor_body.html", context)
    return render(request, "supervision/monitor.html", context)


@staff_required
@require_POST
def ticket_order(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = ticket_selectors.ticket_get(actor=request.user, public_id=public_id)
    try:
        ticket_services.supervision_order_create(actor=request.user, ticket=ticket,
                                                 reason=request.POST.get("reason", ""))
    except DomainError as exc:
        context = _monitor_context(request)
        context.update({"order_error": exc, "order_target": str(ticket.public_id)})
        return render(request, "supervision/monitor.html", context, status=exc.status)
    return redirect(f"{reverse('supervision:monitor')}?ordered={ticket.number}")


@staff_required
def case_order(request: HttpRequest, public_id: str) -> HttpResponse:
    case = monitor.case_for_order(actor=request.user, public_id=public_id)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("answer_for"):
                order = monitor.case_order_list(actor=request.user).filter(
                    public_id=request.POST["answer_for"]).first()
                if order is None:
                    raise NotFound("找不到该督办，或您无权查看", code="order_not_found")
                orders.case_order_answer(actor=request.user, order=order, response=request.POST.get("response", ""))
            else:
                orders.case_order_create(actor=request.user, case=case, reason=request.POST.get("reason", ""))
            return redirect(request.path)
        except DomainError as exc:
            error = exc
    return render(request, "supervision/case_order.html", {
        "case": case, "orders": monitor.case_orders(case=case), "error": error,
        "can_order": scope_for(request.user).has_role(*svc.ASSESSORS),
        "is_owner": case.department_id in scope_for(request.user).department_ids,
    }, status=error.status if error else 200)


@staff_required
def case_orders_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(request, "supervision/case_orders.html", {
        "orders": monitor.case_order_list(actor=request.user, status=status)[:200], "status": status})


# --- Assessment --------------------------------------------------------------------------------
@staff_required
def assessment_home(request: HttpRequest) -> HttpResponse:
    error = None
    is_assessor = selectors._is_assessor(request.user)
    if request.method == "POST":
        if not is_assessor:
            raise NotFound()
        try:
            run = svc.assessment_run(actor=request.user, period=request.POST.get("period", ""))
            return redirect("supervision:assessment_run", period=run.period)
        except DomainError as exc:
            error = exc
    last = rules.previous_month(timezone.localdate()).label
    return render(request, "supervision/assessment_home.html", {
        "runs": selectors.run_list(actor=request.user)[:36], "error": error, "is_assessor": is_assessor,
        "period": request.POST.get("period", last),
        "appeals": selectors.appeal_list(actor=request.user, status=AppealStatus.PENDING)[:50],
    }, status=error.status if error else 200)


def _run_context(request: HttpRequest, period: str) -> dict[str, Any]:
    run = selectors.run_get(actor=request.user, period=period)
    scores = list(selectors.score_list(run=run))
    deductions = list(selectors.deduction_list(actor=request.user, run=run)[:2000])
    return {"run": run, "is_assessor": selectors._is_assessor(request.user),
            "groups": [(label, [s for s in scores if s.target_kind == kind]) for kind, label in TargetKind.choices],
            "deductions": [(d, selectors.deduction_link(d)) for d in deductions],
            "appealable": {d.pk for d in deductions if svc._may_appeal(request.user, d.score)},
            "pending": selectors.appeal_list(actor=request.user, status=AppealStatus.PENDING)
            .filter(deduction__run=run)}


@staff_required
def assessment_run(request: HttpRequest, period: str) -> HttpResponse:
    context = _run_context(request, period)
    fmt = request.GET.get("format", "")
    if fmt == "xlsx":
        response = HttpResponse(reports.assessment_excel(context), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="assessment-{context["run"].period}.xlsx"'
        return response
    if fmt == "pdf":
        html = render_to_string("supervision/assessment_pdf.html", context, request=request)
        response = HttpResponse(reports.assessment_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="assessment-{context["run"].period}.pdf"'
        return response
    return render(request, "supervision/assessment_run.html", context)


@staff_required
@require_POST
def assessment_action(request: HttpRequest, period: str, action: str) -> HttpResponse:
    run = selectors.run_get(actor=request.user, period=period)
    try:
        if action == "publish":
            svc.assessment_publish(actor=request.user, run=run)
        elif action == "appeal":
            deduction = selectors.deduction_get(actor=request.user, public_id=request.POST.get("deduction", ""))
            svc.appeal_file(actor=request.user, deduction=deduction, reason=request.POST.get("reason", ""))
        elif action == "decide":
            appeal = selectors.appeal_get(actor=request.user, public_id=request.POST.get("appeal", ""))
            svc.appeal_decide(actor=request.user, appeal=appeal, cancel=request.POST.get("outcome") == "cancel",
                              note=request.POST.get("note", ""))
        elif action == "bonus":
            try:
                points = Decimal(request.POST.get("points", ""))
            except InvalidOperation:
                points = Decimal(-1)
            dept = request.POST.get("department", "")
            from onewindow.accounts.selectors import department_find

            department = department_find(code=dept) if dept else None
            svc.bonus_grant(actor=request.user, period=run.period, points=points,
                            reason=request.POST.get("reason", ""), department=department)
        else:
            raise NotFound()
    except DomainError as exc:
        context = _run_context(request, period)
        context.update({"error": exc, "error_action": action})
        return render(request, "supervision/assessment_run.html", context, status=exc.status)
    return redirect("supervision:assessment_run", period=run.period)


# --- Dashboard ---------------------------------------------------------------------------------
@staff_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    region = dashboard.dashboard_region(actor=request.user, code=request.GET.get("region", ""))
    error = None
    try:
        rng = dashboard.date_range(request.GET.get("first"), request.GET.get("last"))
    except DomainError as exc:
        error, rng = exc, dashboard.date_range(None, None)
    return render(request, "supervision/dashboard.html", {
        "region": region, "rng": rng, "error": error, "crumbs": dashboard.breadcrumbs(region, actor=request.user),
        "figures": dashboard.headline(region=region, rng=rng), "children": dashboard.children(region=region, rng=rng),
        "freshness": sorted(dashboard.freshness().items()),
        "top_items": dashboard.top(region=region, rng=rng, kind="item", limit=10),
        "top_places": dashboard.top(region=region, rng=rng, kind="place", limit=10),
        "top_categories": dashboard.top(region=region, rng=rng, kind="category", limit=10),
        "full": request.GET.get("full") == "1",
    }, status=error.status if error else 200)
