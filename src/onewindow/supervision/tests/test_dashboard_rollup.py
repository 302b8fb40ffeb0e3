"""The dashboard's region rollup answers exactly what the sums over the daily figures answer.

The reference functions below are the straightforward queries the dashboard used before the
rollup (every department × region row under the region's path); each figure of every region of
the test district, over several ranges, must come out the same from the rollup.
"""

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest
from django.db.models import Sum

from onewindow.accounts.tests.factories import DepartmentFactory
from onewindow.regions.models import Region
from onewindow.supervision import dashboard, rules
from onewindow.supervision.models import DailyFigure, DailyTop, RegionDailyFigure
from onewindow.supervision.services.figures import (
    COUNTERS,
    region_figures_rebuild,
    region_rollup,
    region_tops_rebuild,
)

pytestmark = pytest.mark.django_db

FIRST = date(2026, 10, 1)


def direct_sums(region, rng):
    rows = (DailyFigure.objects.filter(day__gte=rng.first, day__lte=rng.last, region_path__startswith=region.path)
            .values("source").annotate(**{f"s_{n}": Sum(n) for n in COUNTERS}))
    return {r["source"]: {n: int(r[f"s_{n}"] or 0) for n in COUNTERS} for r in rows}


def direct_children(region, rng):
    depth = dashboard.LEVEL_DEPTH.get(region.level, 1) + 1
    out = defaultdict(lambda: defaultdict(int))
    for r in (DailyFigure.objects.filter(day__gte=rng.first, day__lte=rng.last, region_path__startswith=region.path)
              .values("source", "region_path").annotate(n=Sum("received"))):
        path = rules.path_at_depth(r["region_path"] or "", depth)
        if path:
            out[path][r["source"]] += int(r["n"] or 0)
    return out


def direct_trend(region, rng):
    out = defaultdict(lambda: defaultdict(int))
    for r in (DailyFigure.objects.filter(day__gte=rng.first, day__lte=rng.last, region_path__startswith=region.path)
              .values("source", "day").annotate(n=Sum("received"), f=Sum("finished"))):
        out[r["day"].strftime("%Y-%m")][r["source"]] += int(r["n"] or 0)
        out[r["day"].strftime("%Y-%m")][f"{r['source']}_finished"] += int(r["f"] or 0)
    return [{"month": m, "cases": v.get("cases", 0), "tickets": v.get("tickets", 0), "hall": v.get("hall", 0),
             "grid": v.get("grid", 0), "care": v.get("care", 0), "cases_finished": v.get("cases_finished", 0),
             "tickets_finished": v.get("tickets_finished", 0)} for m, v in sorted(out.items())]


def direct_hall(region, rng):
    rows = (DailyFigure.objects.filter(source="hall", day__gte=rng.first, day__lte=rng.last,
                                       region_path__startswith=region.path)
            .values("day").annotate(w=Sum("wait_seconds"), n=Sum("waits"), t=Sum("received")).order_by("day"))
    return [{"day": r["day"], "taken": int(r["t"] or 0),
             "average_wait_minutes": round((r["w"] or 0) / r["n"] / 60, 1) if r["n"] else None} for r in rows]


def direct_top(region, rng, kind, limit=10):
    rows = (DailyTop.objects.filter(kind=kind, day__gte=rng.first, day__lte=rng.last,
                                    region_path__startswith=region.path)
            .values("key", "label").annotate(n=Sum("n")).order_by("-n", "label")[:limit])
    return [{"key": r["key"], "label": r["label"], "n": int(r["n"] or 0)} for r in rows]


