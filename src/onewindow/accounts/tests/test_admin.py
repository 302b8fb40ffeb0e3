import pytest

from onewindow.accounts import services
from onewindow.accounts.tests.factories import UserFactory, make_id_number

pytestmark = pytest.mark.django_db


def test_admin_is_chinese_and_keeps_personal_data_masked(client, district):
    person = services.person_create(actor=None, name="钱多多", id_number=make_id_number(41),
                                    phone="13812345678", region=district.community_a1)
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True, kind="staff")
    client.force_login(admin_user)
    index = client.get("/admin/").content.decode()
    assert "系统管理" in index and "自然人" in index
    listing = client.get("/admin/accounts/person/").content.decode()
    assert "钱多多" in listing
    assert make_id_number(41) not in listing and "13812345678" not in listing
    detail = client.get(f"/admin/accounts/person/{person.pk}/change/").content.decode()
    assert make_id_number(41) not in detail
    assert client.get("/admin/core/auditentry/add/").status_code == 403
