"""Hot-spot discovery (热点问题挖掘): groups of messages about the same problem in the same
place within a time window, ranked by size and public support (likes).

How it works (no database; ``hotspots_for_tickets`` adapts ticket rows):

1. **Places**: a ticket brings its own, resolved at intake against the gazetteer (regions):
   "尚义社区 · 银海畅园", or its community or street. Messages without one (a message-board
   export) have named places read from the text with suffix patterns (…小区, …花园, …学院,
   …村, …路 …): scanning back from the suffix to the nearest function word or punctuation
   gives "丽发新城小区" out of "我住在A2区丽发新城小区". Administrative prefixes (A市, A2区) are
   dropped so that "A市A2区丽发新城小区" and "丽发新城小区" are one place.
2. **Problem**: each message becomes a TF-IDF vector of its words (rjieba; the title counts
   twice; stop words out) plus its places.
3. **Groups**: two messages at most ``window_days`` apart are linked when their cosine
   similarity reaches ``threshold`` and they share a subject key (a place, or a rare word of
   their titles such as "58车贷"), or when it reaches ``threshold_no_place``; two messages
   that both name places but no common one are never linked.
   Linked messages form groups (union-find); a group that grew by chaining is checked against
   its centre and loose members are dropped.
4. **Heat**: ``size × (1 + log10(1 + likes))``: many messages count most, public support
   lifts a group, and a single viral message cannot outrank a real cluster by itself.
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from onewindow.core.inputs import decode_csv_text

PLACE_SUFFIXES = (
    "小区", "花园", "公寓", "大厦", "广场", "市场", "商城", "学校", "学院", "大学", "中学", "小学", "幼儿园",
    "医院", "公园", "社区", "新城", "家园", "山庄", "雅苑", "苑", "湾", "村", "镇", "乡", "街道", "大道",
    "路", "街", "巷", "工地", "搅拌站", "车站", "地铁站", "楼盘",
)
# Endings that look like places but are not named ones.
GENERIC_PLACES = ("铁路", "马路", "道路", "公路", "线路", "思路", "出路", "电路", "跑路", "走路", "修路", "让路",
                  "门路", "套路")
# "大学生", "小学生" are people, not places.
_SUFFIX_RE = re.compile("|".join(s + ("(?!生)" if s.endswith("学") else "")
                                 for s in sorted(PLACE_SUFFIXES, key=len, reverse=True)))
# Scanning back from a suffix stops at these: function words, pronouns, administrative units.
_BOUNDARY = set("的在住是于和与及了到从向对把被为我你他她们请该距离沿往经过市区县省，。、；：！？ ")
# Words between a place and what is near it: "丽发新城小区附近搅拌站" names 丽发新城小区, not 附近搅拌站.
_FILLERS = ("附近", "旁边", "对面", "门口", "周边", "楼下", "隔壁", "里面", "内部", "一带")
_ADMIN_RE = re.compile(r"[A-Z]\d*[市区县]|[A-Z]市")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SPACE = re.compile(r"\s+")
_STOP_TEXT = """
的 了 和 是 在 我 我们 你 他 她 它 他们 有 也 就 都 而 及 与 或 一个 没有 这个 那个 这 那 什么 怎么 如何 为什么
请 请问 希望 能够 可以 已经 还 又 但 但是 因为 所以 如果 问题 情况 相关 部门 领导 政府 市民 反映 关于 要求
进行 现在 目前 一直 非常 严重 影响 解决 处理 尽快 谢谢 您好 你好 市 区 县 A 年 月 日 号 元 等 对 把 被 从 到
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True)
class Message:
    id: str
    title: str
    text: str
    at: datetime
    likes: int = 0
    dislikes: int = 0
    # the place the message is about when known (a ticket's resolved place); "" when known to be
    # unknown; None: read named places from the text
    place: str | None = None


@dataclass
class HotSpot:
    members: list[Message]
    place: str
    heat: float
    title: str
    keywords: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def likes(self) -> int:
        return sum(m.likes for m in self.members)

    @property
    def first(self) -> datetime:
        return min(m.at for m in self.members)

    @property
    def last(self) -> datetime:
        return max(m.at for m in self.members)

    @property
    def span(self) -> str:
        return f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    def as_dict(self) -> dict[str, Any]:
        return {"place": self.place, "title": self.title, "size": self.size, "likes": self.likes,
                "heat": round(self.heat, 2), "span": self.span, "keywords": self.keywords,
                "ids": [m.id for m in self.members]}


# --- Text -------------------------------------------------------------------------------------
def clean(text: str) -> str:
    return _SPACE.sub(" ", text or "").strip()


