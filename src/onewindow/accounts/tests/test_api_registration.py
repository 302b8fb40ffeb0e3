"""Registration, password reset, CAPTCHA and sign-in throttling through the API."""

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore

from onewindow.accounts import services
from onewindow.accounts.models import ApiToken, Person, User
from onewindow.accounts.sms import sms_last_code
from onewindow.accounts.tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


def post(client, url, body, **extra):
    return client.post(url, body, content_type="application/json", **extra)


def register_body(client, **changes):
    agreement = client.get("/api/v1/auth/agreement").json()
    body = {"username": "lihua2026", "password": "Kunming#Spring88", "name": "李华",
            "id_number": make_id_number(601), "phone": PHONE, "sms_code": "",
            "card_kind": "social_security_card", "card_number": "A12345678",
            "agreement_version": agreement["version"], "agreed": True}
    body.update(changes)
    return body


def test_register_through_the_api(client):
    agreement = client.get("/api/v1/auth/agreement").json()
    assert agreement["url"] == "/accounts/agreement/"
    response = post(client, "/api/v1/auth/sms-codes", {"phone": PHONE})
    assert response.status_code == 202
    assert response.json() == {"sent_to": "138****5678", "expires_in": 300, "resend_after": 60}
    again = post(client, "/api/v1/auth/sms-codes", {"phone": PHONE})
    assert again.status_code == 429
    assert again.json()["code"] == "sms_rate_limited" and "后再试" in again.json()["message"]

    response = post(client, "/api/v1/auth/register", register_body(client, sms_code=sms_last_code(PHONE)))
    assert response.status_code == 201, response.json()
    assert response.json() == {"username": "lihua2026", "kind": "citizen", "display_name": "李华"}
    assert Person.objects.get(user__username="lihua2026").phone == PHONE
    token = post(client, "/api/v1/auth/tokens", {"username": "lihua2026", "password": "Kunming#Spring88"})
    assert token.status_code == 201


def test_register_errors_in_the_error_shape(client):
    response = post(client, "/api/v1/auth/register", register_body(client, id_number="530103198001010010",
                                                                   card_kind="bank_card", card_number="1"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "id_number_checksum"
    assert set(body["fields"]) == {"id_number", "card_number", "sms_code"}
    bad_kind = post(client, "/api/v1/auth/register", register_body(client, card_kind="passport"))
    assert bad_kind.status_code == 422 and bad_kind.json()["fields"] == {"card_kind": "不是允许的取值"}
    assert not User.objects.exists()


def test_password_reset_through_the_api(client, settings):
    settings.ONEWINDOW_SMS_LIMITS = {"interval_seconds": 0}
    post(client, "/api/v1/auth/sms-codes", {"phone": PHONE})
    post(client, "/api/v1/auth/register", register_body(client, sms_code=sms_last_code(PHONE)))
    user = User.objects.get(username="lihua2026")
    _, key = services.api_token_create(user=user, name="t")

    response = post(client, "/api/v1/auth/password-reset/codes",
                    {"identifier": make_id_number(601), "phone": PHONE})
    assert response.status_code == 202 and response.json()["sent_to"] == "138****5678"
    response = post(client, "/api/v1/auth/password-reset",
                    {"identifier": "lihua2026", "phone": PHONE, "sms_code": sms_last_code(PHONE),
                     "new_password": "Dianchi#Lake99"})
    assert response.status_code == 200 and response.json()["message"] == "密码已重设，请用新密码登录"
    user.refresh_from_db()
    assert user.check_password("Dianchi#Lake99")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").json()["code"] == "token_revoked"

    wrong = post(client, "/api/v1/auth/password-reset",
                 {"identifier": "lihua2026", "phone": PHONE, "sms_code": "123456", "new_password": "Dianchi#Lake99"})
    assert wrong.status_code == 400 and wrong.json()["code"] in {"sms_code_missing", "sms_code_wrong"}


# --- sign-in throttling -------------------------------------------------------------------------
def attempt(client, password="wrong", ip="198.51.100.7", **extra):
    body = {"username": "victim", "password": password, **extra}
    return post(client, "/api/v1/auth/tokens", body, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ip)


@pytest.fixture
def victim(settings):
    settings.ONEWINDOW_TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.ONEWINDOW_LOGIN_DELAY_SECONDS = 0
    settings.ONEWINDOW_LOGIN_CAPTCHA_AFTER = 3
    settings.AXES_FAILURE_LIMIT = 5
    return UserFactory(username="victim")


def solve(client):
    challenge = client.get("/api/v1/auth/captcha").json()
    key = challenge["key"]
    assert client.get(challenge["image_url"])["Content-Type"] == "image/png"
    return key, CaptchaStore.objects.get(hashkey=key).response


def test_api_throttle_captcha_then_lock_only_for_that_client(client, victim):
    for _ in range(3):
        assert attempt(client).json()["code"] == "bad_credentials"
    response = attempt(client)
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "captcha_required" and body["detail"]["captcha_url"] == "/api/v1/auth/captcha"
    assert body["message"] == "请先输入图片中的验证码"
    key, _ = solve(client)
    wrong = attempt(client, captcha_key=key, captcha_value="0000")
    assert wrong.status_code == 400 and wrong.json()["code"] == "captcha_wrong"
    key, answer = solve(client)
    assert attempt(client, captcha_key=key, captcha_value=answer).json()["code"] == "bad_credentials"
    key, answer = solve(client)
    fifth = attempt(client, captcha_key=key, captcha_value=answer)  # the limit: locked from now on
    assert fifth.status_code == 429 and fifth.json()["code"] == "signin_locked"
    key, answer = solve(client)
    locked = attempt(client, password="Passw0rd!2026", captcha_key=key, captcha_value=answer)
    assert locked.status_code == 429
    assert locked.json()["code"] == "signin_locked" and "暂停登录" in locked.json()["message"]
    assert locked.json()["request_id"]

    # The real owner behind the same balancer, from another address, signs in at once.
    response = attempt(client, password="Passw0rd!2026", ip="203.0.113.50")
    assert response.status_code == 201
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_forged_forwarded_for_from_an_untrusted_peer_is_ignored(client, victim, settings):
    settings.ONEWINDOW_TRUSTED_PROXIES = []
    for i in range(3):
        attempt(client, ip=f"198.51.100.{i}")
    # every try counted against the peer (the header was not believed): CAPTCHA now
    assert attempt(client, ip="198.51.100.99").json()["code"] == "captcha_required"


def test_progressive_delay_answers_429_with_retry_after(client, victim, settings):
    settings.ONEWINDOW_LOGIN_DELAY_SECONDS = 30
    attempt(client)
    attempt(client)
    response = attempt(client, password="Passw0rd!2026")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "signin_wait" and 0 < body["detail"]["retry_after"] <= 30
    assert body["message"].startswith("登录尝试过于频繁")
    assert not ApiToken.objects.exists()
