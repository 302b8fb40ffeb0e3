"""Text and place similarity for duplicate detection (疑似重复). Pure functions, no database.

Two tickets are likely the same problem when they are about the same place (same community
or grid, within a few hundred metres, or nearly the same address), arrived within a time
window, and their texts share most of their character bigrams. Character bigrams need no word
segmentation, work for short and long Chinese texts alike and are cheap enough to compare a
new ticket with the few hundred open ones of its community.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# Words every complaint uses: they make unrelated texts look alike.
_STOP = ("您好", "你好", "请问", "市民", "来电", "反映", "咨询", "投诉", "举报", "希望", "相关部门",
         "尽快", "处理", "解决", "问题", "谢谢", "情况", "现在", "一直", "我们", "没有")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    for word in _STOP:
        text = text.replace(word, " ")
    return _NON_WORD.sub("", text)


def bigrams(text: str) -> frozenset[str]:
    norm = normalise(text)
    if len(norm) < 2:
        return frozenset({norm}) if norm else frozenset()
    return frozenset(norm[i:i + 2] for i in range(len(norm) - 1))


# Bigrams of the texts compared recently. The open tickets of a community are compared with
# every new ticket there: their bigrams are computed once per process, not once per intake.
# Bounded by the characters held (≈ 100 bytes each), so long letters cannot fill the memory.
_GRAMS_MAX_CHARS = 400_000
_grams: OrderedDict[str, frozenset[str]] = OrderedDict()
_grams_chars = 0
_grams_lock = threading.Lock()


def bigrams_cached(text: str) -> frozenset[str]:
    """``bigrams(text)``, remembered for the texts seen lately (least recently used dropped)."""
    global _grams_chars
    found = _grams.get(text)
    if found is not None:
        return found
    grams = bigrams(text)
    if len(text) <= _GRAMS_MAX_CHARS // 100:
        with _grams_lock:
            if text not in _grams:
                _grams[text] = grams
                _grams_chars += len(text)
                while _grams_chars > _GRAMS_MAX_CHARS and _grams:
                    dropped, _ = _grams.popitem(last=False)
                    _grams_chars -= len(dropped)
    return grams


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def containment(a: frozenset[str], b: frozenset[str]) -> float:
    """How much of the shorter text the longer one contains (a short call note vs a long letter)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def text_similarity(a: str, b: str) -> float:
    return grams_similarity(bigrams(a), bigrams(b))


def grams_similarity(sa: frozenset[str], sb: frozenset[str]) -> float:
    """``text_similarity`` of two texts given their bigrams."""
    return max(dice(sa, sb), 0.8 * containment(sa, sb))


def distance_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@dataclass(frozen=True)
class Sample:
    """What duplicate detection needs to know about one ticket."""

    id: int
    text: str
    received_at: datetime
    region_path: str = ""
    address: str = ""
    lng: float | None = None
    lat: float | None = None


def same_place(a: Sample, b: Sample, *, max_distance_m: float = 500.0, min_depth: int = 3) -> bool:
    """Same community/grid (a path at least ``min_depth`` deep), nearby points, or alike addresses."""
    if a.lng is not None and a.lat is not None and b.lng is not None and b.lat is not None:
        return distance_m(a.lng, a.lat, b.lng, b.lat) <= max_distance_m
    depth = len([p for p in a.region_path.split("/") if p])
    if a.region_path and a.region_path == b.region_path and depth >= min_depth:
        return True
    if a.address and b.address:
        return grams_similarity(bigrams_cached(a.address), bigrams_cached(b.address)) >= 0.6
    return False


def duplicate_score(new: Sample, old: Sample, *, window: timedelta) -> float:
    """0 when not the same place or time window, else the text similarity."""
    if abs(new.received_at - old.received_at) > window:
        return 0.0
    if not same_place(new, old):
        return 0.0
    return text_similarity(new.text, old.text)


def best_duplicate(new: Sample, candidates: Iterable[Sample], *, window: timedelta,
                   threshold: float) -> tuple[int, float] | None:
    """The most similar open ticket at or above ``threshold``, as (id, score).

    Scores as ``duplicate_score`` does; the new text is split into bigrams once, and each
    candidate's text once per process (``bigrams_cached``)."""
    best: tuple[int, float] | None = None
    new_grams: frozenset[str] | None = None
    for old in candidates:
        if old.id == new.id:
            continue
        if abs(new.received_at - old.received_at) > window or not same_place(new, old):
            continue
        if new_grams is None:
            new_grams = bigrams(new.text)
        score = grams_similarity(new_grams, bigrams_cached(old.text))
        if score >= threshold and (best is None or score > best[1]):
            best = (old.id, score)
    return best
