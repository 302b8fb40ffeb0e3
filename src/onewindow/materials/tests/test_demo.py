import pytest

from onewindow.accounts.models import Person
from onewindow.catalog.models import Material
from onewindow.materials.constants import CheckStatus
from onewindow.materials.demo import demo_load_materials
from onewindow.materials.models import Commitment, LibraryMaterial

accounts_demo = pytest.importorskip("onewindow.accounts.demo")
regions_demo = pytest.importorskip("onewindow.regions.demo")
catalog_demo = pytest.importorskip("onewindow.catalog.demo")
licences_demo = pytest.importorskip("onewindow.licences.demo")

pytestmark = pytest.mark.django_db


def test_demo_gives_the_citizen_a_library_and_a_promised_item_and_is_idempotent():
    regions_demo.regions_demo_load(small=True)
    accounts_demo.accounts_demo_load(small=True)
    catalog_demo.demo_load_catalog(small=True)
    licences_demo.demo_load_licences(small=True)
    first = demo_load_materials(small=True)
    citizen = Person.objects.get(user__username="citizen")
    assert first["演示居民材料库（合计）"] == 3
    library = LibraryMaterial.objects.filter(holder_person=citizen)
    assert {m.content_type for m in library} == {"application/pdf", "image/png"}
    assert all(m.verifier_name and m.valid_until for m in library)
    assert Material.objects.filter(trust_levels__contains="D", name="个人承诺书").exists()
    assert Commitment.objects.filter(holder_person=citizen, check_status=CheckStatus.SCHEDULED).count() == 1
    again = demo_load_materials(small=True)
    assert again["演示居民材料库（本次新建）"] == 0 and again["告知承诺待核查（本次新建）"] == 0
    assert again["可承诺材料（本次设为D级可采信）"] == 0
    assert LibraryMaterial.objects.count() == 3 and Commitment.objects.count() == 1
