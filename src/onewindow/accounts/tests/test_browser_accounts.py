"""Browser journeys: register on a phone, reset a password, window registration, lockout behind a proxy."""

import pytest

from conftest import browser_login
from onewindow.accounts.models import Person, User
from onewindow.accounts.sms import sms_last_code
from onewindow.accounts.tests.factories import UserFactory, make_id_number
from onewindow.core.models import AuditEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = "13812345678"


@pytest.fixture(autouse=True)
def _fast_limits(settings):
    settings.ONEWINDOW_SMS_LIMITS = {"interval_seconds": 0}


def fits_the_screen(page) -> None:
    page.wait_for_load_state()
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "horizontal scroll"


def small_targets(page) -> list[str]:
    """Buttons, inputs and links in the page body smaller than 44 px in height (a check box or
    radio button counts by its label, which is what a finger taps)."""
    return page.evaluate("""() => [...document.querySelectorAll(
        'main button, main input:not([type=hidden]), main a.btn, main .account-links a, main .link-list a')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e.name || e.textContent.trim(),
                   (e.type === 'checkbox' || e.type === 'radio') ? e.closest('label').getBoundingClientRect()
                                                                 : e.getBoundingClientRect()])
        .filter(([, r]) => r.height < 44)
        .map(([n, r]) => n + ' ' + Math.round(r.height))""")


def test_citizen_registers_on_a_phone_and_signs_in(page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/accounts/login/")
    page.get_by_role("link", name="注册", exact=True).click()
    page.get_by_role("link", name="个人注册").click()
    page.wait_for_url("**/accounts/register/person/")
    fits_the_screen(page)
    page.get_by_label("姓名").fill("李华")
    page.get_by_label("身份证号").fill(make_id_number(801))
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至138****5678").wait_for()
    assert page.get_by_role("button", name="获取验证码（", exact=False).is_disabled()  # counting down
    page.get_by_label("短信验证码").fill(sms_last_code(PHONE))
    page.get_by_label("银行卡").check()
    page.get_by_label("卡号").fill("6222021234567890128")
    page.get_by_label("用户名").fill("lihua_phone")
    page.get_by_label("密码", exact=True).fill("Kunming#Spring88")
    page.get_by_label("再次输入密码").fill("Kunming#Spring88")
    page.get_by_label("我已阅读并同意").check()
    assert small_targets(page) == []
    fits_the_screen(page)
    page.get_by_role("button", name="注册", exact=True).click()
    page.get_by_text("您的账号已开通").wait_for()

    page.get_by_role("link", name="个人中心").first.click()
    page.locator("#main").get_by_role("link", name="我的办件").wait_for()
    assert "138****5678" in page.content() and PHONE not in page.content()
    fits_the_screen(page)
    page.get_by_role("button", name="退出").click()
    page.wait_for_load_state("networkidle")
    browser_login(page, "lihua_phone", "Kunming#Spring88")
    page.goto("/me/")
    assert "李华" in page.content()
    assert User.objects.get(username="lihua_phone").kind == "citizen"


def test_register_error_is_on_the_field_and_focused(page):
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/accounts/register/person/")
    page.get_by_label("身份证号").fill("530103198001010010")
    page.get_by_role("button", name="注册", exact=True).click()
    field = page.get_by_label("身份证号")
    field.wait_for()
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby").split()
    assert "id_id_number_error" in described
    assert "校验位不正确" in page.locator("#id_id_number_error").inner_text()
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    fits_the_screen(page)


def test_password_reset_by_sms(page, district):
    user = UserFactory(username="forgetful")
    Person.objects.create(name="赵敏", id_number=make_id_number(802), id_number_hash="h802", phone=PHONE,
                          phone_hash=__import__("onewindow.core.crypto", fromlist=["x"]).lookup_hash(PHONE),
                          user=user)
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/accounts/login/")
    page.get_by_role("link", name="忘记密码").click()
    page.get_by_label("用户名或身份证号码").fill("forgetful")
    page.get_by_label("账号绑定的手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至138****5678").wait_for()
    page.get_by_label("短信验证码").fill(sms_last_code(PHONE))
    page.get_by_label("新密码", exact=True).fill("Dianchi#Lake99")
    page.get_by_label("再次输入新密码").fill("Dianchi#Lake99")
    fits_the_screen(page)
    page.get_by_role("button", name="保存新密码").click()
    page.get_by_text("新密码已设置").wait_for()
    page.get_by_role("link", name="登录").last.click()
    browser_login(page, "forgetful", "Dianchi#Lake99")
    assert page.get_by_role("button", name="退出").is_visible()


def test_window_registration_activated_by_a_clerk(page, district, clerk_a):
    browser_login(page, "clerk_a")
    page.goto("/staff/people/")
    page.get_by_role("link", name="窗口注册账号").click()
    page.get_by_label("姓名").fill("王秀英")
    page.get_by_label("身份证号").fill(make_id_number(803))
    page.get_by_label("办事人手机号码").fill(PHONE)
    page.get_by_role("button", name="获取验证码").click()
    page.get_by_text("验证码已发送至138****5678").wait_for()
    page.get_by_label("短信验证码").fill(sms_last_code(PHONE))
    page.get_by_label("用户名").fill("wangxiuying")
    page.get_by_label("办事人已阅读并签署").check()
    page.get_by_role("button", name="激活账号").click()
    page.get_by_text("账号已激活").wait_for()
    assert page.get_by_test_id("new-username").inner_text() == "wangxiuying"
    entry = AuditEntry.objects.get(action="account.window_register")
    assert entry.actor_id == clerk_a.user_id
    person = Person.objects.get(user__username="wangxiuying")
    assert person.phone == PHONE


def test_lockout_behind_a_proxy_hits_only_the_attacker(page, chromium_browser, live_server, settings):
    """Behind a trusted balancer (here 127.0.0.1), an attacker's failures bring a CAPTCHA and then a
    lock for the attacker's own address only; the owner, from another address, signs in."""
    settings.ONEWINDOW_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.ONEWINDOW_LOGIN_DELAY_SECONDS = 0
    settings.AXES_FAILURE_LIMIT = 4
    UserFactory(username="admin_like")
    page.context.set_extra_http_headers({"X-Forwarded-For": "198.51.100.7"})

    def try_password(password: str, captcha: bool = False) -> None:
        page.get_by_label("用户名").fill("admin_like")
        page.get_by_label("密码", exact=True).fill(password)
        if captcha:
            from captcha.models import CaptchaStore

            key = page.locator("input[name=captcha_key]").get_attribute("value")
            page.get_by_label("图片验证码").fill(CaptchaStore.objects.get(hashkey=key).response)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state("networkidle")

    page.goto("/accounts/login/")
    for _ in range(3):
        try_password("guess")
    assert page.get_by_role("img", name="图片中的数字").is_visible()  # CAPTCHA before any lock
    try_password("guess", captcha=True)
    assert "登录失败次数过多" in page.content()

    owner = chromium_browser.new_context(locale="zh-CN", base_url=live_server.url,
                                         extra_http_headers={"X-Forwarded-For": "203.0.113.50"})
    try:
        other = owner.new_page()
        browser_login(other, "admin_like")
        assert other.get_by_role("button", name="退出").is_visible()
    finally:
        owner.close()
