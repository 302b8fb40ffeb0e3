"""Demo applications (办件) of the district: a couple of months of work at the windows and online.

``demo_load_cases`` drives every case through the cases services, acting as the demo staff
(``clerk``, ``clerk_tuodong``, the bureau reviewers, ``leader``) and applicants (demo residents
and enterprises at the window; the ``citizen`` and ``enterprise`` accounts online, at the kiosk
and with one "一件事" bundle), so numbers, deadlines, the timeline, notifications and the audit
trail are the real ones. Every transition is given its moment (``now=``): the histories spread
over the last two months of working days; only ``created_at`` of the rows and the issuing time
of result documents (the services take no time there) read "now".

Deterministic (seeded random, dates relative to today) and idempotent: the cases carry the form
field ``备注 = 演示数据``; when one exists the loader writes nothing. It runs in one transaction,
so a failure leaves no half-loaded demo behind.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from onewindow.accounts.constants import Role
from onewindow.accounts.models import Enterprise, Person, ServiceHall, Staff, User
from onewindow.catalog.models import ServiceItem
from onewindow.core.selectors import work_calendar
from onewindow.core.workdays import WorkCalendar, is_working_day
from onewindow.licences.selectors import licences_for_materials

from . import services as s
from .constants import CaseStatus as S
from .constants import Channel, DeliveryMethod, MaterialState, SpecialKind
from .models import Case, CaseBundle, Rating, RatingFollowUp
from .rules import REVIEWER

SEED = 530103
DEMO_NOTE = "演示数据"
SH = ZoneInfo("Asia/Shanghai")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

# Items by name (catalog.demo), for applications at the window by residents and enterprises.
PERSON_ITEMS = ("城乡居民基本养老保险参保登记", "失业保险金申领", "最低生活保障审核确认", "高龄津贴申领",
                "居住证办理", "临时救助", "居民身份证换领、补领", "职工基本养老保险待遇申领（退休）",
                "医疗救助", "特困人员救助供养审核确认", "残疾人证办理", "个体工商户设立登记",
                "内地居民结婚登记")
ENTERPRISE_ITEMS = ("食品经营许可", "户外广告设置（店招）审批", "公共场所卫生许可", "药品零售企业经营许可",
                    "营业执照变更登记", "企业注销登记", "临时占用城市道路许可（占道施工）",
                    "城市道路挖掘许可", "道路普通货物运输经营许可")

#: (target state, how many in the normal demo, how many with --small), for window cases.
WINDOW_PLAN: list[tuple[str, int, int]] = [
    ("submitted", 4, 1), ("accepted", 5, 1), ("supplement", 3, 1), ("resubmitted", 2, 0),
    ("in_review", 5, 1), ("yellow", 2, 0), ("red", 3, 1), ("special", 3, 1), ("approved", 3, 1),
    ("refused", 1, 1), ("refused_delivered", 2, 0), ("not_accepted", 2, 1), ("delivered", 6, 0),
    ("closed", 11, 1), ("withdrawn", 3, 1),
]
REASONS_REFUSE = ("经现场核查，经营场所与申请材料不符，不符合许可条件",
                  "申请人家庭收入超过本区当年认定标准，不符合条件")
REASONS_NOT_ACCEPT = ("申请事项不属于本部门职权范围，已告知向市级部门申请",
                      "申请人已在外区办理同一事项，不予重复受理")
OPINIONS = ("材料齐全，符合法定形式，同意进入下一环节", "经审查，申请材料真实有效，拟同意",
            "已核对共享数据，情况属实", "符合条件，建议准予")
SUPPLEMENT_REASONS = ("复印件不清晰，请重新提供", "缺少申请人签字，请补签", "证明材料已过有效期，请重新开具")


@dataclass
class _Ctx:
    now: datetime
    calendar: WorkCalendar
    rng: random.Random
    items: dict[str, ServiceItem]
    clerk: User
    street_clerk: User | None
    leader: User
    reviewers: dict[int, User]  # department id → a reviewer of it
    citizen: User
    agent: User
    company: Enterprise | None
    district_hall: ServiceHall | None
    persons: list[Person]
    enterprises: list[Enterprise]


class _Clock:
    """The moments of one case's history: working hours of working days, never in the future."""

    def __init__(self, ctx: _Ctx, start: datetime) -> None:
        self.ctx = ctx
        self.at = min(start, ctx.now - timedelta(minutes=30))

    def later(self, hours: float) -> datetime:
        at = self.at + timedelta(hours=hours)
        while at.astimezone(SH).time() >= time(17) or not is_working_day(
                self.ctx.calendar, at.astimezone(SH).date()):
            local = at.astimezone(SH)
            spill = max(local - datetime.combine(local.date(), time(17), SH), timedelta(0))
            day = local.date() + timedelta(days=1)
            while not is_working_day(self.ctx.calendar, day):
                day += timedelta(days=1)
            at = datetime.combine(day, time(9), SH) + min(spill, timedelta(hours=3))
        limit = self.ctx.now - timedelta(minutes=5)
        self.at = at if at < limit else min(self.at + timedelta(minutes=1), limit)
        return self.at


