"""Benchmark of the catalogue search at 10,000 items.

    .venv/bin/python bench/bench_catalog_search.py            # SQLite (temporary file)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_bench .venv/bin/python \
        bench/bench_catalog_search.py                         # PostgreSQL (test_<name> DB)

Items are synthesised from the 1,135 real item names of 广安区 (shared data, when present;
otherwise a built-in list): each name appears as the district item and as street-level or
variant items ("……变更", "……（北辰街道）"), with departments, aliases, life events, visits
and conditions text. Prints, per query kind, the median / p95 / p99 latency of
``SearchIndex.search`` in memory; the index build time and memory; then the same catalogue
written to the configured database and loaded back through ``published_versions_for_index``
(the load a process pays after each publish), and the end-to-end ``catalogue_search`` call
(revision check included).

Options: --items N (default 10000), --repeat N (default 30), --no-db.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from onewindow.catalog.search import Document, SearchFilters, SearchIndex  # noqa: E402
from onewindow.catalog.synonyms import Synonyms  # noqa: E402

BUILTIN_NAMES = str.split("""
社会保障卡申领 社会保障卡挂失 社会保险登记 城乡居民基本养老保险参保登记 企业职工基本养老保险正常退休申请
失业保险金申领 就业失业登记 高校毕业生社保补贴申领 公司设立登记 公司变更登记 公司注销登记
个体工商户设立登记 食品经营许可 药品零售企业许可 居民身份证申领 居民身份证挂失申报 户口迁移审批
户口登记 出生登记 结婚登记 离婚登记 最低生活保障审批 特困人员救助供养审批 临时救助
残疾人证核发 老年人优待证办理 高龄津贴发放 住房公积金提取 住房公积金缴存登记 不动产登记
建设工程规划许可证核发 建筑工程施工许可证核发 教师资格认定 义务教育阶段学生入学 医师执业注册
基本医疗保险参保登记 医保电子凭证申领 生育登记 独生子女父母光荣证 退役军人优待证申领 居住证签注
机动车驾驶证换证 烟草专卖零售许可证核发 卫生许可证核发 营业性演出审批 取水许可 林木采伐许可
""")

STREETS = ["北辰街道", "中桥街道", "万盛街道", "枣山街道", "广福街道", "协兴镇", "浓洄街道",
           "龙台镇", "花桥镇", "悦来镇"]
ACTIONS = ["变更", "注销", "延续", "补办", "换领", "备案", "查询", "证明开具"]
LIFE_EVENTS = [("chusheng", "出生"), ("ruxue", "入学"), ("jiuye", "就业创业"),
               ("hunyin", "婚姻登记"), ("zhufang", "住房"), ("tuixiu", "退休养老"),
               ("kunnan", "社会救助"), ("shenti", "残疾人服务"), ("kaiban", "开办企业"),
               ("zhuxiao", "企业注销"), ("jianshe", "工程建设"), ("canyin", "餐饮经营")]
CONDITIONS = [
    "申请人应当具有完全民事行为能力，提交的材料真实、完整、有效。",
    "在本区登记常住户口或持有居住证的居民，符合相关政策规定的条件。",
    "依法设立的企业或其他组织，材料齐全、符合法定形式。",
    "家庭人均收入低于当地最低生活保障标准，且家庭财产状况符合规定。",
]


def real_rows() -> list[tuple[str, str, str]]:
    path = Path(settings.SHARED_DATA_DIR) / "catalog" / "guangan_district_511602_items.csv"
    if not path.exists():
        return [(name, "区政务服务管理局", "GOV") for name in BUILTIN_NAMES]
    with path.open(encoding="utf-8") as fh:
        return [(r["name"], r["department"], r["deptCode"]) for r in csv.DictReader(fh)]


def synthesise(n: int, seed: int = 20260101) -> tuple[list[Document], str]:
    rows = real_rows()
    source = "广安区 real names" if len(rows) > 100 else "built-in names"
    syn = Synonyms.load()
    rnd = random.Random(seed)
    docs: list[Document] = []
    for i in range(n):
        name, dept, dept_code = rows[i % len(rows)]
        variant = i // len(rows)
        if variant % 2 == 1:
            name = f"{name}（{STREETS[(variant // 2 + i) % len(STREETS)]}）"
        elif variant:
            name = f"{name}{ACTIONS[(variant // 2 + i) % len(ACTIONS)]}"
        keywords = tuple(t for group in syn.groups for t in group[:1]
                         if any(x in name for x in group))[:3]
        visits = rnd.choices([0, 1, 2], weights=[3, 6, 1])[0]
        depth = rnd.choice([1, 2, 3, 4]) if visits else 4
        events = tuple(rnd.sample(LIFE_EVENTS, rnd.choice([0, 1, 1, 2])))
        flags = {f for f, p in (("appointment", 0.4), ("postal", 0.3), ("kiosk", 0.1),
                                ("cross_province", 0.05)) if rnd.random() < p}
        docs.append(Document(
            id=f"item-{i}", version_id=f"version-{i}", name=name, keywords=keywords,
            department=dept, department_id=dept_code, item_type=rnd.choice(["01", "07", "20"]),
            item_type_label="", service_object=rnd.choice(["natural", "natural", "legal", "both"]),
            life_events=events, level="street" if "街道" in name or "镇" in name else "district",
            visits=visits, online_depth=depth, is_online=depth >= 3, flags=frozenset(flags),
            text=rnd.choice(CONDITIONS), code=f"BENCH-{i:05d}",
        ))
    return docs, source


def queries(docs: list[Document]) -> dict[str, list[tuple[str, SearchFilters | None]]]:
    dept = docs[0].department_id
    return {
        "chinese": [(q, None) for q in ("社保", "营业执照", "身份证", "最低生活保障", "户口迁移",
                                        "养老保险待遇", "公司注销登记", "食品经营许可",
                                        "我要办理居住证", "残疾人证补办")],
        "pinyin": [(q, None) for q in ("shebao", "yingye zhizhao", "hukou qianyi",
                                       "yanglao baoxian", "jumin shenfenzheng", "gongjijin")],
        "initials": [(q, None) for q in ("sb", "yyzz", "gjj", "sfz", "ylbx", "db")],
        "typos": [(q, None) for q in ("社宝", "营业执服", "shebo", "yingye zhizao",
                                      "最低生活保樟", "户口签移")],
        "filters": [("社保", SearchFilters(max_visits=0)),
                    ("", SearchFilters(department=dept)),
                    ("登记", SearchFilters(service_object="legal", level="street")),
                    ("", SearchFilters(life_event="tuixiu")),
                    ("", SearchFilters(max_visits=1, online=True)),
                    ("许可", SearchFilters(max_visits=1, flag="appointment"))],
        "long/odd": [("我想问一下在广安区怎么办理城乡居民基本养老保险参保登记需要什么材料", None),
                     ("😀 %_% '; drop table", None), ("", None)],
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run_queries(search, qset, repeat: int, verbose: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Wall-clock latency per query kind, and the CPU time of the same calls: on a busy
    machine the wall clock includes waiting for a core, the CPU time does not."""
    print(f"{'query kind':<10} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'cpu p99':>8}  example (hits)")
    worst = worst_cpu = 0.0
    for kind, items in qset.items():
        times: list[float] = []
        cpu: list[float] = []
        example = ""
        for q, f in items:
            search(q, f)  # warm per-query caches (pinyin of the query words)
            mine = []
            for _ in range(repeat):
                started, started_cpu = time.perf_counter(), time.thread_time()
                result = search(q, f)
                cpu.append((time.thread_time() - started_cpu) * 1000)
                mine.append((time.perf_counter() - started) * 1000)
            times.extend(mine)
            if verbose:
                print(f"    {q or '∅'!r:<40} {f or ''!s:<40.40} median "
                      f"{statistics.median(mine):6.2f} ms, {result.total} hits")
            if not example:
                example = f"{q or '∅'!r} ({result.total})"
        worst = max(worst, percentile(times, 99))
        worst_cpu = max(worst_cpu, percentile(cpu, 99))
        print(f"{kind:<10} {len(times):>5} {statistics.median(times):>10.2f} "
              f"{percentile(times, 95):>8.2f} {percentile(times, 99):>8.2f} {max(times):>8.2f}"
              f" {percentile(cpu, 99):>8.2f}  {example}")
    print(f"worst p99: {worst:.2f} ms wall, {worst_cpu:.2f} ms CPU (target < 50 ms); "
          f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def bench_memory(docs: list[Document], synonyms: Synonyms) -> SearchIndex:
    started = time.perf_counter()
    index = SearchIndex(docs, synonyms=synonyms)
    build = time.perf_counter() - started
    del index
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    index = SearchIndex(docs, synonyms=synonyms)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"index build: {build:.2f} s for {len(docs)} items; "
          f"index memory ≈ {(after - before) / 1e6:.0f} MB (tracemalloc)")
    return index


