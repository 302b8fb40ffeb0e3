"""Sections that higher apps add to an item's public guide (常见问题 from consultation, …).

Catalog never imports them: an app registers a function in its ``AppConfig.ready`` that takes
the published version and the request and returns HTML (rendered from its own template) or "".
A panel that fails is left out (logged): the guide itself must always open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

GuidePanel = Callable[[Any, Any], str]
_panels: dict[str, tuple[int, GuidePanel]] = {}


def guide_panel_register(key: str, func: GuidePanel, *, order: int = 100) -> None:
    _panels[key] = (order, func)


def guide_panels(*, version: Any, request: Any) -> list[SafeString]:
    out: list[SafeString] = []
    for key, (_order, func) in sorted(_panels.items(), key=lambda kv: (kv[1][0], kv[0])):
        try:
            html = func(version, request)
        except Exception:  # a panel never breaks the guide
            logger.warning("guide panel %s failed", key, exc_info=True)
            continue
        if html:
            out.append(mark_safe(html))  # noqa: S308  (rendered by the registering app's template)
    return out
