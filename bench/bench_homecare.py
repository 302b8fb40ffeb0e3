"""Home-care benchmark on PostgreSQL: elders, providers and a year of orders.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_homecare .venv/bin/python bench/bench_homecare.py \
        [--elders 200000] [--orders 5000000] [--repeat 50] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it loaded) and
bulk-loads a district of 10 streets × 10 communities, 50 providers with 10 carers each, the
catalogue, ``--elders`` elders (natural persons with sealed ID numbers, addresses and health
notes) and ``--orders`` orders spread over 12 months in every state (three in four confirmed).
Then it measures, each after a warm-up:

- placing and dispatching an order (the service: allowance check under the elder's row lock,
  dispatch by area/rating/load, audit entry);
- a carer's day list (the selector, as the phone page and the API use it);
- the monthly settlement run for the last full month (total time and peak Python memory);
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
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")


def _bench_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench_homecare needs PostgreSQL: set DATABASE_URL=postgres://…/ow_homecare")
    base, _, name = url.rpartition("/")
    return f"{base}/{name or 'onewindow'}_bench"


BENCH_URL = _bench_url()
os.environ["DATABASE_URL"] = BENCH_URL


def _recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


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
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from onewindow.accounts.constants import Role, UserKind
    from onewindow.accounts.models import Person, Staff, User
    from onewindow.core.crypto import lookup_hash, seal
    from onewindow.homecare import constants as c
    from onewindow.homecare.demo import CATALOGUE
    from onewindow.homecare.models import Carer, Elder, Order, Provider, Service
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

    sealed_addr = seal("拓东路18号3栋2单元501室")
    batch = 5000
    for start in range(0, elders, batch):
        people = []
        for i in range(start, min(elders, start + batch)):
            number = f"530103{1930 + i % 35}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}{i // 1000 % 10}"
            people.append(Person(name=f"老人{i}", id_number=number, id_number_hash=lookup_hash(f"B{i}"),
                                 birth_date=date(1930 + i % 35, 1 + i % 12, 1 + i % 28)))
        Person.objects.bulk_create(people, batch_size=batch)
        rows = []
        for person in people:
            community = communities[rng.randrange(len(communities))]
            rows.append(Elder(person=person, name=person.name, birth_date=person.birth_date or date(1940, 1, 1),
                              community=community, region_path=community.path, address=sealed_addr,
                              lng=102.7 + rng.random() * 0.2, lat=25.0 + rng.random() * 0.2,
                              living=rng.choice(list(c.Living.values)), care_level=rng.choice([None, 0, 1, 2, 3, 4]),
                              monthly_allowance=Decimal(rng.choice([0, 100, 200, 300, 400]))))
        # the sealed address is the same ciphertext for all rows: loading speed, not realism
        Elder.objects.bulk_create(rows, batch_size=batch)
    print(f"{elders} elders: {time.perf_counter() - t0:.1f} s", flush=True)

    elder_rows = list(Elder.objects.values_list("pk", "region_path", "community__parent_id"))
    by_street: dict[int, list[Carer]] = {}
    index = {p.pk: n for n, p in enumerate(providers)}
    for carer in carers:
        n = index[carer.provider_id]
        for sid in (streets[n % 10].pk, streets[(n + 1) % 10].pk):
            by_street.setdefault(sid, []).append(carer)
    now = timezone.now()
    statuses = ([c.OrderStatus.CONFIRMED] * 15 + [c.OrderStatus.DELIVERED, c.OrderStatus.CANCELLED,
                                                  c.OrderStatus.ASSIGNED, c.OrderStatus.DISPATCHED])
    seq = 0
    for start in range(0, orders, 20000):
        rows = []
        for _ in range(min(20000, orders - start)):
            seq += 1
            pk, path, street_id = elder_rows[rng.randrange(len(elder_rows))]
            carer = rng.choice(by_street[street_id])
            service = catalogue[rng.randrange(len(catalogue))]
            at = now - timedelta(days=rng.randrange(0, 365), minutes=rng.randrange(0, 600))
            status = rng.choice(statuses)
            allowance = service.price if service.allowance_covered else Decimal("0.00")
            done = status in (c.OrderStatus.CONFIRMED, c.OrderStatus.DELIVERED)
            rows.append(Order(number=f"B{seq:012d}", elder_id=pk, region_path=path, service=service,
                              provider_id=carer.provider_id, carer=carer, status=status, ordered_by="family",
                              placed_at=at - timedelta(hours=3), scheduled_at=at, price=service.price,
                              allowance_part=allowance, own_part=service.price - allowance,
                              month=at.date().replace(day=1),
                              checkin_at=at + timedelta(minutes=rng.randrange(-5, 40)) if done else None,
                              checkout_at=at + timedelta(minutes=service.duration_minutes) if done else None,
                              rating=rng.choice([3, 4, 5, 5]) if status == c.OrderStatus.CONFIRMED else None,
                              confirmed_at=at + timedelta(hours=2) if status == c.OrderStatus.CONFIRMED else None))
        Order.objects.bulk_create(rows, batch_size=5000)
        if start % 200000 == 0:
            print(f"  orders {start + len(rows)}: {time.perf_counter() - t0:.1f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"{orders} orders: {time.perf_counter() - t0:.1f} s", flush=True)


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
    from onewindow.homecare.models import Settlement, SettlementLine

    SettlementLine.objects.all().delete()  # a run from scratch each time the bench runs
    Settlement.objects.all().delete()
    tracemalloc.start()
    t = time.perf_counter()
    done = services.settlement_run(actor=supervisor, month=last_month)
    seconds = time.perf_counter() - t
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out["settlement_run"] = {"seconds": round(seconds, 1), "peak_python_mb": round(peak / 1e6, 1),
                             "statements": len(done), "lines": sum(s.order_count for s in done)}
    # the same run row by row (the path SQLite uses; PostgreSQL's before ADR 0021), for comparison
    set_based = sorted((s.provider_id, s.order_count, s.elder_count, s.total_allowance) for s in done)
    SettlementLine.objects.all().delete()
    Settlement.objects.all().delete()
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
        _recreate(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    from onewindow.homecare.models import Elder

    call_command("migrate", verbosity=0)
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
