"""Pages of applications: the citizen's online application, my applications, the public progress
query and ratings (mobile first); the clerk's window intake (keyboard first); the staff
workbench, case detail with actions, follow-ups and figures. Views parse, call one service or
selector, and render; DomainErrors become messages on the same page."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from onewindow.accounts import selectors as accounts_selectors
from onewindow.accounts.constants import Role, UserKind
from onewindow.accounts.models import Enterprise, Person, Staff
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import person_of_user, staff_of_user
from onewindow.accounts.views import staff_page, staff_required
from onewindow.catalog import selectors as catalog_selectors
from onewindow.catalog.models import ServiceItem
from onewindow.core.errors import DomainError, NotFound, ValidationFailed
from onewindow.core.inputs import search_params
from onewindow.core.masking import mask_id_number, mask_name
from onewindow.core.selectors import work_calendar

from . import constants as c
from . import rules, selectors, services
from .models import Case


def _is_staff(request: HttpRequest) -> bool:
    return getattr(request.user, "kind", None) == UserKind.STAFF


def _fail(request: HttpRequest, error: DomainError) -> None:
    messages.error(request, error.message)
    for text in error.fields.values():
        if text != error.message:
            messages.error(request, text)


def _detail_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.public_id])


# --- Public: progress query -------------------------------------------------------------------
def progress(request: HttpRequest) -> HttpResponse:
    """办件进度查询: number + last 4–6 characters of the ID number, without signing in.
    POST keeps the ID tail out of addresses and logs; limited per address and per number."""
    context: dict[str, Any] = {"number": "", "tail": ""}
    status = 200
    if request.method == "POST":
        number = request.POST.get("number", "")
        tail = request.POST.get("id_tail", "")[:6]
        context["number"] = number
        context["tail"] = tail  # kept in the form after an error (a POST answer, never a URL)
        if not services.progress_query_allowed(client_ip=str(request.META.get("REMOTE_ADDR", "")),
                                               number=number):
            context["error"] = "查询过于频繁，请稍后再试"
            status = 429
        else:
            try:
                case = selectors.case_progress(number=number, id_tail=tail)
            except NotFound as error:
                context["error"] = error.message
                status = 404
            else:
                context["case"] = case
                context["applicant"] = mask_name(case.applicant_name) if case.applicant_person_id \
                    else case.applicant_name
                context["timeline"] = selectors.case_timeline(case=case, public_only=True)
                context["clock"] = selectors.case_clock(case)
    return render(request, "cases/progress.html", context, status=status)


# --- Citizen: applying ------------------------------------------------------------------------
def apply_index(request: HttpRequest) -> HttpResponse:
    """Items that can be applied for online (the version in force), with a simple search."""
    text = request.GET.get("q", "").strip()
    qs = catalog_selectors.item_versions_online(text=text)
    themes = catalog_selectors.theme_list_online()
    return render(request, "cases/apply_index.html", {"versions": qs[:100], "q": text, "themes": themes})


def _holder_for(user: Any, enterprise: Enterprise | None) -> Person | Enterprise | None:
    return enterprise or person_of_user(user=user)


@login_required
def apply_start(request: HttpRequest, item_id: str) -> HttpResponse:
    item = catalog_selectors.item_by_public_id(public_id=item_id)
    if item is None or item.current_version is None:
        raise NotFound("找不到该事项，或该事项已停用", code="item_not_found")
    version = item.current_version
    enterprises = list(request.user.enterprises.all())  # type: ignore[union-attr]
    if request.method == "POST":
        enterprise = None
        chosen = request.POST.get("enterprise", "")
        if chosen:
            enterprise = next((e for e in enterprises if str(e.public_id) == chosen), None)
            if enterprise is None:
                raise NotFound("找不到该企业", code="enterprise_not_found")
        try:
            case = services.case_draft_create(actor=request.user, item=item, enterprise=enterprise)
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, "已为您创建申请草稿，请按清单上传材料后提交")
            return redirect(_detail_url(case))
    from onewindow.licences.selectors import licences_for_materials
    from onewindow.materials.rules import material_key
    from onewindow.materials.selectors import library_for_keys

    materials = list(version.materials.order_by("order", "id"))
    holder = _holder_for(request.user, None)
    found = licences_for_materials(holder=holder,
                                   material_licence_type_codes=[m.licence_type_code for m in materials])
    keys = {m.pk: material_key(m.name, m.licence_type_code) for m in materials if "B" in m.trust_levels}
    library = library_for_keys(holder=holder, keys=keys.values()) if keys else {}
    rows = []
    for m in materials:
        free = bool(m.licence_type_code and m.licence_type_code.upper() in found)
        shared = m.source == "shared" and not m.licence_type_code
        rows.append({"material": m, "free": free, "shared": shared,
                     "library": not free and not shared and keys.get(m.pk, "") in library,
                     "promise": "D" in m.trust_levels})
    return render(request, "cases/apply_start.html", {
        "item": item, "version": version, "rows": rows, "enterprises": enterprises,
        "has_person": person_of_user(user=request.user) is not None})


# --- Case detail (applicant and staff) --------------------------------------------------------
def _result_input_specs(case: Case) -> list[Any]:
    from onewindow.licences.layouts import layout_for

    if case.item_version.result_type == "other":
        return []
    return list(layout_for(services.result_type_code(case.item_version)).inputs)


def _result_inputs(case: Case) -> list[dict[str, Any]]:
    """The result document's items the applicant fills in (营业执照: 名称, 经营场所, 经营范围 …)."""
    data = case.form_data or {}
    return [{"name": f"result_{i}", "spec": spec, "value": data.get(spec.label, "")}
            for i, spec in enumerate(_result_input_specs(case))]


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    staff_view = selectors.staff_sees(scope_for(request.user), case)
    calendar = work_calendar()
    materials = selectors.case_materials(case=case)
    current = selectors.case_current_step(case=case)
    actions = selectors.case_allowed_actions(actor=request.user, case=case)
    licence = None
    if case.result_licence_ref:
        from onewindow.licences.selectors import licence_of_case_result

        licence = licence_of_case_result(public_id=case.result_licence_ref)
    roles = selectors.case_actor_roles(actor=request.user, case=case)
    ratings = selectors.case_ratings(case=case)
    rated_steps = {r.step_id for r in ratings if r.step_id}
    editable = case.status == c.CaseStatus.DRAFT and c.APPLICANT in roles
    supplementing = case.status == c.CaseStatus.SUPPLEMENT and bool(roles & {c.APPLICANT, rules.CLERK})
    clerk_materials = rules.CLERK in roles and case.status in (
        c.CaseStatus.SUBMITTED, c.CaseStatus.PREREVIEWED, c.CaseStatus.SUPPLEMENT)
    # The clerk's checklist: only what is not already A or B (or promised) needs a look.
    to_check = [m for m in materials if m.state not in (*c.MATERIAL_FREE, c.MaterialState.COMMITTED,
                                                        c.MaterialState.PAPER)]
    return {
        "to_check": to_check, "checked_free": len(materials) - len(to_check),
        "result_inputs": _result_inputs(case) if editable else [],
        "description_limit": services.FORM_TEXT_MAX,
        "uploadable": editable or supplementing or clerk_materials,
        "case": case, "staff_view": staff_view, "materials": materials,
        "clock": selectors.case_clock(case, calendar=calendar),
        "steps": selectors.case_steps(case=case), "current": current,
        "timeline": selectors.case_timeline(case=case, public_only=not staff_view),
        "actions": actions, "licence": licence, "roles": roles,
        "is_applicant": c.APPLICANT in roles,
        "editable": editable, "supplementing": supplementing, "clerk_materials": clerk_materials,
        "assignable": selectors.staff_for_departments(department_ids=[case.department_id])
        if roles & {rules.REVIEWER, rules.LEADER} and case.status in c.OPEN_STATUSES else [],
        "special_kinds": c.SpecialKind.choices, "delivery_methods": c.DeliveryMethod.choices,
        "ratings": ratings,
        # once the applicant rated the case as a whole, the step links go too (one rating each)
        "ratable_steps": [] if any(r.step_id is None for r in ratings) else [
            s for s in selectors.case_steps(case=case)
            if s.kind in ("intake", "delivery") and s.status == "done" and s.pk not in rated_steps],
        "can_rate_case": c.APPLICANT in roles and case.status in c.FINISHED_STATUSES
        and not any(r.step_id is None for r in ratings),
        "masked_id": mask_id_number(case.applicant_person.id_number) if case.applicant_person else "",
        "result_pending": case.status == c.CaseStatus.APPROVED and case.result_issued_at is None,
    }



