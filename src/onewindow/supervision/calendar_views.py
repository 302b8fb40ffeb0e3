"""Staff pages of the working-day calendar: see a year, upload its official schedule."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from onewindow.accounts.scope import scope_for
from onewindow.accounts.views import staff_required
from onewindow.core import selectors as core_selectors
from onewindow.core import services as core_services
from onewindow.core.errors import DomainError, PermissionDenied, ValidationFailed

from .calendar_api import CALENDAR_EDITORS

MAX_UPLOAD_BYTES = core_services.MAX_FILE_BYTES


def _page(request: HttpRequest, year: int, *, error: DomainError | None = None,
          status: int = 200) -> HttpResponse:
    view = core_selectors.calendar_year_get(year=year)
    context: dict[str, Any] = {
        "view": view,
        "years": core_selectors.calendar_year_list(),
        "previous_year": year - 1 if year > core_selectors.MIN_YEAR else None,
        "next_year": year + 1 if year < core_selectors.MAX_YEAR else None,
        "can_import": scope_for(request.user).has_role(*CALENDAR_EDITORS),
        "warning": core_selectors.calendar_missing_year_warning(),
        "error": error,
        "max_upload_kb": MAX_UPLOAD_BYTES // 1024,
    }
    return render(request, "supervision/calendar.html", context, status=status)


@staff_required
def calendar_home(request: HttpRequest) -> HttpResponse:
    return redirect("supervision:calendar_year", year=timezone.localdate().year)


@staff_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    return _page(request, core_selectors.calendar_year_check(year))


@staff_required
@require_POST
def calendar_import(request: HttpRequest, year: int) -> HttpResponse:
    core_selectors.calendar_year_check(year)
    if not scope_for(request.user).has_role(*CALENDAR_EDITORS):
        raise PermissionDenied("只有系统管理员或监督管理人员可以导入节假日安排")
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationFailed("请选择要导入的 CSV 或 YAML 文件", code="calendar_file_missing",
                                   fields={"file": "请选择文件"})
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise ValidationFailed(f"文件过大（不超过 {MAX_UPLOAD_BYTES // 1024} KB）",
                                   code="calendar_file_invalid", fields={"file": "文件过大"})
        name = upload.name or ""
        source = request.POST.get("source", "").strip()[:200] or f"导入：{name}"
        core_services.calendar_import(actor=request.user, year=year, content=upload.read(),
                                      filename=name, source=source)
    except DomainError as error:
        return _page(request, year, error=error, status=error.status)
    messages.success(request, f"{year} 年法定节假日安排已导入，状态为“官方公布”。")
    return redirect("supervision:calendar_year", year=year)
