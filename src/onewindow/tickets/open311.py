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

import functools
import math
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from onewindow.core.errors import DomainError
from onewindow.core.masking import mask_text
from onewindow.integrations.idempotency import idempotent_call

from . import constants as c
from . import selectors, services
from .models import Category, Ticket

SPEC = "http://wiki.open311.org/GeoReport_v2"
CLOSED_STATUSES = (c.Status.REPLIED, c.Status.CALLBACK_DONE, c.Status.CLOSED, c.Status.MERGED)
KIND_VALUES = [{"key": value, "name": label} for value, label in c.TicketKind.choices
               if value != c.TicketKind.REPORT]
MAX_REQUESTS = 1000  # the spec's maximum for one GET; page/page_size (extension) page beyond it
DEFAULT_PAGE_SIZE = 200
MAX_DESCRIPTION = 4000  # the spec's limit for description
CHANGESET = "2026-12-07T00:00:00+08:00"


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
    fmt = fmt if _fmt_ok(fmt) else "json"
    return render([{"code": status, "description": description}], fmt, root="errors", item="error", status=status)


def _cors(request: HttpRequest, response: HttpResponseBase, allowed: tuple[str, ...]) -> HttpResponseBase:
    """Browser-based 311 apps from the configured origins (ONEWINDOW_OPEN311_CORS_ORIGINS)."""
    origin = request.headers.get("Origin", "")
    origins = getattr(settings, "ONEWINDOW_OPEN311_CORS_ORIGINS", [])
    if origin and (origin in origins or "*" in origins):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = ", ".join((*allowed, "OPTIONS"))
        response["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
        response["Access-Control-Expose-Headers"] = "Link, Idempotent-Replayed"
        response["Access-Control-Max-Age"] = "600"
        response["Vary"] = "Origin"
    return response


def methods(*allowed: str) -> Any:
    """Like require_http_methods, but a wrong method answers in the Open311 error format; CORS
    headers (and OPTIONS preflights) for the configured origins."""

    def decorate(view: Any) -> Any:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response: HttpResponseBase
            if request.method == "OPTIONS":
                response = HttpResponse(status=204)
                response["Allow"] = ", ".join((*allowed, "OPTIONS"))
            elif request.method not in allowed:
                response = error(kwargs.get("fmt", "json"), 405, f"method not allowed: use {', '.join(allowed)}")
                response["Allow"] = ", ".join(allowed)
            else:
                response = view(request, *args, **kwargs)
            return _cors(request, response, allowed)

        return wrapped

    return decorate


def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /open311/ (a missing format, an unknown format or path)."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return error(fmt, 404, "not found: GeoReport v2 endpoints end in .json or .xml, see /open311/discovery.json")


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def jurisdiction_ids() -> tuple[str, str]:
    """The district's 12-digit statistical code and its 6-digit administrative code."""
    code = settings.ONEWINDOW_DISTRICT_CODE
    return code, code[:6]


def _jurisdiction_ok(request: HttpRequest, data: Any) -> bool:
    jurisdiction = (data.get("jurisdiction_id") or "").strip()
    return not jurisdiction or jurisdiction in jurisdiction_ids()


def _fmt_ok(fmt: str) -> bool:
    return fmt in ("json", "xml")


# --- Discovery and services -------------------------------------------------------------------
@methods("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    # No trailing slash: clients append "/services.xml" to the url.
    base = request.build_absolute_uri("/open311/v2")
    return render({
        "changeset": CHANGESET,
        "contact": f"{settings.ONEWINDOW_PLATFORM_NAME} 12345 热线",
        "key_service": "api_key 由平台管理员在“系统对接 / Open311 客户端”页面签发：" + request.build_absolute_uri(
            "/staff/open311/clients/"),
        "jurisdiction_id": settings.ONEWINDOW_DISTRICT_CODE,
        "jurisdiction_ids": list(jurisdiction_ids()),
        "limits": {"requests_per_get": MAX_REQUESTS, "default_page_size": DEFAULT_PAGE_SIZE,
                   "description_max_chars": MAX_DESCRIPTION, "default_window_days": 90,
                   "paging": "page, page_size (extension)"},
        "endpoints": [{"specification": SPEC, "url": base, "changeset": CHANGESET,
                       "type": "production", "formats": ["text/xml", "application/json"]}],
    }, fmt, root="discovery", item="endpoint")


def _service_out(cat: Category, names: dict[int, str] | None = None) -> dict[str, Any]:
    group = cat.full_name.split(" / ")[0]
    return {"service_code": cat.code, "service_name": (names or {}).get(cat.pk, cat.name),
            "description": cat.description or cat.full_name,
            "metadata": True, "type": "realtime", "keywords": cat.full_name.replace(" / ", ","),
            "group": group}


def _services() -> list[Category]:
    return list(selectors.category_list(level=3))


def service_names(categories: list[Category]) -> dict[int, str]:
    """Unique service names: a name several categories share ("其他") gets its parent's name in
    front ("市容环卫-其他"), and the code if even that is shared."""
    counts = Counter(cat.name for cat in categories)
    names: dict[int, str] = {}
    for cat in categories:
        if counts[cat.name] == 1:
            names[cat.pk] = cat.name
            continue
        parts = cat.full_name.split(" / ")
        names[cat.pk] = f"{parts[-2]}-{cat.name}" if len(parts) > 1 else cat.name
    repeated = Counter(names.values())
    return {pk: (f"{name}（{cat.code}）" if repeated[name] > 1 else name)
            for cat in categories for pk, name in [(cat.pk, names[cat.pk])]}


@methods("GET")
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    if not _jurisdiction_ok(request, request.GET):
        return error(fmt, 404, "jurisdiction_id not found")
    categories = _services()
    names = service_names(categories)
    return render([_service_out(cat, names) for cat in categories], fmt, root="services", item="service")


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


@methods("GET")
def service_definition(request: HttpRequest, service_code: str, fmt: str) -> HttpResponse:
    cat = Category.objects.filter(code=service_code, level=3, is_active=True).first()
    if cat is None:
        return error(fmt, 404, "service_code not found")
    return render(_definition(cat), fmt, root="service_definition", item="attribute")


# --- Requests ---------------------------------------------------------------------------------
def _public(qs: Any) -> Any:
    return qs.filter(confidential=False).exclude(kind=c.TicketKind.REPORT)


def _point(t: Ticket) -> tuple[float | None, float | None, str]:
    """The reported point, else the centre of the ticket's region, else none."""
    if t.lat is not None and t.lng is not None:
        return t.lat, t.lng, "exact"
    if t.region_id is not None:
        centre = _region_centre(t.region_id)
        if centre is not None:
            return centre[1], centre[0], "region_centroid"
    return None, None, "none"


@functools.lru_cache(maxsize=4096)
def _region_centre_cached(region_id: int, version: str) -> tuple[float, float] | None:
    from onewindow.regions.geometry import representative_point
    from onewindow.regions.models import Region

    region = Region.objects.filter(pk=region_id).only("geometry").first()
    return representative_point(region.geometry) if region is not None else None


def _region_centre(region_id: int) -> tuple[float, float] | None:
    from onewindow.regions.models import Region

    stamp = Region.objects.filter(pk=region_id).values_list("updated_at", flat=True).first()
    return _region_centre_cached(region_id, str(stamp))


def _request_out(t: Ticket) -> dict[str, Any]:
    closed = t.status in CLOSED_STATUSES
    lat, lng, precision = _point(t)
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
        "lat": lat,
        "long": lng,
        "location_precision": precision,  # extension: exact | region_centroid | none
        "media_url": t.media_url or None,
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
    try:
        page = int(params.get("page") or 1)
        page_size = int(params.get("page_size") or DEFAULT_PAGE_SIZE)
    except ValueError:
        return error(fmt, 400, "page and page_size must be integers")
    if not (1 <= page <= 10_000 and 1 <= page_size <= MAX_REQUESTS):
        return error(fmt, 400, f"page must be 1-10000 and page_size 1-{MAX_REQUESTS}")
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
    offset = (page - 1) * page_size
    rows = list(qs.order_by("-received_at", "-id")[offset:offset + page_size + 1])
    response = render([_request_out(t) for t in rows[:page_size]], fmt, root="service_requests", item="request")
    if len(rows) > page_size:  # more in the window: the next page's address, as a Link header
        query = params.copy()
        query["page"], query["page_size"] = str(page + 1), str(page_size)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{query.urlencode()}>; rel="next"'
    return response


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "是"}


def _requests_post(request: HttpRequest, fmt: str) -> HttpResponseBase:
    data = request.POST
    client = services.open311_client_authenticate(key=data.get("api_key", ""))
    if client is None:
        return error(fmt, 403, "api_key is missing or not valid")
    if not _jurisdiction_ok(request, data):
        return error(fmt, 404, "jurisdiction_id not found")
    request.idempotency_scope = f"open311:{client.pk}"  # type: ignore[attr-defined]
    return idempotent_call(request, "open311.requests", lambda: _requests_create(request, fmt, client))


def _outside_district(lng: float, lat: float) -> bool:
    """A point the district's polygon does not contain (when the district has one)."""
    from onewindow.regions.selectors import region_get_by_code, region_locate

    district = region_get_by_code(code=settings.ONEWINDOW_DISTRICT_CODE)
    if district is None or not district.geometry:
        return False
    if not (-180 <= lng <= 180 and -90 <= lat <= 90):
        return True
    located = region_locate(lng=lng, lat=lat)
    return located is None or not located.path.startswith(district.path)


def _requests_create(request: HttpRequest, fmt: str, client: Any) -> HttpResponse:
    data = request.POST
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
    if (lat is None) != (lng is None):
        return error(fmt, 400, "lat and long must be given together")
    if lat is not None and lng is not None and (not (math.isfinite(lat) and math.isfinite(lng))
                                                or _outside_district(lng, lat)):
        return error(fmt, 400, "lat/long: the location is outside this jurisdiction")
    text = (data.get("description") or "").strip()
    if len(text) > MAX_DESCRIPTION:
        return error(fmt, 400, f"description is longer than {MAX_DESCRIPTION} characters")
    media_url = (data.get("media_url") or "").strip()
    if media_url and (len(media_url) > 500 or urlsplit(media_url).scheme not in ("http", "https")
                      or not urlsplit(media_url).netloc):
        return error(fmt, 400, "media_url must be an http(s) URL of at most 500 characters")
    email = (data.get("email") or "").strip()
    if email and (len(email) > 254 or "@" not in email[1:-1]):
        return error(fmt, 400, "email is not a valid address")
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
            media_url=media_url, requester_email=email,
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
@methods("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponseBase:
    if request.method == "POST":
        return _requests_post(request, fmt)
    return _requests_get(request, fmt)


@methods("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    ticket = _public(Ticket.objects.select_related("category", "department")).filter(number=request_id).first()
    if ticket is None:
        return error(fmt, 404, "service_request_id not found")
    return render([_request_out(ticket)], fmt, root="service_requests", item="request")


@methods("GET")
def token(request: HttpRequest, token_id: str, fmt: str) -> HttpResponse:
    try:
        ticket = Ticket.objects.filter(public_id=uuid.UUID(token_id)).only("number", "public_id").first()
    except ValueError:
        ticket = None
    if ticket is None:
        return error(fmt, 404, "token not found")
    return render([{"service_request_id": ticket.number, "token": str(ticket.public_id)}], fmt,
                  root="service_requests", item="request")
