"""Drafts and online submission, window intake and proxy (代办) applications.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Enterprise, Person, ServiceHall, Staff
from onewindow.accounts.scope import scope_for
from onewindow.accounts.selectors import staff_of_user
from onewindow.catalog.models import ServiceItem
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.selectors import work_calendar

from .. import constants as c
from .. import rules, selectors
from ..constants import (
    APPLICANT,
    Action,
    Channel,
    DeliveryMethod,
    MaterialState,
)
from ..models import (
    Case,
    CaseBundle,
    CaseMaterial,
)
from ..numbering import case_number_next
from ._common import (
    CLERK,
    CLOCK_FIELDS,
    S,
    _actor_label,
    _applicant_check,
    _begin,
    _clock_set,
    _delivery_clean,
    _event,
    _finish,
    _form_clean,
    _online_applicant,
    _published_version,
    _tell_applicant,
)
from .materials import (
    StoredFile,
    _commit_apply,
    _library_recheck,
    _licences_use,
    _material_apply_file,
    _material_views,
    _materials_build,
    _materials_plan,
    _trust_settle,
    file_store,
)
from .review import case_accept


# --- Drafts and online submission -------------------------------------------------------------
def case_draft_create(*, actor: Any, item: ServiceItem, enterprise: Enterprise | None = None,
                      channel: str = Channel.ONLINE, hall: ServiceHall | None = None,
                      form_data: Mapping[str, Any] | None = None, bundle: CaseBundle | None = None
                      ) -> Case:
    """Start an online (or kiosk) application under the version in force, with its checklist."""
    if channel not in (Channel.ONLINE, Channel.KIOSK):
        raise ValidationFailed("草稿只用于网上或自助终端申请", code="case_channel_invalid")
    version = _published_version(item)
    if channel == Channel.ONLINE and not version.is_online:
        raise Conflict("该事项暂不支持网上申请，请到窗口办理", code="case_not_online")
    if channel == Channel.KIOSK and (not version.kiosk or hall is None):
        raise Conflict("该事项暂不支持自助终端办理", code="case_not_kiosk")
    person, enterprise = _online_applicant(actor, enterprise)
    kind = _applicant_check(version, person=person, enterprise=enterprise)
    department = item.department
    region_path = hall.region.path if hall is not None else department.region.path
    with transaction.atomic():
        case = Case.objects.create(
            item=item, item_version=version, item_name=version.name, department=department,
            region_path=region_path, channel=channel, status=S.DRAFT, applicant_kind=kind,
            applicant_person=person, applicant_enterprise=enterprise, applicant_user=actor,
            applicant_name=(person.name if person else enterprise.name),  # type: ignore[union-attr]
            contact_phone=person.phone if person else "", form_data=_form_clean(form_data),
            hall=hall, bundle=bundle, delivery_method=DeliveryMethod.ONLINE)
        _materials_build(case, version, holder=person or enterprise)
        audit_record(actor=actor, action=c.AUDIT_DRAFT_SAVE, obj=case,
                     summary={"item": item.implementation_code, "version": version.number,
                              "channel": channel, "created": True})
    return case


def case_draft_update(*, actor: Any, case: Case, form_data: Mapping[str, Any] | None = None,
                      contact_phone: str | None = None, delivery_method: str | None = None,
                      delivery_address: str | None = None) -> Case:
    from onewindow.accounts.rules import phone_validate

    if case.status != S.DRAFT or APPLICANT not in selectors.case_actor_roles(actor=actor, case=case):
        if not selectors.case_visible(actor=actor, case=case):
            raise NotFound("找不到该办件，或您无权查看", code="case_not_found")
        raise Conflict("只能修改草稿", code="case_not_draft")
    fields = []
    if form_data is not None:
        case.form_data = _form_clean(form_data)
        fields.append("form_data")
    if contact_phone is not None:
        case.contact_phone = phone_validate(contact_phone, field="contact_phone")
        fields.append("contact_phone")
    if delivery_method is not None or delivery_address is not None:
        method, address = _delivery_clean(delivery_method or case.delivery_method,
                                          delivery_address if delivery_address is not None
                                          else case.delivery_address)
        case.delivery_method, case.delivery_address = method, address
        fields += ["delivery_method", "delivery_address"]
    if fields:
        with transaction.atomic():
            case.save(update_fields=[*fields, "updated_at"])
            audit_record(actor=actor, action=c.AUDIT_DRAFT_SAVE, obj=case,
                         summary={"fields": [f for f in fields if f != "delivery_address"]})
    return case


def case_draft_discard(*, actor: Any, case: Case) -> None:
    if case.status != S.DRAFT or APPLICANT not in selectors.case_actor_roles(actor=actor, case=case):
        raise NotFound("找不到该草稿", code="case_not_found")
    with transaction.atomic():
        files = [str(m.file.name) for m in case.materials.all() if m.file]
        audit_record(actor=actor, action="case.draft_discard", obj=case,
                     summary={"item": case.item_name})
        case.delete()

        def remove() -> None:
            for name in files:
                default_storage.delete(name)

        transaction.on_commit(remove)


def _number_assign(case: Case, now: datetime) -> None:
    case.number = case_number_next(area_code=case.department.region.code, when=now)
    case.submitted_at = now


def _version_current_check(case: Case) -> None:
    item_version_id = ServiceItem.objects.filter(pk=case.item_id).values_list(
        "current_version_id", flat=True).first()
    if item_version_id != case.item_version_id:
        raise Conflict("该事项的办事指南已更新，请重新发起申请并按新的材料清单提交",
                       code="case_version_changed")


def case_submit(*, actor: Any, case: Case, now: datetime | None = None) -> Case:
    """Submit a draft: checks the required materials, numbers the case, starts the clock."""
    with transaction.atomic():
        step = _begin(actor=actor, case=case, action=Action.SUBMIT, now=now)
        case = step.case
        _version_current_check(case)
        if case.delivery_method == DeliveryMethod.POST and not case.delivery_address:
            raise ValidationFailed("选择邮寄送达时请填写邮寄地址", code="case_delivery_address",
                                   fields={"delivery_address": "请填写邮寄地址"})
        _library_recheck(case, today=timezone.localdate(step.now))
        rules.materials_check(_material_views(case))
        _number_assign(case, step.now)
        case.licence_materials = case.materials.filter(state=MaterialState.LICENCE).count()
        case.status = step.target
        _clock_set(case, calendar=work_calendar(), now=step.now)
        _trust_settle(case, actor=actor, now=step.now)
        return _finish(step, actor=actor, action=Action.SUBMIT,
                       fields=["number", "submitted_at", "licence_materials", *CLOCK_FIELDS],
                       data={"channel": case.channel, "item": case.item_name},
                       tell="已提交，等待预审/受理")


# --- Window intake ----------------------------------------------------------------------------
def case_window_intake(
    *, actor: Any, item: ServiceItem, person: Person | None = None,
    enterprise: Enterprise | None = None, agent: Person | None = None,
    form_data: Mapping[str, Any] | None = None, paper: Iterable[str] = (),
    uploads: Mapping[str, Any] | None = None, delivery_method: str = DeliveryMethod.PICKUP,
    delivery_address: str = "", accept: bool = False, now: datetime | None = None,
    commit: Iterable[str] = (),
) -> Case:
    """综合受理: a clerk of the integrated window takes an application for any item on behalf
    of the applicant; the case then belongs to the item's department (its back office).

    ``paper`` and ``uploads`` are keyed by the catalogue material's public id. With ``accept``
    the clerk also accepts it on the spot (all required materials must be there).
    """
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(Role.WINDOW_CLERK):
        raise PermissionDenied("只有综合受理窗口人员可以窗口收件", code="case_role_forbidden")
    # the clerk's window and hall, as plain values in one query (no model instances needed)
    staff_row = (Staff.objects.filter(user=actor).order_by()
                 .values_list("id", "name", "window_id", "window__number", "window__hall_id",
                              "window__hall__name", "window__hall__region__path", "region__path")[:1])
    assert staff_row
    staff_id, staff_name, window_id, window_number, hall_id, hall_name, hall_path, staff_path = staff_row[0]
    version = _published_version(item)
    kind = _applicant_check(version, person=person, enterprise=enterprise)
    region_path = hall_path if hall_id is not None else staff_path
    holder: Person | Enterprise | None = person or enterprise
    if holder is not None and holder.region_path and not scope.covers_region_path(holder.region_path):
        pass  # 通办: anyone may apply at any window; the applicant's home region does not matter
    method, address = _delivery_clean(delivery_method, delivery_address)
    now = now or timezone.now()
    catalogue = list(version.materials.all())  # read once: checked here, planned below
    materials_by_key = {str(m.public_id): m for m in catalogue}
    commit = list(commit)
    unknown = [k for k in [*paper, *(uploads or {}), *commit] if k not in materials_by_key]
    if unknown:
        raise ValidationFailed("材料不属于该事项", code="case_material_unknown",
                               fields={"materials": "材料不属于该事项"})
    not_promisable = [materials_by_key[k].name for k in commit if "D" not in materials_by_key[k].trust_levels]
    if not_promisable:
        msg = f"“{'、'.join(not_promisable)}”不适用告知承诺制"
        raise ValidationFailed(msg, code="case_commitment_not_allowed", fields={"materials": msg})
    stored: dict[str, StoredFile] = {}
    folder = f"cases/intake/{uuid.uuid4().hex}"
    try:
        for key, upload in (uploads or {}).items():
            try:
                stored[key] = file_store(upload=upload, folder=folder)
            except ValidationFailed as error:
                raise ValidationFailed(error.message, code=error.code,
                                       fields={f"materials.{key}": error.message}) from None
        with transaction.atomic():
            case = Case(
                item=item, item_version=version, item_name=version.name,
                department=item.department, region_path=region_path, channel=Channel.WINDOW,
                status=S.SUBMITTED, applicant_kind=kind, applicant_person=person,
                applicant_enterprise=enterprise, agent_person=agent,
                applicant_user_id=person.user_id if person is not None else None,
                applicant_name=(person.name if person else enterprise.name),  # type: ignore[union-attr]
                contact_phone=(person.phone if person else ""), form_data=_form_clean(form_data),
                hall_id=hall_id, window_id=window_id, intake_clerk_id=staff_id,
                delivery_method=method, delivery_address=address)
            # The whole checklist is settled in memory: one INSERT for the case, one for its
            # materials (paper originals checked, scans attached, e-licences marked 免提交).
            planned = _materials_plan(version, holder=holder, catalogue=catalogue)
            rows = {str(m.material.public_id): m for m in planned if m.material is not None}
            for key in paper:
                rows[key].state = MaterialState.PAPER
                rows[key].uploaded_at = now
                rows[key].trust_level = "B"
                rows[key].trust_source = f"窗口核验原件 · {staff_name} {timezone.localdate(now):%Y-%m-%d}"[:200]
            for key, file in stored.items():
                _material_apply_file(rows[key], file, now)
            for key in commit:
                _commit_apply(rows[key], now=now, at_window=True)
            case.licence_materials = sum(1 for r in planned if r.state == MaterialState.LICENCE)
            _number_assign(case, now)
            calendar = work_calendar()
            _clock_set(case, calendar=calendar, now=now)
            case.save()
            for row in planned:
                row.case = case
            CaseMaterial.objects.bulk_create(planned)
            if case.licence_materials:
                _licences_use(actor=actor, case=case, now=now)
            _trust_settle(case, actor=actor, now=now, rows=planned)
            event = _event(case=case, action=Action.SUBMIT, title="窗口收件", actor=actor, role=CLERK,
                           from_status="", to_status=S.SUBMITTED, at=now,
                           actor_label=str(staff_name) if getattr(actor, "kind", "") == "staff" else None,
                           data={"hall": hall_name or "", "window": window_number or ""})
            audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}window_intake", obj=case, summary={
                "number": case.number, "item": item.implementation_code, "department":
                item.department.code, "paper": len(list(paper)), "uploads": len(stored)})
            _tell_applicant(case, title=f"您的办件{case.number}：窗口已收件")
            if accept:
                case = case_accept(actor=actor, case=case, now=now)
            else:
                # everything the detail shows was written just now: hand it over, no re-read
                selectors.case_parts_remember(case, selectors.CaseParts(
                    materials=planned, steps=[], events=[event], ratings=[], calendar=calendar))
    except Exception:
        for file in stored.values():
            default_storage.delete(file.name)
        raise
    return case


# --- Proxy applications (代办) -----------------------------------------------------------------
PROXY_ROLES = (Role.GRID_WORKER, Role.CARE_PROVIDER)


def case_proxy_submit(
    *, actor: Any, item: ServiceItem, person: Person, consent: str, consent_at: datetime | None = None,
    form_data: Mapping[str, Any] | None = None, paper: Iterable[str] = (), now: datetime | None = None,
) -> Case:
    """代办 (居民办事、干部跑腿): a grid or care worker submits an online application for an
    elderly or disabled resident who agreed to it. The case is the resident's (they see it and
    are told), and it names the proxy and how the consent was given.

    ``paper``: catalogue material public ids whose paper originals the worker collected. The
    caller (the grid app) has checked that the resident is in the worker's care.
    """
    scope = scope_for(actor)
    if scope.is_empty or not scope.has_role(*PROXY_ROLES):
        raise PermissionDenied("只有网格员或养老服务人员可以代办", code="case_proxy_forbidden")
    consent = (consent or "").strip()[:300]
    if len(consent) < 4:
        msg = "请记录申请人同意代办的方式和情况"
        raise ValidationFailed(msg, code="case_proxy_consent_required", fields={"consent": msg})
    version = _published_version(item)
    if not version.is_online:
        raise Conflict("该事项暂不支持网上申请，请陪同申请人到窗口办理", code="case_not_online")
    kind = _applicant_check(version, person=person, enterprise=None)
    staff = staff_of_user(user=actor)
    now = now or timezone.now()
    catalogue = list(version.materials.all())
    paper = list(paper)
    known = {str(m.public_id) for m in catalogue}
    if any(key not in known for key in paper):
        raise ValidationFailed("材料不属于该事项", code="case_material_unknown",
                               fields={"materials": "材料不属于该事项"})
    with transaction.atomic():
        case = Case(
            item=item, item_version=version, item_name=version.name, department=item.department,
            region_path=item.department.region.path, channel=Channel.ONLINE, status=S.SUBMITTED,
            applicant_kind=kind, applicant_person=person, applicant_user_id=person.user_id,
            applicant_name=person.name, contact_phone=person.phone, form_data=_form_clean(form_data),
            delivery_method=DeliveryMethod.ONLINE, proxy_staff=staff, proxy_consent=consent,
            proxy_consent_at=consent_at or now)
        planned = _materials_plan(version, holder=person, catalogue=catalogue)
        for row in planned:
            if row.material is not None and str(row.material.public_id) in paper:
                row.state = MaterialState.PAPER
                row.uploaded_at = now
        rules.materials_check([rules.MaterialView(m.name, m.is_required, m.state in c.MATERIAL_PROVIDED)
                               for m in planned])
        case.licence_materials = sum(1 for r in planned if r.state == MaterialState.LICENCE)
        _number_assign(case, now)
        _clock_set(case, calendar=work_calendar(), now=now)
        case.save()
        for row in planned:
            row.case = case
        CaseMaterial.objects.bulk_create(planned)
        _trust_settle(case, actor=actor, now=now, rows=planned)
        proxy = staff.name if staff else _actor_label(actor)
        _event(case=case, action=Action.SUBMIT, title="代办提交", actor=actor, from_status="",
               to_status=S.SUBMITTED, at=now, note=f"{proxy}代申请人提交；{consent}",
               data={"proxy": proxy, "consent": consent})
        audit_record(actor=actor, action=f"{c.AUDIT_PREFIX}proxy_submit", obj=case, summary={
            "number": case.number, "item": item.implementation_code, "proxy": proxy, "consent": consent,
            "paper": len(paper)})
        _tell_applicant(case, title=f"您的办件{case.number}：{proxy}已为您代办提交")
    return case
