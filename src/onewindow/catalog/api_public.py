"""/api/v1/catalog: the public, read-only catalogue API (no sign-in).

Lists and search are answered from the in-memory search index (published versions only), so
they cost no database query beyond the catalogue revision check. Item and version details read
the database through the selectors: an item's published version, or any published or retired
version by its id (applications keep the version they were made under). Drafts are never
visible here. (No ``from __future__ import annotations``: django-ninja reads the annotations
at run time.)
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from onewindow.core.api import ErrorOut

from . import constants as c
from . import selectors
from .badges import Badge, document_badges, version_badges
from .models import Material, ServiceItem, ServiceItemVersion
from .search import Document, SearchFilters, SearchResult, catalogue_search, search_index

router = Router(tags=["事项目录与办事指南（公开） catalog"])

MAX_PAGE_SIZE = 100
_NOT_FOUND = {404: ErrorOut}


# --- Schemas ----------------------------------------------------------------------------------
class BadgeOut(Schema):
    code: str = Field(..., examples=["at_most_one_visit"])
    label: str = Field(..., examples=["最多跑一次"])


class ItemSummaryOut(Schema):
    id: UUID = Field(..., description="事项编号（公开 id）")
    version_id: UUID = Field(..., description="当前发布版本的编号")
    name: str = Field(..., examples=["社会保险登记"])
    implementation_code: str = Field(..., examples=["511602-RS-0001"])
    department_code: str = Field(..., examples=["511602-RS"])
    department_name: str = Field(..., examples=["广安区人力资源和社会保障局"])
    item_type: str = Field(..., description="事项类型代码", examples=["20"])
    item_type_label: str = Field(..., examples=["公共服务"])
    service_object: str = Field(..., description="natural / legal / both", examples=["natural"])
    exercise_level: str = Field(..., description="district / street / community",
                                examples=["district"])
    visits: int | None = Field(..., description="到办事现场次数", examples=[1])
    online_depth: int = Field(..., description="网上办理深度 1–4（4 = 全程网办）", examples=[3])
    is_online: bool
    themes: list[str] = Field(..., description="主题编码", examples=[["shebao"]])
    life_events: list[str] = Field(..., description="人生事/企业事编码", examples=[["tuixiu"]])
    badges: list[BadgeOut]
    guide_url: str = Field(..., examples=["/guide/item/3f0c…/"])


class ItemPageOut(Schema):
    count: int = Field(..., description="符合条件的事项总数", examples=[42])
    page: int = Field(..., examples=[1])
    page_size: int = Field(..., examples=[20])
    items: list[ItemSummaryOut]


class HighlightOut(Schema):
    text: str
    match: bool


class SearchHitOut(ItemSummaryOut):
    score: float = Field(..., description="相关度得分（越大越相关，仅用于排序）", examples=[52.9])
    highlight: list[HighlightOut] = Field(..., description="事项名称按命中与否切分")


class SearchOut(Schema):
    query: str = Field(..., examples=["sb"])
    total: int = Field(..., examples=[3])
    page: int
    page_size: int
    did_you_mean: str = Field("", description="纠正错别字后的查询（如“社宝”→“社保”），无则为空",
                              examples=["社保"])
    hits: list[SearchHitOut]


class ListFilters(Schema):
    department: str = Field("", description="实施部门编码", examples=["511602-RS"])
    theme: str = Field("", description="主题编码", examples=["shebao"])
    life_event: str = Field("", description="人生事/企业事编码", examples=["tuixiu"])
    service_object: str = Field("", description="natural（个人）/ legal（法人）；"
                                "面向两者的事项都会列出", examples=["natural"])
    level: str = Field("", description="district / street / community")
    max_visits: int | None = Field(None, ge=0, le=2, description="到现场次数上限：0 = 零跑动，"
                                   "1 = 最多跑一次", examples=[1])
    online: bool | None = Field(None, description="true：只看可网上办理的事项")
    item_type: str = Field("", description="事项类型代码，如 01 行政许可、20 公共服务")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)

    def search_filters(self) -> SearchFilters:
        return SearchFilters(department=self.department, theme=self.theme,
                             life_event=self.life_event, service_object=self.service_object,
                             level=self.level, max_visits=self.max_visits, online=self.online,
                             item_type=self.item_type)


class SearchParams(ListFilters):
    q: str = Field("", max_length=200, description="查询：中文、拼音（shebao）、拼音首字母（sb）"
                   "都可以，容许个别错别字", examples=["sb"])


class MaterialPublicOut(Schema):
    id: UUID
    order: int
    name: str = Field(..., examples=["居民身份证"])
    material_type: str = Field(..., description="original / copy / efile")
    material_type_label: str = Field(..., examples=["原件"])
    is_required: bool
    condition: str = Field(..., description="非必要材料的适用情形", examples=["委托他人办理的"])
    copies: int
    source: str = Field(..., description="applicant / issuer / shared")
    source_label: str = Field(..., examples=["申请人自备"])
    spec: str
    licence_type_code: str = Field(..., description="可替代该材料的电子证照类型",
                                   examples=["ID_CARD"])
    trust_levels: str = Field(..., description="可采信等级：A 政府签发 B 已核验 C 申请人上传 D 告知承诺（承诺制）",
                              examples=["ABCD"])
    blank_form_url: str | None = Field(None, description="空白表格下载地址")
    sample_file_url: str | None = Field(None, description="示例样表下载地址")


class TimeLimitOut(Schema):
    value: int | None = Field(..., description="空 = 未明确，0 = 即办", examples=[5])
    unit: str = Field(..., examples=["working_day"])
    text: str = Field(..., examples=["5 个工作日"])


class DepartmentRef(Schema):
    code: str
    name: str


class VersionBriefOut(Schema):
    id: UUID
    number: int
    status: str = Field(..., description="published / retired")
    name: str
    published_at: datetime | None
    retired_at: datetime | None
    change_note: str


class VersionPublicOut(Schema):
    id: UUID = Field(..., description="版本编号（申请时记录，日后可按此读取）")
    item_id: UUID
    number: int = Field(..., examples=[2])
    status: str = Field(..., description="published（现行）/ retired（已停用的历史版本）")
    published_at: datetime | None
    retired_at: datetime | None
    change_note: str
    name: str = Field(..., examples=["社会保险登记"])
    implementation_code: str
    basic_code: str
    department: DepartmentRef
    co_departments: list[DepartmentRef]
    item_type: str
    item_type_label: str
    exercise_level: str
    service_object: str
    legal_basis: list[dict[str, Any]] = Field(..., examples=[[{
        "law": "中华人民共和国社会保险法", "article": "第五十七条", "text": "……"}]])
    conditions: str
    steps: list[dict[str, Any]] = Field(..., examples=[[{
        "name": "受理", "description": "窗口审核材料", "handler_role": "窗口人员",
        "time_limit": "即时"}]])
    legal_limit: TimeLimitOut
    promised_limit: TimeLimitOut
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
    faq: list[dict[str, Any]] = Field(..., examples=[[{"q": "可以委托他人办理吗？",
                                                       "a": "可以。"}]])
    contact_phone: str
    complaint_channel: str
    keywords: list[str]
    is_placeholder: bool = Field(..., description="含“待完善”的占位要素")
    placeholder_fields: list[str]
    badges: list[BadgeOut]
    materials: list[MaterialPublicOut]
    guide_url: str


class ThemePublicOut(Schema):
    code: str = Field(..., examples=["tuixiu"])
    name: str = Field(..., examples=["退休养老"])
    kind: str = Field(..., description="life_event（人生事/企业事）/ theme（主题服务）")
    person_kind: str = Field(..., description="natural（个人）/ legal（法人）")
    description: str
    order: int
    item_count: int = Field(..., description="已发布事项数")


# --- Conversions ------------------------------------------------------------------------------
def _badges(badges: list[Badge]) -> list[dict[str, str]]:
    return [{"code": b.code, "label": b.label} for b in badges]


def _summary(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "version_id": doc.version_id, "name": doc.name,
        "implementation_code": doc.code, "department_code": doc.department_id,
        "department_name": doc.department, "item_type": doc.item_type,
        "item_type_label": doc.item_type_label, "service_object": doc.service_object,
        "exercise_level": doc.level, "visits": doc.visits, "online_depth": doc.online_depth,
        "is_online": doc.is_online, "themes": [code for code, _ in doc.themes],
        "life_events": [code for code, _ in doc.life_events],
        "badges": _badges(document_badges(doc)),
        "guide_url": reverse("catalog:guide_item", args=[doc.id]),
    }


def _time_limit(value: int | None, unit: str) -> dict[str, Any]:
    from .guide_views import time_limit_text

    return {"value": value, "unit": unit, "text": time_limit_text(value, unit)}


def _material(m: Material) -> dict[str, Any]:
    def url(kind: str) -> str:
        return reverse("catalog:material_file", args=[m.public_id, kind])

    return {
        "id": m.public_id, "order": m.order, "name": m.name, "material_type": m.material_type,
        "material_type_label": str(dict(c.MaterialType.choices).get(m.material_type, "")),
        "is_required": m.is_required, "condition": m.condition, "copies": m.copies,
        "source": m.source, "source_label": str(dict(c.MaterialSource.choices).get(m.source, "")),
        "spec": m.spec, "licence_type_code": m.licence_type_code, "trust_levels": m.trust_levels,
        "blank_form_url": url("blank_form") if m.blank_form else None,
        "sample_file_url": url("sample_file") if m.sample_file else None,
    }


def _materials(version: ServiceItemVersion) -> list[dict[str, Any]]:
    return [_material(m) for m in sorted(version.materials.all(), key=lambda m: (m.order, m.id))]


def _version(version: ServiceItemVersion) -> dict[str, Any]:
    item = version.item
    return {
        "id": version.public_id, "item_id": item.public_id, "number": version.number,
        "status": version.status, "published_at": version.published_at,
        "retired_at": version.retired_at, "change_note": version.change_note,
        "name": version.name, "implementation_code": item.implementation_code,
        "basic_code": item.basic_code,
        "department": {"code": item.department.code, "name": item.department.name},
        "co_departments": [{"code": d.code, "name": d.name}
                           for d in sorted(version.co_departments.all(), key=lambda d: d.code)],
        "item_type": version.item_type,
        "item_type_label": str(dict(c.ItemType.choices).get(version.item_type, "")),
        "exercise_level": version.exercise_level, "service_object": version.service_object,
        "legal_basis": version.legal_basis or [], "conditions": version.conditions,
        "steps": version.steps or [],
        "legal_limit": _time_limit(version.legal_limit_value, version.legal_limit_unit),
        "promised_limit": _time_limit(version.promised_limit_value,
                                      version.promised_limit_unit),
        "is_free": version.is_free, "fees": version.fees or [], "place": version.place,
        "hours": version.hours, "visits": version.visits, "online_depth": version.online_depth,
        "is_online": version.is_online, "appointment": version.appointment,
        "kiosk": version.kiosk, "postal_delivery": version.postal_delivery,
        "tongban_scope": version.tongban_scope, "result_type": version.result_type,
        "result_name": version.result_name,
        "result_licence_type_code": version.result_licence_type_code,
        "faq": version.faq or [], "contact_phone": version.contact_phone,
        "complaint_channel": version.complaint_channel, "keywords": version.keywords or [],
        "is_placeholder": version.is_placeholder,
        "placeholder_fields": version.placeholder_fields or [],
        "badges": _badges(version_badges(version)),
        "materials": _materials(version),
        "guide_url": reverse("catalog:guide_version", args=[version.public_id]),
    }


def _public_item(item_id: UUID) -> ServiceItem:
    """An item that has at least one public (published or retired) version."""
    return selectors.item_public_get(public_id=item_id)


def _search(params: SearchParams) -> SearchResult:
    # the index, then (for questions) the semantic re-ranking
    return catalogue_search(params.q, params.search_filters(), limit=params.page_size,
                            offset=(params.page - 1) * params.page_size)


SEARCH_EXAMPLE = {
    "query": "sb", "total": 1, "page": 1, "page_size": 20, "did_you_mean": "",
    "hits": [{
        "id": "5d1f6c1e-8a0b-4a61-9f43-0c3f1e0f5a10",
        "version_id": "0b6f4d3a-2c1e-4f5a-8d9b-7e6c5b4a3f21", "name": "社会保险登记",
        "implementation_code": "511602-RS-0001", "department_code": "511602-RS",
        "department_name": "广安区人力资源和社会保障局", "item_type": "20",
        "item_type_label": "公共服务", "service_object": "natural",
        "exercise_level": "district", "visits": 1, "online_depth": 3, "is_online": True,
        "themes": ["shebao"], "life_events": [],
        "badges": [{"code": "at_most_one_visit", "label": "最多跑一次"},
                   {"code": "appointment", "label": "可预约"}],
        "guide_url": "/guide/item/5d1f6c1e-8a0b-4a61-9f43-0c3f1e0f5a10/",
        "score": 28.2,
        "highlight": [{"text": "社会保险", "match": True}, {"text": "登记", "match": False}],
    }],
}


# --- Endpoints --------------------------------------------------------------------------------
@router.get("/catalog/items", response=ItemPageOut, summary="已发布事项列表（可筛选、分页）",
            description="按部门、主题、人生事、服务对象、层级、到现场次数、是否网办筛选；"
                        "`q` 不为空时按相关度排序，否则按部门与编码排序。")
def public_items(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    result = _search(params)
    return {"count": result.total, "page": params.page, "page_size": params.page_size,
            "items": [_summary(h.doc) for h in result.hits]}


@router.get("/catalog/search", response=SearchOut, summary="搜索事项（中文、拼音、首字母、同义词、容错）",
            openapi_extra={"responses": {"200": {"description": "按相关度排序的命中",
                                                 "content": {"application/json": {
                                                     "example": SEARCH_EXAMPLE}}}}})
def public_search(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    result = _search(params)
    return {
        "query": params.q, "total": result.total, "page": params.page,
        "page_size": params.page_size, "did_you_mean": result.did_you_mean,
        "hits": [{**_summary(h.doc), "score": h.score,
                  "highlight": [{"text": t, "match": m} for t, m in result.highlight(h.doc.name)]}
                 for h in result.hits],
    }


@router.get("/catalog/items/{item_id}", response={200: VersionPublicOut, **_NOT_FOUND},
            summary="事项办事指南（现行发布版本的全部要素）")
def public_item(request: HttpRequest, item_id: UUID) -> dict[str, Any]:
    return _version(selectors.item_published_get(public_id=item_id))


@router.get("/catalog/items/{item_id}/materials",
            response={200: list[MaterialPublicOut], **_NOT_FOUND},
            summary="事项现行版本的申请材料清单")
def public_item_materials(request: HttpRequest, item_id: UUID) -> list[dict[str, Any]]:
    return _materials(selectors.item_published_get(public_id=item_id))


@router.get("/catalog/items/{item_id}/versions",
            response={200: list[VersionBriefOut], **_NOT_FOUND},
            summary="事项的公开版本（现行与已停用），新的在前")
def public_item_versions(request: HttpRequest, item_id: UUID) -> list[dict[str, Any]]:
    return [{"id": v.public_id, "number": v.number, "status": v.status, "name": v.name,
             "published_at": v.published_at, "retired_at": v.retired_at,
             "change_note": v.change_note}
            for v in selectors.item_public_versions(item=_public_item(item_id))]


@router.get("/catalog/versions/{version_id}", response={200: VersionPublicOut, **_NOT_FOUND},
            summary="按版本编号读取某一版本（含已停用版本，供按旧版本提交的申请查阅）")
def public_version(request: HttpRequest, version_id: UUID) -> dict[str, Any]:
    return _version(selectors.item_version_get(public_id=version_id))


@router.get("/catalog/versions/{version_id}/materials",
            response={200: list[MaterialPublicOut], **_NOT_FOUND},
            summary="某一版本的申请材料清单")
def public_version_materials(request: HttpRequest, version_id: UUID) -> list[dict[str, Any]]:
    return _materials(selectors.item_version_get(public_id=version_id))


@router.get("/catalog/themes", response=list[ThemePublicOut], summary="人生事/企业事与主题服务",
            description="`person_kind`：natural（个人）或 legal（法人）；`kind`：life_event 或 theme。")
def public_themes(request: HttpRequest, person_kind: str = "", kind: str = ""
                  ) -> list[dict[str, Any]]:
    if person_kind not in ("", *c.PersonKind.values):
        person_kind = "-"
    if kind not in ("", *c.ThemeKind.values):
        kind = "-"
    index = search_index()
    counts = {"life_event": index.facet_values("life_event"), "theme": index.facet_values("theme")}
    return [{"code": t.code, "name": t.name, "kind": t.kind, "person_kind": t.person_kind,
             "description": t.description, "order": t.order,
             "item_count": counts.get(t.kind, {}).get(t.code, 0)}
            for t in selectors.theme_list(person_kind=person_kind or None, kind=kind or None)]


# --- Power and responsibility lists (权力清单/责任清单) ------------------------------------------
class ListDepartmentOut(Schema):
    code: str = Field(..., examples=["530103000000-SCJGJ"])
    name: str = Field(..., examples=["盘龙区市场监督管理局"])
    power_count: int = Field(..., description="已公布的权力清单条目数（按 type 筛选后）")
    responsibility_count: int = Field(..., description="已公布的责任清单条目数")
    published_at: datetime = Field(..., description="最近一次公布时间")


class PowerPublicOut(Schema):
    power_code: str
    power_name: str
    power_type: str = Field(..., description="事项类型代码，如 01 行政许可")
    power_type_label: str
    basis: str = Field(..., description="实施依据")
    item_id: UUID
    implementation_code: str


class ResponsibilityPublicOut(Schema):
    item_id: UUID
    item_name: str
    duty: str = Field(..., description="责任事项")
    accountability_cases: str = Field(..., description="追责情形")
    accountable_subject: str = Field(..., description="追责主体")
    accountability_basis: str = Field(..., description="追责依据")


class DepartmentListsOut(Schema):
    department: ListDepartmentOut
    powers: list[PowerPublicOut]
    responsibilities: list[ResponsibilityPublicOut]


@router.get("/catalog/lists", response=list[ListDepartmentOut],
            summary="已公布权力清单、责任清单的部门",
            description="`q` 按部门名称筛选；`type` 按权力类型（事项类型代码，如 01 行政许可）筛选。")
def public_lists(request: HttpRequest, q: str = "", type: str = "") -> list[dict[str, Any]]:
    power_type = type if type in c.POWER_ITEM_TYPES else ""
    if type and not power_type:
        return []
    return [{"code": r.department.code, "name": r.department.name, "power_count": r.power_count,
             "responsibility_count": r.responsibility_count, "published_at": r.published_at}
            for r in selectors.public_list_departments(q=q[:60], power_type=power_type)]


@router.get("/catalog/lists/{department_code}", response={200: DepartmentListsOut, **_NOT_FOUND},
            summary="某部门已公布的权力清单和责任清单")
def public_department_lists(request: HttpRequest, department_code: str) -> dict[str, Any]:
    department = selectors.public_list_department_get(code=department_code)
    powers = list(selectors.power_list_published(department=department))
    duties = list(selectors.responsibility_list_published(department=department))
    latest = selectors.public_list_publications(department=department).first()
    types = dict(c.ItemType.choices)
    return {
        "department": {"code": department.code, "name": department.name,
                       "power_count": len(powers), "responsibility_count": len(duties),
                       "published_at": latest.published_at if latest else None},
        "powers": [{"power_code": p.power_code, "power_name": p.power_name,
                    "power_type": p.power_type, "power_type_label": str(types.get(p.power_type, "")),
                    "basis": p.basis, "item_id": p.item.public_id,
                    "implementation_code": p.item.implementation_code}
                   for p in powers],
        "responsibilities": [{"item_id": d.item.public_id,
                              "item_name": d.item.current_version.name if d.item.current_version
                              else d.item.implementation_code,
                              "duty": d.duty, "accountability_cases": d.accountability_cases,
                              "accountable_subject": d.accountable_subject,
                              "accountability_basis": d.accountability_basis}
                             for d in duties],
    }
