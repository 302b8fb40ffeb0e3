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


# --- Mutation testing (issue 9) ---------------------------------------------------------------
def test_unknown_actions_are_never_allowed():
    assert not rules.can("publish", NewsStatus.DRAFT)
    assert not rules.can("", NewsStatus.PENDING)


def test_approval_at_the_publishing_time_itself_publishes():
    assert rules.approved_status(publish_at=NOW, now=NOW) == NewsStatus.PUBLISHED


def test_text_from_html_edges():
    assert rules.text_from_html(None) == ""  # type: ignore[arg-type]
    assert rules.text_from_html("<p>甲</p>\n\n \n<p>乙</p><br><br><br>丙") == "甲\n\n乙\n\n丙"
    assert rules.text_from_html("甲\x00乙\x07丙\u200b丁") == "甲乙丙丁"  # control and format characters
    assert rules.text_from_html("一二三四五", limit=5) == "一二三四五"  # exactly at the limit: kept whole
    assert rules.text_from_html("甲乙 丙丁戊己", limit=4) == "甲乙…"  # no space before the ellipsis


def test_keys_of_entries_without_id_or_link():
    assert rules.title_key(None) == rules.title_key("！？ ")  # type: ignore[arg-type]
    assert rules.source_key(entry_id="", link=None, title="甲") == rules.source_key(  # type: ignore[arg-type]
        entry_id="", link="", title="甲")
    assert rules.source_key(entry_id="", link="", title="甲") != rules.source_key(entry_id="", link="", title="乙")


def test_list_etag_of_an_empty_list_and_its_size():
    empty = rules.list_etag(count=0, latest=None)
    assert empty == rules.list_etag(count=0, latest=None, variant="")
    assert empty != rules.list_etag(count=0, latest=NOW)
    assert len(empty) == len('W/""') + 32
