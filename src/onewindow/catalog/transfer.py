"""Import and export of the catalogue as Excel (.xlsx) and JSON.

Both formats carry the same records: one per item (its published version) with its
materials and theme codes. In Excel, sheet "事项" holds one row per item and sheet "材料" one
row per material; list elements (设定依据, 办理流程, 收费标准, 常见问题) are written one entry per
line with fields separated by "｜" (a cell may also hold the JSON list). Uploaded form files
are not part of an export.

``catalog_import_file`` parses, validates every row (reporting each bad row and column in
Chinese: "第5行 '承诺时限'：应为不小于0的整数") and only then applies the rows through
``services.catalog_import`` in one transaction: all or nothing, idempotent.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from onewindow.accounts.models import Department
from onewindow.core.errors import ValidationFailed

from .constants import (
    ELEMENT_LABELS,
    ExerciseLevel,
    ItemSource,
    ItemType,
    MaterialSource,
    MaterialType,
    ResultType,
    ServiceObject,
    TimeUnit,
    TongbanScope,
    VersionStatus,
)
from .models import ServiceItemVersion, Theme
from .rules import (
    ELEMENT_DEFAULTS,
    MATERIAL_DEFAULTS,
    MATERIAL_LABELS,
    elements_clean,
    elements_publish_check,
    material_clean,
)
from .selectors import version_snapshot
from .services import CODE_RE, ImportResult, ImportRow, basic_code_from, catalog_import

FORMAT_NAME = "onewindow.catalog"
FORMAT_VERSION = 1
MAX_ROWS = 20_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
SEP = "｜"

ITEM_SHEET = "事项"
MATERIAL_SHEET = "材料"
NOTE_SHEET = "说明"

#: Columns of sheet "事项": (record key, header).
ITEM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("implementation_code", "实施编码"),
    ("basic_code", "基本编码"),
    ("department_code", "实施部门编码"),
    *((k, ELEMENT_LABELS[k]) for k in ELEMENT_DEFAULTS if k != "co_department_codes"),
    ("co_department_codes", "联办部门编码"),
    ("theme_codes", "主题编码"),
)
ITEM_HEADERS = {key: header for key, header in ITEM_COLUMNS}
ITEM_HEADERS["is_free"] = "是否收费"  # shown inverted: 是 = charges a fee
MATERIAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("implementation_code", "实施编码"),
    ("order", "序号"),
    *((k, MATERIAL_LABELS[k]) for k in MATERIAL_DEFAULTS),
)
LIST_KEYS = {
    "legal_basis": ("law", "article", "text"),
    "steps": ("name", "description", "handler_role", "time_limit"),
    "fees": ("name", "standard", "basis", "reducible"),
    "faq": ("q", "a"),
}
CHOICE_EXPORT: dict[str, Any] = {
    "item_type": ItemType, "exercise_level": ExerciseLevel, "service_object": ServiceObject,
    "legal_limit_unit": TimeUnit, "promised_limit_unit": TimeUnit,
    "tongban_scope": TongbanScope, "result_type": ResultType,
    "material_type": MaterialType, "source": MaterialSource,
}
NOTES = (
    "每个事项一行（“事项”表），每项材料一行（“材料”表，按实施编码对应事项）。",
    "实施编码唯一：再次导入同一文件不会产生重复；内容未变的事项不做任何修改。",
    "设定依据每行一条：法律法规名称｜条款｜条文内容。",
    "办理流程每行一步：环节名称｜办理内容｜办理人员｜环节时限。",
    "收费标准每行一项：收费项目｜收费标准｜收费依据｜是否可减免（是/否）。",
    "常见问题每行一条：问题｜解答。",
    "是/否列填写“是”或“否”；时限填写整数（0 表示即办），单位为“工作日”或“自然日”。",
    "关键词、联办部门编码、主题编码、待完善要素用顿号或分号分隔。",
    "整个文件任何一处有误都不会导入，并列出所有出错的行和列。",
)


@dataclass(frozen=True)
class RowProblem:
    where: str  # "第5行" / "材料表第7行" / "第3条"
    column: str
    message: str

    def text(self) -> str:
        return f"{self.where} '{self.column}'：{self.message}" if self.column else \
            f"{self.where}：{self.message}"


# --- Export -----------------------------------------------------------------------------------
def _export_versions(*, department_codes: Sequence[str] | None = None
                     ) -> Iterable[ServiceItemVersion]:
    qs = (ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
          .select_related("item", "item__department")
          .prefetch_related("co_departments", "materials",
                            Prefetch("item__themes", queryset=Theme.objects.order_by("code")))
          .order_by("item__implementation_code"))
    if department_codes is not None:
        qs = qs.filter(item__department__code__in=list(department_codes))
    return qs


def export_records(*, department_codes: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One record per published item, in implementation-code order."""
    records = []
    for version in _export_versions(department_codes=department_codes):
        snap = version_snapshot(version)
        item = version.item
        record: dict[str, Any] = {"implementation_code": item.implementation_code,
                  "basic_code": item.basic_code, "department_code": item.department.code}
        record.update({k: snap[k] for k in ELEMENT_DEFAULTS})
        record["theme_codes"] = [t.code for t in item.themes.all()]
        record["materials"] = snap["materials"]
        records.append(record)
    return records


