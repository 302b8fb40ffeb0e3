"""Forms of the account pages. They only shape input; the rules live in ``signup`` and ``rules``.

Every field carries ``aria-describedby`` (its hint and, after an error, its message) and
``aria-invalid`` when it has an error, so screen readers announce the problem on the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onewindow.core.errors import DomainError

from .constants import CardKind
from .rules import card_validate, credit_code_validate, id_number_parse, mobile_validate, username_validate


class AriaMixin:
    """Wire hints and errors to fields for assistive technology."""

    fields: dict[str, forms.Field]
    prefix: str | None

    def aria_refresh(self) -> None:
        form: Any = self
        for name, field in self.fields.items():
            bound = form[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_hint")
            if form.is_bound and bound.errors:
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            else:
                field.widget.attrs.pop("aria-invalid", None)
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            else:
                field.widget.attrs.pop("aria-describedby", None)

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.aria_refresh()

    def without_validation(self) -> Any:
        """Keep the typed values but show no "required" errors (the 获取验证码 step)."""
        from django.forms.utils import ErrorDict

        form: Any = self
        form._errors = ErrorDict()
        form.cleaned_data = {}
        self.aria_refresh()
        return self

    def apply_error(self, error: DomainError) -> None:
        """Show a DomainError on the fields it names (the others at the top of the form)."""
        form: Any = self
        if not error.fields:
            form.add_error(None, error.message)
        for field, message in error.fields.items():
            form.add_error(field if field in self.fields else None, message)
        self.aria_refresh()


def _text(label: Any, *, help_text: Any = "", autocomplete: str = "", inputmode: str = "",
          required: bool = True, max_length: int = 60, **attrs: str) -> forms.CharField:
    widget_attrs = {k: v for k, v in {"autocomplete": autocomplete, "inputmode": inputmode, **attrs}.items() if v}
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=max_length,
                           widget=forms.TextInput(attrs=widget_attrs))


def _password(label: Any, *, autocomplete: str = "new-password", help_text: Any = "",
              required: bool = True) -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, required=required, max_length=128, strip=False,
                           widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}))


def _phone(label: Any, help_text: Any = "") -> forms.CharField:
    return forms.CharField(label=label, help_text=help_text, max_length=20,
                           widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel",
                                                         "inputmode": "tel"}))


def _sms_code(required: bool = False) -> forms.CharField:
    return forms.CharField(label=_("SMS code"), required=required, max_length=6,
                           help_text=_("6 digits, valid for 5 minutes."),
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                         "pattern": "[0-9]*"}))


def _rule(check: Any, value: str) -> str:
    """Run a pure rule of ``rules`` as a form field check (early feedback on every field)."""
    from onewindow.core.errors import ValidationFailed

    try:
        return str(check(value))
    except ValidationFailed as exc:
        raise ValidationError(next(iter(exc.fields.values()), exc.message), code=exc.code) from None


class RegistrationForm(AriaMixin, forms.Form):
    name = _text(_("Name"), autocomplete="name", help_text=_("As printed on your ID card."))
    id_number = _text(_("ID number"), max_length=18, help_text=_("18 characters; the last may be X."))
    phone = _phone(_("Mobile phone"), help_text=_("The SMS code goes to this number."))
    sms_code = _sms_code(required=False)
    card_kind = forms.ChoiceField(label=_("Second check"), choices=CardKind.choices,
                                  initial=CardKind.SOCIAL_SECURITY_CARD, widget=forms.RadioSelect,
                                  help_text=_("The number is checked against your identity by the card issuer."))
    card_number = _text(_("Card number"), max_length=30, inputmode="text",
                        help_text=_("Social security card: the 9 characters printed on the card. "
                                    "Bank card: 16 to 19 digits."))
    username = _text(_("User name"), max_length=30, autocomplete="username",
                     help_text=_("4 to 30 letters, digits or underscores; you sign in with it."))
    password1 = _password(_("Password"), help_text=_("At least 8 characters, not only digits."))
    password2 = _password(_("Password again"))
    agreed = forms.BooleanField(label=_("I have read and accept the online service agreement"), required=False)

    def __init__(self, *args: Any, enterprise: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if enterprise:
            self.fields["credit_code"] = _text(_("Unified social credit code"), max_length=18,
                                               help_text=_("18 characters, on the business licence."))
            self.fields["enterprise_name"] = _text(_("Enterprise name"), max_length=200,
                                                   help_text=_("Exactly as on the business licence."))
            order = ["credit_code", "enterprise_name", *[f for f in self.fields
                                                        if f not in ("credit_code", "enterprise_name")]]
            self.order_fields(order)
        self.aria_refresh()

    def clean_id_number(self) -> str:
        return _rule(lambda v: id_number_parse(v).number, self.cleaned_data["id_number"])

    def clean_phone(self) -> str:
        return _rule(mobile_validate, self.cleaned_data["phone"])

    def clean_username(self) -> str:
        return _rule(username_validate, self.cleaned_data["username"])

    def clean_credit_code(self) -> str:
        return _rule(credit_code_validate, self.cleaned_data["credit_code"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("card_kind") and data.get("card_number") and "card_number" not in self.errors:
            try:
                card_validate(data["card_kind"], data["card_number"])
            except DomainError as exc:
                self.add_error("card_number", next(iter(exc.fields.values()), exc.message))
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class SendCodeForm(AriaMixin, forms.Form):
    """Only the phone (the page's 获取验证码 button)."""

    phone = _phone(_("Mobile phone"))


class PasswordResetRequestForm(AriaMixin, forms.Form):
    identifier = _text(_("User name or ID number"), max_length=30, autocomplete="username")
    phone = _phone(_("Mobile phone of the account"),
                   help_text=_("The phone number you gave when you registered."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aria_refresh()


class PasswordResetConfirmForm(AriaMixin, forms.Form):
    sms_code = _sms_code(required=True)
    new_password1 = _password(_("New password"), help_text=_("At least 8 characters, not only digits."))
    new_password2 = _password(_("New password again"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aria_refresh()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class PasswordChangeForm(AriaMixin, forms.Form):
    old_password = _password(_("Current password"), autocomplete="current-password")
    new_password1 = _password(_("New password"), help_text=_("At least 8 characters, not only digits."))
    new_password2 = _password(_("New password again"))

    def __init__(self, *args: Any, needs_old: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_old:
            del self.fields["old_password"]
        self.aria_refresh()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("The two passwords differ."))
        return data


class PhoneChangeForm(AriaMixin, forms.Form):
    password = _password(_("Current password"), autocomplete="current-password")
    new_phone = _phone(_("New mobile phone"), help_text=_("The SMS code goes to the new number."))
    sms_code = _sms_code(required=False)

    def __init__(self, *args: Any, needs_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_password:
            del self.fields["password"]
        self.aria_refresh()


class WindowRegistrationForm(AriaMixin, forms.Form):
    name = _text(_("Name"), help_text=_("Read from the ID card."))
    id_number = _text(_("ID number"), max_length=18, help_text=_("Read from the ID card."))
    phone = _phone(_("Mobile phone of the applicant"), help_text=_("The applicant receives the SMS code."))
    sms_code = _sms_code(required=False)
    username = _text(_("User name"), max_length=30,
                     help_text=_("4 to 30 letters, digits or underscores; tell it to the applicant."))
    password = _password(_("Password typed by the applicant (optional)"), required=False,
                         help_text=_("Typed on the counter keypad. Leave empty: the applicant sets it "
                                     "later with “Forgot password” and an SMS code."))
    agreement_signed = forms.BooleanField(
        label=_("The applicant has read and signed the service agreement"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.aria_refresh()


class SignInForm(AriaMixin, AuthenticationForm):
    """The sign-in form, with a CAPTCHA when this client has failed several times."""

    captcha = forms.CharField(label=_("Digits in the picture"), required=False, max_length=8,
                              widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    error_messages = {
        "invalid_login": _("Wrong user name or password. Please try again."),
        "inactive": _("This account is disabled."),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.captcha_required = False
        self.throttled = False
        self.aria_refresh()

    def clean(self) -> dict[str, Any]:
        from .signin import client_ip, signin_gate, signin_state

        request: Any = self.request
        username = (self.cleaned_data.get("username") or "").strip()
        if username and self.cleaned_data.get("password"):
            try:
                state = signin_gate(request=request, username=username,
                                    captcha_key=str(self.data.get("captcha_key", "")),
                                    captcha_value=str(self.data.get("captcha", "")))
            except DomainError as exc:
                self.captcha_required = exc.code in ("captcha_required", "captcha_wrong") or (
                    exc.code in ("signin_wait", "signin_locked") and signin_state(
                        username=username, ip=client_ip(request)).captcha_required)
                self.throttled = exc.status == 429 and exc.code != "captcha_required"
                if exc.code in ("captcha_required", "captcha_wrong"):
                    raise ValidationError({"captcha": exc.fields.get("captcha", exc.message)}) from None
                raise ValidationError(exc.message, code=exc.code) from None
            self.captcha_required = state.captcha_required
        try:
            return super().clean()
        except ValidationError:
            if username:
                self.captcha_required = signin_state(username=username, ip=client_ip(request)).captcha_required
            raise
