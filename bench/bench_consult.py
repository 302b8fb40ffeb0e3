"""Online consultation (在线应询) benchmark on PostgreSQL through the real ASGI server: a message's
round trip (sent over HTTP by one side → delivered on the other side's WebSocket) and the number
of open chat connections one server process holds, on the in-memory and the Redis channel layer.

Usage:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ow_citizen .venv/bin/python bench/bench_consult.py \
        [--samples 200] [--conversations 20] [--connections 500,1000,2000] [--redis redis://127.0.0.1:6379/6]

Runs against "<database>_bench" (dropped and created afresh; loopback only). One department with
a clerk, ``--conversations`` consultations of different citizens (a sender may send 20 messages a
minute in one conversation, so the samples rotate over them). Then, on each channel layer:

1. round trip: the citizen's ``POST /api/v1/consult/{id}/messages`` (bearer token) until the
   clerk's page socket (``/ws/push/`` subscribed with the conversation's token) receives the
   message; then the clerk answers and the citizen's socket receives it; median, p95, p99;
2. connections held: ``--connections`` sockets opened on one gunicorn worker (uvicorn worker
   class, ``gunicorn.conf.py``, as ``manage.py serve`` starts it), all listening to one
   conversation; the worker's resident memory and how long one message takes to reach all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench")]
from _common import percentile  # noqa: E402

_url = os.environ.get("DATABASE_URL", "")
if _url.startswith("postgres"):  # bench_hall appends "_bench": make it ours
    os.environ["DATABASE_URL"] = _url.rstrip("/") + "_consult"
import bench_hall as hall  # noqa: E402  (sets the environment and the database URL)


def build_world(conversations: int) -> dict[str, Any]:
    from django.utils import timezone

    from onewindow.accounts.constants import Role
    from onewindow.accounts.services import api_token_create
    from onewindow.accounts.tests.factories import DepartmentFactory, staff_make
    from onewindow.cases.tests.factories import citizen_make
    from onewindow.consult.models import Consultation, ConsultMessage
    from onewindow.core.services import calendar_seed_from_library
    from onewindow.regions.constants import RegionLevel
    from onewindow.regions.tests.factories import region_make

    calendar_seed_from_library()
    district = region_make("530103000000", "盘龙区", RegionLevel.DISTRICT, None, None)
    dept = DepartmentFactory(code="530103-SCJG", name="盘龙区市场监督管理局", region=district)
    clerk = staff_make(username="consult_clerk", region=district, roles=[Role.DEPT_REVIEWER], departments=[dept],
                       name="值班员甲")
    now = timezone.now()
    rows = []
    for i in range(conversations):
        person = citizen_make(username=f"citizen{i:03d}", name=f"市民{i:03d}")
        x = Consultation.objects.create(citizen=person.user, topic=f"咨询{i}", department=dept,
                                        region_path=district.path, assignee=clerk, asked_at=now,
                                        last_message_at=now)
        ConsultMessage.objects.create(consultation=x, sender=person.user, sender_kind="citizen",
                                      text="请问营业执照变更需要本人到场吗？")
        _, key = api_token_create(user=person.user, name="bench", ttl_days=1)
        rows.append({"x": x, "token": key})
    _, clerk_key = api_token_create(user=clerk.user, name="bench", ttl_days=1)
    return {"rows": rows, "clerk_token": clerk_key}


class Listeners:
    """Page sockets subscribed to conversations; each records when every message reaches it."""

    def __init__(self, server: hall.Server) -> None:
        self.base = f"ws://127.0.0.1:{server.port}/ws/push/?t="
        self.origin = f"http://127.0.0.1:{server.port}"
        self.sockets: list[Any] = []
        self.tasks: list[asyncio.Task] = []
        self.arrivals: dict[str, list[tuple[float, int]]] = {}  # message id → [(received at, sent_at ms)]
        self.failed = 0

    async def _one(self, token: str) -> None:
        from websockets.asyncio.client import connect

        try:
            ws = await connect(self.base + token, origin=self.origin, open_timeout=60,  # type: ignore[arg-type]
                               ping_interval=None, close_timeout=1, compression=None)
            hello = json.loads(await ws.recv())
            assert hello["event"] == "hello", hello
        except Exception:
            self.failed += 1
            return
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))

    async def _listen(self, ws: Any) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message.get("event") == "message":
                    self.arrivals.setdefault(message["data"]["id"], []).append((time.time(), message["sent_at"]))
        except Exception:
            return

    async def open(self, token: str, count: int, batch: int = 100) -> None:
        while count > 0:
            n = min(batch, count)
            await asyncio.gather(*(self._one(token) for _ in range(n)))
            count -= n

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*(ws.close() for ws in self.sockets), return_exceptions=True)
        self.sockets.clear()
        self.tasks.clear()


async def _send_and_wait(server: hall.Server, listeners: Listeners, x: Any, token: str, text: str, expect: int,
                         timeout: float = 60) -> tuple[float, list[tuple[float, int]]]:
    sent = time.time()
    status, body = await asyncio.to_thread(server.request, "POST", f"/api/v1/consult/{x.public_id}/messages", token,
                                           {"text": text})
    if status != 201:
        raise RuntimeError(f"message answered {status}: {body}")
    deadline = time.monotonic() + timeout
    while len(listeners.arrivals.get(body["id"], ())) < expect and time.monotonic() < deadline:
        await asyncio.sleep(0.002)
    return sent, list(listeners.arrivals.get(body["id"], ()))


def round_trip(world: dict[str, Any], args: argparse.Namespace, *, redis_url: str = "") -> None:
    from onewindow.consult import push

    server = hall.Server(redis_url=redis_url)
    try:
        print(f"\n== round trip: HTTP send → the other side's socket ({server.layer} channel layer, one worker, "
              f"load {os.getloadavg()[0]:.1f})", flush=True)

        async def scenario() -> None:
            listeners = Listeners(server)
            for row in world["rows"]:  # one socket for the clerk's page of each conversation, one for the citizen's
                token = push.conversation_token(row["x"])
                await listeners.open(token, 2)
            to_clerk: list[float] = []
            to_citizen: list[float] = []
            layer: list[float] = []
            rows = world["rows"]
            for i in range(args.samples + 10):
                row = rows[i % len(rows)]
                sent, arrivals = await _send_and_wait(server, listeners, row["x"], row["token"],
                                                      f"第{i}条：还需要什么材料？", 2)
                sent2, arrivals2 = await _send_and_wait(server, listeners, row["x"], world["clerk_token"],
                                                        f"第{i}条答复：身份证和申请书即可。", 2)
                if i < 10:
                    continue
                to_clerk += [(r - sent) * 1000 for r, _ in arrivals[:1]]
                to_citizen += [(r - sent2) * 1000 for r, _ in arrivals2[:1]]
                layer += [r * 1000 - s for r, s in arrivals + arrivals2]
                await asyncio.sleep(0.01)
            hall.report("citizen sends → on the clerk's page (HTTP + commit + push)", to_clerk)
            hall.report("clerk answers → on the citizen's page", to_citizen)
            hall.report("published after commit → on the page (ms clock)", layer)
            await listeners.close()

        asyncio.run(scenario())
    finally:
        server.stop()


def connections_held(world: dict[str, Any], args: argparse.Namespace, *, redis_url: str = "") -> None:
    from onewindow.consult import push

    server = hall.Server(redis_url=redis_url)
    row = world["rows"][0]
    try:
        baseline = server.worker_rss_kb()
        print(f"\n== chat connections held by one server process ({server.layer} channel layer); worker RSS "
              f"{baseline / 1024:.0f} MB, load {os.getloadavg()[0]:.1f}", flush=True)

        async def scenario() -> None:
            listeners = Listeners(server)
            token = push.conversation_token(row["x"])
            for i, target in enumerate(args.connections):
                start = time.perf_counter()
                await listeners.open(token, target - len(listeners.sockets))
                opened = time.perf_counter() - start
                await asyncio.sleep(1)
                rss = server.worker_rss_kb()
                held = len(listeners.sockets)
                try:
                    sent, arrivals = await _send_and_wait(server, listeners, row["x"], world["clerk_token"],
                                                          f"广播测试{i}：请留意答复。", held, timeout=120)
                except (OSError, RuntimeError) as exc:
                    server.failed = True
                    print(f"    {held:>6,} open ({listeners.failed} failed, opened in {opened:.1f} s): RSS "
                          f"{rss / 1024:.0f} MB; the message was not answered: {type(exc).__name__} {exc}")
                    break
                reached = [(r - sent) * 1000 for r, _ in arrivals]
                print(f"    {held:>6,} open ({listeners.failed} failed, opened in {opened:.1f} s): worker RSS "
                      f"{rss / 1024:.0f} MB (+{(rss - baseline) / max(held, 1):.1f} KB each); one message reached "
                      f"{len(arrivals):,}: median {statistics.median(reached) if reached else 0:.0f} ms, "
                      f"p99 {percentile(reached, 99) if reached else 0:.0f} ms, "
                      f"last {max(reached) if reached else 0:.0f} ms", flush=True)
                if listeners.failed > target // 20:
                    break
            await listeners.close()

        asyncio.run(scenario())
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--connections", default="500,1000,2000")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/6", help="'' to skip the Redis layer")
    parser.add_argument("--skip", default="", help="comma-separated: roundtrip, connections")
    args = parser.parse_args()
    args.connections = [int(x) for x in str(args.connections).split(",") if x.strip()]
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    hall.recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
          f"PostgreSQL {connection.cursor().connection.info.server_version}, load {os.getloadavg()[0]:.1f}",
          flush=True)
    call_command("migrate", verbosity=0)
    world = build_world(args.conversations)
    connection.close()
    for redis_url in ["", args.redis] if args.redis else [""]:
        if "roundtrip" not in skip:
            round_trip(world, args, redis_url=redis_url)
        if "connections" not in skip and args.connections:
            connections_held(world, args, redis_url=redis_url)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
