"""Pure news rules: lifecycle, de-duplication keys, feed text cleaning, list validators."""

from datetime import UTC, datetime, timedelta

from onewindow.news import rules
from onewindow.news.constants import NewsStatus

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def test_lifecycle_allows_only_the_named_steps():
    assert rules.can("approve", NewsStatus.PENDING)
    assert not rules.can("approve", NewsStatus.DRAFT)
    assert not rules.can("approve", NewsStatus.PUBLISHED)
    assert rules.can("withdraw", NewsStatus.PUBLISHED) and rules.can("withdraw", NewsStatus.SCHEDULED)
    assert not rules.can("edit", NewsStatus.PUBLISHED)
    assert rules.can("submit", NewsStatus.REJECTED)


def test_approval_publishes_now_or_schedules():
    assert rules.approved_status(publish_at=None, now=NOW) == NewsStatus.PUBLISHED
    assert rules.approved_status(publish_at=NOW - timedelta(minutes=1), now=NOW) == NewsStatus.PUBLISHED
    assert rules.approved_status(publish_at=NOW + timedelta(hours=1), now=NOW) == NewsStatus.SCHEDULED


def test_title_key_ignores_punctuation_width_and_spaces():
    assert rules.title_key("盘龙区开展节前食品安全专项检查") == rules.title_key("盘龙区开展节前食品安全专项检查！")
    assert rules.title_key("关于 2026 年度的通知") == rules.title_key("关于２０２６年度的通知")
    assert rules.title_key("甲") != rules.title_key("乙")


def test_source_key_prefers_id_then_link():
    assert rules.source_key(entry_id="a", link="x", title="t") == rules.source_key(entry_id="a", link="y", title="u")
    assert rules.source_key(entry_id="", link="x", title="t") == rules.source_key(entry_id=" ", link="x", title="u")
    same = rules.source_key(entry_id="", link="", title="同一标题")
    assert same == rules.source_key(entry_id="", link="", title="同一标题。")


def test_text_from_html_drops_scripts_and_keeps_paragraphs():
    text = rules.text_from_html("<p>第一段&nbsp;内容</p><p>第二段</p><script>alert(1)</script><b>粗</b>")
    assert text == "第一段 内容\n第二段\n粗"
    assert "alert" not in text
    assert rules.text_from_html("很长" * 100, limit=10) == "很长很长很长很长很…"


def test_list_etag_changes_with_count_latest_and_variant():
    a = rules.list_etag(count=3, latest=NOW, variant="p1")
    assert a.startswith('W/"')
    assert a == rules.list_etag(count=3, latest=NOW, variant="p1")
    assert a != rules.list_etag(count=4, latest=NOW, variant="p1")
    assert a != rules.list_etag(count=3, latest=NOW + timedelta(seconds=1), variant="p1")
    assert a != rules.list_etag(count=3, latest=NOW, variant="p2")


def test_tags_clean_splits_dedupes_and_bounds():
    assert rules.tags_clean("食品安全，营商环境, 食品安全 节日", limit=8, length=20) == ["食品安全", "营商环境", "节日"]
    assert rules.tags_clean(["a" * 30], limit=8, length=5) == ["aaaaa"]
    assert len(rules.tags_clean([str(i) for i in range(20)], limit=8, length=5)) == 8
