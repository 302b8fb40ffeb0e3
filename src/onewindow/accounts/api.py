"""/api/v1: the signed-in user, people (scoped), departments, halls and API tokens."""

from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core.api import ErrorOut
from onewindow.core.clientip import client_ip
from onewindow.core.concurrency import GET_EXTRA, WRITE_EXTRA, not_modified, require_if_match, version_tag
from onewindow.core.errors import NotAuthenticated, PermissionDenied
from onewindow.core.inputs import url_lookup_check
from onewindow.core.masking import mask_address, mask_id_number, mask_phone
from onewindow.core.pagination import OneWindowPagination, SyncPagination
from onewindow.regions.selectors import region_get

from . import selectors, services, signup
from .auth import API_AUTH
from .constants import CardKind, RegistrationChannel, Role, SmsPurpose
from .models import Person, ServiceHall, ServiceWindow
from .scope import scope_for
from .signin import captcha_new, signin_cooloff_seconds, signin_gate, signin_locked_error

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


class PersonRevealOut(Schema):
    id_number: str
    phone: str
    address: str


class PersonFilterSchema(Schema):
    q: str = Field("", max_length=100, description="姓名开头、完整身份证号或完整手机号")
    region_code: str = Field("", max_length=20)


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


class AccountHallOut(Schema):
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
    captcha_key: str = Field("", description="连续登录失败后需要：GET /api/v1/auth/captcha 取得的 key")
    captcha_value: str = Field("", description="图片中的数字")
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


@router.get("/people", response=list[PersonOut], auth=API_AUTH, summary="自然人列表（按权限范围）",
            description="q 在网址中只用于按姓名查询；按身份证号或手机号查询请用 POST /people/search"
                        "（号码出现在网址中返回 400 personal_lookup_in_url）。")
@paginate(SyncPagination)
def people_list(request: HttpRequest, filters: Query[PersonFilterSchema]) -> QuerySet[Person]:
    url_lookup_check(filters.q, field="q")
    return selectors.person_list(
        actor=request.user,
        filters=selectors.PersonFilters(q=filters.q, region_code=filters.region_code),
    )


@router.post("/people/search", response=list[PersonOut], auth=API_AUTH,
             summary="查询自然人（身份证号、手机号或姓名，条件在请求体中）")
@paginate(OneWindowPagination)
def people_search(request: HttpRequest, payload: PersonFilterSchema) -> QuerySet[Person]:
    return selectors.person_list(
        actor=request.user,
        filters=selectors.PersonFilters(q=payload.q, region_code=payload.region_code),
    )


@router.post("/people", response={201: PersonOut}, auth=API_AUTH, summary="登记自然人")
def people_create(request: HttpRequest, payload: PersonIn) -> Status:
    region = region_get(code=payload.region_code) if payload.region_code else None
    person = services.person_create(
        actor=request.user, name=payload.name, id_number=payload.id_number,
        phone=payload.phone, address=payload.address, region=region,
    )
    return Status(201, person)


@router.get("/people/{person_id}", response=PersonOut, auth=API_AUTH, summary="自然人详情（脱敏）",
            openapi_extra=GET_EXTRA)
def people_get(request: HttpRequest, person_id: UUID, response: HttpResponse) -> Any:
    person = selectors.person_get(actor=request.user, public_id=person_id)
    tag = version_tag(person)
    unchanged = not_modified(request, tag)
    if unchanged:
        return unchanged
    response["ETag"] = tag
    return person


@router.patch("/people/{person_id}", response=PersonOut, auth=API_AUTH, summary="修改联系方式或所属区划",
              description="需在 If-Match 中提供读取时的 ETag（缺少 428，过期 412）。", openapi_extra=WRITE_EXTRA)
def people_update(request: HttpRequest, person_id: UUID, payload: PersonPatch, response: HttpResponse) -> Person:
    person = selectors.person_get(actor=request.user, public_id=person_id)
    require_if_match(request, version_tag(person))
    region = region_get(code=payload.region_code) if payload.region_code else None
    person = services.person_update(actor=request.user, person=person, phone=payload.phone,
                                    address=payload.address, region=region)
    response["ETag"] = version_tag(person)
    return person


