from django_tasks import task

from .events import outbox_process
from .timer import periodic


@task()
def outbox_process_task() -> int:
    return outbox_process()


@periodic("core.outbox")
def outbox_retry() -> None:
    outbox_process()
