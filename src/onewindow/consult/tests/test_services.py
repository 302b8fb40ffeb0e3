"""Consultation services: routing to the item's department and its clerk on duty, messages
both ways, the first answer's time, escalation and transfer to 12345, rating, FAQ, scope."""

from datetime import timedelta

import pytest

from onewindow.consult import services
from onewindow.consult.constants import ConsultStatus, FaqStatus, SenderKind
from onewindow.consult.models import Consultation, ConsultMessage
from onewindow.consult.selectors import faq_for_item, figures
from onewindow.consult.tests.conftest import MONDAY_10, SATURDAY_10, at
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEntry
from onewindow.core.tests.helpers import raises_code
from onewindow.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def ask(citizen, item=None, when=MONDAY_10, text="请问个体工商户名称变更需要本人到场吗？"):
    return services.consultation_open(actor=citizen.user, text=text, item=item, now=when)


def test_a_question_goes_to_the_items_department_and_its_clerk_on_duty(world, citizen, item_a):
    services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=True)
    services.duty_set(actor=world.reviewer_a2.user, department=world.dept_a, on=True)
    first = ask(citizen, item_a)
    second = ask(citizen, item_a, text="第二个问题：营业执照遗失怎么办？")
    assert first.department == world.dept_a and first.item_name == "个体工商户名称变更"
    assert {first.assignee, second.assignee} == {world.reviewer_a, world.reviewer_a2}  # the least busy first
    assert first.status == ConsultStatus.WAITING and first.first_answer_due == at(7, 10, 30)
    assert first.messages.get().text.startswith("请问")
    # sealed at rest
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM consult_consultmessage WHERE id = %s", [first.messages.get().pk])
        assert "个体工商户" not in cursor.fetchone()[0]


def test_the_clerk_answers_and_the_first_answer_time_is_counted(world, citizen, item_a):
    x = ask(citizen, item_a)
    reply = services.message_send(actor=world.reviewer_a.user, consultation=x, text="不需要本人到场，可在线办理。",
                                  now=at(7, 10, 12))
    x.refresh_from_db()
    assert reply.sender_kind == SenderKind.CLERK and reply.sender_label == "市监局审批员甲"
    assert x.status == ConsultStatus.ANSWERED and x.first_answer_minutes == 12 and x.assignee == world.reviewer_a
    services.message_send(actor=citizen.user, consultation=x, text="好的，谢谢！", now=at(7, 10, 13))
    services.consultation_close(actor=citizen.user, consultation=x, now=at(7, 10, 14))
    x = services.consultation_rate(actor=citizen.user, consultation=x, rating=5, comment="很及时")
    assert x.rating == 5
    with pytest.raises(DomainError) as exc:
        services.consultation_rate(actor=citizen.user, consultation=x, rating=4)
    assert exc.value.code == "consult_already_rated"
    with pytest.raises(DomainError) as exc:
        services.message_send(actor=citizen.user, consultation=x, text="还有一个问题")
    assert exc.value.code == "consult_closed"
    row = figures(actor=world.leader_a.user)[0]
    assert row["total"] == 1 and row["answered_in_time"] == 1
    assert row["first_answer_minutes"] == 12.0 and row["rating"] == 5
    assert set(AuditEntry.objects.filter(object_id=str(x.public_id)).values_list("action", flat=True)) == {
        "consult.open", "consult.message", "consult.close", "consult.rate"}


def test_only_the_citizen_and_clerks_of_the_department_take_part(world, citizen, other_citizen, item_a):
    x = ask(citizen, item_a)
    for outsider in (other_citizen.user, world.reviewer_b.user):
        with pytest.raises(DomainError) as exc:
            services.message_send(actor=outsider, consultation=x, text="我来插一句")
        assert exc.value.code == "consult_not_yours"
    with pytest.raises(DomainError) as exc:
        services.consultation_open(actor=world.reviewer_a.user, text="工作人员不能发起", now=MONDAY_10)
    assert exc.value.code == "consult_citizens_only"
    with pytest.raises(DomainError) as exc:
        services.consultation_rate(actor=citizen.user, consultation=x, rating=5)
    assert exc.value.code == "consult_not_answered"


