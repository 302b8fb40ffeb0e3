from django.db import models


class RegionLevel(models.TextChoices):
    DISTRICT = "district", "区"
    STREET = "street", "街道/镇"
    COMMUNITY = "community", "社区/村"
    GRID = "grid", "网格"


LEVEL_DEPTH = {
    RegionLevel.DISTRICT: 0,
    RegionLevel.STREET: 1,
    RegionLevel.COMMUNITY: 2,
    RegionLevel.GRID: 3,
}
PATH_SEPARATOR = "/"

# Actions (audit entry codes) of this app.
AUDIT_REGION_IMPORT = "region.import"
