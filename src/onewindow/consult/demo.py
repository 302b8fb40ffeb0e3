"""Demo consultations: the market bureau's clerk on duty, three questions of the demo citizen
on the last working morning — one answered and rated with an FAQ entry approved, one answered
with the guide sent, one that escalated and became a 12345 ticket. Idempotent (by topic)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from onewindow.accounts.models import Department, Staff
from onewindow.catalog.constants import VersionStatus
from onewindow.catalog.models import ServiceItemVersion
from onewindow.core.selectors import work_calendar
from onewindow.core.workdays import SHANGHAI

from . import services
from .models import Consultation

TOPICS = ("名称变更要本人到场吗", "食品经营许可要多久", "周末能办营业执照吗")


def _last_working_morning() -> datetime:
    day = timezone.localdate() - timedelta(days=1)
    calendar = work_calendar()
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(10, 0), tzinfo=SHANGHAI)


def consult_demo_load(*, small: bool = False) -> dict[str, int]:
    User = get_user_model()
    citizen = User.objects.filter(username="citizen").first()
    department = Department.objects.filter(code__endswith="-SCJGJ").first()
    clerks = list(Staff.objects.filter(departments=department, is_active=True).order_by("pk")[:2]) if department else []
    version = (ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, item__department=department)
               .select_related("item").order_by("pk").first()) if department else None
    if citizen is None or department is None or not clerks or version is None:
        return {"新增咨询": 0}
    clerk = clerks[0]
    services.duty_set(actor=clerk.user, department=department, on=True)
    if Consultation.objects.filter(citizen=citizen, topic__in=TOPICS).exists():
        return {"新增咨询": 0}
    start = _last_working_morning()
    item = version.item
    first = services.consultation_open(actor=citizen, topic=TOPICS[0], item=item, now=start,
                                       text=f"您好，办理“{version.name}”需要本人到场吗？")
    services.message_send(actor=clerk.user, consultation=first, now=start + timedelta(minutes=6),
                          text="您好，不需要本人到场，可在“一窗通办”全程网上办理，材料齐全当场办结。")
    services.guide_send(actor=clerk.user, consultation=first, item=item, name=version.name,
                        now=start + timedelta(minutes=7))
    services.message_send(actor=citizen, consultation=first, text="明白了，谢谢！", now=start + timedelta(minutes=9))
    services.consultation_close(actor=citizen, consultation=first, now=start + timedelta(minutes=10))
    services.consultation_rate(actor=citizen, consultation=first, rating=5, comment="回复很快")
    faq = services.faq_propose(actor=clerk.user, consultation=first, question=f"办理“{version.name}”需要本人到场吗？",
                               answer="不需要，可全程网上办理，材料齐全当场办结。")
    approver = clerks[1] if len(clerks) > 1 else None
    if approver is not None:
        services.faq_approve(actor=approver.user, faq=faq)
    second = services.consultation_open(actor=citizen, topic=TOPICS[1], item=item, now=start + timedelta(minutes=30),
                                        text="请问审批一般要多少个工作日？")
    services.message_send(actor=clerk.user, consultation=second, now=start + timedelta(minutes=52),
                          text="承诺时限见办事指南，一般 3 个工作日内办结。")
    third = services.consultation_open(actor=citizen, topic=TOPICS[2], item=item, now=start + timedelta(hours=6),
                                       text="我下班晚，周末可以来大厅办理吗？")
    services.consult_escalate_run(now=start + timedelta(hours=7))  # no answer within the limit: escalated
    services.consult_escalate_run(now=start + timedelta(hours=8))  # the service hours ended: 12345 ticket
    third.refresh_from_db()
    return {"新增咨询": 3, "转12345": int(bool(third.ticket_number))}
