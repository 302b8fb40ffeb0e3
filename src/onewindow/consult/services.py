"""Writes of online consultation (在线应询): asking, routing to the responsible department and
its clerk on duty, live messages, first-answer limits with escalation, transfer to a 12345
consultation ticket outside service hours, rating, duty, FAQ entries. Every change audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from onewindow.accounts.constants import UserKind
from onewindow.accounts.models import Department, Staff
from onewindow.accounts.scope import scope_for
from onewindow.catalog.models import ServiceItem
from onewindow.catalog.selectors import item_published_get
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, DomainError, NotAuthenticated, PermissionDenied, ValidationFailed
from onewindow.core.selectors import work_calendar
from onewindow.core.uploads import CheckedUpload, upload_check
from onewindow.tickets import services as ticket_services
from onewindow.tickets.constants import Channel, TicketKind

from . import constants as c
from . import push, rules
from .models import Consultation, ConsultAttachment, ConsultMessage, DutyShift, FaqEntry


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def service_hours() -> rules.Hours:
    return rules.hours_parse(settings.ONEWINDOW_CONSULT_HOURS)


def _is_working_day(day: Any) -> bool:
    return work_calendar().is_working_day(day)


def in_service_hours(at: datetime) -> bool:
    return rules.in_hours(at, hours=service_hours(), is_working_day=_is_working_day)


def first_answer_due(start: datetime) -> datetime:
    return rules.add_working_minutes(start, settings.ONEWINDOW_CONSULT_FIRST_ANSWER_MINUTES,
                                     hours=service_hours(), is_working_day=_is_working_day)


def _working_minutes(start: datetime, end: datetime) -> int:
    return rules.working_minutes_between(start, end, hours=service_hours(), is_working_day=_is_working_day)


# --- Who ---------------------------------------------------------------------------------------
def is_clerk_for(*, actor: Any, consultation: Consultation) -> bool:
    return scope_for(actor).covers(region_path=consultation.region_path, department_id=consultation.department_id)


def _require_citizen(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False):
        raise NotAuthenticated("请先登录后再咨询", code="not_authenticated")
    if getattr(actor, "kind", None) == UserKind.STAFF:
        raise PermissionDenied("工作人员请在咨询工作台答复", code="consult_citizens_only")


def _role_of(actor: Any, consultation: Consultation) -> str:
    if consultation.citizen_id == getattr(actor, "pk", None):
        return c.SenderKind.CITIZEN
    if is_clerk_for(actor=actor, consultation=consultation):
        return c.SenderKind.CLERK
    raise PermissionDenied("您不能参与该咨询", code="consult_not_yours")


def _locked(consultation: Consultation) -> Consultation:
    return (Consultation.objects.select_for_update().select_related("department__region")
            .get(pk=consultation.pk))


def _staff_of(actor: Any) -> Staff | None:
    return Staff.objects.filter(user=actor, is_active=True).first()


def _on_duty_clerk(department: Department, *, exclude: Staff | None = None) -> Staff | None:
    """The clerk on duty with the fewest open consultations of the department."""
    shifts = DutyShift.objects.filter(department=department, staff__is_active=True)
    if exclude is not None:
        shifts = shifts.exclude(staff=exclude)
    staff_ids = list(shifts.values_list("staff_id", flat=True))
    if not staff_ids:
        return None
    return (Staff.objects.filter(pk__in=staff_ids)
            .annotate(open_n=Count("consultations", filter=Q(consultations__status__in=c.OPEN_STATUSES)))
            .order_by("open_n", "pk").first())


def default_department() -> Department | None:
    """Questions about no particular item go to the district's service centre."""
    return (Department.objects.filter(kind="service_centre", is_active=True)
            .select_related("region").order_by("region__path", "pk").first())


def _text(text: str, *, field: str = "text") -> str:
    text = rules.message_clean(text)
    if len(text) < c.MESSAGE_MIN:
        raise ValidationFailed(fields={field: f"请输入至少 {c.MESSAGE_MIN} 个字"})
    if len(text) > c.MESSAGE_MAX:
        raise ValidationFailed(fields={field: f"每条消息不超过 {c.MESSAGE_MAX} 个字"})
    return text


