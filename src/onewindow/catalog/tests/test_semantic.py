"""The semantic second stage of the catalogue search (a stand-in embedder: fast, deterministic)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from onewindow.catalog import semantic
from onewindow.catalog.search import Document, SearchIndex
from onewindow.core import embeddings

# concept words → one dimension each: a text's vector is the normalised sum of its concepts
CONCEPTS = [("狗", "犬"), ("公司", "企业"), ("结婚",), ("社保", "社会保障"), ("饭", "食品", "餐")]


class ConceptEmbedder:
    name = "test-concepts"
    dim = len(CONCEPTS) + 1

    def encode(self, texts, *, kind):  # type: ignore[no-untyped-def]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for d, words in enumerate(CONCEPTS):
                out[i, d] = sum(text.count(w) for w in words)
            out[i, -1] = 0.1
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def doc(doc_id: str, name: str, keywords: tuple[str, ...] = ()) -> Document:
    return Document(id=doc_id, name=name, keywords=keywords, department="区行政审批局",
                    department_id="D1")


@pytest.fixture
def index():  # type: ignore[no-untyped-def]
    embeddings.embedder_override(ConceptEmbedder())
    semantic.vector_index_reset()
    embeddings.memory_cache_clear()
    yield SearchIndex([
        doc("dog", "犬类准养证核发"), doc("co", "公司设立登记"), doc("branch", "分公司设立登记"),
        doc("marry", "结婚登记预约"), doc("card", "社会保障卡申领", ("社保卡",)),
        doc("food", "食品(含保健食品)经营许可核发"), doc("home", "我家想养条狗的咨询"),
        doc("reg", "户口登记"),
    ], revision="r1")
    embeddings.embedder_reset()
    semantic.vector_index_reset()


def ranked(index: SearchIndex, query: str) -> list[str]:
    result = index.search(query, limit=5)
    return [h.doc.id for h in semantic.rerank(index, query, None, result, limit=5, wait=True).hits]


def test_questions_find_the_item_by_meaning(index, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_EMBEDDING_CACHE = ""
    assert ranked(index, "我想注册一个公司")[0] == "co"
    assert ranked(index, "小区能不能养一条大狗")[0] in {"dog", "home"}
    assert "dog" in ranked(index, "小区能不能养一条大狗")[:2]
    assert ranked(index, "我们下个月结婚要办啥")[0] == "marry"


def test_exact_names_and_aliases_stay_first(index, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_EMBEDDING_CACHE = ""
    assert ranked(index, "我家想养条狗的咨询")[0] == "home"  # the whole name
    assert ranked(index, "分公司设立登记")[0] == "branch"


def test_short_queries_pinyin_and_no_model_stay_lexical(index, settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_EMBEDDING_CACHE = ""
    lexical = index.search("社保", limit=5)
    assert semantic.rerank(index, "社保", None, lexical, limit=5, wait=True) is lexical
    lexical = index.search("shebao", limit=5)
    assert semantic.rerank(index, "shebao", None, lexical, limit=5, wait=True) is lexical
    embeddings.embedder_override(None)
    semantic.vector_index_reset()
    lexical = index.search("我想注册一个公司", limit=5)
    assert semantic.rerank(index, "我想注册一个公司", None, lexical, limit=5, wait=True) is lexical


def test_the_question_set_is_well_formed() -> None:
    path = Path(semantic.__file__).parent / "data" / "guangan_questions.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 100
    assert all(r["question"].strip() and r["items"].strip() for r in rows)
    assert len({r["question"] for r in rows}) == len(rows)
