"""News services: drafting within one's department, 审核发布 by another person, scheduled
publishing and withdrawal, feed aggregation with de-duplication into the approval queue."""

from datetime import timedelta

import pytest
from django.utils import timezone

from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.news import feeds, services
from onewindow.news.constants import FeedStatus, NewsKind, NewsSource, NewsStatus
from onewindow.news.models import NewsFeed, NewsItem
from onewindow.news.services import NewsFields
from onewindow.news.tests.factories import news_make

pytestmark = pytest.mark.django_db


def fields(**kw) -> NewsFields:
    base = {"title": "盘龙区开展节前食品安全专项检查", "body": "区市场监管局开展检查。\n共检查 126 家。"}
    return NewsFields(**{**base, **kw})


def test_editor_drafts_leader_approves_and_it_is_published(newsroom):
    item = services.news_create(actor=newsroom.editor.user, department=newsroom.bureau, fields=fields(tags="食品安全"))
    assert item.status == NewsStatus.DRAFT and item.tags == ["食品安全"]
    assert item.region_path == newsroom.bureau.region.path
    services.news_submit(actor=newsroom.editor.user, item=item)
    item = services.news_approve(actor=newsroom.leader.user, item=item, note="同意")
    assert item.status == NewsStatus.PUBLISHED and item.published_at is not None
    assert item.reviewer == newsroom.leader.user
    actions = list(AuditEntry.objects.filter(object_id=str(item.public_id)).values_list("action", flat=True))
    assert actions == ["news.create", "news.submit", "news.approve"]


def test_editor_cannot_write_for_another_department(newsroom):
    with pytest.raises(DomainError) as exc:
        services.news_create(actor=newsroom.street_editor.user, department=newsroom.bureau, fields=fields())
    assert exc.value.code == "news_not_your_department"
    assert not NewsItem.objects.exists()


def test_nobody_approves_their_own_item_and_editors_do_not_approve(newsroom):
    own = services.news_create(actor=newsroom.leader.user, department=newsroom.bureau, fields=fields(), submit=True)
    with pytest.raises(DomainError) as exc:
        services.news_approve(actor=newsroom.leader.user, item=own)
    assert exc.value.code == "news_self_approval"
    other = services.news_create(actor=newsroom.editor.user, department=newsroom.bureau,
                                 fields=fields(title="另一条新闻标题"), submit=True)
    with pytest.raises(DomainError) as exc:
        services.news_approve(actor=newsroom.editor.user, item=other)
    assert exc.value.code == "news_not_approver"
    other.refresh_from_db()
    assert other.status == NewsStatus.PENDING


def test_bad_input_names_each_field_and_writes_nothing(newsroom):
    with pytest.raises(DomainError) as exc:
        services.news_create(actor=newsroom.editor.user, department=newsroom.bureau,
                             fields=NewsFields(kind="gossip", title="短", body=""))
    assert exc.value.code == "validation_failed"
    assert set(exc.value.fields) == {"title", "body", "kind"}
    with raises_code(DomainError, "validation_failed") as exc:
        services.news_create(actor=newsroom.editor.user, department=newsroom.bureau,
                             fields=fields(kind=NewsKind.INTERPRETATION))
    assert exc.value.fields["interprets"] == "政策解读须关联所解读的政策文件"
    assert not NewsItem.objects.exists() and not AuditEntry.objects.filter(action="news.create").exists()


def test_interpretation_links_a_policy(newsroom):
    policy = news_make(department=newsroom.bureau, title="盘龙区促进个体工商户发展若干措施", kind=NewsKind.POLICY)
    item = services.news_create(actor=newsroom.editor.user, department=newsroom.bureau,
                                fields=fields(kind=NewsKind.INTERPRETATION, title="图解：个体工商户发展措施",
                                              interprets=policy))
    assert item.interprets == policy
    news = news_make(department=newsroom.bureau, title="一条普通新闻")
    with raises_code(DomainError, "validation_failed") as exc:
        services.news_create(actor=newsroom.editor.user, department=newsroom.bureau,
                             fields=fields(kind=NewsKind.INTERPRETATION, title="解读普通新闻", interprets=news))
    assert exc.value.fields["interprets"] == "只能解读政策文件"


def test_scheduled_publishing_and_withdrawal(newsroom):
    now = timezone.now()
    item = services.news_create(actor=newsroom.editor.user, department=newsroom.bureau, submit=True,
                                fields=fields(publish_at=now + timedelta(hours=2), withdraw_at=now + timedelta(days=3)))
    item = services.news_approve(actor=newsroom.leader.user, item=item, now=now)
    assert item.status == NewsStatus.SCHEDULED and item.published_at is None
    assert services.news_schedule_run(now=now + timedelta(hours=1)) == {"published": 0, "withdrawn": 0}
    assert services.news_schedule_run(now=now + timedelta(hours=2, minutes=1)) == {"published": 1, "withdrawn": 0}
    item.refresh_from_db()
    assert item.status == NewsStatus.PUBLISHED and item.published_at == now + timedelta(hours=2)
    assert services.news_schedule_run(now=now + timedelta(days=3, minutes=1)) == {"published": 0, "withdrawn": 1}
    item.refresh_from_db()
    assert item.status == NewsStatus.WITHDRAWN


