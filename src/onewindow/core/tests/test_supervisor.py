"""The supervisor of ``manage.py serve``: restarts, back-off, no orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from onewindow.core.supervisor import ChildSpec, Supervisor

PY = sys.executable


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return True
    return state != "Z"


def wait_for(cond, timeout=10.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return False


def sleeper() -> list[str]:
    return [PY, "-c", "import time; time.sleep(600)"]


# A grandchild behaves like a gunicorn worker: it exits once its parent (the master) is gone.
# The parent passes its pid: a grandchild reading os.getppid() at its own start-up, which takes
# a while on a loaded machine, could read it after the parent was already killed, and then wait
# for a parent change that never came (the test saw it alive).
GRANDCHILD = ("import os, sys, time\nparent = int(sys.argv[1])\n"
              "for _ in range(6000):\n    if os.getppid() != parent: break\n    time.sleep(0.1)\n")


def with_grandchild(pidfile: Path) -> list[str]:
    """A child that starts a grandchild (like a gunicorn master and its worker)."""
    code = textwrap.dedent(f"""
        import os, subprocess, sys, time
        p = subprocess.Popen([sys.executable, "-c", {GRANDCHILD!r}, str(os.getpid())])
        open({str(pidfile)!r}, "w").write(str(p.pid))
        time.sleep(600)
    """)
    return [PY, "-c", code]


def test_a_dead_child_is_restarted_and_the_others_keep_running(tmp_path):
    lines: list[str] = []
    sup = Supervisor([ChildSpec("web", sleeper()), ChildSpec("worker", sleeper())],
                     log=lines.append, backoff_initial=0.2)
    try:
        for child in sup.children:
            sup._start(child)
        web_pid = sup.child("web").proc.pid
        worker_pid = sup.child("worker").proc.pid
        os.kill(worker_pid, signal.SIGKILL)
        assert wait_for(lambda: (sup.step(), sup.child("worker").restarts == 1)[1])
        assert sup.child("worker").proc.pid != worker_pid
        assert sup.child("web").proc.pid == web_pid and alive(web_pid)
        assert "worker" in lines[0] and "exited with -9" in lines[0]
    finally:
        sup.stop()
    assert not alive(web_pid)


def test_back_off_doubles_on_quick_failures_and_is_capped():
    lines: list[str] = []
    sup = Supervisor([ChildSpec("broken", [PY, "-c", "raise SystemExit(3)"])], log=lines.append,
                     backoff_initial=0.1, backoff_max=0.4)
    try:
        sup._start(sup.child("broken"))
        assert wait_for(lambda: (sup.step(), sup.child("broken").restarts >= 4)[1], timeout=15)
    finally:
        sup.stop()
    delays = [line.rsplit("restarting in ", 1)[1] for line in lines[:4]]
    assert all("exited with 3" in line for line in lines)
    assert delays == ["0.1 s", "0.2 s", "0.4 s", "0.4 s"]


def test_a_killed_childs_leftover_processes_are_killed_with_its_group(tmp_path):
    pidfile = tmp_path / "grandchild.pid"
    sup = Supervisor([ChildSpec("web", with_grandchild(pidfile))], log=lambda _: None,
                     backoff_initial=0.1)
    try:
        sup._start(sup.child("web"))
        assert wait_for(lambda: pidfile.exists() and pidfile.read_text())
        grandchild = int(pidfile.read_text())
        pidfile.unlink()
        os.kill(sup.child("web").proc.pid, signal.SIGKILL)  # the "gunicorn master" dies
        assert wait_for(lambda: (sup.step(), not alive(grandchild))[1])
        assert wait_for(lambda: (sup.step(), pidfile.exists() and pidfile.read_text())[1])
    finally:
        sup.stop()


def _run_supervisor_process(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    pidfile = tmp_path / "grandchild.pid"
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[3])!r})
        from onewindow.core.supervisor import ChildSpec, Supervisor
        sup = Supervisor([ChildSpec("web", {with_grandchild(pidfile)!r}),
                          ChildSpec("timer", {sleeper()!r})], log=lambda _: None)
        sup.install_signal_handlers()
        print("started", flush=True)
        sup.run()
    """)
    proc = subprocess.Popen([PY, "-c", script], stdout=subprocess.PIPE)  # noqa: S603
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"started"
    assert wait_for(lambda: pidfile.exists() and pidfile.read_text())
    return proc, pidfile


