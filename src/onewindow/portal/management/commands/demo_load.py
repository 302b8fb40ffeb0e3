"""Load the demo district: regions, organisations, staff, residents, and every app's demo data.

Each app's ``demo.py`` owns one idempotent loader returning counts; this command runs them in
dependency order (add new apps' loaders to ``STEPS``), prints a summary and the demo accounts.
Running it twice creates nothing the second time.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from threadpoolctl import threadpool_limits

from onewindow.accounts.demo import DEMO_PASSWORD, demo_accounts
from onewindow.core.errors import DomainError
from onewindow.core.services import calendar_seed_from_library

# (label, "module:function"), in dependency order. A loader takes ``small`` and returns counts.
STEPS: list[tuple[str, str]] = [
    ("区划", "onewindow.regions.demo:regions_demo_load"),
    ("人员与机构", "onewindow.accounts.demo:accounts_demo_load"),
    ("服务账户", "onewindow.integrations.demo:integrations_demo_load"),
    ("事项目录", "onewindow.catalog.demo:demo_load_catalog"),
    ("电子证照", "onewindow.licences.demo:demo_load_licences"),
    ("办件", "onewindow.cases.demo:demo_load_cases"),
    ("材料库与告知承诺", "onewindow.cases.demo_materials:demo_load_materials"),
    ("服务大厅", "onewindow.hall.demo:demo_load_hall"),
    ("12345工单", "onewindow.tickets.demo:demo_load_tickets"),
    ("网格化治理", "onewindow.grid.demo:grid_demo_load"),
    ("新闻与政务公开", "onewindow.news.demo:news_demo_load"),
    ("在线应询", "onewindow.consult.demo:consult_demo_load"),
    ("一企一张图", "onewindow.lifecycle.demo:lifecycle_demo_load"),
    ("居家养老", "onewindow.homecare.demo:homecare_demo_load"),
    ("监督与决策", "onewindow.supervision.demo:demo_load_supervision"),
    # residents and elders added by the steps above get their ID card and household licences too
    ("电子证照（补齐）", "onewindow.licences.demo:demo_load_licences"),
]


def _calendar_seed(*, small: bool = False) -> dict[str, int]:
    years = calendar_seed_from_library(actor=None)
    return {"本次写入的日历年度": len(years)}


def _loader(target: str) -> Callable[..., dict[str, Any]]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


class Command(BaseCommand):
    help = "加载演示数据（盘龙区示例：区划、部门、大厅窗口、演示账号、居民和企业），可重复执行"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--small", action="store_true",
                            help="使用随项目提供的小样例（12个街道、15个社区）和较少的居民、企业")

    def handle(self, *args: Any, **options: Any) -> None:
        small = bool(options["small"])
        steps: list[tuple[str, Callable[..., dict[str, Any]]]] = [("工作日历", _calendar_seed)]
        steps += [(label, _loader(target)) for label, target in STEPS]
        for label, loader in steps:
            started = time.monotonic()
            # One BLAS/OpenMP thread: the demo's numeric work (the ticket classifier's first
            # model) is small, and a thread per core on a busy machine mostly waits for the other
            # (training it took 8.6 s of wall clock with two threads, 0.8 s with one).
            try:
                with threadpool_limits(limits=1):
                    counts = loader(small=small)
            except (DomainError, RuntimeError) as exc:
                raise CommandError(f"{label}：{exc}") from exc
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.MIGRATE_HEADING(f"{label}（{elapsed:.1f} 秒）"))
            for key, value in counts.items():
                self.stdout.write(f"  {key}：{value}")

        self.stdout.write(self.style.MIGRATE_HEADING(f"演示账号（密码均为 {DEMO_PASSWORD}）"))
        for account in demo_accounts():
            self.stdout.write(f"  {account.username:<16} {account.name:<4} {account.role}："
                              f"{account.scope}")
        self.stdout.write(self.style.SUCCESS("演示数据已就绪"))