def _working_days_back(ctx: _Ctx, count: int) -> date:
    """The working day ``count`` working days before today (0: today or the last one)."""
    day = timezone.localdate(ctx.now)
    seen = 0
    while True:
        if is_working_day(ctx.calendar, day):
            if seen == count:
                return day
            seen += 1
        day -= timedelta(days=1)


def _start(ctx: _Ctx, days_back: int) -> datetime:
    day = _working_days_back(ctx, days_back)
    minutes = ctx.rng.randint(0, 6 * 60)
    at = datetime.combine(day, time(9), SH) + timedelta(minutes=minutes)
    if at >= datetime.combine(day, time(12), SH):
        at += timedelta(hours=1)  # nobody applies over lunch
    return min(at, ctx.now - timedelta(hours=1))


def _reviewer(ctx: _Ctx, case: Case) -> User:
    return ctx.reviewers.get(case.department_id, ctx.leader)


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{name[:30]}.pdf", PDF, content_type="application/pdf")


def _form(ctx: _Ctx, item: ServiceItem) -> dict[str, str]:
    purposes = ("本人申请", "按政策规定申请办理", "经营需要", "家庭需要", "补办")
    return {"申请事由": ctx.rng.choice(purposes), "备注": DEMO_NOTE}


# --- Entry and the review path -----------------------------------------------------------------
def _window_intake(ctx: _Ctx, item: ServiceItem, clock: _Clock, *, person: Person | None = None,
                   enterprise: Enterprise | None = None, clerk: User | None = None,
                   accept: bool = False) -> Case:
    version = item.current_version
    assert version is not None
    holder = person or enterprise
    materials = list(version.materials.all())
    held = licences_for_materials(holder=holder, material_licence_type_codes=[
        m.licence_type_code for m in materials if m.licence_type_code])
    # the clerk checks the paper originals of whatever the e-licence library does not hold
    paper = [str(m.public_id) for m in materials
             if m.is_required and m.licence_type_code.upper() not in held]
    method = ctx.rng.choice((DeliveryMethod.PICKUP, DeliveryMethod.PICKUP, DeliveryMethod.POST))
    return s.case_window_intake(
        actor=clerk or ctx.clerk, item=item, person=person, enterprise=enterprise,
        form_data=_form(ctx, item), paper=paper, delivery_method=method,
        delivery_address=(holder.address if method == DeliveryMethod.POST and holder else ""),
        accept=accept, now=clock.later(0))


def _online_submit(ctx: _Ctx, item: ServiceItem, clock: _Clock, *, actor: User,
                   enterprise: Enterprise | None = None, channel: str = Channel.ONLINE) -> Case:
    case = s.case_draft_create(actor=actor, item=item, enterprise=enterprise, channel=channel,
                               hall=ctx.district_hall if channel == Channel.KIOSK else None,
                               form_data=_form(ctx, item))
    _fill(case, actor=actor, clock=clock)
    return s.case_submit(actor=actor, case=case, now=clock.later(0.2))


def _fill(case: Case, *, actor: User, clock: _Clock) -> None:
    for material in case.materials.filter(is_required=True, state=MaterialState.MISSING):
        s.case_material_upload(actor=actor, material=material, upload=_pdf(material.name),
                               now=clock.later(0.02))


