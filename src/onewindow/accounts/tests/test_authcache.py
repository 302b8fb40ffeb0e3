"""The per-process auth cache (ADR 0020): a known bearer key costs no SQL, and any change of
staff, departments, users, tokens or region paths — through services, the ORM or raw SQL —
bumps the auth version in the same transaction, after which every process answers afresh."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from onewindow.accounts import authcache, services
from onewindow.accounts.constants import Role
from onewindow.accounts.models import ApiToken, Department, Staff, User
from onewindow.accounts.scope import scope_for
from onewindow.accounts.tests.factories import UserFactory
from onewindow.core.errors import NotAuthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):  # type: ignore[no-untyped-def]
    """The production setting: the version is read at most every few seconds."""
    settings.ONEWINDOW_AUTH_CACHE_SECONDS = 60
    authcache.clear()


def _expire_version_check() -> None:
    """What happens in a running process once ONEWINDOW_AUTH_CACHE_SECONDS have passed."""
    authcache._state["checked"] = -1e9


def _collect(into: list[str]):  # type: ignore[no-untyped-def]
    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        into.append(sql)
        return execute(sql, params, many, context)
    return wrapper


def _fields(user: User) -> dict:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_known_key_costs_no_sql_and_gives_the_same_user(cached, clerk_a):
    _, key = services.api_token_create(user=clerk_a.user, name="脚本")
    first = services.api_token_authenticate(key=key)
    first_scope = scope_for(first)
    queries: list[str] = []
    with connection.execute_wrapper(_collect(queries)):
        again = services.api_token_authenticate(key=key)
        again_scope = scope_for(again)
    assert queries == []
    assert again is not first  # a fresh instance per request
    assert _fields(again) == _fields(first) == _fields(User.objects.get(pk=clerk_a.user.pk))
    assert again_scope == first_scope and again_scope.region_path == clerk_a.region.path


def test_api_call_with_a_cached_key_reads_no_token_or_scope(clerk_a):
    """The test suite's setting (version read on every request): one query replaces three."""
    _, key = services.api_token_create(user=clerk_a.user, name="脚本")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    cold: list[str] = []
    with connection.execute_wrapper(_collect(cold)):
        assert client.get("/api/v1/me", **auth).status_code == 200
    warm: list[str] = []
    with connection.execute_wrapper(_collect(warm)):
        response = client.get("/api/v1/me", **auth)
    assert response.status_code == 200 and response.json() == client.get("/api/v1/me", **auth).json()
    warm_sql = " ".join(warm)
    # cold: version, token with its user, token's last use, then the view's own staff reads;
    # warm: the version only, then the view
    assert "accounts_apitoken" not in warm_sql and warm_sql.startswith('SELECT value FROM "accounts_authversion"')
    assert len(warm) == len(cold) - 2


def test_revoking_bumps_the_version_and_the_key_stops_working(cached, clerk_a):
    token, key = services.api_token_create(user=clerk_a.user, name="脚本")
    assert services.api_token_authenticate(key=key) is not None
    before = authcache.version_read()
    services.api_token_revoke(user=clerk_a.user, public_id=str(token.public_id))
    assert authcache.version_read() > before
    _expire_version_check()
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_authenticate(key=key)
    assert info.value.code == "token_revoked"


def test_a_revocation_is_seen_only_after_the_version_check(cached, clerk_a):
    """Within ONEWINDOW_AUTH_CACHE_SECONDS a process may still accept a key revoked elsewhere:
    that is the bound the setting promises."""
    _, key = services.api_token_create(user=clerk_a.user, name="脚本")
    services.api_token_authenticate(key=key)
    ApiToken.objects.filter(user=clerk_a.user).update(revoked_at="2026-01-01T00:00:00Z")
    assert services.api_token_authenticate(key=key) is not None
    _expire_version_check()
    with pytest.raises(NotAuthenticated):
        services.api_token_authenticate(key=key)


def test_role_and_department_changes_reach_the_cached_scope(cached, clerk_a, district):
    user = clerk_a.user
    assert Role.LEADER not in scope_for(User.objects.get(pk=user.pk)).roles
    Staff.objects.filter(pk=clerk_a.pk).update(roles=[Role.LEADER])  # no service, no signal
    _expire_version_check()
    scope = scope_for(User.objects.get(pk=user.pk))
    assert scope.roles == frozenset({Role.LEADER}) and scope.all_departments
    dept = Department.objects.create(code="X-1", name="新部门", kind="bureau", region=district.district)
    clerk_a.departments.add(dept)
    _expire_version_check()
    assert dept.id in scope_for(User.objects.get(pk=user.pk)).department_ids
    clerk_a.departments.remove(dept)
    _expire_version_check()
    assert dept.id not in scope_for(User.objects.get(pk=user.pk)).department_ids


def test_region_path_change_and_deactivation_are_seen(cached, clerk_a):
    _, key = services.api_token_create(user=clerk_a.user, name="脚本")
    user = services.api_token_authenticate(key=key)
    old_path = scope_for(user).region_path
    with connection.cursor() as cursor:  # even raw SQL bumps the version (a database trigger)
        cursor.execute("UPDATE regions_region SET path = path || 'x/' WHERE id = %s", [clerk_a.region_id])
    _expire_version_check()
    assert scope_for(services.api_token_authenticate(key=key)).region_path == old_path + "x/"
    User.objects.filter(pk=clerk_a.user.pk).update(is_active=False)
    _expire_version_check()
    assert services.api_token_authenticate(key=key) is None


def test_sign_in_and_token_use_do_not_bump_the_version(cached, clerk_a):
    """Updates that happen on every sign-in or call (last login, last use) leave caches alone."""
    _, key = services.api_token_create(user=clerk_a.user, name="脚本")
    before = authcache.version_read()
    ApiToken.objects.filter(user=clerk_a.user).update(last_used_at=None)
    services.api_token_authenticate(key=key)
    user = User.objects.get(pk=clerk_a.user.pk)
    user.save(update_fields=["last_login"])
    assert authcache.version_read() == before


def test_unknown_and_citizen_keys(cached):
    citizen = UserFactory()
    _, key = services.api_token_create(user=citizen, name="x")
    assert services.api_token_authenticate(key="ow_nope") is None
    user = services.api_token_authenticate(key=key)
    assert user is not None and scope_for(user).is_empty
