"""Pages of home care.

- public: the care website (categories, providers near me, free beds, how to apply);
- citizens: my elders' orders, ordering a service, confirming, rating, paying, complaining;
- staff: the carer's day on a phone with check-in/out, the provider's orders to assign, community
  elders with the assessment form, the supervisor's figures, spot checks and settlement, the data page.

Views parse input, call one service or selector, and render.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError, NotFound, ValidationFailed
from onewindow.core.inputs import search_params
from onewindow.core.masking import mask_address, mask_id_number, mask_name, mask_phone
from onewindow.regions.selectors import region_list

from . import constants as c
from . import exports, rules, selectors, services
from .api import month_parse


# --- Helpers ----------------------------------------------------------------------------------
def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except ValueError:
        return None


def _photo(request: HttpRequest) -> services.PhotoIn | None:
    f = request.FILES.get("photo")
    if f is None:
        return None
    if f.size and f.size > c.MAX_PHOTO_BYTES:
        msg = f"照片超过 {c.MAX_PHOTO_BYTES // 1024 // 1024} MB"
        raise ValidationFailed(msg, code="photo_too_large", fields={"photo": msg})
    return services.PhotoIn(name=f.name or "照片", content=f.read())


def _scheduled(request: HttpRequest) -> datetime:
    day, at = request.POST.get("day", "").strip(), request.POST.get("time", "").strip()
    try:
        value = datetime.fromisoformat(f"{day}T{at}")
    except ValueError:
        msg = "请选择预约日期和时间"
        raise ValidationFailed(msg, code="scheduled_at_invalid", fields={"scheduled_at": msg}) from None
    return timezone.make_aware(value)


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _require_care_staff(request: HttpRequest) -> None:
    if not (selectors.region_scope(request.user) or selectors.provider_of(request.user)):
        raise NotFound()


def _require_bureau(request: HttpRequest) -> None:
    if not selectors.is_bureau(request.user):
        raise NotFound()


# --- Public care website ------------------------------------------------------------------------
def public(request: HttpRequest) -> HttpResponse:
    """养老服务网站: categories and services, providers near me, free beds, how to apply."""
    category = request.GET.get("category", "")
    if category and category not in c.Category.values:
        category = ""
    lng, lat = _float(request.GET.get("lng")), _float(request.GET.get("lat"))
    return render(request, "homecare/public.html", {
        "categories": selectors.category_counts(), "category": category,
        "services": selectors.service_list(category=category) if category else [],
        "providers": selectors.providers_near(lng=lng, lat=lat, category=category)[:20], "located": lng is not None,
        "institutions": selectors.institutions_with_beds(),
        "rules": selectors.allowance_rules(), "levels": c.CareLevel.choices})


# --- Citizens ---------------------------------------------------------------------------------
@login_required
def my(request: HttpRequest) -> HttpResponse:
    elders = selectors.elders_of_user(user=request.user)
    month = rules.month_start(timezone.localdate())
    rows = [(e, selectors.allowance_left(elder=e, month=month)) for e in elders]
    orders = selectors.order_list(actor=request.user).prefetch_related("payments")[:30]
    return render(request, "homecare/my.html", {"elders": rows, "orders": orders})


@login_required
def my_order_new(request: HttpRequest) -> HttpResponse:
    elders = selectors.elders_of_user(user=request.user)
    if not elders:
        raise NotFound("您还没有可代为下单的老人，请联系社区登记家属联系人", code="no_elders")
    services_list = list(selectors.service_list())
    providers = list(selectors.provider_list())
    values: dict[str, Any] = {"service": request.GET.get("service", ""), "elder": str(elders[0].public_id),
                              "day": (timezone.localdate()).isoformat(), "time": "11:00"}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            elder = next((e for e in elders if str(e.public_id) == values.get("elder")), None)
            if elder is None:
                raise ValidationFailed("请选择老人", code="elder_required", fields={"elder": "请选择老人"})
            service = next((s for s in services_list if str(s.public_id) == values.get("service")), None)
            if service is None:
                raise ValidationFailed("请选择服务项目", code="service_required", fields={"service": "请选择服务项目"})
            provider = next((p for p in providers if str(p.public_id) == values.get("provider")), None)
            order = services.order_place(actor=request.user, elder=elder, service=service,
                                         scheduled_at=_scheduled(request), provider=provider,
                                         note=values.get("note", ""), channel=c.OrderChannel.MOBILE)
        except DomainError as error:
            return render(request, "homecare/my_order_new.html", {
                "elders": elders, "services": services_list, "providers": providers, "values": values,
                "error": error}, status=error.status)
        messages.success(request, f"已下单：{order.service.name}（{order.number}）")
        return redirect("homecare:my_order", public_id=order.public_id)
    return render(request, "homecare/my_order_new.html", {
        "elders": elders, "services": services_list, "providers": providers, "values": values})


@login_required
def my_order(request: HttpRequest, public_id: str) -> HttpResponse:
    order = selectors.order_get(actor=request.user, public_id=public_id)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                services.order_confirm(actor=request.user, order=order, rating=request.POST.get("rating", ""),
                                       comment=request.POST.get("comment", ""))
                messages.success(request, "感谢您的评价")
            elif action == "pay":
                payment = services.order_pay(actor=request.user, order=order)
                messages.success(request, f"支付成功，收据号 {payment.receipt_no}")
            elif action == "cancel":
                services.order_cancel(actor=request.user, order=order, reason=request.POST.get("reason", ""))
                messages.success(request, "订单已取消")
            elif action == "complain":
                number = services.order_complain(actor=request.user, order=order, text=request.POST.get("text", ""))
                messages.success(request, f"投诉已转12345热线办理，工单号 {number}")
            else:
                raise ValidationFailed("未知操作", code="action_invalid")
        except DomainError as err:
            error = err
        else:
            return redirect("homecare:my_order", public_id=order.public_id)
    order = selectors.order_get(actor=request.user, public_id=public_id)
    return render(request, "homecare/my_order.html", {
        "order": order, "payments": selectors.order_payments(order=order), "error": error,
        "values": request.POST.dict() if error else {}, "stars": range(5, 0, -1)},
        status=error.status if error else 200)


@login_required
def receipt(request: HttpRequest, public_id: str) -> HttpResponse:
    order = selectors.order_get(actor=request.user, public_id=public_id)
    paid = [p for p in selectors.order_payments(order=order) if p.status == c.PaymentStatus.PAID]
    if not paid:
        raise NotFound("该订单尚无收据", code="receipt_not_found")
    return render(request, "homecare/receipt.html", {"order": order, "payments": paid,
                                                     "elder_name": mask_name(order.elder.name)})


# --- Staff: home, carer, orders -------------------------------------------------------------------
@staff_required
def home(request: HttpRequest) -> HttpResponse:
    _require_care_staff(request)
    carer = selectors.carer_of(request.user)
    provider = selectors.provider_of(request.user)
    if carer is not None and not selectors.is_provider_manager(request.user, carer.provider):
        return redirect("homecare:carer_day")
    status = request.GET.get("status", "")
    orders = selectors.order_list(actor=request.user, filters=selectors.OrderFilters(
        status=status if status in c.OrderStatus.values else ""))[:100]
    return render(request, "homecare/home.html", {
        "provider": provider, "is_manager": bool(provider and selectors.is_provider_manager(request.user, provider)),
        "orders": orders, "alerts": selectors.alert_list(actor=request.user)[:30], "status": status,
        "statuses": c.OrderStatus.choices, "is_bureau": selectors.is_bureau(request.user),
        "has_region": selectors.region_scope(request.user) is not None, "carer": carer})


@staff_required
def carer_day(request: HttpRequest) -> HttpResponse:
    carer = selectors.carer_of(request.user)
    if carer is None:
        raise NotFound("您不是护理员", code="not_carer")
    day = timezone.localdate()
    return render(request, "homecare/carer_day.html", {"carer": carer, "day": day,
                                                       "orders": selectors.carer_day(carer=carer, day=day)})


@staff_required
def order(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_care_staff(request)
    obj = selectors.order_get(actor=request.user, public_id=public_id)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "assign":
                carer_id = request.POST.get("carer", "")
                carer = selectors.carer_of_provider(provider=obj.provider, public_id=carer_id)
                if carer is None:
                    raise ValidationFailed("请选择护理员", code="carer_required", fields={"carer": "请选择护理员"})
                services.order_assign(actor=request.user, order=obj, carer=carer)
                messages.success(request, f"已指派 {carer.name}")
            elif action == "checkin":
                services.order_checkin(actor=request.user, order=obj, lng=request.POST.get("lng"),
                                       lat=request.POST.get("lat"), location_note=request.POST.get("location_note", ""),
                                       photo=_photo(request))
                messages.success(request, "已签到，开始服务")
            elif action == "checkout":
                services.order_checkout(actor=request.user, order=obj, lng=request.POST.get("lng"),
                                        lat=request.POST.get("lat"), work_notes=request.POST.get("work_notes", ""),
                                        photo=_photo(request))
                messages.success(request, "已签退，等待老人或家属确认")
                return redirect("homecare:carer_day")
            elif action == "spot_check":
                services.spot_check_record(actor=request.user, order=obj, result=request.POST.get("result", ""),
                                           note=request.POST.get("note", ""))
                messages.success(request, "已记录抽查回访")
            else:
                raise ValidationFailed("未知操作", code="action_invalid")
        except DomainError as err:
            error = err
        else:
            return redirect("homecare:order", public_id=obj.public_id)
    obj = selectors.order_get(actor=request.user, public_id=public_id)
    carer = selectors.carer_of(request.user)
    is_manager = bool(obj.provider and selectors.is_provider_manager(request.user, obj.provider))
    return render(request, "homecare/order.html", {
        "order": obj, "error": error, "values": request.POST.dict() if error else {},
        "is_carer": carer is not None and carer.pk == obj.carer_id, "is_manager": is_manager,
        "carers": selectors.carers_of(provider=obj.provider) if is_manager and obj.provider else [],
        "is_bureau": selectors.is_bureau(request.user), "results": c.SpotCheckResult.choices,
        "payments": selectors.order_payments(order=obj), "elder_name": mask_name(obj.elder.name),
        "address": obj.elder.address if carer is not None and carer.pk == obj.carer_id
        else mask_address(obj.elder.address),
        "spot_checks": obj.spot_checks.all()}, status=error.status if error else 200)


# --- Staff: elders and assessments ------------------------------------------------------------------
@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def elders(request: HttpRequest) -> HttpResponse:
    _require_care_staff(request)
    q = search_params(request).get("q", "").strip()[:30]  # posted: an ID or phone stays out of URLs
    qs = selectors.elder_list(actor=request.user, filters=selectors.ElderFilters(q=q))[:200]
    rows = [(e, mask_name(e.name), rules.age_on(e.birth_date, timezone.localdate())) for e in qs]
    return render(request, "homecare/elders.html", {"rows": rows, "q": q,
                                                    "can_register": selectors.region_scope(request.user) is not None})


@staff_required
def elder_new(request: HttpRequest) -> HttpResponse:
    scope = selectors.region_scope(request.user)
    if scope is None:
        raise NotFound()
    communities = region_list(level="community", under_path=scope.region_path or "")
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            community = next((r for r in communities if r.code == values.get("community")), None)
            elder = services.elder_register(
                actor=request.user, name=values.get("name", ""), id_number=values.get("id_number", ""),
                community=community, address=values.get("address", ""), phone=values.get("phone", ""),
                lng=values.get("lng") or None, lat=values.get("lat") or None,
                care_mode=values.get("care_mode", c.CareMode.HOME), living=values.get("living", c.Living.WITH_FAMILY),
                low_income=values.get("low_income") == "1", health_notes=values.get("health_notes", ""))
        except DomainError as error:
            values.pop("id_number", None)  # never echo an ID number back into the page
            return render(request, "homecare/elder_new.html", {
                "communities": communities, "values": values, "error": error, "modes": c.CareMode.choices,
                "livings": c.Living.choices}, status=error.status)
        messages.success(request, "已登记老人信息")
        return redirect("homecare:elder", public_id=elder.public_id)
    return render(request, "homecare/elder_new.html", {"communities": communities, "values": values,
                                                       "modes": c.CareMode.choices, "livings": c.Living.choices})


@staff_required
def elder(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_care_staff(request)
    obj = selectors.elder_get(actor=request.user, public_id=public_id)
    error = None
    revealed = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "contact":
                services.family_add(actor=request.user, elder=obj, name=request.POST.get("contact_name", ""),
                                    relation=request.POST.get("relation", ""), phone=request.POST.get("phone", ""),
                                    may_order=request.POST.get("may_order") == "1")
                messages.success(request, "已添加家属联系人")
                return redirect("homecare:elder", public_id=obj.public_id)
            if action == "reveal":
                revealed = services.elder_reveal(actor=request.user, elder=obj, reason=request.POST.get("reason", ""))
            else:
                raise ValidationFailed("未知操作", code="action_invalid")
        except DomainError as err:
            error = err
    month = rules.month_start(timezone.localdate())
    return render(request, "homecare/elder.html", {
        "elder": obj, "name": mask_name(obj.name), "id_number": mask_id_number(obj.person.id_number),
        "phone": mask_phone(obj.person.phone), "address": mask_address(obj.address), "revealed": revealed,
        "age": rules.age_on(obj.birth_date, timezone.localdate()), "contacts": [
            (x, mask_name(x.name), mask_phone(x.phone)) for x in selectors.elder_contacts(elder=obj)],
        "assessments": selectors.elder_assessments(elder=obj)[:5],
        "allowance_left": selectors.allowance_left(elder=obj, month=month),
        "orders": selectors.order_list(actor=request.user,
                                       filters=selectors.OrderFilters(elder=str(obj.public_id)))[:20],
        "error": error, "can_edit": selectors.region_scope(request.user) is not None},
        status=error.status if error else 200)


@staff_required
def assess(request: HttpRequest, public_id: str) -> HttpResponse:
    if selectors.region_scope(request.user) is None:
        raise NotFound()
    obj = selectors.elder_get(actor=request.user, public_id=public_id)
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            scores = {code: values.get(code, "") for code in c.ASSESSMENT_ITEMS}
            try:
                risk = int(values.get("risk_events") or 0)
            except ValueError:
                risk = -1
            a = services.assessment_record(actor=request.user, elder=obj, scores=scores,
                                           coma=values.get("coma") == "1", risk_events=risk,
                                           notes=values.get("notes", ""))
        except DomainError as error:
            return render(request, "homecare/assess.html", {
                "elder": obj, "name": mask_name(obj.name), "sections": c.ASSESSMENT_SECTIONS, "values": values,
                "error": error}, status=error.status)
        messages.success(request, f"评估完成：总分 {a.total}，{a.get_level_display()}，"
                                  f"每月额度 {a.monthly_allowance} 元")
        return redirect("homecare:elder", public_id=obj.public_id)
    return render(request, "homecare/assess.html", {"elder": obj, "name": mask_name(obj.name),
                                                    "sections": c.ASSESSMENT_SECTIONS, "values": values})


# --- Supervision, settlement, data ------------------------------------------------------------------
@staff_required
def figures(request: HttpRequest) -> HttpResponse:
    _require_bureau(request)
    month = month_parse(request.GET.get("month"))
    error = None
    if request.method == "POST":
        try:
            month = month_parse(request.POST.get("month"), default_today=False)
            done = services.settlement_run(actor=request.user, month=month)
            messages.success(request, f"已生成/更新 {len(done)} 份结算单")
            return redirect(f"{request.path}?month={month:%Y-%m}")
        except DomainError as err:
            error = err
    return render(request, "homecare/figures.html", {
        "month": month, "figures": selectors.provider_figures(actor=request.user, month=month),
        "candidates": selectors.spot_check_candidates(actor=request.user, month=month, limit=10),
        "settlements": selectors.settlement_list(actor=request.user, month=month),
        "alerts": selectors.alert_list(actor=request.user)[:20], "error": error},
        status=error.status if error else 200)


@staff_required
def settlements(request: HttpRequest) -> HttpResponse:
    qs = selectors.settlement_list(actor=request.user)
    if not (selectors.is_bureau(request.user) or selectors.provider_of(request.user)):
        raise NotFound()
    return render(request, "homecare/settlements.html", {"settlements": qs[:100]})


@staff_required
def settlement(request: HttpRequest, public_id: str) -> HttpResponse:
    obj = selectors.settlement_get(actor=request.user, public_id=public_id)
    error = None
    if request.method == "POST":
        try:
            services.settlement_confirm(actor=request.user, settlement=obj, agree=request.POST.get("agree") == "1",
                                        note=request.POST.get("note", ""))
            messages.success(request, "已提交结算确认")
            return redirect("homecare:settlement", public_id=obj.public_id)
        except DomainError as err:
            error = err
    fmt = request.GET.get("format", "")
    if fmt == "xlsx":
        return _download(exports.settlement_xlsx(obj).getvalue(), f"{obj.number}.xlsx",
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if fmt == "pdf":
        return _download(exports.settlement_pdf(obj).getvalue(), f"{obj.number}.pdf", "application/pdf")
    lines = [(ln, mask_name(ln.elder.name)) for ln in selectors.settlement_lines(settlement=obj)[:1000]]
    by_elder = [{**r, "name": mask_name(r["elder__name"])} for r in selectors.settlement_by_elder(settlement=obj)]
    return render(request, "homecare/settlement.html", {
        "settlement": obj, "lines": lines, "by_elder": by_elder, "error": error,
        "can_confirm": obj.status == c.SettlementStatus.ISSUED
        and selectors.is_provider_manager(request.user, obj.provider)}, status=error.status if error else 200)


@staff_required
def data(request: HttpRequest) -> HttpResponse:
    _require_bureau(request)
    month = month_parse(request.GET.get("month"))
    figures_ = selectors.data_figures(actor=request.user, month=month)
    return render(request, "homecare/data.html", {"month": month, "f": figures_, "chart": {
        "by_level": figures_["by_level"], "by_mode": figures_["by_mode"], "by_street": figures_["by_street"],
        "by_category": figures_["by_category"], "trend": figures_["trend"]}})



@staff_required
def policy(request: HttpRequest) -> HttpResponse:
    """The district's allowance rules (bureau): add a line or switch one off; every elder's monthly
    allowance is recomputed at once."""
    _require_bureau(request)
    error = None
    values: dict[str, Any] = {}
    if request.method == "POST":
        values = request.POST.dict()
        try:
            rule = None
            if values.get("rule"):
                rule = selectors.allowance_rules(active_only=False).filter(public_id=values["rule"]).first() \
                    if _is_uuid(values["rule"]) else None
                if rule is None:
                    raise NotFound("找不到该规则", code="rule_not_found")
                services.allowance_rule_save(
                    actor=request.user, rule=rule, name=rule.name, kind=rule.kind, monthly_amount=rule.monthly_amount,
                    min_age=rule.min_age, min_level=rule.min_level, low_income_only=rule.low_income_only,
                    alone_only=rule.alone_only, is_active=values.get("is_active") == "1")
            else:
                services.allowance_rule_save(
                    actor=request.user, name=values.get("name", ""), kind=values.get("kind", ""),
                    monthly_amount=values.get("monthly_amount", ""), min_age=_int(values.get("min_age"), 60),
                    min_level=_int(values.get("min_level"), 0), low_income_only=values.get("low_income_only") == "1",
                    alone_only=values.get("alone_only") == "1")
        except DomainError as err:
            error = err
        else:
            messages.success(request, "已保存，所有老人的每月额度已按新政策重新计算")
            return redirect("homecare:policy")
    return render(request, "homecare/policy.html", {
        "rules": selectors.allowance_rules(active_only=False), "kinds": c.RuleKind.choices,
        "levels": c.CareLevel.choices, "values": values, "error": error}, status=error.status if error else 200)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default  # type: ignore[arg-type]
    except ValueError:
        return -1


@staff_required
def providers(request: HttpRequest) -> HttpResponse:
    """Providers: the bureau approves, suspends or reinstates them; a provider's manager sees its
    own with its carers and registers new carers with their qualifications."""
    is_bureau = selectors.is_bureau(request.user)
    own = selectors.provider_of(request.user)
    if not is_bureau and own is None:
        raise NotFound()
    error = None
    if request.method == "POST":
        try:
            target = selectors.provider_for_actor(actor=request.user, public_id=request.POST.get("provider", "")) \
                if _is_uuid(request.POST.get("provider", "")) else None
            if target is None:
                raise NotFound("找不到该服务机构", code="provider_not_found")
            if request.POST.get("action") == "carer":
                services.carer_add(actor=request.user, provider=target, name=request.POST.get("name", ""),
                                   phone=request.POST.get("phone", ""),
                                   qualifications=request.POST.getlist("qualifications"))
                messages.success(request, "已登记护理员")
            else:
                services.provider_set_status(actor=request.user, provider=target,
                                             status=request.POST.get("status", ""),
                                             reason=request.POST.get("reason", ""))
                messages.success(request, f"已更新：{target.name}")
        except DomainError as err:
            error = err
        else:
            return redirect("homecare:providers")
    rows = list(selectors.provider_list(approved_only=False)) if is_bureau else [own]
    return render(request, "homecare/providers.html", {
        "rows": [(p, list(selectors.carers_of(provider=p)) if (is_bureau or p == own) else []) for p in rows if p],
        "is_bureau": is_bureau, "own": own, "statuses": c.ProviderStatus.choices,
        "qualifications": c.Qualification.choices, "qual_labels": dict(c.Qualification.choices), "error": error,
        "can_add_carer": own is not None and selectors.is_provider_manager(request.user, own)},
        status=error.status if error else 200)