@login_required
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    case = selectors.case_get(actor=request.user, public_id=public_id)
    return render(request, "cases/case_detail.html", _detail_context(request, case))


@login_required
@require_POST
def draft_save(request: HttpRequest, public_id: str) -> HttpResponse:
    case = selectors.case_get(actor=request.user, public_id=public_id)
    specs = _result_input_specs(case)
    try:
        services.case_draft_update(
            actor=request.user, case=case,
            form_data={"申请说明": request.POST.get("description", ""),
                       "地址": request.POST.get("address", ""),
                       **{spec.label: request.POST.get(f"result_{i}", "") for i, spec in enumerate(specs)}},
            contact_phone=request.POST.get("contact_phone", ""),
            delivery_method=request.POST.get("delivery_method", "online"),
            delivery_address=request.POST.get("delivery_address", ""))
    except DomainError as error:
        # the page again, each problem on its field and what was typed kept (nothing saved)
        case = selectors.case_get(actor=request.user, public_id=public_id)
        context = _detail_context(request, case)
        names = {f"form_data.{spec.label}": f"result_{i}" for i, spec in enumerate(specs)}
        error.fields = {names.get(k, FORM_FIELDS.get(k, k)): v for k, v in (error.fields or {}).items()}
        context["error"] = error
        context["posted"] = request.POST
        for row in context["result_inputs"]:
            row["value"] = request.POST.get(row["name"], "")
        return render(request, "cases/case_detail.html", context, status=error.status)
    messages.success(request, "草稿已保存")
    return redirect(_detail_url(case))