def attachment_url(consultation: Consultation, attachment: ConsultAttachment) -> str:
    return reverse("consult:file", kwargs={"public_id": consultation.public_id, "file_id": attachment.public_id})


def attachment_data(consultation: Consultation, message: ConsultMessage) -> dict[str, Any] | None:
    """What a client needs to show a message's picture inline or link its PDF (or None)."""
    a = message.attachment_or_none
    if a is None:
        return None
    return {"id": str(a.public_id), "name": a.name, "content_type": a.content_type, "size": a.size,
            "width": a.width, "height": a.height, "url": attachment_url(consultation, a)}


def _message_data(message: ConsultMessage) -> dict[str, Any]:
    return {"id": str(message.public_id), "sender_kind": message.sender_kind, "sender_label": message.sender_label,
            "text": message.text, "link_url": message.link_url, "link_label": message.link_label,
            "at": message.created_at.isoformat(), "attachment": attachment_data(message.consultation, message)}


def attachment_check(*, name: str, content: bytes) -> CheckedUpload:
    """A picture or PDF for a conversation, judged by its content (``core.uploads``)."""
    return upload_check(name=name, content=content, allowed=c.ATTACHMENT_TYPES, max_bytes=c.ATTACHMENT_MAX_BYTES,
                        field="file", code_prefix="consult_attachment", kinds_label=c.ATTACHMENT_KINDS_LABEL)


def _post(consultation: Consultation, *, sender: Any, kind: str, text: str, label: str = "", link_url: str = "",
          link_label: str = "", now: datetime, upload: CheckedUpload | None = None) -> ConsultMessage:
    message = ConsultMessage.objects.create(consultation=consultation, sender=sender, sender_kind=kind,
                                            sender_label=label, text=text, link_url=link_url,
                                            link_label=link_label[:200])
    if upload is not None:
        attachment = ConsultAttachment(message=message, name=upload.name, content_type=upload.content_type,
                                       extension=upload.extension, size=len(upload.content),
                                       width=upload.width, height=upload.height)
        attachment.file.save(upload.name, ContentFile(upload.content), save=False)
        attachment.save()
    if message.created_at != now:
        ConsultMessage.objects.filter(pk=message.pk).update(created_at=now)
        message.created_at = now
    push.message_pushed(consultation, _message_data(message))
    return message


# --- Asking ------------------------------------------------------------------------------------
def consultation_open(*, actor: Any, text: str, topic: str = "", item: ServiceItem | None = None,
                      department: Department | None = None, now: datetime | None = None) -> Consultation:
    """A citizen asks: routed to the item's department (else the one named, else the service
    centre) and its clerk on duty; outside service hours it becomes a 12345 consultation ticket."""
    _require_citizen(actor)
    now = _now(now)
    text = _text(text)
    topic = rules.message_clean(topic)[: c.TOPIC_MAX] or text.replace("\n", " ")[:30]
    if item is not None:
        department = item.department
    department = department or default_department()
    if department is None:
        raise ValidationFailed("暂无可受理咨询的部门", code="consult_no_department")
    department = Department.objects.select_related("region").get(pk=department.pk)
    item_name = ""
    if item is not None:
        item_name = item_published_get(public_id=item.public_id).name
    open_hours = in_service_hours(now)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            citizen=actor, item=item, item_name=item_name, topic=topic, department=department,
            region_path=department.region.path, last_message_at=now, asked_at=now,
            assignee=_on_duty_clerk(department) if open_hours else None,
            first_answer_due=first_answer_due(now) if open_hours else None)
        _post(consultation, sender=actor, kind=c.SenderKind.CITIZEN, text=text, now=now)
        audit_record(actor=actor, action=c.AUDIT_OPEN, obj=consultation,
                     summary={"department": department.code, "item": item_name, "in_hours": open_hours})
        if not open_hours:
            _transfer(consultation, actor=actor, now=now, reason="非工作时间")
        push.state_pushed(consultation, what="new")
    return consultation