def _accept(ctx: _Ctx, case: Case, clock: _Clock) -> Case:
    if case.status != S.SUBMITTED and case.status != S.PREREVIEWED:
        return case
    actor = ctx.clerk if case.channel == Channel.WINDOW else _reviewer(ctx, case)
    return s.case_accept(actor=actor, case=case, now=clock.later(ctx.rng.uniform(0.3, 5)))


def _step_actor(ctx: _Ctx, case: Case) -> User:
    from .selectors import case_current_step

    current = case_current_step(case=case)
    if current is not None and REVIEWER not in current.roles:
        return ctx.leader
    return _reviewer(ctx, case)


def _review(ctx: _Ctx, case: Case, clock: _Clock, *, steps: int | None = None,
            gap: tuple[float, float] = (3, 14)) -> Case:
    """Complete review steps (all but the decision, or ``steps`` of them)."""
    from .selectors import case_current_step

    done = 0
    while steps is None or done < steps:
        current = case_current_step(case=case)
        if current is None or current.kind == "decision":
            break
        at = clock.later(ctx.rng.uniform(*gap))
        case = s.case_step_complete(
            actor=_step_actor(ctx, case), case=case, opinion=ctx.rng.choice(OPINIONS),
            record={"date": timezone.localdate(at).isoformat(), "place": case.applicant_name + "经营场所",
                    "inspectors": "两名执法人员", "findings": "现场与申请材料一致，符合要求"},
            now=at)
        done += 1
    return case


def _decide(ctx: _Ctx, case: Case, clock: _Clock, *, approve: bool) -> Case:
    case = _review(ctx, case, clock)
    case = s.case_decide(actor=_step_actor(ctx, case), case=case, approve=approve,
                         reason="" if approve else ctx.rng.choice(REASONS_REFUSE),
                         now=clock.later(ctx.rng.uniform(2, 10)))
    if approve:
        case = s.case_result_issue(actor=_reviewer(ctx, case), case=case)
    return case


def _deliver(ctx: _Ctx, case: Case, clock: _Clock, *, close: bool) -> Case:
    method = case.delivery_method
    tracking = f"SF{ctx.rng.randint(10**11, 10**12 - 1)}" if method == DeliveryMethod.POST else ""
    actor = ctx.clerk if case.channel == Channel.WINDOW else _reviewer(ctx, case)
    case = s.case_deliver(actor=actor, case=case, method=method, tracking_no=tracking,
                          now=clock.later(ctx.rng.uniform(1, 8)))
    if close:
        case = s.case_close(actor=actor, case=case, now=clock.later(ctx.rng.uniform(0.5, 4)))
    return case


def _supplement(ctx: _Ctx, case: Case, clock: _Clock, *, actor: User) -> Case:
    material = case.materials.filter(state__in=[MaterialState.PAPER, MaterialState.UPLOADED]).first()
    if material is None:
        material = case.materials.order_by("order", "id").first()
    assert material is not None
    return s.case_request_supplement(
        actor=actor, case=case, items=[{"name": material.name, "material_id": str(material.public_id),
                                        "reason": ctx.rng.choice(SUPPLEMENT_REASONS)}],
        now=clock.later(ctx.rng.uniform(1, 6)))


