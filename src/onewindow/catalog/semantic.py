"""The semantic second stage of the catalogue search: citizens' questions, not item names.

"我家想养条狗" shares no word with 犬类准养证核发, and "我想注册一个公司" none that the index weighs
with 公司设立登记. The lexical index (search.py) stays the first stage; this module re-ranks:

1. the candidates are the lexical stage's top ``POOL`` hits plus the ``POOL`` items whose
   sentence embeddings (multilingual-e5-small, core.embeddings; item name, aliases and
   department, embedded once per catalogue revision and cached on disk) are nearest to the
   question's, within the same filters;
2. items whose name or alias *is* the query, or contains it whole, keep the lead in lexical order
   (an exact name beats any paraphrase);
3. the others are ordered by ``LEXICAL_WEIGHT`` × their lexical score (scaled to the best) plus
   ``SEMANTIC_WEIGHT`` × their cosine (scaled between the pool's lowest and highest).

Only question-like queries go through it (at least ``MIN_HAN`` Chinese characters; pinyin,
initials and codes are the lexical stage's job), and only when an embedding model is installed
and the item vectors of the current revision are ready: they are built in a background thread,
so a fresh process answers lexically until then. ``CATALOG_SEMANTIC`` turns it off (the default
under tests, whose catalogue changes without revisions).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from onewindow.core import embeddings

from .search import Hit, SearchFilters, SearchIndex, SearchResult, normalize

logger = logging.getLogger(__name__)

POOL = 30
MIN_HAN = 4
LEXICAL_WEIGHT = 0.25
SEMANTIC_WEIGHT = 0.75
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


def semantic_enabled() -> bool:
    return bool(_setting("CATALOG_SEMANTIC", not _setting("TESTING", False)))


def question_like(query: str) -> bool:
    return len(_HAN.findall(query or "")) >= MIN_HAN


def document_text(doc: Any) -> str:
    """What an item is embedded as: its name, aliases and department."""
    parts = [doc.name, *doc.keywords[:8], doc.department]
    return "；".join(p for p in parts if p)


@dataclass
class VectorIndex:
    revision: Any
    model: str
    ids: list[str]
    vectors: np.ndarray  # (n, d) L2-normalised
    build_seconds: float

    def cosines(self, query_vector: np.ndarray) -> np.ndarray:
        return self.vectors @ query_vector


class _State:
    lock = threading.Lock()
    index: VectorIndex | None = None
    building: Any = None  # the revision being built


def vector_index_build(index: SearchIndex) -> VectorIndex | None:
    """Embed every document of ``index`` (cached on disk: a rebuild embeds only new items)."""
    model = embeddings.embedder()
    if model is None:
        return None
    started = time.perf_counter()
    vectors = embeddings.embed([document_text(d) for d in index.docs], kind="passage", model=model)
    if vectors is None:
        return None
    built = VectorIndex(revision=index.revision, model=model.name, ids=[d.id for d in index.docs],
                        vectors=vectors, build_seconds=time.perf_counter() - started)
    logger.info("catalogue vector index: %d items in %.1fs", len(built.ids), built.build_seconds)
    return built


def vector_index(index: SearchIndex, *, wait: bool = False) -> VectorIndex | None:
    """The vectors of ``index``'s revision: built in the background (or now, with ``wait``)."""
    current = _State.index
    if current is not None and current.revision == index.revision and len(current.ids) == len(index.docs):
        return current
    if wait:
        built = vector_index_build(index)
        with _State.lock:
            _State.index = built
        return built
    with _State.lock:
        if _State.building == index.revision:
            return None
        _State.building = index.revision

    def run() -> None:
        try:
            built = vector_index_build(index)
            with _State.lock:
                _State.index = built
        except Exception:  # the lexical stage keeps answering
            logger.exception("catalogue vector index build failed")
        finally:
            with _State.lock:
                _State.building = None

    threading.Thread(target=run, name="catalog-vector-index", daemon=True).start()
    return None


def vector_index_reset() -> None:
    with _State.lock:
        _State.index = None
        _State.building = None


def _protected(doc: Any, query_key: str) -> bool:
    """An exact name or alias hit, or a name containing the whole query: stays in front."""
    if not query_key:
        return False
    name = normalize(doc.name)
    return name == query_key or query_key in name or any(normalize(k) == query_key for k in doc.keywords)


def rerank(index: SearchIndex, query: str, filters: SearchFilters | None, result: SearchResult, *,
           limit: int, offset: int = 0, wait: bool = False) -> SearchResult:
    """The lexical ``result`` re-ranked with embeddings (unchanged when the stage does not apply)."""
    if offset or not question_like(query) or not index.docs:
        return result
    vectors = vector_index(index, wait=wait)
    if vectors is None:
        return result
    query_vector = embeddings.embed_one(query, kind="query")
    if query_vector is None:
        return result
    cosines = vectors.cosines(query_vector)
    allowed = index.allowed(filters)
    lexical = index.search(query, filters, limit=POOL).hits
    lex_score = {h.doc.id: h.score for h in lexical}
    order = np.argsort(-cosines)
    nearest = []
    for i in order:
        if allowed is None or int(i) in allowed:
            nearest.append(int(i))
        if len(nearest) >= POOL:
            break
    position = {doc_id: i for i, doc_id in enumerate(vectors.ids)}
    pool: dict[str, Any] = {h.doc.id: h.doc for h in lexical}
    for i in nearest:
        pool.setdefault(index.docs[i].id, index.docs[i])
    key = normalize(query)
    protected = [h for h in lexical if _protected(h.doc, key)]
    protected_ids = {h.doc.id for h in protected}
    pool_cos = np.array([cosines[position[d]] for d in pool])
    low, high = float(pool_cos.min()), float(pool_cos.max())
    best_lex = max(lex_score.values(), default=0.0) or 1.0
    scored = []
    for doc_id, doc in pool.items():
        if doc_id in protected_ids:
            continue
        sem = (float(cosines[position[doc_id]]) - low) / (high - low) if high > low else 0.0
        lex = lex_score.get(doc_id, 0.0) / best_lex
        scored.append((LEXICAL_WEIGHT * lex + SEMANTIC_WEIGHT * sem, doc))
    scored.sort(key=lambda t: -t[0])
    hits = protected + [Hit(doc, round(score * 100, 4)) for score, doc in scored]
    return SearchResult(query, hits[:limit], max(result.total, len(hits)),
                        did_you_mean=result.did_you_mean, plan=result.plan)
