"""Public guide pages (办事指南): search, item guides, printable guides, life events and themes.

No sign-in needed. Lists and search come from the in-memory search index (published versions
only); an item page reads its published version through the selectors; an old version (which
an application may have been made under) stays readable at its own address. Every page works
without JavaScript; with htmx the result list refreshes as the citizen types.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import constants as c
from . import selectors
from .badges import appointments_bookable, document_badges, version_badges
from .guide_panels import guide_panels
from .search import Hit, SearchFilters, SearchIndex, catalogue_search, search_index

PAGE_SIZE = 20
MAX_PAGE = 500
FILTER_KEYS = ("department", "theme", "life_event", "service_object", "level", "visits",
               "online")


@dataclass(frozen=True)
class GuideQuery:
    """The search box and filters of the guide, parsed leniently from the query string."""

    q: str = ""
    department: str = ""
    theme: str = ""
    life_event: str = ""
    service_object: str = ""
    level: str = ""
    visits: str = ""  # "" / "1" (最多跑一次) / "0" (零跑动)
    online: bool = False
    page: int = 1

    @classmethod
    def from_request(cls, request: HttpRequest) -> GuideQuery:
        get = request.GET

        def text(name: str, limit: int = 60) -> str:
            return str(get.get(name, "")).strip()[:limit]

        try:
            page = min(max(int(get.get("page", "1")), 1), MAX_PAGE)
        except (TypeError, ValueError):
            page = 1
        service_object = text("service_object")
        level = text("level")
        visits = text("visits")
        return cls(
            q=text("q", 100),
            department=text("department"),
            theme=text("theme"),
            life_event=text("life_event"),
            service_object=service_object if service_object in ("natural", "legal") else "",
            level=level if level in c.ExerciseLevel.values else "",
            visits=visits if visits in ("0", "1") else "",
            online=get.get("online") in ("1", "on", "true"),
            page=page,
        )

    @property
    def filters(self) -> SearchFilters:
        return SearchFilters(
            department=self.department, theme=self.theme, life_event=self.life_event,
            service_object=self.service_object, level=self.level,
            max_visits=int(self.visits) if self.visits else None,
            online=True if self.online else None,
        )

    @property
    def has_filters(self) -> bool:
        return self.filters.active

    def params(self, **changes: Any) -> str:
        """The query string for this search with some values changed (for links)."""
        values: dict[str, Any] = {"q": self.q, **{k: getattr(self, k) for k in FILTER_KEYS},
                                  "page": self.page}
        values.update(changes)
        clean = {k: ("1" if v is True else v) for k, v in values.items()
                 if v not in ("", None, False) and not (k == "page" and v == 1)}
        return urlencode(clean)


@dataclass(frozen=True)
class ResultRow:
    hit: Hit
    segments: list[tuple[str, bool]]
    badges: list[Any]
    service_object: str
    level: str


@dataclass(frozen=True)
class MaterialRow:
    material: Any
    type_label: str
    source_label: str


def _rows(result: Any) -> list[ResultRow]:
    objects = dict(c.ServiceObject.choices)
    levels = dict(c.ExerciseLevel.choices)
    return [ResultRow(hit=h, segments=result.highlight(h.doc.name),
                      badges=document_badges(h.doc),
                      service_object=str(objects.get(h.doc.service_object, "")),
                      level=str(levels.get(h.doc.level, "")))
            for h in result.hits]


def _filter_options(index: SearchIndex) -> dict[str, Any]:
    """Choices for the filter menus: only values that published items actually carry."""
    departments = index.departments()
    counts = {key: index.facet_values(key) for key in ("theme", "life_event")}
    themes = list(selectors.theme_list())
    natural, legal = c.PersonKind.NATURAL, c.PersonKind.LEGAL
    return {
        "departments": departments,
        "themes": [t for t in themes if t.kind == c.ThemeKind.THEME
                   and counts["theme"].get(t.code)],
        "life_events_natural": [t for t in themes if t.kind == c.ThemeKind.LIFE_EVENT
                                and t.person_kind == natural
                                and counts["life_event"].get(t.code)],
        "life_events_legal": [t for t in themes if t.kind == c.ThemeKind.LIFE_EVENT
                              and t.person_kind == legal and counts["life_event"].get(t.code)],
        "levels": c.ExerciseLevel.choices,
    }


@require_GET
def guide_index(request: HttpRequest) -> HttpResponse:
    """/guide/: search box, filters and results (the results alone for htmx requests)."""
    query = GuideQuery.from_request(request)
    result = catalogue_search(query.q, query.filters, limit=PAGE_SIZE,
                              offset=(query.page - 1) * PAGE_SIZE)
    pages = max(1, -(-result.total // PAGE_SIZE))
    context: dict[str, Any] = {
        "query": query, "result": result, "rows": _rows(result), "pages": pages,
        "start": (query.page - 1) * PAGE_SIZE + 1,
        "searched": bool(query.q) or query.has_filters,
        "prev_params": query.params(page=query.page - 1) if query.page > 1 else None,
        "next_params": query.params(page=query.page + 1) if query.page < pages else None,
        "dym_params": query.params(q=result.did_you_mean, page=1) if result.did_you_mean else "",
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted:
        return render(request, "catalog/guide_results.html", context)
    context.update(_filter_options(search_index()))
    return render(request, "catalog/guide.html", context)


def _version_context(version: Any) -> dict[str, Any]:
    item = version.item
    types = dict(c.MaterialType.choices)
    sources = dict(c.MaterialSource.choices)
    materials = [MaterialRow(m, str(types.get(m.material_type, "")),
                             str(sources.get(m.source, "")))
                 for m in sorted(version.materials.all(), key=lambda m: (m.order, m.id))]
    themes = list(item.themes.all())
    history = list(selectors.item_public_versions(item=item))
    return {
        "version": version,
        "item": item,
        "materials": materials,
        "required_count": sum(1 for m in materials if m.material.is_required),
        "badges": version_badges(version),
        "themes": themes,
        "history": history,
        "co_departments": list(version.co_departments.all()),
        # Published list entries belong to the item; an old version shows today's lists.
        "power": selectors.item_power_published(item=item),
        "duties": list(selectors.item_responsibilities_published(item=item)),
        "is_current": version.status == c.VersionStatus.PUBLISHED,
        # 在线申请 leads to the application flow, which applies under the version in force.
        "can_apply_online": version.status == c.VersionStatus.PUBLISHED and version.is_online,
        "appointments_bookable": appointments_bookable(),
        "current": item.current_version if version.status != c.VersionStatus.PUBLISHED
        else version,
        "labels": {
            "item_type": dict(c.ItemType.choices).get(version.item_type, version.item_type),
            "level": dict(c.ExerciseLevel.choices).get(version.exercise_level, ""),
            "service_object": dict(c.ServiceObject.choices).get(version.service_object, ""),
            "online_depth": dict(c.OnlineDepth.choices).get(version.online_depth, ""),
            "tongban": dict(c.TongbanScope.choices).get(version.tongban_scope, ""),
            "result_type": dict(c.ResultType.choices).get(version.result_type, ""),
            "legal_limit": time_limit_text(version.legal_limit_value, version.legal_limit_unit),
            "promised_limit": time_limit_text(version.promised_limit_value,
                                              version.promised_limit_unit),
        },
        "placeholders": set(version.placeholder_fields or []),
        "text": {f: version.display(f) for f in ("conditions", "place", "hours", "result_name",
                                                  "contact_phone", "complaint_channel")},
    }


def time_limit_text(value: int | None, unit: str) -> str:
    """法定/承诺时限 as citizens read it: 即办, 5 个工作日, or empty when unknown."""
    if value is None:
        return ""
    if value == 0:
        return "即办"
    return f"{value} {dict(c.TimeUnit.choices).get(unit, '')}".strip()


@require_GET
def guide_item(request: HttpRequest, public_id: str) -> HttpResponse:
    """/guide/item/<id>/: every element of the item's published version."""
    version = selectors.item_published_get(public_id=public_id)
    context = _version_context(version)
    context["panels"] = guide_panels(version=version, request=request)
    return render(request, "catalog/guide_item.html", context)


