from __future__ import annotations

from django.db import models

from onewindow.core.models import BaseModel

from .constants import PlaceKind, RegionLevel


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


class Place(BaseModel):
    """A named place of the gazetteer (地名地址库): a street, community or grid of the tree, a
    road, a residential compound, a landmark or a known door address, with its aliases and a
    point. Ticket addresses (and anything else typed by people) are resolved against it.

    Places are written through ``regions.services.place_upsert`` by whoever knows them: the
    region tree itself (``gazetteer_sync_regions``), the demo, an import, or other modules (the
    grid's houses), each under its own ``source`` and a ``source_ref`` unique within it.
    """

    name = models.CharField("名称", max_length=100, db_index=True)
    kind = models.CharField("类型", max_length=10, choices=PlaceKind.choices)
    aliases = models.JSONField("别名", default=list, blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="places",
                               verbose_name="所在区划", help_text="包含该地点的最深一级区划")
    region_path = models.CharField(max_length=80)
    lng = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    source = models.CharField("来源", max_length=20)
    source_ref = models.CharField("来源编号", max_length=64)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["region_path", "name"]
        verbose_name = "地名地址"
        verbose_name_plural = "地名地址"
        constraints = [models.UniqueConstraint(fields=["source", "source_ref"], name="uniq_place_source_ref")]
        indexes = [models.Index(fields=["region_path"], name="place_region_path_idx",
                                opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.name
