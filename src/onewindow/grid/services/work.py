"""Grid work: visits (走访) with location and photos, events (事件上报) into the 12345 pipeline or
handled at once (自处置), the on-site check of a fixed event (现场核实), proxy applications
(代办) and visit quotas."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Staff
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from onewindow.core.masking import mask_name
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from .. import constants as c
from .. import rules
from ..models import GridEvent, Household, ProxyService, Resident, Visit, WorkerQuota
from .basic import _UNSET, house_update, resident_leave, resident_update
from .common import (
    PhotoIn,
    actor_label,
    choice,
    counter_next,
    files_remove,
    history,
    now_or,
    photos_check,
    photos_save,
    require_worker,
    text_required,
)


def _geometry(region: Region) -> Any:
    if "geometry" in region.get_deferred_fields():
        return Region.objects.filter(pk=region.pk).values_list("geometry", flat=True).first()
    return region.geometry


# --- Visits -----------------------------------------------------------------------------------
@dataclass
class MemberCorrection:
    resident: Resident
    tags: list[str] | None = None
    relation: str | None = None
    residence_type: str | None = None
    planned_stay_until: Any = _UNSET
    left: bool = False


@dataclass
class VisitCorrections:
    house_use: str | None = None
    members: list[MemberCorrection] = field(default_factory=list)


def visit_record(*, actor: Any, household: Household, notes: str, lng: Any = None, lat: Any = None,
                 location_note: str = "", photos: Sequence[PhotoIn] = (), corrections: VisitCorrections | None = None,
                 visited_at: datetime | None = None, now: datetime | None = None) -> Visit:
    """A visit with its place (checked against the grid's polygon; a reason when outside it or
    when there is no position), notes, photos and the corrections made on the spot. All or nothing."""
    now = now_or(now)
    require_worker(actor, household.region_path)
    if household.dissolved_at is not None:
        raise Conflict("该户已注销，不能走访", code="household_dissolved")
    visited_at = visited_at or now
    if visited_at > now:
        msg = "走访时间不能晚于现在"
        raise ValidationFailed(msg, code="visited_at_future", fields={"visited_at": msg})
    notes = text_required(notes, field="notes", label="走访记录", min_len=2)
    point = rules.point_clean(lng, lat)
    check, location_note = rules.location_classify(geometry=_geometry(household.grid), point=point,
                                                   note=location_note)
    checked = photos_check(photos)
    corrections = corrections or VisitCorrections()
    for correction in corrections.members:
        if correction.resident.household_id != household.pk or correction.resident.left_on is not None:
            raise ValidationFailed("只能更正本户当前成员的信息", code="correction_member_invalid",
                                   fields={"corrections": "只能更正本户当前成员的信息"})
    saved: list[str] = []
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household, grid_id=household.grid_id, region_path=household.region_path, worker=actor,
                worker_name=actor_label(actor)[:60], visited_at=visited_at, lng=point[0] if point else None,
                lat=point[1] if point else None, location_check=check, location_note=location_note, notes=notes)
            photos_save(checked, actor=actor, visit=visit, saved_paths=saved)
            summary: list[dict[str, Any]] = []
            src = c.ChangeSource.VISIT
            if corrections.house_use and corrections.house_use != household.house.use:
                before = household.house.use
                house_update(actor=actor, house=household.house, use=corrections.house_use, source=src, visit=visit,
                             now=now)
                summary.append({"field": "house_use", "from": before, "to": corrections.house_use})
            for m in corrections.members:
                name = mask_name(m.resident.person.name)
                if m.left:
                    resident_leave(actor=actor, resident=m.resident, source=src, visit=visit, now=now,
                                   note="走访核实已迁出")
                    summary.append({"member": name, "field": "left"})
                    continue
                before_tags = list(m.resident.tags)
                resident_update(actor=actor, resident=m.resident, tags=m.tags, relation=m.relation,
                                residence_type=m.residence_type, planned_stay_until=m.planned_stay_until,
                                source=src, visit=visit, now=now)
                if m.tags is not None and rules.tags_clean(m.tags) != before_tags:
                    summary.append({"member": name, "field": "tags", "to": rules.tags_clean(m.tags)})
                for attr in ("relation", "residence_type"):
                    if getattr(m, attr):
                        summary.append({"member": name, "field": attr, "to": getattr(m, attr)})
            if summary:
                visit.corrections = summary
                visit.save(update_fields=["corrections", "updated_at"])
            Household.objects.filter(pk=household.pk).exclude(last_visited_at__gte=visited_at).update(
                last_visited_at=visited_at, updated_at=now)
            audit_record(actor=actor, action=c.AUDIT_VISIT, obj=visit, summary={
                "household": household.number, "location": check, "photos": len(checked),
                "corrections": len(summary)})
    except Exception:
        files_remove(saved)
        raise
    household.refresh_from_db(fields=["last_visited_at", "member_count", "special", "priority", "floating",
                                      "head_name", "dissolved_at"])
    return visit


def quota_set(*, actor: Any, staff: Staff, monthly_quota: int) -> WorkerQuota:
    """A community grid leader or the street's grid centre sets a worker's monthly quota."""
    require_worker(actor, staff.region.path)
    from onewindow.accounts.scope import scope_for

    if scope_for(actor).region_path == staff.region.path:
        raise PermissionDenied("走访任务量由社区网格长或街道设定", code="quota_own")
    if not staff.has_role(Role.GRID_WORKER) or staff.region.level != RegionLevel.GRID:
        raise NotFound("找不到该网格员", code="worker_not_found")
    if not isinstance(monthly_quota, int) or not 1 <= monthly_quota <= 500:
        msg = "每月走访户数应为 1 到 500"
        raise ValidationFailed(msg, code="quota_invalid", fields={"monthly_quota": msg})
    with transaction.atomic():
        row, _ = WorkerQuota.objects.update_or_create(staff=staff, defaults={"monthly_quota": monthly_quota})
        audit_record(actor=actor, action=c.AUDIT_QUOTA, obj=staff, summary={"monthly_quota": monthly_quota})
    return row


# --- Events -----------------------------------------------------------------------------------
TICKET_KINDS: dict[str, str] = {c.EventCategory.BUILDING: "report", c.EventCategory.ORDER: "report"}


def event_report(*, actor: Any, grid: Region, category: str, text: str, title: str = "", lng: Any = None,
                 lat: Any = None, location_note: str = "", address: str = "", photos: Sequence[PhotoIn] = (),
                 self_handled: bool = False, handled_note: str = "", household: Household | None = None,
                 urgent: bool = False, now: datetime | None = None) -> GridEvent:
    """An event the worker saw. Reported ones enter the 12345 pipeline as a ticket of channel 网格
    (classified, dispatched, timed, supervised, rated like any ticket; the worker checks the fix
    on site before it closes); simple matters handled at once are recorded as 自处置."""
    from onewindow.tickets.constants import Channel, Urgency
    from onewindow.tickets.services import AttachmentIn, ticket_intake

    now = now_or(now)
    if grid.level != RegionLevel.GRID:
        raise ValidationFailed("请选择事件所在网格", code="grid_required", fields={"grid": "请选择事件所在网格"})
    require_worker(actor, grid.path)
    category = choice(category, c.EventCategory, field="category", label="事件类别")
    text = text_required(text, field="text", label="事件描述", min_len=5)
    title = (title or "").strip()[:200] or text.replace("\n", " ")[:30]
    point = rules.point_clean(lng, lat)
    check, location_note = rules.location_classify(geometry=_geometry(grid), point=point, note=location_note)
    checked = photos_check(photos)
    if household is not None and household.grid_id != grid.pk:
        msg = "所选住户不在该网格"
        raise ValidationFailed(msg, code="household_outside_grid", fields={"household": msg})
    handled_note = (handled_note or "").strip()
    if self_handled and len(handled_note) < 2:
        msg = "自处置事件请填写处置情况"
        raise ValidationFailed(msg, code="handled_note_required", fields={"handled_note": msg})
    address = (address or "").strip()[:300]
    saved: list[str] = []
    try:
        with transaction.atomic():
            ticket = None
            if not self_handled:
                ticket = ticket_intake(
                    actor=actor, kind=TICKET_KINDS.get(category, "help"), channel=Channel.GRID, title=title,
                    text=f"【网格上报·{c.EventCategory(category).label}】{text}",
                    urgency=Urgency.URGENT if urgent else Urgency.NORMAL, address=address or grid.name,
                    lng=point[0] if point else None, lat=point[1] if point else None, region=grid,
                    requester_name=actor_label(actor), requester_user=actor, now=now, received_at=now,
                    attachments=[AttachmentIn(name=f"现场照片{i + 1}.{p.extension}", content_type=p.content_type,
                                              content=p.content) for i, p in enumerate(checked)])
            day = timezone.localtime(now).strftime("%Y%m%d")
            event = GridEvent.objects.create(
                number=f"WG-{day}-{counter_next(f'ev:{day}'):05d}", kind=c.EventKind.SELF_HANDLED if self_handled
                else c.EventKind.REPORTED, category=category, title=title, text=text, grid=grid,
                region_path=grid.path, address=address, lng=point[0] if point else None,
                lat=point[1] if point else None, location_check=check, location_note=location_note,
                household=household, reporter=actor, reporter_name=actor_label(actor)[:60], reported_at=now,
                ticket=ticket, handled_note=handled_note if self_handled else "",
                handled_at=now if self_handled else None, closed_at=now if self_handled else None)
            photos_save(checked, actor=actor, event=event, saved_paths=saved)
            audit_record(actor=actor, action=c.AUDIT_EVENT, obj=event, summary={
                "number": event.number, "kind": event.kind, "category": category,
                "ticket": ticket.number if ticket else "", "location": check, "photos": len(checked)})
    except Exception:
        files_remove(saved)
        raise
    return event


def event_site_check(*, actor: Any, event: GridEvent, solved: bool, satisfaction: str = "satisfied",
                     note: str = "", now: datetime | None = None) -> GridEvent:
    """The worker confirms on site whether the department fixed it (现场核实): this rates the
    ticket like a callback and closes it when fixed."""
    from onewindow.tickets.constants import FINAL_STATUSES
    from onewindow.tickets.services import ticket_site_check

    require_worker(actor, event.region_path)
    if event.ticket is None:
        raise Conflict("自处置事件无需现场核实", code="event_not_reported")
    with transaction.atomic():
        ticket = ticket_site_check(actor=actor, ticket=event.ticket, solved=solved, satisfaction=satisfaction,
                                   note=note, now=now)
        if ticket.status in FINAL_STATUSES and event.closed_at is None:
            event.closed_at = now_or(now)
            event.save(update_fields=["closed_at", "updated_at"])
    return event


# --- Proxy applications -----------------------------------------------------------------------
def proxy_eligible(resident: Resident, *, today: date) -> bool:
    """Elderly (60+) or disabled / seriously ill / living-alone residents may ask for 代办."""
    from ..selectors import age_of

    age = age_of(resident.person, today)
    return (age is not None and age >= c.PROXY_MIN_AGE) or any(t in c.PROXY_TAGS for t in resident.tags)


def proxy_start(*, actor: Any, resident: Resident, item: Any, consent_method: str, consent_note: str,
                form_data: dict[str, Any] | None = None, paper: Sequence[str] = (),
                now: datetime | None = None) -> ProxyService:
    """The worker submits an application for a resident of their grid (代办), recording how the
    resident consented; the case names both."""
    from onewindow.cases.services import case_proxy_submit

    now = now_or(now)
    require_worker(actor, resident.region_path)
    if resident.left_on is not None:
        raise Conflict("该居民已迁出", code="resident_left")
    if not proxy_eligible(resident, today=timezone.localdate(now)):
        raise ValidationFailed("代办服务面向60岁以上老年人、残疾人、重病或独居居民", code="proxy_not_eligible",
                               fields={"resident": "该居民不在代办服务范围内"})
    method = choice(consent_method, c.ConsentMethod, field="consent_method", label="同意方式")
    note = text_required(consent_note, field="consent_note", label="同意情况说明", min_len=4, max_len=250)
    consent = f"{c.ConsentMethod(method).label}：{note}"
    household = resident.household
    with transaction.atomic():
        case = case_proxy_submit(actor=actor, item=item, person=resident.person, consent=consent, consent_at=now,
                                 form_data=form_data, paper=paper, now=now)
        proxy = ProxyService.objects.create(
            household=household, person=resident.person, region_path=resident.region_path, worker=actor,
            worker_name=actor_label(actor)[:60], item=item, case=case, consent_method=method, consent_note=note,
            consent_at=now)
        history(actor=actor, source=c.ChangeSource.WORKER, action="proxy_start", at=now, household=household,
                resident=resident, changes={"case": case.number, "item": case.item_name, "consent": method})
        audit_record(actor=actor, action=c.AUDIT_PROXY, obj=proxy, summary={
            "case": case.number, "household": household.number, "consent": method})
    return proxy
