"""Pure rules of the news module: the publication lifecycle, de-duplication keys, feed text
cleaning and validators for list caching. No database."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from datetime import datetime

from .constants import NewsStatus

# status → statuses reachable from it, by the named action
TRANSITIONS: dict[str, dict[str, str]] = {
    "submit": {NewsStatus.DRAFT: "", NewsStatus.REJECTED: ""},
    "approve": {NewsStatus.PENDING: ""},
    "reject": {NewsStatus.PENDING: "", NewsStatus.SCHEDULED: ""},
    "withdraw": {NewsStatus.PUBLISHED: "", NewsStatus.SCHEDULED: ""},
    "edit": {NewsStatus.DRAFT: "", NewsStatus.REJECTED: "", NewsStatus.PENDING: ""},
}


def can(action: str, status: str) -> bool:
    return status in TRANSITIONS.get(action, {})


def approved_status(*, publish_at: datetime | None, now: datetime) -> str:
    """After approval: published at once, or scheduled for a later time."""
    return NewsStatus.SCHEDULED if publish_at is not None and publish_at > now else NewsStatus.PUBLISHED


_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"[ \t\r\f\v\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_BLOCK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/h[1-6]|/tr)\s*/?\s*>")
_DROP = re.compile(r"(?is)<\s*(script|style|iframe|object)\b.*?<\s*/\s*\1\s*>")


def text_from_html(value: str, *, limit: int | None = None) -> str:
    """Plain text from a feed's HTML: scripts and styles dropped, block ends as line breaks,
    entities decoded, spaces collapsed. Feeds never put markup on our pages."""
    text = _DROP.sub(" ", value or "")
    text = _BLOCK.sub("\n", text)
    text = html.unescape(_TAG.sub("", text))
    text = "\n".join(_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_KEY_DROP = re.compile(r"[\W_]+", re.UNICODE)


def title_key(title: str) -> str:
    """The de-duplication key of a title: NFKC, lower case, without punctuation or spaces, so
    that “关于…的通知” and “关于 … 的通知！” are one story."""
    norm = _KEY_DROP.sub("", unicodedata.normalize("NFKC", title or "").lower())
    return hashlib.sha256(norm.encode()).hexdigest()


def source_key(*, entry_id: str, link: str, title: str) -> str:
    """One key per feed entry: its id, else its link, else its title."""
    basis = (entry_id or "").strip() or (link or "").strip() or f"title:{title_key(title)}"
    return hashlib.sha256(basis.encode()).hexdigest()


def list_etag(*, count: int, latest: datetime | None, variant: str = "") -> str:
    """A weak validator for a list: its size, its newest change, and the query shown."""
    stamp = latest.isoformat() if latest else "-"
    digest = hashlib.sha256(f"{count}|{stamp}|{variant}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def tags_clean(raw: list[str] | str | None, *, limit: int, length: int) -> list[str]:
    """Tags from a list or a comma/space separated string: trimmed, unique, bounded."""
    if raw is None:
        return []
    parts = re.split(r"[,，、\s]+", raw) if isinstance(raw, str) else [str(t) for t in raw]
    out: list[str] = []
    for part in parts:
        tag = part.strip()[:length]
        if tag and tag not in out:
            out.append(tag)
    return out[:limit]
