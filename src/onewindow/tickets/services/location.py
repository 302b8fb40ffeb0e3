"""Where a ticket is (region and place from coordinates or the address), its time limit and deadline,
and its number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from onewindow.core.errors import ValidationFailed
from onewindow.core.selectors import work_calendar
from onewindow.regions.models import Region

from .. import constants as c
from .. import rules, selectors
from ..models import (
    HotlineConfig,
    Ticket,
    TicketCounter,
)


# --- Regions and deadlines --------------------------------------------------------------------
def _district_root() -> Region | None:
    from django.conf import settings

    return selectors.region_by_code(settings.ONEWINDOW_DISTRICT_CODE)


def region_resolve(*, lng: float | None, lat: float | None, region: Region | None) -> Region | None:
    """The deepest region of a point (point-in-polygon), else the given one, else the district."""
    if (lng is None) != (lat is None):
        msg = "经度和纬度须同时填写"
        raise ValidationFailed(msg, code="coordinates_incomplete", fields={"lng": msg, "lat": msg})
    if lng is not None and lat is not None:
        from onewindow.regions.selectors import region_locate

        located = region_locate(lng=lng, lat=lat)
        if located is not None:
            return located
    return region or _district_root()


@dataclass(frozen=True)
class Location:
    """Where a request is, as intake found it."""

    region: Region | None
    lng: float | None
    lat: float | None
    place_id: int | None = None
    place_name: str = ""
    source: str = c.LocationSource.NONE


def _text_place_kinds() -> tuple[str, ...]:
    # in the request's own words only a named, specific place counts (not "某某路")
    return ("community", "grid", "residence", "poi", "address")


def location_resolve(*, address: str = "", lng: float | None = None, lat: float | None = None,
                     region: Region | None = None, text: str = "") -> Location:
    """Where a request is, from what intake has, most trusted first:

    1. a point (the operator's map pick, an app's GPS): its deepest region by polygon; the
       address still names the place when it lies there;
    2. the address, resolved against the gazetteer (regions.selectors.address_resolve): the
       place, its region (a grid when its point lies in one) and its point;
    3. a region the caller gives (kept when the address says something else);
    4. a named place in the request's own words ("我住在银海畅园…");
    5. else the district, unlocated.
    """
    from onewindow.regions.selectors import address_resolve, gazetteer_index

    if (lng is None) != (lat is None):
        msg = "经度和纬度须同时填写"
        raise ValidationFailed(msg, code="coordinates_incomplete", fields={"lng": msg, "lat": msg})
    index = gazetteer_index()
    found = address_resolve(text=address, index=index) if (address or "").strip() else None
    if lng is not None and lat is not None:
        located = region_resolve(lng=lng, lat=lat, region=region)
        place_id, name = None, ""
        if found is not None and found.region is not None and located is not None and not found.ambiguous \
                and (found.region.path.startswith(located.path) or located.path.startswith(found.region.path)):
            place_id, name = found.place_id, found.place_name
        return Location(located, lng, lat, place_id, name, c.LocationSource.POINT)
    if found is not None and found.region is not None and (
            region is None or found.region.path.startswith(region.path) or region.path.startswith(found.region.path)):
        deeper = region if region is not None and region.path.startswith(found.region.path) else found.region
        return Location(deeper, found.lng, found.lat, found.place_id, found.place_name, c.LocationSource.ADDRESS)
    if region is not None:
        return Location(region, None, None, None, "", c.LocationSource.REGION)
    if (text or "").strip():
        named = address_resolve(text=text, index=index)
        if named is not None and named.region is not None and not named.ambiguous \
                and named.place_kind in _text_place_kinds():
            return Location(named.region, named.lng, named.lat, named.place_id, named.place_name,
                            c.LocationSource.TEXT)
    return Location(_district_root(), None, None)


def _limit_for(ticket: Ticket, *, requested: str | None = None) -> tuple[str, rules.TimeLimit]:
    limit_class = rules.limit_class_for(
        urgency=ticket.urgency, category_class=selectors.category_limit_class(ticket.category),
        requested=requested)
    return limit_class, selectors.time_limits()[limit_class]


def _apply_deadline(ticket: Ticket, *, start: datetime, config: HotlineConfig,
                    requested: str | None = None) -> None:
    limit_class, limit = _limit_for(ticket, requested=requested)
    due = rules.deadline_compute(start=start, limit=limit, calendar=work_calendar(),
                                 warning_ratio=config.warning_ratio)
    ticket.limit_class = limit_class
    ticket.clock_started_at = start
    ticket.due_at = due.due_at
    ticket.warning_at = due.warning_at
    ticket.due_provisional = due.provisional
    ticket.warned = False
    ticket.overdue = False


def _next_number(day: Any) -> str:
    """The next number of the day: one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement
    (the same on SQLite and PostgreSQL). The row lock it takes serialises concurrent intakes
    until the caller's transaction ends; a rolled-back intake gives its number back."""
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    sql = (f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 (table name is ours)
           f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last")
    with connection.cursor() as cursor:
        cursor.execute(sql, [day])
        row = cursor.fetchone()
    return rules.ticket_number(day, int(row[0]))