def _drive(ctx: _Ctx, case: Case, clock: _Clock, target: str) -> Case:
    """From a submitted case to the target state, the way the staff would get it there."""
    if target == "submitted":
        return case
    if target == "prereviewed":
        return s.case_prereview(actor=ctx.clerk, case=case, note="材料齐全，预审通过",
                                now=clock.later(ctx.rng.uniform(0.5, 4)))
    if case.channel != Channel.WINDOW and target not in ("not_accepted",):
        case = s.case_prereview(actor=ctx.clerk, case=case, note="材料齐全，预审通过",
                                now=clock.later(ctx.rng.uniform(0.5, 4)))
    if target == "not_accepted":
        return s.case_not_accept(actor=ctx.clerk, case=case, reason=ctx.rng.choice(REASONS_NOT_ACCEPT),
                                 now=clock.later(ctx.rng.uniform(0.2, 3)))
    if target in ("supplement", "resubmitted"):
        case = _supplement(ctx, case, clock, actor=ctx.clerk)
        if target == "supplement":
            return case
        for material in case.materials.filter(state=MaterialState.REJECTED):
            if case.channel == Channel.WINDOW:
                s.case_material_paper(actor=ctx.clerk, material=material, now=clock.later(20))
            else:
                s.case_material_upload(actor=case.applicant_user, material=material,
                                       upload=_pdf(material.name), now=clock.later(20))
        case = s.case_resubmit(actor=ctx.clerk if case.channel == Channel.WINDOW else case.applicant_user,
                               case=case, now=clock.later(0.1))
        case = _accept(ctx, case, clock)
        return _review(ctx, case, clock, steps=1)
    case = _accept(ctx, case, clock)
    if target in ("accepted", "yellow"):
        return case
    if target == "withdrawn":
        actor = ctx.clerk if case.channel == Channel.WINDOW else case.applicant_user
        return s.case_withdraw(actor=actor, case=case, reason="申请人书面申请撤回",
                               now=clock.later(ctx.rng.uniform(4, 20)))
    if target in ("in_review", "red"):
        return _review(ctx, case, clock, steps=1)
    if target == "special":
        case = _review(ctx, case, clock, steps=1)
        kind = ctx.rng.choice((SpecialKind.EXPERT_REVIEW, SpecialKind.PUBLIC_NOTICE, SpecialKind.TESTING))
        return s.case_special_start(actor=_reviewer(ctx, case), case=case, kind=kind,
                                    reason="依法需组织" + SpecialKind(kind).label + "，所需时间不计入办理时限",
                                    now=clock.later(ctx.rng.uniform(2, 8)))
    approve = target not in ("refused", "refused_delivered")
    case = _decide(ctx, case, clock, approve=approve)
    if target in ("approved", "refused"):
        return case
    return _deliver(ctx, case, clock, close=target == "closed")


# How many working days back a case in each target state begins (min, max).
START_WINDOW: dict[str, tuple[int, int]] = {
    "submitted": (0, 0), "prereviewed": (0, 1), "accepted": (0, 2), "supplement": (1, 5),
    "resubmitted": (5, 12), "in_review": (1, 4), "yellow": (14, 14), "red": (26, 34), "special": (4, 12),
    "approved": (1, 4), "refused": (2, 5), "refused_delivered": (8, 30), "not_accepted": (2, 30),
    "delivered": (5, 20), "closed": (8, 40), "withdrawn": (3, 35),
}
# The result of 个体工商户设立登记 is a business licence, which the licence library issues to
# legal persons only: its approval cannot issue the result (reported), so it is never approved.
NO_RESULT_ITEMS = {"个体工商户设立登记"}
APPROVE_TARGETS = {"approved", "delivered", "closed"}
# Targets whose item must have several review steps and a longer promised limit.
LONG_TARGETS = {"yellow", "red", "special", "in_review", "resubmitted"}


def _pick_item(ctx: _Ctx, names: tuple[str, ...], target: str) -> ServiceItem:
    candidates = [ctx.items[n] for n in names if n in ctx.items
                  and not (n in NO_RESULT_ITEMS and target in APPROVE_TARGETS)]
    if target in LONG_TARGETS:
        longer = [i for i in candidates if i.current_version and
                  (i.current_version.promised_limit_value or 0) >= (15 if target == "yellow" else 5)]
        candidates = longer or candidates
    return ctx.rng.choice(candidates)


