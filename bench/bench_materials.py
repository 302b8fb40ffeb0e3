"""Material library benchmark (issue 16) on PostgreSQL: the checklist of a case with 10
materials for a person with 50 library materials.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_materials .venv/bin/python bench/bench_materials.py \
        [--persons 20000] [--per-person 50] [--licences 4] [--repeat 300] [--keep]

Runs against "<database>_bench" (dropped and created afresh unless --keep finds it loaded).
Loads persons, their e-licences and ``per-person`` library materials each with COPY (10 of the
50 match the item's materials, some superseded, expired or withdrawn from reuse), then measures
after a warm-up, for random persons:
- the checklist plan of a case with 10 materials (``cases.services.materials._materials_plan``: the
  holder's e-licences and library materials matched to the catalogue, levels and sources);
- the library lookup alone (``materials.selectors.library_for_keys``);
- the whole online draft creation (case + 10 checklist rows + audit) through the service;
- 我的材料: the holder's 50 library materials and their last 200 uses.
Prints median, p95 and p99 with the data size.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
os.environ.setdefault("ONEWINDOW_STORAGE_DIR", str(ROOT / "var" / "bench-storage"))

import _common  # noqa: E402
from _common import bench_url, loaded_count, recreate_database, setval  # noqa: E402

BENCH_URL = bench_url(os.environ.get("DATABASE_URL", ""), "bench_materials")
os.environ["DATABASE_URL"] = BENCH_URL
ITEM_MATERIALS = 10


def timed(func, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    return _common.timed(func, repeat, warmup=5)


def report(label: str, samples: list[float]) -> None:
    _common.report(label, samples, width=58)


def copy_rows(model, fields: list[str], rows) -> int:  # type: ignore[no-untyped-def]
    n = _common.copy_rows(model, fields, rows)
    setval(model)
    return n


def build(persons: int, per_person: int, licences: int) -> None:
    from django.utils import timezone

    from onewindow.accounts.models import Department, Person, User
    from onewindow.cases.tests.factories import service_item_make
    from onewindow.core.crypto import lookup_hash, seal
    from onewindow.licences.models import Licence, LicenceType
    from onewindow.materials.models import LibraryMaterial
    from onewindow.materials.rules import material_key
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT)
    dept = Department.objects.create(code="530103-D00", name="盘龙区部门00", kind="bureau", region=district)
    item = service_item_make(department=dept, materials=ITEM_MATERIALS, name="测试事项（10项材料）",
                             service_object="natural", licence_codes={0: "ID_CARD", 1: "HOUSEHOLD_REGISTER"})
    catalogue = list(item.current_version.materials.order_by("order"))
    for m in catalogue:
        m.trust_levels = "ABCD" if m.order == 9 else "ABC"
        m.save(update_fields=["trust_levels"])
    keys = [material_key(m.name, m.licence_type_code) for m in catalogue]
    other_keys = [f"name:其他材料{k}" for k in range(200)]
    now = timezone.now()
    types = [LicenceType.objects.create(code=code, name=code, holder_kind="person")
             for code in ("ID_CARD", "HOUSEHOLD_REGISTER", "MARRIAGE_CERT", "DRIVING_LICENCE")[:licences]]
    rng = random.Random(16)
    started = time.perf_counter()
    users = [User(username=f"p{i}", kind="citizen") for i in range(1, persons + 1)]
    User.objects.bulk_create(users, batch_size=5000)
    user_ids = dict(User.objects.filter(username__startswith="p").values_list("username", "id"))
    hashes: dict[int, str] = {}

    def people():  # type: ignore[no-untyped-def]
        for i in range(1, persons + 1):
            number = f"530103{1950 + i % 60}0101{i % 1000:03d}{i % 10}"[:18]
            hashes[i] = lookup_hash(f"id:{i}")
            yield (i, uuid.uuid4(), now, now, f"居民{i}", seal(number), hashes[i], "M", None, "", "", "",
                   None, district.path, user_ids[f"p{i}"])

    copy_rows(Person, ["id", "public_id", "created_at", "updated_at", "name", "id_number", "id_number_hash",
                       "gender", "birth_date", "phone", "phone_hash", "address", "region_id", "region_path",
                       "user_id"], people())

    def licence_rows():  # type: ignore[no-untyped-def]
        n = 0
        for i in range(1, persons + 1):
            for t in types:
                n += 1
                yield (n, uuid.uuid4(), now, now, t.id, "licence", f"N{n}", False, "", "person", f"居民{i}", "",
                       hashes[i], "", i, None, "发证机关", None, "", now.date(), now.date(), None, "valid", None, "",
                       "", f"V{n:020d}", "import", "", "{}")

    copy_rows(Licence, ["id", "public_id", "created_at", "updated_at", "licence_type_id", "document_kind", "number",
                        "number_is_holder_id", "title", "holder_kind", "holder_name", "holder_id_number",
                        "holder_id_number_hash", "holder_credit_code", "holder_person_id", "holder_enterprise_id",
                        "issuer_name", "issuing_department_id", "issuer_region_path", "issued_on", "valid_from",
                        "valid_until", "status", "revoked_at", "revocation_reason", "file", "verification_code",
                        "source", "source_ref", "data"], licence_rows())

    def library_rows():  # type: ignore[no-untyped-def]
        n = 0
        for i in range(1, persons + 1):
            matching = keys[2:] if rng.random() < 0.7 else []
            chosen = matching + rng.sample(other_keys, per_person - len(matching))
            for key in chosen:
                n += 1
                roll = rng.random()
                status = "superseded" if roll < 0.1 else "valid"
                valid_until = (now - timedelta(days=10)).date() if roll > 0.95 else (now + timedelta(days=700)).date()
                yield (n, uuid.uuid4(), now, now, "person", i, None, f"居民{i}", key, key[5:], f"library/x/{n}.pdf",
                       "", "application/pdf", 20000, "0" * 64, "window", None, "窗口人员", "政务服务中心",
                       now - timedelta(days=rng.randint(1, 900)), valid_until, "", None, district.path, status,
                       roll < 0.9, None, 0)

    count = copy_rows(LibraryMaterial, [
        "id", "public_id", "created_at", "updated_at", "holder_kind", "holder_person_id", "holder_enterprise_id",
        "holder_name", "key", "name", "file", "original_name", "content_type", "size", "sha256", "verify_method",
        "verified_by_id", "verifier_name", "verifier_department", "verified_at", "valid_until", "source_case_ref",
        "source_case_uuid", "region_path", "status", "reuse_allowed", "consent_changed_at", "use_count"],
        library_rows())
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {persons} persons, {persons * len(types)} e-licences, {count} library materials "
          f"in {time.perf_counter() - started:.0f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--per-person", type=int, default=50)
    parser.add_argument("--licences", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    keep = args.keep and loaded_count(BENCH_URL, "materials_librarymaterial") > 0
    if not keep:
        recreate_database(BENCH_URL)
    import django

    django.setup()
    from django.core.management import call_command

    if not keep:
        call_command("migrate", verbosity=0)
        build(args.persons, args.per_person, args.licences)

    from onewindow.accounts.models import Person
    from onewindow.cases import services as case_services
    from onewindow.catalog.models import ServiceItem
    from onewindow.materials import selectors as msel
    from onewindow.materials.rules import material_key

    item = ServiceItem.objects.select_related("current_version").get(current_version__name="测试事项（10项材料）")
    version = item.current_version
    catalogue = list(version.materials.all())
    keys = [material_key(m.name, m.licence_type_code) for m in catalogue]
    rng = random.Random(7)
    top = Person.objects.order_by("-id").values_list("id", flat=True).first() or 1
    persons = {p.id: p for p in Person.objects.filter(id__in=rng.sample(range(1, top + 1), min(top, 2000)))}
    pool = list(persons.values())
    print(f"PostgreSQL, {platform.node()} ({os.cpu_count()} CPUs, shared and loaded), "
          f"{top} persons × {args.per_person} library materials, item with {ITEM_MATERIALS} materials", flush=True)
    reused = [0]

    def plan() -> None:
        rows = case_services.materials._materials_plan(version, holder=rng.choice(pool), catalogue=catalogue)
        reused[0] += sum(1 for r in rows if r.state == "library")

    report("checklist of a case with 10 materials (plan)", timed(plan, args.repeat))
    print(f"  library materials reused per checklist: {reused[0] / (args.repeat + 5):.1f}", flush=True)
    report("library lookup alone (10 keys)",
           timed(lambda: msel.library_for_keys(holder=rng.choice(pool), keys=keys), args.repeat))

    def mine() -> None:
        holder = msel.Holder(person=rng.choice(pool), enterprise=None)
        list(msel.library_of_holder(holder=holder))
        msel.uses_of_holder(holder=holder)

    report("我的材料: 50 library materials and their uses", timed(mine, args.repeat))

    def draft() -> None:
        person = rng.choice(pool)
        user = person.user
        case_services.case_draft_create(actor=user, item=item)

    report("online draft with its 10-row checklist (service)", timed(draft, max(args.repeat // 3, 20)))


if __name__ == "__main__":
    main()
