"""Grid governance benchmark on PostgreSQL: 1,000,000 residents in 300,000 houses.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_grid .venv/bin/python bench/bench_grid.py \
        [--residents 1000000] [--houses 300000] [--repeat 100] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it loaded) and
bulk-loads with COPY a district of 10 streets, 100 communities and 700 grids with polygons;
300,000 houses in 12,500 buildings; 1,000,000 natural persons (sealed ID numbers and phones)
living in about 280,000 households (8 % of them with special-group tags, 10 % floating in rented
houses with their tenancies); a grid worker per grid; a year of visits (about 250,000) and of
events (about 67,000, four in five reported into the 12345 pipeline, with their tickets); one
change record per household and member. Then it measures, each after a warm-up:

- a grid worker's due-visit list (the selector; the phone page; the API);
- a household page (the page; the API detail);
- verifying a self-declaration (a correction; a landlord's new tenant, which registers the person,
  the household, the tenancy and the residence registration and issues its e-licence PDF);
- the street's figures (the selector; the page);
- the GeoJSON of a street's grids with their event counts (the API), with the payload size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")

import _common  # noqa: E402
from _common import bench_url, setval, timed  # noqa: E402

BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_grid")
os.environ["DATABASE_URL"] = BENCH_URL

STREETS, COMMUNITIES, GRIDS = 10, 10, 7  # communities per street, grids per community
LNG0, LAT0, STREET_W, HEIGHT = 102.70, 25.00, 0.02, 0.20
HOUSES_PER_BUILDING = 24
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董"
GIVEN = "伟强磊军勇杰涛明超刚平辉鹏华飞芳娜敏静丽艳娟霞秀英燕玲桂兰"
ROADS = ("北京路", "白塔路", "东风东路", "穿金路", "金星路", "北辰大道", "龙泉路", "拓东路", "青云路")


def report(label: str, samples: list[float], extra: str = "") -> None:
    _common.report(label, samples, width=70, extra=f" {extra}" if extra else "")


# --- Database ---------------------------------------------------------------------------------
def copy_rows(model, rows, fields: list[str] | None = None) -> int:  # type: ignore[no-untyped-def]
    """COPY rows (dicts keyed by attname) into the model's table."""
    from django.db import connection

    fields = fields or [f.attname for f in model._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row if isinstance(row, tuple) else tuple(row[f] for f in fields))
            n += 1
    return n


def _tuple(fields: list[str], values: dict) -> tuple:
    return tuple(values[f] for f in fields)


def _rect(lng: float, lat: float, w: float, h: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[round(lng, 6), round(lat, 6)], [round(lng + w, 6), round(lat, 6)],
                                                [round(lng + w, 6), round(lat + h, 6)],
                                                [round(lng, 6), round(lat + h, 6)], [round(lng, 6), round(lat, 6)]]]}


