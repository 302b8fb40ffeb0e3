"""Registration (国办函〔2016〕108号 factors), window registration, password reset, own changes."""

from dataclasses import replace

import pytest
from django.test import Client

from onewindow.accounts import services, signup
from onewindow.accounts.constants import SmsPurpose, UserKind
from onewindow.accounts.models import AgreementAcceptance, ApiToken, Person, RealNameRecord, User
from onewindow.accounts.otp import sms_code_send
from onewindow.accounts.sms import sms_last_code
from onewindow.accounts.tests.factories import make_credit_code, make_id_number
from onewindow.core.errors import Conflict, DomainError, NotAuthenticated, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _no_resend_interval(settings):
    """Rate limits are tested in test_otp; here one phone gets several codes in a row."""
    settings.ONEWINDOW_SMS_LIMITS = {"interval_seconds": 0}


def registration(**changes) -> signup.Registration:
    data = signup.Registration(
        username="lihua2026", password="Kunming#Spring88", name="李华", id_number=make_id_number(501),
        phone=PHONE, sms_code="", card_kind="bank_card", card_number="6222021234567890128",
        agreement_version=signup.agreement_version(), agreed=True)
    return replace(data, **changes)


def code_for(phone=PHONE, purpose=SmsPurpose.REGISTER) -> str:
    sms_code_send(phone=phone, purpose=purpose)
    return sms_last_code(phone)


def test_citizen_registers_with_id_name_phone_card_and_agreement():
    user = signup.account_register(data=registration(sms_code=code_for()))
    assert user.kind == UserKind.CITIZEN and user.check_password("Kunming#Spring88")
    person = Person.objects.get(user=user)
    assert person.name == "李华" and person.phone == PHONE and person.id_number == make_id_number(501)
    record = RealNameRecord.objects.get(user=user)
    assert record.factors == ["id_name", "mobile_sms", "bank_card"] and record.channel == "online"
    assert AgreementAcceptance.objects.get(user=user).version == signup.agreement_version()
    entry = AuditEntry.objects.get(action="account.register")
    assert entry.summary["phone"] == "138****5678"
    assert make_id_number(501) not in str(entry.summary)


def test_every_field_problem_is_reported_at_once():
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(
            username="ab", id_number="530103198001010010", phone="12345", card_number="123",
            password="123", agreed=False))
    fields = info.value.fields
    assert set(fields) >= {"username", "id_number", "phone", "card_number", "password", "agreed", "sms_code"}
    assert info.value.code == "username_format"
    assert not User.objects.exists()


def test_outdated_agreement_version_is_refused():
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code="123456", agreement_version="2019.1"))
    assert info.value.code == "agreement_outdated"


def test_name_must_match_the_id_number(district):
    services.person_create(actor=None, name="张丽华", id_number=make_id_number(501))
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code=code_for()))
    assert info.value.code == "realname_mismatch"
    assert not User.objects.exists()


def test_card_not_held_by_the_person_is_refused():
    # the development provider reports cards ending in 0000 as not matching
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code=code_for(), card_kind="social_security_card",
                                                  card_number="A12340000"))
    assert info.value.code == "card_mismatch"
    assert "社会保障卡" in info.value.message


def test_realname_service_down_is_a_503(settings):
    settings.ONEWINDOW_REALNAME_PROVIDER = "onewindow.accounts.tests.test_signup.DownProvider"
    with pytest.raises(DomainError) as info:
        signup.account_register(data=registration(sms_code="123456"))
    assert info.value.status == 503 and info.value.code == "realname_unavailable"


class DownProvider:
    code = "down"
    development_only = False

    def check_name(self, **kw):
        from onewindow.accounts.identity import RealNameUnavailable

        raise RealNameUnavailable("timeout")

    check_card = check_name


def test_wrong_sms_code_creates_nothing_and_a_failed_save_keeps_the_code():
    code = code_for()
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code="000000" if code != "000000" else "111111"))
    assert info.value.code == "sms_code_wrong"
    # username taken after the code was checked is reported before the code is used
    User.objects.create(username="lihua2026")
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code=code))
    assert info.value.code == "username_taken"
    user = signup.account_register(data=registration(sms_code=code, username="lihua_2026"))
    assert user.username == "lihua_2026"


def test_registered_resident_is_bound_and_a_second_account_refused(district):
    resident = services.person_create(actor=None, name="李华", id_number=make_id_number(501),
                                      region=district.community_a1)
    user = signup.account_register(data=registration(sms_code=code_for()))
    resident.refresh_from_db()
    assert resident.user == user and resident.phone == PHONE and resident.region == district.community_a1
    with pytest.raises(Conflict) as info:
        signup.account_register(data=registration(username="other_name", sms_code=code_for("13900001111"),
                                                  phone="13900001111"))
    assert info.value.code == "person_has_account"


def test_enterprise_agent_registers_under_a_credit_code(district):
    code = make_credit_code(7)
    enterprise = services.enterprise_create(actor=None, name="昆明云创科技有限公司", credit_code=code)
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code="123456", credit_code=code,
                                                  enterprise_name="别的公司"))
    assert info.value.code == "enterprise_not_found"
    with pytest.raises(ValidationFailed) as info:
        signup.account_register(data=registration(sms_code="123456", credit_code=code[:-1] + "0"
                                                  if code[-1] != "0" else code[:-1] + "1",
                                                  enterprise_name="昆明云创科技有限公司"))
    assert info.value.code == "credit_code_checksum"
    user = signup.account_register(data=registration(sms_code=code_for(), credit_code=code.lower(),
                                                     enterprise_name="昆明云创科技有限公司"))
    assert user.kind == UserKind.ENTERPRISE
    assert list(enterprise.users.all()) == [user]
    assert AuditEntry.objects.get(action="account.register").summary["enterprise"] == code


