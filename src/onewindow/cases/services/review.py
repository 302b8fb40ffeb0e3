"""Pre-review, acceptance, supplements, review steps, special procedures, the decision, the
result document, delivery, closing, withdrawal and assignment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Staff
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.events import event_publish
from onewindow.core.selectors import work_calendar

from .. import constants as c
from .. import notify as notifications
from .. import rules, selectors
from ..constants import (
    SYSTEM,
    Action,
    CaseStatus,
    Channel,
    DeliveryMethod,
    MaterialState,
    NotificationKind,
    PauseKind,
    StepKind,
    StepStatus,
    WarningLevel,
)
from ..models import (
    Case,
    CaseEvent,
    CaseStep,
)
from ._common import (
    CLERK,
    CLOCK_FIELDS,
    LEADER,
    REVIEWER,
    S,
    _begin,
    _clock_set,
    _event,
    _finish,
    _lock,
    _pause_end,
    _pause_start,
    _tell_applicant,
)
from .materials import _licences_use, _material_views


# --- Pre-review, acceptance -------------------------------------------------------------------
def case_prereview(*, actor: Any, case: Case, note: str = "", now: datetime | None = None) -> Case:
    """预审通过 (online and kiosk cases): the hall may now give the applicant a priority number."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.PREREVIEW, now=now)
        case = step.case
        rules.materials_check(_material_views(case))
        case.prereviewed_at = step.now
        _licences_use(actor=actor, case=case, now=step.now)
        result = _finish(step, actor=actor, action=Action.PREREVIEW, fields=["prereviewed_at"],
                         note=note.strip()[:2000], tell="已通过预审，等待受理")
        event_publish(name=c.EVENT_PREREVIEW_PASSED, payload={
            "case_id": str(case.public_id), "case_number": case.number,
            "item_name": case.item_name, "department_code": case.department.code,
            "region_path": case.region_path,
            "applicant": {
                "kind": case.applicant_kind, "name": case.applicant_name,
                "person_id": str(case.applicant_person.public_id) if case.applicant_person else None,
                "enterprise_id": (str(case.applicant_enterprise.public_id)
                                  if case.applicant_enterprise else None),
                "user_id": case.applicant_user_id,
            },
        })
        return result


