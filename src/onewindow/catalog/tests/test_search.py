"""The search engine on hand-made documents: no database."""

from __future__ import annotations

import time

import pytest

from onewindow.catalog import search as search_module
from onewindow.catalog.search import (
    Document,
    SearchFilters,
    SearchIndex,
    fuzzy_syllable,
    normalize,
    segment_pinyin,
)
from onewindow.catalog.synonyms import DEFAULT_FILE, Synonyms

RS = ("RS", "区人力资源和社会保障局")
SCJG = ("SCJG", "区市场监督管理局")
MZ = ("MZ", "区民政局")
GA = ("GA", "区公安分局")
GJJ = ("GJJ", "市住房公积金管理中心区管理部")
YB = ("YB", "区医疗保障局")


def doc(doc_id: str, name: str, dept: tuple[str, str] = RS, **kw) -> Document:  # type: ignore[no-untyped-def]
    return Document(id=doc_id, name=name, department_id=dept[0], department=dept[1], **kw)


DOCS = [
    doc("card", "社会保障卡申领", keywords=("社保卡",), themes=(("jiuye", "就业创业"),),
        life_events=(("tuixiu", "退休养老"),), service_object="natural", level="district",
        visits=1, is_online=True, online_depth=3, flags=frozenset({"appointment"})),
    doc("pension", "城乡居民基本养老保险参保登记", keywords=("社保", "养老保险"),
        life_events=(("tuixiu", "退休养老"),), service_object="natural", level="street",
        visits=0, is_online=True, online_depth=4, flags=frozenset({"full_online"})),
    doc("sireg", "社会保险登记", service_object="both", visits=1, level="district",
        text="用人单位应当自成立之日起三十日内申请办理社会保险登记"),
    doc("retire", "企业职工基本养老保险正常退休申请", service_object="natural", visits=1),
    doc("company", "企业设立登记", SCJG, keywords=("开公司",), service_object="legal",
        themes=(("kaiban", "开办企业"),), visits=0, is_online=True, online_depth=4),
    doc("licence", "营业执照遗失补领", SCJG, service_object="legal", visits=1),
    doc("equip", "特种设备使用登记", SCJG, service_object="legal", visits=1),
    doc("declare", "个人所得税申报", ("SW", "区税务局"), service_object="natural", visits=0),
    doc("dibao", "最低生活保障审批", MZ, service_object="natural", level="street", visits=1,
        life_events=(("kunnan", "生活困难"),)),
    doc("gjj", "住房公积金提取", GJJ, service_object="natural", visits=0, is_online=True),
    doc("idcard", "居民身份证申领", GA, service_object="natural", visits=1,
        flags=frozenset({"cross_province"})),
    doc("idproof", "临时身份证明开具", GA, service_object="natural", visits=1),
    doc("hukou", "户口迁入登记", GA, service_object="natural", visits=2),
    doc("medical", "城乡居民医疗保险参保登记", YB, service_object="natural", visits=0),
    doc("textonly", "灵活就业人员登记", text="办理后可按规定缴纳社保费用", visits=1),
    doc("deptonly", "就业失业登记", visits=1),
    doc("food", "食品经营许可", SCJG, keywords=("餐饮",), service_object="legal", visits=1,
        code="11530103MB0000000X-01"),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex(DOCS, synonyms=Synonyms.load(DEFAULT_FILE), revision=7)


def ids(index: SearchIndex, query: str, filters: SearchFilters | None = None,
        limit: int = 20) -> list[str]:
    return [h.doc.id for h in index.search(query, filters, limit=limit).hits]


# --- Chinese words -----------------------------------------------------------------------------
def test_chinese_word_finds_items_with_it_in_the_name(index: SearchIndex) -> None:
    assert ids(index, "身份证")[0] == "idcard"
    assert ids(index, "公积金") == ["gjj"]
    assert set(ids(index, "登记")) >= {"pension", "sireg", "company", "equip", "hukou"}


def test_a_word_split_across_a_longer_word_ranks_below_a_whole_word(index: SearchIndex) -> None:
    # 身份证 occurs inside 身份证明, but that is a different word: it ranks lower.
    assert ids(index, "身份证")[:2] == ["idcard", "idproof"]


def test_query_with_filler_words_is_understood(index: SearchIndex) -> None:
    assert ids(index, "我要怎么办理住房公积金提取")[0] == "gjj"
    assert ids(index, "如何开公司")[0] == "company"


def test_multi_word_query_prefers_items_matching_every_word(index: SearchIndex) -> None:
    hits = ids(index, "养老保险 退休")
    assert hits[0] == "retire"
    assert "pension" in hits  # only 养老保险: still found, lower


# --- Pinyin and initials -----------------------------------------------------------------------
@pytest.mark.parametrize("query", ["shebao", "she bao", "SheBao", "ｓｈｅｂａｏ"])
def test_full_pinyin_finds_shebao_items(index: SearchIndex, query: str) -> None:
    hits = ids(index, query)
    assert set(hits[:3]) == {"card", "pension", "sireg"}


def test_initials_sb_rank_shebao_above_other_sb_words(index: SearchIndex) -> None:
    hits = ids(index, "sb")
    assert set(hits[:3]) == {"card", "pension", "sireg"}
    # 设备 (shebei) and 申报 (shenbao) share the initials: found, but below the 社保 items
    assert hits.index("equip") > 2 and hits.index("declare") > 2


@pytest.mark.parametrize("query", ["yingye zhizhao", "yingyezhizhao", "yyzz", "YYZZ"])
def test_yingye_zhizhao_finds_business_licence_items(index: SearchIndex, query: str) -> None:
    hits = ids(index, query)
    assert hits[0] == "licence"
    assert "company" in hits  # 营业执照 ↔ 企业开办/设立登记


def test_other_initials(index: SearchIndex) -> None:
    assert ids(index, "gjj") == ["gjj"]
    assert ids(index, "sfz")[0] == "idcard"
    assert ids(index, "db")[0] == "dibao"  # 低保 → 最低生活保障


def test_pinyin_of_a_word_only_in_the_documents(index: SearchIndex) -> None:
    assert ids(index, "hukou")[0] == "hukou"
    assert ids(index, "canbao dengji")[:2] in (["pension", "medical"], ["medical", "pension"])


def test_pinyin_prefix_while_typing(index: SearchIndex) -> None:
    assert "gjj" in ids(index, "gongji")


def test_mixed_chinese_and_pinyin(index: SearchIndex) -> None:
    assert ids(index, "居民 shenfenzheng")[0] == "idcard"


# --- Synonyms and abbreviations ----------------------------------------------------------------
@pytest.mark.parametrize(("query", "expected"), [
    ("社保", "sireg"),  # 社保 → 社会保险
    ("社会保障", "card"),
    ("医保", "medical"),  # 医保 → 医疗保险
    ("低保", "dibao"),  # 低保 → 最低生活保障
    ("身份证", "idcard"),
    ("落户", "hukou"),  # 落户 → 户口迁入
    ("营业执照", "company"),  # 营业执照 → 设立登记
    ("企业开办", "licence"),  # and back: 企业开办 → 营业执照
    ("退休", "pension"),  # 退休 → 养老
])
def test_synonyms_work_both_ways(index: SearchIndex, query: str, expected: str) -> None:
    assert expected in ids(index, query)


def test_abbreviation_finds_alias(index: SearchIndex) -> None:
    assert ids(index, "社会保险")[0] == "sireg"
    assert "pension" in ids(index, "社会保险")  # its alias 社保


def test_synonym_file_parsing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "syn.txt"
    path.write_text("# 注释\n\n社保，社会保险, 社会保障\n单独一个词\n公积金、住房公积金\n",
                    encoding="utf-8")
    syn = Synonyms.load(path)
    assert syn.expand("社保") == ["社会保险", "社会保障"]
    assert syn.expand("社会保障") == ["社保", "社会保险"]
    assert syn.expand("住房公积金") == ["公积金"]
    assert syn.expand("单独一个词") == []
    assert Synonyms.load(tmp_path / "missing.txt").groups == []


def test_default_synonym_file_has_the_required_groups() -> None:
    syn = Synonyms.load(DEFAULT_FILE)
    for term, other in [("社保", "社会保险"), ("社保", "社会保障"), ("营业执照", "企业开办"),
                        ("营业执照", "设立登记"), ("医保", "医疗保险"), ("公积金", "住房公积金"),
                        ("身份证", "居民身份证"), ("低保", "最低生活保障"), ("落户", "户口迁入"),
                        ("落户", "户籍"), ("退休", "养老")]:
        assert other in syn.expand(term) and term in syn.expand(other)


# --- Typos ------------------------------------------------------------------------------------
def test_homophone_typo_is_corrected(index: SearchIndex) -> None:
    result = index.search("社宝")
    assert {h.doc.id for h in result.hits[:3]} == {"card", "pension", "sireg"}
    assert result.did_you_mean == "社保"


def test_fuzzy_sounds_zh_z_and_in_ing(index: SearchIndex) -> None:
    # 住房公积金提取 typed with 平翘舌 and 前后鼻音 confused: 组房 (zu fang) 公积金
    assert ids(index, "组房公积金")[0] == "gjj"


def test_one_wrong_character_is_tolerated(index: SearchIndex) -> None:
    result = index.search("营业执服")
    assert result.hits[0].doc.id == "licence"
    assert result.did_you_mean == "营业执照"


def test_one_missing_character_is_tolerated(index: SearchIndex) -> None:
    assert ids(index, "营业执遗失")[0] == "licence"
    assert ids(index, "最低生保障")[0] == "dibao"


def test_one_extra_character_is_tolerated(index: SearchIndex) -> None:
    assert ids(index, "居民身身份证")[0] == "idcard"


@pytest.mark.parametrize("query", ["shebo", "shbao", "sehbao", "shebaoo"])
def test_latin_pinyin_with_one_edit(index: SearchIndex, query: str) -> None:
    assert set(ids(index, query)[:3]) == {"card", "pension", "sireg"}


def test_typo_in_spaced_pinyin(index: SearchIndex) -> None:
    assert ids(index, "yingye zhizao")[0] == "licence"


def test_two_differences_are_not_a_typo() -> None:
    docs = [doc("only", "独生子女父母光荣证"), doc("birth", "生育登记")]
    index = SearchIndex(docs, synonyms=Synonyms.load(DEFAULT_FILE))
    result = index.search("生孩子")  # colloquial: 生育 via the synonym file, not 独生子
    assert [h.doc.id for h in result.hits] == ["birth"]
    assert result.did_you_mean == ""


def test_synonyms_do_not_match_on_the_conditions_text_alone() -> None:
    docs = [doc("birth", "出生医学证明", text="本区户籍居民"), doc("move", "户口迁入登记")]
    index = SearchIndex(docs, synonyms=Synonyms.load(DEFAULT_FILE))
    assert ids(index, "落户") == ["move"]  # 户籍 only appears in a condition
    assert ids(index, "户籍") == ["move", "birth"]  # typed literally, the text counts


# --- Ranking ----------------------------------------------------------------------------------
def test_ranking_by_field_name_alias_department_text(index: SearchIndex) -> None:
    hits = index.search("社保", limit=50).hits
    order = [h.doc.id for h in hits]
    # name (社会保险/社会保障 via synonyms) and alias (社保) above the department name
    # (人力资源和社会保障局), which is above the conditions text
    assert order.index("sireg") < order.index("deptonly")
    assert order.index("pension") < order.index("deptonly")
    assert order.index("deptonly") < order.index("textonly")
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_exact_phrase_boost(index: SearchIndex) -> None:
    hits = index.search("社会保险登记").hits
    assert hits[0].doc.id == "sireg"
    assert hits[0].score > 1.3 * hits[1].score


def test_name_match_beats_alias_match() -> None:
    docs = [doc("alias", "参保登记", keywords=("养老保险",)), doc("name", "养老保险关系转移"),
            doc("theme", "缴费基数申报", themes=(("yl", "养老保险"),))]
    index = SearchIndex(docs)
    assert ids(index, "养老保险") == ["name", "alias", "theme"]
    assert ids(index, "ylbx") == ["name", "alias", "theme"]


def test_implementation_code_lookup(index: SearchIndex) -> None:
    assert ids(index, "11530103MB0000000X-01") == ["food"]


# --- Filters ----------------------------------------------------------------------------------
def test_filters_without_query_list_matching_items(index: SearchIndex) -> None:
    assert set(ids(index, "", SearchFilters(department="GA"))) == {"idcard", "idproof", "hukou"}
    assert set(ids(index, "", SearchFilters(max_visits=0))) == {
        "pension", "company", "declare", "gjj", "medical"}
    one = set(ids(index, "", SearchFilters(max_visits=1), limit=50))
    assert "hukou" not in one and {"card", "pension"} <= one
    assert set(ids(index, "", SearchFilters(theme="kaiban"))) == {"company"}
    assert set(ids(index, "", SearchFilters(life_event="tuixiu"))) == {"card", "pension"}
    assert set(ids(index, "", SearchFilters(level="street"))) == {"pension", "dibao"}
    assert set(ids(index, "", SearchFilters(online=True))) == {"card", "pension", "company",
                                                              "gjj"}
    assert set(ids(index, "", SearchFilters(flag="cross_province"))) == {"idcard"}


def test_service_object_both_matches_natural_and_legal(index: SearchIndex) -> None:
    legal = set(ids(index, "", SearchFilters(service_object="legal")))
    assert legal == {"company", "licence", "equip", "food", "sireg"}
    assert "sireg" in ids(index, "", SearchFilters(service_object="natural"), limit=50)


def test_filters_combine_with_query_and_each_other(index: SearchIndex) -> None:
    assert ids(index, "社保", SearchFilters(max_visits=0)) == ["pension"]
    assert ids(index, "登记", SearchFilters(department="SCJG", max_visits=0)) == ["company"]
    assert ids(index, "登记", SearchFilters(department="NOPE")) == []
    result = index.search("社保", SearchFilters(online=True, max_visits=1))
    assert {h.doc.id for h in result.hits} == {"card", "pension"} and result.total == 2


def test_facet_counts(index: SearchIndex) -> None:
    counts = index.facet_values("department")
    assert counts["GA"] == 3 and counts["SCJG"] == 4


# --- Odd input --------------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "", "   ", "\t\n", "!!!@@@###", "的", "😀🎉", "'; DROP TABLE x; --", "%_%", "a", "x" * 5000,
    "社保" * 2000, "\x00\x01\u200b", "ｓｂ", "《社保》", "社保　卡", "1", "ABC123",
])
def test_odd_queries_do_not_fail(index: SearchIndex, query: str) -> None:
    started = time.perf_counter()
    result = index.search(query)
    assert time.perf_counter() - started < 0.5
    assert result.total >= len(result.hits)
    for hit in result.hits:
        assert isinstance(hit.score, float)
        result.highlight(hit.doc.name)


