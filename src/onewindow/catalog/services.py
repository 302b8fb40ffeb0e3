"""Writes of the catalogue: items, drafts, publishing, materials, themes, lists and imports.

Lifecycle of a version: ``draft → published → retired``. Editing a published item never
changes it: the first edit copies it (with its materials) into a new draft, and publishing
the draft retires the previous published version in the same transaction. Each function
owns its transaction, checks permissions (see ``selectors.catalog_can_manage``), writes an
audit entry, and bumps the catalogue revision whenever what the public sees changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.core.audit import audit_record
from onewindow.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import constants as c
from .models import (
    CatalogRevision,
    ListPublication,
    Material,
    PowerEntry,
    ResponsibilityEntry,
    ServiceItem,
    ServiceItemVersion,
    Theme,
)
from .rules import (
    ELEMENT_DEFAULTS,
    MATERIAL_DEFAULTS,
    elements_clean,
    elements_publish_check,
    errors_message,
    material_clean,
    snapshot_diff,
)
from .selectors import (
    catalog_can_manage,
    catalog_is_administrator,
    item_cache_clear,
    version_elements,
    version_snapshot,
)

CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_.]{2,119}$")


# --- Helpers ----------------------------------------------------------------------------------
def catalog_revision_bump(*, now: datetime | None = None) -> None:
    """Advance the revision the search index and the item cache compare against. Call inside a
    transaction; this process forgets its cached items when it commits."""
    transaction.on_commit(item_cache_clear)
    updated = CatalogRevision.objects.filter(id=1).update(value=F("value") + 1,
                                                          changed_at=now or timezone.now())
    if not updated:
        try:
            with transaction.atomic():
                CatalogRevision.objects.create(id=1, value=1, changed_at=now or timezone.now())
        except IntegrityError:
            CatalogRevision.objects.filter(id=1).update(value=F("value") + 1)


def _require_manage(actor: Any, department: Department, *, existing: bool = True) -> None:
    if actor is None:  # loaders and management commands run as the system
        return
    if not catalog_can_manage(actor=actor, department=department):
        if existing:
            raise NotFound("找不到该事项，或您无权管理", code="item_not_found")
        raise PermissionDenied("您无权管理该部门的事项", code="catalog_permission_denied")


def _require_admin(actor: Any) -> None:
    if actor is not None and not catalog_is_administrator(actor=actor):
        raise PermissionDenied("只有目录管理员可以执行此操作", code="catalog_admin_required")


def _invalid(errors: Mapping[str, str], *, code: str = "item_invalid") -> ValidationFailed:
    return ValidationFailed(f"事项要素有误：{errors_message(errors)}", code=code,
                            fields=dict(errors))


def _departments_by_code(codes: Sequence[str]) -> list[Department]:
    if not codes:
        return []
    found = {d.code: d for d in Department.objects.filter(code__in=list(codes))}
    missing = [code for code in codes if code not in found]
    if missing:
        msg = f"部门不存在：{'、'.join(missing)}"
        raise ValidationFailed(msg, code="department_not_found",
                               fields={"co_department_codes": msg})
    return [found[code] for code in codes]


def _write_elements(version: ServiceItemVersion, elements: Mapping[str, Any],
                    *, co_departments: list[Department] | None = None) -> None:
    for name in ELEMENT_DEFAULTS:
        if name != "co_department_codes":
            setattr(version, name, elements[name])
    version.change_note = elements.get("change_note", version.change_note) or ""
    version.is_placeholder = bool(elements.get("placeholder_fields"))
    version.save()
    if co_departments is not None:
        version.co_departments.set(co_departments)


def _lock_item(item: ServiceItem) -> ServiceItem:
    return ServiceItem.objects.select_for_update().select_related("department").get(pk=item.pk)


def _draft_of(item: ServiceItem) -> ServiceItemVersion | None:
    return ServiceItemVersion.objects.filter(item=item, status=c.VersionStatus.DRAFT).first()


def _copy_version(source: ServiceItemVersion, *, actor: Any) -> ServiceItemVersion:
    """A new draft with the elements, co-handling departments and materials of ``source``."""
    last = (ServiceItemVersion.objects.filter(item_id=source.item_id)
            .order_by("-number").values_list("number", flat=True).first()) or 0
    draft = ServiceItemVersion(item_id=source.item_id, number=last + 1,
                               status=c.VersionStatus.DRAFT,
                               created_by=actor if getattr(actor, "pk", None) else None)
    for name in ELEMENT_DEFAULTS:
        if name != "co_department_codes":
            setattr(draft, name, getattr(source, name))
    draft.is_placeholder = source.is_placeholder
    draft.save()
    draft.co_departments.set(source.co_departments.all())
    Material.objects.bulk_create([
        Material(version=draft, order=m.order, name=m.name, material_type=m.material_type,
                 is_required=m.is_required, condition=m.condition, copies=m.copies,
                 source=m.source, spec=m.spec, blank_form=m.blank_form.name,
                 sample_file=m.sample_file.name, licence_type_code=m.licence_type_code,
                 trust_levels=m.trust_levels)
        for m in source.materials.order_by("order", "id")
    ])
    return draft


def _ensure_draft(item: ServiceItem, *, actor: Any) -> tuple[ServiceItemVersion, bool]:
    draft = _draft_of(item)
    if draft is not None:
        return draft, False
    source = (ServiceItemVersion.objects.filter(item=item)
              .order_by("-number").first())
    if source is None:  # an item always has a version; defensive
        raise Conflict("该事项没有任何版本", code="item_without_version")
    draft = _copy_version(source, actor=actor)
    audit_record(actor=actor, action=c.AUDIT_DRAFT_CREATE, obj=draft,
                 summary={"item": item.implementation_code, "number": draft.number,
                          "from_number": source.number})
    return draft, True


def _check_code(implementation_code: str) -> str:
    code = (implementation_code or "").strip()
    if not CODE_RE.match(code):
        msg = "实施编码应为3至120位字母、数字或连字符"
        raise ValidationFailed(msg, code="implementation_code_invalid",
                               fields={"implementation_code": msg})
    return code


def basic_code_from(implementation_code: str, *, area_code: str = "") -> str:
    """基本编码: the part of an implementation code before the area code (or first dash)."""
    if area_code and f"-{area_code}" in implementation_code:
        return implementation_code.split(f"-{area_code}")[0]
    return implementation_code.split("-")[0]


# --- Items and drafts -------------------------------------------------------------------------
def item_create(
    *, actor: Any, department: Department, implementation_code: str, basic_code: str = "",
    elements: Mapping[str, Any], materials: Sequence[Mapping[str, Any]] = (),
    source: str = c.ItemSource.MANUAL,
) -> ServiceItem:
    """Create an item with its first version as a draft (publish it with ``item_publish``)."""
    _require_manage(actor, department, existing=False)
    code = _check_code(implementation_code)
    cleaned, errors = elements_clean(elements)
    material_rows = []
    for n, m in enumerate(materials, start=1):
        row, m_errors = material_clean(m)
        errors.update({f"materials[{n}].{k}": v for k, v in m_errors.items()})
        material_rows.append(row)
    if errors:
        raise _invalid(errors)
    co_departments = _departments_by_code(cleaned["co_department_codes"])
    with transaction.atomic():
        if ServiceItem.objects.filter(implementation_code=code).exists():
            raise Conflict("该实施编码已存在", code="implementation_code_taken",
                           fields={"implementation_code": "该实施编码已存在"})
        item = ServiceItem.objects.create(
            implementation_code=code, department=department, source=source,
            basic_code=(basic_code or "").strip()[:60] or basic_code_from(code),
        )
        version = ServiceItemVersion(item=item, number=1, status=c.VersionStatus.DRAFT,
                                     created_by=actor if getattr(actor, "pk", None) else None)
        _write_elements(version, cleaned, co_departments=co_departments)
        Material.objects.bulk_create([Material(version=version, order=i, **row)
                                      for i, row in enumerate(material_rows, start=1)])
        audit_record(actor=actor, action=c.AUDIT_ITEM_CREATE, obj=item,
                     summary={"implementation_code": code, "name": cleaned["name"],
                              "department": department.code, "version": version.public_id.hex})
    return item


def draft_ensure(*, actor: Any, item: ServiceItem) -> ServiceItemVersion:
    """The item's draft, created from its latest version (with materials) if there is none."""
    _require_manage(actor, item.department)
    with transaction.atomic():
        item = _lock_item(item)
        draft, _ = _ensure_draft(item, actor=actor)
    return draft


