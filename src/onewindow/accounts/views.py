"""Pages: sign in/out, the citizen's own account, and the staff's resident register."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core.clientip import client_ip
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.inputs import url_lookup_check
from onewindow.core.masking import has_personal_number
from onewindow.regions.selectors import region_get

from . import selectors, services, signup
from .constants import Role, SmsPurpose, UserKind
from .forms import (
    PasswordChangeForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
    PhoneChangeForm,
    RegistrationForm,
    SignInForm,
    WindowRegistrationForm,
)
from .navigation import nav_allows
from .scope import scope_for
from .signin import captcha_new


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff pages: signed-in staff only; anyone else is sent to sign in or gets a 404."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request.user, "kind", None) != UserKind.STAFF:
            raise NotFound()
        return view(request, *args, **kwargs)

    return wrapper


def staff_page(key: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A staff page declared in the navigation (``navigation.NavLink`` ``key``): whoever is not
    shown its link gets a 404, so the link and the page follow one rule."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        @staff_required
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not nav_allows(user=request.user, key=key):
                raise NotFound()
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = SignInForm

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        if form is not None and getattr(form, "captcha_required", False):
            context["captcha"] = captcha_new()
        return context


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def me(request: HttpRequest) -> HttpResponse:
    person = selectors.person_of_user(user=request.user)
    return render(request, "accounts/me.html", {
        "person": person,
        "masked": selectors.person_masked(person) if person else None,
        "enterprises": request.user.enterprises.all(),  # type: ignore[union-attr]
        "tokens": selectors.api_token_list(user=request.user),  # type: ignore[arg-type]
        "realname": selectors.realname_of_user(user=request.user),
        "agreement": selectors.agreement_of_user(user=request.user),
        "is_staff_user": getattr(request.user, "kind", "") == UserKind.STAFF,
    })


# --- Registration, password reset, own changes -------------------------------------------------
def _sms_sent(request: HttpRequest, form: Any, send: Callable[[], str], template: str,
              context: dict[str, Any]) -> HttpResponse:
    """The 获取验证码 button: send, then answer a status fragment (htmx) or the whole page."""
    status: dict[str, Any] = {}
    http_status = 200
    form.without_validation()
    try:
        status["sent_to"] = send()
    except DomainError as error:
        status["error"] = error
        http_status = error.status
        if not request.htmx:  # type: ignore[attr-defined]
            form.apply_error(error)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "accounts/_sms_status.html", status, status=http_status)
    return render(request, template, {**context, "form": form, "sms": status}, status=http_status)


def register_choice(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_choice.html")


def agreement(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/agreement.html", {"version": signup.agreement_version()})


def register(request: HttpRequest, kind: str) -> HttpResponse:
    enterprise = kind == "enterprise"
    template = "accounts/register.html"
    context = {"enterprise": enterprise, "version": signup.agreement_version()}
    if request.method != "POST":
        return render(request, template, {**context, "form": RegistrationForm(enterprise=enterprise)})
    form = RegistrationForm(request.POST, enterprise=enterprise)
    if request.POST.get("action") == "send_code":
        return _sms_sent(request, form, lambda: signup.sms_code_request(
            phone=request.POST.get("phone", ""), purpose=SmsPurpose.REGISTER, client_ip=client_ip(request)),
            template, context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = signup.account_register(data=signup.Registration(
                username=data["username"], password=data["password1"], name=data["name"],
                id_number=data["id_number"], phone=data["phone"], sms_code=data["sms_code"],
                card_kind=data["card_kind"], card_number=data["card_number"],
                agreement_version=request.POST.get("agreement_version", ""), agreed=data["agreed"],
                credit_code=data.get("credit_code", ""), enterprise_name=data.get("enterprise_name", "")))
        except DomainError as error:
            form.apply_error(error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("accounts:register_done")
    return render(request, template, {**context, "form": form}, status=400)


@login_required
def register_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/register_done.html")


RESET_SESSION_KEY = "accounts_password_reset"


def password_reset(request: HttpRequest) -> HttpResponse:
    template = "accounts/password_reset.html"
    if request.method != "POST":
        return render(request, template, {"form": PasswordResetRequestForm()})
    form = PasswordResetRequestForm(request.POST)
    if form.is_valid():
        try:
            masked = signup.password_reset_request(identifier=form.cleaned_data["identifier"],
                                                   phone=form.cleaned_data["phone"], client_ip=client_ip(request))
        except DomainError as error:
            form.apply_error(error)
        else:
            request.session[RESET_SESSION_KEY] = {"identifier": form.cleaned_data["identifier"],
                                                  "phone": form.cleaned_data["phone"], "masked": masked}
            return redirect("accounts:password_reset_confirm")
    return render(request, template, {"form": form}, status=400)


def password_reset_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(RESET_SESSION_KEY)
    if not pending:
        return redirect("accounts:password_reset")
    template = "accounts/password_reset_confirm.html"
    context = {"masked": pending["masked"]}
    if request.method != "POST":
        return render(request, template, {**context, "form": PasswordResetConfirmForm()})
    form = PasswordResetConfirmForm(request.POST)
    if request.POST.get("action") == "send_code":
        return _sms_sent(request, form, lambda: signup.password_reset_request(
            identifier=pending["identifier"], phone=pending["phone"], client_ip=client_ip(request)),
            template, context)
    if form.is_valid():
        try:
            signup.password_reset_confirm(identifier=pending["identifier"], phone=pending["phone"],
                                          sms_code=form.cleaned_data["sms_code"],
                                          new_password=form.cleaned_data["new_password1"])
        except DomainError as error:
            form.apply_error(error)
        else:
            request.session.pop(RESET_SESSION_KEY, None)
            return redirect("accounts:password_reset_complete")
    return render(request, template, {**context, "form": form}, status=400)


def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_complete.html")


@login_required
def me_password(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    needs_old = user.has_usable_password()
    if request.method != "POST":
        return render(request, "accounts/me_password.html", {"form": PasswordChangeForm(needs_old=needs_old)})
    form = PasswordChangeForm(request.POST, needs_old=needs_old)
    if form.is_valid():
        try:
            signup.password_change(user=user, old_password=form.cleaned_data.get("old_password", ""),
                                   new_password=form.cleaned_data["new_password1"])
        except DomainError as error:
            form.apply_error(error)
        else:
            update_session_auth_hash(request, user)  # this browser stays signed in; others are not
            messages.success(request, _("Password changed. Other devices have been signed out."))
            return redirect("accounts:me")
    return render(request, "accounts/me_password.html", {"form": form}, status=400)


@login_required
def me_phone(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    template = "accounts/me_phone.html"
    needs_password = user.has_usable_password()
    person = selectors.person_of_user(user=user)
    context = {"current": selectors.person_masked(person)["phone"] if person else ""}
    if request.method != "POST":
        return render(request, template, {**context, "form": PhoneChangeForm(needs_password=needs_password)})
    form = PhoneChangeForm(request.POST, needs_password=needs_password)
    if request.POST.get("action") == "send_code":
        return _sms_sent(request, form, lambda: signup.phone_change_request(
            user=user, new_phone=request.POST.get("new_phone", ""), password=request.POST.get("password", ""),
            client_ip=client_ip(request)), template, context)
    if form.is_valid():
        try:
            signup.phone_change_confirm(user=user, new_phone=form.cleaned_data["new_phone"],
                                        sms_code=form.cleaned_data["sms_code"])
        except DomainError as error:
            form.apply_error(error)
        else:
            messages.success(request, _("Your mobile phone number has been changed."))
            return redirect("accounts:me")
    return render(request, template, {**context, "form": form}, status=400)


def captcha_refresh(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/_captcha.html", {"captcha": captcha_new()})


def _window_clerk(user: Any) -> bool:
    return scope_for(user).has_role(Role.WINDOW_CLERK, Role.ADMINISTRATOR)


@staff_required
def window_register(request: HttpRequest) -> HttpResponse:
    if not _window_clerk(request.user):
        raise NotFound()
    template = "accounts/window_register.html"
    if request.method != "POST":
        return render(request, template, {"form": WindowRegistrationForm()})
    form = WindowRegistrationForm(request.POST)
    if request.POST.get("action") == "send_code":
        return _sms_sent(request, form, lambda: signup.window_register_send_code(
            actor=request.user, phone=request.POST.get("phone", ""), client_ip=client_ip(request)), template, {})
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = signup.window_register(
                actor=request.user, name=data["name"], id_number=data["id_number"], phone=data["phone"],
                sms_code=data["sms_code"], username=data["username"], password=data["password"],
                agreement_signed=data["agreement_signed"])
        except DomainError as error:
            form.apply_error(error)
        else:
            return render(request, "accounts/window_register_done.html",
                          {"account": user, "password_set": bool(data["password"])})
    return render(request, template, {"form": form}, status=400)


@staff_required
def people(request: HttpRequest) -> HttpResponse:
    """The residents of the clerk's scope. The search form posts (an ID or mobile number never
    travels in the URL); a name search may also come by GET (the pager's links)."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    source = request.POST if request.method == "POST" else request.GET
    q = source.get("q", "")
    if request.method != "POST":
        url_lookup_check(q, field="q")
    filters = selectors.PersonFilters(q=q, region_code=source.get("region", ""))
    qs = selectors.person_list(actor=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(source.get("page"))
    rows = [(p, selectors.person_masked(p)) for p in page.object_list]
    template = "accounts/_people_rows.html" if request.htmx else "accounts/people.html"  # type: ignore[attr-defined]
    return render(request, template, {"page": page, "rows": rows, "filters": filters,
                                      "q_in_url": "" if has_personal_number(q) else q,
                                      "can_window_register": _window_clerk(request.user)})


@staff_required
def person_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(actor=request.user, public_id=public_id)
    return render(request, "accounts/person_detail.html",
                  {"person": person, "masked": selectors.person_masked(person)})


@staff_required
@require_POST
def person_reveal(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(actor=request.user, public_id=public_id)
    try:
        full = services.person_reveal(actor=request.user, person=person,
                                      reason=request.POST.get("reason", ""))
    except DomainError as error:
        return render(request, "accounts/_reveal.html", {"person": person, "error": error},
                      status=error.status)
    return render(request, "accounts/_reveal.html", {"person": person, "full": full})


@staff_required
@require_POST
def person_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    person = selectors.person_get(actor=request.user, public_id=public_id)
    region_code = request.POST.get("region", "").strip()
    try:
        services.person_update(
            actor=request.user, person=person, phone=request.POST.get("phone") or None,
            address=request.POST.get("address") or None,
            region=region_get(code=region_code) if region_code else None,
        )
    except DomainError as error:
        return render(request, "accounts/person_detail.html",
                      {"person": person, "masked": selectors.person_masked(person),
                       "error": error}, status=error.status)
    return redirect("accounts:person", public_id=person.public_id)
