"""Pure rules of the material library: levels, matching keys, watermark wording, sampling.

No database here; tested in ``tests/test_rules.py``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from .constants import LibraryStatus

_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_SUFFIXES = ("原件及复印件", "原件和复印件", "原件", "复印件", "扫描件", "电子件", "照片")
_SPACE = re.compile(r"\s+")


def material_key(name: str, licence_type_code: str = "") -> str:
    """What makes two catalogue materials "the same document" for reuse: the e-licence type
    when the catalogue names one, else the name without brackets and 原件/复印件 suffixes."""
    code = (licence_type_code or "").strip().upper()
    if code:
        return f"licence:{code}"[:220]
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACE.sub("", _BRACKETS.sub("", text))
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                changed = True
    return f"name:{text}"[:220]


def date_cn(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "长期"


def watermark_a(*, issuer: str, item_name: str, valid_until: date | None) -> str:
    """A-level copies: "此件由××机构提供，仅供办理××事项使用，有效期至×年×月×日"."""
    until = f"有效期至{date_cn(valid_until)}" if valid_until else "长期有效"
    return f"此件由{issuer or '发证机关'}提供，仅供办理{item_name}事项使用，{until}"[:300]


def watermark_b(*, purpose: str, valid_until: date | None) -> str:
    """B-level copies: the guide's wording plus what this copy is for and until when."""
    until = f"有效期至{date_cn(valid_until)}" if valid_until else "长期有效"
    return f"此件经与原件核对无误，仅供办理政务服务事项时使用（用途：{purpose}；{until}）"[:300]


def copy_valid_until(*, today: date, days: int, material_until: date | None) -> date:
    """A copy is valid for ``days`` from today, never beyond the material's own validity."""
    from datetime import timedelta

    until = today + timedelta(days=max(days, 1))
    return min(until, material_until) if material_until else until


def library_usable(*, status: str, reuse_allowed: bool, valid_until: date | None, today: date) -> bool:
    """A B-level material may satisfy a new case: valid, consent not withdrawn, not expired."""
    return (status == LibraryStatus.VALID and reuse_allowed
            and (valid_until is None or valid_until >= today))


def postcheck_selected(*, digest_hex: str, share: float) -> bool:
    """Whether a case is drawn for 事后核查: a keyed hash of the case (unpredictable to the
    applicant, reproducible for the auditor) compared with the configured share."""
    if share <= 0:
        return False
    if share >= 1:
        return True
    value = int(digest_hex[:13], 16) / float(16 ** 13)
    return value < share


@dataclass(frozen=True)
class LevelCounts:
    """How the required materials of some cases were satisfied."""

    a: int = 0
    b: int = 0
    d: int = 0
    fresh: int = 0  # uploaded or brought on paper and checked in the case itself
    missing: int = 0

    @property
    def total(self) -> int:
        return self.a + self.b + self.d + self.fresh + self.missing

    @property
    def saved(self) -> int:
        """免提交: materials the applicant did not have to bring or upload."""
        return self.a + self.b + self.d

    def share(self, part: int) -> float:
        return round(part / self.total, 4) if self.total else 0.0

    def percent(self, part: int) -> float | None:
        return round(100 * part / self.total, 1) if self.total else None

    @property
    def pct_a(self) -> float | None:
        return self.percent(self.a)

    @property
    def pct_b(self) -> float | None:
        return self.percent(self.b)

    @property
    def pct_d(self) -> float | None:
        return self.percent(self.d)

    @property
    def pct_fresh(self) -> float | None:
        return self.percent(self.fresh)


def level_of_state(state: str, trust_level: str) -> str:
    """The bucket a case material falls in for the figures: a, b, d, fresh or missing."""
    if trust_level == "A" or state in ("licence", "shared"):
        return "a"
    if state == "library":
        return "b"
    if trust_level == "D" or state == "committed":
        return "d"
    if state in ("uploaded", "paper"):
        return "fresh"
    return "missing"