@login_required
@require_POST
def material_upload(request: HttpRequest, public_id: str, material_id: str) -> HttpResponse:
    """Upload one material; htmx swaps the row in place with the result or a clear error."""
    case = selectors.case_get(actor=request.user, public_id=public_id)
    material = selectors.case_material_of(case=case, public_id=material_id)
    error = None
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed("请选择要上传的文件", code="case_file_missing",
                                   fields={"file": "请选择要上传的文件"})
        material = services.case_material_upload(actor=request.user, material=material, upload=upload)
    except DomainError as exc:
        error = exc
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "cases/_material_row.html", {
            "m": material, "case": case, "uploadable": True, "error": error,
            "clerk_materials": False})  # 200 either way: htmx swaps the row with its error
    if error is not None:
        _fail(request, error)
    return redirect(_detail_url(case))


@login_required
@require_POST
def material_paper(request: HttpRequest, public_id: str, material_id: str) -> HttpResponse:
    case = selectors.case_get(actor=request.user, public_id=public_id)
    material = selectors.case_material_of(case=case, public_id=material_id)
    try:
        services.case_material_paper(actor=request.user, material=material,
                                     valid_until=_date_or_none(request.POST.get("valid_until", ""),
                                                               field="valid_until"))
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, "已核验原件" + ("，并存入申请人材料库" if material.file else ""))
    return redirect(_detail_url(case))


def _date_or_none(text: str, *, field: str) -> date | None:
    from django.utils.dateparse import parse_date

    text = (text or "").strip()
    if not text:
        return None
    try:
        value = parse_date(text)
    except ValueError:
        value = None
    if value is None:
        msg = "日期格式应为 年-月-日"
        raise ValidationFailed(msg, code="case_date_invalid", fields={field: msg})
    return value


@login_required
@require_POST
def material_commit(request: HttpRequest, public_id: str, material_id: str) -> HttpResponse:
    """告知承诺制: the applicant (or the clerk for them) commits instead of submitting."""
    case = selectors.case_get(actor=request.user, public_id=public_id)
    material = selectors.case_material_of(case=case, public_id=material_id)
    commit = request.POST.get("commit", "1") == "1"
    try:
        services.case_material_commit(actor=request.user, material=material, commit=commit)
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, "已作出书面承诺" if commit else "已撤回承诺，请按要求提交材料")
    return redirect(_detail_url(case))


@login_required
def material_file(request: HttpRequest, public_id: str, material_id: str) -> FileResponse:
    case = selectors.case_get(actor=request.user, public_id=public_id)
    material = selectors.case_material_of(case=case, public_id=material_id)
    material = services.case_material_open(actor=request.user, material=material)
    response = FileResponse(material.file.open("rb"), content_type=material.content_type,
                            as_attachment=False, filename=material.original_name or "material")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def material_licence(request: HttpRequest, public_id: str, material_id: str) -> HttpResponse:
    """Staff open the e-licence behind a 免提交 material (a recorded, audited use)."""
    case = selectors.case_get(actor=request.user, public_id=public_id)
    material = selectors.case_material_of(case=case, public_id=material_id)
    licence = services.case_licence_open(actor=request.user, material=material)
    return render(request, "cases/licence_view.html", {"case": case, "material": material,
                                                       "licence": licence})


