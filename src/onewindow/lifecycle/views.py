"""一企一张图 pages: the enterprise agent's map(s), the same map for its service officer with
notes."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from onewindow.core.errors import DomainError

from . import selectors, services


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    maps = list(selectors.maps_of_user(user=request.user)[:20]) or list(
        selectors.maps_for_staff(actor=request.user)[:50])
    if len(maps) == 1:
        return redirect("lifecycle:detail", public_id=maps[0].public_id)
    return render(request, "lifecycle/mine.html", {"maps": maps})


@login_required
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    emap = selectors.map_get(actor=request.user, public_id=public_id)
    officer = selectors.is_officer_or_staff(actor=request.user, map=emap)
    context = {"view": selectors.map_view(map=emap), "notes": selectors.notes_of(map=emap), "officer": officer,
               "values": {}}
    if request.method == "POST":
        context["values"] = request.POST.dict()
        try:
            services.note_add(actor=request.user, map=emap, text=request.POST.get("text", ""),
                              node_key=request.POST.get("node_key", "")[:40])
        except DomainError as error:
            return render(request, "lifecycle/detail.html", {**context, "error": error}, status=error.status)
        return redirect("lifecycle:detail", public_id=emap.public_id)
    return render(request, "lifecycle/detail.html", context)