def _children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],  # noqa: S603, S607
                         capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_stops_every_child_and_grandchild(tmp_path, sig):
    proc, pidfile = _run_supervisor_process(tmp_path)
    children = _children_of(proc.pid)
    grandchild = int(pidfile.read_text())
    assert len(children) == 2
    proc.send_signal(sig)
    assert proc.wait(timeout=20) == 0
    assert wait_for(lambda: not any(alive(p) for p in [*children, grandchild]))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux only")
def test_children_die_with_a_killed_supervisor(tmp_path):
    proc, pidfile = _run_supervisor_process(tmp_path)
    children = _children_of(proc.pid)
    grandchild = int(pidfile.read_text())
    assert len(children) == 2
    proc.kill()
    proc.wait(timeout=5)
    assert wait_for(lambda: not any(alive(p) for p in children))
    # No stop path ran: a child's own processes go when it goes, as gunicorn's workers do.
    assert wait_for(lambda: not alive(grandchild))


def test_serve_supervises_web_worker_and_timer(settings):
    from onewindow.core.management.commands.serve import serve_children

    # With Redis as the channel layer every requested web process serves (core.realtime.web_workers).
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer"}}

    specs = serve_children(bind="127.0.0.1:8123", workers=3)
    assert [s.name for s in specs] == ["web", "worker", "timer"]
    web = list(specs[0].argv)
    assert web[web.index("--bind") + 1] == "127.0.0.1:8123"
    assert web[web.index("--workers") + 1] == "3"
    assert "config.asgi:application" in web  # one ASGI server for pages, API and WebSockets
    assert web[web.index("--config") + 1] == str(settings.BASE_DIR / "gunicorn.conf.py")  # warm-up
    assert list(specs[1].argv)[2] == "worker"  # the worker with a heartbeat, not db_worker
    held = serve_children(bind="127.0.0.1:8123", workers=3, listen_fd=7)[0]
    assert "fd://7" in held.argv and held.pass_fds == (7,)


def test_the_listening_socket_outlives_the_web_server(tmp_path):
    """serve holds the socket: a client connecting while the web server restarts waits in the
    backlog and is answered by the next server instead of being refused."""
    import socket

    from onewindow.core.management.commands.serve import _listen

    listener = _listen("127.0.0.1:0")
    assert listener is not None
    port = listener.getsockname()[1]
    fd = listener.fileno()
    server = textwrap.dedent(f"""
        import socket, sys
        s = socket.socket(fileno={fd})
        conn, _ = s.accept()
        conn.sendall(sys.argv[1].encode())
        conn.close()
    """)
    sup = Supervisor([ChildSpec("web", [PY, "-c", server, "first"], pass_fds=(fd,))], log=lambda _: None,
                     backoff_initial=0.5)
    try:
        sup._start(sup.child("web"))
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            assert c.recv(10) == b"first"
        # The first server has exited: until the restart the connection waits, not refused.
        assert wait_for(lambda: (sup.step(), sup.child("web").proc is None)[1])
        sup.children[0] = type(sup.children[0])(ChildSpec("web", [PY, "-c", server, "second"], pass_fds=(fd,)))
        sup.children[0].restart_at = time.monotonic() + 0.5
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            assert wait_for(lambda: (sup.step(), sup.child("web").proc is not None)[1])
            assert c.recv(10) == b"second"
    finally:
        sup.stop()
        listener.close()
    assert _listen("unix:/tmp/x.sock") is None
