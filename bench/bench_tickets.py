"""12345 hotline benchmark on PostgreSQL with 1,000,000 tickets.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_hotline .venv/bin/python bench/bench_tickets.py \
        [--tickets 1000000] [--repeat 200] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it loaded),
bulk-loads a district (10 streets, 50 communities with polygons), the 517 categories of the
shared taxonomy, 41 departments with dispatch rules, and 1,000,000 tickets over the last
365 days with two timeline events each (COPY), then measures, each after a warm-up:

- intake of one ticket including classification (the trained classifier when the shared
  labelled data is there, else a keyword stand-in), point-in-polygon location, dispatch rules,
  deadline, duplicate check, timeline and audit: through the service and through the HTTP API;
- a scoped list of 50 with filters (street staff, department inbox, supervisor overdue),
  as the selector's first page and as the paginated API (with its count);
- the monthly statistics query (the three rates per department for one month) and the whole
  monthly report;
- classifier throughput, one text at a time.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
os.environ.setdefault("ONEWINDOW_TEST_DB_TASKS", "1")  # outbox tasks queued in the database, as in production

from _common import (  # noqa: E402
    bench_url,
    copy_rows,
    field_defaults,
    recreate_database,
    report,
    row_of,
    setval,
    timed,
)
from _common import loaded_count as _loaded_count  # noqa: E402


def loaded_count() -> int:
    return _loaded_count(BENCH_URL, "tickets_ticket")




BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_tickets")
os.environ["DATABASE_URL"] = BENCH_URL
MODELS_DIR = Path(tempfile.gettempdir()) / "onewindow-bench-ticket-models"

STREETS = 10
COMMUNITIES = 5  # per street
BUREAUS = 30
LNG0, LAT0, STREET_W, HEIGHT = 102.70, 25.00, 0.02, 0.10


def messages_pool() -> list[tuple[str, str]]:
    """(title, text) of real board messages when the shared data is there, else templates."""
    from django.conf import settings

    path = Path(settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_hotspot_messages.csv"
    pool: list[tuple[str, str]] = []
    if path.is_file():
        with path.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                title = " ".join((row.get("留言主题") or "").split())[:60]
                text = " ".join((row.get("留言详情") or "").split())[:160]
                if title and text:
                    pool.append((title, text))
    if not pool:
        for place in ("拓东路", "金碧路", "鼓楼社区", "北京路", "白塔路"):
            for problem in ("停水两天了", "垃圾无人清运", "夜间施工噪音扰民", "路灯不亮", "占道经营", "井盖缺失"):
                pool.append((f"{place}{problem}", f"{place}附近{problem}，影响居民生活，请相关部门尽快处理。"))
    return pool


def build_world():  # type: ignore[no-untyped-def]
    from onewindow.accounts.constants import DepartmentKind, Role
    from onewindow.accounts.models import Department
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.core.services import calendar_seed_from_library
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make
    from onewindow.tickets import services
    from onewindow.tickets.models import Category, DispatchRule, HotlineConfig

    calendar_seed_from_library()
    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT,
                           None, _rect(LNG0, LAT0, STREET_W * STREETS, HEIGHT))
    streets, communities = [], []
    for s in range(STREETS):
        street = region_make(f"530103{s + 1:03d}000", f"街道{s + 1}", RegionLevel.STREET, district,
                             _rect(LNG0 + s * STREET_W, LAT0, STREET_W, HEIGHT))
        streets.append(street)
        for k in range(COMMUNITIES):
            communities.append(region_make(f"530103{s + 1:03d}{k + 1:03d}", f"街道{s + 1}社区{k + 1}",
                                           RegionLevel.COMMUNITY, street,
                                           _rect(LNG0 + s * STREET_W, LAT0 + k * HEIGHT / COMMUNITIES, STREET_W,
                                                 HEIGHT / COMMUNITIES)))
    services.category_seed()
    bureaus = [Department.objects.create(code=f"530103-B{d:02d}", name=f"盘龙区委办局{d:02d}", kind="bureau",
                                         region=district) for d in range(BUREAUS)]
    offices = [Department.objects.create(code=f"530103-S{s + 1:02d}", name=f"街道{s + 1}办事处",
                                         kind=DepartmentKind.STREET_OFFICE, region=street)
               for s, street in enumerate(streets)]
    fallback = Department.objects.create(code="530103-FB", name="区城市管理局（兜底）", kind="bureau",
                                         region=district)
    HotlineConfig.objects.create(district=district, fallback_department=fallback, triage_threshold=0.5)
    level1 = list(Category.objects.filter(level=1).order_by("code"))
    level2 = list(Category.objects.filter(level=2).order_by("code"))
    rules = [DispatchRule(category=cat, department=bureaus[i % BUREAUS], priority=0) for i, cat in enumerate(level1)]
    rules += [DispatchRule(category=cat, department=bureaus[(i + 7) % BUREAUS], priority=1)
              for i, cat in enumerate(level2)]
    urban = level1[0] if level1 else None
    rules += [DispatchRule(category=urban, region=street, department=offices[s], priority=5)
              for s, street in enumerate(streets)]
    DispatchRule.objects.bulk_create(rules)
    staff = {
        "operator": staff_make(username="operator", region=district, roles=[Role.HOTLINE_OPERATOR]),
        "supervisor": staff_make(username="supervisor", region=district, roles=[Role.SUPERVISOR]),
        "street": staff_make(username="street1", region=streets[0], roles=[Role.DEPT_REVIEWER],
                             departments=[offices[0]]),
        "bureau": staff_make(username="bureau0", region=district, roles=[Role.DEPT_REVIEWER],
                             departments=[bureaus[0]]),
    }
    return district, streets, communities, bureaus + offices + [fallback], staff


def _rect(lng: float, lat: float, w: float, h: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + w, lat], [lng + w, lat + h], [lng, lat + h],
                                                [lng, lat]]]}


def install_classifier() -> str:
    """Train the classifier on the shared labelled set; a keyword stand-in when it is absent."""
    from django.conf import settings

    settings.TICKETS_CLASSIFIER_DIR = str(MODELS_DIR)
    path = Path(settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_labelled_train.csv"
    try:
        from onewindow.tickets import classifier as clf
    except ImportError:
        clf = None  # type: ignore[assignment]
    if clf is not None and path.is_file():
        data = clf.read_labelled_csv(path, text_columns="留言主题,留言详情", label_column="一级分类")
        model = clf.train(data)
        clf.model_save(model, out=MODELS_DIR)
        clf.cache_clear()
        return f"trained classifier {model.version} ({len(data.labels)} labelled messages, 7 categories)"
    import sys as _sys
    import types

    module = types.ModuleType("onewindow.tickets.classifier")

    class Suggestion:
        def __init__(self, label: str, confidence: float) -> None:
            self.label, self.confidence, self.model_version, self.alternatives = label, confidence, "stand-in", []

    def classify(text: str) -> Suggestion:
        for word, label in (("水", "城乡建设"), ("噪音", "环境保护"), ("学", "教育文体"), ("医", "卫生计生")):
            if word in text:
                return Suggestion(label, 0.9)
        return Suggestion("城乡建设", 0.4)

    module.classify = classify  # type: ignore[attr-defined]
    _sys.modules["onewindow.tickets.classifier"] = module
    import onewindow.tickets as package

    package.classifier = module  # type: ignore[attr-defined]
    return "keyword stand-in classifier (shared labelled data absent)"


# --- Tickets ----------------------------------------------------------------------------------
def load_tickets(total: int, communities, departments, staff) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from onewindow.core.crypto import lookup_hash, seal
    from onewindow.core.workdays import SHANGHAI
    from onewindow.tickets.models import Category, Ticket, TicketCounter, TicketEvent

    rng = random.Random(20261122)
    now = timezone.now()
    today = now.astimezone(SHANGHAI).date()
    pool = messages_pool()
    categories = list(Category.objects.filter(level=3).values_list("id", "path"))
    dept_ids = [d.id for d in departments]
    sealed_names = [seal(f"市民{i}") for i in range(500)]
    phones = [f"139{i:08d}" for i in range(2000)]
    sealed_phones = [(seal(p), lookup_hash(p)) for p in phones]
    operator_id = staff["operator"].user_id
    per_day: dict = {}
    stats = {"open": 0, "events": 0}
    fields = [f.attname for f in Ticket._meta.concrete_fields]
    defaults = field_defaults(Ticket)
    kinds = ["help"] * 40 + ["complaint"] * 30 + ["consult"] * 15 + ["report"] * 5 + ["suggestion"] * 8 + ["praise"] * 2
    channels = ["hotline"] * 70 + ["web"] * 15 + ["mobile"] * 10 + ["api"] * 3 + ["open311"] * 2
    events: list[tuple] = []

    def rows(first: int, last: int):  # type: ignore[no-untyped-def]
        for tid in range(first, last + 1):
            age_days = int(rng.random() ** 1.2 * 365) + 1  # never today: today's numbers come from intake
            received = now - timedelta(days=age_days, seconds=rng.randrange(86400))
            day = received.astimezone(SHANGHAI).date()
            if day >= today:
                day = today - timedelta(days=1)
                received = received - timedelta(days=1)
            seq = per_day.get(day, 0) + 1
            per_day[day] = seq
            community = communities[rng.randrange(len(communities))]
            category_id, _ = categories[rng.randrange(len(categories))]
            dept_id = dept_ids[rng.randrange(len(dept_ids))]
            title, text = pool[rng.randrange(len(pool))]
            limit = rng.choice((24, 24 * 7, 24 * 7, 24 * 7, 24 * 15))
            due = received + timedelta(hours=limit)
            # most tickets are handled within their limit: open ones are mostly not yet due
            is_open = rng.random() < (0.7 if due > now else (0.03 if age_days <= 30 else 0.0))
            status = rng.choice(("dispatched", "accepted", "accepted", "triage", "returned")) if is_open else \
                rng.choice(("closed",) * 17 + ("callback_done", "replied", "merged"))
            stats["open"] += is_open
            dispatched = received + timedelta(minutes=rng.randrange(1, 90)) if status != "triage" else None
            accepted = dispatched + timedelta(hours=rng.randrange(1, 36)) if dispatched and status not in (
                "dispatched", "returned") else None
            replied = accepted + timedelta(hours=rng.randrange(2, limit + 48)) if accepted and not is_open else None
            called = status in ("closed", "callback_done") and replied is not None
            satisfaction = rng.choice(("satisfied",) * 7 + ("basic",) * 2 + ("unsatisfied",)) if called else ""
            overdue = (replied or now) > due and status not in ("merged",)
            name = sealed_names[rng.randrange(len(sealed_names))]
            phone, phone_hash = sealed_phones[rng.randrange(len(sealed_phones))]
            lng = LNG0 + rng.random() * STREET_W * STREETS
            values = {
                "id": tid, "public_id": uuid.uuid4(), "created_at": received, "updated_at": replied or received,
                "number": f"12345-{day:%Y%m%d}-{seq:06d}", "kind": kinds[rng.randrange(len(kinds))],
                "title": title, "text": text, "channel": channels[rng.randrange(len(channels))],
                "urgency": "urgent" if limit == 2 else "normal",
                "limit_class": {24: "utility", 168: "general", 360: "complex"}[limit], "received_at": received,
                "address": title[:20], "lng": lng, "lat": LAT0 + rng.random() * HEIGHT,
                "region_id": community.id, "region_path": community.path,
                "requester_name": name, "requester_phone": phone, "requester_phone_hash": phone_hash,
                "requester_user_id": None, "confidential": rng.random() < 0.05, "category_id": category_id,
                "department_id": dept_id if status not in ("triage", "returned") else None, "status": status,
                "clock_started_at": received, "due_at": due, "warning_at": received + timedelta(hours=limit * 0.8),
                "due_provisional": False, "warned": overdue, "overdue": overdue,
                "dispatched_at": dispatched, "accepted_at": accepted, "replied_at": replied,
                "callback_at": replied + timedelta(hours=20) if called else None,
                "closed_at": replied + timedelta(hours=20) if status == "closed" else None,
                "dispatched_by_id": None, "dispatch_via": "rule" if dispatched else "", "dispatch_rule_id": None,
                "dispatch_note": "", "classifier_label": "城乡建设", "classifier_confidence": 0.8,
                "classifier_version": "bench", "classifier_alternatives": "[]",
                "reply_text": "已按规定处理并答复。" if replied else "", "replied_by_id": None,
                "satisfaction": satisfaction, "solved": (satisfaction != "unsatisfied") if called else None,
                "callback_note": "", "return_count": 1 if status == "returned" else 0,
                "reopen_count": 1 if satisfaction == "unsatisfied" and rng.random() < 0.3 else 0,
                "merged_into_id": None, "duplicate_of_id": None, "duplicate_score": None, "kb_article_id": None,
                "external_id": "", "supporters": 0, "created_by_id": operator_id,
            }
            events.append((tid, received, "receive", "", "received", "热线受理"))
            if dispatched:
                events.append((tid, dispatched, "dispatch", "received", "dispatched", "自动派单"))
            yield row_of(values, fields, defaults)

    def flush_events() -> None:
        copy_rows(TicketEvent, ["ticket_id", "at", "action", "from_status", "to_status", "note", "actor_label",
                                "data"], ((t, at, a, f, s, n, "bench", "{}") for t, at, a, f, s, n in events))
        stats["events"] += len(events)
        events.clear()

    stats["loaded"] = 0
    chunk = 100_000
    for first in range(1, total + 1, chunk):
        stats["loaded"] += copy_rows(Ticket, fields, rows(first, min(first + chunk - 1, total)))
        flush_events()
    setval(Ticket)
    setval(TicketEvent)
    TicketCounter.objects.bulk_create([TicketCounter(day=d, last=n) for d, n in per_day.items()])
    from django.db import connection

    with connection.cursor() as cursor:
        # what autovacuum does in production: statistics and the visibility map (index-only scans)
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE tickets_ticketevent")
    return stats


# --- Measurements -----------------------------------------------------------------------------
def measure(args, staff, communities) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection, reset_queries
    from django.test import Client

    from onewindow.accounts.services import api_token_create
    from onewindow.tickets import reports, selectors, services
    from onewindow.tickets.constants import Status

    pool = messages_pool()
    rng = random.Random(7)
    operator = staff["operator"].user

    def intake_kwargs() -> dict:
        title, text = pool[rng.randrange(len(pool))]
        community = communities[rng.randrange(len(communities))]
        lng = (community.min_lng + community.max_lng) / 2
        lat = (community.min_lat + community.max_lat) / 2
        return {"kind": "help", "channel": "hotline", "title": title, "text": text, "address": title[:20],
                "lng": lng, "lat": lat, "requester_name": "王秀英", "requester_phone": f"138{rng.randrange(10**8):08d}"}

    created: list = []

    def intake() -> None:
        created.append(services.ticket_intake(actor=operator, **intake_kwargs()))

    print("\n== intake of one ticket (classification, location, dispatch rules, deadline, duplicates, audit)")
    report("service: ticket_intake", timed(intake, args.repeat))
    via = {}
    for t in created:
        via[t.status] = via.get(t.status, 0) + 1
    print(f"   outcome of the measured intakes: {via}")
    _, key = api_token_create(user=operator, name="bench")
    client = Client(HTTP_HOST="localhost")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    def api_intake() -> None:
        response = client.post("/api/v1/tickets", intake_kwargs(), content_type="application/json", **auth)
        assert response.status_code == 201, response.content[:300]

    report("HTTP POST /api/v1/tickets", timed(api_intake, args.repeat))

    print("\n== a scoped list of 50 with filters")
    street, bureau, supervisor = staff["street"].user, staff["bureau"].user, staff["supervisor"].user
    open_statuses = (Status.DISPATCHED, Status.ACCEPTED)
    cases = [
        ("street staff: own street, dispatched+accepted, by due", street,
         selectors.TicketFilters(status=open_statuses)),
        ("department inbox: dispatched+accepted, by due", bureau,
         selectors.TicketFilters(status=open_statuses)),
        ("supervisor: overdue open tickets, by due", supervisor,
         selectors.TicketFilters(status=open_statuses, overdue=True)),
        ("supervisor: one street, complaints, newest first", supervisor,
         selectors.TicketFilters(region_path=communities[0].path.rsplit("/", 2)[0] + "/", kind="complaint",
                                 order="newest")),
    ]
    for label, user, filters in cases:
        def first_page(user=user, filters=filters) -> None:  # type: ignore[no-untyped-def]
            rows = selectors.ticket_page(actor=user, filters=filters)[0:50]
            assert rows

        def count(user=user, filters=filters) -> None:  # type: ignore[no-untyped-def]
            selectors.ticket_page(actor=user, filters=filters).count()

        report(f"page of 50: {label}", timed(first_page, args.repeat))
        report(f"count: {label}", timed(count, args.repeat // 2))
    api_cases = [
        ("street staff", street, {"status": "dispatched,accepted"}),
        ("department", bureau, {"status": "dispatched,accepted"}),
        ("supervisor overdue", supervisor, {"status": "dispatched,accepted", "overdue": "true"}),
    ]
    for label, user, params in api_cases:
        _, user_key = api_token_create(user=user, name="bench")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {user_key}"}

        def api_list(params=params, headers=headers) -> None:  # type: ignore[no-untyped-def]
            response = client.get("/api/v1/tickets", params, **headers)
            assert response.status_code == 200 and response.json()["items"]

        report(f"HTTP GET /api/v1/tickets (count + 50): {label}", timed(api_list, args.repeat))

    print("\n== monthly statistics")
    period = reports.Period.month()
    report(f"department rates for {period.label} (one aggregate query)",
           timed(lambda: reports.department_rates(actor=supervisor, period=period), max(args.repeat // 10, 10)))
    report("dispatcher accuracy for the month",
           timed(lambda: reports.dispatcher_accuracy(actor=supervisor, period=period), max(args.repeat // 10, 10)))
    report("monthly report page data (rates, distributions, worst overdue, accuracy)",
           timed(lambda: reports.monthly_report(actor=supervisor, period=period, hot_spots=False), 20, warmup=2))
    from onewindow.tickets.hotspots import hotspots_for_tickets

    month = selectors.ticket_list(actor=supervisor, filters=selectors.TicketFilters(
        received_from=period.start, received_to=period.end)).order_by("-supporters", "-received_at")
    report(f"hot spots of the month (the {reports.HOT_SPOT_MAX_TICKETS:,} most supported/latest tickets)",
           timed(lambda: hotspots_for_tickets(month, limit=5, max_rows=reports.HOT_SPOT_MAX_TICKETS), 3, warmup=1))

    print("\n== classifier")
    texts = [f"{t} {x}" for t, x in pool[:300]]
    try:
        started = time.perf_counter()
        for text in texts:
            services.classify(text)
        seconds = time.perf_counter() - started
        print(f"classify one text at a time: {len(texts) / seconds:,.0f} texts/s "
              f"({seconds / len(texts) * 1000:.2f} ms each)")
    except Exception as exc:  # pragma: no cover
        print(f"classifier: {exc}")
    reset_queries()
    _ = connection


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse a loaded bench database")
    args = parser.parse_args()

    reuse = args.keep and loaded_count() >= args.tickets
    if not reuse:
        recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL {connection.cursor().connection.info.server_version}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(install_classifier())
    if not reuse:
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        _district, _streets, communities, departments, staff = build_world()
        print(f"world: {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        stats = load_tickets(args.tickets, communities, departments, staff)
        print(f"{stats['loaded']:,} tickets and {stats['events']:,} events loaded with COPY in "
              f"{time.perf_counter() - start:.0f} s ({stats['open']:,} open)", flush=True)
    else:
        from onewindow.accounts.models import Staff
        from onewindow.regions.models import Region

        communities = list(Region.objects.filter(level="community").order_by("code"))
        by_name = {s.user.username: s for s in Staff.objects.select_related("user")}
        staff = {"operator": by_name["operator"], "supervisor": by_name["supervisor"],
                 "street": by_name["street1"], "bureau": by_name["bureau0"]}
        print(f"reusing {loaded_count():,} tickets in {BENCH_URL.rpartition('/')[2]}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('tickets_ticket')), "
                       "pg_size_pretty(pg_indexes_size('tickets_ticket'))")
        size, index_size = cursor.fetchone()
    print(f"tickets_ticket: {size} including {index_size} of indexes")
    measure(args, staff, communities)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
