"""Ranking test set: what a citizen types, and which items must come first (no database).

The documents are the demo district's catalogue (``catalog.demo.ITEMS``: names, aliases,
departments, life events and conditions texts as the guide indexes them), so the set follows
the data people actually search. Each case says which item must lead the list, or which must
rank above which: what people call an item (its name, an alias) beats a word that only
appears in a long text or in the bracketed description of another item's name.
"""

from __future__ import annotations

import pytest

from onewindow.catalog.demo import ITEMS
from onewindow.catalog.search import Document, SearchIndex, split_name, title_boost
from onewindow.catalog.synonyms import DEFAULT_FILE, Synonyms


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    docs = [Document(id=item["name"], name=item["name"],
                     keywords=tuple(item.get("keywords") or ()), department=item["dept"],
                     life_events=tuple((code, code) for code in item.get("themes") or ()),
                     text=str(item.get("conditions") or "")[:200])
            for item in ITEMS]
    return SearchIndex(docs, synonyms=Synonyms.load(DEFAULT_FILE))


def names(index: SearchIndex, query: str, limit: int = 10) -> list[str]:
    return [h.doc.name for h in index.search(query, limit=limit).hits]


ENTERPRISE = "企业开办（设立登记、刻章、发票、社保登记一件事）"

# (query, the item that must come first)
FIRST = [
    ("社会保障卡申领", "社会保障卡申领"),  # the exact name
    ("社保卡", "社会保障卡申领"),  # an alias
    ("shebaoka", "社会保障卡申领"),  # pinyin of an alias
    ("我要办社保卡", "社会保障卡申领"),  # filler words
    ("低保", "最低生活保障审核确认"),
    ("结婚", "内地居民结婚登记"),  # the word in the name beats a synonym of it
    ("上户口", "出生登记（新生儿落户）"),
    ("医保", "城乡居民基本医疗保险参保登记"),
    ("开公司", ENTERPRISE),
    ("身份证", "居民身份证换领、补领"),
    ("sfz", "居民身份证换领、补领"),
    ("残疾人证", "残疾人证办理"),
    ("居住证", "居住证办理"),
    ("挖路", "城市道路挖掘许可"),
]

# (query, ranked higher, ranked lower)
ABOVE = [
    # "社保" is only in the bracketed description of 企业开办: the card and the item with the
    # alias 社保 come first.
    ("社保", "社会保障卡申领", ENTERPRISE),
    ("社保", "城乡居民基本养老保险参保登记", ENTERPRISE),
    ("shebao", "社会保障卡申领", ENTERPRISE),
    ("sb", "社会保障卡申领", ENTERPRISE),
    ("营业执照", "营业执照变更登记", "居住证办理"),
    ("养老保险", "城乡居民基本养老保险参保登记", "社会保障卡申领"),
    ("结婚", "内地居民结婚登记", "婚姻登记咨询"),
    ("退休", "职工基本养老保险待遇申领（退休）", "城乡居民基本养老保险参保登记"),
]


@pytest.mark.parametrize(("query", "expected"), FIRST)
def test_first_result(index: SearchIndex, query: str, expected: str) -> None:
    found = names(index, query)
    assert found and found[0] == expected, found


@pytest.mark.parametrize(("query", "higher", "lower"), ABOVE)
def test_ranked_above(index: SearchIndex, query: str, higher: str, lower: str) -> None:
    found = names(index, query, limit=50)
    assert higher in found, found
    if lower in found:
        assert found.index(higher) < found.index(lower), found


def test_bracketed_description_is_searchable_but_not_a_title() -> None:
    assert split_name(ENTERPRISE) == ("企业开办", "设立登记、刻章、发票、社保登记一件事")
    assert split_name("出生登记（新生儿落户）") == ("出生登记", "新生儿落户")
    assert split_name("（试行）") == ("（试行）", "")
    assert split_name("社会保障卡申领") == ("社会保障卡申领", "")
    index = SearchIndex([Document(id="a", name=ENTERPRISE)])
    assert names(index, "刻章") == [ENTERPRISE]  # still found by its description


def test_title_boost_tiers() -> None:
    aliases = ("社保卡", "社保")
    assert title_boost("社会保障卡申领", aliases, "社会保障卡申领") == 2.0
    assert title_boost("社会保障卡申领", aliases, "社保") == 1.6
    assert title_boost("社会保障卡申领", aliases, "社会保障") == 1.5
    assert title_boost("社会保障卡申领", aliases, "保障卡") == 1.4
    assert title_boost("社会保障卡申领", ("社保卡",), "社保") == 1.3
    assert title_boost("社会保障卡申领", (), "医保") == 1.0