@pytest.fixture
def figures(district):
    """Daily figures of 60 days, 3 departments, records at every depth (and some without a
    region), for every source; then the rollup, as the refresh builds it."""
    rnd = random.Random(14)
    depts = [DepartmentFactory(code=f"R{i}", name=f"部门{i}", region=district.district) for i in range(3)]
    paths = [r.path for r in Region.objects.all()] + ["", district.grid_a1.path, district.community_a1.path]
    rows = []
    for offset in range(60):
        for source in ("cases", "tickets", "hall", "grid"):
            for _ in range(rnd.randint(0, 6)):
                rows.append(DailyFigure(day=FIRST + timedelta(days=offset), source=source,
                                        department=rnd.choice([*depts, None]), region_path=rnd.choice(paths),
                                        **{n: rnd.randint(0, 40) for n in COUNTERS}))
    DailyFigure.objects.bulk_create(rows)
    tops = []
    for offset in range(60):
        for kind in ("item", "category", "place"):
            for _ in range(rnd.randint(0, 8)):
                key = rnd.randint(1, 15)
                tops.append(DailyTop(day=FIRST + timedelta(days=offset), kind=kind, key=str(key), label=f"{kind}{key}",
                                     region_path=rnd.choice(paths), n=rnd.randint(1, 9)))
    DailyTop.objects.bulk_create(tops)
    region_tops_rebuild(first=FIRST, last=FIRST + timedelta(days=59))
    for source in ("cases", "tickets", "hall", "grid"):
        region_figures_rebuild(source=source, first=FIRST, last=FIRST + timedelta(days=59))
    return district


RANGES = [(FIRST, FIRST + timedelta(days=59)), (FIRST + timedelta(days=5), FIRST + timedelta(days=35)),
          (FIRST + timedelta(days=40), FIRST + timedelta(days=40))]


def test_every_region_and_range_gives_the_same_figures_from_the_rollup(figures):
    regions = list(Region.objects.all())
    assert len(regions) == 7
    for first, last in RANGES:
        rng = dashboard.Range(first, last)
        for region in regions:
            assert dashboard.sums(region=region, rng=rng) == direct_sums(region, rng), (region.code, first)
            kids = dashboard.children(region=region, rng=rng)
            expected = direct_children(region, rng)
            field = {"cases": "cases", "tickets": "tickets", "grid": "grid_events", "hall": "hall_taken"}
            for kid in kids:
                path = Region.objects.get(code=kid["code"]).path
                assert {f: kid[f] for f in field.values()} == {
                    f: expected[path].get(s, 0) for s, f in field.items()}, (region.code, kid["code"])
            assert dashboard.trend(region=region, rng=rng) == direct_trend(region, rng), region.code
            assert dashboard.hall_waits(region=region, rng=rng) == direct_hall(region, rng)
            assert [f["value"] for f in dashboard.headline(region=region, rng=rng)]
            for kind in ("item", "category", "place"):
                for limit in (3, 10):
                    assert dashboard.top(region=region, rng=rng, kind=kind, limit=limit) == \
                        direct_top(region, rng, kind, limit), (region.code, kind, limit)


def test_the_district_headline_is_not_zero_and_rows_stay_few(figures):
    rng = dashboard.Range(*RANGES[0])
    total = sum(v["received"] for v in direct_sums(figures.district, rng).values())
    assert total > 0
    assert sum(v["received"] for v in dashboard.sums(region=figures.district, rng=rng).values()) == total
    # one rollup row per day × source × region at most
    assert RegionDailyFigure.objects.count() <= 60 * 4 * Region.objects.count()


def test_a_second_rebuild_replaces_the_window_and_a_path_counts_at_each_ancestor():
    rows = [{"day": FIRST, "region_path": "/d/s/c/", **dict.fromkeys(COUNTERS, 1)},
            {"day": FIRST, "region_path": "/d/s2/", **dict.fromkeys(COUNTERS, 2)}]
    out = region_rollup(rows)
    assert out[(FIRST, 1, "/d/")]["received"] == 3
    assert out[(FIRST, 2, "/d/s/")]["received"] == 1 and out[(FIRST, 3, "/d/s/c/")]["received"] == 1
    assert out[(FIRST, 2, "/d/s2/")]["wait_seconds"] == 2
    assert len(out) == 4


def test_rebuilding_twice_adds_nothing(figures):
    before = RegionDailyFigure.objects.count()
    region_figures_rebuild(source="cases", first=FIRST, last=FIRST + timedelta(days=59))
    assert RegionDailyFigure.objects.count() == before
