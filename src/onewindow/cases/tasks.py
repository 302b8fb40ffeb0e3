"""Background and periodic jobs of the cases app."""

from __future__ import annotations

from django_tasks import task

from onewindow.core.background import task_policy
from onewindow.core.timer import periodic


@task()
def case_result_issue_task(case_id: int) -> str:
    """Issue the result of an approved case (PDF rendering happens here, not in the request)."""
    from .models import Case
    from .services import case_result_issue

    case = Case.objects.filter(pk=case_id).first()
    if case is None:
        return "missing"
    case_result_issue(actor=None, case=case)
    return "issued"


def _case_subject(case_id: int) -> str:
    from .models import Case

    number = Case.objects.filter(pk=case_id).values_list("number", flat=True).first()
    return f"办件 {number}" if number else f"办件 #{case_id}"


task_policy(case_result_issue_task, label="办件结果出具", max_seconds=600, subject=_case_subject)


@task()
def notification_send_task(notification_id: int) -> int:
    from .notify import notification_send

    return notification_send(notification_id)


task_policy(notification_send_task, label="发送通知", max_seconds=300)


@periodic("cases.deadline_warnings")
def deadline_warnings() -> None:
    from .services import deadline_warnings_raise

    deadline_warnings_raise()


@periodic("cases.results_pending")
def results_pending() -> None:
    """Retry results of approved cases whose issue failed or whose task was lost."""
    from .constants import CaseStatus
    from .models import Case
    from .services import case_result_issue

    for case in Case.objects.filter(status=CaseStatus.APPROVED, result_issued_at__isnull=True)[:50]:
        case_result_issue(actor=None, case=case)


@periodic("cases.throttle_cleanup")
def throttle_cleanup() -> None:
    from .services import throttle_cleanup as cleanup

    cleanup()
