"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) in JSON and XML, under /open311/v2/.

Existing 311 apps and clients work against the platform unchanged: our third-level categories
are the services, a ticket is a service request, its number the ``service_request_id`` and its
public id the ``token``. POST needs an ``api_key`` (an Open311Client); GETs are public and show
no personal data (confidential tickets and reports (举报) are never listed; phone and ID
numbers in texts are masked).

Field mapping, checked against the NYC and Pittsburgh 311 exports in the shared data
(``open311/*.csv``):

===================  ==============================  =====================================
GeoReport v2          NYC 311 export                  OneWindow ticket
===================  ==============================  =====================================
service_request_id   Unique Key                      number (12345-YYYYMMDD-NNNNNN)
service_code         (Complaint Type)                category.code (level 3)
service_name         Complaint Type / REQUEST_TYPE   category.name
description          Descriptor                      text (masked)
agency_responsible   Agency Name / DEPARTMENT        department.name
status               Status (Open/In Progress/…)     open | closed (replied and after)
status_notes         Resolution Description          reply_text (masked)
requested_datetime   Created Date / CREATED_ON       received_at
updated_datetime     Resolution Action Updated Date  updated_at
expected_datetime    Due Date                        due_at
address              Incident Address                address
zipcode              Incident Zip                    (none)
lat / long           Latitude / Longitude, X / Y     lat / lng
(channel)            Open Data Channel Type /        channel
                     REQUEST_ORIGIN
===================  ==============================  =====================================
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from onewindow.core.errors import DomainError
from onewindow.core.masking import mask_text

from . import constants as c
from . import selectors, services
from .models import Category, Ticket

SPEC = "http://wiki.open311.org/GeoReport_v2"
CLOSED_STATUSES = (c.Status.REPLIED, c.Status.CALLBACK_DONE, c.Status.CLOSED, c.Status.MERGED)
KIND_VALUES = [{"key": value, "name": label} for value, label in c.TicketKind.choices
               if value != c.TicketKind.REPORT]
MAX_REQUESTS = 200


# --- Rendering --------------------------------------------------------------------------------
def _xml_value(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, list):
        item_name = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
                     "formats": "format", "keywords": "keyword"}.get(name, "item")
        for item in value:
            _xml_value(child, item_name, item)
    elif isinstance(value, dict):
        for key, inner in value.items():
            _xml_value(child, key, inner)
    elif isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)


def render(data: Any, fmt: str, *, root: str, item: str, status: int = 200) -> HttpResponse:
    """JSON as is; XML as <root><item>…</item></root> (or <root>…</root> for one object)."""
    if fmt == "xml":
        element = ET.Element(root)
        if isinstance(data, list):
            for row in data:
                node = ET.SubElement(element, item)
                for key, value in row.items():
                    _xml_value(node, key, value)
        else:
            for key, value in data.items():
                _xml_value(element, key, value)
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render([{"code": status, "description": description}], fmt, root="errors", item="error", status=status)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _jurisdiction_ok(request: HttpRequest, data: Any) -> bool:
    jurisdiction = (data.get("jurisdiction_id") or "").strip()
    return not jurisdiction or jurisdiction == settings.ONEWINDOW_DISTRICT_CODE


def _fmt_ok(fmt: str) -> bool:
    return fmt in ("json", "xml")


# --- Discovery and services -------------------------------------------------------------------
@require_http_methods(["GET"])
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    return render({
        "changeset": "2026-11-01T00:00:00+08:00",
        "contact": f"{settings.ONEWINDOW_PLATFORM_NAME} 12345 热线",
        "key_service": "请联系平台管理员申请 api_key",
        "endpoints": [{"specification": SPEC, "url": base, "changeset": "2026-11-01T00:00:00+08:00",
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }, fmt, root="discovery", item="endpoint")


def _service_out(cat: Category) -> dict[str, Any]:
    group = cat.full_name.split(" / ")[0]
    return {"service_code": cat.code, "service_name": cat.name, "description": cat.description or cat.full_name,
            "metadata": True, "type": "realtime", "keywords": cat.full_name.replace(" / ", ","),
            "group": group}


def _services() -> list[Category]:
    return list(selectors.category_list(level=3))


@require_http_methods(["GET"])
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _jurisdiction_ok(request, request.GET):
        return error(fmt, 404, "jurisdiction_id not found")
    return render([_service_out(cat) for cat in _services()], fmt, root="services", item="service")


def _definition(cat: Category) -> dict[str, Any]:
    return {"service_code": cat.code, "attributes": [
        {"variable": True, "code": "kind", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "诉求类型，默认为求助", "order": 1, "description": "诉求类型",
         "values": KIND_VALUES},
        {"variable": True, "code": "confidential", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "是否要求对诉求人信息保密", "order": 2, "description": "要求保密",
         "values": [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}]},
        {"variable": True, "code": "urgent", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "危及人身财产安全等紧急情况", "order": 3, "description": "紧急",
         "values": [{"key": "false", "name": "否"}, {"key": "true", "name": "是"}]},
    ]}


@require_http_methods(["GET"])
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    cat = Category.objects.filter(code=service_code, level=3, is_active=True).first()
    if cat is None:
        return error(fmt, 404, "service_code not found")
    return render(_definition(cat), fmt, root="service_definition", item="attribute")


# --- Requests ---------------------------------------------------------------------------------
def _public(qs: Any) -> Any:
    return qs.filter(confidential=False).exclude(kind=c.TicketKind.REPORT)


def _request_out(t: Ticket) -> dict[str, Any]:
    closed = t.status in CLOSED_STATUSES
    return {
        "service_request_id": t.number,
        "status": "closed" if closed else "open",
        "status_notes": mask_text(t.reply_text) if t.reply_text else t.get_status_display(),
        "service_name": t.category.name if t.category else "",
        "service_code": t.category.code if t.category else "",
        "description": mask_text(t.text),
        "agency_responsible": t.department.name if t.department else "",
        "service_notice": "",
        "requested_datetime": _iso(t.received_at),
        "updated_datetime": _iso(t.updated_at),
        "expected_datetime": _iso(t.due_at),
        "address": t.address,
        "address_id": "",
        "zipcode": "",
        "lat": t.lat,
        "long": t.lng,
        "media_url": "",
    }


def _parse_date(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


def _requests_get(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    if not _jurisdiction_ok(request, params):
        return error(fmt, 404, "jurisdiction_id not found")
    qs = _public(Ticket.objects.select_related("category", "department"))
    ids = [x.strip() for x in params.get("service_request_id", "").split(",") if x.strip()]
    if ids:
        rows = list(qs.filter(number__in=ids[:MAX_REQUESTS]).order_by("-received_at"))
        return render([_request_out(t) for t in rows], fmt, root="service_requests", item="request")
    codes = [x.strip() for x in params.get("service_code", "").split(",") if x.strip()]
    if codes:
        qs = qs.filter(category__code__in=codes)
    start, end = _parse_date(params.get("start_date", "")), _parse_date(params.get("end_date", ""))
    if (params.get("start_date") and start is None) or (params.get("end_date") and end is None):
        return error(fmt, 400, "start_date/end_date must be w3 datetimes (ISO 8601)")
    # the spec's default: the last 90 days
    end = end or timezone.now()
    start = start or end - timedelta(days=90)
    qs = qs.filter(received_at__gte=start, received_at__lte=end)
    statuses = {x.strip() for x in params.get("status", "").split(",") if x.strip()}
    if statuses - {"open", "closed"}:
        return error(fmt, 400, "status must be open or closed")
    if statuses == {"open"}:
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=CLOSED_STATUSES)
    rows = list(qs.order_by("-received_at")[:MAX_REQUESTS])
    return render([_request_out(t) for t in rows], fmt, root="service_requests", item="request")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "是"}


def _requests_post(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = services.open311_client_authenticate(key=data.get("api_key", ""))
    if client is None:
        return error(fmt, 403, "api_key is missing or not valid")
    if not _jurisdiction_ok(request, data):
        return error(fmt, 404, "jurisdiction_id not found")
    cat = Category.objects.filter(code=data.get("service_code", ""), level=3, is_active=True).first()
    if cat is None:
        return error(fmt, 400, "service_code not found")
    location = data.get("lat") or data.get("long") or data.get("address_string") or data.get("address_id")
    if not location:
        return error(fmt, 400, "a location is required: lat & long, address_string or address_id")
    try:
        lat = float(data["lat"]) if data.get("lat") else None
        lng = float(data["long"]) if data.get("long") else None
    except ValueError:
        return error(fmt, 400, "lat and long must be numbers")
    text = (data.get("description") or "").strip()
    if data.get("media_url"):
        text += f"\n附件链接：{data['media_url'][:300]}"
    kind = data.get("attribute[kind]") or c.TicketKind.HELP
    if kind == c.TicketKind.REPORT:
        kind = c.TicketKind.COMPLAINT
    name = " ".join(x for x in (data.get("last_name", ""), data.get("first_name", "")) if x).strip()
    try:
        ticket = services.ticket_intake(
            actor=None, kind=kind, text=text or cat.name, title=f"{cat.name}：{text[:20]}" if text else cat.name,
            channel=c.Channel.OPEN311, urgency=c.Urgency.URGENT if _truthy(data.get("attribute[urgent]"))
            else c.Urgency.NORMAL, address=data.get("address_string", ""), lng=lng, lat=lat,
            requester_name=name, requester_phone=data.get("phone", ""),
            confidential=_truthy(data.get("attribute[confidential]")), category=cat,
            external_id=f"open311:{client.key_prefix}:{(data.get('device_id') or data.get('account_id') or '')[:40]}",
        )
    except DomainError as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items()) or exc.message
        return error(fmt, 400 if exc.status < 500 else exc.status, detail)
    notice = f"已受理，工单编号 {ticket.number}"
    if ticket.due_at:
        notice += f"，办理时限至 {timezone.localtime(ticket.due_at):%Y-%m-%d %H:%M}"
    return render([{"service_request_id": ticket.number, "token": str(ticket.public_id),
                    "service_notice": notice, "account_id": None}], fmt,
                  root="service_requests", item="request", status=201)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _requests_post(request, fmt)
    return _requests_get(request, fmt)


@require_http_methods(["GET"])
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    ticket = _public(Ticket.objects.select_related("category", "department")).filter(number=request_id).first()
    if ticket is None:
        return error(fmt, 404, "service_request_id not found")
    return render([_request_out(ticket)], fmt, root="service_requests", item="request")


@require_http_methods(["GET"])
def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    try:
        ticket = Ticket.objects.filter(public_id=uuid.UUID(token_id)).only("number", "public_id").first()
    except ValueError:
        ticket = None
    if ticket is None:
        return error(fmt, 404, "token not found")
    return render([{"service_request_id": ticket.number, "token": str(ticket.public_id)}], fmt,
                  root="service_requests", item="request")
