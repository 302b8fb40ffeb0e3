"""Chinese full-text search over the published catalogue, held in memory.

Why in memory: the published catalogue is small (a district has a few thousand items), changes
rarely (on publish/retire/import) and is read on every guide page; an in-process index answers
in a few milliseconds on SQLite and PostgreSQL alike, without extensions or a search server.
Each process builds the index once and rebuilds it lazily when ``catalog_revision()`` changes;
that check is one tiny query at most once per ``CATALOG_SEARCH_REVISION_TTL`` seconds.

What a query may look like, and how each kind is matched:

- Chinese words (``社保转移``): the query is segmented against the index's own vocabulary (the
  words of item names, aliases, themes and departments, cut by rjieba) plus the synonym file;
  every word becomes a *concept* that a document matches when the word (or a synonym) occurs
  in one of its fields. Fields rank name > alias/keywords > theme/department > type > text.
- Typos: a query word that is not in the vocabulary is corrected when it sounds the same
  (社宝 → 社保; pinyin compared with fuzzy initials/finals zh=z, l=n, ing=in …) or differs by one
  character from a vocabulary word of three or more characters (营业执服 → 营业执照).
- Pinyin (``shebao``, ``yingye zhizhao``): matched against the vocabulary's pinyin, against the
  documents' pinyin, with one-edit tolerance (``shebo``) and prefix completion for the last word.
- Initials (``sb``, ``yyzz``): resolved to vocabulary words with those initials, common terms
  (those of the synonym file) first.
- Synonyms and abbreviations, both ways, from ``catalog/data/synonyms.txt``.

Scores: per concept the best (alternative weight x field weight), times the concept's idf;
documents missing required concepts are penalised (and dropped when others match them all).
Then *title hits* multiply the score, so that what people call an item outranks a mention in
a long text: the query (or, for a one-word query, any of its synonyms, pinyin readings or
corrections) equal to the item name (x2) or to an alias (x1.6), starting the name (x1.5),
inside the name (x1.4) or starting an alias (x1.3); a synonym or a guess earns less. A
bracketed part of a name (企业开办（设立登记、刻章、发票、社保登记一件事）) is description,
not name: it is searched like an alias and earns no title hit.

The engine below is pure Python (no Django, no database) and is unit-tested as such; the
functions at the end of the module connect it to the catalogue.
"""

from __future__ import annotations

import heapq
import logging
import math
import re
import threading
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, pairwise
from typing import Any

import rjieba
from pypinyin import Style, lazy_pinyin

from .synonyms import Synonyms

logger = logging.getLogger(__name__)

# --- Documents and filters ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Document:
    """What the index knows of one published item version."""

    id: str  # item public id
    name: str
    version_id: str = ""
    keywords: tuple[str, ...] = ()  # aliases, keywords, abbreviations
    department: str = ""  # implementing department's name
    department_id: str = ""  # its code (filter value)
    co_departments: tuple[str, ...] = ()  # names of co-handling departments (searchable)
    item_type: str = ""  # "01", "20", …
    item_type_label: str = ""  # 行政许可 …
    service_object: str = ""  # natural / legal / both
    themes: tuple[tuple[str, str], ...] = ()  # (code, name) of themes
    life_events: tuple[tuple[str, str], ...] = ()  # (code, name) of life events
    level: str = ""  # district / street / community
    visits: int | None = None
    online_depth: int = 0
    is_online: bool = False
    flags: frozenset[str] = frozenset()  # appointment, postal, kiosk, cross_province …
    text: str = ""  # short text: conditions, result name
    code: str = ""  # implementation code (exact look-up)


@dataclass(frozen=True)
class SearchFilters:
    department: str = ""  # department code
    theme: str = ""  # theme code
    life_event: str = ""  # life event code
    service_object: str = ""  # natural / legal ("both" items match either)
    level: str = ""
    max_visits: int | None = None  # 0 = 零跑动, 1 = 最多跑一次
    online: bool | None = None  # True: only items that can be handled online
    item_type: str = ""
    flag: str = ""  # appointment / postal / kiosk / cross_province …

    @property
    def active(self) -> bool:
        return any((self.department, self.theme, self.life_event, self.service_object,
                    self.level, self.max_visits is not None, self.online is not None,
                    self.item_type, self.flag))


@dataclass(frozen=True)
class Hit:
    doc: Document
    score: float


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    total: int
    did_you_mean: str = ""
    plan: QueryPlan | None = field(default=None, repr=False)

    def highlight(self, text: str) -> list[tuple[str, bool]]:
        """``text`` cut into (segment, matched) pairs, for <mark> in pages."""
        if self.plan is None:
            return [(text, False)] if text else []
        return highlight(text, self.plan)


# --- Text helpers ------------------------------------------------------------------------------

MAX_QUERY_CHARS = 64
MAX_CONCEPTS = 12
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{2,}")
_TOKENS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z]+|[0-9]+")
_SEP = "|"

# Field order = weight order: name > alias/keywords > theme & department > type > text.
FIELD_NAMES = ("name", "alias", "theme", "dept", "meta", "text")
FIELD_WEIGHTS = (10.0, 7.0, 4.0, 4.0, 2.0, 1.0)
TEXT_WEIGHT = FIELD_WEIGHTS[-1]
PHON_FIELDS = 4  # pinyin is kept for name, alias, theme and department

