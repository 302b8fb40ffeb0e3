"""Responses that may carry personal data are never cached (issue 9, "Personal data")."""

from __future__ import annotations

import pytest
from django.test import Client

from onewindow.core.errors import DomainError
from onewindow.core.inputs import url_lookup_check

pytestmark = pytest.mark.django_db


def test_every_api_response_is_no_store(client: Client, clerk_a) -> None:  # type: ignore[no-untyped-def]
    from onewindow.accounts import services

    _, key = services.api_token_create(user=clerk_a.user, name="t")
    private = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert private.status_code == 200 and private["Cache-Control"] == "no-store, private"
    error = client.get("/api/v1/people")
    assert error.status_code == 401 and error["Cache-Control"] == "no-store, private"
    assert client.get("/api/v1/regions")["Cache-Control"] == "no-store, private"


def test_staff_pages_and_pages_of_someone_signed_in_are_no_store(client: Client, clerk_a) -> None:  # type: ignore[no-untyped-def]
    anonymous = client.get("/guide/")
    assert "no-store" not in anonymous.get("Cache-Control", "")  # public pages keep the defaults
    client.force_login(clerk_a.user)
    assert client.get("/staff/people/")["Cache-Control"] == "no-store, private"
    assert client.get("/guide/")["Cache-Control"] == "no-store, private"
    missing = client.get("/staff/no-such-page/")
    assert missing.status_code == 404 and missing["Cache-Control"] == "no-store, private"


def test_url_lookup_check_refuses_id_and_mobile_numbers_only() -> None:
    assert url_lookup_check("张三") == "张三"
    assert url_lookup_check("5301032026112200001") == "5301032026112200001"  # a case number
    for value in ("11010519491231002X", "请查 13812345678 的记录"):
        with pytest.raises(DomainError) as caught:
            url_lookup_check(value, field="phone")
        assert caught.value.code == "personal_lookup_in_url" and caught.value.status == 400
        assert set(caught.value.fields) == {"phone"}
