"""The citizen's side: the mobile home organised after 国办函〔2016〕108号 (我要看/查/办/问/评/我的),
my centre (我的) with one inbox, and the installable app shell (manifest, service worker,
offline page)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from onewindow.accounts.constants import UserKind
from onewindow.cases import services as case_services

from . import selectors


def home(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "kind", None) == UserKind.STAFF:
        return redirect("supervision:home")
    signed_in = request.user.is_authenticated
    context = {"news": selectors.latest_news(limit=5),
               "todos": selectors.todos_of(user=request.user) if signed_in else []}
    return render(request, "portal/home.html", context)


def _citizen(request: HttpRequest) -> HttpResponse | None:
    if getattr(request.user, "kind", None) == UserKind.STAFF:
        return redirect("supervision:home")
    return None


@login_required
def my_centre(request: HttpRequest) -> HttpResponse:
    staff = _citizen(request)
    if staff:
        return staff
    return render(request, "portal/my.html", {"my": selectors.my_centre(user=request.user)})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    staff = _citizen(request)
    if staff:
        return staff
    unread_only = request.GET.get("unread") == "1"
    rows = list(selectors.inbox(user=request.user, unread_only=unread_only)[:100])
    return render(request, "portal/inbox.html", {"rows": rows, "unread_only": unread_only,
                                                 "unread": sum(1 for n in rows if n.read_at is None)})


@require_POST
@login_required
def inbox_read(request: HttpRequest) -> HttpResponse:
    case_services.notifications_mark_read(actor=request.user)
    return redirect("portal:inbox")


@cache_control(public=True, max_age=3600)
def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: installable on a phone's home screen, opening on 首页."""
    name = settings.ONEWINDOW_PLATFORM_NAME
    data = {
        "name": f"{name} · 盘龙政务", "short_name": name, "lang": "zh-CN", "start_url": "/?source=pwa",
        "scope": "/", "display": "standalone", "background_color": "#ffffff", "theme_color": "#0b5cad",
        "description": "区级政务服务：我要看、我要查、我要办、我要问、我要评",
        "icons": [{"src": static("portal/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                  {"src": static("portal/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                  {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})


def service_worker(request: HttpRequest) -> HttpResponse:
    """/sw.js at the root (a worker controls only pages under its own path). The shell files
    are named with their static URLs (hashed in production)."""
    shell = [static(p) for p in ("css/onewindow.css", "js/onewindow.js", "vendor/htmx-2.0.11.min.js",
                                 "portal/portal.css", "portal/portal.js", "favicon.svg")]
    response = render(request, "portal/sw.js", {"shell": shell, "version": settings.ONEWINDOW_SW_VERSION},
                      content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/offline.html")
