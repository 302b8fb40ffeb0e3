"""Page-number pagination for every API list, with bounds the database can hold.

django-ninja's own class takes any integer as ``page`` and ``page_size``: ``page=2**66`` makes
an offset no database integer can hold (an OverflowError, a 500). These bounds make such a
request a ``422 validation_failed`` naming the parameter; ``page_size`` above the list's maximum
is still cut to it (as before), but a number of eleven digits is refused.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as _NinjaPageNumberPagination
from ninja.pagination import paginate

#: The highest page number any list answers (a million pages of 100 rows is past every table).
MAX_PAGE = 1_000_000
#: The largest ``page_size`` a client may ask for; lists cut it further to their own maximum.
MAX_PAGE_SIZE_PARAM = 1000


class PageNumberPagination(_NinjaPageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码，从 1 开始")
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE_PARAM,
                                      description="每页条数（超过该列表上限时按上限返回）")


__all__ = ["MAX_PAGE", "PageNumberPagination", "paginate"]
