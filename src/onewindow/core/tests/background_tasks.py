"""Tasks used by the background-work tests (importable by a worker subprocess)."""

import time
from pathlib import Path

from django_tasks import task


@task()
def slow_touch(path: str, seconds: float) -> str:
    """Write a marker when started, then take ``seconds`` (a worker killed meanwhile)."""
    Path(path).write_text("started")
    time.sleep(seconds)
    Path(path).write_text("done")
    return "done"


@task()
def always_fails() -> None:
    raise RuntimeError("证照库暂时不可用")
