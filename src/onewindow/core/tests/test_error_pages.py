"""Error pages: Chinese, in the site's layout, with codes and request ids folded away."""

from __future__ import annotations

import re

import pytest
from django.http import HttpResponse
from django.test import Client

from onewindow.core.errors import ValidationFailed
from onewindow.core.templatetags.ow_errors import error_parts

pytestmark = pytest.mark.django_db

ERRORS_URLCONF = "onewindow.core.tests.urls_errors"


def _page(response: HttpResponse) -> str:
    html = response.content.decode()
    assert 'class="topbar"' in html, "rendered in the site's layout"
    assert "<details class=\"error-details\">" in html
    # the code and the request id are inside the fold, never in the visible text
    visible = re.sub(r"<details.*?</details>", "", html, flags=re.S)
    assert response["X-Request-ID"] not in visible
    assert "Bad Request" not in html and "Server Error" not in html and "Forbidden" not in html
    return html


def test_unknown_address_is_a_chinese_404_in_the_layout(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = _page(response)
    assert "页面不存在" in html and 'href="/guide/"' in html
    assert "<code>not_found</code>" in html


def test_bad_host_is_a_chinese_400_not_djangos_english_text() -> None:
    response = Client(HTTP_HOST="evil.example.com").get("/")
    assert response.status_code == 400
    html = _page(response)
    assert "无法识别您访问的网址" in html and "<code>bad_host</code>" in html


def test_missing_csrf_token_is_a_chinese_403_in_the_layout() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/hotline/new/", {"text": "小区门口垃圾没人清运"})
    assert response.status_code == 403
    html = _page(response)
    assert "页面已过期" in html and "<code>csrf_failed</code>" in html


@pytest.mark.urls(ERRORS_URLCONF)
def test_forbidden_and_suspicious_requests_get_chinese_pages(client: Client) -> None:
    forbidden = client.get("/test-errors/forbidden/")
    assert forbidden.status_code == 403
    assert "您没有访问此页面的权限" in _page(forbidden)
    bad = client.get("/test-errors/suspicious/")
    assert bad.status_code == 400
    assert "请求有误" in _page(bad)


@pytest.mark.urls(ERRORS_URLCONF)
def test_a_crash_is_a_chinese_500_page_with_the_request_id_folded() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/boom/", HTTP_X_REQUEST_ID="req-12345678")
    assert response.status_code == 500
    html = _page(response)
    assert "系统繁忙，请稍后再试" in html and "<code>req-12345678</code>" in html


@pytest.mark.urls(ERRORS_URLCONF)
def test_the_500_page_survives_a_broken_layout(monkeypatch) -> None:
    from onewindow.core import views

    def broken(*args, **kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(views, "TemplateResponse", broken)
    response = Client(raise_request_exception=False).get("/test-errors/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统繁忙，请稍后再试" in html and "<details" in html and "style=" not in html


def test_an_address_too_long_is_a_chinese_414(client: Client) -> None:
    response = client.get("/guide/?q=" + "社保" * 2500)
    assert response.status_code == 414
    assert "网址过长" in _page(response)


def test_api_errors_stay_json(client: Client) -> None:
    response = client.get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found" and response.json()["request_id"]
    long = client.get("/api/v1/regions?q=" + "x" * 5000)
    assert long.status_code == 414 and long.json()["code"] == "uri_too_long"
    assert long.json()["message"] == "网址过长，无法处理"


def test_htmx_requests_get_the_error_fragment(client: Client) -> None:
    response = client.get("/no-such-page/", HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert response["X-Error-Fragment"] == "1"
    html = response.content.decode()
    assert "<html" not in html and "页面不存在" in html and "<details" in html


def test_error_summary_says_each_message_once() -> None:
    msg = "诉求内容最多 5000 字，现有 5123 字，请删减 123 字"
    error = ValidationFailed(msg, code="text_too_long", fields={"text": msg})
    # the field shows its message: the summary says only what to do
    assert error_parts(error, "text requester_phone") == {"message": ValidationFailed.message, "others": []}
    # a page without that input shows the message once in the summary
    assert error_parts(error, "") == {"message": msg, "others": []}
    two = ValidationFailed(fields={"text": "请填写诉求内容", "requester_phone": "电话号码格式不正确"})
    assert error_parts(two, "text") == {"message": ValidationFailed.message, "others": ["电话号码格式不正确"]}


def test_files_opened_in_the_browser_get_the_file_policy(rf) -> None:
    from onewindow.core.middleware import FileViewCSPMiddleware

    def png(request):
        return HttpResponse(b"\x89PNG", content_type="image/png")

    def page(request):
        return HttpResponse("<p>hi</p>")

    assert "style-src 'unsafe-inline'" in FileViewCSPMiddleware(png)(rf.get("/"))["Content-Security-Policy"]
    assert "Content-Security-Policy" not in FileViewCSPMiddleware(page)(rf.get("/"))