# --- window registration ---------------------------------------------------------------------
def test_clerk_registers_a_person_at_the_window(district, clerk_a, sms_outbox,
                                                django_capture_on_commit_callbacks):
    masked = signup.window_register_send_code(actor=clerk_a.user, phone=PHONE)
    assert masked == "138****5678"
    code = sms_last_code(PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        user = signup.window_register(
            actor=clerk_a.user, name="王秀英", id_number=make_id_number(502), phone=PHONE, sms_code=code,
            username="wangxiuying", agreement_signed=True, region=district.community_a1)
    assert not user.has_usable_password()
    person = Person.objects.get(user=user)
    assert person.region == district.community_a1
    record = RealNameRecord.objects.get(user=user)
    assert record.channel == "window" and record.clerk == clerk_a.user
    assert "id_card" in record.factors and "mobile_sms" in record.factors
    entry = AuditEntry.objects.get(action="account.window_register")
    assert entry.actor_id == clerk_a.user_id and entry.summary["password_set"] is False
    assert "已在窗口开通" in sms_outbox[-1][1] and "忘记密码" in sms_outbox[-1][1]


def test_window_registration_needs_a_clerk_the_code_and_the_signature(district, clerk_a, supervisor):
    with pytest.raises(PermissionDenied) as info:
        signup.window_register_send_code(actor=supervisor.user, phone=PHONE)
    assert info.value.code == "window_clerk_required"
    signup.window_register_send_code(actor=clerk_a.user, phone=PHONE)
    with raises_code(ValidationFailed, "agreement_required") as info:
        signup.window_register(actor=clerk_a.user, name="王秀英", id_number=make_id_number(502), phone=PHONE,
                               sms_code="", username="wangxiuying", agreement_signed=False,
                               region=district.community_b1)
    assert set(info.value.fields) == {"sms_code", "agreement_signed", "region"}
    assert not User.objects.filter(username="wangxiuying").exists()


# --- password reset ----------------------------------------------------------------------------
@pytest.fixture
def citizen():
    return signup.account_register(data=registration(sms_code=code_for()))


def test_password_reset_by_sms_revokes_tokens_and_lifts_locks(citizen, sms_outbox):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="lihua2026", ip_address="198.51.100.7", user_agent="x",
                                 failures_since_start=10, get_data="", post_data="", http_accept="",
                                 path_info="/accounts/login/")
    _, key = services.api_token_create(user=citizen, name="t")
    sms_outbox.clear()
    assert signup.password_reset_request(identifier=make_id_number(501), phone=PHONE) == "138****5678"
    code = sms_last_code(PHONE)
    signup.password_reset_confirm(identifier="lihua2026", phone=PHONE, sms_code=code,
                                  new_password="Xin!mima2026")
    citizen.refresh_from_db()
    assert citizen.check_password("Xin!mima2026")
    with raises_code(NotAuthenticated, "token_revoked"):
        services.api_token_authenticate(key=key)
    assert not AccessAttempt.objects.exists()
    assert AuditEntry.objects.filter(action="account.password_reset").count() == 1


def test_password_reset_reveals_nothing_about_unknown_accounts_or_phones(citizen, sms_outbox):
    sms_outbox.clear()
    assert signup.password_reset_request(identifier="nobody", phone=PHONE) == "138****5678"
    assert signup.password_reset_request(identifier="lihua2026", phone="13900001111") == "139****1111"
    assert not sms_outbox
    with pytest.raises(ValidationFailed) as info:
        signup.password_reset_confirm(identifier="lihua2026", phone="13900001111", sms_code="123456",
                                      new_password="Xin!mima2026")
    assert info.value.code == "sms_code_wrong"


def test_staff_cannot_reset_by_sms(clerk_a, sms_outbox):
    signup.password_reset_request(identifier="clerk_a", phone=PHONE)
    assert not sms_outbox


# --- own changes -------------------------------------------------------------------------------
def test_password_change_ends_other_sessions_and_tokens(citizen):
    other = Client()
    other.force_login(citizen)
    assert other.get("/me/").status_code == 200
    services.api_token_create(user=citizen, name="t")
    with pytest.raises(ValidationFailed) as info:
        signup.password_change(user=citizen, old_password="wrong", new_password="Xin!mima2026")
    assert info.value.code == "password_wrong"
    signup.password_change(user=citizen, old_password="Kunming#Spring88", new_password="Xin!mima2026")
    assert other.get("/me/").status_code == 302  # the other browser is signed out
    assert ApiToken.objects.get().revoked_at is not None


def test_phone_change_by_code_to_the_new_number(citizen, sms_outbox, django_capture_on_commit_callbacks):
    with pytest.raises(ValidationFailed) as info:
        signup.phone_change_request(user=citizen, new_phone="13900001111", password="nope")
    assert info.value.code == "password_wrong"
    with pytest.raises(ValidationFailed) as info:
        signup.phone_change_request(user=citizen, new_phone=PHONE, password="Kunming#Spring88")
    assert info.value.code == "phone_unchanged"
    signup.phone_change_request(user=citizen, new_phone="13900001111", password="Kunming#Spring88")
    code = sms_last_code("13900001111")
    with raises_code(ValidationFailed, "sms_code_missing"):
        signup.phone_change_confirm(user=citizen, new_phone="13900001112", sms_code=code)
    with django_capture_on_commit_callbacks(execute=True):
        person = signup.phone_change_confirm(user=citizen, new_phone="13900001111", sms_code=code)
    assert person.phone == "13900001111"
    assert sms_outbox[-1][0] == PHONE and "139****1111" in sms_outbox[-1][1]
    assert AuditEntry.objects.get(action="account.phone_change").summary["phone"] == ["138****5678",
                                                                                      "139****1111"]
