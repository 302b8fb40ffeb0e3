from __future__ import annotations

from django.db import models

from onewindow.core.models import BaseModel

from .constants import RegionLevel


class Region(BaseModel):
    """A node of district → street → community → grid.

    ``code`` is the 12-digit statistical division code (grids: the community code plus a
    3-digit suffix). ``path`` is the materialised path of codes from the district down
    ("/530103000000/530103001000/"), so "everything in this street" is one indexed prefix
    match. ``geometry`` is an optional GeoJSON (Multi)Polygon in WGS-84; the bounding box
    columns let point lookups skip most polygons without parsing them.
    """

    code = models.CharField(max_length=15, unique=True)
    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10, choices=RegionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    path = models.CharField(max_length=80, unique=True)
    geometry = models.JSONField(null=True, blank=True)
    min_lng = models.FloatField(null=True, blank=True)
    min_lat = models.FloatField(null=True, blank=True)
    max_lng = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "区划"
        verbose_name_plural = "区划"
        indexes = [
            models.Index(fields=["path"], name="region_path_idx",
                         opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["min_lng", "max_lng", "min_lat", "max_lat"],
                         name="region_bbox_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)
