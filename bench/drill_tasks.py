"""A task for the recovery drill (bench/drill_recovery.py): long enough to be killed mid-run."""

import time

from django_tasks import task


@task()
def drill_slow(seconds: float) -> str:
    time.sleep(seconds)
    return "done"
