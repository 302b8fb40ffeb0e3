"""Periodic jobs of the news module (run by ``manage.py timer``)."""

from __future__ import annotations

from onewindow.core.timer import periodic

from . import constants as c
from . import services


@periodic("news.feeds_fetch", every=c.FEED_EVERY_SECONDS)
def news_feeds_fetch() -> dict[str, int]:
    return services.feeds_fetch_due()


@periodic("news.schedule", every=60)
def news_schedule() -> dict[str, int]:
    return services.news_schedule_run()
