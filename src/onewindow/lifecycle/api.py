"""/api/v1/lifecycle: an enterprise's lifecycle maps (一企一张图) with node states computed from
its cases and licences, next steps, and the service officer's notes."""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema, Status

from onewindow.accounts.auth import API_AUTH

from . import selectors, services

router = Router(tags=["一企一张图 lifecycle"])


class LifecycleNodeOut(Schema):
    key: str
    name: str
    stage: str
    state: str
    state_label: str
    after: list[str]
    item_id: UUID | None
    due_at: datetime | None
    case_number: str


class LifecycleNoteOut(Schema):
    node_key: str
    author: str
    text: str
    at: datetime


class LifecycleMapOut(Schema):
    id: UUID
    enterprise: str
    industry: str
    template: str
    officer: str
    done: int
    total: int
    nodes: list[LifecycleNodeOut]
    next_steps: list[str]
    notes: list[LifecycleNoteOut]


class LifecycleNoteIn(Schema):
    text: str
    node_key: str = ""


def _map(emap: Any) -> dict[str, Any]:
    view = selectors.map_view(map=emap)
    nodes = [v for _code, _label, vs in view.stages for v in vs]
    return {
        "id": emap.public_id, "enterprise": emap.enterprise.name, "industry": emap.template.industry,
        "template": emap.template.name, "officer": emap.officer.name if emap.officer else "",
        "done": view.done, "total": view.total,
        "nodes": [{"key": v.node.key, "name": v.node.name, "stage": v.node.stage, "state": v.state,
                   "state_label": v.state_label, "after": list(v.node.after or []),
                   "item_id": v.node.item.public_id if v.node.item else None, "due_at": v.due_at,
                   "case_number": v.case_number} for v in nodes],
        "next_steps": [v.node.key for v in view.next_steps],
        "notes": [{"node_key": n.node_key, "author": n.author_name, "text": n.text, "at": n.created_at}
                  for n in selectors.notes_of(map=emap)],
    }


@router.get("/lifecycle/maps", response=list[LifecycleMapOut], auth=API_AUTH,
            summary="我的企业图谱（企业经办人）或我服务的企业（服务专员）")
def lifecycle_maps(request: HttpRequest) -> Any:
    maps = list(selectors.maps_of_user(user=request.user)[:20]) or list(
        selectors.maps_for_staff(actor=request.user)[:50])
    return [_map(m) for m in maps]


@router.get("/lifecycle/maps/{map_id}", response=LifecycleMapOut, auth=API_AUTH, summary="企业全生命周期图")
def lifecycle_map(request: HttpRequest, map_id: UUID) -> Any:
    return _map(selectors.map_get(actor=request.user, public_id=map_id))


@router.post("/lifecycle/maps/{map_id}/notes", response={201: LifecycleNoteOut}, auth=API_AUTH,
             summary="服务专员记录")
def lifecycle_note(request: HttpRequest, map_id: UUID, body: LifecycleNoteIn) -> Any:
    emap = selectors.map_get(actor=request.user, public_id=map_id)
    note = services.note_add(actor=request.user, map=emap, text=body.text, node_key=body.node_key)
    return Status(201, {"node_key": note.node_key, "author": note.author_name, "text": note.text,
                        "at": note.created_at})
