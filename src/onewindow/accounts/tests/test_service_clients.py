"""Service accounts: client id + secret for an expiring token, scopes per operation, reach by
region and department, every call audited under the client's name."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from onewindow.accounts import rules, services
from onewindow.accounts.constants import SCOPE_RESOURCES, Role
from onewindow.accounts.models import ApiToken, ServiceClient
from onewindow.accounts.tests.factories import make_id_number, staff_make
from onewindow.core.errors import Conflict, NotAuthenticated, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_staff(district):
    return staff_make(username="district_admin", region=district.district, roles=[Role.ADMINISTRATOR],
                      name="区管理员")


@pytest.fixture
def people(district):
    a = services.person_create(actor=None, name="甲街居民", id_number=make_id_number(21),
                               phone="13812345678", region=district.community_a1)
    b = services.person_create(actor=None, name="乙街居民", id_number=make_id_number(22),
                               phone="13987654321", region=district.community_b1)
    return a, b


def _client(admin_staff, district, scopes="accounts:read tickets:read", region=None, roles=None):
    return services.service_client_create(
        actor=admin_staff.user, name="12345话务系统", contact="ops@example.org", scopes=scopes,
        region=region or district.street_a, roles=roles or [Role.HOTLINE_OPERATOR])


def _token(client, sc, secret) -> dict[str, str]:
    answer = client.post("/api/v1/auth/client-tokens", {"client_id": sc.client_id, "client_secret": secret},
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['access_token']}"}


# --- rules ---------------------------------------------------------------------------------------
def test_scopes_parse_and_allow():
    assert rules.scopes_parse("tickets:create, cases:read", resources=SCOPE_RESOURCES) == [
        "cases:read", "tickets:create"]
    for bad in ("tickets", "unknown:read", "tickets:delete", ""):
        with pytest.raises(ValidationFailed) as info:
            rules.scopes_parse(bad, resources=SCOPE_RESOURCES)
        assert info.value.code in ("scope_unknown", "scope_required")
    assert rules.scope_allows(["tickets:write"], "tickets:create")
    assert not rules.scope_allows(["tickets:create"], "tickets:write")
    assert not rules.scope_allows(["tickets:read"], "cases:read")
    assert rules.scope_allows(["*:read"], "cases:read") and rules.scope_allows(["cases:*"], "cases:write")
    assert rules.scope_required(module="onewindow.tickets.api", method="POST", statuses={201}) == "tickets:create"
    assert rules.scope_required(module="onewindow.cases.api", method="POST", statuses={200},
                                path="/cases/search") == "cases:read"
    assert rules.scope_required(module="onewindow.supervision.opendata_api", method="DELETE",
                                statuses={204}) == "supervision:write"


# --- services ------------------------------------------------------------------------------------
def test_only_an_administrator_within_reach_creates_clients(district, admin_staff, clerk_a):
    with pytest.raises(PermissionDenied) as info:
        _client(clerk_a, district)
    assert info.value.code == "client_admin_only"
    street_admin = staff_make(username="street_admin", region=district.street_b, roles=[Role.ADMINISTRATOR])
    with pytest.raises(PermissionDenied) as info:
        _client(street_admin, district, region=district.street_a)
    assert info.value.code == "region_out_of_scope"
    with pytest.raises(ValidationFailed) as info:
        _client(admin_staff, district, roles=[Role.ADMINISTRATOR])
    assert info.value.code == "client_role_forbidden"


def test_secret_is_stored_hashed_and_shown_once(district, admin_staff):
    sc, secret = _client(admin_staff, district)
    assert secret.startswith("ows_") and sc.client_id.startswith("owc_")
    stored = ServiceClient.objects.get(pk=sc.pk)
    assert secret not in (stored.secret_hash, stored.secret_prefix) and stored.secret_prefix == secret[:10]
    assert stored.user.username == f"svc-{sc.client_id}" and not stored.user.has_usable_password()
    entry = AuditEntry.objects.filter(action="service_client.create").get()
    assert entry.actor_label == "district_admin" and secret not in str(entry.summary)


def test_token_exchange_expires_and_wrong_secret_refused(district, admin_staff, settings):
    settings.ONEWINDOW_SERVICE_TOKEN_TTL_SECONDS = 600
    sc, secret = _client(admin_staff, district)
    now = timezone.now()
    token, key = services.service_token_issue(client_id=sc.client_id, client_secret=secret, now=now)
    assert token.expires_at == now + timedelta(seconds=600) and token.client_id == sc.id
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_principal(key=key, now=now + timedelta(seconds=601))
    assert info.value.code == "token_expired"
    with pytest.raises(NotAuthenticated) as info:
        services.service_token_issue(client_id=sc.client_id, client_secret=secret + "x")
    assert info.value.code == "bad_client_credentials"
    with pytest.raises(NotAuthenticated) as info:
        services.service_token_issue(client_id="owc_nobody", client_secret=secret)
    assert info.value.code == "bad_client_credentials"


def test_rotate_replaces_secret_and_revoke_stops_tokens(district, admin_staff):
    sc, old = _client(admin_staff, district)
    _, key = services.service_token_issue(client_id=sc.client_id, client_secret=old)
    sc, new = services.service_client_rotate(actor=admin_staff.user, client=sc)
    assert new != old
    with pytest.raises(NotAuthenticated):
        services.service_token_issue(client_id=sc.client_id, client_secret=old)
    services.service_token_issue(client_id=sc.client_id, client_secret=new)
    assert services.api_token_principal(key=key) is not None  # issued tokens run until they expire
    services.service_client_revoke(actor=admin_staff.user, client=sc)
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_principal(key=key)
    assert info.value.code == "token_revoked"
    with pytest.raises(NotAuthenticated) as info:
        services.service_token_issue(client_id=sc.client_id, client_secret=new)
    assert info.value.code == "client_revoked"
    assert not ApiToken.objects.filter(client=sc, revoked_at__isnull=True).exists()
    with pytest.raises(Conflict) as conflict:
        services.service_client_rotate(actor=admin_staff.user, client=sc)
    assert conflict.value.code == "client_revoked"


# --- API -----------------------------------------------------------------------------------------
def test_api_exchange_scopes_reach_and_audit(client, district, admin_staff, people):
    sc, secret = _client(admin_staff, district, scopes="accounts:read")
    answer = client.post("/api/v1/auth/client-tokens", {"client_id": sc.client_id, "client_secret": secret},
                         content_type="application/json")
    assert answer.status_code == 201
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "accounts:read" and 0 < body["expires_in"] <= 3600
    auth = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    # reach: the client sits in street A, so it sees street A's resident only
    listed = client.get("/api/v1/people", **auth)
    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()["items"]] == ["甲街居民"]
    # scope: creating people needs accounts:create
    refused = client.post("/api/v1/people", {"name": "新居民", "id_number": make_id_number(23)},
                          content_type="application/json", **auth)
    assert refused.status_code == 403 and refused.json()["code"] == "scope_missing"
    assert refused.json()["detail"]["required_scope"] == "accounts:create"
    other = client.get("/api/v1/tickets", **auth)
    assert other.status_code == 403 and other.json()["detail"]["required_scope"] == "tickets:read"
    calls = list(AuditEntry.objects.filter(action="service_client.call").order_by("seq"))
    assert [(e.summary["method"], e.summary["status"], e.summary["scope"]) for e in calls] == [
        ("GET", 200, "accounts:read"), ("POST", 403, "accounts:create"), ("GET", 403, "tickets:read")]
    assert {e.actor_label for e in calls} == {f"svc-{sc.client_id}"}


def test_api_bad_credentials_and_revoked_token(client, district, admin_staff):
    sc, secret = _client(admin_staff, district)
    wrong = client.post("/api/v1/auth/client-tokens", {"client_id": sc.client_id, "client_secret": "nope"},
                        content_type="application/json")
    assert wrong.status_code == 401 and wrong.json()["code"] == "bad_client_credentials"
    auth = _token(client, sc, secret)
    services.service_client_revoke(actor=admin_staff.user, client=sc)
    gone = client.get("/api/v1/people", **auth)
    assert gone.status_code == 401 and gone.json()["code"] == "token_revoked"


def test_openapi_documents_the_scope_of_each_operation():
    from config.api import api

    schema = api.get_openapi_schema()
    assert schema["paths"]["/api/v1/people"]["post"]["x-scope"] == "accounts:create"
    assert schema["paths"]["/api/v1/people/search"]["post"]["x-scope"] == "accounts:read"
    assert schema["paths"]["/api/v1/tickets"]["get"]["x-scope"] == "tickets:read"
    assert "x-scope" not in schema["paths"]["/api/v1/auth/client-tokens"]["post"]


def test_command_creates_rotates_revokes(district, admin_staff, capsys):
    call_command("service_client", "create", "省数据交换平台", "--scopes", "cases:read", "--region",
                 district.district.code, "--by", "district_admin")
    out = capsys.readouterr().out
    sc = ServiceClient.objects.get(name="省数据交换平台")
    assert sc.client_id in out and "ows_" in out and sc.scopes == ["cases:read"]
    call_command("service_client", "rotate", sc.client_id, "--by", "district_admin")
    assert "ows_" in capsys.readouterr().out
    call_command("service_client", "revoke", sc.client_id, "--by", "district_admin")
    sc.refresh_from_db()
    assert sc.revoked_at is not None
    call_command("service_client", "list")
    assert "已吊销" in capsys.readouterr().out