def draft_update(
    *, actor: Any, item: ServiceItem, elements: Mapping[str, Any],
) -> ServiceItemVersion:
    """Change elements of the item's draft (creating the draft from the published version)."""
    _require_manage(actor, item.department)
    with transaction.atomic():
        item = _lock_item(item)
        draft, _ = _ensure_draft(item, actor=actor)
        before = version_elements(draft)
        cleaned, errors = elements_clean(elements, base={**before,
                                                         "change_note": draft.change_note})
        if errors:
            raise _invalid(errors)
        co_departments = (_departments_by_code(cleaned["co_department_codes"])
                          if "co_department_codes" in elements else None)
        _write_elements(draft, cleaned, co_departments=co_departments)
        changed = [ch.field for ch in snapshot_diff(before, version_elements(draft))]
        audit_record(actor=actor, action=c.AUDIT_DRAFT_UPDATE, obj=draft,
                     summary={"item": item.implementation_code, "number": draft.number,
                              "fields": changed})
    return draft


def draft_discard(*, actor: Any, item: ServiceItem) -> None:
    """Throw the draft away. An item that was never published keeps its only draft."""
    _require_manage(actor, item.department)
    with transaction.atomic():
        item = _lock_item(item)
        draft = _draft_of(item)
        if draft is None:
            raise Conflict("该事项没有草稿", code="no_draft")
        if not ServiceItemVersion.objects.filter(item=item).exclude(pk=draft.pk).exists():
            raise Conflict("该事项尚未发布过，不能删除唯一的草稿", code="only_version")
        number = draft.number
        draft.delete()
        audit_record(actor=actor, action=c.AUDIT_DRAFT_DISCARD, obj=item,
                     summary={"number": number})