def places(text: str) -> set[str]:
    """Named places in a text, without administrative prefixes."""
    text = _ADMIN_RE.sub("，", clean(text))
    found: set[str] = set()
    for match in _SUFFIX_RE.finditer(text):
        start = match.start()
        i = start
        while i > 0 and start - i < 8 and text[i - 1] not in _BOUNDARY and (
                _CJK.match(text[i - 1]) or (text[i - 1].isascii() and text[i - 1].isalnum())):
            i -= 1
        name = text[i:start]
        for filler in _FILLERS:
            if name.startswith(filler):
                name = name[len(filler):]
                break
        place = name + match.group()
        if len(name) >= 2 and _CJK.search(name) and not place.endswith(GENERIC_PLACES):
            found.add(place)
            # "劳动东路魅力之城小区" is also "魅力之城小区": the part after an inner place word
            inner = [m.end() for m in _SUFFIX_RE.finditer(name)]
            if inner and len(name) - inner[-1] >= 2:
                found.add(name[inner[-1]:] + match.group())
    return found


def tokens(message: Message) -> list[str]:
    import rjieba

    words: list[str] = []
    for part, weight in ((message.title, 2), (message.text, 1)):
        for word in rjieba.cut(clean(part)):
            word = word.strip()
            if len(word) < 2 or word in STOP_WORDS or not (_CJK.search(word) or word.isalnum()):
                continue
            words.extend([word] * weight)
    words.extend(f"@{p}" for p in message_places(message) for _ in range(2))
    return words


def message_places(message: Message) -> set[str]:
    """The places of a message: its own when known, else those named in its text."""
    if message.place is not None:
        return {message.place} if message.place else set()
    return places(f"{message.title} {message.text}")


# --- Grouping ---------------------------------------------------------------------------------
class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def heat(size: int, likes: int) -> float:
    return size * (1 + math.log10(1 + max(likes, 0)))


