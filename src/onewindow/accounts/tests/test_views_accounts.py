"""Account pages: register, reset, my account, window registration, sign-in throttling."""

import re

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore

from onewindow.accounts import signup
from onewindow.accounts.models import Person, User
from onewindow.accounts.sms import sms_last_code
from onewindow.accounts.tests.factories import UserFactory, make_id_number
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _no_resend_interval(settings):
    settings.ONEWINDOW_SMS_LIMITS = {"interval_seconds": 0}


def form_data(**changes):
    data = {"name": "李华", "id_number": make_id_number(701), "phone": PHONE, "sms_code": "",
            "card_kind": "bank_card", "card_number": "6222021234567890128", "username": "lihua2026",
            "password1": "Kunming#Spring88", "password2": "Kunming#Spring88", "agreed": "on",
            "agreement_version": signup.agreement_version(), "action": "register"}
    data.update(changes)
    return data


def test_login_page_links_to_register_and_reset(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/register/"' in html and ">注册<" in html
    assert 'href="/accounts/password_reset/"' in html and ">忘记密码<" in html
    assert client.get("/accounts/register/").status_code == 200
    assert "用户服务协议" in client.get("/accounts/agreement/").content.decode()


def test_register_page_sends_code_by_htmx_and_registers(client):
    page = client.get("/accounts/register/person/").content.decode()
    assert "获取验证码" in page and "社会保障卡" in page and 'name="agreement_version"' in page
    fragment = client.post("/accounts/register/person/", form_data(action="send_code"), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "验证码已发送至138****5678" in fragment.content.decode()
    response = client.post("/accounts/register/person/", form_data(sms_code=sms_last_code(PHONE)))
    assert response.status_code == 302 and response["Location"] == "/accounts/register/done/"
    assert "您的账号已开通" in client.get("/accounts/register/done/").content.decode()
    assert Person.objects.get(user__username="lihua2026").name == "李华"


def test_register_errors_sit_on_their_fields(client):
    response = client.post("/accounts/register/person/", form_data(password2="different#Pass1"))
    assert response.status_code == 400
    assert 'id="id_password2_error">两次输入的密码不一致' in response.content.decode()
    response = client.post("/accounts/register/person/", form_data(id_number="530103198001010010"))
    assert response.status_code == 400
    html = response.content.decode()
    field = re.search(r'<input[^>]*name="id_number"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_id_number_hint id_id_number_error"' in field
    assert 'id="id_id_number_error">身份证号码校验位不正确' in html
    assert not User.objects.exists()


def test_no_js_send_code_keeps_values_without_required_errors(client):
    response = client.post("/accounts/register/person/", {"phone": PHONE, "name": "李华", "action": "send_code"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "验证码已发送至138****5678" in html and 'value="李华"' in html
    assert "此字段是必填项" not in html and 'aria-invalid' not in html


def test_enterprise_register_page_asks_for_the_credit_code(client):
    html = client.get("/accounts/register/enterprise/").content.decode()
    assert "统一社会信用代码" in html and "企业名称" in html


def test_password_reset_pages(client):
    client.post("/accounts/register/person/", form_data(action="send_code"))
    client.post("/accounts/register/person/", form_data(sms_code=sms_last_code(PHONE)))
    client.post("/accounts/logout/")
    response = client.post("/accounts/password_reset/", {"identifier": "lihua2026", "phone": PHONE})
    assert response["Location"] == "/accounts/password_reset/confirm/"
    page = client.get("/accounts/password_reset/confirm/").content.decode()
    assert "138****5678" in page and PHONE not in page
    response = client.post("/accounts/password_reset/confirm/", {
        "sms_code": sms_last_code(PHONE), "new_password1": "Dianchi#Lake99", "new_password2": "Dianchi#Lake99",
        "action": "reset"})
    assert response["Location"] == "/accounts/password_reset/done/"
    assert User.objects.get(username="lihua2026").check_password("Dianchi#Lake99")


def test_my_account_offers_actions(client):
    user = UserFactory(username="citizen9")
    Person.objects.create(name="李华", id_number=make_id_number(702), id_number_hash="x", phone=PHONE,
                          phone_hash="y", user=user)
    client.force_login(user)
    html = client.get("/me/").content.decode()
    for href in ("/me/phone/", "/me/password/", "/cases/mine/", "/me/licences/", "/hotline/new/",
                 "/hotline/track/", "/cases/apply/"):
        assert f'href="{href}"' in html, href
    assert "138****5678" in html and PHONE not in html


def test_password_change_page_keeps_this_session_and_ends_others(client):
    from django.test import Client

    user = UserFactory(username="citizen9")
    other = Client()
    other.force_login(user)
    client.force_login(user)
    response = client.post("/me/password/", {"old_password": "Passw0rd!2026", "new_password1": "Dianchi#Lake99",
                                             "new_password2": "Dianchi#Lake99"})
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == 200
    assert other.get("/me/").status_code == 302
    wrong = client.post("/me/password/", {"old_password": "bad", "new_password1": "Xx#1234567a",
                                          "new_password2": "Xx#1234567a"})
    assert wrong.status_code == 400 and 'id="id_old_password_error">当前密码不正确' in wrong.content.decode()


def test_window_registration_page_for_clerks_only(client, clerk_a, supervisor, district):
    client.force_login(supervisor.user)
    assert client.get("/staff/accounts/register/").status_code == 404
    client.force_login(clerk_a.user)
    assert "窗口注册账号" in client.get("/staff/people/").content.decode()
    data = {"name": "王秀英", "id_number": make_id_number(703), "phone": PHONE, "username": "wangxiuying",
            "agreement_signed": "on"}
    sent = client.post("/staff/accounts/register/", {**data, "action": "send_code"}, HTTP_HX_REQUEST="true")
    assert "验证码已发送" in sent.content.decode()
    done = client.post("/staff/accounts/register/", {**data, "sms_code": sms_last_code(PHONE), "action": "activate"})
    assert done.status_code == 200 and 'data-testid="new-username">wangxiuying<' in done.content.decode()
    assert AuditEntry.objects.get(action="account.window_register").actor_id == clerk_a.user_id


def test_login_captcha_then_lock_per_client_page(client, settings):
    settings.ONEWINDOW_LOGIN_DELAY_SECONDS = 0
    settings.AXES_FAILURE_LIMIT = 4
    UserFactory(username="victim")
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
        assert response.status_code == 200
    html = response.content.decode()
    assert 'name="captcha_key"' in html and "/captcha/image/" in html  # shown after the third failure
    key = re.search(r'name="captcha_key" value="([0-9a-f]+)"', html).group(1)
    response = client.post("/accounts/login/", {"username": "victim", "password": "wrong", "captcha_key": key,
                                                "captcha": "0000"})
    assert 'id="id_captcha_error">图片验证码不正确' in response.content.decode()
    key = re.search(r'name="captcha_key" value="([0-9a-f]+)"', response.content.decode()).group(1)
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = client.post("/accounts/login/", {"username": "victim", "password": "wrong", "captcha_key": key,
                                                "captcha": answer})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode() and "忘记密码" in response.content.decode()
    assert AccessAttempt.objects.get().failures_since_start == 4