def _transfer(consultation: Consultation, *, actor: Any, now: datetime, reason: str) -> None:
    """Make the question a 12345 consultation ticket (the hotline answers within its limit)."""
    first = consultation.messages.filter(sender_kind=c.SenderKind.CITIZEN).order_by("created_at").first()
    question = first.text if first else consultation.topic
    body = f"【在线咨询转办】{consultation.item_name or consultation.department.name}：{question}"
    try:
        ticket = ticket_services.ticket_intake(
            actor=consultation.citizen, kind=TicketKind.CONSULT, channel=Channel.MOBILE, title=consultation.topic,
            text=body[:2000], requester_user=consultation.citizen,
            requester_name=getattr(consultation.citizen, "display_name", "")[:60], now=now)
    except DomainError as exc:
        raise Conflict(f"转12345工单失败：{exc.message}", code="consult_transfer_failed") from exc
    consultation.status = c.ConsultStatus.TRANSFERRED
    consultation.transferred_at = now
    consultation.ticket_number = ticket.number
    consultation.save(update_fields=["status", "transferred_at", "ticket_number", "updated_at"])
    _post(consultation, sender=None, kind=c.SenderKind.SYSTEM, now=now,
          text=f"{reason}，您的问题已转为12345咨询工单 {ticket.number}，将由热线按时限答复。"
               "可在“我的 · 12345诉求”中查看进度。")
    audit_record(actor=actor, action=c.AUDIT_TRANSFER, obj=consultation,
                 summary={"ticket": ticket.number, "reason": reason})


def message_send(*, actor: Any, consultation: Consultation, text: str, link_url: str = "", link_label: str = "",
                 upload: CheckedUpload | None = None, now: datetime | None = None) -> ConsultMessage:
    """A message of the citizen or of a clerk of the department, pushed to the other side; with
    ``upload`` (from ``attachment_check``) it carries a picture or PDF and the text may be empty."""
    now = _now(now)
    if upload is not None and not rules.message_clean(text):
        text = f"[{'图片' if upload.is_image else '文件'}] {upload.name}"[: c.MESSAGE_MAX]
    text = _text(text)
    with transaction.atomic():
        consultation = _locked(consultation)
        kind = _role_of(actor, consultation)
        if consultation.status not in c.OPEN_STATUSES:
            raise Conflict("该咨询已结束，如有新问题请重新发起咨询", code="consult_closed")
        recent = consultation.messages.filter(sender=actor, created_at__gte=now - timedelta(minutes=1)).count()
        if recent >= c.MESSAGES_PER_MINUTE:
            raise DomainError("发送过于频繁，请稍后再试", code="consult_too_fast", status=429)
        label = ""
        fields = ["last_message_at", "updated_at"]
        if kind == c.SenderKind.CLERK:
            staff = _staff_of(actor)
            label = staff.name if staff else actor.get_username()
            if consultation.first_answered_at is None:
                consultation.first_answered_at = now
                consultation.first_answer_minutes = _working_minutes(consultation.asked_at, now)
                consultation.status = c.ConsultStatus.ANSWERED
                fields += ["first_answered_at", "first_answer_minutes", "status"]
            if consultation.assignee_id is None and staff is not None:
                consultation.assignee = staff
                fields.append("assignee")
        else:
            link_url = link_label = ""  # citizens send text only
        consultation.last_message_at = now
        consultation.save(update_fields=fields)
        message = _post(consultation, sender=actor, kind=kind, text=text, label=label, link_url=link_url,
                        link_label=link_label, now=now, upload=upload)
        summary: dict[str, Any] = {"sender": kind, "length": len(text), "link": bool(link_url)}
        if upload is not None:
            summary.update(file=upload.name[:60], file_type=upload.content_type, size=len(upload.content))
        audit_record(actor=actor, action=c.AUDIT_MESSAGE, obj=consultation, summary=summary)
        if "status" in fields:
            push.state_pushed(consultation, what="answered")
    return message


def attachment_send(*, actor: Any, consultation: Consultation, name: str, content: bytes, text: str = "",
                    now: datetime | None = None) -> ConsultMessage:
    """A picture or PDF in the conversation (citizen or clerk), checked by its content first."""
    upload = attachment_check(name=name, content=content)
    return message_send(actor=actor, consultation=consultation, text=text, upload=upload, now=now)


