"""Pages: 我的材料 (a person's or enterprise's A and B materials, every use, consent, watermarked
copies, commitments and credit records) and the staff's post-check list (事后核查)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError, NotFound
from onewindow.licences.selectors import licence_list_for_user, licence_pdf_bytes, licence_uses_for_holder

from . import selectors, services
from .constants import LEVEL_MEANING, CheckStatus


def _holder(request: HttpRequest) -> selectors.Holder:
    enterprise = request.GET.get("enterprise") or request.POST.get("enterprise") or None
    return selectors.holder_of_user(user=request.user, enterprise_id=enterprise)


def _back(holder: selectors.Holder) -> str:
    url = reverse("materials:mine")
    return f"{url}?enterprise={holder.enterprise.public_id}" if holder.enterprise else url


def copy_response(copy: services.WatermarkedCopy) -> HttpResponse:
    response = HttpResponse(copy.data, content_type=copy.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(copy.filename)}"
    response["Cache-Control"] = "no-store"
    response["X-Watermark"] = quote(copy.watermark)
    return response


def _licences_of(request: HttpRequest, holder: selectors.Holder) -> list[Any]:
    licences = list(licence_list_for_user(user=request.user))
    if holder.enterprise is not None:
        return [lic for lic in licences if lic.holder_kind == "enterprise"
                and lic.holder_credit_code == holder.enterprise.credit_code]
    return [lic for lic in licences if lic.holder_kind == "person"]


@login_required
def my_materials(request: HttpRequest) -> HttpResponse:
    holder = _holder(request)
    library = list(selectors.library_of_holder(holder=holder))
    uses = selectors.uses_of_holder(holder=holder)
    by_material: dict[int, list[Any]] = {}
    for use in uses:
        if use.library_material_id:
            by_material.setdefault(use.library_material_id, []).append(use)
    return render(request, "materials/mine.html", {
        "holder": holder, "enterprises": list(request.user.enterprises.all()),  # type: ignore[union-attr]
        "library": [(m, by_material.get(m.pk, []), selectors.library_usable(m)) for m in library],
        "licences": [(lic, list(licence_uses_for_holder(licence=lic)[:20]))
                     for lic in _licences_of(request, holder)[:30]],
        "uses": uses,
        "credit_records": selectors.credit_records_of_holder(holder=holder),
        "levels": sorted(LEVEL_MEANING.items()),
    })


@login_required
@require_POST
def my_material_consent(request: HttpRequest, public_id: str) -> HttpResponse:
    holder = _holder(request)
    material = selectors.library_material_get(holder=holder, public_id=public_id)
    allowed = request.POST.get("allowed") == "1"
    services.library_consent_set(actor=request.user, holder=holder, material=material, allowed=allowed)
    messages.success(request, "已恢复复用授权" if allowed else "已撤回复用授权，今后办事将不再自动调用该材料")
    return redirect(_back(holder))


@login_required
@require_POST
def my_material_copy(request: HttpRequest, public_id: str) -> HttpResponse:
    holder = _holder(request)
    material = selectors.library_material_get(holder=holder, public_id=public_id)
    try:
        copy = services.library_download(actor=request.user, holder=holder, material=material,
                                         purpose=request.POST.get("purpose", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_back(holder))
    return copy_response(copy)


@login_required
@require_POST
def my_licence_copy(request: HttpRequest, public_id: str) -> HttpResponse:
    holder = _holder(request)
    licence = next((lic for lic in _licences_of(request, holder) if str(lic.public_id) == str(public_id)), None)
    if licence is None:
        raise NotFound("找不到该证照", code="licence_not_found")
    try:
        copy = services.licence_copy_record(actor=request.user, holder=holder, licence=licence,
                                            purpose=request.POST.get("purpose", ""),
                                            data=licence_pdf_bytes(licence=licence))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_back(holder))
    return copy_response(copy)


# --- Staff: post-checks ---------------------------------------------------------------------------
@staff_required
def postchecks(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CheckStatus.SCHEDULED)
    if status not in CheckStatus.values:
        status = CheckStatus.SCHEDULED
    rows = list(selectors.commitments_for_staff(actor=request.user, status=status)[:200])
    return render(request, "materials/postchecks.html", {
        "rows": rows, "status": status, "statuses": [(v, lbl) for v, lbl in CheckStatus.choices
                                                     if v != CheckStatus.PENDING],
    })


@staff_required
@require_POST
def postcheck_result(request: HttpRequest, public_id: str) -> HttpResponse:
    commitment = selectors.commitment_get(actor=request.user, public_id=public_id)
    try:
        services.postcheck_record(actor=request.user, commitment=commitment,
                                  passed=request.POST.get("result") == "passed",
                                  note=request.POST.get("note", ""))
    except DomainError as error:
        if error.status >= 500:
            raise
        messages.error(request, error.message)
    else:
        messages.success(request, "核查结果已登记")
    return redirect(f"{reverse('materials:postchecks')}?status={CheckStatus.SCHEDULED}")
