"""Shared helpers for case tests: files and whole journeys through the services."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from onewindow.cases import services
from onewindow.cases.constants import MaterialState
from onewindow.cases.models import Case
from onewindow.catalog.models import ServiceItem

PDF_BYTES = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
             b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def pdf(name: str = "材料.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def png(name: str = "照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def fill_missing(case: Case, actor: Any) -> None:
    for material in case.materials.filter(state__in=[MaterialState.MISSING, MaterialState.REJECTED]):
        services.case_material_upload(actor=actor, material=material, upload=pdf(f"{material.name}.pdf"))


def online_submitted(citizen_user: Any, item: ServiceItem, *, now: datetime | None = None,
                     **draft: Any) -> Case:
    case = services.case_draft_create(actor=citizen_user, item=item, **draft)
    fill_missing(case, citizen_user)
    return services.case_submit(actor=citizen_user, case=case, now=now)


def online_accepted(citizen_user: Any, item: ServiceItem, staff_user: Any, *,
                    now: datetime | None = None) -> Case:
    case = online_submitted(citizen_user, item, now=now)
    case = services.case_prereview(actor=staff_user, case=case, now=now)
    return services.case_accept(actor=staff_user, case=case, now=now)


def review_to_decision(case: Case, reviewer_user: Any, *, now: datetime | None = None) -> Case:
    """Complete every step before the decision (with an inspection record where needed)."""
    while True:
        current = case.steps.filter(status="active").first()
        if current is None or current.kind == "decision":
            return case
        record = ({"date": "2026-10-09", "place": "经营场所", "inspectors": "甲、乙",
                   "findings": "场所与申请一致"} if current.kind == "inspection" else None)
        case = services.case_step_complete(actor=reviewer_user, case=case, opinion="材料齐全，符合条件",
                                           record=record, now=now)
