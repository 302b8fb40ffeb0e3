from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class BaseModel(models.Model):
    """Base of every domain model: a public UUID (never the integer key) and timestamps."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One append-only, hash-chained record of a state change or a personal-data read.

    ``hash = sha256(prev_hash | canonical fields)``; the database refuses UPDATE on this table
    (trigger in the migration) and ``manage.py audit_verify`` names the first entry whose hash
    no longer matches or that is missing.
    """

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", db_constraint=False,
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    summary = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [models.Index(fields=["object_type", "object_id", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditChainHead(models.Model):
    """The single row that serialises appends to the audit chain (row lock on PostgreSQL)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class OutboxEvent(models.Model):
    """An event a lower app announces for higher apps to react to (see core.events)."""

    name = models.CharField(max_length=80, db_index=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class CalendarYear(models.Model):
    """Whether a year's official holiday schedule is known (官方) or assumed (暂定)."""

    class Status(models.TextChoices):
        OFFICIAL = "official", "官方公布"
        PROVISIONAL = "provisional", "暂定（未公布）"

    year = models.PositiveSmallIntegerField(unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROVISIONAL)
    source = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # With CalendarDay.updated_at, tells every process when its cached calendar is stale.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "日历年度"
        verbose_name_plural = "日历年度"

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"


class CalendarDay(models.Model):
    """A date that differs from the weekday/weekend default: a holiday or a make-up workday."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "法定节假日"
        WORKDAY = "workday", "调休上班"

    date = models.DateField(unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "节假日/调休"
        verbose_name_plural = "节假日/调休"

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class PeriodicJobState(models.Model):
    """The last run of one periodic job of ``manage.py timer`` (see core.timer)."""

    name = models.CharField(max_length=80, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    failures = models.PositiveIntegerField(default=0)  # consecutive failed runs
    runs = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name = "定时任务状态"
        verbose_name_plural = "定时任务状态"

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life (see core.background); one row per worker process."""

    worker_id = models.CharField(max_length=64, unique=True)
    host = models.CharField(max_length=100, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at"]
        verbose_name = "任务工作进程"
        verbose_name_plural = "任务工作进程"

    def __str__(self) -> str:
        return self.worker_id


class BackgroundTaskDismissal(models.Model):
    """A failed background task an administrator marked as handled (no retry)."""

    task_id = models.UUIDField(unique=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                           related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = "已处理的失败任务"
        verbose_name_plural = "已处理的失败任务"

    def __str__(self) -> str:
        return str(self.task_id)
