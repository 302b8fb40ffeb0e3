"""System checks of the core app (registered in CoreConfig.ready)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

logger = logging.getLogger(__name__)

CALENDAR_MISSING_YEAR = "onewindow.W001"


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
