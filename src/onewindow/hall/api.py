"""/api/v1: the service hall (服务大厅) — the kiosk's item list, queue numbers, calling,
appointments and hall figures."""

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from . import kiosk

router = Router(tags=["大厅 hall"])


class HallDepartmentRef(Schema):
    code: str
    name: str


class KioskItemOut(Schema):
    id: UUID = Field(..., description="事项 id（用于 POST /cases/drafts，channel=kiosk）")
    version_id: UUID
    name: str
    department: HallDepartmentRef


class KioskGroupOut(Schema):
    title: str = Field(..., description="分组：实施部门，或“搜索结果”")
    items: list[KioskItemOut]


class KioskCatalogueOut(Schema):
    hall_id: UUID
    hall_name: str
    query: str
    theme: str
    did_you_mean: str
    themes: list[dict[str, str]] = Field(..., description="有自助办理事项的主题 {code, name}")
    groups: list[KioskGroupOut]


@router.get("/kiosk/{uuid:hall_id}/items", response=KioskCatalogueOut, auth=None,
            summary="自助终端可办事项（公开）",
            description="该大厅自助终端可受理的事项：现行发布版本标记“可自助终端办理”。按部门分组；"
                        "q 用事项搜索（拼音、首字母、同义词），theme 按主题筛选。")
def kiosk_items(request: HttpRequest, hall_id: UUID, q: str = "", theme: str = "") -> dict[str, Any]:
    hall = kiosk.kiosk_hall_get(public_id=hall_id)
    catalogue = kiosk.kiosk_catalogue(query=q, theme=theme)
    return {
        "hall_id": hall.public_id, "hall_name": hall.name, "query": catalogue.query,
        "theme": catalogue.theme, "did_you_mean": catalogue.did_you_mean,
        "themes": [{"code": t.code, "name": t.name} for t in catalogue.themes],
        "groups": [{"title": g.title, "items": [
            {"id": v.item.public_id, "version_id": v.public_id, "name": v.name,
             "department": {"code": v.item.department.code, "name": v.item.department.name}}
            for v in g.versions]} for g in catalogue.groups],
    }
