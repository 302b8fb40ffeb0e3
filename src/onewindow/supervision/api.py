"""/api/v1/audit: the audit trail for supervisors (电子监察)."""


from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from onewindow.accounts.auth import API_AUTH
from onewindow.accounts.constants import Role
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_verify_chain
from onewindow.core.errors import PermissionDenied
from onewindow.core.pagination import CursorPagination, UpdatedSinceFilter

from . import selectors

router = Router(tags=["电子监察 supervision"])

AUDIT_READERS = (Role.SUPERVISOR, Role.ADMINISTRATOR)


class AuditEntryOut(Schema):
    seq: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    summary: dict
    request_id: str
    hash: str


class ChainOut(Schema):
    ok: bool
    checked: int
    first_bad_seq: int | None
    reason: str
    checkpoint_seq: int | None = None
    checkpoint_at: datetime | None = None
    warnings: list[str] = []


class AuditPagination(CursorPagination):
    """Cursor walks follow the chain (``seq``, oldest first): entries never change."""

    cursor_keys = ("seq",)


class AuditListQuery(UpdatedSinceFilter):
    action: str = Field("", max_length=80)
    object_id: str = Field("", max_length=64)


@router.get("/audit", response=list[AuditEntryOut], auth=API_AUTH, summary="审计记录（监督人员）",
            description="最新在前（cursor 游标翻页时按 seq 旧在前）。审计记录只增不改："
                        "updated_since 列出此时间（含）之后记下的记录（at）。")
@paginate(AuditPagination)
def audit_list(request: HttpRequest, filters: Query[AuditListQuery]):  # type: ignore[no-untyped-def]
    if not scope_for(request.user).has_role(*AUDIT_READERS):
        raise PermissionDenied()
    return selectors.audit_list(action=filters.action, object_id=filters.object_id,
                                since=filters.updated_since)


@router.get("/audit/verify", response=ChainOut, auth=API_AUTH, summary="校验审计链")
def audit_verify(request: HttpRequest) -> dict[str, object]:
    if not scope_for(request.user).has_role(*AUDIT_READERS):
        raise PermissionDenied()
    verdict = audit_verify_chain()
    return {"ok": verdict.ok, "checked": verdict.checked,
            "first_bad_seq": verdict.first_bad_seq, "reason": verdict.reason,
            "checkpoint_seq": verdict.checkpoint_seq, "checkpoint_at": verdict.checkpoint_at,
            "warnings": verdict.warnings}
