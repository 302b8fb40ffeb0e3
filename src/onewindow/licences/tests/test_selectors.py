from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import UserFactory, staff_make
from onewindow.core.errors import NotFound
from onewindow.core.tests.helpers import raises_code
from onewindow.licences import selectors
from onewindow.licences.constants import LicenceStatus, VerifyStatus
from onewindow.licences.models import LicenceType

from .factories import citizen_make, enterprise_make, licence_make, person_make

pytestmark = pytest.mark.django_db


def test_verify_tells_valid_expired_revoked_and_unknown_with_masked_holder(district):
    person = person_make(name="欧阳小明")
    today = timezone.localdate()
    valid = licence_make(holder=person, valid_until=today + timedelta(days=10))
    expired = licence_make(holder=person, valid_until=today - timedelta(days=1))  # job not run yet
    revoked = licence_make(holder=person, status=LicenceStatus.REVOKED)

    result = selectors.licence_verify(code=valid.verification_code_display.lower())
    assert result.status == VerifyStatus.VALID and result.is_genuine
    assert result.holder_name_masked == "欧**明"
    assert result.holder_id_masked == person.id_number[:4] + "*" * 10 + person.id_number[-4:]
    assert person.id_number not in str(result.__dict__.values())
    assert selectors.licence_verify(code=expired.verification_code).status == VerifyStatus.EXPIRED
    assert selectors.licence_verify(code=revoked.verification_code).status == VerifyStatus.REVOKED
    assert selectors.licence_verify(code="ABCD-EFGH-JKMN-PQRS").status == VerifyStatus.UNKNOWN
    unknown = selectors.licence_verify(code="<script>")
    assert unknown.status == VerifyStatus.UNKNOWN and not unknown.is_genuine and unknown.licence is None


def test_an_id_number_used_as_licence_number_is_stored_hashed_and_shown_masked(district, market_admin, market):
    from onewindow.licences.models import Licence

    person = person_make()
    licence = licence_make(holder=person, number=person.id_number, department=market)
    assert Licence.objects.filter(number__contains=person.id_number[6:14]).count() == 0
    assert licence.display_number == person.id_number
    assert person.id_number[6:14] not in licence.masked_number
    assert selectors.licence_verify(code=licence.verification_code).number == licence.masked_number
    found = selectors.licence_list(actor=market_admin.user, filters=selectors.LicenceFilters(q=person.id_number))
    assert list(found) == [licence]


def test_verify_shows_enterprise_name_but_masks_credit_code(district):
    enterprise = enterprise_make(name="昆明翠湖餐饮管理有限公司")
    licence = licence_make(holder=enterprise, type_code="BUSINESS_LICENCE")
    result = selectors.licence_verify(code=licence.verification_code)
    assert result.holder_name_masked == "昆明翠湖餐饮管理有限公司"
    assert result.holder_id_masked != enterprise.credit_code and result.holder_id_masked.endswith(
        enterprise.credit_code[-4:])


def test_standard_types_are_created_on_first_use_and_unknown_ones_are_not(district):
    assert not LicenceType.objects.exists()
    assert selectors.licence_type_get(code="marriage_cert").name == "结婚证"
    with raises_code(NotFound, "licence_type_not_found"):
        selectors.licence_type_get(code="NOPE")
    assert selectors.licence_types_ensure() > 10
    assert selectors.licence_types_ensure() == 0


def test_holders_see_their_own_licences_and_enterprise_agents_their_companies(district):
    citizen = citizen_make(username="citizen_w", name="吴敏")
    agent = UserFactory(username="agent")
    company = enterprise_make(agent=agent)
    own = licence_make(holder=citizen)
    company_licence = licence_make(holder=company, type_code="BUSINESS_LICENCE")
    licence_make(holder=person_make())
    licence_make(holder=enterprise_make())
    assert list(selectors.licence_list_for_user(user=citizen.user)) == [own]
    assert list(selectors.licence_list_for_user(user=agent)) == [company_licence]
    assert list(selectors.licence_list_for_user(user=UserFactory())) == []
    with raises_code(NotFound, "not_found"):
        selectors.licence_get_for_user(user=citizen.user, public_id=company_licence.public_id)
    assert selectors.licence_get_for_user(user=agent, public_id=company_licence.public_id) == company_licence


def test_imported_licence_reaches_a_citizen_who_registers_later(district):
    person = person_make(name="迟到者")
    licence = licence_make(holder=person)
    user = UserFactory(username="late")
    person.user = user
    person.save(update_fields=["user"])
    assert list(selectors.licence_list_for_user(user=user)) == [licence]


def test_staff_list_is_only_for_administrators_of_the_issuing_department_in_their_region(
        district, market, market_admin, market_reviewer, civil_admin, supervisor):
    issued = licence_make(holder=enterprise_make(), type_code="BUSINESS_LICENCE", department=market)
    licence_make(holder=person_make(), type_code="ID_CARD")  # external, no department here
    assert list(selectors.licence_list(actor=market_admin.user)) == [issued]
    assert selectors.licence_get(actor=market_admin.user, public_id=issued.public_id) == issued
    for outsider in (market_reviewer, civil_admin, supervisor):
        assert list(selectors.licence_list(actor=outsider.user)) == []
        with raises_code(NotFound, "not_found"):
            selectors.licence_get(actor=outsider.user, public_id=issued.public_id)
    street_admin = staff_make(username="street_admin", region=district.street_a,
                              roles=[Role.ADMINISTRATOR], departments=[market])
    assert list(selectors.licence_list(actor=street_admin.user)) == []  # district-level licence


def test_staff_list_filters(district, market, market_admin):
    enterprise = enterprise_make(name="昆明金马商贸有限公司")
    business = licence_make(holder=enterprise, type_code="BUSINESS_LICENCE", department=market, number="B-1")
    permit = licence_make(holder=enterprise, type_code="FOOD_OPERATION_PERMIT", department=market,
                          status=LicenceStatus.REVOKED)
    F = selectors.LicenceFilters
    assert list(selectors.licence_list(actor=market_admin.user, filters=F(q="B-1"))) == [business]
    assert set(selectors.licence_list(actor=market_admin.user, filters=F(q="昆明金马"))) == {business, permit}
    assert list(selectors.licence_list(actor=market_admin.user, filters=F(q=enterprise.credit_code,
                                                                       status="revoked"))) == [permit]
    assert list(selectors.licence_list(actor=market_admin.user, filters=F(type_code="business_licence"))) == [
        business]
