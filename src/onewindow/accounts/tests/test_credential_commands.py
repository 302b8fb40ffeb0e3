"""The shared shape of ``service_client`` and ``open311_client`` (accounts.credential_commands):
the same actions and --by rule, a domain refusal printed as its Chinese message, unknown ids."""

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from onewindow.accounts.credential_commands import CredentialCommand

pytestmark = pytest.mark.django_db
COMMANDS = [("accounts", "service_client"), ("tickets", "open311_client")]


@pytest.mark.parametrize(("app", "name"), COMMANDS)
def test_both_commands_share_the_base(app, name):
    assert isinstance(load_command_class(f"onewindow.{app}", name), CredentialCommand)


@pytest.mark.parametrize(("app", "name"), COMMANDS)
def test_changes_need_an_administrator_named_with_by(app, name):
    for action in ("create", "rotate", "revoke"):
        with pytest.raises(CommandError, match="--by"):
            call_command(name, action, "x")


@pytest.mark.parametrize(("app", "name", "message"), [
    ("accounts", "service_client", "找不到该服务账户"), ("tickets", "open311_client", "找不到该 Open311 客户端")])
def test_unknown_clients_are_named_in_chinese(district, app, name, message):
    from onewindow.accounts.constants import Role
    from onewindow.accounts.tests.factories import staff_make

    staff_make(username="admin_cmd", region=district.district, roles=[Role.ADMINISTRATOR])
    with pytest.raises(CommandError, match=message):
        call_command(name, "rotate", "00000000-0000-0000-0000-000000000000", "--by", "admin_cmd")
