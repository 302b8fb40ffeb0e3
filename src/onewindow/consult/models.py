"""Consultations (在线应询), their messages, clerks on duty, FAQ entries from answered questions."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from onewindow.accounts.models import Department, Staff
from onewindow.catalog.models import ServiceItem
from onewindow.core.fields import EncryptedTextField
from onewindow.core.models import BaseModel

from .constants import ConsultStatus, FaqStatus, SenderKind


class Consultation(BaseModel):
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations")
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    item_name = models.CharField("事项", max_length=200, blank=True)
    topic = models.CharField("主题", max_length=60)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="consultations")
    region_path = models.CharField(max_length=80, db_index=True)
    assignee = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="consultations")
    status = models.CharField("状态", max_length=12, choices=ConsultStatus.choices, default=ConsultStatus.WAITING)
    asked_at = models.DateTimeField("咨询时间")
    first_answer_due = models.DateTimeField("首次答复时限", null=True, blank=True)
    first_answered_at = models.DateTimeField("首次答复时间", null=True, blank=True)
    first_answer_minutes = models.PositiveIntegerField(null=True, blank=True)
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    ticket_number = models.CharField("12345工单号", max_length=30, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField("评价", null=True, blank=True)
    rating_comment = models.CharField("评价意见", max_length=300, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "在线咨询"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["department", "status", "created_at"], name="consult_dept_idx"),
            models.Index(fields=["status", "first_answer_due"], name="consult_due_idx"),
            models.Index(fields=["citizen", "-created_at"], name="consult_citizen_idx"),
        ]

    def __str__(self) -> str:
        return self.topic


class ConsultMessage(BaseModel):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    sender_kind = models.CharField(max_length=8, choices=SenderKind.choices)
    sender_label = models.CharField(max_length=60, blank=True)  # the clerk's name as shown; "" for the citizen
    # plain text; may hold personal details the citizen types, so sealed at rest
    text = EncryptedTextField()
    link_url = models.CharField(max_length=300, blank=True)  # a guide or application sent by the clerk
    link_label = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "咨询消息"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["consultation", "created_at"], name="consult_msg_idx")]

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.sender_kind}"

    @property
    def attachment_or_none(self) -> ConsultAttachment | None:
        try:
            return self.attachment  # type: ignore[no-any-return]
        except ObjectDoesNotExist:
            return None


def _attachment_path(instance: ConsultAttachment, filename: str) -> str:
    return f"consult/{instance.public_id}.{instance.extension}"


class ConsultAttachment(BaseModel):
    """A picture or PDF sent in a conversation: its message says who sent it; only the citizen
    and the clerks of the department may open it (never a public URL)."""

    message = models.OneToOneField(ConsultMessage, on_delete=models.CASCADE, related_name="attachment")
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "咨询附件"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class DutyShift(models.Model):
    """A clerk on duty for a department's online consultations (值班)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="consult_duties")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="consult_duties")
    since = models.DateTimeField()

    class Meta:
        verbose_name = "咨询值班"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["staff", "department"], name="consult_duty_unique")]

    def __str__(self) -> str:
        return f"{self.staff_id}@{self.department_id}"


class FaqEntry(BaseModel):
    """A question and answer shown on an item's guide once a clerk of its department approves it."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    question = models.CharField("问题", max_length=300)
    answer = models.TextField("答复")
    status = models.CharField(max_length=10, choices=FaqStatus.choices, default=FaqStatus.PROPOSED)
    source = models.ForeignKey(Consultation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "常见问题"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["item", "status"], name="consult_faq_idx")]

    def __str__(self) -> str:
        return self.question
