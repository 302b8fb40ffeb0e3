"""Pages: public verification, 我的证照 for holders, and the issuing department's staff pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError
from onewindow.core.inputs import search_params

from . import selectors, services
from .constants import LicenceStatus
from .models import Licence
from .rules import verification_code_normalise
from .transfer import COLUMNS, LABELS, template_csv


def _pdf_response(licence: Licence) -> HttpResponse:
    response = HttpResponse(selectors.licence_pdf_bytes(licence=licence), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="licence-{licence.public_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


def verify_form(request: HttpRequest) -> HttpResponse:
    """/verify/?code=…: normalise the typed code and show its result page."""
    typed = request.GET.get("code", "").strip()
    if typed:
        code = verification_code_normalise(typed)
        if code:
            return redirect("licences:verify", code=code)
        return render(request, "licences/verify.html", {"typed": typed, "bad_code": True}, status=200)
    return render(request, "licences/verify.html", {})


def verify(request: HttpRequest, code: str) -> HttpResponse:
    result = selectors.licence_verify(code=code)
    response = render(request, "licences/verify.html", {"result": result, "typed": code})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def verify_keys(request: HttpRequest) -> JsonResponse:
    """The public keys that check the documents' Ed25519 signatures (offline verification)."""
    return JsonResponse({"algorithm": "Ed25519", "keys": selectors.signing_public_keys()},
                        json_dumps_params={"ensure_ascii": False})


@login_required
def my_licences(request: HttpRequest) -> HttpResponse:
    licences = list(selectors.licence_list_for_user(user=request.user))
    return render(request, "licences/my_licences.html", {
        "licences": [(lic, selectors.holder_masked(lic)) for lic in licences],
    })


@login_required
def my_licence(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.licence_get_for_user(user=request.user, public_id=public_id)
    return render(request, "licences/my_licence.html", {
        "licence": licence, "masked": selectors.holder_masked(licence),
        "uses": selectors.licence_uses_for_holder(licence=licence)[:100],
    })


@login_required
def my_licence_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    return _pdf_response(selectors.licence_get_for_user(user=request.user, public_id=public_id))


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_licences(request: HttpRequest) -> HttpResponse:
    params = search_params(request)  # the search form posts: a holder's ID number stays out of URLs
    filters = selectors.LicenceFilters(q=params.get("q", "")[:100], type_code=params.get("type", ""),
                                       status=params.get("status", ""))
    page = Paginator(selectors.licence_list(actor=request.user, filters=filters), 50).get_page(
        params.get("page"))
    rows = [(lic, selectors.holder_masked(lic)) for lic in page.object_list]
    return render(request, "licences/staff_list.html", {
        "page": page, "rows": rows, "filters": filters, "statuses": LicenceStatus.choices,
        "types": selectors.licence_type_list(),
    })


@staff_required
def staff_licence(request: HttpRequest, public_id: str, error: DomainError | None = None) -> HttpResponse:
    licence = selectors.licence_get(actor=request.user, public_id=public_id)
    return render(request, "licences/staff_detail.html", {
        "licence": licence, "masked": selectors.holder_masked(licence),
        "uses": selectors.licence_uses(actor=request.user, licence=licence)[:200], "error": error,
    }, status=error.status if error else 200)


@staff_required
def staff_licence_pdf(request: HttpRequest, public_id: str) -> HttpResponse:
    return _pdf_response(selectors.licence_get(actor=request.user, public_id=public_id))


@staff_required
@require_POST
def staff_licence_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    licence = selectors.licence_get(actor=request.user, public_id=public_id)
    try:
        services.licence_revoke(actor=request.user, licence=licence, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return staff_licence(request, public_id, error=error)
    return redirect(reverse("licences:staff_detail", args=[licence.public_id]))


@staff_required
def staff_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, object] = {"columns": [LABELS[k] for k in COLUMNS]}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                from onewindow.core.errors import ValidationFailed

                raise ValidationFailed("请选择要导入的文件", code="licence_import_file",
                                       fields={"file": "请选择文件"})
            context["result"] = services.licence_import_file(
                actor=request.user, filename=upload.name or "upload", content=upload.read())
        except DomainError as error:
            context["error"] = error
            context["row_errors"] = error.detail if isinstance(error.detail, list) else []
            status = error.status
    return render(request, "licences/staff_import.html", context, status=status)


@staff_required
def staff_import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="licence-import-template.csv"'
    return response
