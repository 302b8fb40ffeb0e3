"""/api/v1: the signed-in user, people (scoped), departments, halls and API tokens."""

from datetime import date, datetime
from uuid import UUID

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from onewindow.core.errors import NotAuthenticated, PermissionDenied
from onewindow.core.masking import mask_address, mask_id_number, mask_phone
from onewindow.regions.selectors import region_get

from . import selectors, services
from .auth import API_AUTH
from .constants import Role
from .models import Person, ServiceHall, ServiceWindow
from .scope import scope_for

router = Router(tags=["人员与机构 accounts"])


class MeOut(Schema):
    username: str
    display_name: str
    kind: str
    roles: list[str]
    region_code: str | None
    department_codes: list[str]


class PersonOut(Schema):
    id: UUID = Field(..., alias="public_id")
    name: str
    id_number: str = Field(..., description="脱敏：5301**********1234")
    phone: str = Field(..., description="脱敏：138****5678")
    address: str = Field(..., description="脱敏")
    gender: str
    birth_date: date | None
    region_code: str | None
    region_name: str | None
    created_at: datetime

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return mask_id_number(obj.id_number)

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_address(obj: Person) -> str:
        return mask_address(obj.address)

    @staticmethod
    def resolve_region_code(obj: Person) -> str | None:
        return obj.region.code if obj.region else None

    @staticmethod
    def resolve_region_name(obj: Person) -> str | None:
        return obj.region.name if obj.region else None


class PersonIn(Schema):
    name: str = Field(..., examples=["李华"])
    id_number: str = Field(..., examples=["530103199001011236"])
    phone: str = Field("", examples=["13812345678"])
    address: str = ""
    region_code: str | None = Field(None, examples=["530103001001"])


class PersonPatch(Schema):
    phone: str | None = None
    address: str | None = None
    region_code: str | None = None


class RevealIn(Schema):
    reason: str = Field(..., description="查看完整信息的事由（记入审计）", examples=["办理低保申请核对身份"])


class RevealOut(Schema):
    id_number: str
    phone: str
    address: str


class PersonFilterSchema(Schema):
    q: str = Field("", description="姓名开头、完整身份证号或完整手机号")
    region_code: str = ""


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    region_code: str


class WindowOut(Schema):
    number: str
    name: str
    kind: str
    department_code: str | None

    @staticmethod
    def resolve_department_code(obj: ServiceWindow) -> str | None:
        return obj.department.code if obj.department else None


class HallOut(Schema):
    id: UUID = Field(..., alias="public_id")
    name: str
    region_code: str
    address: str
    opening_hours: str
    windows: list[WindowOut]

    @staticmethod
    def resolve_region_code(obj: ServiceHall) -> str:
        return obj.region.code

    @staticmethod
    def resolve_windows(obj: ServiceHall) -> list[ServiceWindow]:
        return [w for w in obj.windows.all() if w.is_active]


class TokenIn(Schema):
    username: str
    password: str
    name: str = "API"
    expires_in_days: int | None = Field(
        None, examples=[30],
        description="有效天数；不填为系统默认（ONEWINDOW_TOKEN_TTL_DAYS，默认90天），最长 ONEWINDOW_TOKEN_MAX_TTL_DAYS")


class TokenOut(Schema):
    id: UUID
    name: str
    prefix: str
    key: str = Field(..., description="只显示这一次，请妥善保存")
    expires_at: datetime = Field(..., description="到期时间；过期后返回 401 token_expired")


@router.get("/me", response=MeOut, auth=API_AUTH, summary="当前用户")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    staff = selectors.staff_of_user(user=user)
    return {
        "username": user.get_username(),
        "display_name": getattr(user, "display_name", "") or user.get_username(),
        "kind": getattr(user, "kind", ""),
        "roles": list(staff.roles) if staff else [],
        "region_code": staff.region.code if staff else None,
        "department_codes": [d.code for d in staff.departments.all()] if staff else [],
    }


@router.get("/people", response=list[PersonOut], auth=API_AUTH, summary="自然人列表（按权限范围）")
@paginate(PageNumberPagination, page_size=50)
def people_list(request: HttpRequest, filters: Query[PersonFilterSchema]) -> QuerySet[Person]:
    return selectors.person_list(
        actor=request.user,
        filters=selectors.PersonFilters(q=filters.q, region_code=filters.region_code),
    )


@router.post("/people", response={201: PersonOut}, auth=API_AUTH, summary="登记自然人")
def people_create(request: HttpRequest, payload: PersonIn) -> Status:
    region = region_get(code=payload.region_code) if payload.region_code else None
    person = services.person_create(
        actor=request.user, name=payload.name, id_number=payload.id_number,
        phone=payload.phone, address=payload.address, region=region,
    )
    return Status(201, person)


@router.get("/people/{person_id}", response=PersonOut, auth=API_AUTH, summary="自然人详情（脱敏）")
def people_get(request: HttpRequest, person_id: UUID) -> Person:
    return selectors.person_get(actor=request.user, public_id=person_id)


@router.patch("/people/{person_id}", response=PersonOut, auth=API_AUTH, summary="修改联系方式或所属区划")
def people_update(request: HttpRequest, person_id: UUID, payload: PersonPatch) -> Person:
    person = selectors.person_get(actor=request.user, public_id=person_id)
    region = region_get(code=payload.region_code) if payload.region_code else None
    person = services.person_update(actor=request.user, person=person, phone=payload.phone,
                                    address=payload.address, region=region)
    return person


@router.post("/people/{person_id}/reveal", response=RevealOut, auth=API_AUTH,
             summary="查看完整个人信息（记入审计）")
def people_reveal(request: HttpRequest, person_id: UUID, payload: RevealIn) -> dict[str, str]:
    person = selectors.person_get(actor=request.user, public_id=person_id)
    return services.person_reveal(actor=request.user, person=person, reason=payload.reason)


@router.get("/departments", response=list[DepartmentOut], summary="部门列表（公开）")
def departments(request: HttpRequest) -> list[dict[str, str]]:
    return [
        {"code": d.code, "name": d.name, "short_name": d.short_name, "kind": d.kind,
         "region_code": d.region.code}
        for d in selectors.department_list()
    ]


@router.get("/halls", response=list[HallOut], summary="服务大厅与窗口（公开）")
def halls(request: HttpRequest, region: str = "") -> list[ServiceHall]:
    path = region_get(code=region).path if region else None
    return list(selectors.hall_list(region_path=path))


@router.post("/auth/tokens", response={201: TokenOut}, summary="用账号密码换取 API 令牌")
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise NotAuthenticated("用户名或密码不正确", code="bad_credentials")
    token, key = services.api_token_create(user=user, name=payload.name,  # type: ignore[arg-type]
                                           ttl_days=payload.expires_in_days)
    return Status(201, {"id": token.public_id, "name": token.name, "prefix": token.prefix,
                        "key": key, "expires_at": token.expires_at})


@router.delete("/auth/tokens/{token_id}", response={204: None}, auth=API_AUTH, summary="吊销令牌")
def token_revoke(request: HttpRequest, token_id: UUID) -> Status:
    services.api_token_revoke(user=request.user, public_id=str(token_id))  # type: ignore[arg-type]
    return Status(204, None)


def require_roles(request: HttpRequest, *roles: Role) -> None:
    if not scope_for(request.user).has_role(*roles):
        raise PermissionDenied()