def find_hotspots(messages: Sequence[Message], *, window_days: int = 60, threshold: float = 0.35,
                  threshold_no_place: float = 0.6, min_size: int = 2, limit: int = 5) -> list[HotSpot]:
    """The hottest groups of messages (see the module text)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    if len(messages) < min_size:
        return []
    docs = [tokens(m) for m in messages]
    keep = [i for i, d in enumerate(docs) if d]
    if len(keep) < min_size:
        return []
    messages = [messages[i] for i in keep]
    docs = [docs[i] for i in keep]
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=1)
    matrix = vectorizer.fit_transform(docs)
    place_sets = [message_places(m) for m in messages]
    # a "place" read from one message only is more likely a misread phrase than a place
    place_df: Counter[str] = Counter(p for ps in place_sets for p in ps)
    place_sets = [ps if m.place is not None else {p for p in ps if place_df[p] >= 2}
                  for m, ps in zip(messages, place_sets, strict=True)]
    keys = _subject_keys(messages, place_sets)
    times = np.array([m.at.timestamp() for m in messages])
    window = window_days * 86400
    n = len(messages)
    uf = _UnionFind(n)
    chunk = 512
    for start in range(0, n, chunk):
        block = (matrix[start:start + chunk] @ matrix.T).toarray()
        rows, cols = np.nonzero(block >= threshold)
        for r, col in zip(rows.tolist(), cols.tolist(), strict=True):
            i = start + r
            if col <= i or abs(times[i] - times[col]) > window:
                continue
            if place_sets[i] and place_sets[col] and not place_sets[i] & place_sets[col]:
                continue  # two different places are never one problem
            if keys[i] & keys[col] or block[r, col] >= threshold_no_place:
                uf.union(i, col)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    candidates: list[tuple[float, int, float, list[int]]] = []
    for members in groups.values():
        if len(members) < min_size:
            continue
        members = _tighten(members, matrix, threshold * 0.8)
        if len(members) < min_size:
            continue
        likes = sum(messages[i].likes for i in members)
        candidates.append((heat(len(members), likes), len(members), min(times[i] for i in members), members))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    vocabulary = vectorizer.get_feature_names_out()
    return [_spot([messages[i] for i in members], [place_sets[i] for i in members],
                  [message_places(messages[i]) if messages[i].place is not None else places(messages[i].title)
                   for i in members], matrix[members], vocabulary)
            for _, _, _, members in candidates[:limit]]


def _subject_keys(messages: Sequence[Message], place_sets: list[set[str]]) -> list[set[str]]:
    """What a message is about: its places, plus the rare words of its title ("58车贷", "搅拌站"):
    words of two or more characters found in at most 0.5 % of the titles (and at least two)."""
    import rjieba

    title_words = [{w for w in rjieba.cut(clean(m.title)) if len(w) >= 2 and w not in STOP_WORDS
                    and (_CJK.search(w) or w.isalnum())} for m in messages]
    df: Counter[str] = Counter(w for ws in title_words for w in ws)
    limit = max(2, int(len(messages) * 0.005))
    return [places | {w for w in ws if 2 <= df[w] <= limit} for places, ws in zip(place_sets, title_words,
                                                                                  strict=True)]


def _tighten(members: list[int], matrix: Any, minimum: float) -> list[int]:
    """Drop members that joined a large group by chaining: they must resemble its centre."""
    import numpy as np

    if len(members) <= 3:
        return members
    sub = matrix[members]
    centre = np.asarray(sub.mean(axis=0))
    norm = np.linalg.norm(centre) or 1.0
    scores = np.asarray(sub @ centre.T).ravel() / norm
    return [m for m, s in zip(members, scores.tolist(), strict=True) if s >= minimum]


def _spot(members: list[Message], place_sets: list[set[str]], title_places: list[set[str]], sub: Any,
          vocabulary: Any) -> HotSpot:
    import numpy as np

    counts: Counter[str] = Counter(p for ps in place_sets for p in ps)
    counts.update(p for ps in title_places for p in ps for _ in range(3))  # places in titles count more
    place = max(counts, key=lambda p: (counts[p], len(p))) if counts else "（未识别地点）"
    weights = np.asarray(sub.sum(axis=0)).ravel()
    keywords: list[str] = []
    for index in weights.argsort()[::-1][:40]:
        word = str(vocabulary[index])
        if not word.startswith("@") and word not in keywords:
            keywords.append(word)
        if len(keywords) == 6:
            break
    centre = np.asarray(sub.mean(axis=0))
    scores = np.asarray(sub @ centre.T).ravel()
    representative = members[int(scores.argmax())]
    likes = sum(m.likes for m in members)
    return HotSpot(members=sorted(members, key=lambda m: m.at), place=place, heat=heat(len(members), likes),
                   title=clean(representative.title), keywords=keywords)


# --- Sources ----------------------------------------------------------------------------------
def _int(value: Any) -> int:
    try:
        return int(float(str(value).strip() or 0))
    except ValueError:
        return 0


def read_messages_csv(path: Path | str) -> tuple[list[Message], int]:
    """Messages of a board export (留言编号, 留言主题, 留言时间, 留言详情, 点赞数, 反对数);
    returns them with the number of unusable rows skipped."""
    from .services import parse_local_datetime

    raw = Path(path).read_bytes()
    text = decode_csv_text(raw)
    if text is None:
        raise ValueError("无法识别文件编码")
    import io

    reader = csv.DictReader(io.StringIO(text))
    out: list[Message] = []
    skipped = 0
    for number, row in enumerate(reader, start=2):
        row = {(k or "").strip(): v for k, v in row.items()}
        at = parse_local_datetime(row.get("留言时间"))
        title, body = clean(row.get("留言主题") or ""), clean(row.get("留言详情") or "")
        if at is None or not (title or body):
            skipped += 1
            continue
        out.append(Message(id=(row.get("留言编号") or str(number)).strip(), title=title, text=body, at=at,
                           likes=_int(row.get("点赞数")), dislikes=_int(row.get("反对数"))))
    return out, skipped


def hotspots_for_tickets(qs: Any, *, limit: int = 5, max_rows: int = 20000) -> list[dict[str, Any]]:
    """Hot spots among tickets (e.g. one month's), as dicts for reports. Each ticket's place is
    the one intake resolved (see ``ticket_place_label``), not words read from its text."""
    from onewindow.regions.models import Region

    rows = list(qs.values_list("number", "title", "text", "received_at", "supporters", "place_name",
                               "region_path")[:max_rows])
    codes = {code for *_, path in rows for code in [c for c in (path or "").split("/") if c][1:3]}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    messages = [Message(id=n, title=t, text=x, at=r, likes=s or 0, place=ticket_place_label(p, path, names))
                for n, t, x, r, s, p, path in rows]
    return [s.as_dict() for s in find_hotspots(messages, limit=limit)]


def ticket_place_label(place_name: str, region_path: str, names: dict[str, str]) -> str:
    """"尚义社区 · 银海畅园" (the community or street, then the named place), "拓东街道 尚义社区"
    for a ticket located to its community, "" for one not located below the district."""
    codes = [c for c in (region_path or "").split("/") if c]
    street = names.get(codes[1], "") if len(codes) > 1 else ""
    community = names.get(codes[2], "") if len(codes) > 2 else ""
    if place_name and place_name not in (street, community) and not place_name.endswith("网格"):
        area = community or street
        return f"{area} · {place_name}" if area else place_name
    return " ".join(x for x in (street, community) if x)


def describe(spots: Iterable[HotSpot]) -> list[str]:
    lines: list[str] = []
    for rank, spot in enumerate(spots, start=1):
        lines.append(f"{rank}. 【{spot.place}】{spot.title} —— {spot.size} 条留言，点赞 {spot.likes}，"
                     f"热度 {spot.heat:.1f}，{spot.span}；关键词：{'、'.join(spot.keywords)}")
    return lines