@router.post("/people/{person_id}/reveal", response=PersonRevealOut, auth=API_AUTH,
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


@router.get("/service-halls", response=list[AccountHallOut], summary="服务大厅与窗口（公开）")
def halls(request: HttpRequest, region: str = "") -> list[ServiceHall]:
    path = region_get(code=region).path if region else None
    return list(selectors.hall_list(region_path=path))


@router.post("/auth/tokens", response={201: TokenOut, 401: ErrorOut, 429: ErrorOut},
             summary="用账号密码换取 API 令牌",
             description="同一用户名在同一客户端地址连续失败后：先逐次延时（429 signin_wait），再需图片验证码"
                         "（429 captcha_required，附 captcha_key/captcha_value 重试），最后暂停登录"
                         "（429 signin_locked）。其他地址不受影响。")
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    signin_gate(request=request, username=payload.username, captcha_key=payload.captcha_key,
                captcha_value=payload.captcha_value)
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None and getattr(request, "axes_locked_out", False):
        raise signin_locked_error(signin_cooloff_seconds())
    if user is None:
        raise NotAuthenticated("用户名或密码不正确", code="bad_credentials")
    token, key = services.api_token_create(user=user, name=payload.name,  # type: ignore[arg-type]
                                           ttl_days=payload.expires_in_days)
    return Status(201, {"id": token.public_id, "name": token.name, "prefix": token.prefix,
                        "key": key, "expires_at": token.expires_at})


class ClientTokenIn(Schema):
    grant_type: Literal["client_credentials"] = Field("client_credentials", description="OAuth 2.0 客户端凭据模式")
    client_id: str = Field(..., max_length=40, examples=["owc_0123456789abcdef"])
    client_secret: str = Field(..., max_length=100)


class ClientTokenOut(Schema):
    access_token: str = Field(..., description="Bearer 令牌，只显示这一次")
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int = Field(..., description="有效秒数（ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS）")
    expires_at: datetime
    scope: str = Field(..., description="授予的权限范围，空格分隔，如 tickets:create cases:read")


@router.post("/auth/client-tokens", response={201: ClientTokenOut, 401: ErrorOut}, summary="服务账户换取令牌",
             description="以服务账户的 client_id 和 client_secret 换取短期 Bearer 令牌（RFC 6749 §4.4）。"
                         "密钥错误 401 bad_client_credentials；账户已吊销 401 client_revoked。"
                         "令牌只能调用授权范围内的接口（否则 403 scope_missing），每次调用都记入审计。")
def client_token_create(request: HttpRequest, payload: ClientTokenIn) -> Status:
    token, key = services.service_token_issue(client_id=payload.client_id, client_secret=payload.client_secret)
    assert token.client is not None and token.expires_at is not None
    ttl = int((token.expires_at - token.created_at).total_seconds())
    return Status(201, {"access_token": key, "token_type": "Bearer", "expires_in": max(ttl, 0),
                        "expires_at": token.expires_at, "scope": " ".join(token.client.scopes)})


@router.delete("/auth/tokens/{token_id}", response={204: None}, auth=API_AUTH, summary="吊销令牌")
def token_revoke(request: HttpRequest, token_id: UUID) -> Status:
    services.api_token_revoke(user=request.user, public_id=str(token_id))  # type: ignore[arg-type]
    return Status(204, None)


# --- Registration and password reset (anonymous) ----------------------------------------------
class AccountSmsCodeIn(Schema):
    phone: str = Field(..., examples=["13812345678"])
    purpose: Literal["register"] = Field("register", description="register：注册")


class AccountSmsCodeOut(Schema):
    sent_to: str = Field(..., description="脱敏手机号")
    expires_in: int = Field(..., description="有效秒数")
    resend_after: int = Field(..., description="多少秒后可重新获取")


class AccountRegisterIn(Schema):
    username: str = Field(..., description="4至30位字母、数字或下划线", examples=["lihua2026"])
    password: str
    name: str = Field(..., examples=["李华"])
    id_number: str = Field(..., examples=["530103199001011238"])
    phone: str = Field(..., examples=["13812345678"])
    sms_code: str = Field(..., description="POST /api/v1/auth/sms-codes 发送到该手机号的验证码")
    card_kind: CardKind = Field(..., description="第二项核验要素：社会保障卡或银行卡")
    card_number: str
    agreement_version: str = Field(..., description="已阅读并同意的用户服务协议版本，见 GET /api/v1/auth/agreement")
    agreed: bool
    credit_code: str = Field("", description="企业经办人注册：企业的统一社会信用代码")
    enterprise_name: str = Field("", description="企业经办人注册：企业名称（与法人库一致）")


class AccountRegisteredOut(Schema):
    username: str
    kind: str
    display_name: str


class AccountAgreementOut(Schema):
    version: str
    title: str
    url: str


class AccountResetCodeIn(Schema):
    identifier: str = Field(..., description="用户名或身份证号码")
    phone: str = Field(..., description="账号绑定的手机号")


class AccountResetIn(Schema):
    identifier: str
    phone: str
    sms_code: str
    new_password: str


class AccountCaptchaOut(Schema):
    key: str
    image_url: str


class AccountMessageOut(Schema):
    message: str


def _resend_after() -> int:
    return int(settings.ONEWINDOW_SMS_LIMITS.get("interval_seconds", 60))


@router.get("/auth/agreement", response=AccountAgreementOut, summary="用户服务协议（当前版本）")
def agreement(request: HttpRequest) -> dict[str, str]:
    return {"version": signup.agreement_version(), "title": "一窗通办用户服务协议",
            "url": reverse("accounts:agreement")}


@router.post("/auth/sms-codes", response={202: AccountSmsCodeOut, 429: ErrorOut}, summary="发送注册短信验证码",
             description="同一手机号60秒内只发一次、每小时5次、每天10次；同一客户端地址每小时20次。"
                         "超出时返回 429 sms_rate_limited，detail.retry_after 为等待秒数。")
def sms_code_create(request: HttpRequest, payload: AccountSmsCodeIn) -> Status:
    masked = signup.sms_code_request(phone=payload.phone, purpose=SmsPurpose.REGISTER,
                                     client_ip=client_ip(request))
    return Status(202, {"sent_to": masked, "expires_in": settings.ONEWINDOW_SMS_CODE_TTL_SECONDS,
                        "resend_after": _resend_after()})


@router.post("/auth/register", response={201: AccountRegisteredOut, 400: ErrorOut, 409: ErrorOut},
             summary="实名注册个人或企业经办人账号",
             description="按国办函〔2016〕108号：身份证号码与姓名、手机短信验证码、社会保障卡或银行卡，"
                         "并确认用户服务协议版本。填写 credit_code 与 enterprise_name 即注册为该企业的经办人。")
def register(request: HttpRequest, payload: AccountRegisterIn) -> Status:
    user = signup.account_register(data=signup.Registration(
        username=payload.username, password=payload.password, name=payload.name,
        id_number=payload.id_number, phone=payload.phone, sms_code=payload.sms_code,
        card_kind=payload.card_kind, card_number=payload.card_number,
        agreement_version=payload.agreement_version, agreed=payload.agreed,
        credit_code=payload.credit_code, enterprise_name=payload.enterprise_name),
        channel=RegistrationChannel.API)
    return Status(201, {"username": user.username, "kind": user.kind, "display_name": user.display_name})


@router.post("/auth/password-reset/codes", response={202: AccountSmsCodeOut, 429: ErrorOut},
             summary="找回密码：发送短信验证码",
             description="用户名或身份证号码与绑定手机号一致时才发送；无论是否一致都返回相同结果。")
def password_reset_code(request: HttpRequest, payload: AccountResetCodeIn) -> Status:
    masked = signup.password_reset_request(identifier=payload.identifier, phone=payload.phone,
                                           client_ip=client_ip(request))
    return Status(202, {"sent_to": masked, "expires_in": settings.ONEWINDOW_SMS_CODE_TTL_SECONDS,
                        "resend_after": _resend_after()})


@router.post("/auth/password-reset", response={200: AccountMessageOut, 400: ErrorOut},
             summary="找回密码：用短信验证码设置新密码",
             description="成功后该账号的 API 令牌全部吊销，其他已登录的会话失效。")
def password_reset(request: HttpRequest, payload: AccountResetIn) -> dict[str, str]:
    signup.password_reset_confirm(identifier=payload.identifier, phone=payload.phone,
                                  sms_code=payload.sms_code, new_password=payload.new_password)
    return {"message": "密码已重设，请用新密码登录"}


@router.get("/auth/captcha", response=AccountCaptchaOut, summary="新的图片验证码",
            description="登录连续失败后需要；图片由本平台生成（GET image_url），答案只能用一次。")
def captcha(request: HttpRequest) -> dict[str, str]:
    challenge = captcha_new()
    return {"key": challenge.key, "image_url": challenge.image_url}


def require_roles(request: HttpRequest, *roles: Role) -> None:
    if not scope_for(request.user).has_role(*roles):
        raise PermissionDenied()
