"""Open-data pages: the public catalogue, a dataset's page with its application form, streamed
CSV/JSON downloads, the DCAT catalogue (JSON-LD), and the staff review of applications."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError, NotAuthenticated, NotFound

from . import selectors
from .constants import ApplicationStatus, Tier
from .services import opendata


def catalogue(request: HttpRequest) -> HttpResponse:
    return render(request, "supervision/opendata_catalogue.html", {"datasets": selectors.dataset_list()})


def dataset_page(request: HttpRequest, slug: str) -> HttpResponse:
    d = selectors.dataset_get(slug=slug)
    error = None
    if request.method == "POST":
        try:
            if not request.user.is_authenticated:
                raise NotAuthenticated("请先登录再申请")
            opendata.application_file(actor=request.user, dataset=d, organisation=request.POST.get("organisation", ""),
                                      purpose=request.POST.get("purpose", ""),
                                      contact_phone=request.POST.get("contact_phone", ""))
            return redirect(f"{request.path}?applied=1")
        except DomainError as exc:
            error = exc
    mine = selectors.data_application_list(actor=request.user).filter(dataset=d).first()
    preview: list[dict[str, Any]] = []
    allowed = True
    try:
        opendata.dataset_access(dataset=d, actor=request.user)
        preview = list(opendata.dataset_rows(dataset=d, limit=10))
    except DomainError:
        allowed = False
    return render(request, "supervision/opendata_dataset.html", {
        "d": d, "error": error, "mine": mine, "preview": preview, "allowed": allowed,
        "columns": [f["name"] for f in d.fields]}, status=error.status if error else 200)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(d: Any, columns: list[str], titles: list[str]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"  # Excel reads UTF-8 with the BOM
    yield writer.writerow(titles)
    for row in opendata.dataset_rows(dataset=d):
        yield writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


def _json_stream(d: Any) -> Iterator[str]:
    yield json.dumps({"identifier": d.slug, "title": d.title, "modified": d.refreshed_at.isoformat()
                      if d.refreshed_at else None, "fields": d.fields}, ensure_ascii=False)[:-1] + ', "rows": ['
    first = True
    for row in opendata.dataset_rows(dataset=d):
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "]}\n"


def download(request: HttpRequest, slug: str, fmt: str) -> StreamingHttpResponse:
    """The whole dataset, streamed row by row (memory stays flat whatever its size)."""
    d = selectors.dataset_get(slug=slug)
    opendata.dataset_access(dataset=d, actor=request.user, key=request.headers.get("X-Api-Key", ""))
    columns = [f["name"] for f in d.fields]
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(d, columns, [f["title"] for f in d.fields]),
                                         content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        response = StreamingHttpResponse(_json_stream(d), content_type="application/json; charset=utf-8")
    else:
        raise NotFound()
    response["Content-Disposition"] = f'attachment; filename="{d.slug}.{fmt}"'
    return response


def catalogue_jsonld(request: HttpRequest) -> JsonResponse:
    """The catalogue as DCAT (JSON-LD), for harvesters of open-data portals."""
    base = request.build_absolute_uri("/")[:-1]
    datasets = []
    for d in selectors.dataset_list():
        item: dict[str, Any] = {
            "@type": "dcat:Dataset", "dct:identifier": d.slug, "dct:title": d.title, "dct:description": d.description,
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": d.publisher}, "dcat:theme": d.theme,
            "dcat:keyword": d.keywords.split(), "dct:accrualPeriodicity": d.frequency, "dct:license": d.licence,
            "dct:accessRights": d.get_tier_display(), "dct:spatial": d.spatial,
            "dct:issued": d.issued_at.isoformat() if d.issued_at else None,
            "dct:modified": d.refreshed_at.isoformat() if d.refreshed_at else None,
            "dcat:landingPage": base + reverse("opendata:dataset", args=[d.slug])}
        if d.tier != Tier.CLOSED:
            item["dcat:distribution"] = [
                {"@type": "dcat:Distribution", "dcat:mediaType": media,
                 "dcat:downloadURL": base + reverse("opendata:download", args=[d.slug, fmt])}
                for fmt, media in (("csv", "text/csv"), ("json", "application/json"))]
        datasets.append(item)
    return JsonResponse({"@context": {"dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/",
                                      "foaf": "http://xmlns.com/foaf/0.1/"},
                         "@type": "dcat:Catalog", "dct:title": "政府数据开放目录", "dcat:dataset": datasets},
                        json_dumps_params={"ensure_ascii": False})


@staff_required
def applications_page(request: HttpRequest) -> HttpResponse:
    if not selectors._is_assessor(request.user):
        raise NotFound()
    return render(request, "supervision/opendata_applications.html", {
        "pending": selectors.data_application_list(actor=request.user, status=ApplicationStatus.PENDING),
        "decided": selectors.data_application_list(actor=request.user).exclude(
            status=ApplicationStatus.PENDING)[:50],
        "key": request.session.pop("opendata_key", ""), "error": None})


@staff_required
@require_POST
def application_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    app = selectors.data_application_get(actor=request.user, public_id=public_id)
    try:
        _, key = opendata.application_decide(actor=request.user, application=app,
                                             approve=request.POST.get("outcome") == "approve",
                                             note=request.POST.get("note", ""))
    except DomainError as exc:
        return render(request, "supervision/opendata_applications.html", {
            "pending": selectors.data_application_list(actor=request.user, status=ApplicationStatus.PENDING),
            "decided": [], "key": "", "error": exc}, status=exc.status)
    if key:
        # Shown once on the next page (the session, never the URL); the applicant receives it from the office.
        request.session["opendata_key"] = key
    return redirect("opendata:applications")
