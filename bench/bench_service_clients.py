"""Cost of a service account's call (scope check + one audit append per call) against a personal
token on the same list, interleaved in blocks so both see the same machine load; then webhook
deliveries to a loopback receiver (fan-out of one outbox event, signed POST, log update).

Usage:  .venv/bin/python bench/bench_service_clients.py [--people 300] [--calls 200] [--deliveries 200]
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
from _common import small_bench_environment, small_bench_migrate  # noqa: E402

small_bench_environment(ONEWINDOW_WEBHOOK_ALLOW_PRIVATE="1", ONEWINDOW_WEBHOOK_ALLOW_HTTP="1")


def line(label: str, samples: list[float]) -> None:
    print(f"{label:<52} median {statistics.median(samples):7.2f} ms  p95 {pct(samples, 95):7.2f} ms  "
          f"p99 {pct(samples, 99):7.2f} ms  n={len(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--deliveries", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    small_bench_migrate()

    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]

    from onewindow.accounts import services
    from onewindow.accounts.constants import Role, UserKind
    from onewindow.accounts.models import Staff, User
    from onewindow.accounts.tests.factories import make_id_number
    from onewindow.core.events import event_publish, outbox_process
    from onewindow.core.models import AuditEntry
    from onewindow.integrations import services as hooks
    from onewindow.integrations.models import DeliveryStatus, WebhookDelivery
    from onewindow.integrations.tests.receiver import receiver_start
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make, square

    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT, None, square(102.70, 25.00, 0.10))
    admin_user = User.objects.create(username="admin", kind=UserKind.STAFF)
    Staff.objects.create(user=admin_user, name="管理员", employee_no="A1", roles=[Role.ADMINISTRATOR], region=district)
    clerk_user = User.objects.create(username="clerk", kind=UserKind.STAFF)
    Staff.objects.create(user=clerk_user, name="窗口", employee_no="C1", roles=[Role.WINDOW_CLERK], region=district)
    for i in range(args.people):
        services.person_create(actor=None, name=f"居民{i}", id_number=make_id_number(1000 + i), region=district)
    _, personal = services.api_token_create(user=clerk_user, name="bench")
    client_row, secret = services.service_client_create(
        actor=admin_user, name="bench", scopes="accounts:read tickets:read", region=district,
        roles=[Role.WINDOW_CLERK])
    _, service_key = services.service_token_issue(client_id=client_row.client_id, client_secret=secret)

    http = Client()
    personal_ms: list[float] = []
    service_ms: list[float] = []
    block = 20
    for _ in range(max(args.calls // block, 1)):
        for key, sink in ((personal, personal_ms), (service_key, service_ms)):
            for _ in range(block):
                started = time.perf_counter()
                answer = http.get("/api/v1/people", {"page_size": 50}, HTTP_AUTHORIZATION=f"Bearer {key}")
                sink.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.content
    print(f"{platform.node()} · {platform.python_version()} · {connection.vendor} · load "
          f"{os.getloadavg()[0]:.1f} · {os.cpu_count()} CPUs · {args.people} people, pages of 50")
    line("GET /people, personal token", personal_ms)
    line("GET /people, service token (scope + audit append)", service_ms)
    calls = AuditEntry.objects.filter(action="service_client.call").count()
    print(f"audit entries service_client.call: {calls}")

    state, server = receiver_start()
    hooks.webhook_subscription_create(actor=admin_user, client=client_row, url=state.url,
                                      events=["ticket.closed"])
    fanout_ms: list[float] = []
    deliver_ms: list[float] = []
    for i in range(args.deliveries):
        event_publish(name="ticket.closed", payload={"ticket": "1c7a5f0e-7d2b-4c1e-9a43-5b1f0c2d9e11",
                                                     "number": f"T{i}", "status": "closed",
                                                     "region_path": district.path})
        started = time.perf_counter()
        outbox_process()
        fanout_ms.append((time.perf_counter() - started) * 1000)
        delivery_id = WebhookDelivery.objects.order_by("-id").values_list("id", flat=True).first()
        started = time.perf_counter()
        hooks.webhook_deliver(delivery_id=delivery_id)
        deliver_ms.append((time.perf_counter() - started) * 1000)
    server.shutdown()
    ok = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
    line("outbox event → delivery row (fan-out)", fanout_ms)
    line("signed POST to loopback + log update", deliver_ms)
    print(f"deliveries succeeded: {ok}/{args.deliveries}, received: {len(state.requests)}")


if __name__ == "__main__":
    main()
