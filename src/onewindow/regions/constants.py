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
AUDIT_PLACE_CHANGE = "region.place"


class PlaceKind(models.TextChoices):
    """What a gazetteer entry (地名地址) names."""

    DISTRICT = "district", "区县"
    STREET = "street", "街道/镇"
    COMMUNITY = "community", "社区/村"
    GRID = "grid", "网格"
    ROAD = "road", "道路/街巷"
    RESIDENCE = "residence", "小区/楼院"
    POI = "poi", "地标/单位"
    ADDRESS = "address", "门牌地址"


#: Places made from the region tree itself carry this source (see gazetteer_sync_regions).
PLACE_SOURCE_REGIONS = "regions"