def case_accept(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """受理: the legal time limit starts; the review steps of the version are laid out."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.ACCEPT, now=now)
        case = step.case
        rules.materials_check(_material_views(case))
        version = case.item_version
        case.accepted_at = step.now
        case.paused_days = 0
        case.legal_limit_days = version.legal_limit_value
        case.legal_limit_unit = version.legal_limit_unit
        case.promised_limit_days = version.promised_limit_value
        case.promised_limit_unit = version.promised_limit_unit
        staff = step.staff
        CaseStep.objects.create(case=case, order=0, kind=StepKind.INTAKE, name="受理",
                                roles=[step.role], status=StepStatus.DONE, handler=staff,
                                handler_name=staff.name if staff else "", started_at=step.now,
                                finished_at=step.now)
        plan = rules.review_plan(version.steps)
        CaseStep.objects.bulk_create([
            CaseStep(case=case, order=i, kind=p.kind, name=p.name, roles=list(p.roles),
                     status=StepStatus.ACTIVE if i == 1 else StepStatus.PENDING,
                     started_at=step.now if i == 1 else None)
            for i, p in enumerate(plan, start=1)])
        case.current_step = 1
        case.step_name = plan[0].name
        if case.channel == Channel.WINDOW and case.intake_clerk_id is None and step.role == CLERK:
            case.intake_clerk = staff
        case.status = step.target
        case.warning_level = WarningLevel.NONE
        _clock_set(case, calendar=work_calendar(), now=step.now)
        _licences_use(actor=actor, case=case, now=step.now)
        due = case.due_at.astimezone(rules.SHANGHAI).date().isoformat() if case.due_at else ""
        return _finish(step, actor=actor, action=Action.ACCEPT,
                       fields=["accepted_at", "paused_days", "legal_limit_days", "legal_limit_unit",
                               "promised_limit_days", "promised_limit_unit", "current_step",
                               "step_name", "intake_clerk", *CLOCK_FIELDS],
                       data={"due": due, "provisional": case.deadline_provisional},
                       tell=f"已受理，承诺办结时限至{due}" if due else "已受理")


def case_not_accept(*, actor: Any, case: Case, reason: str, now: datetime | None = None) -> Case:
    """不予受理, with the reasons (shown on the notice)."""
    reason = rules.reason_check(Action.NOT_ACCEPT, reason)
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.NOT_ACCEPT, now=now)
        case = step.case
        case.decision_reason = reason
        case.decided_at = step.now
        return _finish(step, actor=actor, action=Action.NOT_ACCEPT,
                       fields=["decision_reason", "decided_at"], note=reason,
                       tell="不予受理", kind=NotificationKind.RESULT)


# --- Supplements ------------------------------------------------------------------------------
def case_request_supplement(*, actor: Any, case: Case, items: Sequence[Mapping[str, Any]],
                            reason: str = "", now: datetime | None = None) -> Case:
    """补正告知: one notice listing everything missing; the clock stops until resubmission."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.REQUEST_SUPPLEMENT, now=now)
        case = step.case
        materials = {str(m.public_id): m for m in case.materials.all()}
        cleaned = rules.supplement_items_clean(items, known=materials)
        reason = rules.reason_check(Action.REQUEST_SUPPLEMENT, reason or "；".join(
            f"{i['name']}{'：' + i['reason'] if i['reason'] else ''}" for i in cleaned))
        for entry in cleaned:
            material = materials.get(entry["material_id"])
            if material is not None:
                material.state = MaterialState.REJECTED
                material.note = entry["reason"][:500] or "需补正"
                material.save(update_fields=["state", "note", "updated_at"])
        _pause_start(case, kind=PauseKind.SUPPLEMENT, reason=reason, now=step.now, actor=actor)
        case.supplement_items = cleaned
        return _finish(step, actor=actor, action=Action.REQUEST_SUPPLEMENT,
                       fields=["resume_status", "paused_since", "supplement_items"], note=reason,
                       data={"items": [i["name"] for i in cleaned]}, tell="需要补正材料",
                       kind=NotificationKind.SUPPLEMENT)


def case_resubmit(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """补正后重新提交: every item of the notice must now be provided; the clock resumes."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.RESUBMIT, now=now)
        case = step.case
        still = [m.name for m in case.materials.all() if m.state == MaterialState.REJECTED]
        if still:
            message = "以下材料尚未补正：" + "、".join(still)
            raise ValidationFailed(message, code="case_supplement_incomplete",
                                   fields={"materials": message}, detail={"missing": still})
        rules.materials_check(_material_views(case))
        calendar = work_calendar()
        days = _pause_end(case, calendar=calendar, now=step.now)
        case.status = step.target
        case.supplement_items = []
        case.resume_status = ""
        _clock_set(case, calendar=calendar, now=step.now)
        return _finish(step, actor=actor, action=Action.RESUBMIT,
                       fields=["paused_days", "paused_since", "supplement_items", "resume_status",
                               *CLOCK_FIELDS],
                       data={"paused_days": days}, tell="补正材料已提交，恢复计时")


# --- Review -----------------------------------------------------------------------------------
def case_step_complete(*, actor: Any, case: Case, opinion: str = "",
                       record: Mapping[str, Any] | None = None, now: datetime | None = None) -> Case:
    """Complete the current review step (a 现场勘察 needs its record) and open the next."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.COMPLETE_STEP, now=now)
        case = step.case
        current = step.current
        assert current is not None
        clean_record = rules.inspection_record_check(record) if current.kind == StepKind.INSPECTION else {}
        opinion = (opinion or "").strip()[:2000]
        if not opinion and current.kind != StepKind.INSPECTION:
            raise ValidationFailed("请填写审查意见", code="case_opinion_required",
                                   fields={"opinion": "请填写审查意见"})
        current.status = StepStatus.DONE
        current.finished_at = step.now
        current.opinion = opinion or clean_record.get("findings", "")
        current.record = clean_record
        current.handler = step.staff
        current.handler_name = step.staff.name if step.staff else ""
        current.save(update_fields=["status", "finished_at", "opinion", "record", "handler",
                                    "handler_name", "updated_at"])
        following = case.steps.filter(order__gt=current.order).order_by("order").first()
        assert following is not None  # the last step is always the decision
        following.status = StepStatus.ACTIVE
        following.started_at = step.now
        following.save(update_fields=["status", "started_at", "updated_at"])
        case.current_step = following.order
        case.step_name = following.name
        return _finish(step, actor=actor, action=Action.COMPLETE_STEP,
                       fields=["current_step", "step_name"], title=f"{current.name}完成",
                       note=current.opinion, data={"step": current.name, "next": following.name,
                                                   **({"record": clean_record} if clean_record else {})},
                       public=True)


def case_special_start(*, actor: Any, case: Case, kind: str, reason: str,
                       now: datetime | None = None) -> Case:
    """特别程序 (expert review, hearing, testing…): the clock stops, with start and reason."""
    if kind not in c.SpecialKind.values:
        raise ValidationFailed("请选择特别程序种类", code="case_special_kind",
                               fields={"kind": "请选择特别程序种类"})
    reason = rules.reason_check(Action.START_SPECIAL, reason)
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.START_SPECIAL, now=now)
        case = step.case
        _pause_start(case, kind=PauseKind.SPECIAL, special_kind=kind, reason=reason, now=step.now,
                     actor=actor)
        label = c.SpecialKind(kind).label
        return _finish(step, actor=actor, action=Action.START_SPECIAL,
                       fields=["resume_status", "paused_since"], title=f"启动特别程序：{label}",
                       note=reason, data={"kind": kind}, tell=f"进入特别程序（{label}），期间不计入办理时限")


def case_special_end(*, actor: Any, case: Case, outcome: str = "", now: datetime | None = None) -> Case:
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.END_SPECIAL, now=now)
        case = step.case
        calendar = work_calendar()
        days = _pause_end(case, calendar=calendar, now=step.now, outcome=outcome)
        case.status = step.target
        case.resume_status = ""
        _clock_set(case, calendar=calendar, now=step.now)
        return _finish(step, actor=actor, action=Action.END_SPECIAL,
                       fields=["paused_days", "paused_since", "resume_status", *CLOCK_FIELDS],
                       note=(outcome or "").strip()[:2000], data={"paused_days": days},
                       tell="特别程序结束，恢复计时")


