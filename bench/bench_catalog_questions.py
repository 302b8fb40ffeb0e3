"""Citizens' questions against the 1,135 real items of 广安区: hit@1 / hit@5, lexical vs semantic.

    .venv/bin/python bench/bench_catalog_questions.py [--repeat 3] [--verbose]

Loads ``../shared/data/catalog/guangan_district_511602_items.csv`` with ``catalog_load_guangan``
into a temporary database, then asks every question of ``catalog/data/guangan_questions.csv``
(written for this project: a question as a citizen types it → the item(s) that answer it) through
``GET /api/v1/catalog/search`` twice: with the lexical index alone, and with the semantic second
stage (catalog/semantic.py). Prints hit@1, hit@5 and the latency of each (median, p99). Skips
cleanly when the shared data folder is absent.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

QUESTIONS = ROOT / "src" / "onewindow" / "catalog" / "data" / "guangan_questions.csv"


def questions() -> list[tuple[str, set[str]]]:
    with QUESTIONS.open(encoding="utf-8") as fh:
        return [(row["question"], {x.strip() for x in row["items"].split(" | ") if x.strip()})
                for row in csv.DictReader(fh)]


def run(client, pairs, *, semantic: bool, repeat: int, verbose: bool) -> dict:
    settings.CATALOG_SEMANTIC = semantic
    hit1 = hit5 = 0
    times: list[float] = []
    misses = []
    for question, wanted in pairs:
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get("/api/v1/catalog/search", {"q": question, "page_size": 5})
            times.append((time.perf_counter() - started) * 1000)
        names = [h["name"] for h in response.json()["hits"]]
        hit1 += bool(names[:1] and names[0] in wanted)
        found = bool(set(names[:5]) & wanted)
        hit5 += found
        if not found:
            misses.append((question, names[:3]))
    n = len(pairs)
    times.sort()
    if verbose:
        for q, names in misses:
            print(f"    miss: {q} → {names}")
    return {"hit1": hit1 / n, "hit5": hit5 / n, "median_ms": statistics.median(times),
            "p99_ms": times[min(len(times) - 1, int(len(times) * 0.99))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--sweep", action="store_true",
                        help="also try other lexical/semantic weights and pool sizes")
    args = parser.parse_args()
    source = Path(settings.SHARED_DATA_DIR) / "catalog" / "guangan_district_511602_items.csv"
    if not source.is_file():
        print(f"{source} absent: skipped")
        return 0
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from onewindow.catalog import search, semantic
    from onewindow.core import embeddings

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    tmp = tempfile.NamedTemporaryFile(suffix=".sqlite3", delete=False)  # noqa: SIM115
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = tmp.name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        call_command("catalog_load_guangan", stdout=open(os.devnull, "w"))  # noqa: SIM115
        settings.CATALOG_SEARCH_CACHE = True
        search.search_index_reset()
        index = search.search_index()
        pairs = questions()
        print(f"{len(index)} published items, {len(pairs)} questions, load average "
              f"{os.getloadavg()[0]:.1f}, embeddings: {embeddings.status()['model'] or 'none'}")
        client = Client()
        before = run(client, pairs, semantic=False, repeat=args.repeat, verbose=args.verbose)
        started = time.perf_counter()
        built = semantic.vector_index(index, wait=True)
        build = time.perf_counter() - started
        if built is None:
            print("no embedding model installed: the semantic stage is off")
            after = before
        else:
            after = run(client, pairs, semantic=True, repeat=args.repeat, verbose=args.verbose)
        if args.sweep and built is not None:
            for weight in (0.15, 0.25, 0.35, 0.5):
                for pool in (20, 30, 50):
                    semantic.LEXICAL_WEIGHT, semantic.SEMANTIC_WEIGHT, semantic.POOL = weight, 1 - weight, pool
                    r = run(client, pairs, semantic=True, repeat=1, verbose=False)
                    print(f"  sweep lexical {weight:.2f} pool {pool}: hit@1 {r['hit1']:.3f} hit@5 {r['hit5']:.3f}")
        for label, r in (("lexical index only", before), ("with semantic stage", after)):
            print(f"  {label:<20} hit@1 {r['hit1']:.3f}  hit@5 {r['hit5']:.3f}  "
                  f"API median {r['median_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms")
        print(f"  item vectors: {build:.1f} s to build (cached on disk afterwards)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        Path(tmp.name).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
