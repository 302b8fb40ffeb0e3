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
