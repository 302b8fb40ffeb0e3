"""News pages: the public stream and details (Chinese, conditional GET), 政务公开, the
newsroom's pages and their errors in place."""

import pytest

from onewindow.news.constants import NewsKind, NewsStatus
from onewindow.news.models import NewsFeed, NewsItem
from onewindow.news.tests.factories import news_make

pytestmark = pytest.mark.django_db


def test_public_pages_show_published_items_only(client, newsroom):
    item = news_make(department=newsroom.bureau, title="节前食品安全专项检查", body="第一段。\n第二段。",
                     open_category="services")
    news_make(department=newsroom.bureau, title="还在审核的稿件", status=NewsStatus.PENDING)
    page = client.get("/news/")
    html = page.content.decode()
    assert page.status_code == 200 and "节前食品安全专项检查" in html and "还在审核的稿件" not in html
    assert "新闻" in html  # Chinese UI
    assert client.get("/news/", HTTP_IF_NONE_MATCH=page["ETag"]).status_code == 304
    detail = client.get(f"/news/{item.public_id}/")
    assert detail.status_code == 200 and "<p>第二段。</p>" in detail.content.decode()
    assert client.get(f"/news/{item.public_id}/", HTTP_IF_NONE_MATCH=detail["ETag"]).status_code == 304
    pending = NewsItem.objects.get(status=NewsStatus.PENDING)
    missing = client.get(f"/news/{pending.public_id}/")
    assert missing.status_code == 404 and "该信息不存在或已撤回" in missing.content.decode()
    open_page = client.get("/open/").content.decode()
    assert "盘龙区市场监督管理局" in open_page and "办事服务 1" in open_page


def test_editor_writes_and_sees_field_errors_in_place(client, newsroom):
    client.force_login(newsroom.editor.user)
    bad = client.post("/staff/news/new/", {"department": newsroom.bureau.code, "kind": "news", "title": "短",
                                            "body": "正文", "submit": "1"})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'aria-invalid="true" aria-describedby="title-error"' in html
    assert "标题至少 4 个字" in html and not NewsItem.objects.exists()
    bad_time = client.post("/staff/news/new/", {"department": newsroom.bureau.code, "kind": "news",
                                                 "title": "定时发布测试新闻", "body": "正文", "publish_at": "明天"})
    assert bad_time.status_code == 400 and "时间格式不正确" in bad_time.content.decode()
    ok = client.post("/staff/news/new/", {"department": newsroom.bureau.code, "kind": NewsKind.NOTICE,
                                           "title": "关于开展企业年报工作的通知", "body": "请按时报送。",
                                           "submit": "1"})
    item = NewsItem.objects.get()
    assert ok.status_code == 302 and item.status == NewsStatus.PENDING and item.author == newsroom.editor.user
    # the editor cannot approve; the page says so in Chinese
    denied = client.post(f"/staff/news/{item.public_id}/approve/")
    assert denied.status_code == 403 and "审核人员" in denied.content.decode()
    client.force_login(newsroom.leader.user)
    assert "关于开展企业年报工作的通知" in client.get("/staff/news/").content.decode()
    client.post(f"/staff/news/{item.public_id}/approve/", {"reason": "同意"})
    item.refresh_from_db()
    assert item.status == NewsStatus.PUBLISHED


def test_newsroom_is_for_staff_of_a_department(client, newsroom, district):
    from onewindow.cases.tests.factories import citizen_make

    person = citizen_make(username="reader", region=district.community_a1)
    client.force_login(person.user)
    assert client.get("/staff/news/").status_code == 404
    client.force_login(newsroom.street_editor.user)
    response = client.post("/staff/news/feeds/", {"department": newsroom.street.code, "name": "拓东公众号",
                                                   "url": "fixture:tuodong-street.atom"})
    assert response.status_code == 302
    feed = NewsFeed.objects.get()
    client.post(f"/staff/news/feeds/{feed.public_id}/fetch/")
    assert NewsItem.objects.filter(feed=feed, status=NewsStatus.PENDING).count() == 2
    bad = client.post("/staff/news/feeds/", {"department": newsroom.street.code, "name": "x", "url": "javascript:1"})
    assert bad.status_code == 400 and "http://" in bad.content.decode()
