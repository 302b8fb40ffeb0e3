"""Pages of grid work: the worker's phone page (households due, events to check, declarations to
verify), household pages with visits and corrections, event reporting, the grid map and
figures; and the residents' own household page with their self-declarations.

Views parse input, call one service or selector, and render.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from onewindow.accounts.selectors import person_of_user
from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError, NotFound, ValidationFailed
from onewindow.core.inputs import search_params
from onewindow.core.masking import mask_id_number, mask_name, mask_phone

from . import constants as c
from . import rules, selectors, services
from .models import Household


# --- Helpers ----------------------------------------------------------------------------------
def _require_worker(request: HttpRequest) -> None:
    if not selectors.is_grid_worker(request.user):
        raise NotFound()


def _float(value: str | None, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        msg = "坐标应为数字"
        raise ValidationFailed("坐标无效：" + msg, code="coordinates_invalid", fields={field: msg}) from None


def _date(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        msg = "日期格式应为 YYYY-MM-DD"
        raise ValidationFailed(msg, code="date_invalid", fields={field: msg}) from None


def _photos(request: HttpRequest) -> list[services.PhotoIn]:
    photos = []
    for f in request.FILES.getlist("photos"):
        if f.size and f.size > c.MAX_PHOTO_BYTES:
            msg = f"照片“{(f.name or '')[:40]}”超过 {c.MAX_PHOTO_BYTES // 1024 // 1024} MB"
            raise ValidationFailed(msg, code="photo_too_large", fields={"photos": msg})
        photos.append(services.PhotoIn(name=f.name or "照片", content=f.read()))
    return photos


def _month(request: HttpRequest) -> date:
    value = request.GET.get("month", "").strip()
    if value:
        try:
            return date.fromisoformat(f"{value}-01")
        except ValueError:
            pass
    return rules.month_start(timezone.localdate())


def _members(household: Household) -> list[selectors.MemberView]:
    return [selectors.member_view(m) for m in selectors.household_members(household=household)]


TAG_CHOICES = c.SpecialTag.choices


# --- The worker's phone page ------------------------------------------------------------------
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not selectors.is_grid_worker(user):
        if selectors.can_see_figures(user):
            return redirect("grid:figures")
        raise NotFound()
    due = selectors.due_visits(actor=user)
    return render(request, "grid/home.html", {
        "grid": selectors.worker_grid(user), "region": selectors.home_region(user),
        "progress": selectors.quota_progress(actor=user),
        "due": list(due[:30]), "due_count": due.count(),
        "checks": list(selectors.events_to_check(actor=user)[:20]),
        "pending": selectors.declaration_pending(actor=user).count(),
        "events": list(selectors.event_list(actor=user, filters=selectors.EventFilters(mine=True))[:10]),
        "now": timezone.now(),
    })


# --- Households -------------------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def households(request: HttpRequest) -> HttpResponse:
    _require_worker(request)
    params = search_params(request)  # the search form posts: a member's ID or phone stays out of URLs
    filters = selectors.HouseholdFilters(q=params.get("q", "")[:100], grid_code=params.get("grid", ""),
                                         special=True if params.get("special") else None,
                                         floating=True if params.get("floating") else None)
    page = Paginator(selectors.household_list(actor=request.user, filters=filters), 50).get_page(
        params.get("page"))
    return render(request, "grid/households.html", {"page": page, "filters": filters})


def _household_page(request: HttpRequest, household: Household, *, error: DomainError | None = None,
                    revealed: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    return render(request, "grid/household.html", {
        "household": household, "house": household.house, "members": _members(household),
        "left": [m for m in selectors.household_members(household=household, include_left=True) if m.left_on],
        "history": selectors.household_history(household=household, limit=60),
        "visits": list(selectors.visit_list(actor=request.user, household=household).prefetch_related("photos")[:20]),
        "registrations": selectors.registrations_of_household(household=household),
        "tenancies": selectors.tenancies_of_house(house=household.house),
        "proxies": selectors.proxies_of_household(household=household),
        "error": error, "revealed": revealed, "today": timezone.localdate(),
        "can_proxy": any(services.proxy_eligible(m, today=timezone.localdate())
                         for m in selectors.household_members(household=household)),
    }, status=status)


@staff_required
def household(request: HttpRequest, public_id: str) -> HttpResponse:
    return _household_page(request, selectors.household_get(actor=request.user, public_id=public_id))


@staff_required
@require_POST
def resident_reveal(request: HttpRequest, public_id: str) -> HttpResponse:
    resident = selectors.resident_get(actor=request.user, public_id=public_id)
    household = selectors.household_get(actor=request.user, public_id=resident.household.public_id)
    try:
        full = services.resident_reveal(actor=request.user, resident=resident, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return _household_page(request, household, error=error, status=error.status)
    return _household_page(request, household, revealed={"resident": resident.public_id, **full})


@staff_required
def visit(request: HttpRequest, public_id: str) -> HttpResponse:
    """The visit form: position from the phone, notes, photos, corrections on the spot."""
    household = selectors.household_get(actor=request.user, public_id=public_id)
    members = selectors.household_members(household=household)
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            corrections = services.VisitCorrections(
                house_use=request.POST.get("house_use") or None,
                members=[services.MemberCorrection(
                    resident=m, tags=request.POST.getlist(f"tags_{m.public_id}"),
                    left=request.POST.get(f"left_{m.public_id}") == "1") for m in members])
            services.visit_record(
                actor=request.user, household=household, notes=request.POST.get("notes", ""),
                lng=_float(request.POST.get("lng"), "lng"), lat=_float(request.POST.get("lat"), "lat"),
                location_note=request.POST.get("location_note", ""), photos=_photos(request),
                corrections=corrections)
        except DomainError as error:
            return render(request, "grid/visit.html", {
                "household": household, "members": [selectors.member_view(m) for m in members], "values": values,
                "error": error, "uses": c.HouseUse.choices, "tags": TAG_CHOICES}, status=error.status)
        messages.success(request, f"已记录走访：{household.head_name}户")
        return redirect("grid:home")
    return render(request, "grid/visit.html", {
        "household": household, "members": [selectors.member_view(m) for m in members], "values": values,
        "uses": c.HouseUse.choices, "tags": TAG_CHOICES})


@staff_required
def resident_register(request: HttpRequest, public_id: str) -> HttpResponse:
    """居住登记 of a floating member, verified by the worker on the spot."""
    resident = selectors.resident_get(actor=request.user, public_id=public_id)
    household = resident.household
    if request.method == "POST":
        try:
            registration = services.residence_register(
                actor=request.user, resident=resident, arrived_on=_date(request.POST.get("arrived_on"), "arrived_on"),
                planned_until=_date(request.POST.get("planned_stay_until"), "planned_stay_until"),
                reason=request.POST.get("stay_reason", ""))
        except DomainError as error:
            return render(request, "grid/register.html", {"resident": resident, "household": household,
                                                          "reasons": c.StayReason.choices, "error": error,
                                                          "values": request.POST.dict()}, status=error.status)
        messages.success(request, f"居住登记已核实：{registration.number}，电子居住登记证明已发布")
        return redirect("grid:household", public_id=household.public_id)
    return render(request, "grid/register.html", {"resident": resident, "household": household,
                                                  "reasons": c.StayReason.choices, "values": {}})


@staff_required
def proxy(request: HttpRequest, public_id: str) -> HttpResponse:
    """代办: choose the resident and the item, record the consent, tick the paper originals held."""
    household = selectors.household_get(actor=request.user, public_id=public_id)
    today = timezone.localdate()
    eligible = [m for m in selectors.household_members(household=household)
                if services.proxy_eligible(m, today=today)]
    items = selectors.proxy_items()
    chosen = request.GET.get("item") or request.POST.get("item", "")
    version = selectors.proxy_item(public_id=chosen) if chosen else None
    item = version.item if version else None
    materials = list(version.materials.all()) if version else []
    context: dict[str, Any] = {"household": household, "eligible": eligible, "items": items, "item": item,
                               "materials": materials, "methods": c.ConsentMethod.choices,
                               "values": request.POST.dict() if request.method == "POST" else {}}
    if request.method == "POST":
        resident = next((m for m in eligible if str(m.public_id) == request.POST.get("resident")), None)
        try:
            if resident is None:
                msg = "请选择代办对象"
                raise ValidationFailed(msg, code="resident_required", fields={"resident": msg})
            if item is None:
                raise ValidationFailed("请选择事项", code="item_required", fields={"item": "请选择事项"})
            record = services.proxy_start(
                actor=request.user, resident=resident, item=item, consent_method=request.POST.get("consent_method", ""),
                consent_note=request.POST.get("consent_note", ""), paper=request.POST.getlist("paper"),
                form_data=({"申请说明": request.POST.get("description", "")} if request.POST.get("description")
                           else None))
        except DomainError as error:
            return render(request, "grid/proxy.html", {**context, "error": error}, status=error.status)
        messages.success(request, f"已代办提交：{record.case.number}（{record.case.item_name}）")
        return redirect("grid:household", public_id=household.public_id)
    return render(request, "grid/proxy.html", context)


# --- Events -----------------------------------------------------------------------------------
@staff_required
def event_new(request: HttpRequest) -> HttpResponse:
    _require_worker(request)
    grid = selectors.worker_grid(request.user)
    household = None
    if request.GET.get("household"):
        household = selectors.household_get(actor=request.user, public_id=request.GET["household"])
    context: dict[str, Any] = {"grid": grid, "household": household, "categories": c.EventCategory.choices,
                               "values": {}}
    if request.method == "POST":
        context["values"] = request.POST.dict()
        try:
            target = grid
            if request.POST.get("grid"):
                target = selectors.region_in_scope(actor=request.user, code=request.POST["grid"], figures=False)
            if target is None:
                msg = "请选择事件所在网格"
                raise ValidationFailed(msg, code="grid_required", fields={"grid": msg})
            if request.POST.get("household"):
                household = selectors.household_get(actor=request.user, public_id=request.POST["household"])
            event = services.event_report(
                actor=request.user, grid=target, category=request.POST.get("category", ""),
                text=request.POST.get("text", ""), title=request.POST.get("title", ""),
                lng=_float(request.POST.get("lng"), "lng"), lat=_float(request.POST.get("lat"), "lat"),
                location_note=request.POST.get("location_note", ""), address=request.POST.get("address", ""),
                photos=_photos(request), self_handled=request.POST.get("self_handled") == "1",
                handled_note=request.POST.get("handled_note", ""), household=household,
                urgent=request.POST.get("urgent") == "1")
        except DomainError as error:
            return render(request, "grid/event_new.html", {**context, "error": error}, status=error.status)
        if event.ticket is not None:
            messages.success(request, f"已上报：{event.number}，12345工单 {event.ticket.number}")
        else:
            messages.success(request, f"已记录自处置事件：{event.number}")
        return redirect("grid:event", public_id=event.public_id)
    return render(request, "grid/event_new.html", context)


@staff_required
def events(request: HttpRequest) -> HttpResponse:
    _require_worker(request)
    filters = selectors.EventFilters(open_only=bool(request.GET.get("open")), mine=bool(request.GET.get("mine")),
                                     kind=request.GET.get("kind", ""))
    page = Paginator(selectors.event_list(actor=request.user, filters=filters), 30).get_page(request.GET.get("page"))
    rows = [(e, state, c.EventState(state).label) for e in page.object_list
            for state in [selectors.event_state(e)]]
    return render(request, "grid/events.html", {"page": page, "rows": rows, "filters": filters})


def _event_page(request: HttpRequest, event: Any, *, error: DomainError | None = None,
                status: int = 200) -> HttpResponse:
    state = selectors.event_state(event)
    return render(request, "grid/event.html", {
        "event": event, "state": state, "state_label": c.EventState(state).label,
        "timeline": selectors.event_timeline(event=event), "photos": list(event.photos.all()),
        "can_check": state == c.EventState.CHECK, "error": error,
        "satisfactions": [("satisfied", "满意"), ("basic", "基本满意")]}, status=status)


@staff_required
def event(request: HttpRequest, public_id: str) -> HttpResponse:
    return _event_page(request, selectors.event_get(actor=request.user, public_id=public_id))


@staff_required
@require_POST
def event_check(request: HttpRequest, public_id: str) -> HttpResponse:
    event = selectors.event_get(actor=request.user, public_id=public_id)
    try:
        services.event_site_check(actor=request.user, event=event, solved=request.POST.get("solved") == "1",
                                  satisfaction=request.POST.get("satisfaction", "satisfied"),
                                  note=request.POST.get("note", ""))
    except DomainError as error:
        return _event_page(request, event, error=error, status=error.status)
    event.ticket.refresh_from_db() if event.ticket else None
    messages.success(request, "现场核实已记录" + ("，工单已办结" if selectors.event_state(event) == "closed"
                                             else "，已交监督管理人员决定是否重新办理"))
    return redirect("grid:event", public_id=event.public_id)


# --- Declarations -----------------------------------------------------------------------------
@staff_required
def declarations(request: HttpRequest) -> HttpResponse:
    _require_worker(request)
    return render(request, "grid/declarations.html", {
        "pending": list(selectors.declaration_pending(actor=request.user)[:200])})


def _payload_view(payload: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {"name": "姓名", "id_number": "身份证号", "phone": "联系电话", "relation": "与户主关系",
              "residence_type": "人口类型", "arrived_on": "来本地日期", "moved_in_on": "入住日期",
              "planned_stay_until": "拟居住至", "stay_reason": "居住事由", "tags": "特殊群体", "left_on": "迁出日期",
              "note": "说明"}
    choices = {**dict(c.Relation.choices), **dict(c.ResidenceType.choices), **dict(c.StayReason.choices)}
    tags = dict(c.SpecialTag.choices)
    rows = []
    for key, value in payload.items():
        if key == "resident" or value in (None, "", []):
            continue
        if key == "id_number":
            value = mask_id_number(value)
        elif key == "phone":
            value = mask_phone(value)
        elif key == "tags":
            value = "、".join(str(tags.get(t, t)) for t in value)
        else:
            value = str(choices.get(value, value)) if isinstance(value, str) else str(value)
        rows.append((labels.get(key, key), str(value)))
    return rows


def _declaration_page(request: HttpRequest, declaration: Any, *, error: DomainError | None = None,
                      status: int = 200) -> HttpResponse:
    payload = services.declaration_payload(declaration)
    member = None
    if payload.get("resident"):
        member = selectors.resident_find(public_id=payload["resident"])
    return render(request, "grid/declaration.html", {
        "d": declaration, "rows": _payload_view(payload), "member": member, "error": error,
        "declarant": mask_name(declaration.declarant.name)}, status=status)


@staff_required
def declaration(request: HttpRequest, public_id: str) -> HttpResponse:
    return _declaration_page(request, selectors.declaration_get(actor=request.user, public_id=public_id))


@staff_required
@require_POST
def declaration_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    d = selectors.declaration_get(actor=request.user, public_id=public_id)
    try:
        if request.POST.get("decision") == "accept":
            services.declaration_accept(actor=request.user, declaration=d)
            messages.success(request, f"已核实采纳：{d.summary}")
        else:
            services.declaration_reject(actor=request.user, declaration=d, reason=request.POST.get("reason", ""))
            messages.success(request, f"已退回：{d.summary}")
    except DomainError as error:
        d.refresh_from_db()
        return _declaration_page(request, d, error=error, status=error.status)
    return redirect("grid:declarations")


# --- Map and figures --------------------------------------------------------------------------
@staff_required
def grid_map(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_figures(request.user):
        raise NotFound()
    region = (selectors.region_in_scope(actor=request.user, code=request.GET["region"]) if request.GET.get("region")
              else selectors.home_region(request.user))
    if region is None:
        raise NotFound()
    return render(request, "grid/map.html", {"region": region, "month": _month(request),
                                             "states": [(s, label, selectors.STATE_COLOURS[s])
                                                        for s, label in c.EventState.choices]})


@staff_required
def figures(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_figures(request.user):
        raise NotFound()
    region = (selectors.region_in_scope(actor=request.user, code=request.GET["region"]) if request.GET.get("region")
              else selectors.home_region(request.user))
    if region is None:
        raise NotFound()
    data = selectors.region_figures(actor=request.user, region=region, month=_month(request))
    from onewindow.regions.selectors import region_ancestors

    home = selectors.home_region(request.user)
    crumbs = [r for r in region_ancestors(region=region) if home and r.path.startswith(home.path)]
    return render(request, "grid/figures.html", {"data": data, "region": region, "crumbs": crumbs,
                                                 "month": data.month.strftime("%Y-%m")})


@staff_required
def photo(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.photo_get(actor=request.user, public_id=public_id)
    response: Any = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "no-store, private"  # a photo of someone's home: never cached
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[no-any-return]


# --- Residents: my household and self-declarations --------------------------------------------
@login_required
def my_household(request: HttpRequest) -> HttpResponse:
    person = person_of_user(user=request.user)
    household = selectors.household_of_person(person=person) if person else None
    members = []
    if household is not None:
        members = [(m, selectors.person_public(m.person)) for m in selectors.household_members(household=household)]
    me = next((m for m, _ in members if person and m.person_id == person.pk), None)
    return render(request, "grid/my_household.html", {
        "person": person, "household": household, "members": members, "me": me,
        "houses": list(selectors.houses_of_owner(person=person)) if person else [],
        "declarations": list(selectors.declarations_of_user(user=request.user)[:30]),
    })


DECLARE_KINDS = {
    "member_add": c.DeclarationKind.MEMBER_ADD, "member_leave": c.DeclarationKind.MEMBER_LEAVE,
    "correction": c.DeclarationKind.CORRECTION, "tenant": c.DeclarationKind.TENANT,
    "residence": c.DeclarationKind.RESIDENCE,
}
FIELDS = ("name", "id_number", "phone", "relation", "residence_type", "arrived_on", "moved_in_on",
          "planned_stay_until", "stay_reason", "resident", "left_on", "note")


@login_required
def my_declare(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in DECLARE_KINDS:
        raise NotFound()
    person = person_of_user(user=request.user)
    household = selectors.household_of_person(person=person) if person else None
    house = None
    if kind == "tenant":
        wanted = request.GET.get("house") or request.POST.get("house") or ""
        house = (selectors.houses_of_owner(person=person).filter(public_id=wanted).first()
                 if person and wanted else None)
        if house is None:
            raise NotFound("找不到您名下的该房屋", code="house_not_owned")
    members = selectors.household_members(household=household) if household else []
    context: dict[str, Any] = {
        "kind": kind, "kind_label": DECLARE_KINDS[kind].label, "house": house, "household": household,
        "members": [(m, mask_name(m.person.name)) for m in members], "relations": [
            r for r in c.Relation.choices if r[0] != c.Relation.HEAD], "types": c.ResidenceType.choices,
        "reasons": c.StayReason.choices, "tags": TAG_CHOICES, "values": {}}
    if request.method == "POST":
        values = request.POST.dict()
        context["values"] = values
        payload: dict[str, Any] = {k: values[k] for k in FIELDS if values.get(k)}
        if kind == "member_add" or (kind == "correction" and request.POST.getlist("tags")):
            payload["tags"] = request.POST.getlist("tags")
        try:
            services.declaration_submit(user=request.user, kind=kind, payload=payload, house=house)
        except DomainError as error:
            return render(request, "grid/my_declare.html", {**context, "error": error}, status=error.status)
        messages.success(request, "已提交，网格员核实后生效。")
        return redirect("grid:my_household")
    return render(request, "grid/my_declare.html", context)
