"""The first requests a fresh web worker serves, with and without the warm-up (gunicorn.conf.py).

Usage (on a database with the demo loaded, e.g. after `make run`):
    .venv/bin/python bench/bench_warmup.py [--rounds 3]

Starts gunicorn with one worker on a free loopback port, once with the project's
gunicorn.conf.py (post_worker_init → onewindow.core.warmup) and once with an empty config,
and times, as soon as the worker answers, the first guide search, the first live
classification of the operator's call form and the first Open311 POST. Prints the medians of
``--rounds`` starts (seconds) and the time from start until the worker answered.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ONEWINDOW_LOG_LEVEL", "WARNING")
PASSWORD = "OneWindow@2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def open311_key() -> tuple[str, str]:
    """A client key and the service code of 环境卫生 (refuse)."""
    import django

    django.setup()
    from onewindow.accounts.models import User
    from onewindow.tickets import services
    from onewindow.tickets.models import Category

    admin = User.objects.get(username="admin")
    _, key = services.open311_client_create(actor=admin, name=f"bench-warmup-{time.time():.0f}")
    return key, Category.objects.filter(name="环境卫生", level=3).values_list("code", flat=True).first() or ""


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def post(self, path: str, data: dict[str, str], csrf: bool = True) -> int:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode(),
                                         headers={"X-CSRFToken": token, "Referer": self.base + "/"} if csrf else {})
        try:
            with self.opener.open(request, timeout=120) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)

    def login(self, username: str) -> None:
        page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no login form"
        self.post("/accounts/login/", {"username": username, "password": PASSWORD,
                                       "csrfmiddlewaretoken": token.group(1)})


FIGURES = ("first guide search", "first live classification", "first Open311 POST")


def one_start(config: str, key: str, code: str, figure: str) -> dict[str, float]:
    """Start a worker and time one kind of first request on it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--config", config, "--bind",
         f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/static/favicon.svg", timeout=1):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() - started > 180:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        figures = {"ready": time.monotonic() - started}
        session = Session(base)
        if figure == "first Open311 POST":
            begin = time.monotonic()
            status = session.post("/open311/v2/requests.json", {
                "api_key": key, "service_code": code, "address_string": "银海畅园小区门口",
                "description": "小区门口的垃圾桶满了三天没人清运，气味很大。", "phone": "13812345678"}, csrf=False)
            figures[figure] = time.monotonic() - begin
            assert status == 201, status
            return figures
        session.login("operator")  # signing in is not what is measured
        if figure == "first guide search":
            begin = time.monotonic()
            session.get("/guide/?q=%E7%A4%BE%E4%BF%9D")
            figures[figure] = time.monotonic() - begin
        else:
            session.get("/staff/hotline/call/")
            begin = time.monotonic()
            status = session.post("/staff/hotline/call/suggest/",
                                  {"text": "小区门口的垃圾桶满了三天没人清运", "kind": "complaint"})
            figures[figure] = time.monotonic() - begin
            assert status == 200, status
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    key, code = open311_key()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as empty:
        empty.write("# no hooks\n")
    configs = {"with warm-up": str(ROOT / "gunicorn.conf.py"), "without": empty.name}
    results: dict[str, dict[str, list[float]]] = {name: {} for name in configs}
    for _ in range(args.rounds):
        for name, config in configs.items():
            for figure in FIGURES:
                for what, seconds in one_start(config, key, code, figure).items():
                    results[name].setdefault(what, []).append(seconds)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
          f"python {platform.python_version()}; rounds {args.rounds}")
    print(json.dumps({name: {k: round(statistics.median(v), 3) for k, v in figures.items()}
                      for name, figures in results.items()}, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
