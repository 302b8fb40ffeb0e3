"""News list and detail at N published items (issue 12): the public API's list (first page,
a department filter, a deep page, a search), a detail, and the same with a warm cache
(If-None-Match → 304), through Django's test client (no network), and the HTML list page.

Usage:  .venv/bin/python bench/bench_news.py [--items 20000] [--requests 200]
Runs against DATABASE_URL with a "_bench" suffix (PostgreSQL) or a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src"), str(ROOT / "bench")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from _common import percentile as pct  # noqa: E402
from _common import small_bench_environment  # noqa: E402
from _common import timed as _timed  # noqa: E402

small_bench_environment()


def line(label: str, samples: list[float]) -> None:
    print(f"{label:<44} median {statistics.median(samples):7.2f} ms  p99 {pct(samples, 99):7.2f} ms  "
          f"(n={len(samples)})")


def timed(fn, n: int) -> list[float]:  # type: ignore[no-untyped-def]
    return _timed(fn, n, warmup=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from onewindow.accounts.models import Department
    from onewindow.news import rules
    from onewindow.news.constants import NewsKind, NewsStatus
    from onewindow.news.models import NewsItem
    from onewindow.regions.models import Region

    region, _ = Region.objects.get_or_create(code="530103000000", defaults={"name": "盘龙区", "level": "district",
                                                                           "path": "/530103000000/"})
    depts = [Department.objects.get_or_create(code=f"BENCH-{i}", defaults={"name": f"测试部门{i}", "kind": "bureau",
                                                                          "region": region})[0] for i in range(20)]
    have = NewsItem.objects.count()
    now = timezone.now()
    started = time.perf_counter()
    kinds = [NewsKind.NEWS, NewsKind.NOTICE, NewsKind.POLICY]
    if connection.vendor == "postgresql" and args.items > have:
        # one INSERT … SELECT generate_series (a Python loop loads ~5,000 rows a minute on a busy
        # machine); the same rows as the loop below, title_key as md5 of the title
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO news_newsitem (public_id, created_at, updated_at, kind, title, summary, body, "
                "department_id, region_id, region_path, tags, open_category, document_number, status, "
                "published_at, review_note, source, source_url, title_key) "
                "SELECT gen_random_uuid(), %s, %s, (ARRAY[%s, %s, %s])[i %% 3 + 1], "
                "'第' || i || '号 关于开展专项检查工作的通知', repeat('摘要', 20), repeat('正文内容。', 80), "
                "(%s::bigint[])[i %% 20 + 1], %s, %s, '[]'::jsonb, CASE WHEN i %% 4 = 0 THEN 'services' ELSE '' END, "
                "'', %s, %s - make_interval(mins => i), '', 'manual', '', "
                "md5('第' || i || '号 关于开展专项检查工作的通知') "
                "FROM generate_series(%s, %s) AS i",
                [now, now, *kinds, [d.pk for d in depts], region.pk, region.path, NewsStatus.PUBLISHED, now,
                 have, args.items - 1])
        cursor.close()
    batch = []
    for i in range(NewsItem.objects.count(), args.items):
        title = f"第{i}号 关于开展专项检查工作的通知"
        d = depts[i % len(depts)]
        batch.append(NewsItem(kind=kinds[i % 3], title=title, summary="摘要" * 20, body="正文内容。" * 80,
                              department=d,
                              region=region, region_path=region.path, status=NewsStatus.PUBLISHED,
                              published_at=now - timedelta(minutes=i), title_key=rules.title_key(title),
                              open_category="services" if i % 4 == 0 else ""))
        if len(batch) == 2000:
            NewsItem.objects.bulk_create(batch)
            batch = []
    if batch:
        NewsItem.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE news_newsitem")
    print(f"data: {NewsItem.objects.count()} published items ({time.perf_counter() - started:.1f} s to load); "
          f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
          f"{platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs (shared, loaded)")
    client = Client()
    one = NewsItem.objects.order_by("-published_at").first()
    assert one is not None
    cases = {
        "GET /news (first page)": "/api/v1/news",
        "GET /news?department=… (page 1)": f"/api/v1/news?department={depts[3].code}",
        "GET /news?kind=policy&page=50": "/api/v1/news?kind=policy&page=50",
        "GET /news?q=第1234号 (search)": "/api/v1/news?q=第1234号",
        "GET /news/items/{id}": f"/api/v1/news/items/{one.public_id}",
    }
    n = args.requests
    for label, url in cases.items():
        client.get(url)
        line(label, timed(lambda url=url: client.get(url), n))
        etag = client.get(url)["ETag"]
        line("  warm (If-None-Match → 304)",
             timed(lambda url=url, etag=etag: client.get(url, HTTP_IF_NONE_MATCH=etag), n))
    print("page /news/ (HTML)")
    line("GET /news/", timed(lambda: client.get("/news/"), max(n // 4, 10)))


if __name__ == "__main__":
    main()
