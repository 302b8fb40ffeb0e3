"""Reads of lifecycle maps: an enterprise's maps (its agents), maps a service officer or staff
in scope may see, and the computed map (stages, nodes with states, next steps, notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from onewindow.accounts.scope import scope_for
from onewindow.cases.selectors import case_facts_for_enterprise
from onewindow.core.errors import NotFound
from onewindow.licences.selectors import licence_type_codes_for_enterprise

from . import rules
from .constants import NodeState, Stage
from .models import EnterpriseMap, MapNode


@dataclass
class NodeView:
    node: MapNode
    state: str
    state_label: str
    due_at: Any = None
    case_number: str = ""
    case_id: Any = None


@dataclass
class MapView:
    map: EnterpriseMap
    stages: list[tuple[str, str, list[NodeView]]] = field(default_factory=list)
    next_steps: list[NodeView] = field(default_factory=list)
    done: int = 0
    total: int = 0


def maps_of_user(*, user: Any) -> QuerySet[EnterpriseMap]:
    if not getattr(user, "is_authenticated", False):
        return EnterpriseMap.objects.none()
    return (EnterpriseMap.objects.filter(enterprise__users=user)
            .select_related("enterprise", "template", "officer").order_by("pk"))


def maps_for_staff(*, actor: Any) -> QuerySet[EnterpriseMap]:
    scope = scope_for(actor)
    if scope.is_empty:
        return EnterpriseMap.objects.none()
    return (EnterpriseMap.objects.filter(Q(officer__user=actor) | Q(region_path__startswith=scope.region_path or "-"))
            .select_related("enterprise", "template", "officer").order_by("pk"))


def map_get(*, actor: Any, public_id: UUID | str) -> EnterpriseMap:
    """The map of one of the user's enterprises, or one the officer serves / staff may see."""
    found = maps_of_user(user=actor).filter(public_id=public_id).first() or \
        maps_for_staff(actor=actor).filter(public_id=public_id).first()
    if found is None:
        raise NotFound("找不到该企业图谱", code="lifecycle_map_not_found")
    return found


def is_officer_or_staff(*, actor: Any, map: EnterpriseMap) -> bool:
    return maps_for_staff(actor=actor).filter(pk=map.pk).exists()


def map_view(*, map: EnterpriseMap) -> MapView:
    nodes = list(map.template.nodes.select_related("item").all())
    states = rules.node_states(
        [rules.NodeIn(n.key, n.item_id, n.licence_type_code, tuple(n.after or [])) for n in nodes],
        cases=case_facts_for_enterprise(enterprise=map.enterprise),
        licence_codes=licence_type_codes_for_enterprise(enterprise=map.enterprise))
    labels = dict(NodeState.choices)
    views = [NodeView(n, states[n.key].state, labels[states[n.key].state], states[n.key].due_at,
                      states[n.key].case_number, states[n.key].case_id) for n in nodes]
    view = MapView(map=map, total=len(views), done=sum(1 for v in views if v.state == NodeState.DONE))
    for code, label in Stage.choices:
        view.stages.append((code, label, [v for v in views if v.node.stage == code]))
    view.next_steps = [v for v in views if v.state == NodeState.AVAILABLE]
    return view


def notes_of(*, map: EnterpriseMap) -> list[Any]:
    return list(map.notes.all()[:50])
