from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from onewindow.catalog.constants import PLACEHOLDER_MARK, VersionStatus
from onewindow.catalog.tests.factories import VersionFactory, item_make

pytestmark = pytest.mark.django_db


def test_one_published_and_one_draft_version_per_item() -> None:
    item = item_make(published=True)
    VersionFactory(item=item, number=2, status=VersionStatus.DRAFT)
    with pytest.raises(IntegrityError), transaction.atomic():
        VersionFactory(item=item, number=3, status=VersionStatus.PUBLISHED)
    with pytest.raises(IntegrityError), transaction.atomic():
        VersionFactory(item=item, number=4, status=VersionStatus.DRAFT)
    VersionFactory(item=item, number=5, status=VersionStatus.RETIRED)
    VersionFactory(item=item, number=6, status=VersionStatus.RETIRED)
    assert item.versions.count() == 4


def test_version_numbers_unique_per_item() -> None:
    item = item_make(published=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        VersionFactory(item=item, number=1, status=VersionStatus.RETIRED)


def test_placeholder_display_marks_placeholder_elements() -> None:
    item = item_make(place="区政务服务中心", hours="工作日", placeholder_fields=["place"],
                     is_placeholder=True)
    version = item.current_version
    assert version is not None
    assert version.display("place") == f"区政务服务中心{PLACEHOLDER_MARK}"
    assert version.display("hours") == "工作日"
