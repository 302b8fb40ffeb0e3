import pytest

from onewindow.accounts.models import Enterprise, Person
from onewindow.licences import selectors
from onewindow.licences.constants import LicenceSource, VerifyStatus
from onewindow.licences.demo import demo_load_licences
from onewindow.licences.models import Licence

accounts_demo = pytest.importorskip("onewindow.accounts.demo")
regions_demo = pytest.importorskip("onewindow.regions.demo")

pytestmark = pytest.mark.django_db


def test_demo_gives_residents_and_enterprises_licences_and_is_idempotent():
    regions_demo.regions_demo_load(small=True)
    accounts_demo.accounts_demo_load(small=True)
    first = demo_load_licences(small=True)
    people, enterprises = Person.objects.count(), Enterprise.objects.count()
    assert Licence.objects.filter(licence_type__code="ID_CARD").count() == people
    assert Licence.objects.filter(licence_type__code="HOUSEHOLD_REGISTER").count() == people
    assert Licence.objects.filter(licence_type__code="BUSINESS_LICENCE").count() == enterprises
    assert first["本次新增证照"] == Licence.objects.count()

    citizen = Person.objects.get(user__username="citizen")
    mine = selectors.licence_list_for_user(user=citizen.user)
    codes = {lic.licence_type.code for lic in mine}
    assert {"ID_CARD", "HOUSEHOLD_REGISTER", "HEALTH_CERT"} <= codes
    found = selectors.licences_for_materials(holder=citizen, material_licence_type_codes=["ID_CARD", "HEALTH_CERT"])
    assert set(found) == {"ID_CARD"}  # the health certificate is expired

    issued = Licence.objects.get(source=LicenceSource.PLATFORM)
    assert issued.file and issued.issuing_department.code.endswith("-SCJGJ")
    assert selectors.licence_verify(code=issued.verification_code).status == VerifyStatus.VALID

    again = demo_load_licences(small=True)
    assert again["本次新增证照"] == 0 and again["证照总数"] == first["证照总数"]
