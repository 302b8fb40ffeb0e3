"""Lifecycle map templates (a graph of catalogue items per industry), an enterprise's map with
its service officer (一对一全程服务), and the officer's notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from onewindow.accounts.models import Enterprise, Staff
from onewindow.catalog.models import ServiceItem
from onewindow.core.models import BaseModel

from .constants import Stage


class MapTemplate(BaseModel):
    industry = models.CharField("行业", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "一企一张图模板"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.name


class MapNode(BaseModel):
    """One step: a catalogue item (or the licence it yields); ``after`` names the nodes that
    must be done first — nodes without a path between them run in parallel."""

    template = models.ForeignKey(MapTemplate, on_delete=models.CASCADE, related_name="nodes")
    key = models.SlugField("节点键", max_length=40)
    stage = models.CharField("阶段", max_length=10, choices=Stage.choices)
    name = models.CharField("名称", max_length=100)
    item = models.ForeignKey(ServiceItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    licence_type_code = models.CharField("对应证照类型", max_length=40, blank=True)
    after = models.JSONField("前置节点", default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "图谱节点"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["template", "key"], name="lifecycle_node_key")]
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class EnterpriseMap(BaseModel):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="lifecycle_maps")
    template = models.ForeignKey(MapTemplate, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                verbose_name="服务专员")
    region_path = models.CharField(max_length=80, blank=True, db_index=True)

    class Meta:
        verbose_name = "企业全生命周期图"
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["enterprise", "template"], name="lifecycle_map_unique")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}:{self.template_id}"


class OfficerNote(BaseModel):
    map = models.ForeignKey(EnterpriseMap, on_delete=models.CASCADE, related_name="notes")
    node_key = models.CharField(max_length=40, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=60)
    text = models.TextField()

    class Meta:
        verbose_name = "服务专员记录"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:20]