@require_GET
def guide_item_print(request: HttpRequest, public_id: str) -> HttpResponse:
    """/guide/item/<id>/print/: the same guide laid out for paper (everything expanded)."""
    version = selectors.item_published_get(public_id=public_id)
    return render(request, "catalog/guide_item_print.html",
                  {**_version_context(version), "printing": True})


@require_GET
def guide_version(request: HttpRequest, public_id: str) -> HttpResponse:
    """/guide/version/<id>/: a specific (possibly retired) version, as applications cite it."""
    version = selectors.item_version_get(public_id=public_id)
    return render(request, "catalog/guide_item.html", _version_context(version))


@require_GET
def guide_themes(request: HttpRequest) -> HttpResponse:
    """/guide/themes/: life events and themes for individuals and for legal persons."""
    index = search_index()
    counts = {key: index.facet_values(key) for key in ("theme", "life_event")}
    sections = []
    for person_kind in (c.PersonKind.NATURAL, c.PersonKind.LEGAL):
        themes = list(selectors.theme_list(person_kind=person_kind))
        entries = []
        for theme in themes:
            facet = "life_event" if theme.kind == c.ThemeKind.LIFE_EVENT else "theme"
            entries.append({"theme": theme, "facet": facet,
                            "count": counts[facet].get(theme.code, 0),
                            "params": urlencode({facet: theme.code})})
        sections.append({
            "person_kind": person_kind.value,
            "life_events": [e for e in entries if e["facet"] == "life_event"],
            "themes": [e for e in entries if e["facet"] == "theme"],
        })
    return render(request, "catalog/guide_themes.html", {"sections": sections})


