"""One pagination shape for every list of the API.

``{count, page, page_size, next, previous, next_cursor, items}``: ``page`` from 1 to MAX_PAGE, ``page_size``
from 1 to MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE); ``next``/``previous`` are absolute links to
the neighbouring pages (null at the ends). Values outside the bounds answer 422. Lists that
change while a client walks them take ``updated_since`` (tickets and cases in their filters, the
others through ``SyncPagination``) so a client can sync by time instead of paging deep.

Lists where deep paging is common (tickets, cases, the audit trail, webhook deliveries) also walk
by **cursor** (``CursorPagination``, ``keyset_page``): ``cursor=*`` starts a walk, each answer's
``next_cursor`` (and ``next``) continues it. Rows then come in the list's keyset order (oldest
change first: ``(updated_at, id)``; the audit trail by ``seq``) whatever the list's own order, so
rows written during the walk come at its end and no row is skipped or repeated the way offset
pages shift. Cursors are signed (``django.core.signing``): a changed or foreign one answers 422
``cursor_invalid``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from pydantic import field_validator

from .errors import ValidationFailed

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


def page_body(request: HttpRequest, *, items: list[Any], count: int, page: int, page_size: int,
              exact: bool = True, has_next: bool | None = None) -> dict[str, Any]:
    """The one page shape, in ``OneWindowPagination.Output``'s key order (lists that answer
    pre-rendered JSON give the same bytes as the validated schema)."""
    next_link, previous = page_links(request, page=page, page_size=page_size, count=count, has_next=has_next)
    return {"count": count, "count_exact": exact, "page": page, "page_size": page_size, "next": next_link,
            "previous": previous, "next_cursor": None, "items": items}


# --- Bounded counts (ADR 0024) ---------------------------------------------------------------
#: Lists that can hold a million rows count at most this many (+1 to know there are more).
COUNT_CAP = 10_000
COUNT_DESCRIPTION = (f"符合条件的总条数。count_exact 为 true 时是精确总数；为 false 时总数多于 count"
                     f"（超过 {COUNT_CAP} 条的列表只计到 {COUNT_CAP}，界面显示为“1万+”）")
COUNT_EXACT_DESCRIPTION = (f"count 是否为精确总数。false：这一列表超过 {COUNT_CAP} 条（在不超过 "
                           f"ONEWINDOW_COUNT_MEMO_SECONDS 秒（默认 30 秒）前的计数中），count 为 {COUNT_CAP}；"
                           "翻页请以 next / has_next 为准，不要由 count 推算页数")
_over_cap: dict[Any, float] = {}
_OVER_CAP_MAX = 10_000  # keys remembered per process; a full memo is emptied, not evicted


def count_memo_seconds() -> float:
    from django.conf import settings

    return float(getattr(settings, "ONEWINDOW_COUNT_MEMO_SECONDS", 0))


def count_memo_clear() -> None:
    _over_cap.clear()


def bounded_count(qs: QuerySet[Any], *, cap: int | None = None, memo_key: Any = None) -> tuple[int, bool]:
    """``(count, exact)``: the exact number of rows up to ``cap``, else ``(cap, False)``.

    One ``SELECT COUNT(*) FROM (SELECT id … LIMIT cap + 1)``: it stops after ``cap + 1`` rows
    (an index-only scan where an index fits), so a list of 460,000 rows costs what one of
    10,001 does. A list found over the cap is remembered per process under ``memo_key`` (the
    list's filters and the caller's scope, hashable) for ``count_memo_seconds()`` and not
    counted again meanwhile: over the cap the answer is "more than ``cap``", which a few
    seconds do not change in practice, while a list under the cap is counted every time, so a
    small count is always exact (ADR 0024)."""
    cap = COUNT_CAP if cap is None else cap
    ttl = count_memo_seconds()
    if memo_key is not None and ttl > 0:
        seen = _over_cap.get(memo_key)
        if seen is not None and time.monotonic() - seen < ttl:
            return cap, False
    found = int(qs.order_by().values("pk")[: cap + 1].count())
    if found <= cap:
        if memo_key is not None:
            _over_cap.pop(memo_key, None)
        return found, True
    if memo_key is not None and ttl > 0:
        if len(_over_cap) >= _OVER_CAP_MAX:
            _over_cap.clear()
        _over_cap[memo_key] = time.monotonic()
    return cap, False


def page_count(*, page: int, page_size: int, rows: int, has_next: bool,
               count: Callable[[], tuple[int, bool]]) -> tuple[int, bool]:
    """The total a page answers with: from the page itself when it shows the list's end (no
    count query), else ``count()`` (a bounded count)."""
    if not has_next and (rows or page == 1):
        return (page - 1) * page_size + rows, True
    return count()


class BoundedPage:
    """A page of a browser list that counts with ``bounded_count``: what the templates need of
    Django's ``Page`` (``number``, ``has_next``, ``object_list`` …) plus ``count_exact``;
    ``num_pages`` is None when the total is not exact."""

    def __init__(self, *, object_list: list[Any], number: int, page_size: int, has_next: bool,
                 count: int, count_exact: bool) -> None:
        self.object_list, self.number, self.page_size = object_list, number, page_size
        self.has_next_page, self.count, self.count_exact = has_next, count, count_exact

    def has_next(self) -> bool:
        return self.has_next_page

    def has_previous(self) -> bool:
        return self.number > 1

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def num_pages(self) -> int | None:
        if not self.count_exact:
            return None
        return max(1, -(-self.count // self.page_size))

    def __iter__(self) -> Any:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


# --- Cursors (keyset pages) -----------------------------------------------------------------
CURSOR_START = "*"
CURSOR_SALT = "onewindow.pagination.cursor"
CURSOR_MAX_LENGTH = 400
NEXT_CURSOR_DESCRIPTION = ("继续游标翻页时作为 cursor 传入（仅在以 cursor 请求、且还有下一页时给出）；"
                           "游标不透明，请勿修改")


class CursorParams(Schema):
    cursor: str | None = Field(
        None, min_length=1, max_length=CURSOR_MAX_LENGTH,
        description="游标翻页：首次传 * ，之后传上一页的 next_cursor。按最后变化时间（旧在前）排列、只能向后翻，"
                    "翻页期间新写入的记录排在最后，不会漏读或重复；使用 cursor 时忽略 page 与列表的排序参数。")


def cursor_invalid() -> ValidationFailed:
    return ValidationFailed("翻页游标无效或已被修改，请以 cursor=* 从头开始", code="cursor_invalid",
                            fields={"cursor": "游标无效"}, status=422)


def _key_value(row: Any, key: str) -> Any:
    value = row.get(key) if isinstance(row, dict) else getattr(row, key)
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    if isinstance(value, int):
        return value
    raise TypeError(f"keyset field {key} must be a datetime or an integer")


def _key_parse(value: Any) -> Any:
    if isinstance(value, dict) and isinstance(value.get("t"), str):
        parsed = parse_datetime(value["t"])
        if parsed is not None and parsed.tzinfo is not None:
            return parsed
    elif isinstance(value, int) and not isinstance(value, bool):
        return value
    raise cursor_invalid()


def cursor_encode(*, path: str, page: int, keys: tuple[str, ...], row: Any) -> str:
    return signing.dumps({"l": path, "p": page, "k": [_key_value(row, key) for key in keys]},
                         salt=CURSOR_SALT, compress=True)


def cursor_decode(cursor: str, *, path: str, keys: tuple[str, ...]) -> tuple[int, list[Any]]:
    """(page number in the walk, keyset values of the last row read), or 422 ``cursor_invalid``
    for a cursor this server did not sign for this list."""
    try:
        state = signing.loads(cursor, salt=CURSOR_SALT)
    except (signing.BadSignature, ValueError, UnicodeError):
        raise cursor_invalid() from None
    if (not isinstance(state, dict) or state.get("l") != path or not isinstance(state.get("p"), int)
            or not isinstance(state.get("k"), list) or len(state["k"]) != len(keys)):
        raise cursor_invalid()
    page = state["p"]
    if not 2 <= page <= 10**9:
        raise cursor_invalid()
    return page, [_key_parse(value) for value in state["k"]]


def _after(keys: tuple[str, ...], values: list[Any]) -> Q:
    """Rows after ``values`` in the ascending order of ``keys`` (lexicographic)."""
    q = Q()
    for i, key in enumerate(keys):
        step = Q(**{f"{key}__gt": values[i]})
        for earlier, value in zip(keys[:i], values[:i], strict=True):
            step &= Q(**{earlier: value})
        q |= step
    return q


def keyset_source(rows: Any) -> tuple[QuerySet[Any], Callable[[list[Any]], list[Any]]]:
    """The queryset behind what a list operation returned and how to render a batch of it:
    a QuerySet, a MappedRows, or anything with ``keyset_source()``."""
    if hasattr(rows, "keyset_source"):
        return rows.keyset_source()  # type: ignore[no-any-return]
    if isinstance(rows, MappedRows):
        return rows.qs, lambda batch: [rows.convert(row) for row in batch]
    if isinstance(rows, QuerySet):
        return rows, lambda batch: batch
    raise TypeError("cursor pages need a queryset")


def keyset_page(request: HttpRequest, source: tuple[QuerySet[Any], Callable[[list[Any]], list[Any]]], *,
                cursor: str, page_size: int, keys: tuple[str, ...],
                count: Callable[[QuerySet[Any]], tuple[int, bool]] | None = None) -> dict[str, Any]:
    """One page of a cursor walk (see the module's docstring): the one page shape, ``previous``
    null, ``next`` and ``next_cursor`` continuing the walk while rows remain. ``count`` counts
    every row of the list (not only those after the cursor), as ``(count, exact)``."""
    qs, render = source
    if cursor == CURSOR_START:
        page, values = 1, None
    else:
        page, values = cursor_decode(cursor, path=request.path, keys=keys)
    walk = qs.order_by(*keys)
    if values is not None:
        walk = walk.filter(_after(keys, values))
    rows = list(walk[:page_size + 1])
    more, rows = len(rows) > page_size, rows[:page_size]
    next_cursor = cursor_encode(path=request.path, page=page + 1, keys=keys, row=rows[-1]) if more else None
    next_link = None
    if next_cursor:
        query = request.GET.copy()
        query.pop("page", None)
        query["cursor"], query["page_size"] = next_cursor, str(page_size)
        next_link = request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")
    total, exact = count(qs) if count is not None else (qs.order_by().count(), True)
    return {"count": total, "count_exact": exact, "page": page, "page_size": page_size, "next": next_link,
            "previous": None, "next_cursor": next_cursor, "items": render(rows)}


class OneWindowPagination(PaginationBase):
    """``@paginate(OneWindowPagination)`` on a list operation returning a queryset or list."""

    class Input(PageParams):
        pass

    class Output(Schema):
        count: int = Field(..., description=COUNT_DESCRIPTION)
        count_exact: bool = Field(..., description=COUNT_EXACT_DESCRIPTION)
        page: int
        page_size: int
        next: str | None = Field(None, description="下一页的完整地址；最后一页为 null")
        previous: str | None = Field(None, description="上一页的完整地址；第一页为 null")
        next_cursor: str | None = Field(None, description=NEXT_CURSOR_DESCRIPTION)
        items: list[Any]

    items_attribute = "items"
    #: Fields of the keyset a cursor walk orders by (ascending, the last one unique); None: no cursors.
    cursor_keys: tuple[str, ...] | None = None

    def paginate_queryset(self, queryset: Any, pagination: Input, request: HttpRequest,
                          **params: Any) -> Any:
        size, page = pagination.page_size, pagination.page
        cursor = getattr(pagination, "cursor", None)
        if cursor and self.cursor_keys:
            return keyset_page(request, keyset_source(queryset), cursor=cursor, page_size=size,
                               keys=self.cursor_keys)
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


class CursorPageParams(PageParams, CursorParams):
    pass


class SyncCursorPageParams(SyncPageParams, CursorParams):
    pass


class CursorPagination(OneWindowPagination):
    """``OneWindowPagination`` plus ``cursor`` (keyset on ``(updated_at, id)``; subclasses may
    name other ``cursor_keys``)."""

    Input = CursorPageParams  # type: ignore[assignment]
    cursor_keys: tuple[str, ...] | None = ("updated_at", "id")


class SyncCursorPagination(SyncPagination):
    """``SyncPagination`` plus ``cursor``: sync by time, then walk the changes by cursor."""

    Input = SyncCursorPageParams  # type: ignore[assignment]
    cursor_keys: tuple[str, ...] | None = ("updated_at", "id")