def case_decide(*, actor: Any, case: Case, approve: bool, reason: str = "",
                now: datetime | None = None) -> Case:
    """准予 or 不予许可 at the decision step; records working days used and early completion.
    An approval issues its result (e-licence or approval document) right after commit."""
    action = Action.APPROVE if approve else Action.REFUSE
    reason = rules.reason_check(action, reason)
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=action, now=now)
        case = step.case
        if step.current is not None:
            current = step.current
            current.status = StepStatus.DONE
            current.finished_at = step.now
            current.opinion = reason or ("准予许可" if approve else "")
            current.handler = step.staff
            current.handler_name = step.staff.name if step.staff else ""
            current.save(update_fields=["status", "finished_at", "opinion", "handler",
                                        "handler_name", "updated_at"])
        case.decided_at = step.now
        case.decision_reason = reason
        if case.accepted_at is not None:
            done = rules.completion_compute(work_calendar(), accepted_at=case.accepted_at,
                                            completed_at=step.now, paused_days=case.paused_days,
                                            due_at=case.due_at)
            case.working_days_used = done.working_days_used
            case.completed_early = done.early
            case.overdue = done.overdue
        case.step_name = ""
        result = _finish(step, actor=actor, action=action,
                         fields=["decided_at", "decision_reason", "working_days_used",
                                 "completed_early", "overdue", "step_name"],
                         note=reason, data={"early": case.completed_early, "overdue": case.overdue},
                         tell="准予许可，正在出具办理结果" if approve else "不予许可",
                         kind=NotificationKind.RESULT)
        if approve:
            case_id = case.id
            transaction.on_commit(lambda: _enqueue_result(case_id))
        return result


RESULT_TASK = "onewindow.cases.tasks.case_result_issue_task"


def _enqueue_result(case_id: int) -> None:
    """Schedule the result document (by name: tasks import services, not the other way)."""
    import_string(RESULT_TASK).enqueue(case_id)


def result_type_code(version: ServiceItemVersion) -> str:
    """The licence type of an item's result document (an approval decision when it names none)."""
    return _result_type(version)


def _result_type(version: ServiceItemVersion) -> str:
    code = (version.result_licence_type_code or "").strip().upper()
    if version.result_type == "licence" and code:
        return code
    return "APPROVAL_DECISION"


