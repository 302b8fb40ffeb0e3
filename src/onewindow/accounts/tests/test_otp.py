"""SMS one-time codes: hashed at rest, expiring, attempt-limited, rate-limited per phone and client."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.accounts.constants import SmsPurpose
from onewindow.accounts.models import SmsCode
from onewindow.accounts.otp import TooManyRequests, sms_code_check, sms_code_send, sms_code_use
from onewindow.accounts.sms import SmsSendError, sms_last_code
from onewindow.core.errors import Conflict, DomainError, ValidationFailed
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = timezone.now()

        def advance(self, **kw):
            self.now += timedelta(**kw)

    c = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: c.now)
    return c


def test_code_goes_to_the_log_with_the_phone_masked_and_only_a_hash_is_stored(caplog):
    with caplog.at_level(logging.INFO, logger="onewindow.sms"):
        row = sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER, client_ip="198.51.100.7")
    code = sms_last_code(PHONE)
    assert code and len(code) == 6
    assert "138****5678" in caplog.text and PHONE not in caplog.text and code in caplog.text
    row.refresh_from_db()
    assert code not in row.code_hash and PHONE not in row.phone_hash
    assert sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code).id == row.id


def test_wrong_codes_count_and_the_code_dies_after_the_limit(settings):
    settings.ONEWINDOW_SMS_CODE_MAX_ATTEMPTS = 3
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    code = sms_last_code(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for left in (2, 1):
        with pytest.raises(ValidationFailed) as info:
            sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=wrong)
        assert info.value.code == "sms_code_wrong"
        assert f"还可以再试{left}次" in info.value.message
    with pytest.raises(ValidationFailed):
        sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=wrong)
    with pytest.raises(ValidationFailed) as info:
        sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)
    assert info.value.code == "sms_code_attempts"
    assert info.value.fields == {"sms_code": "验证码错误次数过多，请重新获取"}


def test_code_expires(clock, settings):
    settings.ONEWINDOW_SMS_CODE_TTL_SECONDS = 300
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    code = sms_last_code(PHONE)
    clock.advance(seconds=301)
    with pytest.raises(ValidationFailed) as info:
        sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)
    assert info.value.code == "sms_code_expired"


def test_code_is_for_one_purpose_and_used_once():
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    code = sms_last_code(PHONE)
    with pytest.raises(ValidationFailed) as info:
        sms_code_check(phone=PHONE, purpose=SmsPurpose.PASSWORD_RESET, code=code)
    assert info.value.code == "sms_code_missing"
    row = sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)
    sms_code_use(row=row)
    with pytest.raises(Conflict) as used:
        sms_code_use(row=row)
    assert used.value.code == "sms_code_used"
    with pytest.raises(ValidationFailed) as info:
        sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)
    assert info.value.code == "sms_code_missing"


def test_a_new_code_replaces_the_old_one(clock):
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    first = sms_last_code(PHONE)
    clock.advance(seconds=61)
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    second = sms_last_code(PHONE)
    if first != second:
        with raises_code(ValidationFailed, "sms_code_wrong"):
            sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=first)
    assert sms_code_check(phone=PHONE, purpose=SmsPurpose.REGISTER, code=second)


def test_one_code_a_minute_and_five_an_hour_per_phone(clock):
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    with pytest.raises(TooManyRequests) as info:
        sms_code_send(phone=PHONE, purpose=SmsPurpose.PASSWORD_RESET)
    assert info.value.status == 429 and info.value.code == "sms_rate_limited"
    assert 0 < info.value.detail["retry_after"] <= 61
    for _ in range(4):
        clock.advance(seconds=61)
        sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    clock.advance(seconds=61)
    with raises_code(TooManyRequests, "sms_rate_limited") as info:
        sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    assert "分钟后再试" in info.value.message
    assert SmsCode.objects.count() == 5
    clock.advance(hours=1)
    sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)


def test_per_client_limit_across_phones(settings):
    settings.ONEWINDOW_SMS_LIMITS = {"per_client_hour": 3}
    for i in range(3):
        sms_code_send(phone=f"1391111000{i}", purpose=SmsPurpose.REGISTER, client_ip="198.51.100.7")
    with raises_code(TooManyRequests, "sms_rate_limited"):
        sms_code_send(phone="13911110009", purpose=SmsPurpose.REGISTER, client_ip="198.51.100.7")
    # another client is not affected
    sms_code_send(phone="13911110009", purpose=SmsPurpose.REGISTER, client_ip="203.0.113.1")


def test_bad_phone_and_failing_provider(settings):
    with pytest.raises(ValidationFailed) as info:
        sms_code_send(phone="12345", purpose=SmsPurpose.REGISTER)
    assert info.value.code == "mobile_format"
    settings.ONEWINDOW_SMS_PROVIDER = "onewindow.accounts.tests.test_otp.BrokenProvider"
    with pytest.raises(DomainError) as failed:
        sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    assert failed.value.status == 503 and failed.value.code == "sms_send_failed"
    assert SmsCode.objects.get().used_at is not None


class BrokenProvider:
    code = "broken"
    development_only = False

    def send(self, *, phone, text):
        raise SmsSendError("gateway down")


def test_log_provider_refuses_in_production(settings):
    settings.PRODUCTION = True
    settings.ONEWINDOW_ALLOW_DEV_PROVIDERS = False
    with pytest.raises(DomainError) as info:
        sms_code_send(phone=PHONE, purpose=SmsPurpose.REGISTER)
    assert info.value.code == "sms_send_failed"
    settings.ONEWINDOW_ALLOW_DEV_PROVIDERS = True
    sms_code_send(phone="13900000001", purpose=SmsPurpose.REGISTER)