def test_empty_query_lists_everything_paginated(index: SearchIndex) -> None:
    result = index.search("", limit=5, offset=5)
    assert result.total == len(DOCS)
    assert [h.doc.id for h in result.hits] == [d.id for d in DOCS[5:10]]


def test_pagination_of_ranked_results(index: SearchIndex) -> None:
    everything = ids(index, "登记", limit=100)
    page2 = [h.doc.id for h in index.search("登记", limit=3, offset=3).hits]
    assert page2 == everything[3:6]


def test_nothing_found(index: SearchIndex) -> None:
    result = index.search("火星移民签证")
    assert result.total == 0 and result.hits == []


# --- Highlights -------------------------------------------------------------------------------
def test_highlight_marks_words_synonyms_and_sounds(index: SearchIndex) -> None:
    result = index.search("社保")
    assert result.highlight("社会保险登记") == [("社会保险", True), ("登记", False)]
    pinyin = index.search("shebao")
    assert pinyin.highlight("高校毕业生社保补贴") == [("高校毕业生", False), ("社保", True),
                                                  ("补贴", False)]
    typo = index.search("社宝")
    assert ("社保", True) in typo.highlight("社保卡")
    assert index.search("").highlight("社保") == [("社保", False)]


# --- Building blocks --------------------------------------------------------------------------
def test_normalize() -> None:
    assert normalize("  《社保》ＡＢＣ  卡 ") == "社保|abc|卡"
    assert normalize("") == ""


