"""Grid fixtures: the district of the root conftest, grid workers at three levels, the hotline."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onewindow.accounts.constants import DepartmentKind, Role
from onewindow.accounts.models import Department, Staff
from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
from onewindow.cases.tests.conftest import world  # noqa: F401  (fixtures)
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region
from onewindow.regions.tests.factories import region_make, square
from onewindow.tickets.tests.conftest import classifier, hotline  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@dataclass
class Grids:
    grid: Region  # 拓东社区第1网格 (polygon 102.70-102.7125, 25.00-25.0125)
    grid2: Region  # 拓东社区第2网格
    other: Region  # 鼓楼社区第1网格 (another street)
    committee: Department
    worker: Staff
    worker2: Staff
    leader: Staff  # 拓东社区网格长
    street: Staff  # 拓东街道网格化服务管理中心
    other_worker: Staff
    reviewer: Staff  # a bureau: sees no grid data
    supervisor: Staff


@pytest.fixture
def grids(district, supervisor) -> Grids:  # type: ignore[no-untyped-def]
    grid2 = region_make("530103001001002", "拓东社区第2网格", RegionLevel.GRID, district.community_a1,
                        square(102.7125, 25.00, 0.0125))
    other = region_make("530103002001001", "鼓楼社区第1网格", RegionLevel.GRID, district.community_b1,
                        square(102.75, 25.00, 0.05))
    committee = DepartmentFactory(code="530103001001-JWH", name="拓东社区居民委员会", region=district.community_a1,
                                  kind=DepartmentKind.COMMUNITY_COMMITTEE)
    bureau = DepartmentFactory(code="530103-MZJ", name="盘龙区民政局", region=district.district)
    return Grids(
        grid=district.grid_a1, grid2=grid2, other=other, committee=committee,
        worker=staff_make(username="wg1", region=district.grid_a1, roles=[Role.GRID_WORKER],
                          departments=[committee], name="马强"),
        worker2=staff_make(username="wg2", region=grid2, roles=[Role.GRID_WORKER], departments=[committee],
                           name="网格员二"),
        leader=staff_make(username="wgz", region=district.community_a1, roles=[Role.GRID_WORKER],
                          departments=[committee], name="社区网格长"),
        street=staff_make(username="jdwg", region=district.street_a, roles=[Role.GRID_WORKER], name="街道网格中心"),
        other_worker=staff_make(username="wg_other", region=other, roles=[Role.GRID_WORKER], name="鼓楼网格员"),
        reviewer=staff_make(username="mzj", region=district.district, roles=[Role.DEPT_REVIEWER],
                            departments=[bureau], name="民政局审批员"),
        supervisor=supervisor,
    )