def item_publish(*, actor: Any, item: ServiceItem, now: datetime | None = None
                 ) -> ServiceItemVersion:
    """Publish the item's draft; the previously published version is retired atomically."""
    _require_manage(actor, item.department)
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock_item(item)
        draft = _draft_of(item)
        if draft is None:
            raise Conflict("没有可发布的草稿：请先修改事项生成草稿", code="no_draft")
        errors = elements_publish_check(version_elements(draft),
                                        material_count=draft.materials.count())
        if errors:
            raise ValidationFailed(f"尚不能发布：{errors_message(errors)}",
                                   code="item_incomplete", fields=errors)
        previous = (ServiceItemVersion.objects
                    .filter(item=item, status=c.VersionStatus.PUBLISHED).first())
        if previous is not None:
            previous.status = c.VersionStatus.RETIRED
            previous.retired_at = now
            previous.save(update_fields=["status", "retired_at", "updated_at"])
        draft.status = c.VersionStatus.PUBLISHED
        draft.published_at = now
        draft.published_by = actor if getattr(actor, "pk", None) else None
        draft.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        item.current_version = draft
        item.save(update_fields=["current_version", "updated_at"])
        catalog_revision_bump(now=now)
        audit_record(actor=actor, action=c.AUDIT_PUBLISH, obj=draft,
                     summary={"item": item.implementation_code, "number": draft.number,
                              "retired_number": previous.number if previous else None})
    return draft


def item_retire(*, actor: Any, item: ServiceItem, reason: str = "",
                now: datetime | None = None) -> ServiceItemVersion:
    """Stop offering an item: its published version is retired (it stays readable)."""
    _require_manage(actor, item.department)
    now = now or timezone.now()
    with transaction.atomic():
        item = _lock_item(item)
        published = (ServiceItemVersion.objects
                     .filter(item=item, status=c.VersionStatus.PUBLISHED).first())
        if published is None:
            raise Conflict("该事项没有已发布的版本，无需停用", code="not_published")
        published.status = c.VersionStatus.RETIRED
        published.retired_at = now
        published.save(update_fields=["status", "retired_at", "updated_at"])
        item.current_version = None
        item.save(update_fields=["current_version", "updated_at"])
        catalog_revision_bump(now=now)
        audit_record(actor=actor, action=c.AUDIT_RETIRE, obj=published,
                     summary={"item": item.implementation_code, "number": published.number,
                              "reason": (reason or "").strip()[:200]})
    return published