@require_GET
def guide_lists(request: HttpRequest) -> HttpResponse:
    """/guide/lists/: departments that published their 权力清单 and 责任清单."""
    q = str(request.GET.get("q", "")).strip()[:60]
    power_type = str(request.GET.get("type", "")).strip()
    if power_type not in dict(c.ItemType.choices):
        power_type = ""
    rows = selectors.public_list_departments(q=q, power_type=power_type)
    return render(request, "catalog/guide_lists.html", {
        "rows": rows, "q": q, "power_type": power_type,
        "types": [(v, label) for v, label in c.ItemType.choices if v in c.POWER_ITEM_TYPES],
    })


@require_GET
def guide_lists_department(request: HttpRequest, code: str) -> HttpResponse:
    """/guide/lists/<code>/: one department's published lists; ?format=xlsx downloads them."""
    department = selectors.public_list_department_get(code=code)
    powers = list(selectors.power_list_published(department=department))
    duties = list(selectors.responsibility_list_published(department=department))
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            lists_xlsx(department=department, powers=powers, duties=duties),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        filename = quote(f"{department.name}-权力清单和责任清单.xlsx")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
        return response
    types = dict(c.ItemType.choices)
    levels = dict(c.ExerciseLevel.choices)
    return render(request, "catalog/guide_lists_department.html", {
        "department": department,
        "powers": [(p, types.get(p.power_type, p.power_type),
                    levels.get(getattr(p.item.current_version, "exercise_level", ""), ""))
                   for p in powers],
        "duties": duties,
        "publications": list(selectors.public_list_publications(department=department)[:10]),
    })


POWER_HEADER = ("权力编码", "权力名称", "权力类型", "实施依据", "实施编码")
DUTY_HEADER = ("事项", "责任事项", "追责情形", "追责主体", "追责依据")


def lists_xlsx(*, department: Any, powers: list[Any], duties: list[Any]) -> bytes:
    """A department's published lists as a workbook: sheet 权力清单 and sheet 责任清单."""
    from openpyxl import Workbook

    types = dict(c.ItemType.choices)
    book = Workbook()
    sheet = book.active
    sheet.title = "权力清单"
    sheet.append(POWER_HEADER)
    for p in powers:
        sheet.append([p.power_code, p.power_name, str(types.get(p.power_type, p.power_type)),
                      p.basis, p.item.implementation_code])
    duty_sheet = book.create_sheet("责任清单")
    duty_sheet.append(DUTY_HEADER)
    for d in duties:
        name = d.item.current_version.name if d.item.current_version else d.item.implementation_code
        duty_sheet.append([name, d.duty, d.accountability_cases, d.accountable_subject,
                           d.accountability_basis])
    book.properties.title = f"{department.name} 权力清单和责任清单"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