def test_withdraw_needs_a_reason_and_a_published_item(newsroom):
    item = services.news_create(actor=newsroom.editor.user, department=newsroom.bureau, fields=fields())
    with pytest.raises(DomainError) as exc:
        services.news_withdraw(actor=newsroom.leader.user, item=item, reason="")
    assert exc.value.fields == {"reason": "请填写撤回理由"}
    with pytest.raises(DomainError) as exc:
        services.news_withdraw(actor=newsroom.leader.user, item=item, reason="有误")
    assert exc.value.code == "news_wrong_state" and exc.value.status == 409


def test_reject_sends_back_and_the_editor_resubmits(newsroom):
    item = services.news_create(actor=newsroom.editor.user, department=newsroom.bureau, fields=fields(), submit=True)
    item = services.news_reject(actor=newsroom.leader.user, item=item, reason="数据需核实")
    assert item.status == NewsStatus.REJECTED and item.review_note == "数据需核实"
    item = services.news_update(actor=newsroom.editor.user, item=item, fields=fields(body="核实后的正文。"))
    item = services.news_submit(actor=newsroom.editor.user, item=item)
    assert item.status == NewsStatus.PENDING and item.body == "核实后的正文。"


# --- Feeds -------------------------------------------------------------------------------------
def test_feed_register_checks_the_address(newsroom):
    with pytest.raises(DomainError) as exc:
        services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="门户", url="ftp://x")
    assert exc.value.code == "validation_failed" and "url" in exc.value.fields
    with raises_code(DomainError, "validation_failed") as exc:
        services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="门户",
                               url="fixture:../../settings.py")
    assert exc.value.fields["url"] == "找不到该样例订阅源"
    services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="门户",
                           url="fixture:panlong-market.xml")
    with pytest.raises(DomainError) as exc:
        services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="门户2",
                               url="fixture:panlong-market.xml")
    assert exc.value.code == "news_feed_exists"
    assert NewsFeed.objects.count() == 1


def test_feeds_fill_the_approval_queue_without_duplicates(newsroom):
    market = services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="市监局网站",
                                    url="fixture:panlong-market.xml")
    street = services.feed_register(actor=newsroom.street_editor.user, department=newsroom.street, name="拓东公众号",
                                    url="fixture:tuodong-street.atom")
    result = services.feed_fetch(feed=market)
    assert (result.status, result.new, result.duplicates) == (FeedStatus.OK, 3, 0)
    item = NewsItem.objects.get(title="盘龙区开展节前食品安全专项检查")
    assert item.status == NewsStatus.PENDING and item.source == NewsSource.FEED and item.feed == market
    assert "alert" not in item.body and "共检查经营主体 126 家" in item.body and item.tags == ["食品安全"]
    # the street reposted the same story under its own link: a duplicate by title
    result = services.feed_fetch(feed=street)
    assert (result.new, result.duplicates) == (1, 1)
    # fetching again adds nothing
    totals = services.feeds_fetch_due(now=timezone.now() + timedelta(hours=1))
    assert totals == {"feeds": 2, "new": 0, "duplicates": 5, "failed": 0}
    assert NewsItem.objects.filter(status=NewsStatus.PENDING).count() == 4
    # an aggregated item is approved like any other
    published = services.news_approve(actor=newsroom.leader.user, item=item)
    assert published.status == NewsStatus.PUBLISHED


def test_a_broken_feed_is_recorded_not_raised(newsroom, monkeypatch):
    feed = services.feed_register(actor=newsroom.editor.user, department=newsroom.bureau, name="坏源",
                                  url="https://feeds.example.invalid/rss")

    def refuse(url, **kw):
        raise feeds.FeedError("无法连接订阅源：timed out")

    monkeypatch.setattr(feeds, "fetch", refuse)
    result = services.feed_fetch(feed=feed)
    feed.refresh_from_db()
    assert result.status == FeedStatus.FAILED and feed.last_status == FeedStatus.FAILED
    assert feed.last_error == "无法连接订阅源：timed out"
    monkeypatch.setattr(feeds, "fetch", lambda url, **kw: feeds.Fetched(b"<html>not a feed"))
    assert services.feed_fetch(feed=feed).status == FeedStatus.FAILED
    monkeypatch.setattr(feeds, "fetch", lambda url, **kw: feeds.Fetched(None, "e1", ""))
    assert services.feed_fetch(feed=feed).status == FeedStatus.NOT_MODIFIED
    assert not NewsItem.objects.exists()
