"""Staff pages of the catalogue administration (事项管理), and material file downloads.

Pages parse the form, call one service or selector and render; every write goes through
``services``. Only catalogue managers (administrators, department reviewers for their own
departments) reach them: everyone else gets 404.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onewindow.accounts.selectors import department_get
from onewindow.accounts.views import staff_required
from onewindow.core.errors import DomainError, NotFound, ValidationFailed

from . import constants as c
from . import selectors, services, transfer
from .models import ServiceItem, ServiceItemVersion
from .rules import ELEMENT_DEFAULTS, PLACEHOLDER_ELIGIBLE, Change, snapshot_diff

LIST_FIELDS = ("legal_basis", "steps", "fees", "faq")
TEXT_FIELDS = ("name", "conditions", "place", "hours", "result_name", "result_licence_type_code",
               "contact_phone", "complaint_channel", "change_note")
VALUE_FIELDS = ("item_type", "exercise_level", "service_object", "legal_limit_value",
                "legal_limit_unit", "promised_limit_value", "promised_limit_unit", "visits",
                "online_depth", "tongban_scope", "result_type")
BOOL_FIELDS = ("is_free", "is_online", "appointment", "kiosk", "postal_delivery")
LIST_HINTS = {
    "legal_basis": "法律法规名称｜条款｜条文内容",
    "steps": "环节名称｜办理内容｜办理人员｜环节时限",
    "fees": "收费项目｜收费标准｜收费依据｜是否可减免",
    "faq": "问题｜解答",
}
CHOICES = {
    "item_type": c.ItemType.choices, "exercise_level": c.ExerciseLevel.choices,
    "service_object": c.ServiceObject.choices, "time_unit": c.TimeUnit.choices,
    "tongban_scope": c.TongbanScope.choices, "result_type": c.ResultType.choices,
    "online_depth": c.OnlineDepth.choices, "material_type": c.MaterialType.choices,
    "material_source": c.MaterialSource.choices, "status": c.VersionStatus.choices,
}


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff with a catalogue role; anyone else gets 404."""

    @staff_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not selectors.catalog_is_manager(actor=request.user):
            raise NotFound()
        return view(request, *args, **kwargs)

    return wrapper


# --- Form helpers -----------------------------------------------------------------------------
def _form_values(elements: dict[str, Any]) -> dict[str, Any]:
    """Element values as the edit form shows them (list elements as "a｜b" lines)."""
    values = dict(elements)
    for key in LIST_FIELDS:
        values[key] = transfer.list_to_lines(key, elements.get(key) or [])
    values["keywords"] = "、".join(elements.get("keywords") or [])
    return values


def _elements_from_post(post: QueryDict) -> tuple[dict[str, Any], dict[str, str]]:
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in TEXT_FIELDS + VALUE_FIELDS:
        if key in post:
            data[key] = post.get(key, "")
    for key in BOOL_FIELDS:
        data[key] = post.get(key) == "on"
    for key in LIST_FIELDS:
        if key in post:
            try:
                data[key] = transfer.lines_to_list(key, post.get(key, ""))
            except ValidationFailed as exc:
                errors[key] = exc.message
    if "keywords" in post:
        data["keywords"] = post.get("keywords", "")
    data["co_department_codes"] = post.getlist("co_department_codes")
    data["placeholder_fields"] = post.getlist("placeholder_fields")
    return data, errors


def _posted_values(post: QueryDict) -> dict[str, Any]:
    """What the user typed, to show the form again after an error."""
    values: dict[str, Any] = {k: post.get(k, "") for k in post}
    values.update({k: post.get(k) == "on" for k in BOOL_FIELDS})
    values["co_department_codes"] = post.getlist("co_department_codes")
    values["placeholder_fields"] = post.getlist("placeholder_fields")
    return values


def _form_context(request: HttpRequest, values: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "values": values, "choices": CHOICES, "hints": LIST_HINTS,
        "departments": selectors.manageable_departments(actor=request.user),
        "all_departments": _co_department_options(),
        "placeholder_options": sorted((f, c.ELEMENT_LABELS.get(f, "申请材料"))
                                      for f in PLACEHOLDER_ELIGIBLE),
        **extra,
    }


