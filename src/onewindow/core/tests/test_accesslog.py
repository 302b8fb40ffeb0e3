"""The web server's access log masks ID and mobile numbers (issue 9, "Personal data").

A real gunicorn (the sync worker and the platform's uvicorn worker class) serves a request
whose query string carries an ID number and a mobile number; the log file is then grepped.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ID_NUMBER = "11010519491231002X"
MOBILE = "13812345678"

WSGI_APP = '''
def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
'''
ASGI_APP = '''
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gunicorn_conf_logger_class() -> str:
    namespace: dict[str, object] = {}
    exec(compile((Path(settings.BASE_DIR) / "gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    return str(namespace["logger_class"])


def test_gunicorn_conf_uses_the_masking_logger() -> None:
    assert _gunicorn_conf_logger_class() == "onewindow.core.accesslog.MaskingGunicornLogger"


@pytest.mark.parametrize("worker", ["sync", "onewindow.core.asgi_worker.Worker"])
def test_a_request_through_gunicorn_leaves_no_number_in_the_access_log(tmp_path: Path, worker: str) -> None:
    (tmp_path / "logapp.py").write_text(WSGI_APP if worker == "sync" else ASGI_APP)
    port = _free_port()
    access = tmp_path / "access.log"
    errors = tmp_path / "error.log"
    env = {"PYTHONPATH": f"{Path(settings.BASE_DIR) / 'src'}:{tmp_path}", "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "--worker-class", worker, "--workers", "1",
         "--logger-class", _gunicorn_conf_logger_class(), "--no-control-socket",
         "--access-logfile", str(access), "--error-logfile", str(errors), "--bind", f"127.0.0.1:{port}",
         "logapp:app"], cwd=tmp_path, env=env)
    try:
        url = f"http://127.0.0.1:{port}/staff/people/?q={ID_NUMBER}&phone={MOBILE}&note=%E5%BC%A0"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    assert response.read() == b"ok"
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.3)
        for _ in range(50):
            if access.exists() and "/staff/people/" in access.read_text():
                break
            time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(timeout=30)
    logged = access.read_text() + errors.read_text()
    assert "/staff/people/?q=1101**********002X&phone=138****5678" in logged
    assert ID_NUMBER not in logged and MOBILE not in logged
