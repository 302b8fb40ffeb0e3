"""Synonyms and abbreviations for catalogue search, read from an editable text file.

The district edits ``catalog/data/synonyms.txt`` (or the file named by the setting
``CATALOG_SYNONYMS_FILE``): one group per line, terms separated by commas, every term of a group
finds the others (社保 ↔ 社会保险 ↔ 社会保障). Terms of any group also count as "common terms":
pinyin initials such as ``sb`` resolve to them first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "synonyms.txt"
_SPLIT = re.compile(r"[,，、;；\s]+")


def normalize_term(text: str) -> str:
    """NFKC, lower case, keep only CJK, letters and digits (the form the index uses)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if ch.isalnum())


@dataclass
class Synonyms:
    """Groups of equivalent terms; ``expand(term)`` gives the other members of its groups."""

    groups: list[tuple[str, ...]] = field(default_factory=list)
    _by_term: dict[str, list[str]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        cleaned: list[tuple[str, ...]] = []
        for group in self.groups:
            terms = tuple(dict.fromkeys(t for t in (normalize_term(x) for x in group) if t))
            if len(terms) >= 2:
                cleaned.append(terms)
        self.groups = cleaned
        by_term: dict[str, list[str]] = {}
        for terms in cleaned:
            for term in terms:
                others = by_term.setdefault(term, [])
                others.extend(t for t in terms if t != term and t not in others)
        self._by_term = by_term

    @property
    def terms(self) -> frozenset[str]:
        return frozenset(self._by_term)

    def expand(self, term: str) -> list[str]:
        """The other terms equivalent to ``term`` (empty when it is in no group)."""
        return list(self._by_term.get(term, ()))

    @classmethod
    def parse(cls, lines: Iterable[str]) -> Synonyms:
        groups = []
        for raw in lines:
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            groups.append(tuple(t for t in _SPLIT.split(line) if t))
        return cls(groups)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Synonyms:
        """Read the synonym file; a missing file means no synonyms (search still works)."""
        target = Path(path) if path else _configured_path()
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls([])
        return cls.parse(text.splitlines())


def _configured_path() -> Path:
    from django.conf import settings

    configured = getattr(settings, "CATALOG_SYNONYMS_FILE", None) if settings.configured else None
    return Path(configured) if configured else DEFAULT_FILE