def export_json(*, department_codes: Sequence[str] | None = None,
                now: datetime | None = None) -> dict[str, Any]:
    return {"format": FORMAT_NAME, "format_version": FORMAT_VERSION,
            "exported_at": (now or timezone.now()).isoformat(timespec="seconds"),
            "items": export_records(department_codes=department_codes)}


def _cell(key: str, value: Any) -> Any:
    if key in LIST_KEYS:
        return _list_to_lines(key, value)
    if key in CHOICE_EXPORT:
        label = dict(CHOICE_EXPORT[key].choices).get(value, value)
        return str(label).lstrip("个")
    if key == "is_free":
        return "否" if value else "是"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    return value


def _list_to_lines(key: str, entries: list[dict[str, Any]]) -> str:
    keys = LIST_KEYS[key]
    lines = []
    for entry in entries:
        parts = []
        for k in keys:
            v = entry.get(k, "")
            parts.append(("是" if v else "否") if isinstance(v, bool) else str(v or ""))
        if any(SEP in p or "\n" in p for p in parts):
            return json.dumps(entries, ensure_ascii=False)  # not representable as lines
        while len(parts) > 1 and parts[-1] == "" and key != "fees":
            parts.pop()
        lines.append(SEP.join(parts))
    return "\n".join(lines)


