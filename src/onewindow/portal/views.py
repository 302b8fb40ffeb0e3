from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from onewindow.accounts.constants import UserKind


def home(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "kind", None) == UserKind.STAFF:
        return redirect("supervision:home")
    return render(request, "portal/home.html")
