"""``updated_since`` on the home care lists paged through core's MappedRows (elders, orders)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.grid.tests.test_api import bearer
from onewindow.homecare.models import Elder

from .conftest import Care

pytestmark = pytest.mark.django_db


def test_elders_and_orders_changed_since(client, care: Care) -> None:
    auth = bearer(care.worker.user)
    assert client.get("/api/v1/homecare/elders", **auth).json()["count"] == 1
    Elder.objects.filter(pk=care.elder.pk).update(updated_at=timezone.now() - timedelta(days=2))
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert client.get("/api/v1/homecare/elders", {"updated_since": since}, **auth).json()["count"] == 0
    earlier = (timezone.now() - timedelta(days=3)).isoformat()
    assert client.get("/api/v1/homecare/elders", {"updated_since": earlier}, **auth).json()["count"] == 1
    answer = client.get("/api/v1/homecare/orders", {"updated_since": since}, **bearer(care.bureau.user))
    assert answer.status_code == 200, answer.content
