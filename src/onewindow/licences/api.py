"""/api/v1: public verification, the holder's own licences, staff lists and imports."""

from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.core.pagination import SyncPagination
from onewindow.integrations.idempotency import idempotent

from . import selectors, services
from .constants import LicenceSource
from .models import Licence, LicenceType, LicenceUse
from .selectors import holder_masked

router = Router(tags=["电子证照 licences"])


class LicenceTypeOut(Schema):
    code: str
    name: str
    document_kind: str
    holder_kind: str
    issuer_name: str
    validity_years: int | None
    validity_rule: str
    issuing_department_code: str | None

    @staticmethod
    def resolve_issuing_department_code(obj: LicenceType) -> str | None:
        return obj.issuing_department.code if obj.issuing_department else None


class VerificationOut(Schema):
    status: str = Field(..., description="valid 有效 / expired 已过期 / revoked 已注销 / unknown 查无此证")
    status_label: str
    genuine: bool
    type_name: str = ""
    document_kind: str = ""
    number: str = ""
    holder_name: str = Field("", description="脱敏（法人名称为公开信息，不脱敏）")
    holder_id: str = Field("", description="脱敏")
    issuer_name: str = ""
    issued_on: date | None = None
    valid_from: date | None = None
    valid_until: date | None = Field(None, description="空表示长期有效")
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    signature_status: str = Field(
        "", description="valid 签名有效 / invalid 内容与签发时不一致 / unsigned 外部导入未签名")
    signature_label: str = ""
    signature_algorithm: str = Field("", description="Ed25519")
    signature_key: str = Field("", description="签名密钥标识，对应 /licences/signing-keys 中的公钥")
    signature: str = Field("", description="base64 签名值")
    signed_content: str = Field("", description="被签名的内容（UTF-8 规范化 JSON，不含明文个人信息）")


class LicenceSigningKeyOut(Schema):
    key_id: str
    algorithm: str
    public_key: str = Field(..., description="Ed25519 公钥（32 字节，base64）")


class LicenceOut(Schema):
    id: UUID = Field(..., alias="public_id")
    type_code: str
    type_name: str
    document_kind: str
    title: str
    number: str
    holder_kind: str
    holder_name: str
    holder_id: str = Field(..., description="脱敏")
    issuer_name: str
    issued_on: date
    valid_from: date
    valid_until: date | None
    status: str
    revoked_at: datetime | None
    revocation_reason: str
    source: str
    source_ref: str
    verification_code: str
    verify_url: str
    has_file: bool
    data: dict[str, Any]

    @staticmethod
    def resolve_type_code(obj: Licence) -> str:
        return obj.licence_type.code

    @staticmethod
    def resolve_type_name(obj: Licence) -> str:
        return obj.licence_type.name

    @staticmethod
    def resolve_holder_name(obj: Licence) -> str:
        return obj.holder_name

    @staticmethod
    def resolve_holder_id(obj: Licence) -> str:
        return holder_masked(obj)[1]

    @staticmethod
    def resolve_number(obj: Licence) -> str:
        return obj.masked_number

    @staticmethod
    def resolve_has_file(obj: Licence) -> bool:
        return bool(obj.file)


class MyLicenceOut(LicenceOut):
    """The holder's own licence: the number as printed on the document."""

    @staticmethod
    def resolve_number(obj: Licence) -> str:
        return obj.display_number


class LicenceUseOut(Schema):
    id: UUID = Field(..., alias="public_id")
    at: datetime = Field(..., alias="created_at")
    actor: str = Field(..., alias="actor_label")
    department: str = Field(..., alias="department_name")
    case_ref: str
    purpose: str


class LicenceFilterSchema(Schema):
    q: str = Field("", description="完整证照编号、持证人名称开头、完整身份证号或统一社会信用代码")
    type_code: str = ""
    status: str = ""


class RevokeIn(Schema):
    reason: str = Field(..., examples=["经营者申请注销"])


class LicenceImportRowIn(Schema):
    type_code: str = Field(..., examples=["BUSINESS_LICENCE"])
    number: str
    holder_name: str
    holder_id: str = Field(..., description="身份证号或统一社会信用代码")
    issuer_name: str = ""
    issued_on: str = Field(..., examples=["2024-05-01"])
    valid_from: str = ""
    valid_until: str = Field("", description="空或“长期”表示长期有效")
    status: str = Field("", description="有效 / 注销 / 过期（默认有效）")
    revocation_reason: str = ""


class LicenceImportIn(Schema):
    rows: list[LicenceImportRowIn] = Field(..., min_length=1)
    source_name: str = Field("", description="来源系统或批次名称（记入导入记录）")


class LicenceImportOut(Schema):
    batch_id: UUID | None
    rows: int
    created: int
    updated: int
    unchanged: int


def _import_out(result: services.ImportResult) -> dict[str, Any]:
    return {"batch_id": result.batch.public_id if result.batch else None, "rows": result.rows,
            "created": result.created, "updated": result.updated, "unchanged": result.unchanged}


