"""Home-care benchmark on PostgreSQL: elders, providers and a year of orders.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_homecare .venv/bin/python bench/bench_homecare.py \
        [--elders 200000] [--orders 5000000] [--repeat 50] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it loaded) and
bulk-loads a district of 10 streets × 10 communities, 50 providers with 10 carers each, the
catalogue, ``--elders`` elders (natural persons with sealed ID numbers, addresses and health
notes) and ``--orders`` orders over the past year and the coming week, their states by age
(older orders mostly confirmed; the last two days in every state of the visit).
Then it measures, each after a warm-up:

- placing and dispatching an order (the service: allowance check under the elder's row lock,
  dispatch by area/rating/load, audit entry);
- a carer's day list (the selector, as the phone page and the API use it);
- the monthly settlement run for the last full month, earlier months settled before it untimed
  (total time and peak Python memory; the row-by-row path on the same orders for comparison);
- the supervisor's figures (the selector and the page), median and p99.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
import tracemalloc
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")


from _common import bench_url, indexes_create, indexes_drop, recreate_database  # noqa: E402

BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_homecare")
os.environ["DATABASE_URL"] = BENCH_URL


def timed(fn, repeat: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    runs.sort()
    return {"median_ms": round(statistics.median(runs), 1),
            "p99_ms": round(runs[min(len(runs) - 1, int(len(runs) * 0.99))], 1), "n": repeat}


def load(elders: int, orders: int) -> None:
    """Regions, providers and carers through the ORM; persons, elders and orders in SQL.

    Persons, elders and orders are generated inside PostgreSQL (``INSERT … SELECT
    generate_series``, ``setseed`` for a repeatable draw), with the orders' secondary indexes
    dropped during the load and rebuilt after it: 5,000,000 orders through the ORM took about
    ten hours on the shared machine, in SQL a few minutes. Every person carries the same sealed
    ID number and every elder the same sealed address (loading speed, not realism); the lookup
    hashes are unique."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from onewindow.accounts.constants import Role, UserKind
    from onewindow.accounts.models import Staff, User
    from onewindow.core.crypto import seal
    from onewindow.homecare import constants as c
    from onewindow.homecare.demo import CATALOGUE
    from onewindow.homecare.models import Carer, Order, Provider, Service
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.models import Region

    rng = random.Random(42)
    t0 = time.perf_counter()
    district = Region.objects.create(code="530103000000", name="盘龙区", level=RegionLevel.DISTRICT,
                                     path="530103000000/")
    streets, communities = [], []
    for s in range(10):
        street = Region.objects.create(code=f"530103{s + 1:03d}000", name=f"街道{s + 1}", level=RegionLevel.STREET,
                                       parent=district, path=f"{district.path}530103{s + 1:03d}000/")
        streets.append(street)
        for k in range(10):
            code = f"530103{s + 1:03d}{k + 1:03d}"
            communities.append(Region.objects.create(code=code, name=f"社区{s + 1}-{k + 1}", parent=street,
                                                     level=RegionLevel.COMMUNITY, path=f"{street.path}{code}/"))
    password = make_password("Passw0rd!2026")
    catalogue = [Service.objects.create(code=code, name=name, category=cat, price=Decimal(price),
                                        duration_minutes=minutes, allowance_covered=covered)
                 for code, name, cat, price, minutes, covered, _d in CATALOGUE]
    providers, carers = [], []
    for p in range(50):
        provider = Provider.objects.create(name=f"服务机构{p + 1}", kind=c.ProviderKind.COMPANY,
                                           credit_code=f"BENCH{p:013d}", phone="0871-63100000", address="拓东路",
                                           status=c.ProviderStatus.APPROVED, contract_no=f"HT{p}",
                                           rating_sum=rng.randrange(400, 500), rating_count=100)
        provider.streets.set([streets[p % 10], streets[(p + 1) % 10]])
        provider.services.set(catalogue)
        providers.append(provider)
        for k in range(10):
            user = User.objects.create(username=f"hl{p}_{k}", kind=UserKind.STAFF, password=password)
            Staff.objects.create(user=user, name=f"护理员{p}-{k}", employee_no=f"HL{p}_{k}",
                                 roles=[Role.CARE_PROVIDER], region=streets[p % 10])
            carers.append(Carer.objects.create(provider=provider, user=user, name=f"护理员{p}-{k}"))
    supervisor = User.objects.create(username="supervisor", kind=UserKind.STAFF, password=password)
    Staff.objects.create(user=supervisor, name="监督员", employee_no="S1", roles=[Role.SUPERVISOR], region=district)
    print(f"regions, providers, carers: {time.perf_counter() - t0:.1f} s", flush=True)

    index = {p.pk: n for n, p in enumerate(providers)}
    carer_rows = []  # (street, n-th carer of the street, carer, provider): each street has 10 providers
    for carer in carers:
        n = index[carer.provider_id]
        carer_rows += [(streets[n % 10].pk, carer.pk, carer.provider_id),
                       (streets[(n + 1) % 10].pk, carer.pk, carer.provider_id)]
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(0.42)")
        cur.execute("CREATE TEMP TABLE b_comm (rn int PRIMARY KEY, id bigint, path text)")
        cur.executemany("INSERT INTO b_comm VALUES (%s, %s, %s)",
                        [(n + 1, k.pk, k.path) for n, k in enumerate(communities)])
        cur.execute("CREATE TEMP TABLE b_carer (street_id bigint, rn int, carer_id bigint, provider_id bigint, "
                    "PRIMARY KEY (street_id, rn))")
        per_street: dict[int, int] = {}
        rows = []
        for street_id, carer_id, provider_id in carer_rows:
            per_street[street_id] = per_street.get(street_id, 0) + 1
            rows.append((street_id, per_street[street_id], carer_id, provider_id))
        cur.executemany("INSERT INTO b_carer VALUES (%s, %s, %s, %s)", rows)
        cur.execute("CREATE TEMP TABLE b_count AS SELECT street_id, count(*) AS n FROM b_carer GROUP BY street_id")
        cur.execute("CREATE TEMP TABLE b_svc (rn int PRIMARY KEY, id bigint, price numeric, covered bool, "
                    "minutes int)")
        cur.executemany("INSERT INTO b_svc VALUES (%s, %s, %s, %s, %s)",
                        [(n + 1, s.pk, s.price, s.allowance_covered, s.duration_minutes)
                         for n, s in enumerate(catalogue)])

        cur.execute(
            "INSERT INTO accounts_person (public_id, created_at, updated_at, name, id_number, id_number_hash, "
            "gender, birth_date, phone, phone_hash, address, region_path) "
            "SELECT gen_random_uuid(), now(), now(), '老人' || g, %s, 'bench' || g, '', "
            "make_date(1930 + g %% 35, 1 + g %% 12, 1 + g %% 28), '', '', '', '' "
            "FROM generate_series(0, %s - 1) g", [seal("530103194001011234"), elders])
        cur.execute(
            "INSERT INTO homecare_elder (public_id, created_at, updated_at, name, birth_date, region_path, "
            "address, lng, lat, care_mode, living, low_income, health_notes, care_level, monthly_allowance, "
            "status, community_id, person_id) "
            "SELECT gen_random_uuid(), now(), now(), p.name, p.birth_date, k.path, %s, p.lng, p.lat, %s, "
            "(%s::text[])[1 + floor(p.r1 * 4)::int], false, '', "
            "(ARRAY[NULL, 0, 1, 2, 3, 4]::smallint[])[1 + floor(p.r2 * 6)::int], "
            "(ARRAY[0, 100, 200, 300, 400])[1 + floor(p.r3 * 5)::int], %s, k.id, p.id "
            "FROM (SELECT id, name, birth_date, 1 + floor(random() * 100)::int AS crn, "
            "             102.7 + random() * 0.2 AS lng, 25.0 + random() * 0.2 AS lat, "
            "             random() AS r1, random() AS r2, random() AS r3 "
            "      FROM accounts_person WHERE id_number_hash LIKE 'bench%%') p "
            "JOIN b_comm k ON k.rn = p.crn",
            [seal("拓东路18号3栋2单元501室"), c.CareMode.HOME, list(c.Living.values), c.ElderStatus.ACTIVE])
        print(f"{elders} elders: {time.perf_counter() - t0:.1f} s", flush=True)
        cur.execute("CREATE TEMP TABLE b_elder AS SELECT row_number() OVER (ORDER BY e.id)::int AS rn, e.id, "
                    "e.region_path, k.parent_id AS street_id FROM homecare_elder e "
                    "JOIN regions_region k ON k.id = e.community_id")
        cur.execute("CREATE UNIQUE INDEX ON b_elder (rn)")
        cur.execute("ANALYZE b_elder")

    dropped = indexes_drop([Order._meta.db_table])
    # In time order (rows of a month lie together on disk, as a platform that appends them has
    # them; randomly placed months made every monthly figure a scan of the whole table).
    # By age, as a running platform has them: orders of the coming week dispatched or assigned;
    # of the last two days in every state of the visit; older ones mostly confirmed (15 in 17),
    # the rest delivered but not yet confirmed, or cancelled.
    S = c.OrderStatus
    ahead = [S.ASSIGNED, S.ASSIGNED, S.DISPATCHED]
    recent = [S.CONFIRMED, S.DELIVERED, S.IN_SERVICE, S.ASSIGNED]
    older = [S.CONFIRMED] * 15 + [S.DELIVERED, S.CANCELLED]
    batch = 500_000
    with connection.cursor() as cur:
        for start in range(1, orders + 1, batch):
            end = min(orders, start + batch - 1)
            cur.execute(
                "INSERT INTO homecare_order (public_id, created_at, updated_at, number, region_path, status, "
                "ordered_by, channel, placed_at, dispatch_mode, dispatch_note, scheduled_at, note, price, "
                "allowance_part, own_part, month, checkin_at, checkin_check, checkin_note, checkin_photo, "
                "checkout_at, checkout_photo, work_notes, confirmed_at, rating, rating_comment, cancel_reason, "
                "complaint_ticket, carer_id, elder_id, provider_id, service_id) "
                "SELECT gen_random_uuid(), r.at - interval '3 hours', r.at, 'B' || lpad(r.g::text, 12, '0'), "
                "e.region_path, r.status, 'family', 'web', r.at - interval '3 hours', 'rules', '', r.at, '', "
                "s.price, CASE WHEN s.covered THEN s.price ELSE 0 END, "
                "CASE WHEN s.covered THEN 0 ELSE s.price END, "
                "date_trunc('month', r.at AT TIME ZONE 'Asia/Shanghai')::date, "
                "CASE WHEN r.status IN ('confirmed', 'delivered', 'in_service') "
                "     THEN r.at + make_interval(mins => r.late) END, "
                "'', '', '', "
                "CASE WHEN r.status IN ('confirmed', 'delivered') THEN r.at + make_interval(mins => s.minutes) END, "
                "'', '', CASE WHEN r.status = 'confirmed' THEN r.at + interval '2 hours' END, "
                "CASE WHEN r.status = 'confirmed' THEN (ARRAY[3, 4, 5, 5])[1 + floor(r.x * 4)::int] END, "
                "'', '', '', t.carer_id, e.id, t.provider_id, s.id "
                "FROM (SELECT *, CASE WHEN at > now() THEN (%s::text[])[1 + floor(pick * %s)::int] "
                "                     WHEN at > now() - interval '2 days' THEN (%s::text[])[1 + floor(pick * %s)::int] "
                "                     ELSE (%s::text[])[1 + floor(pick * %s)::int] END AS status "
                "      FROM (SELECT g, now() - interval '365 days' + (g::float8 / %s) * interval '372 days' "
                "                      - random() * interval '10 hours' AS at, "
                "                   1 + floor(random() * %s)::int AS er, 1 + floor(random() * %s)::int AS sr, "
                "                   random() AS cr, random() AS x, floor(random() * 45)::int - 5 AS late, "
                "                   random() AS pick "
                "            FROM generate_series(%s, %s) g) r0) r "
                "JOIN b_elder e ON e.rn = r.er "
                "JOIN b_svc s ON s.rn = r.sr "
                "JOIN b_count n ON n.street_id = e.street_id "
                "JOIN b_carer t ON t.street_id = e.street_id AND t.rn = 1 + floor(r.cr * n.n)::int",
                [[str(v) for v in ahead], len(ahead), [str(v) for v in recent], len(recent),
                 [str(v) for v in older], len(older), orders, elders, len(catalogue), start, end])
            print(f"  orders {end}: {time.perf_counter() - t0:.1f} s", flush=True)
    indexes_create(dropped)
    with connection.cursor() as cur:
        # VACUUM, not only ANALYZE: a first reader of freshly loaded rows sets their hint bits and
        # rewrites every page (a first settlement run took 10× its later runs without it)
        cur.execute("VACUUM ANALYZE")
    print(f"{orders} orders (indexes rebuilt): {time.perf_counter() - t0:.1f} s", flush=True)


