"""Pages of the self-service kiosk (自助终端) at /kiosk/<hall>/: full screen, touch first, large
text, Chinese. Only a kiosk session of this hall counts as identified here; any other session
(a member of staff testing the screen, a citizen's own browser session) is ignored and replaced
when someone identifies. Views parse, call ``kiosk``/``services``/``selectors`` and render."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from onewindow.accounts.models import ServiceHall
from onewindow.accounts.selectors import person_of_user
from onewindow.cases import selectors, services
from onewindow.cases.constants import Channel, MaterialState
from onewindow.cases.models import Case
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.masking import mask_name

from . import kiosk
from . import selectors as hall_selectors

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _now() -> int:
    return int(time.time())


def _client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def kiosk_user(request: HttpRequest, hall: ServiceHall) -> Any:
    """The citizen identified at this kiosk, or None. A kiosk session that is idle too long,
    too old or of another hall is ended here (the server-side half of the idle timeout)."""
    marker = request.session.get(kiosk.SESSION_KEY)
    if not request.user.is_authenticated or not isinstance(marker, dict):
        return None
    now = _now()
    expired = (marker.get("hall") != str(hall.public_id)
               or now - int(marker.get("seen", 0)) > kiosk.session_seconds()
               or now - int(marker.get("started", 0)) > kiosk.max_seconds())
    if expired:
        kiosk.kiosk_sign_out_record(user=request.user, hall=hall, reason="expired")
        logout(request)
        return None
    marker["seen"] = now
    request.session[kiosk.SESSION_KEY] = marker
    request.session.set_expiry(kiosk.session_seconds())
    return request.user


def _context(request: HttpRequest, hall: ServiceHall, user: Any, **extra: Any) -> dict[str, Any]:
    return {"hall": hall, "kiosk_user": user,
            "kiosk_name": mask_name(getattr(user, "display_name", "") or str(user)) if user else "",
            "idle_seconds": kiosk.idle_seconds(), **extra}


def _render(request: HttpRequest, template: str, hall: ServiceHall, user: Any, status: int = 200,
            **extra: Any) -> HttpResponse:
    response = render(request, f"hall/kiosk/{template}", _context(request, hall, user, **extra),
                      status=status)
    response["Cache-Control"] = "no-store"  # nothing of one citizen for the next one's Back key
    return response


def _identify_url(hall: ServiceHall, next_url: str) -> str:
    return f"{reverse('kiosk:identify', args=[hall.public_id])}?next={next_url}"


def _safe_next(hall: ServiceHall, value: str) -> str:
    home = reverse("kiosk:home", args=[hall.public_id])
    return value if value.startswith(home) and "//" not in value else home


# --- Home, identification, exit -----------------------------------------------------------------
def halls(request: HttpRequest) -> HttpResponse:
    """Setting a terminal up: choose its hall; the terminal then opens /kiosk/<hall>/."""
    return render(request, "hall/kiosk/halls.html",
                  {"halls": hall_selectors.hall_list()})


def home(request: HttpRequest, hall_id: str) -> HttpResponse:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    return _render(request, "home.html", hall, kiosk_user(request, hall), is_home=True)


def identify(request: HttpRequest, hall_id: str) -> HttpResponse:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    next_url = _safe_next(hall, request.POST.get("next") or request.GET.get("next", ""))
    user = kiosk_user(request, hall)
    if user is not None and request.method != "POST":
        return redirect(next_url)
    if request.method != "POST":
        return _render(request, "identify.html", hall, None, next=next_url)
    name = request.POST.get("name", "")
    try:
        user = kiosk.kiosk_identify(request=request, hall=hall, client_ip=_client_ip(request),
                                    credentials={"name": name,
                                                 "id_number": request.POST.get("id_number", "")})
    except DomainError as error:
        return _render(request, "identify.html", hall, None, status=error.status, error=error,
                       next=next_url, name=name)
    logout(request)  # whatever session this browser had, a fresh one for this citizen
    login(request, user, backend=BACKEND)
    now = _now()
    request.session[kiosk.SESSION_KEY] = {"hall": str(hall.public_id), "started": now, "seen": now}
    request.session.set_expiry(kiosk.session_seconds())
    return redirect(next_url)


@csrf_exempt
@require_POST
def exit_(request: HttpRequest, hall_id: str) -> HttpResponse:
    """退出 (and the idle timer): end the kiosk session and go back to the home screen. Exempt
    from CSRF on purpose: signing out must never get stuck on an error page at a shared
    terminal, and a forged sign-out does no harm."""
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    if user is not None:
        kiosk.kiosk_sign_out_record(user=user, hall=hall,
                                    reason="idle" if request.POST.get("reason") == "idle" else "exit")
        logout(request)
    elif request.session.get(kiosk.SESSION_KEY):
        logout(request)
    return redirect("kiosk:home", hall_id=hall.public_id)


# --- Items and applying -------------------------------------------------------------------------
def items(request: HttpRequest, hall_id: str) -> HttpResponse:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    catalogue = kiosk.kiosk_catalogue(query=request.GET.get("q", ""),
                                      theme=request.GET.get("theme", ""))
    return _render(request, "items.html", hall, kiosk_user(request, hall), catalogue=catalogue)


def item(request: HttpRequest, hall_id: str, item_id: str) -> HttpResponse:
    from onewindow.licences.selectors import licences_for_materials

    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    service_item = kiosk.kiosk_item_get(public_id=item_id)
    version = service_item.current_version
    assert version is not None
    materials = list(version.materials.order_by("order", "id"))
    found = licences_for_materials(holder=person_of_user(user=user) if user else None,
                                   material_licence_type_codes=[m.licence_type_code for m in materials])
    rows = [{"material": m, "free": bool(m.licence_type_code and m.licence_type_code.upper() in found),
             "shared": m.source == "shared" and not m.licence_type_code} for m in materials]
    return _render(request, "item.html", hall, user, item=service_item, version=version, rows=rows)


@require_POST
def apply(request: HttpRequest, hall_id: str, item_id: str) -> HttpResponse:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    if user is None:
        return redirect(_identify_url(hall, reverse("kiosk:item", args=[hall.public_id, item_id])))
    service_item = kiosk.kiosk_item_get(public_id=item_id)
    try:
        case = services.case_draft_create(actor=user, item=service_item, channel=Channel.KIOSK,
                                          hall=hall)
    except DomainError as error:
        return _render(request, "error.html", hall, user, status=error.status, error=error)
    return redirect("kiosk:case", hall_id=hall.public_id, case_id=case.public_id)


def _kiosk_case(request: HttpRequest, hall: ServiceHall, case_id: str) -> tuple[Any, Case | None]:
    user = kiosk_user(request, hall)
    if user is None:
        return None, None
    case = selectors.case_get(actor=user, public_id=case_id)
    if case.channel != Channel.KIOSK or case.hall_id != hall.id or case.applicant_user_id != user.pk:
        raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
    return user, case


def case(request: HttpRequest, hall_id: str, case_id: str) -> HttpResponse:
    """Upload the materials (the kiosk's scanner fills an ordinary file input) and submit in
    one go; files already uploaded stay when something is missing."""
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user, draft = _kiosk_case(request, hall, case_id)
    if draft is None:
        return redirect("kiosk:home", hall_id=hall.public_id)
    if draft.status != "draft":
        return redirect("kiosk:receipt", hall_id=hall.public_id, case_id=draft.public_id)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        for material in draft.materials.all():
            upload = request.FILES.get(f"file_{material.public_id}")
            if upload is None:
                continue
            material.case = draft
            try:
                services.case_material_upload(actor=user, material=material, upload=upload)
            except DomainError as error:
                errors.append(f"{material.name}：{error.message}")
                status = error.status
        if not errors:
            try:
                services.case_submit(actor=user, case=draft)
            except DomainError as error:
                errors.append(error.message)
                errors += [t for t in error.fields.values() if t != error.message]
                status = error.status
            else:
                return redirect("kiosk:receipt", hall_id=hall.public_id, case_id=draft.public_id)
    materials = list(draft.materials.order_by("order", "id"))
    return _render(request, "case.html", hall, user, status=status, case=draft,
                   materials=materials, errors=errors,
                   provided=[MaterialState.LICENCE, MaterialState.SHARED])


def receipt(request: HttpRequest, hall_id: str, case_id: str) -> HttpResponse:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user, submitted = _kiosk_case(request, hall, case_id)
    if submitted is None:
        return redirect("kiosk:home", hall_id=hall.public_id)
    if not submitted.number:
        return redirect("kiosk:case", hall_id=hall.public_id, case_id=submitted.public_id)
    return _render(request, "receipt.html", hall, user, case=submitted,
                   materials=list(submitted.materials.order_by("order", "id")),
                   clock=selectors.case_clock(submitted))


# --- Progress and licences ----------------------------------------------------------------------
def progress(request: HttpRequest, hall_id: str) -> HttpResponse:
    """The public progress query (case number + ID tail); an identified citizen also sees
    their own recent applications."""
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    context: dict[str, Any] = {"number": ""}
    status = 200
    if request.method == "POST":
        number = request.POST.get("number", "")
        context["number"] = number
        if not services.progress_query_allowed(client_ip=_client_ip(request), number=number):
            context["error"] = "查询过于频繁，请稍后再试"
            status = 429
        else:
            try:
                found = selectors.case_progress(number=number, id_tail=request.POST.get("id_tail", ""))
            except NotFound as error:
                context["error"] = error.message
                status = 404
            else:
                context["found"] = found
                context["timeline"] = selectors.case_timeline(case=found, public_only=True)
    if user is not None:
        context["mine"] = list(selectors.case_list_for_applicant(user=user)
                               .exclude(status="draft")[:10])
    return _render(request, "progress.html", hall, user, status=status, **context)


# --- Queue numbers (取号) and appointment check-in (预约签到) ---------------------------------------
def _qr_data_uri(path: str) -> str:
    import segno
    from django.conf import settings

    url = f"{str(settings.ONEWINDOW_PUBLIC_URL).rstrip('/')}{path}"
    return str(segno.make(url, error="m").svg_data_uri(scale=4, border=2))


def take(request: HttpRequest, hall_id: str) -> HttpResponse:
    """取号: choose the business type; an identified citizen's number carries their priorities
    (age from the ID, a pre-reviewed application)."""
    from . import selectors as hall_selectors
    from . import services as hall_services
    from .constants import TicketChannel

    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    status = 200
    error: DomainError | None = None
    if request.method == "POST":
        try:
            business_type = hall_selectors.business_type_get(hall=hall, public_id=request.POST.get("business_type", ""))
            ticket = hall_services.ticket_take(actor=user, hall=hall, business_type=business_type,
                                               channel=TicketChannel.KIOSK)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("kiosk:ticket", hall_id=hall.public_id, ticket_id=ticket.public_id)
    counts = hall_selectors.waiting_counts(hall=hall)
    types = [(t, counts.get(t.code, 0)) for t in hall_selectors.business_types(hall=hall)]
    return _render(request, "take.html", hall, user, status=status, types=types, error=error)


def ticket(request: HttpRequest, hall_id: str, ticket_id: str) -> HttpResponse:
    """The slip: number, people ahead, estimated wait, and a QR code to follow it on a phone."""
    from . import push
    from . import selectors as hall_selectors

    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    found = hall_selectors.ticket_get(public_id=ticket_id)
    if found.hall_id != hall.pk:
        raise NotFound("找不到该排队号", code="hall_ticket_not_found")
    path = reverse("hall:ticket", args=[found.public_id])
    return _render(request, "ticket.html", hall, kiosk_user(request, hall), ticket=found,
                   status_=hall_selectors.ticket_status_payload(found), qr=_qr_data_uri(path),
                   push_token=push.screen_token(hall))


def checkin(request: HttpRequest, hall_id: str) -> HttpResponse:
    """预约签到: with the booking code (or, once identified, from the list of today's bookings):
    a number that is served first when on time."""
    from . import selectors as hall_selectors
    from . import services as hall_services
    from .constants import TicketChannel

    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    status = 200
    error: DomainError | None = None
    code = ""
    if request.method == "POST":
        code = request.POST.get("code", "").strip()
        try:
            if request.POST.get("appointment") and user is not None:
                appointment = hall_selectors.appointment_get(actor=user, public_id=request.POST["appointment"])
            else:
                appointment = hall_selectors.appointment_by_code(hall=hall, code=code)
            ticket = hall_services.appointment_check_in(actor=user, hall=hall, appointment=appointment,
                                                        channel=TicketChannel.KIOSK)
        except DomainError as exc:
            error, status = exc, exc.status
        else:
            return redirect("kiosk:ticket", hall_id=hall.public_id, ticket_id=ticket.public_id)
    mine = hall_selectors.appointments_today(hall=hall, user=user) if user is not None else []
    return _render(request, "checkin.html", hall, user, status=status, error=error, code=code, mine=mine)


def licences(request: HttpRequest, hall_id: str) -> HttpResponse:
    from onewindow.licences.selectors import licence_list_for_user

    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    user = kiosk_user(request, hall)
    if user is None:
        return redirect(_identify_url(hall, reverse("kiosk:licences", args=[hall.public_id])))
    return _render(request, "licences.html", hall, user,
                   licences=list(licence_list_for_user(user=user)[:50]))