def _window_cases(ctx: _Ctx, small: bool) -> list[Case]:
    cases: list[Case] = []
    plan = [target for target, normal, few in WINDOW_PLAN for _ in range(few if small else normal)]
    for number, target in enumerate(plan):
        low, high = START_WINDOW[target]
        clock = _Clock(ctx, _start(ctx, ctx.rng.randint(low, high)))
        as_enterprise = number % 3 == 2
        if as_enterprise:
            item = _pick_item(ctx, ENTERPRISE_ITEMS, target)
            enterprise = ctx.rng.choice(ctx.enterprises)
            person = None
        else:
            item = _pick_item(ctx, PERSON_ITEMS, target)
            person, enterprise = ctx.rng.choice(ctx.persons), None
        clerk = ctx.street_clerk if (ctx.street_clerk and number % 4 == 1) else ctx.clerk
        case = _window_intake(ctx, item, clock, person=person, enterprise=enterprise, clerk=clerk,
                              accept=target not in ("submitted", "supplement", "resubmitted",
                                                    "not_accepted"))
        cases.append(_drive(ctx, case, clock, target))
    return cases


# --- The demo accounts' own cases ------------------------------------------------------------
def _own_cases(ctx: _Ctx, small: bool) -> list[Case]:
    """What "我的办件" of ``citizen`` and ``enterprise`` shows: online, kiosk, a bundle, ratings."""
    cases: list[Case] = []
    citizen, agent = ctx.citizen, ctx.agent

    def online(name: str, target: str, days_back: int, *, actor: User = citizen,
               channel: str = Channel.ONLINE) -> Case | None:
        item = ctx.items.get(name)
        if item is None:
            return None
        clock = _Clock(ctx, _start(ctx, days_back))
        enterprise = ctx.company if actor == agent else None
        case = _online_submit(ctx, item, clock, actor=actor, enterprise=enterprise, channel=channel)
        case = _drive(ctx, case, clock, target)
        cases.append(case)
        return case

    # 社会保障卡申领 done and praised; 就业创业证 delivered late, rated badly, followed up.
    good = online("社会保障卡申领", "closed", 25)
    if good is not None:
        s.rating_create(actor=citizen, case=good, level=5, comment="网上申请很方便，没跑一次腿",
                        now=good.closed_at + timedelta(hours=2) if good.closed_at else None)
    bad = online("就业创业证申领", "delivered", 18)
    if bad is not None:
        rated_at = (bad.delivered_at or ctx.now - timedelta(days=3)) + timedelta(hours=3)
        s.rating_create(actor=citizen, case=bad, level=2,
                        comment="网上显示已送达，但电子证照过了两天才能查看，电话咨询也没人接",
                        now=min(rated_at, ctx.now - timedelta(minutes=20)))
        follow_up = RatingFollowUp.objects.filter(rating__case=bad).first()
        if follow_up is not None:
            s.follow_up_answer(actor=_reviewer(ctx, bad), follow_up=follow_up,
                               answer="已核实：证照同步接口当日故障导致延迟，已修复并增加值班电话，"
                                      "已电话向申请人致歉说明。",
                               now=min(rated_at + timedelta(days=1), ctx.now - timedelta(minutes=10)))
    online("异地就医备案", "prereviewed", 0)
    if ctx.district_hall is not None:
        online("城乡居民基本医疗保险参保登记", "submitted", 0, channel=Channel.KIOSK)
    if not small:
        online("就业创业证申领", "withdrawn", 9)
    # 一件事: 养老 (人社) and 医保 (医保局) insurance at once.
    parts = [ctx.items[n] for n in ("城乡居民基本养老保险参保登记", "城乡居民基本医疗保险参保登记")
             if n in ctx.items]
    if len(parts) == 2:
        clock = _Clock(ctx, _start(ctx, 12))
        bundle = s.bundle_draft_create(actor=citizen, items=parts, name="城乡居民参保“一件事”")
        for part in bundle.cases.all():
            s.case_draft_update(actor=citizen, case=part, form_data=_form(ctx, part.item))
        bundle = s.bundle_submit(actor=citizen, bundle=bundle, now=clock.later(0))
        first, second = list(bundle.cases.order_by("id"))
        cases.append(_drive(ctx, first, _Clock(ctx, clock.later(1)), "closed"))
        cases.append(_drive(ctx, second, _Clock(ctx, clock.later(2)), "approved" if small else "delivered"))
    # The company: a change of its licence (done, rated), a food permit waiting for papers.
    if ctx.company is not None:
        change = online("营业执照变更登记", "closed", 30, actor=agent)
        if change is not None:
            s.rating_create(actor=agent, case=change, level=4, comment="办理及时",
                            now=change.closed_at + timedelta(hours=5) if change.closed_at else None)
        online("食品经营许可", "supplement", 3, actor=agent)
        if not small:
            online("户外广告设置（店招）审批", "in_review", 4, actor=agent)
    return cases


