"""System checks of the core app (registered in CoreConfig.ready)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.core.checks import CheckMessage, Tags, Warning, register
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

CALENDAR_MISSING_YEAR = "onewindow.W001"
AUDIT_ROLE_CAN_MODIFY = "onewindow.W002"
APP_ROLE_OWNS_OBJECTS = "onewindow.W003"


def calendar_year_check(*, today: date | None = None) -> list[CheckMessage]:
    """From 1 December: warn when next year's official holiday schedule is missing.

    Never an error, and silent when the database or its tables are not there yet (before
    ``migrate``): a check must not stop ``migrate`` from running.
    """
    from .selectors import calendar_missing_year_warning, calendar_tables_ready

    try:
        if not calendar_tables_ready():
            return []
        message = calendar_missing_year_warning(today=today)
    except DatabaseError as exc:
        logger.debug("calendar check skipped: %s", exc)
        return []
    if not message:
        return []
    return [Warning(
        message,
        hint="导入：manage.py calendar_import FILE --year YYYY，或工作台“工作日历”页面上传文件。",
        id=CALENDAR_MISSING_YEAR,
    )]


@register()
def calendar_next_year_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return calendar_year_check()


def audit_role_messages() -> list[CheckMessage]:
    """On PostgreSQL: warn when the role the platform runs as could rewrite the audit trail,
    or owns objects (it should own nothing: migrations run as the owner role)."""
    from .db_roles import audit_role_report

    if connection.vendor != "postgresql":
        return []
    try:
        with connection.cursor() as cursor:
            powers, owned = audit_role_report(cursor)
    except DatabaseError as exc:
        logger.debug("audit role check skipped: %s", exc)
        return []
    hint = ("应用以只有 INSERT/SELECT 审计表权限、不拥有任何对象的角色连接数据库；迁移以属主角色运行。"
            "用 manage.py db_roles 生成并执行授权语句（见 docs/deploy.md“数据库角色”）。")
    user = connection.settings_dict.get("USER") or "当前角色"
    messages: list[CheckMessage] = []
    if powers:
        messages.append(Warning(
            f"数据库角色 {user} 可以改写审计记录表：{'；'.join(powers)}", hint=hint,
            id=AUDIT_ROLE_CAN_MODIFY))
    if owned:
        messages.append(Warning(
            f"数据库角色 {user} 拥有 {owned} 个数据库对象（表、序列、视图）", hint=hint,
            id=APP_ROLE_OWNS_OBJECTS))
    return messages


@register(Tags.security, deploy=True)
def audit_role_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return audit_role_messages()
