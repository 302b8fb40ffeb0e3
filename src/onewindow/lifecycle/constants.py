"""Enterprise lifecycle maps (一企一张图): stages, node states, audit codes."""

from django.db import models


class Stage(models.TextChoices):
    SETUP = "setup", "设立"
    PROJECT = "project", "项目审批"
    OPENING = "opening", "开业"


class NodeState(models.TextChoices):
    DONE = "done", "已完成"
    IN_PROGRESS = "in_progress", "办理中"
    BLOCKED = "blocked", "受阻"
    AVAILABLE = "available", "可以申请"
    NOT_STARTED = "not_started", "未开始"


NOTE_MAX = 1000
AUDIT_MAP_ASSIGN = "lifecycle.assign"
AUDIT_NOTE_ADD = "lifecycle.note"
