"""/api/v1: trust levels, the holder's material library (我的材料) with uses, consent and
watermarked copies, and the staff's post-checks (事后核查)."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from onewindow.accounts.auth import API_AUTH
from onewindow.core.errors import NotFound
from onewindow.licences.selectors import licence_list_for_user, licence_pdf_bytes

from . import selectors, services
from .constants import LEVEL_MEANING, CheckStatus, TrustLevel
from .models import Commitment, LibraryMaterial, MaterialUse
from .views import copy_response

router = Router(tags=["材料库 materials"])


class MaterialLevelOut(Schema):
    level: str = Field(..., examples=["B"])
    label: str = Field(..., examples=["B级（经核验的材料）"])
    meaning: str


class MaterialUseOut(Schema):
    id: UUID
    at: datetime
    kind: str = Field(..., description="case 办件使用 / download 本人下载副本")
    material: str
    actor: str = Field(..., description="使用人（工作人员姓名或“本人下载”）")
    department: str
    case_ref: str
    purpose: str
    watermark: str = Field(..., description="该副本上的水印内容")
    copy_valid_until: date | None


class LibraryMaterialOut(Schema):
    id: UUID
    level: str = Field("B", examples=["B"])
    name: str
    key: str = Field(..., description="复用匹配标识（电子证照类型或规范化材料名）")
    verify_method: str = Field(..., description="window / post / data")
    verifier: str
    verifier_department: str
    verified_at: datetime
    valid_until: date | None
    source_case_ref: str
    status: str = Field(..., description="valid 有效 / superseded 已被替代 / revoked 已作废")
    reuse_allowed: bool = Field(..., description="本人是否同意在新办件中复用")
    usable: bool = Field(..., description="当前可在新办件中免提交")
    content_type: str
    size: int
    uses: list[MaterialUseOut]


class MaterialLicenceOut(Schema):
    id: UUID
    level: str = Field("A", examples=["A"])
    name: str
    issuer: str
    valid_until: date | None
    current: bool


class MaterialCreditOut(Schema):
    at: datetime
    department: str
    description: str


class MaterialLibraryOut(Schema):
    holder_name: str
    holder_kind: str
    materials: list[LibraryMaterialOut]
    licences: list[MaterialLicenceOut]
    uses: list[MaterialUseOut]
    credit_records: list[MaterialCreditOut]


class MaterialConsentIn(Schema):
    allowed: bool = Field(..., description="false 撤回复用授权，true 恢复")


class MaterialCopyIn(Schema):
    purpose: str = Field(..., max_length=200, description="副本用途（印在水印上）", examples=["办理出入境证件"])


class MaterialCommitmentOut(Schema):
    id: UUID
    case_ref: str
    item_name: str
    department: str
    holder_name: str
    material_name: str
    text: str
    committed_at: datetime
    check_status: str = Field(
        ..., description="pending 待抽取 / not_selected 未抽中 / scheduled 待核查 / passed 属实 / failed 不实")
    check_due_on: date | None
    checked_at: datetime | None
    checker: str
    check_note: str


class MaterialPostcheckIn(Schema):
    passed: bool
    note: str = Field("", max_length=500, description="核查情况；认定不实时必填")


def _use(u: MaterialUse) -> dict[str, Any]:
    name = u.library_material.name if u.library_material_id and u.library_material else (
        u.licence.licence_type.name if u.licence_id and u.licence else "")
    return {"id": u.public_id, "at": u.created_at, "kind": u.kind, "material": name, "actor": u.actor_label,
            "department": u.department_name, "case_ref": u.case_ref, "purpose": u.purpose,
            "watermark": u.watermark, "copy_valid_until": u.copy_valid_until}


def _library(m: LibraryMaterial, uses: list[MaterialUse]) -> dict[str, Any]:
    return {"id": m.public_id, "level": "B", "name": m.name, "key": m.key, "verify_method": m.verify_method,
            "verifier": m.verifier_name, "verifier_department": m.verifier_department,
            "verified_at": m.verified_at, "valid_until": m.valid_until, "source_case_ref": m.source_case_ref,
            "status": m.status, "reuse_allowed": m.reuse_allowed, "usable": selectors.library_usable(m),
            "content_type": m.content_type, "size": m.size, "uses": [_use(u) for u in uses]}


def _commitment(c: Commitment) -> dict[str, Any]:
    return {"id": c.public_id, "case_ref": c.case_ref, "item_name": c.item_name, "department": c.department.name,
            "holder_name": c.holder_name, "material_name": c.material_name, "text": c.text,
            "committed_at": c.committed_at, "check_status": c.check_status, "check_due_on": c.check_due_on,
            "checked_at": c.checked_at, "checker": c.checker_name, "check_note": c.check_note}


@router.get("/materials/levels", response=list[MaterialLevelOut], summary="材料可信等级（A/B/C/D）")
def levels(request: HttpRequest) -> list[dict[str, str]]:
    return [{"level": v, "label": str(label), "meaning": LEVEL_MEANING[v]} for v, label in TrustLevel.choices]


@router.get("/me/materials", response=MaterialLibraryOut, auth=API_AUTH, summary="我的材料（材料库）")
def my_library(request: HttpRequest, enterprise: UUID | None = None) -> dict[str, Any]:
    holder = selectors.holder_of_user(user=request.user, enterprise_id=enterprise)
    uses = selectors.uses_of_holder(holder=holder)
    by_material: dict[int, list[MaterialUse]] = {}
    for u in uses:
        if u.library_material_id:
            by_material.setdefault(u.library_material_id, []).append(u)
    licences = [lic for lic in licence_list_for_user(user=request.user)
                if (holder.enterprise is None and lic.holder_kind == "person")
                or (holder.enterprise is not None and lic.holder_credit_code == holder.enterprise.credit_code)]
    return {
        "holder_name": holder.name, "holder_kind": "enterprise" if holder.enterprise else "person",
        "materials": [_library(m, by_material.get(m.pk, [])) for m in selectors.library_of_holder(holder=holder)],
        "licences": [{"id": lic.public_id, "level": "A", "name": lic.title or lic.licence_type.name,
                      "issuer": lic.issuer_name, "valid_until": lic.valid_until, "current": lic.is_current()}
                     for lic in licences],
        "uses": [_use(u) for u in uses],
        "credit_records": [{"at": r.recorded_at, "department": r.department.name, "description": r.description}
                           for r in selectors.credit_records_of_holder(holder=holder)],
    }


@router.post("/me/materials/{uuid:material_id}/consent", response=LibraryMaterialOut, auth=API_AUTH,
             summary="撤回或恢复材料复用授权")
def consent(request: HttpRequest, material_id: UUID, payload: MaterialConsentIn,
            enterprise: UUID | None = None) -> dict[str, Any]:
    holder = selectors.holder_of_user(user=request.user, enterprise_id=enterprise)
    material = selectors.library_material_get(holder=holder, public_id=material_id)
    material = services.library_consent_set(actor=request.user, holder=holder, material=material,
                                            allowed=payload.allowed)
    return _library(material, list(material.uses.order_by("-id")[:50]))


@router.post("/me/materials/{uuid:material_id}/copies", auth=API_AUTH, response={200: None},
             summary="下载带水印的材料副本（B级）", description="返回文件；水印内容见响应头 X-Watermark（URL 编码）")
def copy(request: HttpRequest, material_id: UUID, payload: MaterialCopyIn,
         enterprise: UUID | None = None) -> HttpResponse:
    holder = selectors.holder_of_user(user=request.user, enterprise_id=enterprise)
    material = selectors.library_material_get(holder=holder, public_id=material_id)
    return copy_response(services.library_download(actor=request.user, holder=holder, material=material,
                                                   purpose=payload.purpose))


@router.post("/me/licences/{uuid:licence_id}/copies", auth=API_AUTH, response={200: None},
             summary="下载带水印的电子证照副本（A级）",
             description="返回 PDF；水印内容见响应头 X-Watermark（URL 编码）")
def licence_copy(request: HttpRequest, licence_id: UUID, payload: MaterialCopyIn,
                 enterprise: UUID | None = None) -> HttpResponse:
    holder = selectors.holder_of_user(user=request.user, enterprise_id=enterprise)
    licence = next((lic for lic in licence_list_for_user(user=request.user) if lic.public_id == licence_id
                    and ((holder.enterprise is None and lic.holder_kind == "person")
                         or (holder.enterprise is not None
                             and lic.holder_credit_code == holder.enterprise.credit_code))), None)
    if licence is None:
        raise NotFound("找不到该证照", code="licence_not_found")
    return copy_response(services.licence_copy_record(actor=request.user, holder=holder, licence=licence,
                                                      purpose=payload.purpose,
                                                      data=licence_pdf_bytes(licence=licence)))


@router.get("/postchecks", response=list[MaterialCommitmentOut], auth=API_AUTH,
            summary="告知承诺与事后核查（本人范围内）")
def postchecks(request: HttpRequest, status: str = CheckStatus.SCHEDULED) -> list[dict[str, Any]]:
    if status and status not in CheckStatus.values:
        from onewindow.core.errors import ValidationFailed

        raise ValidationFailed("核查状态无效", code="postcheck_status_invalid", fields={"status": "核查状态无效"})
    return [_commitment(c) for c in selectors.commitments_for_staff(actor=request.user, status=status)[:500]]


@router.post("/postchecks/{uuid:commitment_id}/result", response=MaterialCommitmentOut, auth=API_AUTH,
             summary="登记事后核查结果（不实则记入信用记录）")
def postcheck_result(request: HttpRequest, commitment_id: UUID, payload: MaterialPostcheckIn) -> dict[str, Any]:
    commitment = selectors.commitment_get(actor=request.user, public_id=commitment_id)
    return _commitment(services.postcheck_record(actor=request.user, commitment=commitment,
                                                 passed=payload.passed, note=payload.note))
