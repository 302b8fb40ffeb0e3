"""A bounded crawl of what a signed-in person can reach, checking every page on a phone.

On each page: the HTTP status (no 5xx), no horizontal scroll at the viewport width (the
document, not an element that scrolls on purpose), no Content-Security-Policy violation in the
console, and no serious or critical axe-core violation (axe-core 4.10, vendored beside this
file: no CDN). Used by ``test_crawl_browser.py`` and runnable by hand against a server::

    python -m onewindow.portal.tests.crawl http://127.0.0.1:8000 citizen OneWindow@2026
"""

from __future__ import annotations

import re
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

AXE = Path(__file__).with_name("vendor") / "axe.min.js"

#: Paths never followed: they act (sign out, downloads, exports) or are not pages.
SKIP = re.compile(
    r"^/(accounts/logout|kiosk/.+/(logout|signout)|admin/|api/|static/|media/)"
    r"|\.(pdf|xlsx|csv|json|zip|png|jpg|geojson)$|/pdf$|/download|/export|/excel|/file(/|$)"
    r"|/screen/|/live|/logout|/signout|/sign-out|/ws/"
)


@dataclass
class PageReport:
    path: str
    status: int
    overflow: int = 0  # px the page is wider than the viewport
    csp: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status < 500 and self.overflow <= 1 and not self.csp and not self.axe

    def __str__(self) -> str:
        parts = [f"{self.path} [{self.status}]"]
        if self.overflow > 1:
            parts.append(f"{self.overflow}px too wide")
        parts += [f"CSP: {c[:160]}" for c in self.csp]
        parts += [f"axe: {a}" for a in self.axe]
        return " · ".join(parts)


_OVERFLOW_JS = """() => {
  const doc = document.documentElement;
  return Math.max(doc.scrollWidth, document.body ? document.body.scrollWidth : 0) - window.innerWidth;
}"""

_AXE_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations'],
      runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
      .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


_AXE_SOURCE: list[str] = []


def _axe_source() -> str:
    if not _AXE_SOURCE:
        _AXE_SOURCE.append(AXE.read_text(encoding="utf-8") + "\n;0")
    return _AXE_SOURCE[0]


def page_check(page: Any, path: str, *, axe: bool = True) -> PageReport:
    """Open ``path`` in ``page`` and check it."""
    errors: list[str] = []

    def listen(msg: Any) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page.on("console", listen)
    try:
        response = page.goto(path, wait_until="load")
        status = response.status if response is not None else 0
        page.wait_for_timeout(150)  # late scripts (htmx, charts) settle
        report = PageReport(path=path, status=status)
        report.overflow = int(page.evaluate(_OVERFLOW_JS))
        if axe and "html" in (response.headers.get("content-type", "") if response else ""):
            # evaluated through the DevTools protocol: the page's CSP does not apply to it
            page.evaluate(_axe_source())
            report.axe = list(page.evaluate(_AXE_JS))
    finally:
        page.remove_listener("console", listen)
    report.csp = [e for e in errors if "Content Security Policy" in e]
    return report


def links_of(page: Any, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    found: list[str] = []
    for href in hrefs:
        url, _ = urldefrag(href)
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != origin:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if SKIP.search(parts.path) or "page=" in parts.query:
            continue
        found.append(path)
    return found


def _shape(path: str) -> str:
    """Pages of one kind share a shape (ids replaced): visit a few of each, not all."""
    shape = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", path)
    shape = re.sub(r"\d+", "<n>", shape)
    return shape.split("?")[0]


def crawl(page: Any, origin: str, *, start: list[str], limit: int = 30, per_shape: int = 2,
          axe: bool = True) -> list[PageReport]:
    """Breadth-first from ``start``: at most ``limit`` pages and ``per_shape`` per kind."""
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    queue = deque(start)
    reports: list[PageReport] = []
    while queue and len(reports) < limit:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        shape = _shape(path)
        if shapes.get(shape, 0) >= per_shape:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        report = page_check(page, path, axe=axe)
        reports.append(report)
        final = urlsplit(page.url)
        if report.status < 400 and f"{final.scheme}://{final.netloc}" == origin:
            seen.add(final.path + (f"?{final.query}" if final.query else ""))
            queue.extend(p for p in links_of(page, origin) if p not in seen)
    return reports


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")


def main(argv: list[str]) -> int:  # pragma: no cover - a tool for people
    from playwright.sync_api import sync_playwright

    origin, users, password = argv[1], argv[2].split(","), argv[3]
    width = int(argv[4]) if len(argv) > 4 else 360
    limit = int(argv[5]) if len(argv) > 5 else 30
    bad = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for user in users:
            context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 780},
                                          base_url=origin)
            page = context.new_page()
            page.set_default_timeout(30_000)
            if user != "-":
                sign_in(page, user, password)
            for report in crawl(page, origin, start=["/"], limit=limit):
                if not report.ok:
                    bad += 1
                print(("OK  " if report.ok else "BAD ") + user + " " + str(report), flush=True)
            context.close()
        browser.close()
    return 1 if bad else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
