"""/api/v1/webhooks: a service account manages its own webhook subscriptions and reads its
delivery log (administrators use the pages)."""

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.models import ServiceClient
from onewindow.core.errors import PermissionDenied
from onewindow.core.pagination import SyncCursorPagination

from . import constants as c
from . import selectors, services
from .idempotency import idempotent
from .models import WebhookDelivery, WebhookSubscription

router = Router(tags=["系统对接 integrations"])

WebhookEvent = Literal[tuple(c.WEBHOOK_EVENTS)]  # type: ignore[valid-type]


def _client(request: HttpRequest) -> ServiceClient:
    client = getattr(request, "service_client", None)
    if client is None:
        raise PermissionDenied("只有服务账户可以通过接口管理事件推送；管理员请使用“服务账户”页面",
                               code="service_client_only")
    return client


class WebhookIn(Schema):
    url: str = Field(..., max_length=500, examples=["https://exchange.example.gov.cn/hooks/onewindow"])
    events: list[WebhookEvent] = Field(..., min_length=1, description="订阅的事件")  # type: ignore[valid-type]


class WebhookOut(Schema):
    id: UUID = Field(..., alias="public_id")
    url: str
    events: list[str]
    secret_prefix: str = Field(..., description="签名密钥的前缀（完整密钥只在创建时返回一次）")
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(
        ..., description="签名密钥，只返回这一次：X-OneWindow-Signature = sha256=HMAC(密钥, 时间戳.请求体)")


class WebhookDeliveryOut(Schema):
    id: UUID = Field(..., alias="public_id")
    subscription_id: UUID
    event: str = Field(..., alias="event_name")
    status: Literal["pending", "succeeded", "failed", "gave_up"]
    attempts: int
    last_status_code: int | None
    last_error: str
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_subscription_id(obj: WebhookDelivery) -> UUID:
        return obj.subscription.public_id


class WebhookDeliveryFilters(Schema):
    status: Literal["", "pending", "succeeded", "failed", "gave_up"] = ""
    event: Literal[("", *c.WEBHOOK_EVENTS)] = ""  # type: ignore[valid-type]


@router.get("/webhooks", response=list[WebhookOut], auth=API_AUTH, summary="本服务账户的事件推送订阅")
def webhook_list(request: HttpRequest) -> Any:
    return list(selectors.webhook_subscription_list(client=_client(request)))


@router.post("/webhooks", response={201: WebhookCreatedOut}, auth=API_AUTH, summary="订阅事件推送",
             description="返回的 secret 只出现这一次。接收地址须为 https 公网地址。需要对应资源的读取权限"
                         "（如 ticket.* 需 tickets:read）才会收到事件。")
@idempotent
def webhook_create(request: HttpRequest, payload: WebhookIn) -> Status:
    subscription, secret = services.webhook_subscription_create(
        actor=request.user, client=_client(request), url=payload.url, events=list(payload.events))
    return Status(201, {"public_id": subscription.public_id, "url": subscription.url, "events": subscription.events,
                        "secret_prefix": subscription.secret_prefix, "created_at": subscription.created_at,
                        "secret": secret})


@router.delete("/webhooks/{webhook_id}", response={204: None}, auth=API_AUTH, summary="删除订阅")
def webhook_delete(request: HttpRequest, webhook_id: UUID) -> Status:
    client = _client(request)
    subscription: WebhookSubscription = selectors.webhook_subscription_get(client=client, public_id=webhook_id)
    services.webhook_subscription_delete(actor=request.user, subscription=subscription)
    return Status(204, None)


@router.get("/webhook-deliveries", response=list[WebhookDeliveryOut], auth=API_AUTH, summary="推送记录（最新在前）")
@paginate(SyncCursorPagination)
def webhook_deliveries(request: HttpRequest, filters: Query[WebhookDeliveryFilters]) -> Any:
    return selectors.webhook_delivery_list(client=_client(request), status=filters.status, event=filters.event)
