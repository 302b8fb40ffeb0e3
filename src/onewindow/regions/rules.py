"""Pure rules of the region tree: reading a division-code CSV, cleaning names, grid counts.

No database. The CSV is untrusted input (it comes from outside the project): every cell is
normalised and checked, and each row that cannot be used yields a ``RowProblem`` naming its
line and what is wrong, so the loader can skip it (or refuse the whole file) with a message a
person can act on.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from onewindow.core.errors import ValidationFailed
from onewindow.core.inputs import decode_csv_text

# Columns of the National Bureau of Statistics hierarchy export (modood/Administrative-divisions-
# of-China): cityCode, cityName, areaCode, areaName, streetCode, streetName, villageCode, villageName.
REQUIRED_COLUMNS = ("areaCode", "areaName", "streetCode", "streetName", "villageCode", "villageName")
MAX_NAME_LENGTH = 100
MAX_CSV_BYTES = 20 * 1024 * 1024
GRIDS_MIN = 2
GRIDS_MAX = 4

_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"第{self.line}行：{self.message}"


@dataclass
class ParsedCommunity:
    code: str  # 12 digits
    name: str
    line: int


@dataclass
class ParsedStreet:
    code: str  # 12 digits (the 9-digit street code + "000")
    name: str
    line: int
    communities: dict[str, ParsedCommunity] = field(default_factory=dict)


@dataclass
class ParsedDistrict:
    area_code: str  # 6 digits
    name: str = ""
    streets: dict[str, ParsedStreet] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0
    rows_other_districts: int = 0
    rows_duplicate: int = 0

    @property
    def code(self) -> str:
        return self.area_code + "000000"

    @property
    def community_count(self) -> int:
        return sum(len(s.communities) for s in self.streets.values())


def district_code_normalise(value: str) -> str:
    """The 6-digit county code from "530103" or "530103000000" (full-width digits read as ASCII)."""
    code = unicodedata.normalize("NFKC", value or "").strip()
    if _digits(code, 12) and code.endswith("000000"):
        code = code[:6]
    if not _digits(code, 6) or code.endswith("00"):
        msg = f"区县代码“{value}”格式不正确，应为6位（如 530103）或12位（如 530103000000）"
        raise ValidationFailed(msg, code="district_code_invalid", fields={"district_code": msg})
    return code


def name_clean(value: str | None) -> str:
    """NFKC-normalise a division name and drop whitespace (Chinese names contain none)."""
    text = unicodedata.normalize("NFKC", value or "")
    return _WHITESPACE.sub("", text)


def community_name_from_committee(name: str) -> str:
    """The community (社区/村) a committee name refers to.

    "尚义社区居委会" → "尚义社区", "翠湖社区居民委员会" → "翠湖社区", "白邑村委会" → "白邑村",
    "前所村村民委员会" → "前所村"; any other name is kept as it is.
    """
    for suffix, replacement in (
        ("社区居民委员会", "社区"),
        ("社区居委会", "社区"),
        ("居民委员会", "社区"),
        ("居委会", "社区"),
        ("村村民委员会", "村"),
        ("村民委员会", "村"),
        ("村委会", "村"),
    ):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + replacement
    return name


def grid_count_for(community_code: str) -> int:
    """How many grids the generated demo gives a community: 2 to 4, stable per code."""
    return GRIDS_MIN + zlib.crc32(community_code.encode()) % (GRIDS_MAX - GRIDS_MIN + 1)


def grid_code(community_code: str, number: int) -> str:
    return f"{community_code}{number:03d}"


def grid_name(community_name: str, number: int) -> str:
    return f"{community_name}第{number}网格"


def csv_decode(raw: bytes) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM), else GB18030 as Excel saves it."""
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationFailed(f"文件过大（超过 {MAX_CSV_BYTES // 1024 // 1024} MB）",
                               code="csv_too_large")
    if b"\x00" in raw[:4096]:
        raise ValidationFailed("文件不是文本格式的 CSV", code="csv_not_text")
    text = decode_csv_text(raw)
    if text is None:
        raise ValidationFailed("无法识别文件编码，请另存为 UTF-8 编码的 CSV", code="csv_encoding")
    return text


def _check_name(value: str, *, label: str) -> str | None:
    """A problem with a name, or None when it is usable."""
    if not value:
        return f"{label}为空"
    if _CONTROL.search(value):
        return f"{label}含有控制字符"
    if len(value) > MAX_NAME_LENGTH:
        return f"{label}过长（{len(value)}字，最多{MAX_NAME_LENGTH}字）"
    return None