# --- Loader ------------------------------------------------------------------------------------
def _context(small: bool) -> _Ctx | None:
    users = {u.username: u for u in User.objects.filter(username__in=[
        "clerk", "clerk_tuodong", "leader", "citizen", "enterprise", "reviewer_market", "reviewer_civil"])}
    needed = ("clerk", "leader", "citizen", "enterprise")
    if any(name not in users for name in needed):
        return None
    area = settings.ONEWINDOW_DISTRICT_CODE[:6]
    items = {i.current_version.name: i for i in ServiceItem.objects.filter(
        department__code__startswith=f"{area}-", current_version__isnull=False
    ).select_related("current_version", "department") if i.current_version}
    if not items:
        return None
    # One reviewer per department: the named accounts first, then the bureau rosters.
    reviewers: dict[int, User] = {}
    named = {"reviewer_market", "reviewer_civil"}
    rows = (Staff.objects.filter(departments__code__startswith=f"{area}-")
            .select_related("user").prefetch_related("departments").order_by("id"))
    for member in sorted(rows, key=lambda m: (m.user.username not in named, m.id)):
        if Role.DEPT_REVIEWER not in member.roles:
            continue
        for department in member.departments.all():
            reviewers.setdefault(department.id, member.user)
    district_hall = ServiceHall.objects.filter(region__code=settings.ONEWINDOW_DISTRICT_CODE).order_by("id").first()
    citizen = users["citizen"]
    return _Ctx(
        now=timezone.now(), calendar=work_calendar(), rng=random.Random(f"{SEED}-cases"), items=items,
        clerk=users["clerk"], street_clerk=users.get("clerk_tuodong"), leader=users["leader"],
        reviewers=reviewers, citizen=citizen, agent=users["enterprise"],
        company=Enterprise.objects.filter(users__username="enterprise").order_by("id").first(),
        district_hall=district_hall,
        persons=list(Person.objects.filter(user__isnull=True).order_by("id")[:200]),
        enterprises=list(Enterprise.objects.exclude(users__username="enterprise").order_by("id")[:40]),
    )


def _demo_cases() -> Any:
    return Case.objects.filter(form_data__备注=DEMO_NOTE)


def demo_load_cases(*, small: bool = False) -> dict[str, int]:
    """Load the demo applications (idempotent: nothing is written when they are there)."""
    created = 0
    if not _demo_cases().exists():
        ctx = _context(small)
        if ctx is None:
            raise RuntimeError("缺少演示账号或事项目录：请先加载人员与机构、事项目录")
        if not ctx.persons or not ctx.enterprises:
            raise RuntimeError("缺少演示居民或企业：请先运行 accounts_demo_load")
        with transaction.atomic():
            made = _own_cases(ctx, small) + _window_cases(ctx, small)
            s.deadline_warnings_raise(now=ctx.now)
        created = len(made)
    return demo_cases_counts(created=created)


def demo_cases_counts(*, created: int = 0) -> dict[str, int]:
    labels = dict(S.choices)
    statuses = Counter(_demo_cases().values_list("status", flat=True))
    counts: dict[str, int] = {"本次新建办件": created, "演示办件": sum(statuses.values())}
    counts.update({f"办件：{labels[k]}": statuses[k] for k in S.values if statuses.get(k)})
    counts["一件事"] = CaseBundle.objects.filter(cases__form_data__备注=DEMO_NOTE).distinct().count()
    counts["预警/超期在办"] = _demo_cases().exclude(warning_level="none").filter(
        status__in=[S.SUBMITTED, S.PREREVIEWED, S.ACCEPTED, S.IN_REVIEW]).count()
    counts["好差评"] = Rating.objects.filter(case__form_data__备注=DEMO_NOTE).count()
    counts["差评整改"] = RatingFollowUp.objects.filter(rating__case__form_data__备注=DEMO_NOTE).count()
    return counts


