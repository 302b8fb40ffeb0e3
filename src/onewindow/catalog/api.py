"""/api/v1/catalog/admin: the catalogue's write API for catalogue administrators.

Who may write: administrators (系统管理员) for departments in their region subtree, and
department reviewers (部门审批人员) for their own departments' items. Anyone else gets 403;
an item outside the caller's reach is 404. The public read endpoints live in
``api_public.py``. (No ``from __future__ import annotations`` here: django-ninja reads the
annotations of paginated views at run time.)
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.selectors import department_get
from onewindow.core.errors import PermissionDenied
from onewindow.core.pagination import SyncPagination
from onewindow.integrations.idempotency import idempotent

from . import selectors, services, transfer
from .models import (
    ListPublication,
    Material,
    PowerEntry,
    ServiceItem,
    ServiceItemVersion,
    Theme,
)

router = Router(tags=["事项目录管理 catalog"])


def _require_manager(request: HttpRequest) -> None:
    if not selectors.catalog_is_manager(actor=request.user):
        raise PermissionDenied("只有目录管理员或部门审批人员可以管理事项目录",
                               code="catalog_permission_denied")


# --- Schemas ----------------------------------------------------------------------------------
class LegalBasisIn(Schema):
    law: str = Field(..., examples=["中华人民共和国食品安全法"])
    article: str = Field("", examples=["第三十五条"])
    text: str = Field("", examples=["国家对食品经营实行许可制度。"])


class StepIn(Schema):
    name: str = Field(..., examples=["受理"])
    description: str = ""
    handler_role: str = Field("", examples=["窗口受理人员"])
    time_limit: str = Field("", examples=["即时"])


class FeeIn(Schema):
    name: str = ""
    standard: str = Field(..., examples=["每件 50 元"])
    basis: str = ""
    reducible: bool = False


class FaqIn(Schema):
    q: str
    a: str


class ElementsIn(Schema):
    """Elements of a version; on update only the given ones change."""

    name: str | None = Field(None, examples=["食品经营许可"])
    item_type: str | None = Field(None, description="01 行政许可 05 行政给付 07 行政确认 08 行政奖励 "
                                  "09 行政裁决 10 其他行政权力 20 公共服务", examples=["01"])
    exercise_level: str | None = Field(None, description="district / street / community")
    service_object: str | None = Field(None, description="natural / legal / both")
    legal_basis: list[LegalBasisIn] | None = None
    conditions: str | None = Field(None, examples=["有与经营食品相适应的经营场所"])
    steps: list[StepIn] | None = None
    legal_limit_value: int | None = Field(None, ge=0, description="法定时限，0 表示即办")
    legal_limit_unit: str | None = Field(None, description="working_day / natural_day")
    promised_limit_value: int | None = Field(None, ge=0, examples=[5])
    promised_limit_unit: str | None = None
    is_free: bool | None = None
    fees: list[FeeIn] | None = None
    place: str | None = None
    hours: str | None = None
    visits: int | None = Field(None, ge=0, le=10, description="到办事现场次数")
    online_depth: int | None = Field(None, ge=1, le=4, description="网上办理深度 1–4")
    is_online: bool | None = None
    appointment: bool | None = None
    kiosk: bool | None = None
    postal_delivery: bool | None = None
    tongban_scope: str | None = Field(None, description="none / city / province / cross_province")
    result_type: str | None = Field(None, description="licence / approval / other")
    result_name: str | None = None
    result_licence_type_code: str | None = None
    faq: list[FaqIn] | None = None
    contact_phone: str | None = None
    complaint_channel: str | None = None
    keywords: list[str] | None = Field(None, examples=[["食品许可", "餐饮"]])
    co_department_codes: list[str] | None = None
    placeholder_fields: list[str] | None = None
    change_note: str | None = Field(None, examples=["压缩承诺时限"])


class MaterialIn(Schema):
    name: str = Field(..., examples=["营业执照"])
    material_type: str = Field("original", description="original / copy / efile")
    is_required: bool = True
    condition: str = Field("", description="非必要材料的适用情形")
    copies: int = Field(1, ge=0, le=99)
    source: str = Field("applicant", description="applicant / issuer / shared")
    spec: str = ""
    licence_type_code: str = Field("", examples=["BUSINESS_LICENCE"])
    trust_levels: str = Field("ABC", description="可采信等级：A 政府签发 B 已核验 C 申请人上传 D 告知承诺",
                              examples=["ABCD"])


class MaterialPatch(Schema):
    name: str | None = None
    material_type: str | None = None
    is_required: bool | None = None
    condition: str | None = None
    copies: int | None = Field(None, ge=0, le=99)
    source: str | None = None
    spec: str | None = None
    licence_type_code: str | None = None
    trust_levels: str | None = Field(None, examples=["ABC"])
    order: int | None = Field(None, ge=0)


class ItemCreateIn(ElementsIn):
    implementation_code: str = Field(..., examples=["11530103MB0000001-XK-0001"])
    basic_code: str = Field("", examples=["11530103MB0000001"])
    department_code: str = Field(..., examples=["530103-SCJGJ"])
    materials: list[MaterialIn] = []


class CatalogMaterialOut(Schema):
    id: UUID = Field(..., alias="public_id")
    order: int
    name: str
    material_type: str
    is_required: bool
    condition: str
    copies: int
    source: str
    spec: str
    licence_type_code: str
    trust_levels: str
    blank_form: str | None = Field(None, description="空白表格下载地址")
    sample_file: str | None = Field(None, description="示例样表下载地址")

    @staticmethod
    def resolve_blank_form(obj: Material) -> str | None:
        return f"/catalog/materials/{obj.public_id}/blank_form" if obj.blank_form else None

    @staticmethod
    def resolve_sample_file(obj: Material) -> str | None:
        return f"/catalog/materials/{obj.public_id}/sample_file" if obj.sample_file else None


class VersionOut(Schema):
    id: UUID = Field(..., alias="public_id")
    item_id: UUID
    number: int
    status: str
    published_at: datetime | None
    retired_at: datetime | None
    change_note: str
    name: str
    item_type: str
    exercise_level: str
    service_object: str
    legal_basis: list[dict[str, Any]]
    conditions: str
    steps: list[dict[str, Any]]
    legal_limit_value: int | None
    legal_limit_unit: str
    promised_limit_value: int | None
    promised_limit_unit: str
    is_free: bool
    fees: list[dict[str, Any]]
    place: str
    hours: str
    visits: int
    online_depth: int
    is_online: bool
    appointment: bool
    kiosk: bool
    postal_delivery: bool
    tongban_scope: str
    result_type: str
    result_name: str
    result_licence_type_code: str
    faq: list[dict[str, Any]]
    contact_phone: str
    complaint_channel: str
    keywords: list[str]
    co_department_codes: list[str]
    is_placeholder: bool
    placeholder_fields: list[str]
    materials: list[CatalogMaterialOut]

    @staticmethod
    def resolve_item_id(obj: ServiceItemVersion) -> UUID:
        return obj.item.public_id

    @staticmethod
    def resolve_co_department_codes(obj: ServiceItemVersion) -> list[str]:
        return sorted(d.code for d in obj.co_departments.all())

    @staticmethod
    def resolve_materials(obj: ServiceItemVersion) -> list[Material]:
        return sorted(obj.materials.all(), key=lambda m: (m.order, m.id))


class VersionBrief(Schema):
    id: UUID = Field(..., alias="public_id")
    number: int
    status: str
    name: str
    published_at: datetime | None


class ItemOut(Schema):
    id: UUID = Field(..., alias="public_id")
    implementation_code: str
    basic_code: str
    department_code: str
    department_name: str
    source: str
    published: VersionBrief | None
    draft: VersionBrief | None

    @staticmethod
    def resolve_department_code(obj: ServiceItem) -> str:
        return obj.department.code

    @staticmethod
    def resolve_department_name(obj: ServiceItem) -> str:
        return obj.department.name

    @staticmethod
    def resolve_published(obj: ServiceItem) -> ServiceItemVersion | None:
        return obj.current_version

    @staticmethod
    def resolve_draft(obj: ServiceItem) -> ServiceItemVersion | None:
        drafts = getattr(obj, "draft_versions", None)
        if drafts is not None:
            return drafts[0] if drafts else None
        return selectors.item_draft(item=obj)


class ItemFilterSchema(Schema):
    q: str = Field("", description="实施编码、基本编码开头或名称包含")
    department: str = Field("", description="部门编码")
    status: str = Field("", description="published / draft / retired")


class RetireIn(Schema):
    reason: str = Field("", examples=["职能调整，事项取消"])


class CatalogImportOut(Schema):
    created: int
    versioned: int
    drafted: int
    unchanged: int


class ThemeIn(Schema):
    name: str = Field(..., examples=["开办企业"])
    person_kind: str = Field(..., description="natural / legal")
    kind: str = Field("life_event", description="life_event / theme")
    description: str = ""
    order: int = 0
    item_codes: list[str] | None = Field(None, description="实施编码列表；省略则不改变事项")


class ThemeOut(Schema):
    code: str
    name: str
    person_kind: str
    kind: str
    description: str
    order: int
    item_count: int

    @staticmethod
    def resolve_item_count(obj: Theme) -> int:
        return obj.items.count()


def _version(version: ServiceItemVersion) -> ServiceItemVersion:
    """Re-read a version with what ``VersionOut`` needs (fresh materials, departments)."""
    return selectors.item_version_get(public_id=version.public_id, include_drafts=True)


# --- Endpoints --------------------------------------------------------------------------------
@router.get("/catalog/admin/items", response=list[ItemOut], auth=API_AUTH,
            summary="可管理的事项列表")
@paginate(SyncPagination)
def admin_items(request: HttpRequest, filters: Query[ItemFilterSchema]) -> QuerySet[ServiceItem]:
    _require_manager(request)
    return selectors.item_list(actor=request.user, filters=selectors.ItemFilters(
        q=filters.q, department_code=filters.department, status=filters.status))


@router.post("/catalog/admin/items", response={201: ItemOut}, auth=API_AUTH,
             summary="新建事项（生成第1版草稿）")
@idempotent
def admin_item_create(request: HttpRequest, payload: ItemCreateIn) -> Status:
    _require_manager(request)
    data = payload.dict(exclude_unset=True)
    department = department_get(code=data.pop("department_code"))
    code = data.pop("implementation_code")
    basic = data.pop("basic_code", "")
    materials = data.pop("materials", [])
    item = services.item_create(actor=request.user, department=department,
                                implementation_code=code, basic_code=basic, elements=data,
                                materials=materials)
    return Status(201, selectors.item_get_for_staff(actor=request.user, public_id=item.public_id))


@router.get("/catalog/admin/items/{item_id}", response=ItemOut, auth=API_AUTH,
            summary="事项概况（已发布版本与草稿）")
def admin_item_get(request: HttpRequest, item_id: UUID) -> ServiceItem:
    _require_manager(request)
    return selectors.item_get_for_staff(actor=request.user, public_id=item_id)


@router.get("/catalog/admin/items/{item_id}/versions", response=list[VersionOut], auth=API_AUTH,
            summary="事项的全部版本（含草稿）")
def admin_item_versions(request: HttpRequest, item_id: UUID) -> list[ServiceItemVersion]:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    return list(selectors.item_versions(item=item).select_related("item"))


@router.get("/catalog/admin/items/{item_id}/draft", response=VersionOut, auth=API_AUTH,
            summary="查看草稿（没有草稿时由当前版本生成）")
def admin_draft_get(request: HttpRequest, item_id: UUID) -> ServiceItemVersion:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    return _version(services.draft_ensure(actor=request.user, item=item))


@router.patch("/catalog/admin/items/{item_id}/draft", response=VersionOut, auth=API_AUTH,
              summary="修改草稿（修改已发布事项时自动生成新版本草稿）")
def admin_draft_update(request: HttpRequest, item_id: UUID, payload: ElementsIn
                       ) -> ServiceItemVersion:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    version = services.draft_update(actor=request.user, item=item,
                                    elements=payload.dict(exclude_unset=True))
    return _version(version)


@router.delete("/catalog/admin/items/{item_id}/draft", response={204: None}, auth=API_AUTH,
               summary="删除草稿")
def admin_draft_discard(request: HttpRequest, item_id: UUID) -> Status:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    services.draft_discard(actor=request.user, item=item)
    return Status(204, None)


@router.post("/catalog/admin/items/{item_id}/publish", response=VersionOut, auth=API_AUTH,
             summary="发布草稿（原发布版本自动停用）")
def admin_publish(request: HttpRequest, item_id: UUID) -> ServiceItemVersion:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    return _version(services.item_publish(actor=request.user, item=item))


@router.post("/catalog/admin/items/{item_id}/retire", response=VersionOut, auth=API_AUTH,
             summary="停用事项（已发布版本转为停用，仍可查阅）")
def admin_retire(request: HttpRequest, item_id: UUID, payload: RetireIn) -> ServiceItemVersion:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    return _version(services.item_retire(actor=request.user, item=item, reason=payload.reason))


@router.post("/catalog/admin/items/{item_id}/draft/materials", response={201: CatalogMaterialOut},
             auth=API_AUTH, summary="为草稿添加申请材料")
@idempotent
def admin_material_add(request: HttpRequest, item_id: UUID, payload: MaterialIn) -> Status:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    material = services.material_add(actor=request.user, item=item, data=payload.dict())
    return Status(201, material)


@router.patch("/catalog/admin/materials/{material_id}", response=CatalogMaterialOut, auth=API_AUTH,
              summary="修改草稿中的材料")
def admin_material_update(request: HttpRequest, material_id: UUID, payload: MaterialPatch
                          ) -> Material:
    _require_manager(request)
    material = selectors.material_get_for_staff(actor=request.user, public_id=material_id)
    return services.material_update(actor=request.user, material=material,
                                    data=payload.dict(exclude_unset=True))


@router.post("/catalog/admin/materials/{material_id}/files", response=CatalogMaterialOut,
             auth=API_AUTH, summary="上传材料的空白表格或示例样表")
def admin_material_files(
    request: HttpRequest, material_id: UUID,
    blank_form: UploadedFile | None = File(None),  # type: ignore[assignment]  # noqa: B008
    sample_file: UploadedFile | None = File(None),  # type: ignore[assignment]  # noqa: B008
) -> Material:
    _require_manager(request)
    material = selectors.material_get_for_staff(actor=request.user, public_id=material_id)
    for upload in (blank_form, sample_file):
        if upload is not None and upload.size and upload.size > 10 * 1024 * 1024:
            from onewindow.core.errors import ValidationFailed

            raise ValidationFailed("文件过大（上限 10 MB）", code="file_too_large")
    return services.material_update(actor=request.user, material=material, data={},
                                    blank_form=blank_form, sample_file=sample_file)


@router.delete("/catalog/admin/materials/{material_id}", response={204: None}, auth=API_AUTH,
               summary="删除草稿中的材料")
def admin_material_delete(request: HttpRequest, material_id: UUID) -> Status:
    _require_manager(request)
    material = selectors.material_get_for_staff(actor=request.user, public_id=material_id)
    services.material_delete(actor=request.user, material=material)
    return Status(204, None)


@router.post("/catalog/admin/import", response=CatalogImportOut, auth=API_AUTH,
             summary="导入事项（.xlsx 或 .json；全部成功才生效，可重复导入）")
def admin_import(request: HttpRequest, file: File[UploadedFile],
                 publish: Form[bool] = True) -> dict[str, int]:
    _require_manager(request)
    result = transfer.catalog_import_file(actor=request.user, content=file.read(),
                                          filename=file.name or "", publish=publish)
    return result.as_dict()


@router.get("/catalog/admin/export", auth=API_AUTH, summary="导出已发布事项（xlsx 或 json）",
            openapi_extra={"responses": {200: {
                "description": "文件",
                "content": {"application/json": {}, "application/vnd.openxmlformats-"
                            "officedocument.spreadsheetml.sheet": {}}}}})
def admin_export(request: HttpRequest, format: str = "xlsx", department: str = "") -> HttpResponse:
    _require_manager(request)
    return export_response(actor=request.user, fmt=format, department=department)


def export_response(*, actor: Any, fmt: str, department: str = "") -> HttpResponse:
    body, content_type, filename = transfer.export_file(actor=actor, fmt=fmt,
                                                        department=department)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.put("/catalog/admin/themes/{code}", response=ThemeOut, auth=API_AUTH,
            summary="新建或修改主题/人生事（仅系统管理员）")
def admin_theme_put(request: HttpRequest, code: str, payload: ThemeIn) -> Theme:
    _require_manager(request)
    return services.theme_save(actor=request.user, code=code, **payload.dict())


class PowerIn(Schema):
    power_name: str = Field("", description="默认取事项名称")
    power_code: str = Field("", description="默认取基本编码")
    basis: str = Field("", description="默认由设定依据生成")


class PowerOut(Schema):
    power_code: str
    power_name: str
    power_type: str
    basis: str
    published_at: datetime | None


class ResponsibilityIn(Schema):
    duty: str = Field(..., examples=["受理责任：公示申请条件、材料和时限，依法受理或不予受理"])
    accountability_cases: str = Field("", examples=["对符合法定条件的申请不予受理的"])
    accountable_subject: str = Field("", examples=["区纪委监委派驻纪检监察组"])
    accountability_basis: str = Field("", examples=["《中华人民共和国行政许可法》第七十二条"])
    order: int = Field(0, ge=0, le=32767)


class ResponsibilityOut(Schema):
    id: UUID = Field(..., alias="public_id")
    order: int
    duty: str
    accountability_cases: str
    accountable_subject: str
    accountability_basis: str
    published_at: datetime | None


class PublicationOut(Schema):
    department_code: str
    kind: str
    published_at: datetime
    entry_count: int

    @staticmethod
    def resolve_department_code(obj: ListPublication) -> str:
        return obj.department.code


@router.put("/catalog/admin/items/{item_id}/power", response=PowerOut, auth=API_AUTH,
            summary="设置事项的权力清单条目（须重新公布部门清单）")
def admin_power_put(request: HttpRequest, item_id: UUID, payload: PowerIn) -> PowerEntry:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    return services.power_entry_save(actor=request.user, item=item, **payload.dict())


@router.post("/catalog/admin/items/{item_id}/responsibilities",
             response={201: ResponsibilityOut}, auth=API_AUTH,
             summary="添加事项的责任清单条目（须重新公布部门清单）")
@idempotent
def admin_responsibility_add(request: HttpRequest, item_id: UUID, payload: ResponsibilityIn
                             ) -> Status:
    _require_manager(request)
    item = selectors.item_get_for_staff(actor=request.user, public_id=item_id)
    entry = services.responsibility_entry_save(actor=request.user, item=item, **payload.dict())
    return Status(201, entry)


@router.post("/catalog/admin/departments/{department_code}/lists/{kind}/publish",
             response=PublicationOut, auth=API_AUTH,
             summary="公布部门的权力清单（power）或责任清单（responsibility）")
def admin_list_publish(request: HttpRequest, department_code: str, kind: str
                       ) -> ListPublication:
    _require_manager(request)
    department = selectors.manageable_department_get(actor=request.user, code=department_code)
    return services.list_publish(actor=request.user, department=department, kind=kind)