def _co_department_options() -> list[tuple[str, str]]:
    from onewindow.accounts.selectors import department_list

    return [(d.code, d.name) for d in department_list()]


# --- Items ------------------------------------------------------------------------------------
@manager_required
def admin_items(request: HttpRequest) -> HttpResponse:
    filters = selectors.ItemFilters(q=request.GET.get("q", ""),
                                    department_code=request.GET.get("department", ""),
                                    status=request.GET.get("status", ""))
    qs = selectors.item_list(actor=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "choices": CHOICES,
               "departments": selectors.manageable_departments(actor=request.user),
               "query": request.GET.urlencode()}
    template = ("catalog/admin_items_rows.html" if getattr(request, "htmx", False)
                else "catalog/admin_items.html")
    return render(request, template, context)


@manager_required
def admin_item_new(request: HttpRequest) -> HttpResponse:
    values = _form_values({**ELEMENT_DEFAULTS, "change_note": ""})
    if request.method == "POST":
        data, errors = _elements_from_post(request.POST)
        values = {**values, **_posted_values(request.POST)}
        try:
            if errors:
                raise ValidationFailed(code="item_invalid", fields=errors)
            department = department_get(code=request.POST.get("department_code", ""))
            item = services.item_create(
                actor=request.user, department=department,
                implementation_code=request.POST.get("implementation_code", ""),
                basic_code=request.POST.get("basic_code", ""), elements=data)
        except DomainError as error:
            return render(request, "catalog/admin_item_form.html",
                          _form_context(request, values, error=error, creating=True),
                          status=error.status)
        messages.success(request, "事项已创建（第1版草稿），请补充申请材料后发布。")
        return redirect("catalog:admin_item", public_id=item.public_id)
    return render(request, "catalog/admin_item_form.html",
                  _form_context(request, values, creating=True))


def _item_context(request: HttpRequest, item: ServiceItem) -> dict[str, Any]:
    draft = selectors.item_draft(item=item)
    published = item.current_version
    changes: list[Change] = []
    if draft is not None and published is not None:
        changes = snapshot_diff(selectors.version_snapshot(published),
                                selectors.version_snapshot(draft))
    return {"item": item, "draft": draft, "published": published,
            "latest": selectors.item_latest_version(item=item),
            "changes": [_display_change(ch) for ch in changes]}