def _digits(value: str, length: int) -> bool:
    return len(value) == length and value.isascii() and value.isdigit()


def csv_parse(text: str | Iterable[str], *, area_code: str) -> ParsedDistrict:
    """Read the rows of one district from a hierarchy CSV.

    Rows of other districts are counted and ignored; unusable rows of this district become
    problems. A header without the required columns raises ``ValidationFailed``.
    """
    lines = io.StringIO(text) if isinstance(text, str) else text
    reader = csv.DictReader(lines, restkey="__extra__")
    header = [name_clean(h) for h in (reader.fieldnames or [])]
    missing = [col for col in REQUIRED_COLUMNS if col not in header]
    if missing:
        msg = f"CSV 表头缺少列：{', '.join(missing)}（应包含 {', '.join(REQUIRED_COLUMNS)}）"
        raise ValidationFailed(msg, code="csv_columns_missing", detail={"missing": missing})
    reader.fieldnames = header

    result = ParsedDistrict(area_code=area_code)
    name_line = 0
    community_owner: dict[str, ParsedStreet] = {}
    for row in reader:
        line = reader.line_num
        extra = cast("list[str] | None", row.pop("__extra__", None))
        cells = {k: name_clean(v) for k, v in row.items() if k}
        if not any(cells.values()) and not extra:
            continue  # blank line
        result.rows_read += 1
        area = cells.get("areaCode", "")
        if _digits(area, 6) and area != area_code:
            result.rows_other_districts += 1
            continue
        problem = _row_problem(cells, extra=extra, area_code=area_code)
        if problem:
            result.problems.append(RowProblem(line, problem))
            continue

        area_name = cells["areaName"]
        if not result.name:
            result.name, name_line = area_name, line
        elif area_name != result.name:
            result.problems.append(RowProblem(
                line, f"区县名称“{area_name}”与第{name_line}行的“{result.name}”不一致"))
            continue

        street_code = cells["streetCode"][:9] + "000"
        street = result.streets.get(street_code)
        if street is None:
            street = ParsedStreet(code=street_code, name=cells["streetName"], line=line)
            result.streets[street_code] = street
        elif street.name != cells["streetName"]:
            result.problems.append(RowProblem(
                line, f"街道 {street_code} 的名称“{cells['streetName']}”与第{street.line}行的"
                      f"“{street.name}”不一致"))
            continue

        village_code = cells["villageCode"]
        village_name = community_name_from_committee(cells["villageName"])
        owner = community_owner.get(village_code)
        if owner is not None:
            known = owner.communities[village_code]
            if known.name == village_name and owner is street:
                result.rows_duplicate += 1
            else:
                result.problems.append(RowProblem(
                    line, f"社区代码 {village_code} 重复，且与第{known.line}行的“{known.name}”不一致"))
            continue
        street.communities[village_code] = ParsedCommunity(village_code, village_name, line)
        community_owner[village_code] = street
    return result


def _row_problem(cells: dict[str, str], *, extra: list[str] | None, area_code: str) -> str | None:
    if extra and any(name_clean(x) for x in extra):
        return "列数多于表头"
    absent = [col for col in REQUIRED_COLUMNS if not cells.get(col)]
    if absent:
        return f"缺少内容：{', '.join(absent)}"
    if not _digits(cells["areaCode"], 6):
        return f"区县代码“{cells['areaCode']}”应为6位数字"
    street = cells["streetCode"]
    if _digits(street, 12) and street.endswith("000"):
        street = street[:9]
    if not _digits(street, 9) or not street.startswith(area_code) or street.endswith("000"):
        return f"街道代码“{cells['streetCode']}”应为以 {area_code} 开头的9位数字"
    village = cells["villageCode"]
    if not _digits(village, 12) or not village.startswith(street) or village.endswith("000"):
        return f"社区代码“{village}”应为以街道代码 {street} 开头、不以000结尾的12位数字"
    for col, label in (("areaName", "区县名称"), ("streetName", "街道名称"),
                       ("villageName", "社区名称")):
        problem = _check_name(cells[col], label=label)
        if problem:
            return problem
    return None


# --- Gazetteer matching -------------------------------------------------------------------
# Places (streets, communities, grids, roads, residential compounds, landmarks, addresses) are
# found in a free-text address by their names and aliases; the most specific consistent one
# wins. See ``gazetteer_match``.

#: How specific a kind of place is: a known address beats a compound, a compound a community …
PLACE_SPECIFICITY = {"address": 6, "residence": 5, "poi": 5, "grid": 4, "road": 3, "community": 3,
                     "street": 2, "district": 1}