def guide_send(*, actor: Any, consultation: Consultation, item: ServiceItem, name: str,
               now: datetime | None = None) -> ConsultMessage:
    """The clerk sends the guide of an item (a link the citizen opens)."""
    if _role_of(actor, consultation) != c.SenderKind.CLERK:
        raise PermissionDenied("只有工作人员可以发送办事指南", code="consult_clerks_only")
    url = reverse("catalog:guide_item", kwargs={"public_id": item.public_id})
    return message_send(actor=actor, consultation=consultation, text=f"请查看办事指南：{name}", link_url=url,
                        link_label=name, now=now)


def application_send(*, actor: Any, consultation: Consultation, item: ServiceItem, name: str,
                     now: datetime | None = None) -> ConsultMessage:
    """The clerk opens the online application of the item for the citizen (a link to start it)."""
    if _role_of(actor, consultation) != c.SenderKind.CLERK:
        raise PermissionDenied("只有工作人员可以发送申办入口", code="consult_clerks_only")
    url = reverse("cases:apply", kwargs={"item_id": item.public_id})
    return message_send(actor=actor, consultation=consultation, text=f"可以直接在线申办：{name}", link_url=url,
                        link_label=f"在线申办：{name}", now=now)


def consultation_close(*, actor: Any, consultation: Consultation, now: datetime | None = None) -> Consultation:
    now = _now(now)
    with transaction.atomic():
        consultation = _locked(consultation)
        kind = _role_of(actor, consultation)
        if consultation.status not in c.OPEN_STATUSES:
            raise Conflict("该咨询已结束", code="consult_closed")
        consultation.status = c.ConsultStatus.CLOSED
        consultation.closed_at = now
        consultation.save(update_fields=["status", "closed_at", "updated_at"])
        _post(consultation, sender=None, kind=c.SenderKind.SYSTEM, now=now,
              text="咨询已结束。" + ("欢迎对本次答复作出评价。" if consultation.first_answered_at else ""))
        audit_record(actor=actor, action=c.AUDIT_CLOSE, obj=consultation, summary={"by": kind})
        push.state_pushed(consultation, what="closed")
    return consultation


def consultation_rate(*, actor: Any, consultation: Consultation, rating: int, comment: str = "",
                      now: datetime | None = None) -> Consultation:
    now = _now(now)
    comment = rules.message_clean(comment)
    errors: dict[str, str] = {}
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = "请选择 1–5 星"
    if len(comment) > c.RATING_COMMENT_MAX:
        errors["comment"] = f"评价意见不超过 {c.RATING_COMMENT_MAX} 个字"
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        consultation = _locked(consultation)
        if consultation.citizen_id != getattr(actor, "pk", None):
            raise PermissionDenied("只有咨询人可以评价", code="consult_not_yours")
        if consultation.first_answered_at is None:
            raise Conflict("收到答复后才能评价", code="consult_not_answered")
        if consultation.rating is not None:
            raise Conflict("您已评价过该咨询", code="consult_already_rated")
        consultation.rating, consultation.rating_comment, consultation.rated_at = rating, comment, now
        consultation.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_RATE, obj=consultation, summary={"rating": rating})
        push.state_pushed(consultation, what="rated")
    return consultation


def duty_set(*, actor: Any, department: Department, on: bool, now: datetime | None = None) -> bool:
    """A clerk of the department goes on or off duty for its online consultations."""
    staff = _staff_of(actor)
    if staff is None or not scope_for(actor).covers(region_path=department.region.path, department_id=department.pk):
        raise PermissionDenied("只有本部门工作人员可以值班", code="consult_not_department_staff")
    with transaction.atomic():
        if on:
            try:
                with transaction.atomic():
                    DutyShift.objects.create(staff=staff, department=department, since=_now(now))
            except IntegrityError:
                return True
        else:
            if not DutyShift.objects.filter(staff=staff, department=department).delete()[0]:
                return False
        audit_record(actor=actor, action=c.AUDIT_DUTY, obj=department, summary={"on": on})
    return on


