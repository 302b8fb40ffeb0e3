"""Applications (办件) benchmark on PostgreSQL with 1,000,000 cases.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_cases .venv/bin/python bench/bench_cases.py \
        [--cases 1000000] [--people 100000] [--repeat 200] [--rps-seconds 15] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it already
loaded), bulk-loads the data with COPY, then measures, each after a warm-up:
- creating an application with 3 materials (window intake with three uploaded files; the same
  through the HTTP API; an online draft + 3 uploads + submit), median and p99;
- a workbench page of 50 scoped rows for a department reviewer, a district leader, a street
  clerk and the history tab (API and HTML page);
- the public progress query (number + ID tail), a case detail, my applications;
- requests per second with several gunicorn workers, measured with wrk on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")  # fixed test keys: gunicorn below decrypts the same data
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
# Background tasks are queued in the database as in production (not run inline at commit).
os.environ.setdefault("ONEWINDOW_TEST_DB_TASKS", "1")
os.environ.setdefault("ONEWINDOW_STORAGE_DIR", str(ROOT / "var" / "bench-storage"))

from _common import (  # noqa: E402
    bench_url,
    copy_rows,
    field_defaults,
    indexes_create,
    indexes_drop,
    recreate_database,
    report,
    row_of,
    setval,
    timed,
)
from _common import loaded_count as _loaded_count  # noqa: E402


def loaded_count() -> int:
    return _loaded_count(BENCH_URL, "cases_case")


BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_cases")
os.environ["DATABASE_URL"] = BENCH_URL

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>"
       b"endobj\ntrailer<</Root 1 0 R>>\n" + b"%" * 20_000 + b"\n%%EOF\n")  # ≈ 20 KB scans


# --- Data ------------------------------------------------------------------------------------
STREETS = 10
DEPARTMENTS = 20
ITEMS = 200


def build_world():  # type: ignore[no-untyped-def]
    """Regions, departments, halls, staff and 200 published items with 3 materials each."""
    from django.utils import timezone

    from onewindow.accounts.constants import Role, WindowKind
    from onewindow.accounts.models import Department, ServiceHall, ServiceWindow
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.catalog.constants import VersionStatus
    from onewindow.catalog.models import Material, ServiceItem, ServiceItemVersion
    from onewindow.core.services import calendar_seed_from_library
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    calendar_seed_from_library()
    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT)
    streets = [region_make(f"530103{s + 1:03d}000", f"街道{s + 1}", RegionLevel.STREET, district)
               for s in range(STREETS)]
    departments = [Department.objects.create(code=f"530103-D{d:02d}", name=f"盘龙区部门{d:02d}",
                                             short_name=f"部门{d:02d}", kind="bureau", region=district)
                   for d in range(DEPARTMENTS)]
    centre = Department.objects.create(code="530103-ZWFW", name="政务服务中心", kind="service_centre",
                                       region=district)
    halls = [ServiceHall.objects.create(name="区政务服务中心", region=district)]
    halls += [ServiceHall.objects.create(name=f"街道{s + 1}便民服务中心", region=street)
              for s, street in enumerate(streets)]
    windows = [ServiceWindow.objects.create(hall=h, number="01", name="综合受理", department=centre,
                                            kind=WindowKind.COMPREHENSIVE) for h in halls]
    staff = {}
    for d, dept in enumerate(departments):
        staff[f"reviewer{d}"] = staff_make(username=f"reviewer{d}", region=district,
                                           roles=[Role.DEPT_REVIEWER], departments=[dept])
    staff["leader"] = staff_make(username="leader", region=district, roles=[Role.LEADER])
    clerk = staff_make(username="clerk", region=district, roles=[Role.WINDOW_CLERK], departments=[centre])
    clerk.window = windows[0]
    clerk.save(update_fields=["window"])
    staff["clerk"] = clerk
    street_clerk = staff_make(username="street_clerk", region=streets[0], roles=[Role.WINDOW_CLERK])
    street_clerk.window = windows[1]
    street_clerk.save(update_fields=["window"])
    staff["street_clerk"] = street_clerk
    now = timezone.now()
    items = []
    for i in range(ITEMS):
        dept = departments[0] if i < 20 else departments[i % DEPARTMENTS]
        item = ServiceItem.objects.create(basic_code=f"0000{i:08d}",
                                          implementation_code=f"0000{i:08d}-530103000000-BENCH",
                                          department=dept)
        version = ServiceItemVersion.objects.create(
            item=item, number=1, status=VersionStatus.PUBLISHED, published_at=now, name=f"测试事项{i:03d}",
            item_type="01", service_object="both", legal_limit_value=20, promised_limit_value=5,
            is_online=True, online_depth=4, steps=[{"name": "审查"}, {"name": "决定"}])
        for m in range(3):
            Material.objects.create(version=version, order=m, name=f"材料{m + 1}", is_required=True)
        item.current_version = version
        item.save(update_fields=["current_version"])
        items.append(item)
    return district, streets, departments, halls, windows, staff, items


def id_number(i: int) -> str:
    from onewindow.accounts.rules import id_number_check_char

    born = datetime(1950, 1, 1) + timedelta(days=i // 1000 % 20000)
    body = f"530103{born:%Y%m%d}{i % 1000:03d}"
    return body + id_number_check_char(body)


def load_people(count: int, streets) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    """People via COPY; returns (id, name, id_number) for every person."""
    from django.utils import timezone

    from onewindow.accounts.models import Person
    from onewindow.core.crypto import lookup_hash, seal

    now = timezone.now()
    fields = ["id", "public_id", "created_at", "updated_at", "name", "id_number", "id_number_hash",
              "gender", "birth_date", "phone", "phone_hash", "address", "region_id", "region_path", "user_id"]
    people: list[tuple[int, str, str]] = []

    def rows():  # type: ignore[no-untyped-def]
        for i in range(1, count + 1):
            number = id_number(i)
            street = streets[i % len(streets)]
            name = f"居民{i}"
            people.append((i, name, number))
            phone = f"139{i:08d}"
            yield (i, uuid.uuid4(), now, now, name, seal(number), lookup_hash(number), "M", None,
                   seal(phone), lookup_hash(phone), "", street.id, street.path, None)

    copy_rows(Person, fields, rows())
    setval(Person)
    return people


OPEN_MIX = [("submitted", 12), ("prereviewed", 8), ("accepted", 20), ("in_review", 40), ("supplement", 6),
            ("special", 2), ("approved", 8), ("refused", 4)]
OLD_MIX = [("closed", 86), ("delivered", 4), ("not_accepted", 5), ("withdrawn", 5)]


def load_cases(total: int, people, departments, halls, windows, staff, items) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """1,000,000 cases over the last 365 days, 3 materials and 2 timeline events each."""
    from django.db import connection
    from django.utils import timezone

    from onewindow.cases.models import Case, CaseCounter, CaseEvent, CaseMaterial
    from onewindow.core.workdays import SHANGHAI

    rng = random.Random(20261122)
    now = timezone.now()
    open_choices = [s for s, w in OPEN_MIX for _ in range(w)]
    old_choices = [s for s, w in OLD_MIX for _ in range(w)]
    versions = [(it.id, it.current_version_id, it.current_version.name, it.department_id) for it in items]
    weights = [5 if it.department_id == departments[0].id else 1 for it in items]
    dept_path = departments[0].region.path
    material_ids = {}
    from onewindow.catalog.models import Material

    for m in Material.objects.filter(version__item__in=items).values("id", "version_id", "order", "name"):
        material_ids[(m["version_id"], m["order"])] = (m["id"], m["name"])
    per_day: dict[str, int] = {}
    stats = {"open": 0}
    case_fields = [f.attname for f in Case._meta.concrete_fields]
    case_defaults = field_defaults(Case)
    defaults = {
        "resume_status": "", "form_data": "{}", "current_step": 0, "step_name": "", "paused_days": 0,
        "deadline_provisional": False, "warning_level": "none", "completed_early": False, "overdue": False,
        "decision_reason": "", "supplement_items": "[]", "delivery_method": "online", "delivery_address": "",
        "delivery_tracking_no": "", "licence_materials": 0, "visits_saved": 0, "applicant_kind": "person",
        "contact_phone": "", "legal_limit_unit": "working_day", "promised_limit_unit": "working_day",
    }
    event_rows: list[tuple] = []
    material_rows: list[tuple] = []
    day_seconds = 86400

    def case_rows():  # type: ignore[no-untyped-def]
        for cid in range(1, total + 1):
            age_days = int(rng.random() ** 1.3 * 365)  # more recent cases than old ones
            submitted = now - timedelta(days=age_days, seconds=rng.randrange(day_seconds))
            local_day = submitted.astimezone(SHANGHAI).date()
            key = f"530103{local_day:%Y%m%d}"
            seq = per_day.get(key, 0) + 1
            per_day[key] = seq
            item_id, version_id, name, dept_id = rng.choices(versions, weights=weights)[0]
            person_id, person_name, _ = people[rng.randrange(len(people))]
            window_case = rng.random() < 0.3
            hall_index = rng.randrange(len(halls)) if window_case else -1
            recent = age_days < 20
            status = rng.choice(open_choices if recent and rng.random() < 0.55 else old_choices)
            if recent:
                stats["open"] += status in dict(OPEN_MIX)
            accepted = submitted + timedelta(hours=2) if status not in ("submitted", "prereviewed",
                                                                        "not_accepted") else None
            due = (accepted or submitted) + timedelta(days=7 if accepted else 2)
            decided = (accepted + timedelta(days=rng.randrange(1, 8))
                       if accepted and status in ("approved", "refused", "delivered", "closed") else None)
            values = dict(defaults)
            values.update({
                "id": cid, "public_id": uuid.uuid4(), "created_at": submitted, "updated_at": decided or submitted,
                "applicant_person_id": person_id, "applicant_enterprise_id": None, "agent_person_id": None,
                "applicant_user_id": None, "applicant_name": person_name,
                "number": f"{key}{seq:05d}", "bundle_id": None, "item_id": item_id,
                "item_version_id": version_id, "item_name": name, "department_id": dept_id,
                "region_path": halls[hall_index].region.path if window_case else dept_path,
                "channel": "window" if window_case else "online", "status": status,
                "hall_id": halls[hall_index].id if window_case else None,
                "window_id": windows[hall_index].id if window_case else None,
                "intake_clerk_id": None, "assignee_id": None,
                "submitted_at": submitted, "prereviewed_at": None, "accepted_at": accepted,
                "decided_at": decided, "delivered_at": decided if status in ("delivered", "closed") else None,
                "closed_at": decided if status == "closed" else None,
                "legal_limit_days": 20 if accepted else None, "promised_limit_days": 5 if accepted else None,
                "legal_due_at": due + timedelta(days=20) if accepted else None,
                "promised_due_at": due if accepted else None, "due_at": due,
                "warn_at": due - timedelta(days=1),
                "paused_since": submitted if status in ("supplement", "special") else None,
                "warning_level": "red" if status in ("submitted", "in_review") and due < now else "none",
                "working_days_used": (decided - accepted).days if decided and accepted else None,
                "completed_early": bool(decided and decided < due),
                "overdue": bool(decided and decided > due),
                "step_name": "审查" if status in ("accepted", "in_review") else "",
                "result_issued_at": None, "result_licence_ref": None,
                "visits_saved": 1 if not window_case else 0,
            })
            for order in range(3):
                material_id, material_name = material_ids[(version_id, order)]
                material_rows.append((uuid.uuid4(), submitted, submitted, cid, material_id, order, material_name,
                                      True, "", "uploaded", f"cases/bench/{cid}-{order}.pdf", f"{material_name}.pdf",
                                      "application/pdf", 20480, "0" * 64, None, "", None, "", "", submitted))
            event_rows.append((cid, submitted, "submit", "draft", "submitted", None, "bench", "applicant",
                               "提交申请", "", "{}", True))
            if accepted:
                event_rows.append((cid, accepted, "accept", "prereviewed", "accepted", None, "bench",
                                   "window_clerk", "受理", "", "{}", True))
            yield row_of(values, case_fields, case_defaults)

    material_fields = ["public_id", "created_at", "updated_at", "case_id", "material_id", "order", "name",
                       "is_required", "licence_type_code", "state", "file", "original_name", "content_type",
                       "size", "sha256", "licence_ref", "licence_number", "licence_used_at", "bundle_key",
                       "note", "uploaded_at"]
    event_fields = ["case_id", "at", "action", "from_status", "to_status", "actor_id", "actor_label", "role",
                    "title", "note", "data", "public"]
    chunk = 50_000
    generator = case_rows()
    # Bulk load without per-row index maintenance and foreign-key triggers (the data is
    # consistent by construction); the indexes are rebuilt once at the end.
    dropped = indexes_drop([Case._meta.db_table, CaseMaterial._meta.db_table, CaseEvent._meta.db_table])
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    loaded = 0
    started = time.perf_counter()
    while loaded < total:
        batch = [row for _, row in zip(range(chunk), generator, strict=False)]
        if not batch:
            break
        copy_rows(Case, case_fields, batch)
        copy_rows(CaseMaterial, material_fields, material_rows)
        copy_rows(CaseEvent, event_fields, event_rows)
        material_rows.clear()
        event_rows.clear()
        loaded += len(batch)
        if loaded % 200_000 == 0:
            print(f"  … {loaded:,} cases in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    started_indexes = time.perf_counter()
    indexes_create(dropped)
    print(f"  {len(dropped)} indexes rebuilt in {time.perf_counter() - started_indexes:.0f} s", flush=True)
    setval(Case)
    setval(CaseMaterial)
    setval(CaseEvent)
    CaseCounter.objects.bulk_create([CaseCounter(key=k, value=v) for k, v in per_day.items()])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    stats["loaded"] = loaded
    return stats


# --- Measuring -------------------------------------------------------------------------------
def explain(label: str, qs) -> None:  # type: ignore[no-untyped-def]
    plan = qs.explain(analyze=True)
    lines = [line.strip() for line in plan.splitlines()]
    index_lines = [line for line in lines if "Index" in line or "Scan" in line][:3]
    timing = [line for line in lines if line.startswith("Execution Time")]
    print(f"  plan {label}: {' | '.join(index_lines)} {timing[0] if timing else ''}")


def measure(args, staff, items, people, streets) -> None:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client

    from onewindow.accounts.models import Person
    from onewindow.accounts.services import api_token_create
    from onewindow.cases import selectors, services
    from onewindow.cases.models import Case

    settings.ONEWINDOW_PROGRESS_QUERY_RATE = 10**9
    clerk = staff["clerk"]
    reviewer = staff["reviewer0"]
    item = items[0]
    version = item.current_version
    materials = [str(m.public_id) for m in version.materials.order_by("order")]
    person_ids = [p[0] for p in people[:5000]]
    persons = {p.id: p for p in Person.objects.filter(id__in=person_ids)}
    rng = random.Random(7)

    def uploads() -> dict[str, SimpleUploadedFile]:
        return {m: SimpleUploadedFile(f"scan{i}.pdf", PDF, content_type="application/pdf")
                for i, m in enumerate(materials)}

    def intake(accept: bool = False):  # type: ignore[no-untyped-def]
        return lambda: services.case_window_intake(actor=clerk.user, item=item,
                                                   person=persons[rng.choice(person_ids)],
                                                   uploads=uploads(), accept=accept)

    print("\n== create an application with 3 materials")
    report("service: window intake, 3 uploaded files (~20 KB each)", timed(intake(), args.repeat))
    report("service: window intake, 3 files + accepted on the spot", timed(intake(True), args.repeat // 2))
    _, clerk_key = api_token_create(user=clerk.user, name="bench")
    client = Client(HTTP_HOST="localhost")
    clerk_auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk_key}"}

    def api_intake() -> None:
        data = {"item_id": str(item.public_id), "person_id": str(persons[rng.choice(person_ids)].public_id)}
        body = {"data": json.dumps(data), **{f"file_{k}": v for k, v in uploads().items()}}
        response = client.post("/api/v1/cases/intake", body, **clerk_auth)
        assert response.status_code == 201, response.content[:300]

    report("HTTP POST /api/v1/cases/intake (multipart, 3 files)", timed(api_intake, args.repeat))
    citizen = Person.objects.get(id=people[0][0])
    if citizen.user_id is None:
        from onewindow.accounts.tests.factories import UserFactory

        citizen.user = UserFactory(username="bench_citizen")
        citizen.save(update_fields=["user"])

    def online() -> None:
        case = services.case_draft_create(actor=citizen.user, item=item)
        for material in case.materials.all():
            services.case_material_upload(actor=citizen.user, material=material,
                                          upload=SimpleUploadedFile("a.pdf", PDF))
        services.case_submit(actor=citizen.user, case=case)

    report("service: online draft + 3 uploads + submit (5 transactions)", timed(online, args.repeat // 2))

    print("\n== workbench: a page of 50 scoped rows")
    tokens = {}
    for name in ("reviewer0", "reviewer7", "leader", "clerk", "street_clerk"):
        _, tokens[name] = api_token_create(user=staff[name].user, name="bench")
    counts = {
        "reviewer0": Case.objects.filter(department=staff["reviewer0"].departments.first()).count(),
        "street": Case.objects.filter(region_path__startswith=streets[0].path).count(),
    }
    print(f"  reach: reviewer0's department holds {counts['reviewer0']:,} cases; "
          f"street 1 holds {counts['street']:,}")

    def api(name: str, params: dict):  # type: ignore[no-untyped-def]
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[name]}"}

        def call() -> None:
            response = client.get("/api/v1/cases", params, **auth)
            assert response.status_code == 200 and response.json()["items"], response.content[:300]
        return call

    for label, name, params in (
        ("dept reviewer, department queue", "reviewer0", {"tab": "department"}),
        ("smaller dept reviewer, department queue", "reviewer7", {"tab": "department"}),
        ("district leader, all open", "leader", {"tab": "open"}),
        ("district leader, status=in_review", "leader", {"tab": "open", "status": "in_review"}),
        ("street clerk (street subtree), all open", "street_clerk", {"tab": "open"}),
        ("dept reviewer, history (newest first)", "reviewer0", {"tab": "all"}),
        ("dept reviewer, history page 20", "reviewer0", {"tab": "all", "page": 20}),
    ):
        report(f"GET /api/v1/cases {label}", timed(api(name, params), args.repeat))
    html = Client(HTTP_HOST="localhost")
    html.force_login(reviewer.user)

    def page() -> None:
        assert html.get("/cases/staff/?tab=department").status_code == 200

    report("GET /cases/staff/ HTML workbench (50 rows, tab counts)", timed(page, args.repeat // 2))
    scope_actor = staff["reviewer0"].user
    explain("department queue", selectors.case_list(actor=scope_actor, filters=selectors.CaseFilters())[:50])
    explain("street open", selectors.case_list(actor=staff["street_clerk"].user,
                                               filters=selectors.CaseFilters(tab="open"))[:50])

    print("\n== progress query and reads")
    sample_ids = rng.sample(range(1, args.cases + 1), 500)
    samples = list(Case.objects.filter(id__in=sample_ids).select_related("applicant_person")
                   .values_list("number", "applicant_person__id_number_hash", "applicant_person_id"))
    wanted = {s[2] for s in samples}
    tails = {pid: num[-6:] for pid, _, num in people if pid in wanted}
    queries = [(number, tails[pid]) for number, _, pid in samples]
    anonymous = Client(HTTP_HOST="localhost")
    cycle = iter(queries * 100)

    def progress() -> None:
        number, tail = next(cycle)
        response = anonymous.get("/api/v1/cases/progress", {"number": number, "id_tail": tail})
        assert response.status_code == 200, response.content[:300]

    report("GET /api/v1/cases/progress (number + ID tail, no sign-in)", timed(progress, args.repeat))
    wrong = iter(queries * 100)
    report("GET /api/v1/cases/progress, wrong tail (uniform 404)",
           timed(lambda: anonymous.get("/api/v1/cases/progress", {"number": next(wrong)[0], "id_tail": "000000"}),
                 args.repeat))
    detail_case = Case.objects.filter(department=staff["reviewer0"].departments.first(), status="in_review").first()
    auth0 = {"HTTP_AUTHORIZATION": f"Bearer {tokens['reviewer0']}"}
    report("GET /api/v1/cases/{id} detail with timeline (staff)",
           timed(lambda: client.get(f"/api/v1/cases/{detail_case.public_id}", **auth0), args.repeat))
    my = Client(HTTP_HOST="localhost")
    my.force_login(citizen.user)
    report("GET /api/v1/me/cases (my applications)", timed(lambda: my.get("/api/v1/me/cases"), args.repeat))
    from onewindow.cases.services import deadline_warnings_raise

    start = time.perf_counter()
    counts2 = deadline_warnings_raise()
    print(f"  deadline_warnings_raise over the open cases: {(time.perf_counter() - start) * 1000:.0f} ms {counts2}")
    start = time.perf_counter()
    today = datetime.now().date()
    report_figures = selectors.case_figures(actor=staff["leader"].user, start=today - timedelta(days=30),
                                            end=today)
    print(f"  figures, district, last 30 days ({report_figures.cases:,} cases): "
          f"{(time.perf_counter() - start) * 1000:.0f} ms")
    connection.close()
    if args.rps_seconds > 0:
        rps(args, tokens, queries)


def rps(args, tokens, queries) -> None:  # type: ignore[no-untyped-def]
    wrk = shutil.which("wrk")
    gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
    if not wrk or not Path(gunicorn).exists():
        print("wrk or gunicorn missing: skipping requests per second (apt-get install wrk)")
        return
    port = 18765
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench_cases_settings", "PYTHONPATH":
           f"{ROOT / 'bench'}:{ROOT}:{ROOT / 'src'}", "ONEWINDOW_TESTING": "1", "DATABASE_URL": BENCH_URL,
           "ONEWINDOW_LOG_LEVEL": "WARNING", "ONEWINDOW_STORAGE_DIR": os.environ["ONEWINDOW_STORAGE_DIR"],
           "ONEWINDOW_TEST_DB_TASKS": "1"}
    print(f"\n== requests per second: gunicorn {args.workers} sync workers, wrk -t2 -c{args.connections}"
          f" -d{args.rps_seconds}s on 127.0.0.1")
    server = subprocess.Popen([gunicorn, "config.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "--chdir", str(ROOT)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        time.sleep(4)
        number, tail = queries[0]
        targets = [
            ("progress query (anonymous)", f"/api/v1/cases/progress?number={number}&id_tail={tail}", None),
            ("workbench API, dept queue (bearer)", "/api/v1/cases?tab=department", tokens["reviewer0"]),
            ("workbench API, street clerk open (bearer)", "/api/v1/cases?tab=open", tokens["street_clerk"]),
            ("health check (baseline)", "/api/v1/health", None),
        ]
        for label, path, token in targets:
            command = [wrk, "-t2", f"-c{args.connections}", f"-d{args.rps_seconds}s", "--latency"]
            if token:
                command += ["-H", f"Authorization: Bearer {token}"]
            command.append(f"http://127.0.0.1:{port}{path}")
            warm = [*command[:3], "-d3s", *command[4:]]
            subprocess.run(warm, capture_output=True, check=False)  # every worker loaded and connected
            out = subprocess.run(command, capture_output=True, text=True, check=False).stdout
            reqs = next((line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")), "?")
            lat50 = next((line.split()[1] for line in out.splitlines() if line.strip().startswith("50%")), "?")
            lat99 = next((line.split()[1] for line in out.splitlines() if line.strip().startswith("99%")), "?")
            non2xx = next((line.strip() for line in out.splitlines() if "Non-2xx" in line), "")
            print(f"{label:<44} {reqs:>8} req/s   latency p50 {lat50:>8}  p99 {lat99:>8}  {non2xx}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rps-seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="reuse a loaded bench database")
    args = parser.parse_args()

    reuse = args.keep and loaded_count() >= args.cases
    if not reuse:
        recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL {connection.cursor().connection.info.server_version}")
    if not reuse:
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        _district, streets, departments, halls, windows, staff, items = build_world()
        people = load_people(args.people, streets)
        print(f"world + {args.people:,} people: {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        stats = load_cases(args.cases, people, departments, halls, windows, staff, items)
        load_s = time.perf_counter() - start
        print(f"{stats['loaded']:,} cases, {3 * stats['loaded']:,} materials, ~{2 * stats['loaded']:,} events "
              f"loaded with COPY in {load_s:.0f} s ({stats['open']:,} open)", flush=True)
    else:
        call_command("migrate", verbosity=0)
        from onewindow.accounts.models import Staff
        from onewindow.catalog.models import ServiceItem
        from onewindow.regions.models import Region

        streets = list(Region.objects.filter(level="street").order_by("code"))
        staff = {s.user.username: s for s in Staff.objects.select_related("user")}
        items = list(ServiceItem.objects.select_related("current_version", "department").order_by("id"))
        people = [(i, f"居民{i}", id_number(i)) for i in range(1, args.people + 1)]
        print(f"reusing {loaded_count():,} cases in {BENCH_URL.rpartition('/')[2]}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('cases_case')), "
                       "pg_size_pretty(pg_indexes_size('cases_case'))")
        size, index_size = cursor.fetchone()
    print(f"cases_case: {size} including {index_size} of indexes")
    measure(args, staff, items, people, streets)


if __name__ == "__main__":
    main()
