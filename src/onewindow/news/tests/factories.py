"""News factories: a published item of a department, straight into the table (for reads)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.news import rules
from onewindow.news.constants import NewsKind, NewsStatus
from onewindow.news.models import NewsItem


def news_make(*, department: Department, title: str = "测试新闻标题", kind: str = NewsKind.NEWS,
              status: str = NewsStatus.PUBLISHED, published_at: datetime | None = None, **kwargs: Any) -> NewsItem:
    published_at = published_at or (timezone.now() if status == NewsStatus.PUBLISHED else None)
    return NewsItem.objects.create(
        department=department, region=department.region, region_path=department.region.path, kind=kind,
        title=title, body=kwargs.pop("body", "正文内容。"), status=status, published_at=published_at,
        title_key=rules.title_key(title), **kwargs)