@login_required
def result_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    from onewindow.licences.selectors import licence_of_case_result, licence_pdf_bytes

    case = selectors.case_get(actor=request.user, public_id=public_id)
    licence = licence_of_case_result(public_id=case.result_licence_ref)
    if licence is None:
        raise NotFound("办理结果尚未出具", code="case_result_not_issued")
    response = HttpResponse(licence_pdf_bytes(licence=licence), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.pdf"'
    return response


NOTICES = {"acceptance": "受理通知书", "not_accepted": "不予受理通知书", "supplement": "补正材料告知书"}


@login_required
def notice(request: HttpRequest, public_id: str, kind: str) -> HttpResponse:
    """Printable notices: acceptance (受理), not accepted (不予受理), supplement (一次性告知)."""
    case = selectors.case_get(actor=request.user, public_id=public_id)
    if kind not in NOTICES:
        raise Http404
    if kind == "acceptance" and case.accepted_at is None:
        raise NotFound("该办件尚未受理", code="case_notice_not_ready")
    if kind == "not_accepted" and case.status != c.CaseStatus.NOT_ACCEPTED:
        raise NotFound("该办件未被不予受理", code="case_notice_not_ready")
    if kind == "supplement" and not case.supplement_items:
        raise NotFound("该办件没有待补正事项", code="case_notice_not_ready")
    return render(request, "cases/notice.html", {"case": case, "kind": kind, "title": NOTICES[kind],
                                                 "today": timezone.localdate()})


def _action_kwargs(request: HttpRequest, action: str, case: Case) -> dict[str, Any]:
    post = request.POST
    if action == c.Action.PREREVIEW:
        return {"note": post.get("note", "")}
    if action in (c.Action.NOT_ACCEPT, c.Action.WITHDRAW):
        return {"reason": post.get("reason", "")}
    if action == c.Action.REQUEST_SUPPLEMENT:
        items = []
        by_id = {str(m.public_id): m for m in case.materials.all()}
        for material_id in post.getlist("material"):
            material = by_id.get(material_id)
            if material is not None:
                items.append({"name": material.name, "material_id": material_id,
                              "reason": post.get(f"reason_{material_id}", "")})
        for line in post.get("other", "").splitlines():
            if line.strip():
                name, _, reason = line.partition("：")
                items.append({"name": name.strip(), "reason": reason.strip()})
        return {"items": items, "reason": post.get("reason", "")}
    if action == c.Action.COMPLETE_STEP:
        record = {k: post.get(f"record_{k}", "") for k in ("date", "place", "inspectors", "findings")}
        return {"opinion": post.get("opinion", ""), "record": record if any(record.values()) else None}
    if action == c.Action.START_SPECIAL:
        return {"kind": post.get("kind", ""), "reason": post.get("reason", "")}
    if action == c.Action.END_SPECIAL:
        return {"outcome": post.get("outcome", "")}
    if action == c.Action.DELIVER:
        return {"method": post.get("method", ""), "tracking_no": post.get("tracking_no", "")}
    return {}


DONE_MESSAGES = {
    c.Action.SUBMIT: "申请已提交，办件编号 {number}",
    c.Action.PREREVIEW: "预审通过，已通知申请人",
    c.Action.ACCEPT: "已受理，受理通知书可打印",
    c.Action.NOT_ACCEPT: "已作出不予受理决定",
    c.Action.REQUEST_SUPPLEMENT: "已一次性告知补正，计时暂停",
    c.Action.RESUBMIT: "补正材料已提交，恢复计时",
    c.Action.COMPLETE_STEP: "本环节已完成",
    c.Action.START_SPECIAL: "特别程序已启动，计时暂停",
    c.Action.END_SPECIAL: "特别程序已结束，恢复计时",
    c.Action.APPROVE: "已准予许可，正在出具办理结果",
    c.Action.REFUSE: "已作出不予许可决定",
    c.Action.DELIVER: "已送达",
    c.Action.CLOSE: "已办结归档",
    c.Action.WITHDRAW: "申请已撤回",
}


@login_required
@require_POST
def case_act(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """One transition from the detail page's forms."""
    case = selectors.case_get(actor=request.user, public_id=public_id)
    try:
        if action in (c.Action.APPROVE, c.Action.REFUSE):
            case = services.case_decide(actor=request.user, case=case, approve=action == c.Action.APPROVE,
                                        reason=request.POST.get("reason", ""))
        elif action == "result":
            case = services.case_result_issue(actor=request.user, case=case)
        elif action in services.TRANSITION_SERVICES:
            service = services.TRANSITION_SERVICES[action]
            case = service(actor=request.user, case=case, **_action_kwargs(request, action, case))
        else:
            raise Http404
    except DomainError as error:
        _fail(request, error)
    else:
        done = DONE_MESSAGES.get(c.Action(action), "已完成") if action in c.Action.values else "已完成"
        messages.success(request, done.format(number=case.number))
    return redirect(_detail_url(case))


@login_required
@require_POST
def case_assign_one(request: HttpRequest, public_id: str) -> HttpResponse:
    case = selectors.case_get(actor=request.user, public_id=public_id)
    try:
        services.case_assign(actor=request.user, cases=[case], assignee=_staff_choice(request.POST.get("assignee")))
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, "已分派")
    return redirect(_detail_url(case))


def _staff_choice(value: str | None) -> Staff | None:
    if not value:
        return None
    return accounts_selectors.staff_get(public_id=value)


# --- My applications, ratings -----------------------------------------------------------------
@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    if _is_staff(request):
        return redirect("cases:workbench")
    qs = selectors.case_list_for_applicant(user=request.user)
    page = max(int(request.GET.get("page", "1") or 1), 1) if request.GET.get("page", "1").isdigit() else 1
    rows, has_next = selectors.page_slice(qs, page=page, size=20)
    notes = list(selectors.notification_list(user=request.user)[:10])
    unread = [n.id for n in notes if n.read_at is None]
    response = render(request, "cases/my_cases.html", {
        "rows": rows, "page": page, "has_next": has_next, "notifications": notes,
        "unread": set(unread), "bundles": selectors.bundle_list_for_user(user=request.user)[:10]})
    if unread:
        services.notifications_mark_read(actor=request.user, ids=unread)
    return response


@login_required
def rate(request: HttpRequest, public_id: str) -> HttpResponse:
    case = selectors.case_get(actor=request.user, public_id=public_id)
    step = None
    step_id = request.GET.get("step") or request.POST.get("step") or ""
    if step_id:
        step = selectors.case_step_of(case=case, public_id=step_id)
    error = None
    if request.method == "POST":
        try:
            services.rating_create(actor=request.user, case=case, step=step,
                                   level=request.POST.get("level"), comment=request.POST.get("comment", ""))
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, "感谢您的评价")
            return redirect(_detail_url(case))
    return render(request, "cases/rate.html", {
        "case": case, "step": step, "levels": c.RatingLevel.choices, "error": error,
        "posted": request.POST}, status=error.status if error else 200)