def bench_database(docs: list[Document], repeat: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from onewindow.accounts.models import Department
    from onewindow.catalog import search as search_module
    from onewindow.catalog import selectors
    from onewindow.catalog.models import (
        CatalogRevision,
        Material,
        ServiceItem,
        ServiceItemVersion,
        Theme,
    )
    from onewindow.regions.models import Region

    vendor = connection.vendor
    tmp = None
    if vendor == "sqlite":
        tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
        connection.settings_dict.setdefault("TEST", {})["NAME"] = tmp.name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        region = Region.objects.create(code="511602000000", name="广安区", level="district",
                                       path="/511602000000/")
        depts: dict[str, Department] = {}
        for d in docs:
            if d.department_id not in depts:
                depts[d.department_id] = Department(code=d.department_id[:40],
                                                    name=d.department, kind="department",
                                                    region=region)
        Department.objects.bulk_create(depts.values(), batch_size=500)
        depts = {d.code: d for d in Department.objects.all()}
        items = [ServiceItem(basic_code=d.code, implementation_code=d.code,
                             department=depts[d.department_id[:40]]) for d in docs]
        ServiceItem.objects.bulk_create(items, batch_size=1000)
        items = list(ServiceItem.objects.order_by("id"))
        now = timezone.now()
        versions = [ServiceItemVersion(
            item=item, number=1, status="published", published_at=now, name=d.name,
            item_type=d.item_type, exercise_level=d.level, service_object=d.service_object,
            conditions=d.text, visits=d.visits or 0, online_depth=d.online_depth,
            is_online=d.is_online, appointment="appointment" in d.flags,
            postal_delivery="postal" in d.flags, kiosk="kiosk" in d.flags,
            keywords=list(d.keywords)) for item, d in zip(items, docs, strict=True)]
        ServiceItemVersion.objects.bulk_create(versions, batch_size=1000)
        versions = list(ServiceItemVersion.objects.order_by("id"))
        Material.objects.bulk_create(
            [Material(version=v, order=k, name=f"材料{k}") for v in versions for k in (1, 2)],
            batch_size=2000)
        themes = {code: Theme.objects.create(code=code, name=name, person_kind="natural")
                  for code, name in LIFE_EVENTS}
        through = Theme.items.through
        through.objects.bulk_create(
            [through(theme_id=themes[code].id, serviceitem_id=item.id)
             for item, d in zip(items, docs, strict=True) for code, _ in d.life_events],
            batch_size=2000)
        CatalogRevision.objects.create(id=1, value=1, changed_at=now)
        print(f"[{vendor}] wrote {len(items)} items, {len(versions)} versions, "
              f"{2 * len(versions)} materials in {time.perf_counter() - started:.1f} s")

        loads = []
        for _ in range(3):
            started = time.perf_counter()
            loaded = search_module.documents_from_catalogue()
            loads.append(time.perf_counter() - started)
        print(f"[{vendor}] load published versions → documents: median "
              f"{statistics.median(loads):.2f} s ({len(loaded)} documents)")
        started = time.perf_counter()
        index = SearchIndex(loaded, synonyms=search_module.catalogue_synonyms())
        print(f"[{vendor}] index build from loaded documents: "
              f"{time.perf_counter() - started:.2f} s")
        checks = []
        for _ in range(200):
            started = time.perf_counter()
            selectors.catalog_revision()
            checks.append((time.perf_counter() - started) * 1000)
        print(f"[{vendor}] revision check: median {statistics.median(checks):.3f} ms, "
              f"p99 {percentile(checks, 99):.3f} ms")

        settings.CATALOG_SEARCH_CACHE = True
        settings.CATALOG_SEARCH_REVISION_TTL = 0  # worst case: read the revision every call
        search_module.search_index_reset()
        started = time.perf_counter()
        search_module.search_index()
        print(f"[{vendor}] first catalogue_search in a fresh process (load + build): "
              f"{time.perf_counter() - started:.2f} s")
        print(f"[{vendor}] end-to-end catalogue_search (revision read on every call):")
        run_queries(lambda q, f: search_module.catalogue_search(q, f), queries(docs),
                    max(3, repeat // 3))
        del index
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-db", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="timings per query")
    args = parser.parse_args()

    docs, source = synthesise(args.items)
    print(f"catalogue search benchmark: {len(docs)} items synthesised from {source}; "
          f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}")
    synonyms = Synonyms.load()
    index = bench_memory(docs, synonyms)
    print("in-memory SearchIndex.search:")
    run_queries(lambda q, f: index.search(q, f), queries(docs), args.repeat, args.verbose)
    if not args.no_db:
        bench_database(docs, args.repeat)


if __name__ == "__main__":
    main()