def test_segment_pinyin() -> None:
    assert segment_pinyin("shebao") == ("she", "bao")
    assert segment_pinyin("yingyezhizhao") == ("ying", "ye", "zhi", "zhao")
    assert segment_pinyin("sb") is None
    assert segment_pinyin("yingyezh", True) == ("ying", "ye", "zh")
    assert segment_pinyin("lvse") == ("lv", "se")


def test_fuzzy_syllables() -> None:
    assert fuzzy_syllable("zhi") == "zi" and fuzzy_syllable("shang") == "san"
    assert fuzzy_syllable("ling") == "nin" and fuzzy_syllable("cong") == "cong"


# --- Index lifecycle --------------------------------------------------------------------------
def test_index_is_cached_and_rebuilt_only_when_the_revision_changes(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog import selectors

    settings.CATALOG_SEARCH_CACHE = True
    settings.CATALOG_SEARCH_REVISION_TTL = 0
    settings.CATALOG_SEARCH_BACKGROUND = False
    revision = {"value": 1, "reads": 0}
    builds: list[int] = []

    def fake_revision() -> int:
        revision["reads"] += 1
        return revision["value"]

    def fake_documents() -> list[Document]:
        builds.append(revision["value"])
        return DOCS[: revision["value"]]

    monkeypatch.setattr(selectors, "catalog_revision", fake_revision)
    monkeypatch.setattr(search_module, "documents_from_catalogue", fake_documents)
    search_module.search_index_reset()
    try:
        for _ in range(5):
            search_module.catalogue_search("社保")
        assert builds == [1] and revision["reads"] == 5
        revision["value"] = 3
        assert len(search_module.search_index()) == 3
        assert builds == [1, 3]

        # with a TTL the revision is not even read on every call
        settings.CATALOG_SEARCH_REVISION_TTL = 60
        reads = revision["reads"]
        for _ in range(10):
            search_module.search_index()
        assert revision["reads"] - reads <= 1
    finally:
        search_module.search_index_reset()


def test_background_rebuild_keeps_serving_the_old_index(monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog import selectors

    settings.CATALOG_SEARCH_CACHE = True
    settings.CATALOG_SEARCH_REVISION_TTL = 0
    settings.CATALOG_SEARCH_BACKGROUND = True
    revision = {"value": 1}
    monkeypatch.setattr(selectors, "catalog_revision", lambda: revision["value"])
    monkeypatch.setattr(search_module, "documents_from_catalogue",
                        lambda: DOCS[: revision["value"]])
    search_module.search_index_reset()
    try:
        first = search_module.search_index()
        assert len(first) == 1  # the first build is synchronous
        revision["value"] = 2
        assert search_module.search_index() is first  # stale while rebuilding
        deadline = time.monotonic() + 10
        while len(search_module.search_index()) != 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(search_module.search_index()) == 2
    finally:
        search_module.search_index_reset()


# --- Loading from the catalogue (database) ----------------------------------------------------
@pytest.mark.django_db
def test_documents_from_catalogue_hold_published_versions_only(admin, district) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog.search import documents_from_catalogue
    from onewindow.catalog.tests.guide_data import guide_catalogue

    cat = guide_catalogue(admin, district.district)
    docs = {d.id: d for d in documents_from_catalogue()}
    assert set(docs) == {str(i.public_id) for i in (cat.shebao, cat.pension, cat.food, cat.dibao)}
    shebao = docs[str(cat.shebao.public_id)]
    assert shebao.name == "社会保险登记"  # version 2, not the retired version 1
    assert shebao.version_id == str(cat.shebao.current_version.public_id)
    assert shebao.department_id == "511602-RS" and shebao.keywords == ("社保",)
    assert shebao.themes == (("shebao", "社保服务"),) and shebao.life_events == ()
    assert shebao.flags == frozenset({"appointment"}) and shebao.visits == 1
    assert shebao.item_type_label == "公共服务" and shebao.code == "511602-RS-0001"
    pension = docs[str(cat.pension.public_id)]
    assert pension.life_events == (("tuixiu", "退休养老"),)
    assert pension.flags == frozenset({"full_online", "postal"})
    food = docs[str(cat.food.public_id)]
    assert food.service_object == "legal" and "cross_province" in food.flags
    assert food.text.startswith("有与经营的食品品种")


@pytest.mark.django_db
def test_co_departments_are_searchable(admin, district, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog import services
    from onewindow.catalog.search import documents_from_catalogue, search_index
    from onewindow.catalog.tests.guide_data import guide_catalogue

    cat = guide_catalogue(admin, district.district)
    services.draft_update(actor=admin.user, item=cat.food,
                          elements={"co_department_codes": ["511602-MZ"]})
    services.item_publish(actor=admin.user, item=cat.food)
    with django_assert_max_num_queries(3):
        docs = documents_from_catalogue()
    food = next(d for d in docs if d.id == str(cat.food.public_id))
    assert food.co_departments == ("广安区民政局",)
    hits = {h.doc.id for h in search_index().search("民政").hits}
    assert hits == {str(cat.dibao.public_id), str(cat.food.public_id)}


@pytest.mark.django_db
def test_search_index_follows_publish_and_retire(admin, district, settings) -> None:  # type: ignore[no-untyped-def]
    from onewindow.catalog import services
    from onewindow.catalog.search import catalogue_search, search_index_reset
    from onewindow.catalog.tests.guide_data import guide_catalogue

    settings.CATALOG_SEARCH_CACHE = True
    settings.CATALOG_SEARCH_REVISION_TTL = 0
    settings.CATALOG_SEARCH_BACKGROUND = False
    search_index_reset()
    try:
        cat = guide_catalogue(admin, district.district)
        assert catalogue_search("最低生活保障").hits[0].doc.id == str(cat.dibao.public_id)
        services.item_retire(actor=admin.user, item=cat.dibao)
        assert catalogue_search("最低生活保障").total == 0
        services.draft_update(actor=admin.user, item=cat.food,
                              elements={"name": "食品经营许可（含仅销售预包装食品备案）"})
        services.item_publish(actor=admin.user, item=cat.food)
        assert catalogue_search("预包装").hits[0].doc.name.startswith("食品经营许可（含")
    finally:
        search_index_reset()
