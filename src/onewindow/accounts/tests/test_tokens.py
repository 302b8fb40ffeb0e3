"""API tokens expire: a default lifetime, a chosen one at creation, 401 token_expired after."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from onewindow.accounts import services
from onewindow.accounts.models import ApiToken
from onewindow.accounts.tests.factories import UserFactory
from onewindow.core.errors import NotAuthenticated, ValidationFailed

pytestmark = pytest.mark.django_db


def test_default_lifetime_comes_from_settings(settings):
    settings.ONEWINDOW_TOKEN_TTL_DAYS = 30
    now = timezone.now()
    token, _ = services.api_token_create(user=UserFactory(), name="脚本", now=now)
    assert token.expires_at == now + timedelta(days=30)


def test_lifetime_chosen_at_creation_within_the_maximum(settings):
    settings.ONEWINDOW_TOKEN_MAX_TTL_DAYS = 100
    now = timezone.now()
    token, _ = services.api_token_create(user=UserFactory(), name="x", ttl_days=7, now=now)
    assert token.expires_at == now + timedelta(days=7)
    for days in (0, 101, -3):
        with pytest.raises(ValidationFailed) as info:
            services.api_token_create(user=UserFactory(), name="x", ttl_days=days)
        assert info.value.code == "token_ttl_invalid"
    with pytest.raises(ValidationFailed) as info:
        services.api_token_create(user=UserFactory(), name="x", expires_at=now - timedelta(seconds=1))
    assert info.value.code == "token_ttl_invalid"


def test_expired_token_is_refused_with_its_own_code():
    user = UserFactory()
    now = timezone.now()
    _, key = services.api_token_create(user=user, name="x", ttl_days=1, now=now)
    assert services.api_token_authenticate(key=key, now=now + timedelta(hours=23)) == user
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_authenticate(key=key, now=now + timedelta(days=1))
    assert info.value.code == "token_expired"


def test_token_without_expiry_gets_the_default_from_creation(settings):
    settings.ONEWINDOW_TOKEN_TTL_DAYS = 10
    user = UserFactory()
    token, key = services.api_token_create(user=user, name="x")
    ApiToken.objects.filter(id=token.id).update(expires_at=None)
    assert services.api_token_authenticate(key=key) == user
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_authenticate(key=key, now=timezone.now() + timedelta(days=11))
    assert info.value.code == "token_expired"


def test_api_expired_token_is_a_401_in_the_error_shape(client, monkeypatch):
    user = UserFactory(username="script_owner")
    response = client.post("/api/v1/auth/tokens", {"username": "script_owner", "password": "Passw0rd!2026",
                                                   "name": "报表脚本", "expires_in_days": 2},
                           content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    key = body["key"]
    answered = datetime.fromisoformat(body["expires_at"])  # ISO 8601 with the +08:00 offset
    assert answered.utcoffset() is not None
    assert abs(ApiToken.objects.get(user=user).expires_at - answered).total_seconds() < 1
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200

    later = timezone.now() + timedelta(days=3)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert body["message"] == "该令牌已过期，请重新创建"
    assert body["request_id"] == response["X-Request-ID"]


def test_api_refuses_a_lifetime_over_the_maximum(client, settings):
    settings.ONEWINDOW_TOKEN_MAX_TTL_DAYS = 30
    UserFactory(username="script_owner")
    response = client.post("/api/v1/auth/tokens", {"username": "script_owner", "password": "Passw0rd!2026",
                                                   "expires_in_days": 31},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "token_ttl_invalid"
    assert not ApiToken.objects.exists()


def test_revoke_all_revokes_every_active_token():
    user = UserFactory()
    keys = [services.api_token_create(user=user, name=f"t{i}")[1] for i in range(3)]
    assert services.api_token_revoke_all(user=user, reason="password_changed") == 3
    for key in keys:
        with pytest.raises(NotAuthenticated) as info:
            services.api_token_authenticate(key=key)
        assert info.value.code == "token_revoked"
