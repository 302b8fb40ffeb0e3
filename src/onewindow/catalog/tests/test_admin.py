from __future__ import annotations

import pytest

from onewindow.accounts.tests.factories import UserFactory
from onewindow.catalog.tests.factories import item_make

pytestmark = pytest.mark.django_db


def test_admin_pages_are_read_only(client) -> None:  # type: ignore[no-untyped-def]
    item = item_make(materials=2)
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get("/admin/catalog/serviceitem/").status_code == 200
    assert client.get(f"/admin/catalog/serviceitem/{item.pk}/change/").status_code == 200
    assert client.get(f"/admin/catalog/serviceitemversion/{item.current_version.pk}/change/"
                      ).status_code == 200
    assert client.get("/admin/catalog/serviceitem/add/").status_code == 403
    response = client.post(f"/admin/catalog/serviceitem/{item.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
