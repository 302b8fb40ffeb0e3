"""``updated_since`` on the news lists (public and newsroom): only what changed at or after the
time, compared in UTC; a bad value is a 422 naming the parameter before any query."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.news.constants import NewsStatus
from onewindow.news.models import NewsItem
from onewindow.news.tests.factories import news_make

pytestmark = pytest.mark.django_db
BAD_SINCE = ["yesterday", "1989-12-31T23:59:59+08:00", "2201-01-01T00:00:00+08:00", "0464-07-04T04:40:26+21:52"]


def _old_and_new(newsroom, **kwargs):  # type: ignore[no-untyped-def]
    old = news_make(department=newsroom.bureau, title="旧的新闻", **kwargs)
    new = news_make(department=newsroom.bureau, title="新的新闻", **kwargs)
    NewsItem.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=2))
    return old, new


def test_public_list_takes_updated_since(client, newsroom):
    _, new = _old_and_new(newsroom)
    assert client.get("/api/v1/news").json()["count"] == 2
    since = (timezone.now() - timedelta(days=1)).astimezone(timezone.get_fixed_timezone(-300)).isoformat()
    body = client.get("/api/v1/news", {"updated_since": since}).json()
    assert [i["id"] for i in body["items"]] == [str(new.public_id)] and body["count"] == 1
    # a cached answer of the whole list is not served for the filtered one
    etag = client.get("/api/v1/news")["ETag"]
    assert client.get("/api/v1/news", {"updated_since": since}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_newsroom_list_takes_updated_since(client, newsroom):
    _, new = _old_and_new(newsroom, status=NewsStatus.DRAFT)
    client.force_login(newsroom.editor.user)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert len(client.get("/api/v1/news/staff/items").json()) == 2
    assert [i["id"] for i in client.get("/api/v1/news/staff/items", {"updated_since": since}).json()] == [
        str(new.public_id)]


@pytest.mark.parametrize("bad", BAD_SINCE)
def test_a_bad_updated_since_is_a_422(client, newsroom, bad):
    response = client.get("/api/v1/news", {"updated_since": bad})
    assert response.status_code == 422 and response.json()["code"] == "validation_failed"
    assert "updated_since" in response.json()["fields"]
    client.force_login(newsroom.editor.user)
    response = client.get("/api/v1/news/staff/items", {"updated_since": bad})
    assert response.status_code == 422 and "updated_since" in response.json()["fields"]