# --- Materials --------------------------------------------------------------------------------
def _require_draft_material(material: Material) -> None:
    if material.version.status != c.VersionStatus.DRAFT:
        raise Conflict("已发布或已停用版本的材料不能修改：请在草稿中修改", code="version_not_draft")


def material_add(
    *, actor: Any, item: ServiceItem, data: Mapping[str, Any],
    blank_form: File | None = None, sample_file: File | None = None,
) -> Material:
    """Add a material to the item's draft (creating the draft if needed)."""
    _require_manage(actor, item.department)
    row, errors = material_clean(data)
    if errors:
        raise ValidationFailed(f"材料信息有误：{errors_message(errors)}", code="material_invalid",
                               fields=errors)
    with transaction.atomic():
        item = _lock_item(item)
        draft, _ = _ensure_draft(item, actor=actor)
        order = (draft.materials.order_by("-order").values_list("order", flat=True).first()
                 or 0) + 1
        material = Material(version=draft, order=order, **row)
        if blank_form is not None:
            material.blank_form.save(blank_form.name or "form", blank_form, save=False)
        if sample_file is not None:
            material.sample_file.save(sample_file.name or "sample", sample_file, save=False)
        material.save()
        audit_record(actor=actor, action=c.AUDIT_MATERIAL_ADD, obj=material,
                     summary={"item": item.implementation_code, "number": draft.number,
                              "name": material.name})
    return material


def material_update(
    *, actor: Any, material: Material, data: Mapping[str, Any],
    blank_form: File | None = None, sample_file: File | None = None,
    clear_files: Iterable[str] = (),
) -> Material:
    item = material.version.item
    _require_manage(actor, item.department)
    _require_draft_material(material)
    base = {k: getattr(material, k) for k in MATERIAL_DEFAULTS}
    order = data.get("order")
    row, errors = material_clean({k: v for k, v in data.items() if k != "order"}, base=base)
    if errors:
        raise ValidationFailed(f"材料信息有误：{errors_message(errors)}", code="material_invalid",
                               fields=errors)
    with transaction.atomic():
        for k, v in row.items():
            setattr(material, k, v)
        if order is not None:
            try:
                material.order = max(0, int(order))
            except (TypeError, ValueError):
                raise ValidationFailed("序号应为整数", code="material_invalid",
                                       fields={"order": "应为整数"}) from None
        for name in clear_files:
            if name in ("blank_form", "sample_file"):
                setattr(material, name, "")
        if blank_form is not None:
            material.blank_form.save(blank_form.name or "form", blank_form, save=False)
        if sample_file is not None:
            material.sample_file.save(sample_file.name or "sample", sample_file, save=False)
        material.save()
        changed = [k for k in base if base[k] != getattr(material, k)]
        audit_record(actor=actor, action=c.AUDIT_MATERIAL_UPDATE, obj=material,
                     summary={"item": item.implementation_code, "fields": changed,
                              "files": [n for n, f in (("blank_form", blank_form),
                                                       ("sample_file", sample_file)) if f]})
    return material


def material_delete(*, actor: Any, material: Material) -> None:
    item = material.version.item
    _require_manage(actor, item.department)
    _require_draft_material(material)
    with transaction.atomic():
        audit_record(actor=actor, action=c.AUDIT_MATERIAL_DELETE, obj=material,
                     summary={"item": item.implementation_code, "name": material.name})
        material.delete()