@manager_required
def admin_item(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.item_get_for_staff(actor=request.user, public_id=public_id)
    return render(request, "catalog/admin_item.html", _item_context(request, item))


@manager_required
def admin_item_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.item_get_for_staff(actor=request.user, public_id=public_id)
    if request.method == "POST":
        data, errors = _elements_from_post(request.POST)
        try:
            if errors:
                raise ValidationFailed(code="item_invalid", fields=errors)
            services.draft_update(actor=request.user, item=item, elements=data)
        except DomainError as error:
            values = _posted_values(request.POST)
            return render(request, "catalog/admin_item_form.html",
                          _form_context(request, values, error=error, item=item),
                          status=error.status)
        messages.success(request, "草稿已保存。")
        return redirect("catalog:admin_item", public_id=item.public_id)
    version = selectors.item_draft(item=item) or selectors.item_latest_version(item=item)
    assert version is not None
    values = _form_values({**selectors.version_elements(version),
                           "change_note": version.change_note if version.is_draft else ""})
    return render(request, "catalog/admin_item_form.html",
                  _form_context(request, values, item=item, editing=version))


def _action(request: HttpRequest, public_id: str,
            run: Callable[[ServiceItem], Any], done: str) -> HttpResponse:
    item = selectors.item_get_for_staff(actor=request.user, public_id=public_id)
    try:
        run(item)
    except DomainError as error:
        context = _item_context(request, item)
        context["error"] = error
        return render(request, "catalog/admin_item.html", context, status=error.status)
    messages.success(request, done)
    return redirect("catalog:admin_item", public_id=item.public_id)


@manager_required
@require_POST
def admin_item_publish(request: HttpRequest, public_id: str) -> HttpResponse:
    return _action(request, public_id,
                   lambda item: services.item_publish(actor=request.user, item=item),
                   "已发布；原发布版本已自动停用。")


@manager_required
@require_POST
def admin_item_retire(request: HttpRequest, public_id: str) -> HttpResponse:
    return _action(request, public_id,
                   lambda item: services.item_retire(actor=request.user, item=item,
                                                     reason=request.POST.get("reason", "")),
                   "事项已停用。")


@manager_required
@require_POST
def admin_draft_discard(request: HttpRequest, public_id: str) -> HttpResponse:
    return _action(request, public_id,
                   lambda item: services.draft_discard(actor=request.user, item=item),
                   "草稿已删除。")


# --- Versions ---------------------------------------------------------------------------------
def _fmt(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in LIST_FIELDS:
        return transfer.list_to_lines(field, value)
    if field == "materials":
        return "\n".join(f"{m['name']}（{dict(c.MaterialType.choices).get(m['material_type'])}"
                         f"{'' if m['is_required'] else '，' + m['condition']}）" for m in value)
    labels = {"item_type": c.ItemType, "exercise_level": c.ExerciseLevel,
              "service_object": c.ServiceObject, "legal_limit_unit": c.TimeUnit,
              "promised_limit_unit": c.TimeUnit, "tongban_scope": c.TongbanScope,
              "result_type": c.ResultType, "online_depth": c.OnlineDepth}
    if field in labels:
        return str(dict(labels[field].choices).get(value, value))
    if field == "placeholder_fields":
        return "、".join(c.ELEMENT_LABELS.get(v, "申请材料") for v in value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def _display_change(change: Change) -> dict[str, str]:
    return {"field": change.field, "label": change.label,
            "old": _fmt(change.field, change.old), "new": _fmt(change.field, change.new)}


@manager_required
def admin_versions(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.item_get_for_staff(actor=request.user, public_id=public_id)
    versions = list(selectors.item_versions(item=item))
    rows = []
    for index, version in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        changes = (snapshot_diff(selectors.version_snapshot(previous),
                                 selectors.version_snapshot(version)) if previous else [])
        rows.append({"version": version, "previous": previous,
                     "changes": [_display_change(ch) for ch in changes]})
    return render(request, "catalog/admin_versions.html", {"item": item, "rows": rows})


@manager_required
def admin_version(request: HttpRequest, public_id: str) -> HttpResponse:
    version = selectors.version_get_for_staff(actor=request.user, public_id=public_id)
    snapshot = selectors.version_snapshot(version)
    elements = [{"label": label, "value": _fmt(field, snapshot.get(field)),
                 "placeholder": field in (version.placeholder_fields or [])}
                for field, label in c.VERSION_ELEMENTS if field != "placeholder_fields"]
    return render(request, "catalog/admin_version.html",
                  {"version": version, "item": version.item, "elements": elements,
                   "materials": version.materials.all()})


# --- Materials --------------------------------------------------------------------------------
def _material_data(post: QueryDict) -> dict[str, Any]:
    data: dict[str, Any] = {k: post.get(k, "") for k in
                            ("name", "material_type", "condition", "copies", "source", "spec",
                             "licence_type_code") if k in post}
    data["is_required"] = post.get("is_required") == "on"
    return data


def _materials_page(request: HttpRequest, item: ServiceItem, *, status: int = 200,
                    **extra: Any) -> HttpResponse:
    draft = selectors.item_draft(item=item)
    shown: ServiceItemVersion | None = draft or item.current_version
    materials = list(shown.materials.order_by("order", "id")) if shown else []
    return render(request, "catalog/admin_materials.html",
                  {"item": item, "draft": draft, "version": shown, "materials": materials,
                   "choices": CHOICES, **extra}, status=status)


@manager_required
def admin_materials(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.item_get_for_staff(actor=request.user, public_id=public_id)
    if request.method == "POST":
        try:
            services.material_add(actor=request.user, item=item,
                                  data=_material_data(request.POST),
                                  blank_form=request.FILES.get("blank_form"),
                                  sample_file=request.FILES.get("sample_file"))
        except DomainError as error:
            return _materials_page(request, item, status=error.status, error=error,
                                   posted=request.POST)
        messages.success(request, "材料已添加到草稿。")
        return redirect("catalog:admin_materials", public_id=item.public_id)
    return _materials_page(request, item)


@manager_required
@require_POST
def admin_material_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    material = selectors.material_get_for_staff(actor=request.user, public_id=public_id)
    item = material.version.item
    try:
        if request.POST.get("delete") == "1":
            services.material_delete(actor=request.user, material=material)
            messages.success(request, "材料已删除。")
        else:
            data = _material_data(request.POST)
            if request.POST.get("order", "").strip():
                data["order"] = request.POST["order"]
            services.material_update(
                actor=request.user, material=material, data=data,
                blank_form=request.FILES.get("blank_form"),
                sample_file=request.FILES.get("sample_file"),
                clear_files=request.POST.getlist("clear"))
            messages.success(request, "材料已保存。")
    except DomainError as error:
        return _materials_page(request, item, status=error.status, error=error)
    return redirect("catalog:admin_materials", public_id=item.public_id)


def material_file(request: HttpRequest, public_id: str, kind: str) -> FileResponse:
    """Download a material's blank form or sample: public for published/retired versions,
    managers only for drafts."""
    if kind not in ("blank_form", "sample_file"):
        raise NotFound()
    try:
        material = selectors.material_public_get(public_id=public_id)
    except NotFound:
        material = selectors.material_get_for_staff(actor=request.user, public_id=public_id)
    file = getattr(material, kind)
    if not file:
        raise NotFound("该材料没有可下载的文件", code="file_not_found")
    name = file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name,
                            content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Import / export --------------------------------------------------------------------------
@manager_required
def admin_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"departments": selectors.manageable_departments(actor=request.user)}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed("请选择要导入的文件", code="import_file_required",
                                       fields={"file": "请选择文件"})
            if upload.size and upload.size > transfer.MAX_UPLOAD_BYTES:
                raise ValidationFailed("文件过大（上限 20 MB）", code="import_too_large")
            result = transfer.catalog_import_file(
                actor=request.user, content=upload.read(), filename=upload.name or "",
                publish=request.POST.get("publish") == "on")
            context["result"] = result
        except DomainError as error:
            context["error"] = error
            status = error.status
    return render(request, "catalog/admin_import.html", context, status=status)


@manager_required
def admin_export(request: HttpRequest) -> HttpResponse:
    body, content_type, filename = transfer.export_file(
        actor=request.user, fmt=request.GET.get("format", "xlsx"),
        department=request.GET.get("department", ""))
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Power and responsibility lists -----------------------------------------------------------
@manager_required
def admin_lists(request: HttpRequest) -> HttpResponse:
    status = 200
    context: dict[str, Any] = {}
    if request.method == "POST":
        try:
            department = selectors.manageable_department_get(
                actor=request.user, code=request.POST.get("department", ""))
            publication = services.list_publish(actor=request.user, department=department,
                                                kind=request.POST.get("kind", ""))
            messages.success(request, f"{department.name}的{publication.get_kind_display()}已公布"
                                      f"（{publication.entry_count}条）。")
            return redirect("catalog:admin_lists")
        except DomainError as error:
            context["error"] = error
            status = error.status
    context["rows"] = selectors.department_list_status(actor=request.user)
    return render(request, "catalog/admin_lists.html", context, status=status)


@manager_required
def admin_item_lists(request: HttpRequest, public_id: str) -> HttpResponse:
    item = selectors.item_get_for_staff(actor=request.user, public_id=public_id)
    status = 200
    error: DomainError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("list") == "power":
                services.power_entry_save(actor=request.user, item=item,
                                          power_name=request.POST.get("power_name", ""),
                                          power_code=request.POST.get("power_code", ""),
                                          basis=request.POST.get("basis", ""))
            else:
                services.responsibility_entry_save(
                    actor=request.user, item=item, duty=request.POST.get("duty", ""),
                    accountability_cases=request.POST.get("accountability_cases", ""),
                    accountable_subject=request.POST.get("accountable_subject", ""),
                    accountability_basis=request.POST.get("accountability_basis", ""),
                    order=item.responsibility_entries.count() + 1)
            messages.success(request, "清单条目已保存；公布部门清单后对外可见。")
            return redirect("catalog:admin_item_lists", public_id=item.public_id)
        except DomainError as exc:
            error, status = exc, exc.status
    return render(request, "catalog/admin_item_lists.html", {
        "item": item, "power": selectors.item_power(item=item),
        "duties": item.responsibility_entries.order_by("order", "id"), "error": error,
    }, status=status)

