"""Handling: dispatch, merging, the department's acceptance, returns, co-handlers and replies,
callbacks, site checks, closing and reopening.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, ValidationFailed
from onewindow.core.selectors import work_calendar

from .. import constants as c
from .. import learning, rules, selectors
from ..constants import Action, Status
from ..models import (
    Category,
    SupervisionOrder,
    Ticket,
    TicketCoHandler,
    TicketEvent,
    TicketReturn,
)
from ._common import (
    EVENT_TICKET_CLOSED,
    EVENT_TICKET_DISPATCHED,
    EVENT_TICKET_MERGED,
    EVENT_TICKET_REOPENED,
    EVENT_TICKET_REPLIED,
    EVENT_TICKET_SITE_CHECKED,
    _audit,
    _begin,
    _choice,
    _copy_back,
    _event,
    _finish,
    _locked,
    _now,
    _require,
    _require_dispatcher,
    _require_owner,
    _require_supervisor,
    _require_visible,
    _required_text,
    actor_id,
)
from .intake import _publish
from .location import _apply_deadline


# --- Dispatcher -------------------------------------------------------------------------------
def ticket_dispatch(*, actor: Any, ticket: Ticket, department: Department, category: Category | None = None,
                    limit_class: str | None = None, note: str = "", now: datetime | None = None) -> Ticket:
    """A dispatcher assigns the owner department (from triage, or again after a return)."""
    now = _now(now)
    _require_dispatcher(actor, ticket)
    if not department.is_active:
        raise ValidationFailed("该部门已停用", code="department_inactive", fields={"department": "该部门已停用"})
    if limit_class and limit_class not in c.LimitClass.values:
        raise ValidationFailed("时限类别无效", code="limit_class_invalid", fields={"limit_class": "时限类别无效"})
    with transaction.atomic():
        t, before = _begin(ticket, Action.DISPATCH)
        events: list[TicketEvent] = []
        if category is not None and category.pk != t.category_id:
            events.append(_event(t, actor=actor, action=Action.CATEGORY_CHANGE, at=now, from_status=before,
                                 note=f"分类改为：{category.full_name}", save=False,
                                 data={"from": t.category.code if t.category else None, "to": category.code}))
            t.category = category
        if limit_class and limit_class != t.limit_class:
            config = selectors.hotline_config(region_path=t.region_path)
            _apply_deadline(t, start=t.clock_started_at or t.received_at, config=config, requested=limit_class)
            events.append(_event(t, actor=actor, action=Action.DEADLINE_RECOMPUTE, at=now, from_status=before,
                                 note=f"时限类别改为：{c.LimitClass(limit_class).label}", save=False,
                                 data={"due_at": t.due_at.isoformat() if t.due_at else None}))
        if before in (Status.TRIAGE, Status.RETURNED) or category is not None:
            # a person decided the category: the classifier learns from it
            learning.label_record(
                ticket=t, category=t.category, actor=actor, now=now,
                source=(c.LabelSource.TRIAGE if before == Status.TRIAGE else c.LabelSource.REDISPATCH
                        if before == Status.RETURNED else c.LabelSource.CORRECTION))
        t.department = department
        t.dispatched_at = now
        t.dispatched_by_id = actor_id(actor)
        t.dispatch_via = c.DispatchVia.DISPATCHER
        t.dispatch_rule = None
        t.dispatch_note = (note or "").strip()[:200]
        t.accepted_at = None
        t.save()
        events.append(_event(t, actor=actor, action=Action.DISPATCH, at=now, from_status=before, to_status=t.status,
                             department=department, note=f"派单至{department}" + (f"：{note}" if note else ""),
                             save=False,
                             data={"via": c.DispatchVia.DISPATCHER, "redispatch": before == Status.RETURNED}))
        TicketEvent.objects.bulk_create(events)
        _audit(actor, t, "dispatch", department=department.code, from_status=before)
        _publish(EVENT_TICKET_DISPATCHED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_merge(*, actor: Any, ticket: Ticket, into: Ticket, now: datetime | None = None) -> Ticket:
    """Merge a duplicate into the main ticket: its requester gets the main ticket's answer."""
    now = _now(now)
    _require_dispatcher(actor, ticket)
    _require_visible(actor, into)
    if ticket.pk == into.pk:
        raise ValidationFailed("不能与自身合并", code="merge_self")
    if into.status == Status.MERGED:
        raise Conflict("主工单本身已被合并，请选择其主工单", code="merge_into_merged")
    with transaction.atomic():
        t, before = _begin(ticket, Action.MERGE)
        main = Ticket.objects.select_for_update().get(pk=into.pk)
        t.merged_into = main
        t.closed_at = None
        events = [_event(t, actor=actor, action=Action.MERGE, at=now, from_status=before, to_status=t.status,
                         note=f"合并至 {main.number}", data={"into": main.number}, save=False),
                  _event(main, actor=actor, action=Action.MERGE, at=now, from_status=main.status,
                         note=f"合并入重复工单 {t.number}", data={"merged": t.number}, save=False)]
        if main.replied_at and main.reply_text:
            t.reply_text, t.replied_at = main.reply_text, now
            events.append(_event(t, actor=actor, action=Action.MERGE_ANSWER, at=now, from_status=t.status,
                                 note=main.reply_text, save=False))
        t.save()
        TicketEvent.objects.bulk_create(events)
        audit_record(actor=actor, action=c.AUDIT_TICKET_MERGE, obj=t,
                     summary={"number": t.number, "into": main.number})
        _publish(EVENT_TICKET_MERGED, t, into=main.number)
        if t.replied_at:
            _publish(EVENT_TICKET_REPLIED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_duplicate_dismiss(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The dispatcher decides a flagged ticket is not a duplicate after all."""
    now = _now(now)
    _require_dispatcher(actor, ticket)
    with transaction.atomic():
        t = _locked(ticket)
        if t.duplicate_of_id is None:
            return ticket
        t.duplicate_of = None
        t.duplicate_score = None
        t.save(update_fields=["duplicate_of", "duplicate_score", "updated_at"])
        _event(t, actor=actor, action=Action.DUPLICATE_FLAG, at=now, from_status=t.status, note="核实非重复件")
        _audit(actor, t, "duplicate_dismiss")
    _copy_back(ticket, t)
    return ticket


# --- Department -------------------------------------------------------------------------------
def ticket_accept(*, actor: Any, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """The owner department signs for the ticket (签收)."""
    now = _now(now)
    _require_owner(actor, ticket)
    with transaction.atomic():
        t, before = _begin(ticket, Action.ACCEPT)
        t.accepted_at = now
        _finish(t, actor=actor, action=Action.ACCEPT, before=before, at=now, fields=["accepted_at"],
                department=t.department, summary={"department": t.department.code if t.department else ""})
    _copy_back(ticket, t)
    return ticket


def ticket_return(*, actor: Any, ticket: Ticket, reason: str, category: Category | None = None,
                  now: datetime | None = None) -> Ticket:
    """The owner department sends a wrongly dispatched ticket back, with a reason, within the limit.

    The return counts against whoever dispatched it (a dispatcher, or the rules), not the department.
    A ``category`` the department names as the right one is kept as a label for the classifier
    (the dispatcher's redispatch, if it differs, supersedes it).
    """
    now = _now(now)
    _require_owner(actor, ticket)
    reason = _required_text(reason, field_name="reason", label="退回理由", min_len=4, max_len=500)
    with transaction.atomic():
        t, before = _begin(ticket, Action.RETURN)
        config = selectors.hotline_config(region_path=t.region_path)
        if t.dispatched_at and not rules.return_allowed(
                dispatched_at=t.dispatched_at, now=now, limit_working_days=config.return_limit_working_days,
                calendar=work_calendar()):
            days = config.return_limit_working_days
            raise Conflict(f"已超过退回时限（派单后{days}个工作日内），请继续办理或申请协调",
                           code="return_too_late")
        department = t.department
        assert department is not None
        TicketReturn.objects.create(ticket=t, department=department, reason=reason,
                                    dispatched_by_id=t.dispatched_by_id, dispatch_via=t.dispatch_via,
                                    returned_by_id=actor_id(actor), returned_at=now)
        if category is not None:
            learning.label_record(ticket=t, category=category, actor=actor, now=now,
                                  source=c.LabelSource.RETURN)
        t.department = None
        t.accepted_at = None
        t.return_count += 1
        _finish(t, actor=actor, action=Action.RETURN, before=before, at=now,
                fields=["department", "accepted_at", "return_count"], note=reason,
                data={"dispatched_by": t.dispatched_by_id, "via": t.dispatch_via},
                summary={"department": department.code, "reason": reason[:200]})
    _copy_back(ticket, t)
    return ticket


def ticket_cohandler_add(*, actor: Any, ticket: Ticket, department: Department, request: str = "",
                         now: datetime | None = None) -> TicketCoHandler:
    """Add a co-handling department (协办单位): by the owner department or a dispatcher."""
    now = _now(now)
    _require_visible(actor, ticket)
    _require(selectors.is_dispatcher(actor) or selectors.is_department_handler(actor, ticket.department_id),
             "只有承办部门或派单员可以增加协办单位", "not_owner_department")
    if department.pk == ticket.department_id:
        raise ValidationFailed("协办单位不能是承办部门本身", code="cohandler_is_owner",
                               fields={"department": "协办单位不能是承办部门本身"})
    if ticket.status in c.FINAL_STATUSES:
        raise Conflict("工单已办结，不能增加协办单位", code="ticket_closed")
    with transaction.atomic():
        t = _locked(ticket)
        cohandler, created = TicketCoHandler.objects.get_or_create(
            ticket=t, department=department,
            defaults={"request": (request or "").strip()[:500], "added_by_id": actor_id(actor)})
        if not created:
            raise Conflict("该部门已是协办单位", code="cohandler_exists")
        _event(t, actor=actor, action=Action.COHANDLER_ADD, at=now, from_status=t.status, department=department,
               note=request or "")
        _audit(actor, t, "cohandler_add", department=department.code)
    return cohandler


def ticket_cohandler_reply(*, actor: Any, ticket: Ticket, text: str, now: datetime | None = None) -> TicketCoHandler:
    """A co-handling department gives its feedback to the owner."""
    now = _now(now)
    ids = selectors.handler_departments(actor)
    cohandler = TicketCoHandler.objects.select_related("department").filter(
        ticket=ticket, department_id__in=ids).first()
    if cohandler is None:
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")
    text = _required_text(text, field_name="text", label="协办意见", max_len=c.MAX_TEXT)
    with transaction.atomic():
        cohandler.status = c.CoHandlerStatus.DONE
        cohandler.reply_text = text
        cohandler.replied_at = now
        cohandler.save(update_fields=["status", "reply_text", "replied_at", "updated_at"])
        _event(ticket, actor=actor, action=Action.COHANDLER_REPLY, at=now, from_status=ticket.status,
               department=cohandler.department, note=text)
        _audit(actor, ticket, "cohandler_reply", department=cohandler.department.code)
    return cohandler


def ticket_reply(*, actor: Any, ticket: Ticket, text: str, now: datetime | None = None) -> Ticket:
    """The owner department answers the requester (答复); merged duplicates get the same answer."""
    now = _now(now)
    _require_owner(actor, ticket)
    text = _required_text(text, field_name="text", label="答复内容", min_len=5, max_len=c.MAX_TEXT)
    with transaction.atomic():
        t, before = _begin(ticket, Action.REPLY)
        t.reply_text = text
        t.replied_at = now
        t.replied_by_id = actor_id(actor)
        t.save(update_fields=["status", "reply_text", "replied_at", "replied_by", "updated_at"])
        late = bool(t.due_at and now > t.due_at)
        _event(t, actor=actor, action=Action.REPLY, at=now, from_status=before, to_status=t.status,
               department=t.department, note=text, data={"late": late})
        children = list(Ticket.objects.select_for_update().filter(merged_into=t))
        for child in children:
            child.reply_text, child.replied_at = text, now
            child.save(update_fields=["reply_text", "replied_at", "updated_at"])
            _event(child, actor=actor, action=Action.MERGE_ANSWER, at=now, from_status=child.status,
                   department=t.department, note=text, data={"main": t.number})
            _publish(EVENT_TICKET_REPLIED, child)
        # supervision orders are answered by the reply as well
        SupervisionOrder.objects.filter(ticket=t, status__in=[c.OrderStatus.OPEN, c.OrderStatus.OVERDUE]).update(
            status=c.OrderStatus.ANSWERED, response="已答复诉求人：" + text[:200], answered_at=now,
            answered_by_id=actor_id(actor), updated_at=now)
        _audit(actor, t, "reply", late=late, merged=[ch.number for ch in children])
        _publish(EVENT_TICKET_REPLIED, t)
    _copy_back(ticket, t)
    return ticket


# --- Callback, close, reopen ------------------------------------------------------------------
def ticket_callback(*, actor: Any, ticket: Ticket, satisfaction: str, solved: bool, note: str = "",
                    now: datetime | None = None) -> Ticket:
    """The hotline calls the requester back (回访): satisfaction and whether it was solved.

    满意/基本满意 close the ticket; 不满意 leaves it for a supervisor (reopen once, or close).
    """
    now = _now(now)
    _require_dispatcher(actor, ticket)
    satisfaction = _choice(satisfaction, c.Satisfaction, field_name="satisfaction", label="满意度")
    if ticket.site_check:
        raise Conflict("网格上报的事件由上报的网格员现场核实，无需电话回访", code="ticket_site_check_required")
    with transaction.atomic():
        t, before = _begin(ticket, Action.CALLBACK)
        t.satisfaction = satisfaction
        t.solved = bool(solved)
        t.callback_note = (note or "").strip()[:500]
        t.callback_at = now
        events = [_event(t, actor=actor, action=Action.CALLBACK, at=now, from_status=before, to_status=t.status,
                         note=f"{c.Satisfaction(satisfaction).label}，{'已解决' if solved else '未解决'}"
                              + (f"：{t.callback_note}" if t.callback_note else ""), save=False,
                         data={"satisfaction": satisfaction, "solved": bool(solved)})]
        if rules.callback_closes(satisfaction):
            after = t.status
            t.status = rules.transition_check(after, Action.CLOSE)
            t.closed_at = now
            events.append(_event(t, actor=actor, action=Action.CLOSE, at=now, from_status=after,
                                 to_status=t.status, note="回访满意，办结", save=False))
        t.save()
        TicketEvent.objects.bulk_create(events)
        _audit(actor, t, "callback", satisfaction=satisfaction, solved=bool(solved))
        if t.status == Status.CLOSED:
            _publish(EVENT_TICKET_CLOSED, t)
    _copy_back(ticket, t)
    return ticket


def _require_site_checker(actor: Any, ticket: Ticket) -> None:
    from onewindow.accounts.constants import Role

    scope = scope_for(actor)
    reporter = ticket.requester_user_id is not None and ticket.requester_user_id == actor_id(actor)
    if not scope.has_role(Role.GRID_WORKER) or not (reporter or scope.covers_region_path(ticket.region_path)):
        raise NotFound("找不到该工单，或您无权查看", code="ticket_not_found")


def ticket_site_check(*, actor: Any, ticket: Ticket, solved: bool, satisfaction: str = c.Satisfaction.SATISFIED,
                      note: str = "", now: datetime | None = None) -> Ticket:
    """The grid worker who reported an event (or one of its grid) checks the fix on site (现场核实).

    Like the hotline's callback it rates the handling: fixed and 满意/基本满意 closes the ticket;
    not fixed counts as 不满意 and leaves it to a supervisor (reopen once, or close).
    """
    now = _now(now)
    _require_site_checker(actor, ticket)
    if not ticket.site_check:
        raise Conflict("该工单不是网格上报事件，请由热线回访", code="ticket_no_site_check")
    satisfaction = _choice(satisfaction, c.Satisfaction, field_name="satisfaction", label="满意度")
    satisfaction = rules.site_check_outcome(solved=bool(solved), satisfaction=satisfaction)
    note = (note or "").strip()[:500]
    if not solved and len(note) < 2:
        msg = "未解决时请说明现场情况"
        raise ValidationFailed(msg, code="site_check_note_required", fields={"note": msg})
    with transaction.atomic():
        t, before = _begin(ticket, Action.SITE_CHECK)
        t.satisfaction = satisfaction
        t.solved = bool(solved)
        t.callback_note = note
        t.callback_at = now
        events = [_event(t, actor=actor, action=Action.SITE_CHECK, at=now, from_status=before, to_status=t.status,
                         note=("现场核实：已解决" if solved else "现场核实：未解决")
                         + f"，{c.Satisfaction(satisfaction).label}" + (f"：{note}" if note else ""), save=False,
                         data={"satisfaction": satisfaction, "solved": bool(solved)})]
        if rules.callback_closes(satisfaction):
            after = t.status
            t.status = rules.transition_check(after, Action.CLOSE)
            t.closed_at = now
            events.append(_event(t, actor=actor, action=Action.CLOSE, at=now, from_status=after,
                                 to_status=t.status, note="现场核实已解决，办结", save=False))
        t.save()
        TicketEvent.objects.bulk_create(events)
        _audit(actor, t, "site_check", satisfaction=satisfaction, solved=bool(solved))
        _publish(EVENT_TICKET_SITE_CHECKED, t, solved=bool(solved))
        if t.status == Status.CLOSED:
            _publish(EVENT_TICKET_CLOSED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_close(*, actor: Any, ticket: Ticket, note: str = "", now: datetime | None = None) -> Ticket:
    """A supervisor closes a ticket after an unsatisfied callback (no reopening)."""
    now = _now(now)
    _require_supervisor(actor, ticket)
    with transaction.atomic():
        t, before = _begin(ticket, Action.CLOSE)
        t.closed_at = now
        _finish(t, actor=actor, action=Action.CLOSE, before=before, at=now, fields=["closed_at"],
                note=(note or "").strip()[:500] or "监督管理人员办结")
        _publish(EVENT_TICKET_CLOSED, t)
    _copy_back(ticket, t)
    return ticket


def ticket_reopen(*, actor: Any, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """A supervisor sends an unsatisfied ticket back to its department (once), with a new limit."""
    now = _now(now)
    _require_supervisor(actor, ticket)
    reason = _required_text(reason, field_name="reason", label="重新办理理由", min_len=4, max_len=500)
    with transaction.atomic():
        t, before = _begin(ticket, Action.REOPEN)
        if t.reopen_count >= c.REOPEN_LIMIT:
            raise Conflict("该工单已重新办理过一次，不能再次重办", code="reopen_limit")
        if not rules.reopen_allowed(reopen_count=t.reopen_count, satisfaction=t.satisfaction, limit=c.REOPEN_LIMIT):
            raise Conflict("只有回访不满意的工单可以重新办理", code="reopen_not_unsatisfied")
        previous = {"reply_text": t.reply_text, "replied_at": t.replied_at.isoformat() if t.replied_at else None,
                    "satisfaction": t.satisfaction, "solved": t.solved}
        t.reopen_count += 1
        t.replied_at = t.callback_at = t.closed_at = t.accepted_at = None
        t.satisfaction = ""
        t.solved = None
        config = selectors.hotline_config(region_path=t.region_path)
        _apply_deadline(t, start=now, config=config, requested=t.limit_class)
        _finish(t, actor=actor, action=Action.REOPEN, before=before, at=now, department=t.department,
                note=reason, data={"previous": previous, "due_at": t.due_at.isoformat() if t.due_at else None},
                summary={"reason": reason[:200]})
        _publish(EVENT_TICKET_REOPENED, t)
    _copy_back(ticket, t)
    return ticket