def test_bad_input_writes_nothing(world, citizen, item_a):
    for text, message in (("", "请输入至少 2 个字"), ("问" * 1001, "每条消息不超过 1000 个字")):
        with pytest.raises(DomainError) as exc:
            ask(citizen, item_a, text=text)
        assert exc.value.code == "validation_failed" and exc.value.fields == {"text": message}
    assert not Consultation.objects.exists() and not ConsultMessage.objects.exists()
    x = ask(citizen, item_a)
    with raises_code(DomainError, "validation_failed") as exc:
        services.consultation_rate(actor=citizen.user, consultation=x, rating=9)
    assert exc.value.fields == {"rating": "请选择 1–5 星"}


def test_flooding_is_refused(world, citizen, item_a):
    x = ask(citizen, item_a)
    for i in range(19):
        services.message_send(actor=citizen.user, consultation=x, text=f"第{i}条消息", now=MONDAY_10)
    with pytest.raises(DomainError) as exc:
        services.message_send(actor=citizen.user, consultation=x, text="再来一条", now=MONDAY_10)
    assert exc.value.code == "consult_too_fast" and exc.value.status == 429


def test_outside_hours_the_question_becomes_a_12345_consultation_ticket(world, citizen, item_a):
    x = ask(citizen, item_a, when=SATURDAY_10)
    assert x.status == ConsultStatus.TRANSFERRED and x.ticket_number
    ticket = Ticket.objects.get(number=x.ticket_number)
    assert ticket.kind == "consult" and ticket.requester_user == citizen.user and "个体工商户名称变更" in ticket.text
    system = x.messages.get(sender_kind=SenderKind.SYSTEM)
    assert x.ticket_number in system.text


def test_unanswered_questions_escalate_then_become_tickets_after_hours(world, citizen, item_a):
    services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=True)
    x = ask(citizen, item_a)
    assert x.assignee == world.reviewer_a
    services.duty_set(actor=world.reviewer_a2.user, department=world.dept_a, on=True)
    assert services.consult_escalate_run(now=at(7, 10, 29)) == {"escalated": 0, "transferred": 0}
    assert services.consult_escalate_run(now=at(7, 10, 31)) == {"escalated": 1, "transferred": 0}
    x.refresh_from_db()
    assert x.escalated_at == at(7, 10, 31) and x.assignee == world.reviewer_a2  # handed to the other clerk
    assert services.consult_escalate_run(now=at(7, 17, 0)) == {"escalated": 0, "transferred": 0}
    assert services.consult_escalate_run(now=at(7, 17, 40)) == {"escalated": 0, "transferred": 1}
    x.refresh_from_db()
    assert x.status == ConsultStatus.TRANSFERRED and Ticket.objects.filter(number=x.ticket_number).exists()
    row = figures(actor=world.supervisor.user)[0]
    assert row["escalated"] == 1 and row["transferred"] == 1 and row["answered"] == 0


def test_an_answer_becomes_an_faq_entry_after_another_clerk_approves(world, citizen, item_a):
    x = ask(citizen, item_a)
    services.message_send(actor=world.reviewer_a.user, consultation=x, text="不需要本人到场。", now=at(7, 10, 5))
    faq = services.faq_propose(actor=world.reviewer_a.user, consultation=x, question="名称变更需要本人到场吗？",
                               answer="不需要，可全程网办。")
    assert faq.status == FaqStatus.PROPOSED and faq_for_item(item=item_a) == []
    with pytest.raises(DomainError) as exc:
        services.faq_approve(actor=world.reviewer_a.user, faq=faq)
    assert exc.value.code == "consult_faq_self_approval"
    with pytest.raises(DomainError) as exc:
        services.faq_approve(actor=world.reviewer_b.user, faq=faq)
    assert exc.value.code == "consult_not_department_staff"
    services.faq_approve(actor=world.reviewer_a2.user, faq=faq)
    assert [f.question for f in faq_for_item(item=item_a)] == ["名称变更需要本人到场吗？"]


def test_duty_is_for_staff_of_the_department(world, citizen):
    with pytest.raises(DomainError) as exc:
        services.duty_set(actor=world.reviewer_b.user, department=world.dept_a, on=True)
    assert exc.value.code == "consult_not_department_staff"
    assert services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=True) is True
    assert services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=True) is True  # idempotent
    assert services.duty_set(actor=world.reviewer_a.user, department=world.dept_a, on=False) is False


def test_general_questions_go_to_the_service_centre(world, citizen):
    x = services.consultation_open(actor=citizen.user, text="周末可以办理业务吗？", now=MONDAY_10 + timedelta(hours=1))
    assert x.department.kind == "service_centre" and x.topic == "周末可以办理业务吗？"
