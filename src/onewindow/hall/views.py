"""Pages of the service hall: citizens (halls, taking a number on the phone, following it,
booking and managing appointments), the calling screen, and staff (the calling panel, the
guide desk, the manager's live view, a number's trace, hall figures). Views parse, call one
service or selector and render; errors render on the page with their Chinese message."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from onewindow.accounts.views import staff_required
from onewindow.catalog import selectors as catalog_selectors
from onewindow.core.errors import DomainError, NotFound

from . import figures as figures_module
from . import push, selectors, services
from .constants import AppointmentStatus, TicketChannel, TicketStatus, WindowStatus


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _day(value: str, default: date) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return default


# --- Citizens ---------------------------------------------------------------------------------
def halls(request: HttpRequest) -> HttpResponse:
    """大厅服务: each hall with its business types and how many wait now."""
    rows = []
    for hall in selectors.hall_list():
        types = selectors.business_types(hall=hall)
        if not types:
            continue
        counts = selectors.waiting_counts(hall=hall)
        rows.append({"hall": hall, "types": [(t, counts.get(t.code, 0)) for t in types]})
    return render(request, "hall/halls.html", {"rows": rows})


@login_required
def take(request: HttpRequest, hall_id: str) -> HttpResponse:
    """在线取号 on the phone, near the hall (the browser's position) or with a booking today."""
    hall = selectors.hall_get(public_id=hall_id)
    counts = selectors.waiting_counts(hall=hall)
    types = [(t, counts.get(t.code, 0)) for t in selectors.business_types(hall=hall)]
    context: dict[str, Any] = {"hall": hall, "types": types, "profile": selectors.profile_of(hall)}
    if request.method == "POST":
        try:
            business_type = selectors.business_type_get(hall=hall, public_id=request.POST.get("business_type", ""))
            ticket = services.ticket_take(actor=request.user, hall=hall, business_type=business_type,
                                          channel=TicketChannel.PHONE,
                                          latitude=_float(request.POST.get("latitude")),
                                          longitude=_float(request.POST.get("longitude")))
        except DomainError as error:
            existing = (error.detail or {}).get("ticket") if isinstance(error.detail, dict) else None
            return render(request, "hall/take.html", {**context, "error": error, "existing": existing},
                          status=error.status)
        return redirect("hall:ticket", ticket_id=ticket.public_id)
    return render(request, "hall/take.html", context)


def ticket(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """A number on the citizen's phone: no sign-in (the link is unguessable), no personal data;
    it follows the calls live."""
    found = selectors.ticket_get(public_id=ticket_id)
    return render(request, "hall/ticket.html", {
        "ticket": found, "status": selectors.ticket_status_payload(found),
        "push_token": push.screen_token(found.hall),
        "can_cancel": found.status == TicketStatus.WAITING and found.user_id is not None
        and found.user_id == getattr(request.user, "pk", None)})


@require_POST
def ticket_cancel(request: HttpRequest, ticket_id: str) -> HttpResponse:
    found = selectors.ticket_get(public_id=ticket_id)
    services.ticket_cancel(actor=request.user, ticket=found)
    return redirect("hall:ticket", ticket_id=found.public_id)


def book_item(request: HttpRequest, item_id: str) -> HttpResponse:
    """预约 for a named item (the guides link here: ``hall:book_item``): the halls and business
    types that take it; one choice leads straight to its slots."""
    item = catalog_selectors.item_by_public_id(public_id=item_id)
    if item is None or item.current_version is None:
        raise NotFound("找不到该事项", code="catalog_item_not_found")
    options = [t for t in selectors.types_for_item(item=item) if t.booking_enabled]
    if len(options) == 1:
        return redirect(f"{reverse('hall:book', args=[options[0].hall.public_id, options[0].public_id])}"
                        f"?item={item.public_id}")
    return render(request, "hall/book_item.html", {"item": item, "version": item.current_version,
                                                   "options": options})


def _slot_days(business_type: Any, hall: Any, now: datetime) -> list[tuple[date, list[Any]]]:
    profile = selectors.profile_of(hall)
    today = selectors.today(now)
    slots = selectors.slots_for(business_type=business_type, start=today,
                                end=today + timedelta(days=profile.booking_days_ahead), now=now)
    days: dict[date, list[Any]] = {}
    for slot in slots:
        days.setdefault(slot.day, []).append(slot)
    return list(days.items())


def book(request: HttpRequest, hall_id: str, type_id: str) -> HttpResponse:
    """Choose a slot (and the item) and book; ``?change=<appointment>`` moves a booking."""
    hall = selectors.hall_get(public_id=hall_id)
    business_type = selectors.business_type_get(hall=hall, public_id=type_id)
    items = selectors.items_of_type(business_type=business_type)
    item_id = request.POST.get("item") or request.GET.get("item", "")
    chosen_item = catalog_selectors.item_by_public_id(public_id=item_id)
    if chosen_item is not None and chosen_item not in items:
        items.insert(0, chosen_item)  # taken through one of the type's themes
    change = None
    change_id = request.POST.get("change") or request.GET.get("change")
    if change_id and request.user.is_authenticated:
        change = selectors.appointment_get(actor=request.user, public_id=change_id)
    now = timezone.now()
    context: dict[str, Any] = {"hall": hall, "business_type": business_type, "items": items,
                               "chosen_item": chosen_item, "change": change,
                               "profile": selectors.profile_of(hall)}
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        try:
            slot = selectors.slot_get(public_id=request.POST.get("slot", ""))
            if slot.business_type_id != business_type.pk:
                raise NotFound("找不到该预约时段", code="hall_slot_not_found")
            if change is not None:
                appointment = services.appointment_change(actor=request.user, appointment=change, slot=slot)
            else:
                if items and chosen_item is None:
                    from onewindow.core.errors import ValidationFailed

                    raise ValidationFailed("请选择要办理的事项", code="hall_item_required",
                                           fields={"item": "请选择要办理的事项"})
                appointment = services.appointment_book(actor=request.user, slot=slot, item=chosen_item)
        except DomainError as error:
            return render(request, "hall/book.html", {**context, "error": error,
                                                      "days": _slot_days(business_type, hall, now)},
                          status=error.status)
        return redirect("hall:appointment", appointment_id=appointment.public_id)
    return render(request, "hall/book.html", {**context, "days": _slot_days(business_type, hall, now)})


def _uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@login_required
def appointments(request: HttpRequest) -> HttpResponse:
    return render(request, "hall/appointments.html",
                  {"appointments": list(selectors.appointments_of(user=request.user)[:50])})


@login_required
def appointment(request: HttpRequest, appointment_id: str) -> HttpResponse:
    found = selectors.appointment_get(actor=request.user, public_id=appointment_id)
    profile = selectors.profile_of(found.hall)
    deadline = found.starts_at - timedelta(minutes=profile.booking_cutoff_minutes)
    ticket = selectors.ticket_of_appointment(appointment=found)
    return render(request, "hall/appointment.html", {
        "appointment": found, "deadline": deadline, "ticket": ticket,
        "changeable": found.status == AppointmentStatus.BOOKED and timezone.now() <= deadline})


@login_required
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: str) -> HttpResponse:
    found = selectors.appointment_get(actor=request.user, public_id=appointment_id)
    try:
        services.appointment_cancel(actor=request.user, appointment=found)
    except DomainError as error:
        return render(request, "hall/appointment.html", {"appointment": found, "error": error},
                      status=error.status)
    return redirect("hall:appointment", appointment_id=found.public_id)


# --- The calling screen -----------------------------------------------------------------------
def screen(request: HttpRequest, hall_id: str) -> HttpResponse:
    """叫号屏: full screen for the TV over the waiting area. The state comes from the API; calls
    are pushed (WebSocket) and spoken."""
    hall = selectors.hall_get(public_id=hall_id)
    return render(request, "hall/screen.html", {
        "hall": hall, "snapshot_url": f"/api/v1/halls/{hall.public_id}/screen",
        "snapshot": selectors.screen_snapshot(hall=hall), "push_token": push.screen_token(hall)})


# --- Staff: the calling panel -----------------------------------------------------------------
def _panel_render(request: HttpRequest, *, error: DomainError | None = None, status: int = 200,
                  compact: bool = False) -> HttpResponse:
    panel = selectors.panel_state(actor=request.user)
    windows = selectors.windows_for_staff(actor=request.user) if panel.state is None or request.GET.get(
        "choose") else []
    template = "hall/_panel.html" if request.htmx or compact else "hall/panel.html"  # type: ignore[attr-defined]
    hall = panel.state.window.hall if panel.state else None
    return render(request, template, {
        "panel": panel, "windows": windows, "error": error, "compact": compact or request.GET.get("compact"),
        "push_token": push.staff_token(hall) if hall else "", "WindowStatus": WindowStatus}, status=status)


@staff_required
def panel(request: HttpRequest) -> HttpResponse:
    """The window clerk's calling panel (also embedded, compact, in the workbench)."""
    return _panel_render(request, compact=bool(request.GET.get("compact")))


PANEL_ACTIONS = ("call_next", "recall", "start", "no_show", "no_show_recall", "transfer", "finish",
                 "sign_on", "pause", "resume", "close")


@staff_required
@require_POST
def panel_act(request: HttpRequest, action: str) -> HttpResponse:
    if action not in PANEL_ACTIONS:
        raise NotFound()
    user = request.user
    try:
        if action == "sign_on":
            window_id = request.POST.get("window", "")
            window = selectors.window_find(public_id=window_id)
            if window is None:
                raise NotFound("找不到该窗口", code="hall_window_not_found")
            services.window_sign_on(actor=user, window=window)
        elif action in ("pause", "resume", "close"):
            state = selectors.window_of_clerk(actor=user)
            if state is None:
                raise NotFound("您尚未在窗口签到", code="hall_window_not_signed_on")
            status = {"pause": WindowStatus.PAUSED, "resume": WindowStatus.OPEN, "close": WindowStatus.CLOSED}[action]
            services.window_set_status(actor=user, window=state.window, status=status)
        elif action == "call_next":
            if services.ticket_call_next(actor=user) is None:
                raise DomainError("当前没有等候的号", code="hall_queue_empty", status=200)
        else:
            found = selectors.ticket_for_staff(actor=user, public_id=request.POST.get("ticket", "")) if _uuid(
                request.POST.get("ticket", "")) else None
            if found is None:
                raise NotFound("找不到该排队号", code="hall_ticket_not_found")
            if action == "recall":
                services.ticket_recall(actor=user, ticket=found)
            elif action == "start":
                services.ticket_start(actor=user, ticket=found)
            elif action == "no_show":
                services.ticket_no_show(actor=user, ticket=found)
            elif action == "no_show_recall":
                services.ticket_no_show_recall(actor=user, ticket=found)
            elif action == "transfer":
                type_id = request.POST.get("business_type", "")
                window_id = request.POST.get("window", "")
                business_type = selectors.business_type_get(hall=found.hall, public_id=type_id) if type_id else None
                window = selectors.window_find(public_id=window_id, hall=found.hall)
                services.ticket_transfer(actor=user, ticket=found, business_type=business_type, window=window,
                                         note=request.POST.get("note", ""))
            elif action == "finish":
                from onewindow.cases import selectors as case_selectors

                cases = [case_selectors.case_get(actor=user, public_id=i)
                         for i in request.POST.getlist("cases") if _uuid(i)]
                services.ticket_finish(actor=user, ticket=found, cases=cases)
    except DomainError as error:
        return _panel_render(request, error=error, status=200 if request.htmx else error.status,  # type: ignore[attr-defined]
                             compact=bool(request.POST.get("compact")))
    if request.htmx:  # type: ignore[attr-defined]
        return _panel_render(request, compact=bool(request.POST.get("compact")))
    return redirect("hall:panel")


# --- Staff: guide desk, live view, trace, figures ---------------------------------------------
@staff_required
def staff_home(request: HttpRequest) -> HttpResponse:
    halls_ = selectors.halls_for_staff(actor=request.user)
    return render(request, "hall/staff_home.html", {
        "halls": [(h, selectors.can_serve(request.user, h), selectors.can_manage(request.user, h)) for h in halls_],
        "panel_window": selectors.window_of_clerk(actor=request.user)})


@staff_required
def guide(request: HttpRequest, hall_id: str) -> HttpResponse:
    """导服台: take a number for a visitor (priority after checking materials, for the elderly,
    disabled and pregnant), or check in an appointment by its code."""
    hall = selectors.hall_for_staff(actor=request.user, public_id=hall_id)
    if not selectors.can_serve(request.user, hall):
        raise NotFound("找不到该服务大厅", code="hall_not_found")
    types = selectors.business_types(hall=hall)

    def counts() -> list[tuple[Any, int]]:
        waiting = selectors.waiting_counts(hall=hall)
        return [(t, waiting.get(t.code, 0)) for t in types]

    context: dict[str, Any] = {"hall": hall, "types": types, "counts": counts(), "form": request.POST,
                               "push_token": push.staff_token(hall)}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "check_in":
                found = selectors.appointment_by_code(hall=hall, code=request.POST.get("code", ""))
                context["ticket"] = services.appointment_check_in(actor=request.user, hall=hall, appointment=found,
                                                                  channel=TicketChannel.GUIDE)
            else:
                business_type = selectors.business_type_get(hall=hall, public_id=request.POST.get("business_type", ""))
                context["ticket"] = services.ticket_take(
                    actor=request.user, hall=hall, business_type=business_type, channel=TicketChannel.GUIDE,
                    id_number=request.POST.get("id_number", ""), name=request.POST.get("name", ""),
                    guide_checked=bool(request.POST.get("guide_checked")),
                    disabled=bool(request.POST.get("disabled")), pregnant=bool(request.POST.get("pregnant")))
            context["form"] = {}
            context["counts"] = counts()
        except DomainError as error:
            context["error"] = error
            status = error.status
    if context.get("ticket") is not None:
        context["ticket_status"] = selectors.ticket_status_payload(context["ticket"])
        context["ticket_url"] = request.build_absolute_uri(reverse("hall:ticket", args=[context["ticket"].public_id]))
    context["today_appointments"] = selectors.appointments_today(hall=hall)
    return render(request, "hall/guide.html", context, status=status)


@staff_required
def live(request: HttpRequest, hall_id: str) -> HttpResponse:
    """The hall manager's live view: windows (idle ones marked) and who waits, longest first."""
    hall = selectors.hall_for_staff(actor=request.user, public_id=hall_id, manage=True)
    template = "hall/_live.html" if request.htmx or request.GET.get("part") else "hall/live.html"  # type: ignore[attr-defined]
    return render(request, template, {"hall": hall, "state": selectors.live_state(hall=hall),
                                      "push_token": push.staff_token(hall)})


@staff_required
def ticket_trace(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """One number from 取号 to 办结, with its calls and the cases taken in."""
    found = selectors.ticket_for_staff(actor=request.user, public_id=ticket_id)
    calls = selectors.ticket_calls(ticket=found)
    links = selectors.ticket_cases(ticket=found)
    return render(request, "hall/trace.html", {"ticket": found, "calls": calls, "links": links})


@staff_required
def figures(request: HttpRequest) -> HttpResponse:
    """大厅运行统计 for a day or a period, with charts, and as Excel (``?format=xlsx``)."""
    today = timezone.localdate()
    start = _day(request.GET.get("start", ""), today)
    end = _day(request.GET.get("end", ""), start if request.GET.get("start") else today)
    halls_ = selectors.halls_for_staff(actor=request.user, manage=True)
    if not halls_:
        raise NotFound()
    chosen = next((h for h in halls_ if str(h.public_id) == request.GET.get("hall")), None)
    try:
        result = figures_module.hall_figures(actor=request.user, start=start, end=end, hall=chosen)
    except DomainError as error:
        return render(request, "hall/figures.html", {"error": error, "halls": halls_, "chosen": chosen,
                                                     "start": start, "end": end}, status=error.status)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(figures_module.figures_workbook(result),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="hall-figures-{start}-{end}.xlsx"'
        return response
    charts = {"by_type": [{"label": r["label"], "taken": r["taken"], "served": r["served"],
                           "no_show": r["no_show"]} for r in result.by_type],
              "by_day": [{"label": r["label"], "taken": r["taken"], "served": r["served"]} for r in result.by_day],
              "by_hour": [{"label": r["label"], "taken": r["taken"]} for r in result.by_hour],
              "waits": [{"label": r["label"], "wait_avg": r["wait_avg"], "wait_p90": r["wait_p90"]}
                        for r in result.by_type]}
    labels = {"taken": gettext("Taken"), "served": gettext("Served"), "no_show": gettext("No-shows"),
              "wait_avg": gettext("Average wait"), "wait_p90": gettext("90% wait"), "minutes": gettext("minutes")}
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "hall/figures.html", {"figures": result, "halls": halls_, "chosen": chosen,
                                                 "start": start, "end": end, "charts": charts,
                                                 "chart_labels": labels, "query": query.urlencode()})