GAZETTEER_MIN_KEY = 2
GAZETTEER_MAX_KEY = 30
# Prefixes that say nothing about where in the district ("云南省昆明市盘龙区…"), and filler words.
_ADDRESS_NOISE = re.compile(r"[\s,，。、;；:：()（）【】\[\]<>《》\"'“”‘’·\-—_/]+")


@dataclass(frozen=True)
class GazetteerEntry:
    """One name of a place, as the matcher sees it (no database objects)."""

    place_id: int
    name: str  # the place's own name, for display
    kind: str
    region_id: int
    region_path: str
    lng: float | None = None
    lat: float | None = None


@dataclass(frozen=True)
class GazetteerMatch:
    """The place a text names, or the region several equally good places have in common."""

    entry: GazetteerEntry | None  # None when ambiguous: only ``region_path`` is known
    region_path: str
    matched: str  # the words of the text that named it
    candidates: int = 1

    @property
    def ambiguous(self) -> bool:
        return self.entry is None


def gazetteer_key(text: str) -> str:
    """A name or text as compared: NFKC (full-width digits become ASCII), no spaces or marks."""
    return _ADDRESS_NOISE.sub("", unicodedata.normalize("NFKC", text or "")).lower()


def _common_path(paths: Iterable[str]) -> str:
    parts = [[p for p in path.split("/") if p] for path in paths]
    if not parts:
        return ""
    common: list[str] = []
    for codes in zip(*parts, strict=False):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return "/" + "/".join(common) + "/" if common else ""


def _depth(path: str) -> int:
    return len([p for p in path.split("/") if p])


def gazetteer_match(text: str, index: dict[str, list[GazetteerEntry]],
                    max_key: int = GAZETTEER_MAX_KEY) -> GazetteerMatch | None:
    """The place a free-text address names, using ``index`` (key → entries; keys from
    ``gazetteer_key`` of every name and alias).

    1. At each position of the text the longest key found there is a hit; a hit inside a
       longer one is dropped ("尚义社区" inside "尚义社区第1网格").
    2. Each place is supported by the hits naming it or an area around it (its street, its
       district) and contradicted by hits naming a place neither around nor inside it ("白塔社区"
       when the text also says "鼓楼街道" and 白塔社区 belongs to 拓东街道): the best balance wins,
       so a vague area never wins merely for contradicting nothing.
    3. Then the most specific kind (address > compound/landmark > grid > community/road >
       street > district), the deepest region, the longest name.
    4. When several places still tie (two roads of one name in different streets) the result is
       the region they have in common, without a place.
    """
    key_text = gazetteer_key(text)
    if len(key_text) < GAZETTEER_MIN_KEY or not index:
        return None
    spans: list[tuple[int, int]] = []
    n = len(key_text)
    for start in range(n):
        for end in range(min(n, start + max_key), start + GAZETTEER_MIN_KEY - 1, -1):
            if key_text[start:end] in index:
                spans.append((start, end))
                break
    kept = [(a, b) for a, b in spans if not any(c <= a and b <= d and d - c > b - a for c, d in spans)]
    if not kept:
        return None
    hits = [key_text[a:b] for a, b in kept]
    hit_paths = [{e.region_path for e in index[key]} for key in hits]
    scored: list[tuple[tuple[int, int, int, int], GazetteerEntry, str]] = []
    for i, key in enumerate(hits):
        for entry in index[key]:
            # the hits naming this place or an area around it support it; a hit naming a place
            # neither around nor inside it contradicts it (more specific hits inside it do neither)
            support = 1
            conflict = 0
            for j, paths in enumerate(hit_paths):
                if j == i:
                    continue
                if any(entry.region_path.startswith(p) for p in paths):
                    support += 1
                elif not any(p.startswith(entry.region_path) for p in paths):
                    conflict += 1
            score = (support - conflict, PLACE_SPECIFICITY.get(entry.kind, 0), _depth(entry.region_path), len(key))
            scored.append((score, entry, key))
    best = max(score for score, _, _ in scored)
    winners = {entry.place_id: (entry, key) for score, entry, key in scored if score == best}
    if len(winners) == 1:
        entry, key = next(iter(winners.values()))
        return GazetteerMatch(entry=entry, region_path=entry.region_path, matched=key)
    first_key = next(iter(winners.values()))[1]
    return GazetteerMatch(entry=None, region_path=_common_path(e.region_path for e, _ in winners.values()),
                          matched=first_key, candidates=len(winners))
