"""Demo data of the regions app: the platform's district with its streets, communities, grids."""

from __future__ import annotations

from django.conf import settings

from .constants import RegionLevel
from .models import Region
from .services import FIXTURE_CSV, region_csv_default, regions_import_csv


def regions_demo_load(*, small: bool = False) -> dict[str, int]:
    """Load the district of ``ONEWINDOW_DISTRICT_CODE`` (idempotent).

    Uses the shared hierarchy file when it is there, else (or with ``small``) the sample shipped
    in ``regions/fixtures``. Returns the number of regions per level in the district.
    """
    source = FIXTURE_CSV if small else region_csv_default()
    result = regions_import_csv(path=source, district_code=settings.ONEWINDOW_DISTRICT_CODE)
    in_district = Region.objects.filter(path__startswith=result.district.path)
    return {
        "区县": in_district.filter(level=RegionLevel.DISTRICT).count(),
        "街道": in_district.filter(level=RegionLevel.STREET).count(),
        "社区/村": in_district.filter(level=RegionLevel.COMMUNITY).count(),
        "网格": in_district.filter(level=RegionLevel.GRID).count(),
        "本次新建区划": sum(result.created.values()),
    }
