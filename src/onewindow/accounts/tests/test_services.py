import pytest

from onewindow.accounts import services
from onewindow.accounts.models import Person
from onewindow.accounts.tests.factories import make_credit_code, make_id_number
from onewindow.core.errors import Conflict, NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code

pytestmark = pytest.mark.django_db


def test_clerk_registers_a_person_in_scope_and_it_is_audited_masked(district, clerk_a):
    person = services.person_create(
        actor=clerk_a.user, name="王芳", id_number=make_id_number(1), phone="13812345678",
        address="拓东路1号", region=district.community_a1,
    )
    assert person.gender == "M" and person.birth_date.isoformat() == "1980-01-01"
    assert person.region_path == district.community_a1.path
    entry = AuditEntry.objects.get(action="person.create")
    assert entry.actor_id == clerk_a.user.id
    assert entry.object_id == str(person.public_id)
    assert make_id_number(1) not in str(entry.summary)
    assert entry.summary["id_number"].startswith("5301") and "*" in entry.summary["id_number"]


def test_person_outside_the_clerks_street_is_refused(district, clerk_a):
    with pytest.raises(PermissionDenied) as info:
        services.person_create(actor=clerk_a.user, name="李雷", id_number=make_id_number(2),
                               region=district.community_b1)
    assert info.value.code == "region_out_of_scope"
    assert not Person.objects.exists()


def test_duplicate_id_number_is_a_conflict_not_a_second_row(district, clerk_a):
    services.person_create(actor=None, name="甲", id_number=make_id_number(3))
    with raises_code(Conflict, "person_exists") as info:
        services.person_create(actor=clerk_a.user, name="乙", id_number=make_id_number(3).lower(),
                               region=district.community_a1)
    assert info.value.fields == {"id_number": "该身份证号码已登记"}
    assert Person.objects.count() == 1


def test_bad_id_number_names_the_field(district, clerk_a):
    with pytest.raises(ValidationFailed) as info:
        services.person_create(actor=clerk_a.user, name="丙", id_number="530103198001010010",
                               region=district.community_a1)
    assert info.value.code == "id_number_checksum"


def test_update_phone_keeps_lookup_hash_in_step(district, clerk_a):
    from onewindow.core.crypto import lookup_hash

    person = services.person_create(actor=None, name="丁", id_number=make_id_number(4),
                                    phone="13800000000", region=district.community_a2)
    services.person_update(actor=clerk_a.user, person=person, phone="13911112222")
    person.refresh_from_db()
    assert person.phone == "13911112222"
    assert person.phone_hash == lookup_hash("13911112222")
    entry = AuditEntry.objects.get(action="person.update")
    assert entry.summary["phone"] == ["138****0000", "139****2222"]


def test_update_out_of_scope_is_not_found(district, clerk_b):
    person = services.person_create(actor=None, name="戊", id_number=make_id_number(5),
                                    region=district.community_a1)
    with raises_code(NotFound, "not_found"):
        services.person_update(actor=clerk_b.user, person=person, phone="13911112222")


def test_reveal_needs_a_reason_and_is_audited(district, clerk_a):
    person = services.person_create(actor=None, name="己", id_number=make_id_number(6),
                                    phone="13812345678", region=district.community_a1)
    with raises_code(ValidationFailed, "reveal_reason_required"):
        services.person_reveal(actor=clerk_a.user, person=person, reason=" ")
    full = services.person_reveal(actor=clerk_a.user, person=person, reason="核对身份")
    assert full["id_number"] == make_id_number(6)
    entry = AuditEntry.objects.get(action="person.unmask")
    assert entry.summary["reason"] == "核对身份"
    assert entry.actor_id == clerk_a.user.id


def test_enterprise_credit_code_checked_and_unique(district):
    code = make_credit_code(7)
    enterprise = services.enterprise_create(actor=None, name="云南某某餐饮有限公司",
                                            credit_code=code.lower(), region=district.community_a1)
    assert enterprise.credit_code == code
    with pytest.raises(Conflict):
        services.enterprise_create(actor=None, name="另一家", credit_code=code)
    with pytest.raises(ValidationFailed) as info:
        services.enterprise_create(actor=None, name="错码", credit_code=code[:-1] + "0"
                                   if code[-1] != "0" else code[:-1] + "1")
    assert info.value.code == "credit_code_checksum"


def test_api_token_is_stored_hashed_and_can_be_revoked(district, clerk_a):
    token, key = services.api_token_create(user=clerk_a.user, name="脚本")
    assert key.startswith("ow_") and key not in token.key_hash
    assert services.api_token_authenticate(key=key) == clerk_a.user
    services.api_token_revoke(user=clerk_a.user, public_id=str(token.public_id))
    with pytest.raises(NotAuthenticated) as info:
        services.api_token_authenticate(key=key)
    assert info.value.code == "token_revoked"
    assert services.api_token_authenticate(key="ow_forged") is None


def test_weak_password_is_refused_with_a_message():
    with pytest.raises(ValidationFailed) as info:
        services.user_create(username="weak", password="123", kind="citizen")
    assert info.value.code == "password_weak"
