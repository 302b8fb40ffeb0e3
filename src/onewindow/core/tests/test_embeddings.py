"""core.embeddings: the optional model, the on-disk and in-memory caches, text preparation."""

from __future__ import annotations

import numpy as np
import pytest

from onewindow.core import embeddings


class CountingEmbedder:
    name = "counting-test"
    dim = 4

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts, *, kind):  # type: ignore[no-untyped-def]
        self.seen.extend(texts)
        out = np.array([[len(t), t.count("水"), 1.0 if kind == "query" else 0.0, 1.0] for t in texts],
                       dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@pytest.fixture
def model(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_EMBEDDING_CACHE = str(tmp_path / "vectors.sqlite3")
    embeddings.memory_cache_clear()
    found = CountingEmbedder()
    embeddings.embedder_override(found)
    yield found
    embeddings.embedder_reset()
    embeddings.memory_cache_clear()


def test_batches_are_cached_on_disk_and_duplicates_embedded_once(model) -> None:  # type: ignore[no-untyped-def]
    first = embeddings.embed(["停水了", "  停水了 ", "路灯坏了"], kind="passage")
    assert first is not None and first.shape == (3, 4)
    assert model.seen == ["停水了", "路灯坏了"]  # prepared texts: the same after trimming
    assert np.allclose(first[0], first[1])
    again = embeddings.embed(["路灯坏了", "停水了"], kind="passage")
    assert model.seen == ["停水了", "路灯坏了"]  # from the disk cache
    assert again is not None and np.allclose(again[1], first[0])
    embeddings.embed(["路灯坏了", "停水了"], kind="query")  # another kind: other vectors
    assert len(model.seen) == 4


def test_single_texts_use_memory_only_and_long_texts_are_cut(model) -> None:  # type: ignore[no-untyped-def]
    one = embeddings.embed_one("小区停水")
    assert one is not None and model.seen == ["小区停水"]
    embeddings.embed_one("小区停水")
    assert model.seen == ["小区停水"]
    embeddings.embed_one("水" * 1000)
    assert model.seen[-1] == "水" * embeddings.MAX_CHARS
    assert embeddings.prepare("ＡＢＣ\u3000 停水\n\n") == "ABC 停水"


def test_off_means_none_and_callers_fall_back(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ONEWINDOW_EMBEDDINGS = "off"
    embeddings.embedder_reset()
    try:
        assert embeddings.embedder() is None
        assert embeddings.embed(["停水"]) is None and embeddings.embed_one("停水") is None
        assert embeddings.status()["model"] == ""
    finally:
        embeddings.embedder_reset()


def test_an_unreadable_cache_is_a_miss_not_an_error(model, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_bytes(b"this is not sqlite" * 100)
    settings.ONEWINDOW_EMBEDDING_CACHE = str(bad)
    vectors = embeddings.embed(["停水", "断电"])
    assert vectors is not None and vectors.shape == (2, 4)