def export_xlsx(*, department_codes: Sequence[str] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    records = export_records(department_codes=department_codes)
    wb = Workbook()
    ws = wb.active
    ws.title = ITEM_SHEET
    ws.append([ITEM_HEADERS[k] for k, _ in ITEM_COLUMNS])
    for record in records:
        ws.append([_cell(k, record[k]) for k, _ in ITEM_COLUMNS])
    ms = wb.create_sheet(MATERIAL_SHEET)
    ms.append([h for _, h in MATERIAL_COLUMNS])
    for record in records:
        for n, m in enumerate(record["materials"], start=1):
            ms.append([record["implementation_code"], n,
                       *(_cell(k, m[k]) for k in MATERIAL_DEFAULTS)])
    notes = wb.create_sheet(NOTE_SHEET)
    for line in NOTES:
        notes.append([line])
    for sheet in (ws, ms):
        sheet.freeze_panes = "B2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column in sheet.columns:
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = 18
            for cell in column[1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def export_file(*, actor: Any, fmt: str, department: str = "") -> tuple[bytes, str, str]:
    """(content, content type, file name) of the published items the actor manages."""
    from onewindow.core.errors import NotFound

    from .selectors import manageable_departments

    codes = [d.code for d in manageable_departments(actor=actor)]
    if department:
        if department not in codes:
            raise NotFound("找不到该部门，或您无权管理", code="department_not_found")
        codes = [department]
    stamp = timezone.localtime().strftime("%Y%m%d")
    if fmt == "json":
        body = json.dumps(export_json(department_codes=codes), ensure_ascii=False,
                          indent=1).encode()
        return body, "application/json; charset=utf-8", f"catalog-{stamp}.json"
    if fmt == "xlsx":
        return (export_xlsx(department_codes=codes),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                f"catalog-{stamp}.xlsx")
    raise ValidationFailed("格式应为 xlsx 或 json", code="export_format",
                           fields={"format": "应为 xlsx 或 json"})


def list_to_lines(key: str, entries: list[dict[str, Any]]) -> str:
    """A list element as text, one entry per line with fields separated by "｜"."""
    return _list_to_lines(key, entries)


def lines_to_list(key: str, text: str) -> Any:
    """The inverse of ``list_to_lines`` (also accepts a JSON list)."""
    try:
        return _lines_to_list(key, text)
    except _CellError as exc:
        raise ValidationFailed(str(exc), code="item_invalid", fields={key: str(exc)}) from None


# --- Parsing ----------------------------------------------------------------------------------
def _lines_to_list(key: str, value: Any) -> Any:
    """Cell text → list of dicts (one per line, fields separated by ｜), or a JSON list."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    text = str(value).strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise _CellError("JSON 格式不正确") from None
    keys = LIST_KEYS[key]
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(SEP)]
        if len(parts) > len(keys):
            raise _CellError(f"每行最多{len(keys)}段，用“｜”分隔")
        parts += [""] * (len(keys) - len(parts))
        out.append(dict(zip(keys, parts, strict=True)))
    return out


class _CellError(Exception):
    pass


def _field_label(key: str) -> str:
    return ITEM_HEADERS.get(key) or MATERIAL_LABELS.get(key) or key


def _where(line: int, *, excel: bool, materials: bool = False) -> str:
    if materials:
        return f"材料表第{line}行" if excel else f"第{line}条的材料"
    return f"第{line}行" if excel else f"第{line}条"


def records_clean(
    records: Sequence[tuple[int, Mapping[str, Any]]], *, excel: bool, publish: bool,
    material_lines: Mapping[int, list[int]] | None = None,
) -> list[ImportRow]:
    """Validate raw records ``(line, record)``; raise one ValidationFailed listing every
    problem, or return the rows ready for ``services.catalog_import``."""
    problems: list[RowProblem] = []
    if len(records) > MAX_ROWS:
        raise ValidationFailed(f"一次最多导入{MAX_ROWS}个事项", code="import_too_large")
    dept_codes = {str(r.get("department_code") or "").strip() for _, r in records}
    departments = {d.code: d for d in Department.objects.filter(code__in=dept_codes)
                   .select_related("region")}
    co_codes: set[str] = set()
    theme_codes_all: set[str] = set()
    seen: dict[str, int] = {}
    rows: list[ImportRow] = []
    for index, (line, record) in enumerate(records):
        where = _where(line, excel=excel)
        code = str(record.get("implementation_code") or "").strip()
        if not code:
            problems.append(RowProblem(where, "实施编码", "不能为空"))
        elif not CODE_RE.match(code):
            problems.append(RowProblem(where, "实施编码", "应为3至120位字母、数字或连字符"))
        elif code in seen:
            problems.append(RowProblem(where, "实施编码", f"与{_where(seen[code], excel=excel)}重复"))
        else:
            seen[code] = line
        dept_code = str(record.get("department_code") or "").strip()
        department = departments.get(dept_code)
        if department is None:
            problems.append(RowProblem(where, "实施部门编码",
                                       "不能为空" if not dept_code else f"部门“{dept_code}”不存在"))
        raw: dict[str, Any] = {}
        for key in ELEMENT_DEFAULTS:
            if key not in record:
                continue
            value = record[key]
            if value is None or (isinstance(value, str) and not value.strip()
                                 and key not in ("name", "item_type")):
                continue  # a blank cell keeps the default
            if key in LIST_KEYS and excel:
                try:
                    value = _lines_to_list(key, value)
                except _CellError as exc:
                    problems.append(RowProblem(where, _field_label(key), str(exc)))
                    continue
            if key == "is_free" and excel:
                value = _invert_bool(value)
            raw[key] = value
        elements, errors = elements_clean(raw)
        for key, message in errors.items():
            problems.append(RowProblem(where, _field_label(key), message))
        materials: list[dict[str, Any]] = []
        raw_materials = record.get("materials") or []
        if not isinstance(raw_materials, list):
            problems.append(RowProblem(where, "申请材料", "应为列表"))
            raw_materials = []
        for m_index, m_raw in enumerate(raw_materials):
            m_line = (material_lines or {}).get(index, [])
            m_where = (_where(m_line[m_index], excel=excel, materials=True)
                       if excel and m_index < len(m_line) else f"{where}第{m_index + 1}项材料")
            if not isinstance(m_raw, Mapping):
                problems.append(RowProblem(m_where, "", "格式不正确"))
                continue
            m_clean, m_errors = material_clean(
                {k: v for k, v in m_raw.items() if k in MATERIAL_DEFAULTS})
            for key, message in m_errors.items():
                problems.append(RowProblem(m_where, MATERIAL_LABELS.get(key, key), message))
            materials.append(m_clean)
        if publish and not errors:
            for key, message in elements_publish_check(
                    elements, material_count=len(materials)).items():
                column = "申请材料" if key == "materials" else _field_label(key)
                problems.append(RowProblem(where, column, message))
        themes = record.get("theme_codes") or []
        if not isinstance(themes, list | str):
            problems.append(RowProblem(where, "主题编码", "应为列表"))
            themes = []
        if isinstance(themes, str):
            themes = [t.strip() for t in themes.replace("；", ";").replace("、", ";").split(";")]
        themes = [str(t).strip() for t in themes if str(t).strip()]
        co_codes.update(elements.get("co_department_codes") or [])
        theme_codes_all.update(themes)
        if department is not None and code:
            rows.append(ImportRow(
                line=line, implementation_code=code,
                basic_code=str(record.get("basic_code") or "").strip()[:60]
                or basic_code_from(code),
                department=department, elements=elements, materials=materials,
                theme_codes=themes))
    known_co = set(Department.objects.filter(code__in=co_codes).values_list("code", flat=True))
    known_themes = set(Theme.objects.filter(code__in=theme_codes_all)
                       .values_list("code", flat=True))
    for row in rows:
        for code in row.elements["co_department_codes"]:
            if code not in known_co:
                problems.append(RowProblem(_where(row.line, excel=excel), "联办部门编码",
                                           f"部门“{code}”不存在"))
        for code in row.theme_codes:
            if code not in known_themes:
                problems.append(RowProblem(_where(row.line, excel=excel), "主题编码",
                                           f"主题“{code}”不存在"))
    if problems:
        raise import_failed(problems)
    return rows


def import_failed(problems: Sequence[RowProblem]) -> ValidationFailed:
    shown = "；".join(p.text() for p in problems[:5])
    more = f"等{len(problems)}处错误" if len(problems) > 5 else f"共{len(problems)}处错误"
    return ValidationFailed(
        f"导入失败，未做任何修改（{more}）：{shown}", code="import_invalid",
        detail=[{"where": p.where, "column": p.column, "message": p.message, "text": p.text()}
                for p in problems])


def _invert_bool(value: Any) -> Any:
    from .rules import _Invalid, parse_bool

    try:
        return not parse_bool(value)
    except _Invalid:
        return value  # let elements_clean report it


def parse_json(content: bytes | str | Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    if isinstance(content, bytes | str):
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError):
            raise ValidationFailed("无法读取该文件：不是有效的 JSON", code="import_unreadable") \
                from None
    else:
        data = content
    items = data.get("items") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise ValidationFailed("JSON 中应有 items 列表", code="import_unreadable")
    out: list[tuple[int, Mapping[str, Any]]] = []
    for n, record in enumerate(items, start=1):
        if not isinstance(record, Mapping):
            raise import_failed([RowProblem(f"第{n}条", "", "应为对象")])
        out.append((n, record))
    return out


def parse_xlsx(content: bytes) -> tuple[list[tuple[int, Mapping[str, Any]]], dict[int, list[int]]]:
    """Rows of the workbook as records, plus each record's material sheet line numbers."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds (zip, xml, key errors) for bad files
        raise ValidationFailed("无法读取该文件：请上传 .xlsx 格式的 Excel 文件",
                               code="import_unreadable") from None
    try:
        if ITEM_SHEET not in wb.sheetnames:
            raise ValidationFailed(f"文件中缺少工作表“{ITEM_SHEET}”", code="import_unreadable")
        item_rows = _sheet_rows(wb[ITEM_SHEET], ITEM_COLUMNS,
                                headers={v: k for k, v in ITEM_HEADERS.items()})
        material_rows = (_sheet_rows(wb[MATERIAL_SHEET], MATERIAL_COLUMNS)
                         if MATERIAL_SHEET in wb.sheetnames else [])
    finally:
        wb.close()
    records: list[tuple[int, dict[str, Any]]] = []
    index_by_code: dict[str, int] = {}
    for line, row in item_rows:
        record = dict(row)
        record["materials"] = []
        code = str(record.get("implementation_code") or "").strip()
        index_by_code.setdefault(code, len(records))
        records.append((line, record))
    material_lines: dict[int, list[int]] = {}
    problems: list[RowProblem] = []
    grouped: dict[int, list[tuple[Any, int, dict[str, Any]]]] = {}
    for line, row in material_rows:
        code = str(row.pop("implementation_code", "") or "").strip()
        order = row.pop("order", None)
        if code not in index_by_code:
            problems.append(RowProblem(f"材料表第{line}行", "实施编码",
                                       "不能为空" if not code else "“事项”表中没有该实施编码"))
            continue
        grouped.setdefault(index_by_code[code], []).append((order, line, row))
    if problems:
        raise import_failed(problems)
    for index, entries in grouped.items():
        entries.sort(key=lambda e: (_order_key(e[0]), e[1]))
        records[index][1]["materials"] = [e[2] for e in entries]
        material_lines[index] = [e[1] for e in entries]
    return list(records), material_lines


def _order_key(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("inf")


def _sheet_rows(sheet: Any, columns: Sequence[tuple[str, str]],
                headers: Mapping[str, str] | None = None) -> list[tuple[int, dict[str, Any]]]:
    by_header = dict(headers) if headers else {h: k for k, h in columns}
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [str(h).strip() if h is not None else "" for h in next(rows)]
    except StopIteration:
        return []
    keys = [by_header.get(h) for h in header]
    missing = [h for k, h in columns if k in ("implementation_code",) and h not in header]
    if missing:
        raise ValidationFailed(f"工作表“{sheet.title}”缺少列：{'、'.join(missing)}",
                               code="import_unreadable")
    out = []
    for line, values in enumerate(rows, start=2):
        if line > MAX_ROWS * 20:
            raise ValidationFailed("文件行数过多", code="import_too_large")
        if values is None or all(v is None or (isinstance(v, str) and not v.strip())
                                 for v in values):
            continue
        record = {k: v for k, v in zip(keys, values, strict=False) if k}
        out.append((line, record))
    return out


def catalog_import_file(
    *, actor: Any, content: bytes, filename: str, publish: bool = True,
    source: str = ItemSource.IMPORT,
) -> ImportResult:
    """Import an uploaded .xlsx or .json file, all or nothing."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ValidationFailed("文件过大（上限 20 MB）", code="import_too_large")
    name = (filename or "").lower()
    material_lines: dict[int, list[int]] | None = None
    if name.endswith(".json"):
        records = parse_json(content)
        excel = False
    elif name.endswith(".xlsx"):
        records, material_lines = parse_xlsx(content)
        excel = True
    else:
        raise ValidationFailed("只支持 .xlsx 或 .json 文件", code="import_unsupported",
                               fields={"file": "只支持 .xlsx 或 .json 文件"})
    rows = records_clean(records, excel=excel, publish=publish, material_lines=material_lines)
    return catalog_import(actor=actor, rows=rows, publish=publish, source=source,
                          label=filename[:64])