# --- Bundles (一件事) -------------------------------------------------------------------------
@login_required
def bundle_new(request: HttpRequest) -> HttpResponse:
    theme = catalog_selectors.theme_find(code=request.GET.get("theme") or request.POST.get("theme"))
    candidates = catalog_selectors.item_list_online(theme=theme)[:60]
    enterprises = list(request.user.enterprises.all())  # type: ignore[union-attr]
    if request.method == "POST":
        chosen = request.POST.getlist("item")
        items = [i for i in candidates if str(i.public_id) in chosen]
        enterprise = next((e for e in enterprises if str(e.public_id) == request.POST.get("enterprise")), None)
        try:
            bundle = services.bundle_draft_create(actor=request.user, items=items, theme=theme,
                                                  name=request.POST.get("name", ""), enterprise=enterprise)
        except DomainError as error:
            _fail(request, error)
        else:
            return redirect("cases:bundle", public_id=bundle.public_id)
    return render(request, "cases/bundle_new.html", {"theme": theme, "candidates": candidates,
                                                     "enterprises": enterprises,
                                                     "themes": catalog_selectors.theme_list_by_order()[:30]})


@login_required
def bundle_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    bundle = selectors.bundle_get(actor=request.user, public_id=public_id)
    return render(request, "cases/bundle_detail.html", {
        "bundle": bundle, "parts": selectors.bundle_cases(bundle=bundle),
        "lines": services.bundle_checklist(bundle=bundle),
        "is_applicant": selectors.is_applicant(request.user, bundle),
        "delivery_methods": c.DeliveryMethod.choices})


@login_required
@require_POST
def bundle_upload(request: HttpRequest, public_id: str) -> HttpResponse:
    bundle = selectors.bundle_get(actor=request.user, public_id=public_id)
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed("请选择要上传的文件", code="case_file_missing")
        services.bundle_material_upload(actor=request.user, bundle=bundle, key=request.POST.get("key", ""),
                                        upload=upload)
    except DomainError as error:
        _fail(request, error)
    return redirect("cases:bundle", public_id=bundle.public_id)