# --- Themes and lists -------------------------------------------------------------------------
def theme_save(
    *, actor: Any, code: str, name: str, person_kind: str, kind: str = c.ThemeKind.LIFE_EVENT,
    description: str = "", order: int = 0, item_codes: Sequence[str] | None = None,
) -> Theme:
    """Create or update a theme/life event and (optionally) set its items by implementation
    code. Administrators only."""
    _require_admin(actor)
    errors: dict[str, str] = {}
    code = (code or "").strip()
    if not re.match(r"^[a-z0-9][a-z0-9\-]{1,59}$", code):
        errors["code"] = "编码应为小写字母、数字或连字符"
    if not (name or "").strip():
        errors["name"] = "不能为空"
    elif len(name.strip()) > 60:
        errors["name"] = "不能超过60个字"
    if len((description or "").strip()) > 300:
        errors["description"] = "不能超过300个字"
    if not isinstance(order, int) or not 0 <= order <= 32767:
        errors["order"] = "应为0至32767之间的整数"
    if person_kind not in c.PersonKind.values:
        errors["person_kind"] = "应为个人或法人"
    if kind not in c.ThemeKind.values:
        errors["kind"] = "应为人生事或主题服务"
    items: list[ServiceItem] = []
    if item_codes is not None:
        found = {i.implementation_code: i
                 for i in ServiceItem.objects.filter(implementation_code__in=list(item_codes))}
        missing = [x for x in item_codes if x not in found]
        if missing:
            errors["item_codes"] = f"事项不存在：{'、'.join(missing[:5])}"
        items = [found[x] for x in item_codes if x in found]
    if errors:
        raise ValidationFailed(f"主题信息有误：{errors_message(errors)}", code="theme_invalid",
                               fields=errors)
    with transaction.atomic():
        theme, created = Theme.objects.update_or_create(
            code=code, defaults={"name": name.strip(), "person_kind": person_kind, "kind": kind,
                                 "description": description.strip(), "order": order})
        if item_codes is not None:
            theme.items.set(items)
        catalog_revision_bump()
        audit_record(actor=actor, action=c.AUDIT_THEME_SAVE, obj=theme,
                     summary={"code": code, "created": created,
                              "items": len(items) if item_codes is not None else None})
    return theme


def power_entry_save(
    *, actor: Any, item: ServiceItem, power_name: str = "", power_code: str = "",
    basis: str = "",
) -> PowerEntry:
    """Create or update the item's power-list entry (its publication is per department)."""
    _require_manage(actor, item.department)
    version = (ServiceItemVersion.objects.filter(item=item, status=c.VersionStatus.PUBLISHED)
               .first() or _draft_of(item))
    if version is None or version.item_type not in c.POWER_ITEM_TYPES:
        raise Conflict("公共服务事项不列入权力清单", code="not_a_power")
    with transaction.atomic():
        entry, _ = PowerEntry.objects.update_or_create(
            item=item, defaults={
                "power_name": (power_name or version.name).strip()[:200],
                "power_code": (power_code or item.basic_code).strip()[:60],
                "power_type": version.item_type,
                "basis": (basis or "；".join(
                    f"《{b['law']}》{b.get('article', '')}" for b in version.legal_basis)).strip(),
                "published_at": None,
            })
        audit_record(actor=actor, action=c.AUDIT_LIST_SAVE, obj=entry,
                     summary={"list": "power", "item": item.implementation_code})
    return entry


def responsibility_entry_save(
    *, actor: Any, item: ServiceItem, duty: str, accountability_cases: str = "",
    accountable_subject: str = "", accountability_basis: str = "", order: int = 0,
    entry: ResponsibilityEntry | None = None,
) -> ResponsibilityEntry:
    _require_manage(actor, item.department)
    if not (duty or "").strip():
        raise ValidationFailed("请填写责任事项", code="responsibility_invalid",
                               fields={"duty": "不能为空"})
    with transaction.atomic():
        entry = entry or ResponsibilityEntry(item=item)
        entry.duty = duty.strip()
        entry.accountability_cases = accountability_cases.strip()
        entry.accountable_subject = accountable_subject.strip()[:200]
        entry.accountability_basis = accountability_basis.strip()
        entry.order = order
        entry.published_at = None
        entry.save()
        audit_record(actor=actor, action=c.AUDIT_LIST_SAVE, obj=entry,
                     summary={"list": "responsibility", "item": item.implementation_code})
    return entry


