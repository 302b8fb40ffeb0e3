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


@task()
def lose_connection() -> str:
    """The database drops this worker's connection while the task runs (PostgreSQL)."""
    import psycopg
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"],
                         dbname=s["NAME"], autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    return "finished"
