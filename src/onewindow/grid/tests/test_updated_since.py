"""``updated_since`` on the grid lists paged through core's MappedRows: filtered in the
database (it answered 500 when the list was a converting wrapper the filter could not reach)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.grid.models import House
from onewindow.grid.tests.factories import building_make, house_make
from onewindow.grid.tests.test_api import bearer

pytestmark = pytest.mark.django_db


def test_houses_changed_since(client, grids):
    building = building_make(grids.grid)
    old = house_make(grids.grid, building=building, room="501")
    new = house_make(grids.grid, building=building, room="502")
    House.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    auth = bearer(grids.worker.user)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = client.get("/api/v1/grid/houses", {"updated_since": since}, **auth).json()
    assert [h["id"] for h in body["items"]] == [str(new.public_id)] and body["count"] == 1
    for path in ("/api/v1/grid/households", "/api/v1/grid/visits", "/api/v1/grid/events"):
        answer = client.get(path, {"updated_since": since}, **auth)
        assert answer.status_code == 200, (path, answer.content)
