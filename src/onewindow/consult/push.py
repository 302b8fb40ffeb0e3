"""What consultation pages listen to (through ``core.realtime``), pushed after commit.

- ``consult.<id>``: the conversation — the citizen's page and the clerks' page of it: every
  message (its text, so that no reload is needed) and state changes.
- ``consult.dept.<id>``: a department's inbox — new, escalated and changed consultations (ids
  and topics only).
"""

from __future__ import annotations

from typing import Any

from onewindow.core import realtime


def conversation_group(consultation: Any) -> str:
    return realtime.group_name("consult", consultation.public_id)


def department_group(department: Any) -> str:
    return realtime.group_name("consult", "dept", department.public_id)


def conversation_token(consultation: Any) -> str:
    return realtime.subscription_token([conversation_group(consultation)])


def inbox_token(departments: Any) -> str:
    return realtime.subscription_token([department_group(d) for d in departments][:20])


def message_pushed(consultation: Any, message: dict[str, Any]) -> None:
    realtime.publish(conversation_group(consultation), "message", message)


def state_pushed(consultation: Any, *, what: str) -> None:
    data = {"id": str(consultation.public_id), "status": consultation.status, "what": what}
    realtime.publish(conversation_group(consultation), "state", data)
    realtime.publish(department_group(consultation.department), "inbox",
                     {**data, "topic": consultation.topic})