def _pdf_response(licence: Licence) -> HttpResponse:
    response = HttpResponse(selectors.licence_pdf_bytes(licence=licence), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="licence-{licence.public_id}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/licence-types", response=list[LicenceTypeOut], summary="证照类型（公开）")
def licence_types(request: HttpRequest) -> QuerySet[LicenceType]:
    return selectors.licence_type_list()


@router.get("/licences/verify/{code}", response=VerificationOut, summary="核验证照真伪（公开）")
def licence_verify(request: HttpRequest, code: str) -> dict[str, Any]:
    result = selectors.licence_verify(code=code)
    return {
        "status": str(result.status), "status_label": result.status_label,
        "genuine": result.is_genuine, "type_name": result.type_name,
        "document_kind": result.document_kind, "number": result.number,
        "holder_name": result.holder_name_masked, "holder_id": result.holder_id_masked,
        "issuer_name": result.issuer_name, "issued_on": result.issued_on,
        "valid_from": result.valid_from, "valid_until": result.valid_until,
        "revoked_at": result.revoked_at, "revocation_reason": result.revocation_reason,
        "signature_status": result.signature_status, "signature_label": result.signature_label,
        "signature_algorithm": "Ed25519" if result.signature else "",
        "signature_key": result.signature_key, "signature": result.signature,
        "signed_content": result.signed_content,
    }


@router.get("/licences/signing-keys", response=list[LicenceSigningKeyOut],
            summary="证照电子签名公钥（公开，用于离线验签）")
def licence_signing_keys(request: HttpRequest) -> list[dict[str, str]]:
    return selectors.signing_public_keys()


@router.get("/me/licences", response=list[MyLicenceOut], auth=API_AUTH, summary="我的证照")
def my_licences(request: HttpRequest) -> QuerySet[Licence]:
    return selectors.licence_list_for_user(user=request.user)


@router.get("/me/licences/{uuid:licence_id}/pdf", auth=API_AUTH, summary="下载我的证照（PDF）",
            response={200: None})
def my_licence_pdf(request: HttpRequest, licence_id: UUID) -> HttpResponse:
    return _pdf_response(selectors.licence_get_for_user(user=request.user, public_id=licence_id))


@router.get("/me/licences/{uuid:licence_id}/uses", response=list[LicenceUseOut], auth=API_AUTH,
            summary="我的证照被谁使用过（用证记录）")
def my_licence_uses(request: HttpRequest, licence_id: UUID) -> QuerySet[LicenceUse]:
    licence = selectors.licence_get_for_user(user=request.user, public_id=licence_id)
    return selectors.licence_uses_for_holder(licence=licence)


@router.get("/licences", response=list[LicenceOut], auth=API_AUTH,
            summary="本部门签发的证照（发证部门管理员，按权限范围）")
@paginate(SyncPagination)
def licence_list(request: HttpRequest, filters: Query[LicenceFilterSchema]) -> QuerySet[Licence]:
    return selectors.licence_list(actor=request.user, filters=selectors.LicenceFilters(
        q=filters.q, type_code=filters.type_code, status=filters.status))


@router.get("/licences/{uuid:licence_id}", response=LicenceOut, auth=API_AUTH, summary="证照详情（脱敏）")
def licence_get(request: HttpRequest, licence_id: UUID) -> Licence:
    return selectors.licence_get(actor=request.user, public_id=licence_id)


@router.get("/licences/{uuid:licence_id}/uses", response=list[LicenceUseOut], auth=API_AUTH,
            summary="用证记录")
def licence_uses(request: HttpRequest, licence_id: UUID) -> QuerySet[LicenceUse]:
    licence = selectors.licence_get(actor=request.user, public_id=licence_id)
    return selectors.licence_uses(actor=request.user, licence=licence)


@router.post("/licences/{uuid:licence_id}/revoke", response=LicenceOut, auth=API_AUTH, summary="注销证照")
def licence_revoke(request: HttpRequest, licence_id: UUID, payload: RevokeIn) -> Licence:
    licence = selectors.licence_get(actor=request.user, public_id=licence_id)
    return services.licence_revoke(actor=request.user, licence=licence, reason=payload.reason)


@router.post("/licences/import", response={201: LicenceImportOut}, auth=API_AUTH,
             summary="接口导入证照（全部成功或全部不写入；按类型+编号幂等）")
@idempotent
def licence_import(request: HttpRequest, payload: LicenceImportIn) -> Status:
    rows = [{**row.model_dump(), "_row": index} for index, row in enumerate(payload.rows, start=1)]
    result = services.licence_import_rows(actor=request.user, rows=rows, source=LicenceSource.API,
                                          filename=payload.source_name)
    return Status(201, _import_out(result))


@router.post("/licences/import/file", response={201: LicenceImportOut}, auth=API_AUTH,
             summary="文件导入证照（CSV 或 Excel .xlsx）")
@idempotent
def licence_import_file(request: HttpRequest, file: File[UploadedFile]) -> Status:
    result = services.licence_import_file(actor=request.user, filename=file.name or "upload",
                                          content=file.read())
    return Status(201, _import_out(result))
