from __future__ import annotations

import factory

from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region


def square(lng: float, lat: float, size: float) -> dict:
    """A GeoJSON polygon: the square with south-west corner (lng, lat)."""
    return {"type": "Polygon", "coordinates": [[
        [lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat],
    ]]}


def region_make(code: str, name: str, level: str, parent: Region | None = None,
                geometry: dict | None = None) -> Region:
    path = (parent.path if parent else "/") + code + "/"
    bbox: dict[str, float | None] = {}
    if geometry:
        ring = geometry["coordinates"][0]
        bbox = {"min_lng": min(p[0] for p in ring), "max_lng": max(p[0] for p in ring),
                "min_lat": min(p[1] for p in ring), "max_lat": max(p[1] for p in ring)}
    return Region.objects.create(code=code, name=name, level=level, parent=parent, path=path,
                                 geometry=geometry, **bbox)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    code = factory.Sequence(lambda n: f"9{n:011d}")
    name = factory.Sequence(lambda n: f"区划{n}")
    level = RegionLevel.DISTRICT
    path = factory.LazyAttribute(lambda o: f"/{o.code}/")
