"""manage.py demo_load: the whole demo, twice, and every demo account can sign in."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from onewindow.accounts.constants import Role
from onewindow.accounts.demo import DEMO_PASSWORD, NAMED_STAFF
from onewindow.accounts.models import Department, Enterprise, Person, ServiceWindow, Staff, User
from onewindow.core.models import AuditEntry
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

MODELS = (Region, Department, ServiceWindow, User, Staff, Person, Enterprise)


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


@pytest.mark.django_db
def test_demo_load_twice_creates_no_duplicates_and_every_role_signs_in(client: Client) -> None:
    out = StringIO()
    call_command("demo_load", "--small", stdout=out)
    first = _counts()
    text = out.getvalue()
    assert "街道：12" in text and "社区/村：15" in text
    assert f"密码均为 {DEMO_PASSWORD}" in text
    for username in (*NAMED_STAFF, "citizen", "enterprise"):
        assert f"  {username} " in text

    audit = AuditEntry.objects.count()
    again = StringIO()
    call_command("demo_load", "--small", stdout=again)
    assert _counts() == first
    assert AuditEntry.objects.count() == audit  # nothing written, nothing audited
    assert "本次新建区划：0" in again.getvalue()

    staff_roles = {r for s in Staff.objects.filter(user__username__in=NAMED_STAFF)
                   for r in s.roles}
    assert staff_roles == set(Role.values)
    for username in (*NAMED_STAFF, "citizen", "enterprise"):
        client.logout()
        response = client.post("/accounts/login/", {"username": username,
                                                     "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.session.get("_auth_user_id") == str(
            User.objects.get(username=username).pk), username

    tuodong = Staff.objects.select_related("region").get(user__username="clerk_tuodong")
    assert tuodong.region.level == RegionLevel.STREET and tuodong.region.name == "拓东街道"
    assert list(tuodong.departments.values_list("name", flat=True)) == ["拓东街道办事处"]


@pytest.mark.django_db
def test_demo_load_explains_a_district_the_data_does_not_have(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_DISTRICT_CODE = "440105000000"
    with pytest.raises(CommandError, match="区划：文件中没有区县代码为 440105"):
        call_command("demo_load", "--small", stdout=StringIO())
    assert Region.objects.count() == 0