def list_publish(*, actor: Any, department: Department, kind: str,
                 now: datetime | None = None) -> ListPublication:
    """Publish a department's power or responsibility list: every entry of its items with a
    published version becomes public."""
    _require_manage(actor, department, existing=False)
    now = now or timezone.now()
    model: type[PowerEntry] | type[ResponsibilityEntry]
    if kind == c.ListKind.POWER:
        model = PowerEntry
    elif kind == c.ListKind.RESPONSIBILITY:
        model = ResponsibilityEntry
    else:
        raise ValidationFailed("清单类型应为权力清单或责任清单", code="list_kind_invalid",
                               fields={"kind": "未知清单类型"})
    with transaction.atomic():
        live = model.objects.filter(item__department=department,
                                    item__current_version__isnull=False)
        live.update(published_at=now)
        model.objects.filter(item__department=department,
                             item__current_version__isnull=True).update(published_at=None)
        publication = ListPublication.objects.create(
            department=department, kind=kind, published_at=now,
            published_by=actor if getattr(actor, "pk", None) else None,
            entry_count=live.count())
        catalog_revision_bump(now=now)
        audit_record(actor=actor, action=c.AUDIT_LIST_PUBLISH, obj=publication,
                     summary={"department": department.code, "kind": kind,
                              "entries": publication.entry_count})
    return publication


# --- Bulk import ------------------------------------------------------------------------------
@dataclass
class ImportRow:
    """One item of an import, already cleaned (see ``transfer.rows_parse``)."""

    line: int
    implementation_code: str
    basic_code: str
    department: Department
    elements: dict[str, Any]
    materials: list[dict[str, Any]]
    theme_codes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    created: int = 0
    versioned: int = 0
    drafted: int = 0
    unchanged: int = 0
    item_codes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.versioned + self.drafted

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "versioned": self.versioned, "drafted": self.drafted,
                "unchanged": self.unchanged}


def _row_snapshot(row: ImportRow) -> dict[str, Any]:
    data = {k: row.elements[k] for k in ELEMENT_DEFAULTS}
    data["co_department_codes"] = sorted(data["co_department_codes"])
    data["materials"] = [{k: m[k] for k in MATERIAL_DEFAULTS} for m in row.materials]
    return data


def _replace_materials(version: ServiceItemVersion, rows: list[dict[str, Any]],
                       *, fresh: bool = False) -> None:
    """Replace a draft's materials, keeping uploaded files of materials with the same name."""
    files: dict[str, tuple[str, str]] = {}
    if not fresh:
        files = {m.name: (m.blank_form.name or "", m.sample_file.name or "")
                 for m in version.materials.all()}
        version.materials.all().delete()
    if not rows:
        return
    Material.objects.bulk_create([
        Material(version=version, order=i, blank_form=files.get(r["name"], ("", ""))[0],
                 sample_file=files.get(r["name"], ("", ""))[1],
                 **{k: r[k] for k in MATERIAL_DEFAULTS})
        for i, r in enumerate(rows, start=1)
    ])


