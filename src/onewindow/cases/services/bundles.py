"""Bundles (一件事): drafts, the merged checklist, shared uploads and submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.models import Enterprise
from onewindow.catalog.models import ServiceItem, Theme
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, ValidationFailed

from .. import constants as c
from .. import rules, selectors
from ..constants import (
    ApplicantKind,
    BundleStatus,
    Channel,
    DeliveryMethod,
    MaterialState,
)
from ..models import (
    CaseBundle,
    CaseMaterial,
)
from ..numbering import case_number_next
from ._common import S, _delivery_clean, _online_applicant
from .intake import case_draft_create, case_submit
from .materials import MATERIAL_FILE_FIELDS, _material_apply_file, _material_views, file_store


# --- Bundles (一件事) -------------------------------------------------------------------------
def bundle_draft_create(*, actor: Any, items: Sequence[ServiceItem], name: str = "",
                        theme: Theme | None = None, enterprise: Enterprise | None = None) -> CaseBundle:
    """One combined application over several items (usually a theme's): a draft per item,
    sharing one checklist where materials coincide (same e-licence type or same name)."""
    items = list(dict.fromkeys(items))
    if len(items) < 2:
        raise ValidationFailed("“一件事”至少包含两个事项", code="bundle_items_required",
                               fields={"items": "请至少选择两个事项"})
    if len(items) > 10:
        raise ValidationFailed("“一件事”最多包含10个事项", code="bundle_items_too_many")
    person, enterprise = _online_applicant(actor, enterprise)
    name = (name or (theme.name if theme else "") or "一件事").strip()[:200]
    with transaction.atomic():
        bundle = CaseBundle.objects.create(
            name=name, theme=theme, channel=Channel.ONLINE, status=BundleStatus.DRAFT,
            applicant_kind=ApplicantKind.PERSON if person else ApplicantKind.ENTERPRISE,
            applicant_person=person, applicant_enterprise=enterprise, applicant_user=actor,
            applicant_name=person.name if person else enterprise.name,  # type: ignore[union-attr]
            region_path=items[0].department.region.path)
        for item in items:
            case_draft_create(actor=actor, item=item, enterprise=enterprise, bundle=bundle)
        audit_record(actor=actor, action=c.AUDIT_DRAFT_SAVE, obj=bundle,
                     summary={"bundle": name, "items": [i.implementation_code for i in items]})
    return bundle


@dataclass(frozen=True)
class BundleMaterial:
    key: str
    name: str
    is_required: bool
    state: str
    items: tuple[str, ...]
    materials: tuple[CaseMaterial, ...]


def bundle_checklist(*, bundle: CaseBundle) -> list[BundleMaterial]:
    """The merged checklist: one line per distinct material, naming the items needing it."""
    lines: dict[str, list[CaseMaterial]] = {}
    names: dict[str, list[str]] = {}
    for case in bundle.cases.all().order_by("id"):
        for m in case.materials.all().order_by("order", "id"):
            lines.setdefault(m.bundle_key, []).append(m)
            names.setdefault(m.bundle_key, []).append(case.item_name)
    result = []
    for key, materials in lines.items():
        states = {m.state for m in materials}
        state = (MaterialState.REJECTED if MaterialState.REJECTED in states
                 else MaterialState.MISSING if MaterialState.MISSING in states else materials[0].state)
        result.append(BundleMaterial(key, materials[0].name, any(m.is_required for m in materials),
                                     str(state), tuple(dict.fromkeys(names[key])), tuple(materials)))
    return result


def bundle_material_upload(*, actor: Any, bundle: CaseBundle, key: str, upload: Any,
                           now: datetime | None = None) -> list[CaseMaterial]:
    """Upload one file for every case of the bundle that needs this material."""
    if bundle.status != BundleStatus.DRAFT or not selectors.is_applicant(actor, bundle):
        raise NotFound("找不到该“一件事”草稿", code="bundle_not_found")
    targets = list(CaseMaterial.objects.filter(case__bundle=bundle, bundle_key=key,
                                               case__status=S.DRAFT))
    if not targets:
        raise NotFound("找不到该材料", code="case_material_not_found")
    stored = file_store(upload=upload, folder=f"cases/bundles/{bundle.public_id}")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            for material in targets:
                _material_apply_file(material, stored, now)
                material.save(update_fields=MATERIAL_FILE_FIELDS)
            audit_record(actor=actor, action=c.AUDIT_MATERIAL_UPLOAD, obj=bundle, summary={
                "material": targets[0].name, "cases": len(targets), "sha256": stored.sha256})
    except Exception:
        default_storage.delete(stored.name)
        raise
    return targets


def bundle_submit(*, actor: Any, bundle: CaseBundle, delivery_method: str = DeliveryMethod.ONLINE,
                  delivery_address: str = "", now: datetime | None = None) -> CaseBundle:
    """Submit every part at once (并联): each case goes to its own department's queue."""
    method, address = _delivery_clean(delivery_method, delivery_address)
    now = now or timezone.now()
    with transaction.atomic():
        bundle = CaseBundle.objects.select_for_update().get(pk=bundle.pk)
        if bundle.status != BundleStatus.DRAFT or not selectors.is_applicant(actor, bundle):
            raise Conflict("该“一件事”申请已提交", code="bundle_not_draft")
        parts = list(bundle.cases.filter(status=S.DRAFT).select_related("department__region"))
        missing = [f"{p.item_name}：{name}" for p in parts for name in
                   rules.materials_missing(_material_views(p))]
        if missing:
            message = "以下必要材料尚未提交：" + "；".join(missing)
            raise ValidationFailed(message, code="case_materials_missing", fields={"materials": message},
                                   detail={"missing": missing})
        bundle.number = case_number_next(area_code=parts[0].department.region.code, when=now)
        bundle.status = BundleStatus.IN_PROGRESS
        bundle.submitted_at = now
        bundle.save(update_fields=["number", "status", "submitted_at", "updated_at"])
        for part in parts:
            part.delivery_method, part.delivery_address = method, address
            part.save(update_fields=["delivery_method", "delivery_address"])
            case_submit(actor=actor, case=part, now=now)
        audit_record(actor=actor, action=c.AUDIT_BUNDLE_SUBMIT, obj=bundle, summary={
            "number": bundle.number, "cases": [p.number for p in parts]})
    return bundle