# Words that say nothing about which item is wanted; they are dropped from queries.
def _wordlist(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _wordlist("""
我 我要 我想 想 要 想要 请问 请 怎么 怎样 怎么样 如何 咋 去哪 去哪里 哪里 哪儿 在哪 在哪里 哪个
什么 啥 的 了 吗 呢 吧 啊 和 与 及 或 需要 需 能 能否 可以 可不可以 是否 一下 有关 相关 关于
在 是 有 把 给 到 去 从 对 为 让 被 就 都 也 还 又 很 该 这 那 这个 那个 一个 问 问问 问一下 想问
您好 你好 谢谢 麻烦 急 我们 我家 本人 自己 现在 应该 一般 哪些 多少 多久 几天 吗啊
""")
# Words that help rank but should not exclude items lacking them.
WEAKWORDS = _wordlist("办 办理 申请 申办 业务 手续 服务 事项 流程 材料 指南 证明 补办 查询 网上")


_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """NFKC, lower case; every run of non-alphanumerics becomes one separator."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _NON_WORD.sub(_SEP, text).strip(_SEP)


def _joined(parts: Iterable[str]) -> str:
    return _SEP.join(p for p in (normalize(x) for x in parts) if p)


_BRACKETED = re.compile(r"[（(【\[][^）)】\]]*[）)】\]]")


def split_name(name: str) -> tuple[str, str]:
    """An item name as (name proper, bracketed description): 出生登记（新生儿落户） gives
    ("出生登记", "新生儿落户"). A name that is all brackets stays whole."""
    head = _BRACKETED.sub("", name or "").strip()
    if len(head) < 2:
        return name or "", ""
    extra = " ".join(m.group()[1:-1] for m in _BRACKETED.finditer(name))
    return head, extra


def _field_text(text: str) -> str:
    """A field as searched: separators dropped inside one value, so 《许可证》核发 reads on."""
    return text.replace(_SEP, "")


@lru_cache(maxsize=4096)
def fuzzy_syllable(s: str) -> str:
    """Fold the sounds people mix up (平翘舌 zh/z, 前后鼻音 ing/in, n/l as in Sichuan)."""
    if s[:2] in ("zh", "ch", "sh"):
        s = s[0] + s[2:]
    if s.startswith("l"):
        s = "n" + s[1:]
    if len(s) > 2 and s.endswith("ng") and s[-3] in "aei":
        s = s[:-1]
    return s


@lru_cache(maxsize=200_000)
def _word_pinyin(word: str) -> tuple[str, ...]:
    syl = lazy_pinyin(word, style=Style.NORMAL,
                      errors=lambda x: ["" for _ in x])  # type: ignore[arg-type,return-value]
    if len(syl) != len(word):  # pypinyin kept something together: go char by char
        syl = [(lazy_pinyin(ch, style=Style.NORMAL) or [""])[0] for ch in word]
    return tuple(s if s.isascii() and s.isalpha() else "" for s in syl)


def char_pinyin(text: str) -> list[str]:
    """Pinyin per character of ``text`` ("" for anything that is not a Han character).

    Words are cut by rjieba first so that polyphones take their reading in context (银行 hang).
    """
    out: list[str] = []
    for word in rjieba.cut(text):
        if _HAN.search(word):
            out.extend(_word_pinyin(word))
        else:
            out.extend("" for _ in word)
    return out


def _syllable_string(syl: Sequence[str]) -> str:
    """" se bao | den ji " style string: fuzzy syllables, separators for everything else."""
    parts: list[str] = []
    for s in syl:
        if s:
            parts.append(fuzzy_syllable(s))
        elif not parts or parts[-1] != _SEP:
            parts.append(_SEP)
    return " " + " ".join(parts) + " "


@lru_cache(maxsize=1)
def pinyin_syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (from pypinyin's dictionary), ü written v."""
    from pypinyin.pinyin_dict import pinyin_dict

    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = unicodedata.normalize("NFKD", reading).replace("u\u0308", "v")
            s = "".join(c for c in plain if c.isascii() and c.isalpha()).lower()
            if s:
                found.add(s)
    # interjection-only "syllables" would let initials pass as pinyin (n, m, ng, hm …)
    return frozenset(s for s in found if any(v in s for v in "aeiouv") and s not in {"yo", "o"})


@lru_cache(maxsize=1)
def _syllable_prefixes() -> frozenset[str]:
    return frozenset(s[:i] for s in pinyin_syllables() for i in range(1, len(s) + 1))


@lru_cache(maxsize=4096)
def segment_pinyin(token: str, allow_partial: bool = False) -> tuple[str, ...] | None:
    """Split latin letters into pinyin syllables with the fewest syllables, or None.

    With ``allow_partial`` the last syllable may be an unfinished prefix (typing "yingye zh").
    """
    syllables = pinyin_syllables()
    n = len(token)
    if n == 0 or n > 40:
        return None
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for i in range(n):
        cur = best[i]
        if cur is None:
            continue
        for j in range(i + 1, min(n, i + 6) + 1):
            piece = token[i:j]
            ok = piece in syllables or (allow_partial and j == n and piece in _syllable_prefixes())
            if ok and (best[j] is None or len(best[j]) > len(cur) + 1):  # type: ignore[arg-type]
                best[j] = (*cur, piece)
    return best[n]


def _deletes(s: str) -> set[str]:
    return {s[:i] + s[i + 1:] for i in range(len(s))}


def _edit_distance_le1(a: str, b: str) -> bool:
    """Damerau-Levenshtein distance at most 1 (one wrong, missing, extra or swapped letter)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if la > lb:
        a, b = b, a
    return any(b[:i] + b[i + 1:] == a for i in range(len(b)))


# --- Query plan --------------------------------------------------------------------------------

TEXT, PHON, INITIALS = "text", "phon", "ini"


@dataclass(frozen=True, slots=True)
class Alternative:
    kind: str  # text: substring of a field; phon: fuzzy syllables; ini: initials of the name
    key: str
    weight: float


@dataclass
class Concept:
    label: str
    alternatives: list[Alternative]
    required: bool = True
    weight: float = 1.0


@dataclass
class QueryPlan:
    query: str
    concepts: list[Concept]
    phrase: str = ""  # the whole query as one phrase, for the exact-phrase boost
    corrected: str = ""  # the query with corrections applied, when any were made
    fallback_bigrams: tuple[str, ...] = ()


# --- The index ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Analysis:
    """One field value as the index needs it (computed once per distinct value)."""

    text: str
    bigrams: frozenset[str]
    chars: frozenset[str]
    syllables: str = ""
    syl_bigrams: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()
    initials: str = ""
    bounds: int = 1


def _analyze(value: str, *, phonetic: bool) -> _Analysis:
    parts = value.split(_SEP) if value else []
    bigrams = frozenset(p[i:i + 2] for p in parts for i in range(len(p) - 1))
    chars = frozenset(value) - {_SEP}
    text = _field_text(value)
    if not phonetic:
        return _Analysis(text, bigrams, chars)
    syl: list[str] = []
    bounds, pos = 1, 0
    for word in rjieba.cut(text):
        syl.extend(_word_pinyin(word) if _HAN.search(word) else ("",) * len(word))
        pos += len(word)
        bounds |= 1 << pos
    syllables = _syllable_string(char_pinyin(value)) if _SEP in value else _syllable_string(syl)
    toks = syllables.split()
    syl_bigrams = frozenset(f"{a} {b}" for a, b in pairwise(toks)
                            if _SEP not in (a, b))
    words = frozenset(w for p in parts for w in rjieba.cut_for_search(p)
                      if _HAN_WORD.fullmatch(w))
    initials = "".join(s[0] if s else _SEP for s in syl)
    return _Analysis(text, bigrams, chars, syllables, syl_bigrams, words, initials, bounds)


def _unique(ds: list[int]) -> list[int]:
    return ds if len(ds) < 2 else list(set(ds))


def _prior_key(prior: dict[str, float]) -> Callable[[str], tuple[float, int, str]]:
    return lambda w: (-prior.get(w, 0.0), len(w), w)


class SearchIndex:
    """An immutable in-memory index over documents; build once, query from any thread."""

    def __init__(self, documents: Iterable[Document], *, synonyms: Synonyms | None = None,
                 revision: Any = None) -> None:
        started = time.perf_counter()
        self.revision = revision
        self.synonyms = synonyms if synonyms is not None else Synonyms([])
        self.docs: list[Document] = list(documents)
        self._by_code: dict[str, int] = {}
        pinyin_syllables()  # warm the syllable table now rather than in the first query

        # Group documents by the value of each field: departments, themes and texts repeat,
        # so each distinct value is analysed once and its postings extended in one go.
        joined: dict[tuple[str, ...], str] = {}

        def join(values: tuple[str, ...]) -> str:
            got = joined.get(values)
            if got is None:
                got = joined[values] = _joined(values)
            return got

        by_value: list[defaultdict[str, list[int]]] = [defaultdict(list) for _ in FIELD_NAMES]
        raw_fields: list[tuple[str, ...]] = []
        for d, doc in enumerate(self.docs):
            head, described = split_name(doc.name)
            raw = (
                normalize(head),
                join((*doc.keywords, described) if described else doc.keywords),
                join(tuple(n for _, n in doc.themes) + tuple(n for _, n in doc.life_events)),
                join((doc.department, *doc.co_departments)),
                join((doc.item_type_label,)),
                join((doc.text[:300],)),
            )
            raw_fields.append(raw)
            for f, value in enumerate(raw):
                by_value[f][value].append(d)
            if doc.code:
                self._by_code[doc.code.lower()] = d

        analyses: list[dict[str, _Analysis]] = []
        bigrams: defaultdict[str, list[int]] = defaultdict(list)
        unigrams: defaultdict[str, list[int]] = defaultdict(list)
        syl_bigrams: defaultdict[str, list[int]] = defaultdict(list)
        word_docs: defaultdict[str, list[int]] = defaultdict(list)
        for f, table in enumerate(by_value):
            done: dict[str, _Analysis] = {}
            phonetic = f < PHON_FIELDS
            for value, ds in table.items():
                a = done[value] = _analyze(value, phonetic=phonetic)
                for g in a.bigrams:
                    bigrams[g].extend(ds)
                for g in a.syl_bigrams:
                    syl_bigrams[g].extend(ds)
                for w in a.words:
                    word_docs[w].extend(ds)
                if phonetic:  # single characters: matched in name, alias, theme, department
                    for c in a.chars:
                        unigrams[c].extend(ds)
            analyses.append(done)
        self._bigrams = {g: _unique(ds) for g, ds in bigrams.items()}
        self._unigrams = {c: _unique(ds) for c, ds in unigrams.items()}
        self._syl_bigrams = {g: _unique(ds) for g, ds in syl_bigrams.items()}
        word_df: Counter[str] = Counter({w: len(set(ds)) for w, ds in word_docs.items()})

        self._fields = [tuple(analyses[f][v].text for f, v in enumerate(raw))
                        for raw in raw_fields]
        self._names = [fields[0] for fields in self._fields]
        # Aliases one by one (the alias field runs them together), for title hits.
        self._aliases = [tuple(a for a in (_field_text(normalize(k)) for k in doc.keywords) if a)
                         for doc in self.docs]
        self._all_text = ["\x00".join(fields) for fields in self._fields]
        self._starts = [tuple(accumulate((len(x) + 1 for x in fields[:-1]), initial=0))
                        for fields in self._fields]
        by_name = sorted(range(len(self.docs)),
                         key=lambda d: (len(self.docs[d].name), self.docs[d].name))
        self._tiebreak = [0.0] * len(self.docs)  # equal scores: shorter, then sorted names first
        for rank, d in enumerate(by_name):
            self._tiebreak[d] = rank * 1e-9
        self._phon = [tuple(analyses[f][raw[f]].syllables for f in range(PHON_FIELDS))
                      for raw in raw_fields]
        names = [analyses[0][raw[0]] for raw in raw_fields]
        self._name_initials = [a.initials for a in names]
        self._name_bounds = [a.bounds for a in names]

        self._build_vocabulary(word_df)
        self._build_facets()
        self.build_seconds = time.perf_counter() - started

    # vocabulary: the words people may mean, with pinyin, initials and typo look-ups
    def _build_vocabulary(self, word_df: Counter[str]) -> None:
        hot = {t for t in self.synonyms.terms if len(_HAN.findall(t)) == len(t) and len(t) >= 2}
        self._hot = frozenset(hot)
        hot_parts = {w for t in hot for w in rjieba.cut_for_search(t) if len(w) >= 2} - hot
        words = set(word_df) | hot | hot_parts
        self._lexicon = words | STOPWORDS | WEAKWORDS
        self._prior = {w: math.log1p(c) for w, c in word_df.items()}
        for w in hot:
            self._prior[w] = self._prior.get(w, 0.0) + 3.0
        self._by_full: dict[str, list[str]] = {}
        self._by_initials: dict[str, list[str]] = {}
        self._by_fuzzy: dict[str, list[str]] = {}
        self._by_wildcard: dict[str, list[str]] = {}  # 营业执* → 营业执照 (one wrong char)
        self._by_deletion: dict[str, list[str]] = {}  # 营业执 → 营业执照 (one char missing)
        self._fulls_deletes: dict[str, set[str]] = {}
        for w in words:
            syl = _word_pinyin(w)
            if not all(syl):
                continue
            full = "".join(syl)
            self._by_full.setdefault(full, []).append(w)
            self._by_initials.setdefault("".join(s[0] for s in syl), []).append(w)
            self._by_fuzzy.setdefault(" ".join(fuzzy_syllable(s) for s in syl), []).append(w)
            if len(full) >= 4:
                for v in _deletes(full) | {full}:
                    self._fulls_deletes.setdefault(v, set()).add(full)
            if len(w) >= 3:
                for i in range(len(w)):
                    self._by_wildcard.setdefault(w[:i] + "*" + w[i + 1:], []).append(w)
                    self._by_deletion.setdefault(w[:i] + w[i + 1:], []).append(w)
        order = _prior_key(self._prior)
        for table in (self._by_full, self._by_initials, self._by_fuzzy, self._by_wildcard,
                      self._by_deletion):
            for listed in table.values():
                listed.sort(key=order)
        self._fulls_sorted = sorted(self._by_full)

    def _build_facets(self) -> None:
        facets: dict[str, dict[str, set[int]]] = {
            k: {} for k in ("department", "theme", "life_event", "service_object", "level",
                            "item_type", "flag", "max_visits", "online")}
        for d, doc in enumerate(self.docs):
            def add(facet: str, value: str, d: int = d) -> None:
                if value:
                    facets[facet].setdefault(value, set()).add(d)
            add("department", doc.department_id)
            for code, _ in doc.themes:
                add("theme", code)
            for code, _ in doc.life_events:
                add("life_event", code)
            objects = ("natural", "legal") if doc.service_object == "both" else (
                doc.service_object,)
            for obj in objects:
                add("service_object", obj)
            add("level", doc.level)
            add("item_type", doc.item_type)
            for flag in doc.flags:
                add("flag", flag)
            if doc.visits is not None:
                for limit in range(doc.visits, 3):
                    add("max_visits", str(limit))
            add("online", "1" if doc.is_online else "0")
        self._facets = {k: {v: frozenset(s) for v, s in table.items()}
                        for k, table in facets.items()}

    def __len__(self) -> int:
        return len(self.docs)

    def departments(self) -> list[tuple[str, str, int]]:
        """(code, name, number of items) of the implementing departments, by code."""
        names: dict[str, str] = {}
        for doc in self.docs:
            if doc.department_id:
                names.setdefault(doc.department_id, doc.department)
        counts = self.facet_values("department")
        return [(code, names[code], counts.get(code, 0)) for code in sorted(names)]

    def facet_values(self, facet: str) -> dict[str, int]:
        """How many documents carry each value of a facet (for filter menus)."""
        return {v: len(s) for v, s in self._facets.get(facet, {}).items()}

    def allowed(self, filters: SearchFilters | None) -> frozenset[int] | None:
        """Documents passing the filters (None = no filter)."""
        if filters is None or not filters.active:
            return None
        wanted: list[tuple[str, str]] = [
            ("department", filters.department), ("theme", filters.theme),
            ("life_event", filters.life_event), ("service_object", filters.service_object),
            ("level", filters.level), ("item_type", filters.item_type), ("flag", filters.flag),
        ]
        if filters.max_visits is not None:
            wanted.append(("max_visits", str(max(0, filters.max_visits))))
        if filters.online is not None:
            wanted.append(("online", "1" if filters.online else "0"))
        sets = []
        for facet, value in wanted:
            if value:
                sets.append(self._facets[facet].get(value, frozenset()))
        sets.sort(key=len)
        result = sets[0]
        for s in sets[1:]:
            result = result & s
        return frozenset(result)

    # --- query analysis ---
    def plan(self, query: str) -> QueryPlan:
        q = normalize(query)[:MAX_QUERY_CHARS]
        tokens = [(m.group(), m.start()) for m in _TOKENS.finditer(q)]
        concepts: list[Concept] = []
        corrected: list[str] = []
        any_correction = False
        i = 0
        while i < len(tokens):
            tok, _ = tokens[i]
            if _HAN.match(tok):
                han_concepts, fixed = self._han_concepts(tok)
                concepts.extend(han_concepts)
                corrected.append(fixed)
                any_correction = any_correction or fixed != tok
                i += 1
            elif tok.isdigit():
                concepts.append(Concept(tok, [Alternative(TEXT, tok, 1.0)]))
                corrected.append(tok)
                i += 1
            else:
                j = i
                while j < len(tokens) and tokens[j][0].isalpha() and tokens[j][0].isascii():
                    j += 1
                latin = [t for t, _ in tokens[i:j]]
                last_in_query = j == len(tokens)
                concepts.extend(self._latin_concepts(latin, last_in_query))
                corrected.extend(latin)
                i = j
        concepts = concepts[:MAX_CONCEPTS]
        if concepts and not any(c.required for c in concepts):
            for c in concepts:
                c.required = True
        phrase = q.replace(_SEP, "")
        bigrams = tuple(dict.fromkeys(phrase[k:k + 2] for k in range(len(phrase) - 1)))
        return QueryPlan(query=query, concepts=concepts,
                         phrase=phrase if _HAN.search(phrase) and len(phrase) >= 2 else "",
                         corrected=" ".join(corrected) if any_correction else "",
                         fallback_bigrams=bigrams if _HAN.search(phrase) else ())

    def _text_alternatives(self, word: str, weight: float) -> list[Alternative]:
        alts = [Alternative(TEXT, word, weight)]
        alts.extend(Alternative(TEXT, s, weight * 0.8) for s in self.synonyms.expand(word))
        return alts

    def _han_concepts(self, run: str) -> tuple[list[Concept], str]:
        """Segment a run of Han characters into concepts, correcting typos on the way."""
        n = len(run)
        syl = [fuzzy_syllable(s) if s else "" for s in char_pinyin(run)]
        # best[i] = (score, pieces) for run[:i]; piece = (start, end, kind, candidates)
        best: list[tuple[float, list[tuple[int, int, str, list[str]]]]] = [(-1.0, [])] * (n + 1)
        best[0] = (0.0, [])
        for i in range(n):
            score_i, pieces_i = best[i]
            if score_i < 0:
                continue
            options: list[tuple[int, float, str, list[str]]] = [(i + 1, 0.3, "char", [])]
            for j in range(i + 2, min(n, i + 10) + 1):
                piece = run[i:j]
                length = j - i
                if piece in self._lexicon:
                    options.append((j, length * length * 1.0, "word", [piece]))
                    continue
                key = " ".join(syl[i:j])
                if all(syl[i:j]) and key in self._by_fuzzy:
                    options.append((j, length * length * 0.8, "sound", self._by_fuzzy[key][:4]))
                    continue
                if length >= 3:
                    similar: list[str] = list(self._by_deletion.get(piece, ()))  # missing
                    for k in range(length):
                        similar.extend(self._by_wildcard.get(piece[:k] + "*" + piece[k + 1:], ()))
                        shorter = piece[:k] + piece[k + 1:]
                        if len(shorter) >= 3 and shorter in self._lexicon:
                            similar.append(shorter)  # one extra character typed
                    if similar:
                        words = sorted(set(similar), key=_prior_key(self._prior))[:4]
                        options.append((j, length * length * 0.6, "edit", words))
            for j, gain, kind, cands in options:
                if score_i + gain > best[j][0]:
                    best[j] = (score_i + gain, [*pieces_i, (i, j, kind, cands)])
        pieces = best[n][1]

        concepts: list[Concept] = []
        fixed: list[str] = []
        k = 0
        while k < len(pieces):
            start, end, kind, cands = pieces[k]
            if kind == "char":  # a stretch of unknown characters: let rjieba split it
                stop = k
                while stop < len(pieces) and pieces[stop][2] == "char":
                    stop += 1
                chunk = run[start:pieces[stop - 1][1]]
                for w in rjieba.cut(chunk):
                    fixed.append(w)
                    if w not in STOPWORDS:
                        concepts.append(Concept(w, self._text_alternatives(w, 1.0),
                                                required=w not in WEAKWORDS,
                                                weight=1.0 if len(w) > 1 else 0.5))
                k = stop
                continue
            piece = run[start:end]
            if kind == "word":
                fixed.append(piece)
                if piece not in STOPWORDS:
                    concepts.append(Concept(piece, self._text_alternatives(piece, 1.0),
                                            required=piece not in WEAKWORDS))
            else:
                weight = 0.8 if kind == "sound" else 0.6
                alts = [Alternative(TEXT, piece, 1.0)]
                for w in cands:
                    alts.extend(self._text_alternatives(w, weight))
                concepts.append(Concept(piece, alts))
                fixed.append(cands[0])
            k += 1
        return concepts, "".join(fixed)

    def _latin_concepts(self, tokens: list[str], last_in_query: bool) -> list[Concept]:
        joined = "".join(tokens)
        if len(tokens) > 1 and (joined in self._by_full or joined in self._by_initials
                                or self._near_fulls(joined)):
            return [self._latin_concept(joined, last_in_query)]
        return [self._latin_concept(t, last_in_query and idx == len(tokens) - 1)
                for idx, t in enumerate(tokens)]

    def _latin_concept(self, tok: str, is_last: bool) -> Concept:
        alts: list[Alternative] = []
        if len(tok) >= 2:
            alts.append(Alternative(TEXT, tok, 1.0))  # literal: codes, English words
        exact = self._by_full.get(tok, [])
        for w in exact[:6]:
            alts.extend(self._text_alternatives(w, 1.0 if w in self._hot else 0.9))
        syl = segment_pinyin(tok)
        if syl and len(syl) >= 2:
            alts.append(Alternative(PHON, " ".join(fuzzy_syllable(s) for s in syl), 0.85))
        if len(tok) >= 2:
            initials = self._by_initials.get(tok, [])
            for w in initials[:8]:
                if w in self._hot:
                    alts.extend(self._text_alternatives(w, 0.9))
                else:
                    alts.append(Alternative(TEXT, w, 0.6))
            if not initials and len(tok) >= 3 and not syl:
                alts.append(Alternative(INITIALS, tok, 0.5))
        if len(tok) >= 4 and not exact:
            near = [w for full in self._near_fulls(tok) for w in self._by_full[full]]
            for w in sorted(near, key=_prior_key(self._prior))[:8]:
                alts.extend(self._text_alternatives(w, 0.65))
        if is_last and len(tok) >= 3 and not exact:
            lo = bisect_left(self._fulls_sorted, tok)
            prefixed: list[str] = []
            for full in self._fulls_sorted[lo:lo + 200]:
                if not full.startswith(tok):
                    break
                prefixed.extend(self._by_full[full])
            for w in sorted(prefixed, key=_prior_key(self._prior))[:8]:
                alts.append(Alternative(TEXT, w, 0.6))
        return Concept(tok, alts, weight=1.0 if len(tok) > 1 else 0.3)

    def _near_fulls(self, tok: str) -> list[str]:
        """Vocabulary pinyin one edit away from ``tok`` (4 letters or more)."""
        if len(tok) < 4:
            return []
        fulls: set[str] = set()
        for v in _deletes(tok) | {tok}:
            fulls.update(self._fulls_deletes.get(v, ()))
        return [full for full in fulls if full != tok and _edit_distance_le1(tok, full)]

    # --- matching ---
    def _match(self, alt: Alternative, allowed: frozenset[int] | None) -> dict[int, float]:
        """Documents containing the alternative, with the weight of the best field."""
        out: dict[int, float] = {}
        key = alt.key
        if alt.kind == TEXT:
            if len(key) == 1:
                candidates: Sequence[int] = self._unigrams.get(key, ())
            else:
                found = [self._bigrams.get(key[i:i + 2]) for i in range(len(key) - 1)]
                lists = [lst for lst in found if lst is not None]
                if len(lists) < len(found):
                    return out
                candidates = min(lists, key=len)
            if allowed is not None and len(allowed) < len(candidates):
                candidates = list(allowed)  # fewer documents to check than postings
            texts, starts, name_weight = self._all_text, self._starts, FIELD_WEIGHTS[0]
            for d in candidates:
                if allowed is not None and d not in allowed:
                    continue
                # Fields are joined in weight order, so the first occurrence is the best field.
                pos = texts[d].find(key)
                if pos < 0:
                    continue
                f = bisect_right(starts[d], pos) - 1
                if f == 0:
                    out[d] = name_weight
                    if len(key) > 1 and not _on_bounds(self._fields[d][0], key,
                                                       self._name_bounds[d]):
                        out[d] = name_weight * 0.75  # 身份证 inside 身份证明: weaker
                else:
                    out[d] = FIELD_WEIGHTS[f]
        elif alt.kind == PHON:
            toks = key.split()
            found = [self._syl_bigrams.get(f"{a} {b}") for a, b in pairwise(toks)]
            lists = [lst for lst in found if lst is not None]
            if not found or len(lists) < len(found):
                return out
            needle = f" {key} "
            smallest: Sequence[int] = min(lists, key=len)
            if allowed is not None and len(allowed) < len(smallest):
                smallest = list(allowed)
            for d in smallest:
                if allowed is not None and d not in allowed:
                    continue
                phon = self._phon[d]
                for f in range(PHON_FIELDS):
                    if needle in phon[f]:
                        out[d] = FIELD_WEIGHTS[f]
                        break
        else:  # initials of the name, for initials no vocabulary word explains
            for d, initials in enumerate(self._name_initials):
                if key in initials and (allowed is None or d in allowed):
                    out[d] = FIELD_WEIGHTS[0]
        return out

    def search(self, query: str, filters: SearchFilters | None = None, *, limit: int = 20,
               offset: int = 0) -> SearchResult:
        """Ranked published items for ``query`` (all items, in index order, when empty)."""
        limit = max(0, min(limit, 1000))
        offset = max(0, offset)
        allowed = self.allowed(filters)
        plan = self.plan(query or "")
        code = self._by_code.get((query or "").strip().lower())
        if code is not None and (allowed is None or code in allowed):
            return SearchResult(query, [Hit(self.docs[code], 1.0)][offset:offset + limit], 1,
                                plan=plan)
        if not plan.concepts:
            ids: Sequence[int] = sorted(allowed) if allowed is not None else range(len(self.docs))
            page = [Hit(self.docs[d], 0.0) for d in ids[offset:offset + limit]]
            return SearchResult(query, page, len(ids), plan=plan)

        scores = self._score(plan, allowed)
        if not scores and plan.fallback_bigrams:
            scores = self._fallback(plan, allowed)
        total = len(scores)
        tiebreak = self._tiebreak
        ordering = {d: s - tiebreak[d] for d, s in scores.items()}
        ranked = heapq.nlargest(offset + limit, ordering, key=ordering.__getitem__)
        hits = [Hit(self.docs[d], round(scores[d], 4)) for d in ranked[offset:]]
        did_you_mean = ""
        if plan.corrected and normalize(plan.corrected) != normalize(query):
            did_you_mean = plan.corrected
        return SearchResult(query, hits, total, did_you_mean=did_you_mean, plan=plan)

    def _estimate(self, alt: Alternative) -> int:
        """An upper bound of how many documents an alternative can match (from postings)."""
        if alt.kind == TEXT:
            if len(alt.key) == 1:
                return len(self._unigrams.get(alt.key, ()))
            return min((len(self._bigrams.get(alt.key[i:i + 2], ()))
                        for i in range(len(alt.key) - 1)), default=0)
        if alt.kind == PHON:
            toks = alt.key.split()
            return min((len(self._syl_bigrams.get(f"{a} {b}", ())) for a, b in pairwise(toks)),
                       default=0)
        return len(self.docs)

    def _score(self, plan: QueryPlan, allowed: frozenset[int] | None) -> dict[int, float]:
        n_docs = max(len(self.docs), 1)
        scores: dict[int, float] = {}
        matched: dict[int, int] = {}
        cache: dict[Alternative, dict[int, float]] = {}
        required = sum(1 for c in plan.concepts if c.required)
        multi = len(plan.concepts) > 1
        # Rare concepts first; a very common one (登记, 办理 …) after them only looks at the
        # documents already found, so long questions stay fast.
        estimates = [(sum(self._estimate(a) for a in c.alternatives), i, c)
                     for i, c in enumerate(plan.concepts)]
        estimates.sort(key=lambda t: (t[0], t[1]))
        common = max(500, n_docs // 8)
        for estimate, _, concept in estimates:
            restrict = allowed
            if scores and estimate > common:
                restrict = frozenset(scores)
            best: dict[int, float] = {}
            for alt in concept.alternatives:
                base = Alternative(alt.kind, alt.key, 1.0)
                if restrict is allowed:
                    if base not in cache:
                        cache[base] = self._match(base, allowed)
                    found = cache[base]
                else:
                    found = self._match(base, restrict)
                w = alt.weight
                if w < 1.0:  # a synonym or a correction: the conditions text alone is too weak
                    weighted = {d: w * fw for d, fw in found.items() if fw > TEXT_WEIGHT}
                else:
                    weighted = {d: w * fw for d, fw in found.items()}
                if not best:
                    best = weighted
                    continue
                current = best.get
                for d, s in weighted.items():
                    if s > current(d, 0.0):
                        best[d] = s
            if not best:
                continue
            df = len(best) if restrict is allowed else max(len(best), estimate)
            factor = concept.weight * math.log1p(n_docs / df)
            if not scores:
                scores = {d: factor * s for d, s in best.items()}
            else:
                total = scores.get
                for d, s in best.items():
                    scores[d] = total(d, 0.0) + factor * s
            if concept.required and multi:
                count = matched.get
                for d in best:
                    matched[d] = count(d, 0) + 1
        if not scores:
            return scores
        if required and multi:
            top = max(matched.values(), default=0)
            for d in list(scores):
                got = matched.get(d, 0)
                if top >= 2 and got * 2 < top:
                    del scores[d]  # matches less than half of what the best items match
                    continue
                scores[d] *= (0.2 + 0.8 * (got / required) ** 2)
        variants = self._title_variants(plan)
        if variants:
            names, aliases, alias_text = self._names, self._aliases, self._fields
            for d in scores:
                name = names[d]
                title_factor = 1.0
                for key, weight in variants:
                    in_name = key in name
                    if not in_name and key not in alias_text[d][1]:
                        continue
                    boost = title_boost(name, aliases[d], key) if in_name or aliases[d] else 1.0
                    # a synonym or a guess names the item less surely than the typed words
                    title_factor = max(title_factor, 1.0 + (boost - 1.0) * weight * weight)
                scores[d] *= title_factor
        return scores

    def _title_variants(self, plan: QueryPlan) -> list[tuple[str, float]]:
        """What the query may call an item by, with confidence: the whole phrase; for a query
        of one concept also its synonyms, pinyin readings and corrections."""
        found: dict[str, float] = {}
        if plan.phrase:
            found[plan.phrase] = 1.0
        if len(plan.concepts) == 1:
            for alt in plan.concepts[0].alternatives:
                if alt.kind == TEXT and len(alt.key) >= 2 and _HAN.search(alt.key):
                    found[alt.key] = max(found.get(alt.key, 0.0), min(alt.weight, 1.0))
        ranked = sorted(found.items(), key=lambda kv: -kv[1])
        return ranked[:MAX_TITLE_VARIANTS]

    def _fallback(self, plan: QueryPlan, allowed: frozenset[int] | None) -> dict[int, float]:
        """Nothing matched: rank items sharing at least half of the query's bigrams."""
        counts: Counter[int] = Counter()
        for g in plan.fallback_bigrams:
            for d in self._bigrams.get(g, ()):
                if (allowed is None or d in allowed) and g in self._fields[d][0] + _SEP + \
                        self._fields[d][1]:
                    counts[d] += 1
        need = max(1, math.ceil(len(plan.fallback_bigrams) / 2))
        return {d: c / len(plan.fallback_bigrams) for d, c in counts.items() if c >= need}


MAX_TITLE_VARIANTS = 8
TITLE_EXACT, TITLE_ALIAS, TITLE_PREFIX, TITLE_INSIDE, TITLE_ALIAS_PREFIX = 2.0, 1.6, 1.5, 1.4, 1.3


def title_boost(name: str, aliases: Sequence[str], key: str) -> float:
    """How strongly ``key`` names an item whose name (without brackets) and aliases are
    given: equal to the name, equal to an alias, starting the name, inside the name, starting
    an alias."""
    if name == key:
        return TITLE_EXACT
    if key in aliases:
        return TITLE_ALIAS
    if name.startswith(key):
        return TITLE_PREFIX
    if key in name:
        return TITLE_INSIDE
    if any(a.startswith(key) for a in aliases):
        return TITLE_ALIAS_PREFIX
    return 1.0


def _word_bounds(text: str) -> int:
    """Word boundaries of ``text`` (rjieba's precise cut) as a bit mask of positions."""
    mask, pos = 1, 0
    for word in rjieba.cut(text):
        pos += len(word)
        mask |= 1 << pos
    return mask


def _on_bounds(text: str, key: str, bounds: int) -> bool:
    """Whether some occurrence of ``key`` in ``text`` starts and ends on word boundaries."""
    start = text.find(key)
    while start >= 0:
        if bounds >> start & 1 and bounds >> (start + len(key)) & 1:
            return True
        start = text.find(key, start + 1)
    return False


def highlight(text: str, plan: QueryPlan) -> list[tuple[str, bool]]:
    """``text`` as (segment, matched) pairs for the words and sounds of the query plan."""
    if not text:
        return []
    # normalized characters with their position in the original text
    norm_chars: list[str] = []
    where: list[int] = []
    for pos, ch in enumerate(text):
        folded = unicodedata.normalize("NFKC", ch).lower()
        if len(folded) == 1 and folded.isalnum():
            norm_chars.append(folded)
            where.append(pos)
    norm = "".join(norm_chars)
    marked = [False] * len(text)

    def mark(start: int, length: int) -> None:
        for k in range(start, start + length):
            marked[where[k]] = True

    syl: list[str] | None = None
    for concept in plan.concepts:
        for alt in concept.alternatives:
            if alt.kind == TEXT and (len(alt.key) > 1 or len(concept.label) == 1):
                start = norm.find(alt.key)
                while start >= 0:
                    mark(start, len(alt.key))
                    start = norm.find(alt.key, start + 1)
            elif alt.kind == PHON:
                if syl is None:
                    syl = [fuzzy_syllable(s) if s else "" for s in char_pinyin(norm)]
                want = alt.key.split()
                for start in range(len(syl) - len(want) + 1):
                    if syl[start:start + len(want)] == want:
                        mark(start, len(want))
    segments: list[tuple[str, bool]] = []
    for ch, m in zip(text, marked, strict=True):
        if segments and segments[-1][1] == m:
            segments[-1] = (segments[-1][0] + ch, m)
        else:
            segments.append((ch, m))
    return segments


# --- Connection to the catalogue ---------------------------------------------------------------

_lock = threading.Lock()
_current: SearchIndex | None = None
_checked_at = 0.0
_rebuilding = False
_synonyms: Synonyms | None = None


def _setting(name: str, default: Any) -> Any:
    from django.conf import settings

    return getattr(settings, name, default)


def _cache_enabled() -> bool:
    """Keep the index between calls (off under tests, whose data changes without revisions)."""
    return bool(_setting("CATALOG_SEARCH_CACHE", not _setting("TESTING", False)))


_VERSION_COLUMNS = (
    "id", "item_id", "item__public_id", "public_id", "name", "keywords",
    "item__department__name", "item__department__code", "item_type", "service_object",
    "exercise_level", "visits", "online_depth", "is_online", "appointment", "postal_delivery",
    "kiosk", "tongban_scope", "conditions", "result_name", "item__implementation_code",
)


def documents_from_catalogue() -> list[Document]:
    """Documents for every published version (the selector's set), in three plain queries.

    Rows are read with ``values_list`` rather than as model instances: at 10,000 items that
    is the difference between well under a second and ten seconds.
    """
    from . import selectors
    from .constants import ItemType, ThemeKind, TongbanScope
    from .models import ServiceItemVersion, Theme

    versions = selectors.published_versions_for_index().prefetch_related(None).order_by()
    themes: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    theme_rows = (Theme.items.through.objects
                  .order_by("theme__order", "theme__code")
                  .values_list("serviceitem_id", "theme__code", "theme__name", "theme__kind"))
    for item_id, code, name, kind in theme_rows:
        themes[item_id].append((code, name, kind))
    co_departments: dict[int, list[str]] = defaultdict(list)
    co_rows = (ServiceItemVersion.co_departments.through.objects
               .filter(serviceitemversion_id__in=versions.values("id"))
               .order_by("department__code")
               .values_list("serviceitemversion_id", "department__name"))
    for version_id, name in co_rows:
        co_departments[version_id].append(name)
    type_labels = {str(t.value): str(t.label) for t in ItemType}

    docs = []
    for (vid, item_id, item_public_id, public_id, name, keywords, dept_name, dept_code,
         item_type, service_object, level, visits, online_depth, is_online, appointment,
         postal, kiosk, tongban, conditions, result_name, code
         ) in versions.values_list(*_VERSION_COLUMNS):
        flags = {flag for flag, on in (("appointment", appointment), ("postal", postal),
                                        ("kiosk", kiosk), ("full_online", online_depth >= 4))
                 if on}
        if tongban and tongban != TongbanScope.NONE:
            flags.add(tongban)
        item_themes = themes.get(item_id, [])
        docs.append(Document(
            id=str(item_public_id),
            version_id=str(public_id),
            name=name,
            keywords=tuple(str(k) for k in (keywords or []) if k),
            department=dept_name,
            department_id=dept_code,
            co_departments=tuple(co_departments.get(vid, ())),
            item_type=item_type,
            item_type_label=type_labels.get(item_type, ""),
            service_object=service_object,
            themes=tuple((c, n) for c, n, k in item_themes if k != ThemeKind.LIFE_EVENT),
            life_events=tuple((c, n) for c, n, k in item_themes if k == ThemeKind.LIFE_EVENT),
            level=level,
            visits=visits,
            online_depth=online_depth,
            is_online=is_online,
            flags=frozenset(flags),
            text=" ".join(x for x in ((conditions or "")[:200], result_name) if x),
            code=code,
        ))
    docs.sort(key=lambda doc: (doc.department_id, doc.code))
    return docs


def catalogue_synonyms() -> Synonyms:
    """The synonym file as it is now: re-read at every index build, so an edit takes effect
    at the next publish (or restart)."""
    global _synonyms
    _synonyms = Synonyms.load()
    return _synonyms


def _build(revision: Any) -> SearchIndex:
    index = SearchIndex(documents_from_catalogue(), synonyms=catalogue_synonyms(),
                        revision=revision)
    logger.log(logging.INFO if len(index) >= 100 else logging.DEBUG,
               "catalogue search index: %d items in %.2fs (revision %s)", len(index),
               index.build_seconds, revision)
    return index


def _rebuild_in_background(revision: Any) -> None:
    """Build the new index in a thread while requests keep using the previous one."""
    global _rebuilding
    with _lock:
        if _rebuilding:
            return
        _rebuilding = True

    def run() -> None:
        global _current, _rebuilding
        from django.db import connection

        try:
            index = _build(revision)
            with _lock:
                _current = index
        except Exception:  # the old index keeps serving; the next check retries
            logger.exception("catalogue search index rebuild failed")
        finally:
            _rebuilding = False
            connection.close()

    threading.Thread(target=run, name="catalog-search-rebuild", daemon=True).start()


def search_index() -> SearchIndex:
    """This process's index of the published catalogue, rebuilt when the revision changes.

    The revision (one primary-key read) is checked at most once per
    ``CATALOG_SEARCH_REVISION_TTL`` seconds (default 1). When it changed, the stale index keeps
    answering while a thread builds the new one (``CATALOG_SEARCH_BACKGROUND``, default on);
    only the very first search of a process waits for a build.
    """
    global _current, _checked_at
    from . import selectors

    if not _cache_enabled():
        return _build(selectors.catalog_revision())
    now = time.monotonic()
    index = _current
    if index is not None and now - _checked_at < float(_setting("CATALOG_SEARCH_REVISION_TTL",
                                                                  1.0)):
        return index
    revision = selectors.catalog_revision()
    _checked_at = now
    if index is not None and index.revision == revision:
        return index
    if index is not None and _setting("CATALOG_SEARCH_BACKGROUND", True):
        _rebuild_in_background(revision)
        return index
    with _lock:
        if _current is None or _current.revision != revision:
            _current = _build(revision)
        return _current


def search_index_reset() -> None:
    """Forget the index and the synonyms (tests; after editing the synonym file)."""
    global _current, _checked_at, _synonyms
    with _lock:
        _current = None
        _checked_at = 0.0
        _synonyms = None


def catalogue_search(query: str, filters: SearchFilters | None = None, *, limit: int = 20,
                     offset: int = 0) -> SearchResult:
    """Search the published catalogue (what pages and the API call)."""
    return search_index().search(query, filters, limit=limit, offset=offset)


__all__ = [
    "Document", "Hit", "SearchFilters", "SearchIndex", "SearchResult", "catalogue_search",
    "documents_from_catalogue", "highlight", "normalize", "search_index",
    "search_index_reset", "split_name", "title_boost",
]