def build_world():  # type: ignore[no-untyped-def]
    from onewindow.accounts.constants import DepartmentKind, Role
    from onewindow.accounts.models import Department
    from onewindow.accounts.tests.factories import staff_make
    from onewindow.core.services import calendar_seed_from_library
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    calendar_seed_from_library()
    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT, None,
                           _rect(LNG0, LAT0, STREET_W * STREETS, HEIGHT))
    streets, communities, grids = [], [], []
    ch, gw = HEIGHT / COMMUNITIES, STREET_W / GRIDS
    for s in range(STREETS):
        street = region_make(f"530103{s + 1:03d}000", f"街道{s + 1}", RegionLevel.STREET, district,
                             _rect(LNG0 + s * STREET_W, LAT0, STREET_W, HEIGHT))
        streets.append(street)
        for k in range(COMMUNITIES):
            community = region_make(f"530103{s + 1:03d}{k + 1:03d}", f"街道{s + 1}社区{k + 1}", RegionLevel.COMMUNITY,
                                    street, _rect(LNG0 + s * STREET_W, LAT0 + k * ch, STREET_W, ch))
            communities.append(community)
            for g in range(GRIDS):
                grids.append(region_make(f"{community.code}{g + 1:03d}", f"{community.name}第{g + 1}网格",
                                         RegionLevel.GRID, community,
                                         _rect(LNG0 + s * STREET_W + g * gw, LAT0 + k * ch, gw, ch)))
    committees = {cm.id: Department.objects.create(code=f"{cm.code}-JWH", name=f"{cm.name}居委会", region=cm,
                                                   kind=DepartmentKind.COMMUNITY_COMMITTEE) for cm in communities}
    bureau = Department.objects.create(code="530103-CGJ", name="盘龙区城市管理局", kind="bureau", region=district)
    workers = {}
    for grid in grids:
        workers[grid.id] = staff_make(username=f"wg{grid.code}", region=grid, roles=[Role.GRID_WORKER],
                                      departments=[committees[grid.parent_id]], name=f"网格员{grid.code[-5:]}")
    street_staff = staff_make(username="street1", region=streets[0], roles=[Role.GRID_WORKER], name="街道网格中心")
    supervisor = staff_make(username="supervisor", region=district, roles=[Role.SUPERVISOR], name="监督员")
    reviewer = staff_make(username="bureau", region=district, roles=[Role.DEPT_REVIEWER], departments=[bureau])
    return district, streets, communities, grids, workers, {"street": street_staff, "supervisor": supervisor,
                                                            "reviewer": reviewer, "bureau": bureau}