def catalog_import(
    *, actor: Any, rows: Sequence[ImportRow], publish: bool = True,
    source: str = c.ItemSource.IMPORT, label: str = "", now: datetime | None = None,
) -> ImportResult:
    """Apply cleaned rows all or nothing. Items are matched on implementation code: new codes
    create items; unchanged rows do nothing; changed rows make a new published version
    (``publish=True``) or update the item's draft (``publish=False``)."""
    now = now or timezone.now()
    if actor is not None:
        for row in rows:
            _require_manage(actor, row.department, existing=False)
    result = ImportResult()
    theme_links: dict[str, list[int]] = {}
    with transaction.atomic():
        existing = {i.implementation_code: i for i in ServiceItem.objects.filter(
            implementation_code__in=[r.implementation_code for r in rows]
        ).select_related("department", "current_version")}
        co_codes = {code for r in rows for code in r.elements["co_department_codes"]}
        departments = {d.code: d for d in Department.objects.filter(code__in=co_codes)}
        for row in rows:
            co = [departments[code] for code in row.elements["co_department_codes"]]
            item = existing.get(row.implementation_code)
            if item is None:
                item = ServiceItem.objects.create(
                    implementation_code=row.implementation_code, basic_code=row.basic_code,
                    department=row.department, source=source)
                version = ServiceItemVersion(item=item, number=1, status=c.VersionStatus.DRAFT,
                                             created_by=actor if getattr(actor, "pk", None)
                                             else None)
                _write_elements(version, row.elements, co_departments=co or None)
                _replace_materials(version, row.materials, fresh=True)
                if publish:
                    _publish_in_import(item, version, actor=actor, now=now,
                                       material_count=len(row.materials))
                result.created += 1
                audit_record(actor=actor, action=c.AUDIT_IMPORT, obj=item,
                             summary={"op": "create", "number": version.number,
                                      "published": publish, "name": row.elements["name"]})
            else:
                if item.department_id != row.department.id:
                    raise ValidationFailed(
                        f"第{row.line}行 '实施编码'：该编码已属于{item.department.name}",
                        code="import_invalid",
                        detail=[{"row": row.line, "column": "实施编码",
                                 "message": f"该编码已属于{item.department.name}"}])
                draft = _draft_of(item)
                target = draft if (draft is not None and not publish) else item.current_version
                if target is None:
                    target = draft or (ServiceItemVersion.objects.filter(item=item)
                                       .order_by("-number").first())
                wanted = _row_snapshot(row)
                if target is not None and version_snapshot(target) == wanted and (
                        not publish or target.status == c.VersionStatus.PUBLISHED):
                    result.unchanged += 1
                else:
                    version, _ = _ensure_draft(item, actor=actor)
                    _write_elements(version, row.elements, co_departments=co)
                    _replace_materials(version, row.materials)
                    if publish:
                        _publish_in_import(item, version, actor=actor, now=now,
                                           material_count=len(row.materials))
                        result.versioned += 1
                    else:
                        result.drafted += 1
                    audit_record(actor=actor, action=c.AUDIT_IMPORT, obj=item,
                                 summary={"op": "publish" if publish else "draft",
                                          "number": version.number})
                if row.basic_code and row.basic_code != item.basic_code:
                    item.basic_code = row.basic_code
                    item.save(update_fields=["basic_code", "updated_at"])
            result.item_codes.append(item.implementation_code)
            for code in row.theme_codes:
                theme_links.setdefault(code, []).append(item.id)
        themes_changed = False
        if theme_links:
            themes = {t.code: t for t in Theme.objects.filter(code__in=list(theme_links))}
            for code, ids in theme_links.items():
                if code in themes:
                    linked = set(themes[code].items.values_list("id", flat=True))
                    new_ids = [i for i in ids if i not in linked]
                    if new_ids:
                        themes[code].items.add(*new_ids)
                        themes_changed = True
        if result.changed or themes_changed:
            catalog_revision_bump(now=now)
        # A person's import is always recorded; a system re-run that changed nothing is not.
        if result.changed or themes_changed or getattr(actor, "pk", None):
            audit_record(actor=actor, action=c.AUDIT_IMPORT, object_type="catalog.import",
                         object_id=label[:64], summary={"source": source, **result.as_dict()})
    return result


def _publish_in_import(item: ServiceItem, version: ServiceItemVersion, *, actor: Any,
                       now: datetime, material_count: int) -> None:
    errors = elements_publish_check(version_elements(version), material_count=material_count)
    if errors:
        raise ValidationFailed(
            f"实施编码 {item.implementation_code} 尚不能发布：{errors_message(errors)}",
            code="item_incomplete", fields=errors)
    ServiceItemVersion.objects.filter(item=item, status=c.VersionStatus.PUBLISHED).update(
        status=c.VersionStatus.RETIRED, retired_at=now, updated_at=now)
    version.status = c.VersionStatus.PUBLISHED
    version.published_at = now
    version.published_by = actor if getattr(actor, "pk", None) else None
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    item.current_version = version
    item.save(update_fields=["current_version", "updated_at"])
