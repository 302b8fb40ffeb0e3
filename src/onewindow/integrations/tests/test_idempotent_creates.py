"""Every create of the API takes Idempotency-Key, also in the apps below integrations."""

import pytest

from onewindow.accounts import services as account_services
from onewindow.accounts.models import Person
from onewindow.accounts.tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def test_every_create_documents_the_header_except_token_endpoints():
    from config.api import api

    schema = api.get_openapi_schema()
    without = []
    for path, methods in schema["paths"].items():
        post = methods.get("post")
        if post and "201" in {str(k) for k in post["responses"]}:
            names = [p["name"] for p in post.get("parameters", [])]
            if "Idempotency-Key" not in names:
                without.append(path)
    assert sorted(without) == ["/api/v1/auth/client-tokens", "/api/v1/auth/tokens"]
    for path in ("/api/v1/people", "/api/v1/auth/register", "/api/v1/homecare/orders"):
        assert any(p["name"] == "Idempotency-Key" for p in schema["paths"][path]["post"]["parameters"]), path


def test_accounts_create_is_replayed_not_repeated(client, clerk_a, district):
    _, key = account_services.api_token_create(user=clerk_a.user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_IDEMPOTENCY_KEY": "person-0001"}
    body = {"name": "重试居民", "id_number": make_id_number(31), "region_code": district.community_a1.code}
    first = client.post("/api/v1/people", body, content_type="application/json", **auth)
    assert first.status_code == 201, first.content
    again = client.post("/api/v1/people", body, content_type="application/json", **auth)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Person.objects.filter(name="重试居民").count() == 1
    other = client.post("/api/v1/people", {**body, "name": "别人"}, content_type="application/json", **auth)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_lists_take_updated_since(client, clerk_a, district):
    from datetime import timedelta

    from django.utils import timezone

    old = account_services.person_create(actor=None, name="旧居民", id_number=make_id_number(41),
                                         region=district.community_a1)
    Person.objects.filter(id=old.id).update(updated_at=timezone.now() - timedelta(days=3))
    account_services.person_create(actor=None, name="新居民", id_number=make_id_number(42),
                                   region=district.community_a1)
    _, key = account_services.api_token_create(user=clerk_a.user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    since = (timezone.now() - timedelta(days=1)).isoformat()
    listed = client.get("/api/v1/people", {"updated_since": since}, **auth).json()
    assert [p["name"] for p in listed["items"]] == ["新居民"] and listed["count"] == 1
    assert "updated_since=" in (client.get("/api/v1/people", {"updated_since": since, "page_size": 1}, **auth)
                                .json()["next"] or "updated_since=")
    assert client.get("/api/v1/people", **auth).json()["count"] == 2
    assert client.get("/api/v1/people", {"updated_since": "yesterday"}, **auth).status_code == 422
    from config.api import api

    schema = api.get_openapi_schema()
    for path in ("/api/v1/people", "/api/v1/licences", "/api/v1/grid/houses", "/api/v1/homecare/orders",
                 "/api/v1/catalog/admin/items", "/api/v1/tickets", "/api/v1/webhook-deliveries"):
        assert "updated_since" in [p["name"] for p in schema["paths"][path]["get"]["parameters"]], path


def test_error_message_follows_accept_language(client, district):
    chinese = client.get("/api/v1/people")
    assert chinese.status_code == 401 and chinese.json()["message"] == "请先登录"
    english = client.get("/api/v1/people", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english.status_code == 401 and english.json()["code"] == "not_authenticated"
    assert english.json()["message"] == "Sign in or send a valid bearer token."
    assert english["Content-Language"] == "en"
    bad_key = client.post("/api/v1/people", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x" * 300,
                          HTTP_ACCEPT_LANGUAGE="en")
    assert bad_key.json()["code"] in ("not_authenticated", "idempotency_key_invalid")
    assert bad_key.json()["message"].isascii()
    # every raised code has English (core/tests/test_errors_en.py); an unknown one keeps its Chinese
    from onewindow.core.errors_en import localized_message

    class Request:
        LANGUAGE_CODE = "en"

    assert localized_message(Request(), "case_tracking_required", "邮寄送达请填写快递单号") == (
        "Enter the parcel tracking number for delivery by post.")
    assert localized_message(Request(), "no_such_code", "未知的错误") == "未知的错误"


def test_validation_fields_follow_accept_language(client, clerk_a):
    _, key = account_services.api_token_create(user=clerk_a.user, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    chinese = client.get("/api/v1/people", {"page": 0}, **auth).json()
    english = client.get("/api/v1/people", {"page": 0}, HTTP_ACCEPT_LANGUAGE="en", **auth).json()
    assert chinese["code"] == english["code"] == "validation_failed"
    assert chinese["fields"] == {"page": "数值过小"} and english["fields"] == {"page": "Too small."}
    assert english["message"] == "Some fields are not valid: see fields."
