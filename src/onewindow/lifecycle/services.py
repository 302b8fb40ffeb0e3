"""Writes of lifecycle maps: giving an enterprise a map of its industry with a service officer,
the officer's notes. Templates are edited by the district in the admin (validated graph)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from onewindow.accounts.models import Enterprise, Staff
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, PermissionDenied, ValidationFailed

from . import constants as c
from . import rules
from .models import EnterpriseMap, MapTemplate, OfficerNote
from .selectors import is_officer_or_staff


def template_check(*, template: MapTemplate) -> None:
    problems = rules.graph_problems([rules.NodeIn(n.key, n.item_id, n.licence_type_code, tuple(n.after or []))
                                     for n in template.nodes.all()])
    if problems:
        raise ValidationFailed("；".join(problems), code="lifecycle_bad_graph")


def map_assign(*, actor: Any, enterprise: Enterprise, template: MapTemplate, officer: Staff | None) -> EnterpriseMap:
    """Leaders, supervisors and administrators give an enterprise its map and its officer."""
    scope = scope_for(actor)
    if not scope.has_role("leader", "supervisor", "administrator"):
        raise PermissionDenied("只有领导、监督或管理人员可以指派服务专员", code="lifecycle_not_manager")
    template_check(template=template)
    try:
        with transaction.atomic():
            emap = EnterpriseMap.objects.create(enterprise=enterprise, template=template, officer=officer,
                                                region_path=enterprise.region_path or "")
            audit_record(actor=actor, action=c.AUDIT_MAP_ASSIGN, obj=emap,
                         summary={"enterprise": enterprise.name, "template": template.industry,
                                  "officer": officer.name if officer else ""})
    except IntegrityError as exc:
        raise Conflict("该企业已有此行业图谱", code="lifecycle_map_exists") from exc
    return emap


def note_add(*, actor: Any, map: EnterpriseMap, text: str, node_key: str = "") -> OfficerNote:
    """The service officer (or staff whose scope covers the enterprise) records a note."""
    if not is_officer_or_staff(actor=actor, map=map):
        raise PermissionDenied("只有服务专员或相关工作人员可以记录", code="lifecycle_not_officer")
    text = (text or "").strip()
    if not 2 <= len(text) <= c.NOTE_MAX:
        raise ValidationFailed(fields={"text": f"请填写 2–{c.NOTE_MAX} 个字"})
    if node_key and not map.template.nodes.filter(key=node_key).exists():
        raise ValidationFailed(fields={"node_key": "节点不存在"})
    staff = Staff.objects.filter(user=actor).first()
    with transaction.atomic():
        note = OfficerNote.objects.create(map=map, node_key=node_key, author=actor,
                                          author_name=staff.name if staff else actor.get_username(), text=text)
        audit_record(actor=actor, action=c.AUDIT_NOTE_ADD, obj=map, summary={"node": node_key, "length": len(text)})
    return note
