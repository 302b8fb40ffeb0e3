"""One pagination shape for every list of the API.

``{count, page, page_size, next, previous, items}``: ``page`` from 1 to MAX_PAGE, ``page_size``
from 1 to MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE); ``next``/``previous`` are absolute links to
the neighbouring pages (null at the ends). Values outside the bounds answer 422. Lists that
change while a client walks them take ``updated_since`` (tickets and cases in their filters, the
others through ``SyncPagination``) so a client can sync by time instead of paging deep.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from pydantic import field_validator

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 10_000


class PageParams(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码，从 1 开始，最大 {MAX_PAGE}")
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE,
                           description=f"每页条数，默认 {DEFAULT_PAGE_SIZE}，最大 {MAX_PAGE_SIZE}")


def page_links(request: HttpRequest, *, page: int, page_size: int, count: int | None,
               has_next: bool | None = None) -> tuple[str | None, str | None]:
    """Absolute links to the next and previous pages (None at either end)."""

    def link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        query["page_size"] = str(page_size)
        return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")

    more = has_next if has_next is not None else (count is not None and page * page_size < count)
    return (link(page + 1) if more and page < MAX_PAGE else None), (link(page - 1) if page > 1 else None)


def page_body(request: HttpRequest, *, items: list[Any], count: int, page: int, page_size: int) -> dict[str, Any]:
    next_link, previous = page_links(request, page=page, page_size=page_size, count=count)
    return {"count": count, "page": page, "page_size": page_size, "next": next_link,
            "previous": previous, "items": items}


class OneWindowPagination(PaginationBase):
    """``@paginate(OneWindowPagination)`` on a list operation returning a queryset or list."""

    class Input(PageParams):
        pass

    class Output(Schema):
        count: int = Field(..., description="符合条件的总条数")
        page: int
        page_size: int
        next: str | None = Field(None, description="下一页的完整地址；最后一页为 null")
        previous: str | None = Field(None, description="上一页的完整地址；第一页为 null")
        items: list[Any]

    items_attribute = "items"

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest,
                          **params: Any) -> Any:
        size, page = pagination.page_size, pagination.page
        offset = (page - 1) * size
        count = self._items_count(queryset)
        items = list(queryset[offset:offset + size]) if offset < count else []
        return page_body(request, items=items, count=count, page=page, page_size=size)


class MappedRows:
    """A queryset the paginator counts and slices, each row converted for the response (so a
    list keeps its output function instead of teaching the schema about models). ``filter``
    reaches the queryset, so ``SyncPagination`` filters it in the database."""

    def __init__(self, qs: QuerySet[Any], convert: Callable[[Any], Any]) -> None:
        self.qs, self.convert = qs, convert

    def filter(self, *args: Any, **kwargs: Any) -> MappedRows:
        return MappedRows(self.qs.filter(*args, **kwargs), self.convert)

    def count(self) -> int:
        return int(self.qs.count())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[Any]:
        return [self.convert(row) for row in self.qs[item]]


#: Years an ``updated_since`` may name: the platform's records all lie in between.
SYNC_YEARS = (1990, 2200)


UPDATED_SINCE_DESCRIPTION = (f"只列出此时间（含）之后有变化的记录，用于增量同步（ISO 8601，建议带 +08:00；"
                             f"{SYNC_YEARS[0]}—{SYNC_YEARS[1]}年）")


def since_utc(value: datetime | None) -> datetime | None:
    """An ``updated_since`` checked before any query and turned to UTC. Refused (ValueError,
    answered 422 ``validation_failed`` naming the field) rather than by the database, whose
    error would end the transaction: years outside SYNC_YEARS and offsets it cannot store
    (e.g. +21:52, which UTC absorbs). A time without an offset is taken in Asia/Shanghai."""
    if value is None:
        return None
    if not SYNC_YEARS[0] <= value.year <= SYNC_YEARS[1]:
        raise ValueError(f"时间应在{SYNC_YEARS[0]}年至{SYNC_YEARS[1]}年之间")
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    value = value.astimezone(UTC)
    if not SYNC_YEARS[0] <= value.year <= SYNC_YEARS[1]:
        raise ValueError(f"时间应在{SYNC_YEARS[0]}年至{SYNC_YEARS[1]}年之间")
    return value


class UpdatedSinceFilter(Schema):
    """The change-feed filter for a list's query schema (inherit it): ``updated_since``, validated
    by :func:`since_utc`. Selectors compare it with ``updated_at`` (``>=``)."""

    updated_since: datetime | None = Field(None, description=UPDATED_SINCE_DESCRIPTION)

    @field_validator("updated_since")
    @classmethod
    def _in_range(cls, value: datetime | None) -> datetime | None:
        return since_utc(value)


class SyncPageParams(PageParams, UpdatedSinceFilter):
    pass


class SyncPagination(OneWindowPagination):
    """``OneWindowPagination`` plus ``updated_since``: only rows changed at or after that time
    (``updated_at``), so a client syncs by time instead of paging deep. For lists whose own
    filters do not already take it."""

    Input = SyncPageParams  # type: ignore[assignment]

    def paginate_queryset(self, queryset: Any, pagination: Any, request: HttpRequest,
                          **params: Any) -> Any:
        since = getattr(pagination, "updated_since", None)
        if since is not None:
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
            if isinstance(queryset, QuerySet | MappedRows):
                queryset = queryset.filter(updated_at__gte=since)
            else:
                queryset = [row for row in queryset if getattr(row, "updated_at", None) and row.updated_at >= since]
        return super().paginate_queryset(queryset, pagination, request, **params)
