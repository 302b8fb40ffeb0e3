import pytest
from django.db import connection


@pytest.mark.django_db
def test_personal_data_is_not_stored_in_clear(district):
    from onewindow.accounts.services import person_create

    person = person_create(actor=None, name="王芳", id_number="11010519491231002X",
                           phone="13812345678", address="昆明市盘龙区拓东路1号",
                           region=district.community_a1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone, address FROM accounts_person WHERE id = %s",
                       [person.id])
        raw = cursor.fetchone()
    assert all(v.startswith("v1:") for v in raw)
    assert "11010519491231002X" not in "".join(raw)
    assert "13812345678" not in "".join(raw)
