from typing import Any

import pytest

from onewindow.accounts.identity import (
    VerifiedIdentity,
    identity_provider_register,
    identity_sign_in,
)
from onewindow.accounts.models import Person
from onewindow.accounts.tests.factories import UserFactory, make_id_number
from onewindow.core.errors import NotAuthenticated, NotFound
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db


class FakeRealNameProvider:
    """Stands in for a provincial real-name service: accepts one fixed token."""

    code = "fake_realname"
    label = "测试实名认证"

    def verify(self, request: Any, credentials: dict[str, Any]) -> VerifiedIdentity | None:
        if credentials.get("token") != "ok":
            return None
        return VerifiedIdentity(provider=self.code, assurance="real_name",
                                id_number=make_id_number(51), name="孙实名", phone="13700000000")


def test_password_provider(rf):
    UserFactory(username="citizen5")
    user = identity_sign_in(request=rf.post("/"), provider_code="password",
                            credentials={"username": "citizen5", "password": "Passw0rd!2026"})
    assert user.username == "citizen5"
    with raises_code(NotAuthenticated, "identity_not_verified"):
        identity_sign_in(request=rf.post("/"), provider_code="password",
                         credentials={"username": "citizen5", "password": "nope"})


def test_a_real_name_provider_plugs_in_and_links_the_person_once(rf):
    identity_provider_register(FakeRealNameProvider())
    first = identity_sign_in(request=rf.post("/"), provider_code="fake_realname",
                             credentials={"token": "ok"})
    again = identity_sign_in(request=rf.post("/"), provider_code="fake_realname",
                             credentials={"token": "ok"})
    assert first == again
    person = Person.objects.get(user=first)
    assert person.name == "孙实名" and person.id_number == make_id_number(51)
    with raises_code(NotAuthenticated, "identity_not_verified"):
        identity_sign_in(request=rf.post("/"), provider_code="fake_realname", credentials={})
    with raises_code(NotFound, "identity_provider_unknown"):
        identity_sign_in(request=rf.post("/"), provider_code="nope", credentials={})