def _result_surface(case: Case, type_code: str) -> dict[str, str]:
    """The result document's own items (licences.layouts), never the free 申请说明."""
    import secrets

    from onewindow.licences.layouts import ResultFacts, result_surface

    person, enterprise = case.applicant_person, case.applicant_enterprise
    local = timezone.localtime
    return result_surface(ResultFacts(
        type_code=type_code, item_name=case.item_name, holder_is_person=person is not None,
        holder_name=person.name if person else (enterprise.name if enterprise else ""),
        credit_code=enterprise.credit_code if enterprise else "",
        legal_representative=enterprise.legal_representative if enterprise else "",
        enterprise_address=enterprise.address if enterprise else "",
        person_birth=f"{person.birth_date:%Y年%-m月%-d日}" if person and person.birth_date else "",
        form={str(k): str(v) for k, v in (case.form_data or {}).items()},
        accepted_on=f"{local(case.accepted_at):%Y年%-m月%-d日}" if case.accepted_at else "",
        decided_on=f"{local(case.decided_at or timezone.now()):%Y年%-m月%-d日}",
        district_code=str(settings.ONEWINDOW_DISTRICT_CODE),
        department_name=case.department.name if case.department else "",
        serial=secrets.randbelow(10**8)))


def case_result_issue(*, actor: Any, case: Case) -> Case:
    """Issue the result of an approved case through the e-licence library: a PDF with a QR
    code and a verification code, kept in the holder's library. Idempotent."""
    from onewindow.licences.services import licence_issue

    case = Case.objects.select_related("item_version", "department", "department__region",
                                       "applicant_person", "applicant_enterprise").get(pk=case.pk)
    if actor is not None:
        roles = selectors.case_actor_roles(actor=actor, case=case) & {CLERK, REVIEWER, LEADER}
        if not roles:
            if not selectors.case_visible(actor=actor, case=case):
                raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
            raise PermissionDenied("只有办件工作人员可以出具结果", code="case_role_forbidden")
    if case.result_issued_at is not None:
        return case
    if case.status != S.APPROVED:
        raise Conflict("只有准予许可的办件才能出具结果", code="case_result_not_approved")
    version = case.item_version
    type_code = _result_type(version)
    licence = licence_issue(
        actor=actor, type_code=type_code, holder_person=case.applicant_person,
        holder_enterprise=case.applicant_enterprise, data=_result_surface(case, type_code),
        source_ref=case.number or "", department=case.department, title=(version.result_name or None))
    with transaction.atomic():
        locked = _lock(case)
        if locked.result_issued_at is not None:
            return locked
        locked.result_licence_ref = licence.public_id
        locked.result_issued_at = timezone.now()
        locked.save(update_fields=["result_licence_ref", "result_issued_at", "updated_at"])
        _event(case=locked, action="result_issue", title=f"出具结果：{licence.licence_type.name}",
               actor=actor, role=SYSTEM if actor is None else REVIEWER,
               data={"number": licence.masked_number, "licence": str(licence.public_id)})
        audit_record(actor=actor, action=c.AUDIT_RESULT_ISSUE, obj=locked, summary={
            "number": locked.number, "licence": str(licence.public_id),
            "licence_number": licence.masked_number, "type": licence.licence_type.code})
        _tell_applicant(locked, title=f"您的办件{locked.number}：办理结果已出具",
                        body=f"{licence.licence_type.name} {licence.masked_number}，可在“我的证照”中查看",
                        kind=NotificationKind.RESULT)
    return locked


def case_deliver(*, actor: Any, case: Case, method: str = "", tracking_no: str = "",
                 now: datetime | None = None) -> Case:
    """送达 the result (online, at the pickup window, or by post with a tracking number)."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.DELIVER, now=now)
        case = step.case
        method = method or case.delivery_method
        if method not in DeliveryMethod.values:
            raise ValidationFailed("送达方式无效", code="case_delivery_method",
                                   fields={"method": "请选择送达方式"})
        tracking_no = (tracking_no or "").strip()[:40]
        if method == DeliveryMethod.POST and not tracking_no:
            raise ValidationFailed("邮寄送达请填写快递单号", code="case_tracking_required",
                                   fields={"tracking_no": "请填写快递单号"})
        case.delivery_method = method
        case.delivery_tracking_no = tracking_no
        case.delivered_at = step.now
        case.visits_saved = rules.visits_saved(channel=case.channel, delivery_method=method)
        staff = step.staff
        CaseStep.objects.create(case=case, order=900, kind=StepKind.DELIVERY, name="出件送达",
                                roles=[step.role], status=StepStatus.DONE, handler=staff,
                                handler_name=staff.name if staff else "", started_at=step.now,
                                finished_at=step.now)
        label = DeliveryMethod(method).label
        return _finish(step, actor=actor, action=Action.DELIVER,
                       fields=["delivery_method", "delivery_tracking_no", "delivered_at",
                               "visits_saved"], data={"method": method, "tracking_no": tracking_no},
                       tell=f"办理结果已送达（{label}），欢迎对本次服务进行评价",
                       kind=NotificationKind.RESULT)


def _publish_closed(case: Case) -> None:
    """``case.closed`` for higher apps and integrators (webhooks, the push of closed cases to
    the exchange): the national 办件信息 record, the applicant's ID number masked."""
    from ..exchange import case_exchange_record

    decided = (CaseEvent.objects.filter(case=case, to_status__in=[CaseStatus.APPROVED, CaseStatus.REFUSED])
               .order_by("-at").values_list("to_status", flat=True).first() or "")
    event_publish(name=c.EVENT_CASE_CLOSED, payload={
        "case_id": str(case.public_id), "case_number": case.number, "status": case.status,
        "region_path": case.region_path, "exchange": case_exchange_record(case, decided_status=decided),
    })


