"""Reading RSS/Atom feeds: fetching (bounded in time and size, conditional with ETag and
Last-Modified) and parsing with feedparser into plain entries.

Addresses are ``http(s)://…`` or ``fixture:<file>`` (a feed shipped in ``news/fixtures`` for
the demo and the tests, which never use the network).
"""

from __future__ import annotations

import calendar
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser

from .constants import FEED_MAX_BYTES, FEED_MAX_ENTRIES, FEED_TIMEOUT_SECONDS

FIXTURES = Path(__file__).resolve().parent / "fixtures"


class FeedError(Exception):
    """A feed could not be read (network, size, format): recorded on the feed, never raised
    to a page."""


@dataclass(frozen=True)
class Fetched:
    content: bytes | None  # None: not modified since the last fetch
    etag: str = ""
    modified: str = ""


@dataclass(frozen=True)
class Entry:
    entry_id: str
    link: str
    title: str
    summary_html: str
    body_html: str
    published: datetime | None
    tags: list[str]


def url_check(url: str) -> str | None:
    """None when the address is usable, else a Chinese reason."""
    url = (url or "").strip()
    if url.startswith("fixture:"):
        name = url.removeprefix("fixture:")
        if not name or "/" in name or "\\" in name or name.startswith(".") or not (FIXTURES / name).is_file():
            return "找不到该样例订阅源"
        return None
    if not (url.startswith("https://") or url.startswith("http://")) or len(url) > 500 or " " in url:
        return "请填写以 http:// 或 https:// 开头的订阅源地址（RSS 或 Atom）"
    return None


def fetch(url: str, *, etag: str = "", modified: str = "") -> Fetched:
    """The feed's bytes (``content`` None when the server says nothing changed)."""
    problem = url_check(url)
    if problem:
        raise FeedError(problem)
    if url.startswith("fixture:"):
        return Fetched((FIXTURES / url.removeprefix("fixture:")).read_bytes())
    headers = {"User-Agent": "OneWindow-news/1.0", "Accept": "application/rss+xml, application/atom+xml, */*"}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (scheme checked above)
    try:
        with urllib.request.urlopen(request, timeout=FEED_TIMEOUT_SECONDS) as response:  # noqa: S310
            content = response.read(FEED_MAX_BYTES + 1)
            if len(content) > FEED_MAX_BYTES:
                raise FeedError("订阅源内容超过 2 MB")
            return Fetched(content, response.headers.get("ETag", "")[:200],
                           response.headers.get("Last-Modified", "")[:100])
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None, etag, modified)
        raise FeedError(f"订阅源返回 HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FeedError(f"无法连接订阅源：{str(exc)[:120]}") from exc


def _when(parsed: Any) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def parse(content: bytes) -> list[Entry]:
    """The entries of an RSS or Atom document (at most ``FEED_MAX_ENTRIES``); a document that
    is not a feed raises ``FeedError``."""
    doc = feedparser.parse(content)
    if doc.get("bozo") and not doc.get("entries"):
        raise FeedError("订阅源格式无法识别（需要 RSS 或 Atom）")
    entries: list[Entry] = []
    for raw in doc.get("entries", [])[:FEED_MAX_ENTRIES]:
        title = str(raw.get("title", "")).strip()
        if not title:
            continue
        content_html = ""
        if raw.get("content"):
            content_html = str(raw["content"][0].get("value", ""))
        entries.append(Entry(
            entry_id=str(raw.get("id", ""))[:500],
            link=str(raw.get("link", ""))[:500],
            title=title,
            summary_html=str(raw.get("summary", "")),
            body_html=content_html or str(raw.get("summary", "")),
            published=_when(raw.get("published_parsed") or raw.get("updated_parsed")),
            tags=[str(t.get("term", "")) for t in raw.get("tags", []) if t.get("term")],
        ))
    return entries
