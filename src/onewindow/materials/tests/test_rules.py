from datetime import date

import pytest

from onewindow.catalog.rules import _Invalid, trust_levels_parse
from onewindow.materials import rules


@pytest.mark.parametrize(("text", "expected"), [
    ("abc", "ABC"), ("A,B,D", "ABD"), ("ＡＢ", "AB"), ("dcba", "ABCD"), (" B ", "B")])
def test_trust_levels_parse(text: str, expected: str) -> None:
    assert trust_levels_parse(text) == expected


@pytest.mark.parametrize(("text", "message"), [("", "至少选择"), ("ABE", "只能是A、B、C、D")])
def test_trust_levels_parse_refuses(text: str, message: str) -> None:
    with pytest.raises(_Invalid, match=message):
        trust_levels_parse(text)


def test_material_key_matches_the_same_document_under_different_wordings() -> None:
    key = rules.material_key("结婚证原件")
    assert key == "name:结婚证"
    assert rules.material_key("结婚证（复印件）") == key
    assert rules.material_key("结婚证 复印件") == key
    assert rules.material_key("结婚证原件及复印件") == key
    assert rules.material_key("离婚证") != key
    assert rules.material_key("随便什么名字", "jhz") == "licence:JHZ"


def test_watermark_wording_of_a_and_b() -> None:
    a = rules.watermark_a(issuer="盘龙区民政局", item_name="生育登记", valid_until=date(2027, 3, 1))
    assert a == "此件由盘龙区民政局提供，仅供办理生育登记事项使用，有效期至2027年3月1日"
    b = rules.watermark_b(purpose="办理生育登记（办件X1）", valid_until=date(2027, 3, 1))
    assert b.startswith("此件经与原件核对无误，仅供办理政务服务事项时使用")
    assert "办件X1" in b and "有效期至2027年3月1日" in b


def test_copy_validity_never_beyond_the_material() -> None:
    today = date(2026, 12, 7)
    assert rules.copy_valid_until(today=today, days=90, material_until=None) == date(2027, 3, 7)
    assert rules.copy_valid_until(today=today, days=90, material_until=date(2027, 1, 1)) == date(2027, 1, 1)


def test_library_usable() -> None:
    today = date(2026, 12, 7)
    ok = {"status": "valid", "reuse_allowed": True, "valid_until": date(2027, 1, 1), "today": today}
    assert rules.library_usable(**ok)
    assert not rules.library_usable(**{**ok, "reuse_allowed": False})
    assert not rules.library_usable(**{**ok, "status": "superseded"})
    assert not rules.library_usable(**{**ok, "valid_until": date(2026, 12, 6)})
    assert rules.library_usable(**{**ok, "valid_until": None})


def test_postcheck_selection_follows_the_share() -> None:
    import hashlib

    digests = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(2000)]
    picked = sum(rules.postcheck_selected(digest_hex=d, share=0.2) for d in digests)
    assert 300 < picked < 500
    assert not any(rules.postcheck_selected(digest_hex=d, share=0) for d in digests[:50])
    assert all(rules.postcheck_selected(digest_hex=d, share=1) for d in digests[:50])


def test_level_counts_and_buckets() -> None:
    assert rules.level_of_state("licence", "A") == "a"
    assert rules.level_of_state("library", "B") == "b"
    assert rules.level_of_state("committed", "D") == "d"
    assert rules.level_of_state("paper", "B") == "fresh"
    assert rules.level_of_state("uploaded", "C") == "fresh"
    assert rules.level_of_state("missing", "") == "missing"
    counts = rules.LevelCounts(a=2, b=1, d=1, fresh=4)
    assert counts.total == 8 and counts.saved == 4 and counts.share(counts.a) == 0.25


# --- Mutation testing (issue 9) ---------------------------------------------------------------
def test_material_key_edges() -> None:
    assert rules.material_key("结婚证原件照片") == "name:结婚证"  # a suffix uncovered by another
    assert rules.material_key("原件") == "name:原件"  # a name that is only a suffix stays
    assert rules.material_key(None) == "name:"  # type: ignore[arg-type]
    assert len(rules.material_key("证" * 300)) == 220
    assert len(rules.material_key("x", "L" * 300)) == 220


def test_watermarks_without_validity_or_issuer_and_their_length() -> None:
    assert rules.date_cn(None) == "长期"
    assert rules.watermark_a(issuer="", item_name="生育登记", valid_until=None) == (
        "此件由发证机关提供，仅供办理生育登记事项使用，长期有效")
    assert rules.watermark_b(purpose="生育登记", valid_until=None).endswith("（用途：生育登记；长期有效）")
    assert len(rules.watermark_a(issuer="局", item_name="事" * 400, valid_until=None)) == 300
    assert len(rules.watermark_b(purpose="用" * 400, valid_until=None)) == 300


def test_copy_and_library_validity_edges() -> None:
    today = date(2026, 12, 7)
    assert rules.copy_valid_until(today=today, days=0, material_until=None) == date(2026, 12, 8)  # at least a day
    assert rules.library_usable(status="valid", reuse_allowed=True, valid_until=today, today=today)  # last day


def test_a_draw_equal_to_the_share_is_not_picked() -> None:
    assert not rules.postcheck_selected(digest_hex="8000000000000" + "0" * 51, share=0.5)
    assert rules.postcheck_selected(digest_hex="7ffffffffffff" + "f" * 51, share=0.5)


def test_level_count_percentages_and_buckets_by_either_condition() -> None:
    counts = rules.LevelCounts(a=1, b=1, d=1, fresh=3)
    assert (counts.pct_a, counts.pct_b, counts.pct_d, counts.pct_fresh) == (16.7, 16.7, 16.7, 50.0)
    assert rules.LevelCounts(a=1, fresh=2).share(1) == 0.3333
    empty = rules.LevelCounts()
    assert empty.share(0) == 0.0 and empty.pct_a is None and empty.pct_fresh is None
    assert rules.level_of_state("uploaded", "A") == "a"  # an A-level material, however it came
    assert rules.level_of_state("shared", "") == "a"
    assert rules.level_of_state("uploaded", "D") == "d"
    assert rules.level_of_state("committed", "C") == "d"