def load(residents: int, houses: int, grids, workers, bureau) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.utils import timezone

    from onewindow.accounts.models import Person
    from onewindow.accounts.rules import id_number_check_char
    from onewindow.core.crypto import lookup_hash, seal
    from onewindow.grid.models import (
        Building,
        ChangeRecord,
        Declaration,
        GridEvent,
        House,
        Household,
        Resident,
        Tenancy,
        Visit,
    )
    from onewindow.tickets.models import Ticket, TicketCounter

    rng = random.Random(20261207)
    now = timezone.now()
    today = timezone.localdate()
    stats: dict[str, int] = {}
    sealed_ids = [seal(f"5301031980010{i:04d}") for i in range(1000)]
    phones = [f"139{i:08d}" for i in range(2000)]
    sealed_phones = [(seal(p), lookup_hash(p)) for p in phones]
    per_grid = houses // len(grids)

    # buildings and houses
    buildings, house_rows, house_grid = [], [], []
    bid = hid = 0
    for grid in grids:
        community_code = grid.code[:12]
        number = int(grid.code[-3:]) * 1000  # distinct per community
        for i in range(per_grid):
            if i % HOUSES_PER_BUILDING == 0:
                bid += 1
                number += 1
                road = ROADS[bid % len(ROADS)]
                name = f"{road}{bid % 400 + 1}号{number % 30 + 1}栋"
                lng = grid.min_lng + (grid.max_lng - grid.min_lng) * (0.1 + 0.8 * rng.random())
                lat = grid.min_lat + (grid.max_lat - grid.min_lat) * (0.1 + 0.8 * rng.random())
                buildings.append({"id": bid, "public_id": uuid.uuid4(), "created_at": now, "updated_at": now,
                                  "code": f"{community_code}-{number:04d}", "number": f"{number:04d}",
                                  "community_id": grid.parent_id, "grid_id": grid.id, "region_path": grid.path,
                                  "name": name, "address": f"昆明市盘龙区{name}", "lng": lng, "lat": lat, "floors": 6})
                building_code, building_name = f"{community_code}-{number:04d}", name
            hid += 1
            slot = i % HOUSES_PER_BUILDING
            unit, room = f"{slot // 6 + 1:02d}", f"{slot % 6 + 1:02d}01"
            house_rows.append({"id": hid, "public_id": uuid.uuid4(), "created_at": now, "updated_at": now,
                               "code": f"{building_code}-{unit}-{room}", "building_id": bid, "unit": unit,
                               "room": room, "grid_id": grid.id, "region_path": grid.path,
                               "address": f"昆明市盘龙区{building_name}{unit}单元{room.lstrip('0')}室",
                               "use": "own", "owner_person_id": None, "owner_enterprise_id": None,
                               "property_unit_code": "", "is_active": True})
            house_grid.append(grid)
    stats["buildings"] = copy_rows(Building, buildings)
    # households and persons: ~93 % of houses inhabited, household sizes 1–6 summing to ``residents``
    # persons are written as they are made; residents and change records kept as compact tuples
    person_rows, resident_rows, household_rows, change_rows, tenancy_rows = [], [], [], [], []
    resident_fields = [f.attname for f in Resident._meta.concrete_fields]
    change_fields = [f.attname for f in ChangeRecord._meta.concrete_fields if f.attname != "id"]
    stats["persons"] = 0
    pid = rid = 0
    inhabited = [h for h in house_rows if rng.random() < 0.93]
    avg = residents / max(len(inhabited), 1)
    sizes_pool = [1, 2, 2, 3, 3, 3, 4, 4, 5, 6]
    relations = ("spouse", "child", "child", "parent", "grandchild", "sibling")
    tags_pool = (["elderly_alone"], ["disabled"], ["low_income"], ["veteran"], ["empty_nest"], ["serious_illness"])
    for index, house in enumerate(inhabited):
        if pid >= residents:
            break
        grid = house_grid[house["id"] - 1]
        remaining_houses = len(inhabited) - index
        # sizes 1–7 averaging ``avg`` (the pool alone averages 3.3); the last household takes the rest
        size = rng.choice(sizes_pool) + (1 if rng.random() < avg - 3.3 else 0)
        size = residents - pid if remaining_houses == 1 else max(1, min(size, residents - pid - (remaining_houses - 1)))
        floating = rng.random() < 0.10
        hhid = len(household_rows) + 1
        members = []
        for m in range(size):
            pid += 1
            born = date(1935, 1, 1) + timedelta(days=rng.randrange(85 * 365))
            first17 = f"{'510104' if floating else '530103'}{born:%Y%m%d}{pid % 1000:03d}"
            number = first17 + id_number_check_char(first17)
            phone, phone_hash = sealed_phones[rng.randrange(len(sealed_phones))]
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            person_rows.append({"id": pid, "public_id": uuid.uuid4(), "created_at": now, "updated_at": now,
                                "name": name, "id_number": sealed_ids[pid % 1000],
                                "id_number_hash": lookup_hash(f"{number}-{pid}"), "gender": "MF"[pid % 2],
                                "birth_date": born, "phone": phone, "phone_hash": phone_hash, "address": "",
                                "region_id": grid.id, "region_path": grid.path, "user_id": None})
            tags = rng.choice(tags_pool) if rng.random() < 0.08 else []
            rid += 1
            members.append((pid, name, tags))
            if len(person_rows) >= 50_000:
                stats["persons"] += copy_rows(Person, person_rows)
                person_rows.clear()
            resident_rows.append(_tuple(resident_fields, {
                "id": rid, "public_id": uuid.uuid4(), "created_at": now, "updated_at": now, "household_id": hhid,
                "person_id": pid, "grid_id": grid.id, "region_path": grid.path,
                "relation": "head" if m == 0 else relations[m % len(relations)],
                "residence_type": "floating" if floating else ("registered" if rng.random() < 0.7 else "resident"),
                "arrived_on": today - timedelta(days=rng.randrange(30, 900)) if floating else None,
                "planned_stay_until": today + timedelta(days=rng.randrange(60, 700)) if floating else None,
                "stay_reason": "work" if floating else "", "tags": json.dumps(tags), "joined_on": today - timedelta(
                    days=400), "left_on": None}))
            change_rows.append(_tuple(change_fields, {
                "at": now - timedelta(days=400), "actor_id": None, "actor_label": "bench", "source": "demo",
                "action": "member_add", "house_id": None, "household_id": hhid, "resident_id": rid,
                "declaration_id": None, "visit_id": None, "changes": json.dumps({"name": name[0] + "*" + name[-1]}),
                "note": ""}))
        all_tags = [t for _, _, ts in members for t in ts]
        visited = None if rng.random() < 0.3 else now - timedelta(days=rng.randrange(1, 365), hours=rng.randrange(24))
        household_rows.append({
            "id": hhid, "public_id": uuid.uuid4(), "created_at": now, "updated_at": now,
            "number": f"{house['code']}-1", "house_id": house["id"], "grid_id": grid.id, "region_path": grid.path,
            "head_id": members[0][0], "head_name": members[0][1], "member_count": size,
            "priority": any(t in ("elderly_alone", "disabled", "low_income", "serious_illness") for t in all_tags),
            "special": bool(all_tags), "floating": floating, "last_visited_at": visited, "dissolved_at": None})
        change_rows.append(_tuple(change_fields, {
            "at": now - timedelta(days=400), "actor_id": None, "actor_label": "bench", "source": "demo",
            "action": "household_create", "house_id": house["id"], "household_id": hhid, "resident_id": None,
            "declaration_id": None, "visit_id": None, "changes": json.dumps({"members": size}), "note": ""}))
        if floating:
            house["use"] = "rented"
            start = today - timedelta(days=rng.randrange(30, 900))
            tenancy_rows.append({"id": len(tenancy_rows) + 1, "public_id": uuid.uuid4(), "created_at": now,
                                 "updated_at": now, "house_id": house["id"], "household_id": hhid,
                                 "landlord_id": None, "region_path": grid.path, "start_on": start, "end_on": None,
                                 "reported_at": now - timedelta(days=rng.randrange(0, 365)), "reported_by_id": None,
                                 "report_source": "landlord", "late": rng.random() < 0.2})
        else:
            house["owner_person_id"] = members[0][0]
    for house in house_rows:
        if house["owner_person_id"] is None and house["use"] == "own":
            house["use"] = rng.choice(("vacant", "commercial"))
    stats["persons"] += copy_rows(Person, person_rows)
    stats["houses"] = copy_rows(House, house_rows)
    stats["households"] = copy_rows(Household, household_rows)
    stats["residents"] = copy_rows(Resident, resident_rows, resident_fields)
    stats["tenancies"] = copy_rows(Tenancy, tenancy_rows)
    stats["changes"] = copy_rows(ChangeRecord, change_rows, change_fields)
    by_grid: dict[int, list[dict]] = {}
    for row in household_rows:
        by_grid.setdefault(row["grid_id"], []).append(row)
    del person_rows, resident_rows, change_rows

    # a year of visits: each worker about 30 households a month
    visit_rows, vid = [], 0
    for grid in grids:
        worker = workers[grid.id]
        households = by_grid.get(grid.id, [])
        for month in range(12):
            for household in rng.sample(households, min(len(households), 30)):
                vid += 1
                at = now - timedelta(days=month * 30 + rng.randrange(30), hours=rng.randrange(24))
                visit_rows.append({"id": vid, "public_id": uuid.uuid4(), "created_at": at, "updated_at": at,
                                   "household_id": household["id"], "grid_id": grid.id, "region_path": grid.path,
                                   "worker_id": worker.user_id, "worker_name": worker.name, "visited_at": at,
                                   "lng": grid.min_lng + 0.001, "lat": grid.min_lat + 0.001,
                                   "location_check": "inside", "location_note": "", "notes": "入户走访，一切正常。",
                                   "corrections": "[]"})
    stats["visits"] = copy_rows(Visit, visit_rows)
    del visit_rows

    # a year of events, four in five reported into the hotline (tickets with a site check)
    ticket_fields = [f.attname for f in Ticket._meta.concrete_fields]
    # every column the rows below do not name gets the model's default ("" for a text column
    # without one), so that a column added to Ticket later does not break the COPY
    ticket_defaults = {f.attname: f.get_default() if f.has_default() else
                       ("" if not f.null and f.get_internal_type() in ("CharField", "TextField") else None)
                       for f in Ticket._meta.concrete_fields}
    tickets, events, per_day = [], [], {}
    tid = eid = 0
    sealed_name = seal("网格员")
    for grid in grids:
        worker = workers[grid.id]
        for _ in range(96):
            eid += 1
            at = now - timedelta(days=rng.randrange(365), hours=rng.randrange(24))
            day = timezone.localtime(at).date()
            reported = rng.random() < 0.8
            ticket_id = None
            lng = grid.min_lng + (grid.max_lng - grid.min_lng) * rng.random()
            lat = grid.min_lat + (grid.max_lat - grid.min_lat) * rng.random()
            if reported:
                tid += 1
                ticket_id = tid
                seq = per_day.get(day, 0) + 1
                per_day[day] = seq
                due = at + timedelta(days=7)
                age = (now - at).days
                status = rng.choice(("dispatched", "accepted", "replied")) if age < 10 else rng.choice(
                    ("closed",) * 8 + ("callback_done", "replied"))
                replied = at + timedelta(hours=rng.randrange(4, 200)) if status in (
                    "replied", "closed", "callback_done") else None
                values = dict(ticket_defaults)
                values.update({
                    "id": tid, "public_id": uuid.uuid4(), "created_at": at, "updated_at": at,
                    "number": f"12345-{day:%Y%m%d}-{seq:06d}", "kind": "help", "title": "网格上报事件",
                    "text": "【网格上报】路灯损坏，夜间出行不便。", "channel": "grid", "urgency": "normal",
                    "limit_class": "general", "received_at": at, "address": grid.name, "lng": lng, "lat": lat,
                    "region_id": grid.id, "region_path": grid.path, "requester_name": sealed_name,
                    "requester_phone": "", "requester_phone_hash": "", "requester_user_id": worker.user_id,
                    "confidential": False, "department_id": bureau.id, "status": status, "clock_started_at": at,
                    "due_at": due, "warning_at": at + timedelta(days=5), "due_provisional": False,
                    "warned": False, "overdue": bool(replied and replied > due), "dispatched_at": at,
                    "accepted_at": at + timedelta(hours=2) if status != "dispatched" else None,
                    "replied_at": replied, "callback_at": replied if status in ("closed", "callback_done") else None,
                    "closed_at": replied if status == "closed" else None, "dispatch_via": "rule",
                    "dispatch_note": "", "classifier_label": "城乡建设", "classifier_confidence": 0.9,
                    "classifier_version": "bench", "classifier_alternatives": "[]",
                    "reply_text": "已处理。" if replied else "", "satisfaction": "satisfied" if status == "closed"
                    else "", "solved": True if status == "closed" else None, "callback_note": "",
                    "return_count": 0, "reopen_count": 0, "external_id": "", "supporters": 0,
                    "created_by_id": worker.user_id, "site_check": True})
                tickets.append(values)
            events.append({"id": eid, "public_id": uuid.uuid4(), "created_at": at, "updated_at": at,
                           "number": f"WG-{day:%Y%m%d}-{eid:06d}", "kind": "reported" if reported else "self_handled",
                           "category": "facility", "title": "路灯损坏", "text": "路灯损坏，夜间出行不便。",
                           "grid_id": grid.id, "region_path": grid.path, "address": "", "lng": lng, "lat": lat,
                           "location_check": "inside", "location_note": "", "household_id": None,
                           "reporter_id": worker.user_id, "reporter_name": worker.name, "reported_at": at,
                           "ticket_id": ticket_id, "handled_note": "" if reported else "已当场处置",
                           "handled_at": None if reported else at,
                           "closed_at": (tickets[-1]["closed_at"] if reported else at)})
    stats["tickets"] = copy_rows(Ticket, tickets, ticket_fields)
    stats["events"] = copy_rows(GridEvent, events)
    TicketCounter.objects.bulk_create([TicketCounter(day=d, last=n) for d, n in per_day.items()])
    for model in (Building, House, Person, Household, Resident, Tenancy, Visit, Ticket, GridEvent):
        setval(model)
    # a few pending declarations spread over the district
    declarations = []
    for i, row in enumerate(household_rows[:: max(1, len(household_rows) // 2000)]):
        declarations.append(Declaration(kind="correction", submitted_by_id=workers[row["grid_id"]].user_id,
                                        declarant_id=row["head_id"], household_id=row["id"], grid_id=row["grid_id"],
                                        region_path=row["region_path"], summary=f"信息更正 {i}",
                                        payload=json.dumps({"note": "联系电话变更"}),
                                        submitted_at=now - timedelta(days=rng.randrange(10))))
    Declaration.objects.bulk_create(declarations, batch_size=1000)
    stats["declarations"] = len(declarations)
    with connection.cursor() as cursor:
        for table in ("accounts_person", "grid_building", "grid_house", "grid_household", "grid_resident",
                      "grid_visit", "grid_gridevent", "grid_tenancy", "grid_changerecord", "grid_declaration",
                      "tickets_ticket"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return stats


# --- Measurements -----------------------------------------------------------------------------
def measure(args, grids, workers, staff) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client
    from django.utils import timezone

    from onewindow.accounts.models import Person, User
    from onewindow.accounts.rules import id_number_check_char
    from onewindow.cases.tests.factories import citizen_make
    from onewindow.grid import selectors, services
    from onewindow.grid.constants import HouseUse
    from onewindow.grid.models import Declaration, House, Household, Resident

    grid = grids[0]
    worker = workers[grid.id].user
    street = staff["street"].user
    street_region = grid.parent.parent
    page = Client(HTTP_HOST="localhost")
    page.force_login(worker)

    print(f"\n== a grid worker's due-visit list ({Household.objects.filter(grid=grid).count():,} households "
          f"in the grid, {selectors.due_visits(actor=worker).count():,} due)")
    report("selector: first 30 due households + their count",
           timed(lambda: (list(selectors.due_visits(actor=worker)[:30]), selectors.due_visits(actor=worker).count()),
                 args.repeat))
    report("GET /staff/grid/ (the phone page: quota, due list, checks, declarations)",
           timed(lambda: page.get("/staff/grid/"), args.repeat))
    report("GET /api/v1/grid/households/due", timed(lambda: page.get("/api/v1/grid/households/due"), args.repeat))

    ids = list(Household.objects.filter(grid=grid).values_list("public_id", flat=True)[:200])
    rng = random.Random(3)
    print("\n== a household page")
    report("GET /staff/grid/households/<id>/ (members masked, visits, history)",
           timed(lambda: page.get(f"/staff/grid/households/{rng.choice(ids)}/"), args.repeat))
    report("GET /api/v1/grid/households/<id>",
           timed(lambda: page.get(f"/api/v1/grid/households/{rng.choice(ids)}"), args.repeat))

    print("\n== verifying a self-declaration")
    run = random.Random()  # fresh people and rooms on every run (--keep reuses the database)
    from onewindow.accounts.tests.factories import make_id_number

    owner = citizen_make(username=f"bench_owner_{run.randrange(10**9)}", name="李华", region=grid,
                         id_number=make_id_number(run.randrange(1000), division="530102",
                                                  born=f"19{run.randrange(50, 99)}0{run.randrange(1, 10)}01"))
    members = list(Resident.objects.filter(grid=grid, left_on__isnull=True)
                   .select_related("household")[:args.repeat + 3])
    pending = []
    for member in members:
        pending.append(Declaration.objects.create(
            kind="correction", submitted_by=owner.user, declarant=owner, household=member.household, grid=grid,
            region_path=grid.path, summary="信息更正", submitted_at=timezone.now(),
            payload=json.dumps({"resident": str(member.public_id), "tags": ["veteran"], "note": "退役军人"})))
    queue = iter(pending)
    report("declaration_accept: a correction (special-group tag; history, audit)",
           timed(lambda: services.declaration_accept(actor=worker, declaration=next(queue)), args.repeat))
    building_house = House.objects.filter(grid=grid).first()
    tenants = []
    unit = f"{run.randrange(10, 100)}"
    for i in range(args.tenants + 1):
        house = services.house_create(actor=None, building=building_house.building, unit=unit,
                                      room=f"{run.randrange(1, 9999):04d}", use=HouseUse.VACANT, owner_person=owner)
        r = run.randrange(10**9)
        first17 = f"510104{1960 + r % 40}{r // 40 % 12 + 1:02d}{r // 480 % 28 + 1:02d}{r // 13440 % 1000:03d}"
        tenants.append(Declaration.objects.create(
            kind="tenant", submitted_by=owner.user, declarant=owner, house=house, grid=grid, region_path=grid.path,
            summary="新增租客", submitted_at=timezone.now(),
            payload=json.dumps({"name": f"租客{i}", "id_number": first17 + id_number_check_char(first17),
                                "moved_in_on": timezone.localdate().isoformat(), "stay_reason": "work"})))
    tenant_queue = iter(tenants)
    report("declaration_accept: a landlord's new tenant (person, household, tenancy, registration, e-licence PDF)",
           timed(lambda: services.declaration_accept(actor=worker, declaration=next(tenant_queue)), args.tenants,
                 warmup=1))
    del Person, User

    print(f"\n== the street's figures ({street_region.name}: "
          f"{Resident.objects.filter(region_path__startswith=street_region.path, left_on__isnull=True).count():,}"
          " residents)")
    report("selector: region_figures(street) — 10 communities",
           timed(lambda: selectors.region_figures(actor=street, region=street_region), max(args.repeat // 4, 10)))
    street_page = Client(HTTP_HOST="localhost")
    street_page.force_login(street)
    report("GET /staff/grid/figures/ (street staff)",
           timed(lambda: street_page.get("/staff/grid/figures/"), max(args.repeat // 4, 10)))

    print("\n== the GeoJSON of a street's grids with event counts")
    sizes: list[int] = []

    def geojson() -> None:
        response = street_page.get(f"/api/v1/grid/map/regions?region={street_region.code}")
        assert response.status_code == 200
        sizes.append(len(response.content))

    samples = timed(geojson, max(args.repeat // 2, 10))
    body = street_page.get(f"/api/v1/grid/map/regions?region={street_region.code}")
    import gzip

    report("GET /api/v1/grid/map/regions (70 grids + 10 community outlines)", samples,
           f"  payload {sizes[-1] / 1024:.1f} KB ({len(gzip.compress(body.content)) / 1024:.1f} KB gzipped)")
    report("GET /api/v1/grid/map/points (one grid: buildings, events, visits)",
           timed(lambda: street_page.get(f"/api/v1/grid/map/points?grid={grid.code}"), max(args.repeat // 2, 10)),
           f"  payload {len(street_page.get(f'/api/v1/grid/map/points?grid={grid.code}').content) / 1024:.1f} KB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--houses", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse a loaded bench database")
    args = parser.parse_args()
    reuse = args.keep and _common.loaded_count(BENCH_URL, "grid_resident") >= args.residents * 0.99
    if not reuse:
        _common.recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL {connection.cursor().connection.info.server_version}, "
          f"load average {os.getloadavg()[0]:.1f}")
    from onewindow.accounts.models import Staff
    from onewindow.regions.models import Region

    if not reuse:
        start = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"migrate: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        _district, _streets, _communities, grids, workers, staff = build_world()
        print(f"world: {time.perf_counter() - start:.1f} s", flush=True)
        start = time.perf_counter()
        stats = load(args.residents, args.houses, grids, workers, staff["bureau"])
        print(", ".join(f"{k} {v:,}" for k, v in stats.items()) + f" loaded with COPY in "
              f"{time.perf_counter() - start:.0f} s", flush=True)
    else:
        grids = list(Region.objects.filter(level="grid").select_related("parent__parent").order_by("code"))
        by_user = {s.user.username: s for s in Staff.objects.select_related("user")}
        workers = {g.id: by_user[f"wg{g.code}"] for g in grids}
        staff = {"street": by_user["street1"]}
        print(f"reusing {_common.loaded_count(BENCH_URL, 'grid_resident'):,} residents in "
              f"{BENCH_URL.rpartition('/')[2]}")
    grids = list(Region.objects.filter(level="grid").select_related("parent__parent").order_by("code"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                       "WHERE c.relname LIKE 'grid_%' AND c.relkind = 'r'")
        print(f"grid tables: {cursor.fetchone()[0]} (with indexes)")
    measure(args, grids, workers, staff)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
