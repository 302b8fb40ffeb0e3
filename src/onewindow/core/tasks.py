from django_tasks import task

from .background import task_policy
from .events import outbox_process
from .timer import periodic


@task()
def outbox_process_task() -> int:
    return outbox_process()


task_policy(outbox_process_task, label="事件投递", max_seconds=300, attempts=5)


@periodic("core.outbox")
def outbox_retry() -> None:
    outbox_process()
