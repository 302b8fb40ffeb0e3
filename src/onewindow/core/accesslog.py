"""The web server's access log without personal data.

gunicorn writes one line per request with the address and its query string; an ID or mobile
number typed into a search would land there in full. ``MaskingGunicornLogger`` (set as
``logger_class`` in gunicorn.conf.py) puts the application's ``PersonalDataLogFilter`` on every
handler of gunicorn's access and error logs. The filter sits on the handlers, not on a logger,
so it also masks the lines the uvicorn worker class writes through those handlers
(``uvicorn.access`` shares them), whatever the access log format.
"""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.glogging import Logger

from .masking import PersonalDataLogFilter, mask_text


def _mask_handlers(log: logging.Logger) -> None:
    for handler in log.handlers:
        if not any(isinstance(f, PersonalDataLogFilter) for f in handler.filters):
            handler.addFilter(PersonalDataLogFilter())


class MaskingGunicornLogger(Logger):  # type: ignore[misc]
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        _mask_handlers(self.access_log)
        _mask_handlers(self.error_log)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        """Every text atom masked, so that a custom format or handler sees no number in full."""
        return {key: mask_text(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}
