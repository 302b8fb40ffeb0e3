"""Factories for grid tests: buildings, houses, households, tiny images."""

from __future__ import annotations

import io
import itertools
from typing import Any

from onewindow.accounts.models import Person
from onewindow.accounts.tests.factories import make_id_number
from onewindow.cases.tests.factories import person_make
from onewindow.grid import services
from onewindow.grid.constants import Relation, ResidenceType
from onewindow.grid.models import Building, House, Household
from onewindow.regions.models import Region

_seq = itertools.count(500)


def png_bytes(size: tuple[int, int] = (8, 6), colour: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (8, 6)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format="JPEG")
    return buffer.getvalue()


def resident_person(*, region: Region, born: str = "19800101", name: str = "", **kwargs: Any) -> Person:
    from onewindow.accounts.rules import id_number_parse

    n = next(_seq)
    number = kwargs.pop("id_number", None) or make_id_number(n % 1000, born=born)
    facts = id_number_parse(number)
    return person_make(name=name or f"居民{n}", region=region, seq=n, id_number=number,
                       birth_date=facts.birth_date, gender=facts.gender, **kwargs)


def building_make(grid: Region, *, name: str = "拓东路18号3栋", lng: float | None = None,
                  lat: float | None = None) -> Building:
    return services.building_create(actor=None, grid=grid, name=name, address=f"昆明市盘龙区{name}", lng=lng, lat=lat)


def house_make(grid: Region, *, building: Building | None = None, unit: str = "2", room: str = "501",
               **kwargs: Any) -> House:
    building = building or building_make(grid)
    return services.house_create(actor=None, building=building, unit=unit, room=room, **kwargs)


def household_make(grid: Region, *, house: House | None = None, members: list[tuple[Person, str, str]] | None = None,
                   **kwargs: Any) -> Household:
    house = house or house_make(grid)
    if members is None:
        members = [(resident_person(region=grid), Relation.HEAD, ResidenceType.REGISTERED)]
    return services.household_create(actor=None, house=house, members=[
        services.MemberIn(person=p, relation=r, residence_type=t, **kwargs) for p, r, t in members])