def measure(repeat: int) -> dict[str, object]:
    from django.test import Client
    from django.utils import timezone

    from onewindow.accounts.models import User
    from onewindow.homecare import rules, selectors, services
    from onewindow.homecare.models import Carer, Elder, Order, Service

    supervisor = User.objects.get(username="supervisor")
    out: dict[str, object] = {}
    service = Service.objects.get(code="ZC01")
    elders = list(Elder.objects.order_by("?").values_list("pk", flat=True)[:repeat + 5])
    it = iter(elders)
    when = timezone.now() + timedelta(days=1)

    def place() -> None:
        elder = Elder.objects.select_related("community", "person").get(pk=next(it))
        services.order_place(actor=supervisor, elder=elder, service=service, scheduled_at=when)

    out["order_place_dispatch"] = timed(place, repeat)
    print("order_place_dispatch:", out["order_place_dispatch"], flush=True)
    busiest = Order.objects.filter(scheduled_at__date=timezone.localdate()).values_list("carer", flat=True).first()
    carer = Carer.objects.get(pk=busiest) if busiest else Carer.objects.first()
    assert carer is not None
    out["carer_day_list"] = timed(lambda: list(selectors.carer_day(carer=carer, day=timezone.localdate())), repeat)
    print("carer_day_list:", out["carer_day_list"], flush=True)
    last_month = rules.month_start(rules.month_start(timezone.localdate()) - timedelta(days=1))
    month = rules.month_start(timezone.localdate())
    out["provider_figures_selector"] = timed(lambda: selectors.provider_figures(actor=supervisor, month=month),
                                             max(5, repeat // 5))
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(supervisor)

    def page() -> None:
        r = client.get(f"/staff/care/figures/?month={month:%Y-%m}")
        assert r.status_code == 200, r.status_code

    out["figures_page"] = timed(page, max(5, repeat // 5))
    print("provider_figures_selector:", out["provider_figures_selector"], "figures_page:", out["figures_page"],
          flush=True)
    from onewindow.homecare.models import Settlement, SettlementLine

    # Earlier months are settled once, untimed (a running platform settled them month by month);
    # the timed run is the monthly one: last month's confirmed orders and late confirmations.
    before = rules.month_start(last_month - timedelta(days=1))
    if not Settlement.objects.filter(month=before).exists():
        t = time.perf_counter()
        history = services.settlement_run(actor=supervisor, month=before)
        out["history_settled"] = {"seconds": round(time.perf_counter() - t, 1),
                                  "lines": sum(s.order_count for s in history)}
        print("history_settled:", out["history_settled"], flush=True)

    def clear_last_month() -> None:
        SettlementLine.objects.filter(settlement__month=last_month).delete()
        Settlement.objects.filter(month=last_month).delete()

    clear_last_month()
    tracemalloc.start()
    t = time.perf_counter()
    done = services.settlement_run(actor=supervisor, month=last_month)
    seconds = time.perf_counter() - t
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["settlement_run"] = {"seconds": round(seconds, 1), "peak_python_mb": round(peak / 1e6, 1),
                             "statements": len(done), "lines": sum(s.order_count for s in done)}
    print("settlement_run:", out["settlement_run"], flush=True)
    # the same run row by row (the path SQLite uses; PostgreSQL's before ADR 0021), for comparison
    set_based = sorted((s.provider_id, s.order_count, s.elder_count, s.total_allowance) for s in done)
    clear_last_month()
    t = time.perf_counter()
    rows = services.settlement_run(actor=supervisor, month=last_month, set_based=False)
    seconds = time.perf_counter() - t
    same = sorted((s.provider_id, s.order_count, s.elder_count, s.total_allowance) for s in rows) == set_based
    out["settlement_run_row_by_row"] = {"seconds": round(seconds, 1), "same_statements": same}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--elders", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    if not args.keep:
        recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    from onewindow.homecare.models import Elder

    call_command("migrate", verbosity=0)
    from django.db import connection

    with connection.cursor() as cur:  # the production settings docs/deploy.md recommends (SSD, OLTP)
        cur.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET random_page_cost = 1.1')
        cur.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" SET jit = off')
    connection.close()
    if not Elder.objects.exists():
        load(args.elders, args.orders)
    from onewindow.homecare.models import Order

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs (shared); "
          f"elders {Elder.objects.count()}, orders {Order.objects.count()}")
    for name, figures in measure(args.repeat).items():
        print(f"{name}: {figures}")
    print(f"at {datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