def consult_escalate_run(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic check: a question unanswered past its first-answer limit escalates (another
    clerk on duty, the department's inbox alerted); one still unanswered when the service hours
    end becomes a 12345 consultation ticket."""
    now = _now(now)
    escalated = transferred = 0
    overdue = list(Consultation.objects.filter(status=c.ConsultStatus.WAITING, escalated_at=None,
                                               first_answer_due__lte=now).values_list("pk", flat=True))
    for pk in overdue:
        with transaction.atomic():
            consultation = Consultation.objects.select_for_update().select_related("department").get(pk=pk)
            if consultation.status != c.ConsultStatus.WAITING or consultation.escalated_at is not None:
                continue
            consultation.escalated_at = now
            previous = consultation.assignee
            consultation.assignee = _on_duty_clerk(consultation.department, exclude=previous) or previous
            consultation.save(update_fields=["escalated_at", "assignee", "updated_at"])
            audit_record(actor=None, action=c.AUDIT_ESCALATE, obj=consultation,
                         summary={"from": previous.name if previous else "", "to": consultation.assignee.name
                                  if consultation.assignee else ""})
            push.state_pushed(consultation, what="escalated")
            escalated += 1
    if not in_service_hours(now):
        stale = list(Consultation.objects.filter(status=c.ConsultStatus.WAITING).exclude(escalated_at=None)
                     .values_list("pk", flat=True))
        for pk in stale:
            with transaction.atomic():
                consultation = (Consultation.objects.select_for_update().select_related("department", "citizen")
                                .get(pk=pk))
                if consultation.status != c.ConsultStatus.WAITING:
                    continue
                _transfer(consultation, actor=None, now=now, reason="工作时间内未能答复")
                push.state_pushed(consultation, what="transferred")
                transferred += 1
    return {"escalated": escalated, "transferred": transferred}


# --- FAQ ---------------------------------------------------------------------------------------
def faq_propose(*, actor: Any, consultation: Consultation, question: str, answer: str) -> FaqEntry:
    """A clerk turns a recurring question and its answer into an FAQ entry of the item."""
    if _role_of(actor, consultation) != c.SenderKind.CLERK:
        raise PermissionDenied("只有工作人员可以整理常见问题", code="consult_clerks_only")
    if consultation.item_id is None:
        raise ValidationFailed("该咨询未关联事项，无法列入事项的常见问题", code="consult_no_item")
    question, answer = rules.message_clean(question), rules.message_clean(answer)
    errors: dict[str, str] = {}
    if not 4 <= len(question) <= c.FAQ_QUESTION_MAX:
        errors["question"] = f"问题 4–{c.FAQ_QUESTION_MAX} 个字"
    if not 4 <= len(answer) <= c.FAQ_ANSWER_MAX:
        errors["answer"] = f"答复 4–{c.FAQ_ANSWER_MAX} 个字"
    if errors:
        raise ValidationFailed(fields=errors)
    with transaction.atomic():
        faq = FaqEntry.objects.create(item_id=consultation.item_id, department_id=consultation.department_id,
                                      question=question, answer=answer, source=consultation, proposed_by=actor)
        audit_record(actor=actor, action=c.AUDIT_FAQ_PROPOSE, obj=faq, summary={"question": question[:60]})
    return faq


def faq_approve(*, actor: Any, faq: FaqEntry, now: datetime | None = None) -> FaqEntry:
    """Another clerk of the department approves: the entry shows on the item's guide."""
    with transaction.atomic():
        faq = FaqEntry.objects.select_for_update().select_related("department__region").get(pk=faq.pk)
        if not scope_for(actor).covers(region_path=faq.department.region.path, department_id=faq.department_id):
            raise PermissionDenied("只有本部门工作人员可以审核", code="consult_not_department_staff")
        if faq.status != c.FaqStatus.PROPOSED:
            raise Conflict("该条目已审核", code="consult_faq_wrong_state")
        if faq.proposed_by_id == getattr(actor, "pk", None):
            raise PermissionDenied("请由另一位工作人员审核", code="consult_faq_self_approval")
        faq.status, faq.approved_by, faq.approved_at = c.FaqStatus.APPROVED, actor, _now(now)
        faq.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
        audit_record(actor=actor, action=c.AUDIT_FAQ_APPROVE, obj=faq, summary={"question": faq.question[:60]})
    return faq