@login_required
@require_POST
def bundle_submit(request: HttpRequest, public_id: str) -> HttpResponse:
    bundle = selectors.bundle_get(actor=request.user, public_id=public_id)
    try:
        bundle = services.bundle_submit(actor=request.user, bundle=bundle,
                                        delivery_method=request.POST.get("delivery_method", "online"),
                                        delivery_address=request.POST.get("delivery_address", ""))
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, f"“一件事”已提交，编号 {bundle.number}，各部门将并联办理")
    return redirect("cases:bundle", public_id=bundle.public_id)


# --- Staff: workbench -------------------------------------------------------------------------
# Marked for makemessages; the template translates them when it renders.
TAB_LABELS = [("mine", gettext_noop("My tasks")), ("department", gettext_noop("Department queue")),
              ("warned", gettext_noop("Warned")), ("overdue", gettext_noop("Overdue")),
              ("open", gettext_noop("All open")), ("all", gettext_noop("History"))]


@staff_page("cases.sub.workbench")
@require_http_methods(["GET", "HEAD", "POST"])
def workbench(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    # A window clerk's own department (the service centre) owns no items: their work is every
    # open case of their reach, so that is where their workbench opens.
    default_tab = ("open" if scope.has_role(Role.WINDOW_CLERK)
                   and not scope.has_role(Role.DEPT_REVIEWER, Role.LEADER) else "department")
    params = search_params(request)  # the search form posts: an applicant's ID number stays out of URLs
    filters = selectors.CaseFilters(
        tab=params.get("tab", default_tab), status=params.get("status", ""),
        channel=params.get("channel", ""), department_code=params.get("department", ""),
        q=params.get("q", "")[:100])
    page_text = params.get("page", "1")
    page = int(page_text) if page_text.isdigit() else 1
    qs = selectors.case_list(actor=request.user, filters=filters)
    rows, has_next = selectors.page_slice(qs, page=page)
    calendar = work_calendar()
    now = timezone.now()
    context = {
        "rows": [(case, selectors.case_clock(case, calendar=calendar, now=now)) for case in rows],
        "filters": filters, "page": page, "has_next": has_next, "tabs": TAB_LABELS,
        "statuses": [(s, label) for s, label in c.CaseStatus.choices if s != c.CaseStatus.DRAFT],
        "channels": c.Channel.choices,
        "departments": selectors.figure_departments(actor=request.user),
        "assignees": selectors.staff_for_departments(department_ids=scope.department_ids)
        if scope.has_role(Role.LEADER, Role.DEPT_REVIEWER) else [],
        "is_clerk": scope.has_role(Role.WINDOW_CLERK),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "cases/_workbench_rows.html", context)
    mine = selectors.case_list(actor=request.user, filters=selectors.CaseFilters(tab="mine"))
    warned = selectors.case_list(actor=request.user, filters=selectors.CaseFilters(tab="warned"))
    context["counts"] = {"mine": selectors.case_count_capped(mine, cap=100),
                         "warned": selectors.case_count_capped(warned, cap=100)}
    notes = list(selectors.notification_list(user=request.user, unread_only=True)[:5])
    context["notifications"] = notes
    response = render(request, "cases/workbench.html", context)
    if notes:
        services.notifications_mark_read(actor=request.user, ids=[n.id for n in notes])
    return response


@staff_required
@require_POST
def workbench_assign(request: HttpRequest) -> HttpResponse:
    ids = request.POST.getlist("case")
    try:
        cases = [selectors.case_get(actor=request.user, public_id=i) for i in ids[:200]]
        done = services.case_assign(actor=request.user, cases=cases,
                                    assignee=_staff_choice(request.POST.get("assignee")))
    except DomainError as error:
        _fail(request, error)
    else:
        messages.success(request, f"已分派 {len(done)} 件")
    return redirect(f"{reverse('cases:workbench')}?tab={request.POST.get('tab', 'department')}")


# --- Staff: window intake ---------------------------------------------------------------------
def _intake_person(request: HttpRequest, id_number: str, name: str, phone: str) -> Person:
    from onewindow.accounts.rules import id_number_parse
    from onewindow.accounts.services import person_create

    facts = id_number_parse(id_number, field="id_number")
    person = accounts_selectors.person_find_by_id_number(id_number=facts.number)
    if person is None:
        if not name.strip():
            raise ValidationFailed("该身份证号尚未登记，请填写申请人姓名以登记", code="intake_name_required",
                                   fields={"name": "该身份证号尚未登记，请填写申请人姓名"})
        person = person_create(actor=request.user, name=name, id_number=facts.number, phone=phone)
    return person


def _intake_enterprise(request: HttpRequest, credit_code: str, name: str) -> Enterprise:
    from onewindow.accounts.rules import credit_code_validate
    from onewindow.accounts.services import enterprise_create

    code = credit_code_validate(credit_code, field="id_number")
    enterprise = accounts_selectors.enterprise_find_by_credit_code(credit_code=code)
    if enterprise is None:
        if not name.strip():
            raise ValidationFailed("该统一社会信用代码尚未登记，请填写企业名称", code="intake_name_required",
                                   fields={"name": "该统一社会信用代码尚未登记，请填写企业名称"})
        enterprise = enterprise_create(actor=request.user, name=name, credit_code=code)
    return enterprise


def _intake_applicant(request: HttpRequest, id_number: str, name: str, phone: str
                      ) -> Person | Enterprise:
    """An ID number (digits, X at the end) is a person; anything else a credit code. Each
    check reports one message, on the field."""
    if not id_number:
        raise ValidationFailed("请填写申请人的身份证号码或统一社会信用代码", code="intake_id_required",
                               fields={"id_number": "请填写身份证号码或统一社会信用代码"})
    if id_number[:-1].isdigit():
        return _intake_person(request, id_number, name, phone)
    return _intake_enterprise(request, id_number, name)


def _intake_item(data: Any) -> tuple[ServiceItem | None, list[ServiceItem], dict[str, str]]:
    """The item chosen (a candidate picked, or the text resolved through the catalogue), the
    candidates to choose from, and the field error if any."""
    from onewindow.catalog.selectors import item_find

    text = data.get("item", "").strip()
    picked = data.get("item_pick", "")  # one of the candidates offered
    kept = data.get("item_id", "")  # the item of the checklist, while its name is unchanged
    for chosen in (picked, kept):
        found = item_find(text=chosen) if chosen else None
        if found is not None and found.item is not None and (
                chosen == picked or found.item.current_version.name == text):  # type: ignore[union-attr]
            return found.item, [], {}
    if not text:
        return None, [], {"item": "请填写事项名称、简称或编码"}
    found = item_find(text=text)
    if found.item is not None:
        return found.item, [], {}
    if found.candidates:
        return None, found.candidates, {"item": "有多个事项符合，请选择一个"}
    return None, [], {"item": "找不到该事项，请换个名称或从列表中选择"}


@staff_page("cases.intake")
def intake(request: HttpRequest) -> HttpResponse:
    """综合受理 at the window: item + applicant, then the checklist (paper originals checked,
    scans attached), then take in (and accept on the spot). Keyboard first: Enter moves on,
    Ctrl+Enter takes the application in. Everything is sent by POST: ID numbers, names and
    phones never go into an address."""
    from onewindow.catalog.selectors import item_pick_list

    data = request.POST
    context: dict[str, Any] = {
        "item_text": data.get("item", ""), "id_number": data.get("id_number", "").strip().upper(),
        "name": data.get("name", ""), "phone": data.get("phone", ""),
        "picks": item_pick_list()[:2000], "delivery_methods": c.DeliveryMethod.choices,
        "staff": staff_of_user(user=request.user), "description_limit": services.FORM_TEXT_MAX,
        "description": data.get("description", ""),
    }
    if request.method != "POST":
        return render(request, "cases/intake.html", context)
    item, candidates, field_errors = _intake_item(data)
    context["candidates"] = candidates
    applicant: Person | Enterprise | None = None
    try:
        applicant = _intake_applicant(request, context["id_number"], data.get("name", ""),
                                      data.get("phone", ""))
    except DomainError as error:
        field_errors.update(error.fields or {"id_number": error.message})
    if field_errors:
        context["error"] = ValidationFailed("请更正标出的内容", code="intake_invalid", fields=field_errors)
        return render(request, "cases/intake.html", context, status=400)
    assert item is not None and applicant is not None
    from onewindow.licences.selectors import licences_for_materials

    person = applicant if isinstance(applicant, Person) else None
    enterprise = applicant if isinstance(applicant, Enterprise) else None
    version = item.current_version
    assert version is not None
    from onewindow.materials.rules import material_key
    from onewindow.materials.selectors import library_for_keys

    materials = list(version.materials.order_by("order", "id"))
    found = licences_for_materials(holder=applicant,
                                   material_licence_type_codes=[m.licence_type_code for m in materials])
    keys = {m.pk: material_key(m.name, m.licence_type_code) for m in materials if "B" in m.trust_levels}
    library = library_for_keys(holder=applicant, keys=keys.values()) if keys else {}
    rows = []
    for m in materials:
        free = bool(m.licence_type_code and m.licence_type_code.upper() in found)
        rows.append({"material": m, "free": free,
                     "library": not free and keys.get(m.pk, "") in library,
                     "promise": "D" in m.trust_levels})
    context.update({
        "item": item, "version": version, "person": person, "enterprise": enterprise,
        "item_text": version.name,
        "applicant_masked": mask_id_number(person.id_number) if person else enterprise.credit_code,  # type: ignore[union-attr]
        "rows": rows})
    if data.get("step") != "take":
        return render(request, "cases/intake.html", context)
    uploads = {key.removeprefix("file_"): f for key, f in request.FILES.items() if key.startswith("file_")}
    try:
        case = services.case_window_intake(
            actor=request.user, item=item, person=person, enterprise=enterprise,
            form_data={"申请说明": data.get("description", "")},
            paper=data.getlist("paper"), uploads=uploads, commit=data.getlist("commit"),
            delivery_method=data.get("delivery_method", "pickup"),
            delivery_address=data.get("delivery_address", ""), accept=bool(data.get("accept")))
    except DomainError as error:
        context["error"] = _form_error(error)
        return render(request, "cases/intake.html", context, status=error.status)
    messages.success(request, f"已收件，办件编号 {case.number}" + ("，已当场受理" if case.accepted_at else ""))
    return redirect(_detail_url(case))


def _form_error(error: DomainError) -> DomainError:
    """The same error with the application-form keys named as the page's fields."""
    fields = {FORM_FIELDS.get(k, k): v for k, v in (error.fields or {}).items()}
    error.fields = fields
    return error


#: form_data keys of the service → the page's field names.
FORM_FIELDS = {"form_data.申请说明": "description", "form_data.地址": "address"}


# --- Staff: follow-ups, figures ---------------------------------------------------------------
@staff_page("cases.follow_ups")
def follow_ups(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("all") != "1"
    return render(request, "cases/follow_ups.html", {
        "rows": selectors.follow_up_list(actor=request.user, open_only=open_only)[:200],
        "open_only": open_only, "now": timezone.now()})


@staff_page("cases.follow_ups")
def follow_up_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    follow = selectors.follow_up_get(actor=request.user, public_id=public_id)
    if request.method == "POST":
        try:
            services.follow_up_answer(actor=request.user, follow_up=follow, answer=request.POST.get("answer", ""))
        except DomainError as error:
            _fail(request, error)
        else:
            messages.success(request, "整改回复已发送给评价人")
            return redirect("cases:follow_ups")
    return render(request, "cases/follow_up_detail.html", {"f": follow, "case": follow.rating.case})


def _parse_day(text: str, default: date) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return default


@staff_page("cases.figures")
def figures(request: HttpRequest) -> HttpResponse:
    """网办率、提前办结率、平均办理天数、超期、免提交材料、少跑次数、满意度 per department."""
    today = timezone.localdate()
    start = _parse_day(request.GET.get("start", ""), today.replace(day=1))
    end = _parse_day(request.GET.get("end", ""), today)
    if end < start:
        start, end = end, start
    if (end - start).days > 366:
        start = end - timedelta(days=366)
    departments = list(selectors.figure_departments(actor=request.user))
    chosen = request.GET.get("department", "")
    shown = [d for d in departments if d.code == chosen] if chosen else departments
    rows = [(d, selectors.case_figures(actor=request.user, start=start, end=end, department=d))
            for d in shown[:40]]
    total = selectors.case_figures(actor=request.user, start=start, end=end,
                                   department=shown[0] if chosen and shown else None)
    return render(request, "cases/figures.html", {"rows": rows, "total": total, "start": start, "end": end,
                                                  "departments": departments, "chosen": chosen})



@staff_page("cases.figures")
def material_figures(request: HttpRequest) -> HttpResponse:
    """材料分级统计: per item and department, how required materials were satisfied (A/B/D or a
    fresh check), uploads and visits saved, post-check results."""
    today = timezone.localdate()
    start = _parse_day(request.GET.get("start", ""), today.replace(day=1))
    end = _parse_day(request.GET.get("end", ""), today)
    if end < start:
        start, end = end, start
    if (end - start).days > 366:
        start = end - timedelta(days=366)
    departments = list(selectors.figure_departments(actor=request.user))
    chosen = request.GET.get("department", "")
    department = next((d for d in departments if d.code == chosen), None)
    rows, total = selectors.material_figures(actor=request.user, start=start, end=end, department=department)
    return render(request, "cases/material_figures.html", {
        "rows": rows, "total": total, "start": start, "end": end, "departments": departments,
        "chosen": chosen})
