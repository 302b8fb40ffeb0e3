"""Administrators' page of background work (后台任务): failed, stuck and waiting tasks,
periodic jobs, undeliverable events and live workers; retry or mark a failure handled."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onewindow.accounts.constants import Role
from onewindow.accounts.scope import scope_for
from onewindow.accounts.views import staff_required
from onewindow.core import background
from onewindow.core.errors import NotFound

BACKGROUND_ADMINS = (Role.ADMINISTRATOR,)


def _check(request: HttpRequest) -> None:
    if not scope_for(request.user).has_role(*BACKGROUND_ADMINS):
        raise NotFound()


@staff_required
def background_home(request: HttpRequest) -> HttpResponse:
    _check(request)
    return render(request, "supervision/background.html", {"overview": background.background_overview()})


@staff_required
@require_POST
def background_retry(request: HttpRequest, task_id: str) -> HttpResponse:
    _check(request)
    row = background.background_task_retry(actor=request.user, task_id=task_id)
    messages.success(request, f"已重新排队：{background.policy_for(row.task_path).label or row.task_path}")
    return redirect("supervision:background")


@staff_required
@require_POST
def background_dismiss(request: HttpRequest, task_id: str) -> HttpResponse:
    _check(request)
    background.background_task_dismiss(actor=request.user, task_id=task_id,
                                       note=request.POST.get("note", "").strip())
    messages.success(request, "已标记为已处理")
    return redirect("supervision:background")
