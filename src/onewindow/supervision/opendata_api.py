"""/api/v1/opendata: the open-data catalogue (DCAT fields), paged rows, applications and keys.

Downloads (CSV and JSON, streamed) are at /data/<slug>.csv and /data/<slug>.json. Conditionally
open datasets need the header ``X-Api-Key`` of an approved application (never in the URL).
"""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status

from onewindow.accounts.auth import API_AUTH
from onewindow.core.api import ErrorOut
from onewindow.core.masking import mask_phone

from . import selectors
from .models import DataApplication, Dataset
from .services import opendata

router = Router(tags=["数据开放 opendata"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class SupDatasetFieldOut(Schema):
    name: str
    title: str
    type: str


class SupDatasetOut(Schema):
    identifier: str
    title: str
    description: str
    publisher: str
    theme: str
    keywords: list[str]
    accrual_periodicity: str = Field(..., description="更新频率：daily/weekly/monthly")
    license: str
    access_level: str = Field(..., description="open 无条件开放 / conditional 有条件开放 / closed 不予开放")
    access_level_label: str
    closed_reason: str
    spatial: str
    issued: datetime | None
    modified: datetime | None
    rows: int
    suppressed: int
    anonymisation: str
    fields: list[SupDatasetFieldOut]
    download_csv: str | None
    download_json: str | None


class SupRowsOut(Schema):
    identifier: str
    count: int
    page: int
    page_size: int
    modified: datetime | None
    items: list[dict[str, Any]]


class SupDataApplicationIn(Schema):
    organisation: str = Field(..., max_length=100)
    purpose: str = Field(..., max_length=2000)
    contact_phone: str = Field(..., max_length=30)


class SupDataApplicationOut(Schema):
    id: UUID
    dataset: str
    organisation: str
    purpose: str
    contact_phone: str = Field(..., description="已脱敏")
    status: str
    decision_note: str
    valid_until: date | None
    created_at: datetime


class SupDataDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=300)


class SupDataDecisionOut(Schema):
    application: SupDataApplicationOut
    api_key: str = Field("", description="获批时生成，只显示这一次")


def dataset_out(d: Dataset) -> dict[str, Any]:
    downloadable = d.tier != "closed"
    return {"identifier": d.slug, "title": d.title, "description": d.description, "publisher": d.publisher,
            "theme": d.theme, "keywords": d.keywords.split(), "accrual_periodicity": d.frequency,
            "license": d.licence, "access_level": d.tier, "access_level_label": d.get_tier_display(),
            "closed_reason": d.closed_reason, "spatial": d.spatial, "issued": d.issued_at,
            "modified": d.refreshed_at, "rows": d.row_count, "suppressed": d.suppressed,
            "anonymisation": d.anonymisation, "fields": d.fields,
            "download_csv": reverse("opendata:download", args=[d.slug, "csv"]) if downloadable else None,
            "download_json": reverse("opendata:download", args=[d.slug, "json"]) if downloadable else None}


def application_out(a: DataApplication) -> dict[str, Any]:
    return {"id": a.public_id, "dataset": a.dataset.slug, "organisation": a.organisation, "purpose": a.purpose,
            "contact_phone": mask_phone(a.contact_phone), "status": a.status, "decision_note": a.decision_note,
            "valid_until": a.valid_until, "created_at": a.created_at}


@router.get("/opendata/datasets", response=list[SupDatasetOut], summary="开放数据目录（公开）")
def datasets(request: HttpRequest) -> list[dict[str, Any]]:
    return [dataset_out(d) for d in selectors.dataset_list()]


@router.get("/opendata/datasets/{slug}", response={200: SupDatasetOut, 404: ErrorOut}, summary="数据集元数据")
def dataset(request: HttpRequest, slug: str) -> dict[str, Any]:
    return dataset_out(selectors.dataset_get(slug=slug))


@router.get("/opendata/datasets/{slug}/rows", response={200: SupRowsOut, **ERRORS},
            summary="分页读取数据（有条件开放需 X-Api-Key 请求头）")
def dataset_rows(request: HttpRequest, slug: str, page: int = 1, page_size: int = 100) -> dict[str, Any]:
    d = selectors.dataset_get(slug=slug)
    opendata.dataset_access(dataset=d, actor=request.user, key=request.headers.get("X-Api-Key", ""))
    page, page_size = max(1, page), max(1, min(page_size, 1000))
    items = list(opendata.dataset_rows(dataset=d, offset=(page - 1) * page_size, limit=page_size))
    return {"identifier": d.slug, "count": d.row_count, "page": page, "page_size": page_size,
            "modified": d.refreshed_at, "items": items}


@router.post("/opendata/datasets/{slug}/applications", response={201: SupDataApplicationOut, **ERRORS},
             auth=API_AUTH, summary="申请使用有条件开放的数据集")
def application_create(request: HttpRequest, slug: str, payload: SupDataApplicationIn) -> Status:
    d = selectors.dataset_get(slug=slug)
    app = opendata.application_file(actor=request.user, dataset=d, organisation=payload.organisation,
                                    purpose=payload.purpose, contact_phone=payload.contact_phone)
    return Status(201, application_out(app))


@router.get("/opendata/applications", response={200: list[SupDataApplicationOut], **ERRORS}, auth=API_AUTH,
            summary="数据使用申请（申请人：本人的；管理人员：全部）")
def applications(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [application_out(a) for a in selectors.data_application_list(actor=request.user, status=status)[:500]]


@router.post("/opendata/applications/{application_id}/decision", response={200: SupDataDecisionOut, **ERRORS},
             auth=API_AUTH, summary="审核数据使用申请（通过时生成数据接口密钥）")
def application_decision(request: HttpRequest, application_id: UUID, payload: SupDataDecisionIn) -> dict[str, Any]:
    app = selectors.data_application_get(actor=request.user, public_id=application_id)
    decided, key = opendata.application_decide(actor=request.user, application=app, approve=payload.approve,
                                               note=payload.note)
    return {"application": application_out(decided), "api_key": key}