def case_exchange_export_record(*, actor: Any, period_from: datetime, period_to: datetime, by: str,
                                fmt: str) -> None:
    """Audit a bulk export of 办件信息 (who took which period, in which form)."""
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_EXCHANGE_EXPORT, summary={
            "from": timezone.localtime(period_from).isoformat(), "to": timezone.localtime(period_to).isoformat(),
            "by": by, "format": fmt})


def case_close(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.CLOSE, now=now)
        step.case.closed_at = step.now
        closed = _finish(step, actor=actor, action=Action.CLOSE, fields=["closed_at"])
        _publish_closed(closed)
        return closed


def case_withdraw(*, actor: Any, case: Case, reason: str = "", now: datetime | None = None) -> Case:
    """撤回: by the applicant (online) or by the window on the applicant's written request."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.WITHDRAW, now=now)
        case = step.case
        if case.paused_since is not None:
            _pause_end(case, calendar=work_calendar(), now=step.now, outcome="申请人撤回")
        case.closed_at = step.now
        withdrawn = _finish(step, actor=actor, action=Action.WITHDRAW,
                            fields=["paused_days", "paused_since", "closed_at"],
                            note=(reason or "").strip()[:2000], tell="已撤回")
        _publish_closed(withdrawn)
        return withdrawn




# --- Assignment -------------------------------------------------------------------------------
def case_assign(*, actor: Any, cases: Sequence[Case], assignee: Staff | None) -> list[Case]:
    """Bulk assignment (分派) of open cases to a reviewer or leader of their department.
    All or nothing: one case the actor may not assign refuses the whole batch."""
    if not cases:
        raise ValidationFailed("请选择要分派的办件", code="case_assign_empty", fields={"cases": "请选择办件"})
    if len(cases) > 200:
        raise ValidationFailed("一次最多分派200件", code="case_assign_too_many")
    with transaction.atomic():
        locked = list(Case.objects.select_for_update(of=("self",)).select_related(
            "department", "applicant_person").filter(pk__in=[x.pk for x in cases]).order_by("pk"))
        for case in locked:
            if not selectors.case_visible(actor=actor, case=case):
                raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
            roles = selectors.case_actor_roles(actor=actor, case=case)
            if not roles & {REVIEWER, LEADER}:
                raise PermissionDenied("只有本部门审批人员或领导可以分派办件", code="case_role_forbidden")
            if case.status not in c.OPEN_STATUSES:
                raise Conflict(f"办件{case.number}已{rules.status_label(case.status)}，不能分派",
                               code="case_transition_illegal")
            if assignee is not None and (
                    not assignee.is_active
                    or not assignee.departments.filter(pk=case.department_id).exists()
                    or not (assignee.has_role(Role.DEPT_REVIEWER) or assignee.has_role(Role.LEADER))):
                    raise ValidationFailed(f"{assignee.name}不是{case.department.name}的审批人员",
                                           code="case_assignee_invalid",
                                           fields={"assignee": "承办人须为该部门审批人员"})
        for case in locked:
            case.assignee = assignee
            case.save(update_fields=["assignee", "updated_at"])
            _event(case=case, action="assign", title="分派承办人", actor=actor,
                   data={"assignee": assignee.name if assignee else ""}, public=False)
            audit_record(actor=actor, action=c.AUDIT_ASSIGN, obj=case,
                         summary={"number": case.number, "assignee": assignee.employee_no if assignee else ""})
        if assignee is not None:
            numbers = "、".join(x.number or "" for x in locked[:5])
            notifications.notify(recipient=assignee.user, kind=NotificationKind.ASSIGNED,
                                 title=f"分派给您{len(locked)}件办件", body=numbers,
                                 link="/cases/staff/?tab=mine")
    return locked
