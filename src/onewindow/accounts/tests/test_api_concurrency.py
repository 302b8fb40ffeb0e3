"""ETag and If-Match on people: 304 for an unchanged record, 428 without If-Match, 412 for a
stale version, and no write in either case."""

import pytest

from onewindow.accounts.tests.test_api import bearer, people  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_a_detail_has_an_etag_and_answers_304_when_unchanged(client, clerk_a, people):  # noqa: F811
    a, _ = people
    auth = bearer(clerk_a.user)
    url = f"/api/v1/people/{a.public_id}"
    first = client.get(url, **auth)
    tag = first["ETag"]
    assert first.status_code == 200 and tag.startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=tag, **auth)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == tag
    assert client.get(url, HTTP_IF_NONE_MATCH='"old"', **auth).status_code == 200


def test_a_change_needs_the_current_version(client, clerk_a, people):  # noqa: F811
    a, _ = people
    auth = bearer(clerk_a.user)
    url = f"/api/v1/people/{a.public_id}"
    tag = client.get(url, **auth)["ETag"]
    change = {"phone": "13911112222"}
    missing = client.patch(url, change, content_type="application/json", **auth)
    assert missing.status_code == 428 and missing.json()["code"] == "if_match_required"
    stale = client.patch(url, change, content_type="application/json", HTTP_IF_MATCH='"stale"', **auth)
    assert stale.status_code == 412 and stale.json()["code"] == "version_conflict"
    assert stale.json()["detail"] == {"current_etag": tag}
    a.refresh_from_db()
    assert a.phone == "13812345678"
    done = client.patch(url, change, content_type="application/json", HTTP_IF_MATCH=tag, **auth)
    assert done.status_code == 200 and done["ETag"] != tag
    # The version just replaced is now stale: a second writer holding it is refused.
    late = client.patch(url, {"phone": "13933334444"}, content_type="application/json", HTTP_IF_MATCH=tag, **auth)
    assert late.status_code == 412
    a.refresh_from_db()
    assert a.phone == "13911112222"
