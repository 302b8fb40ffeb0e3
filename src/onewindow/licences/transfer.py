"""Reading licence import files (CSV in UTF-8 or GB18030, or Excel .xlsx) into rows.

The file's content decides its format (an .xlsx is a zip archive), not its name. Headers may be
the Chinese column names or the English keys; each row comes back as a dict keyed by the
English key with its spreadsheet row number under ``"_row"`` (the header is row 1).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from onewindow.core.errors import ValidationFailed
from onewindow.core.inputs import decode_csv_text

from .constants import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS

#: English key -> accepted headers (the first is the one templates use).
COLUMNS: dict[str, tuple[str, ...]] = {
    "type_code": ("证照类型代码", "证照类型", "类型代码", "type_code"),
    "number": ("证照编号", "编号", "证号", "number"),
    "holder_name": ("持证人名称", "持证人", "持证主体", "holder_name"),
    "holder_id": ("持证人证件号码", "证件号码", "身份证号", "统一社会信用代码", "holder_id"),
    "issuer_name": ("发证机关", "颁发机关", "issuer_name"),
    "issued_on": ("发证日期", "颁发日期", "issued_on"),
    "valid_from": ("有效期起", "有效期自", "valid_from"),
    "valid_until": ("有效期至", "有效期止", "valid_until"),
    "status": ("状态", "status"),
    "revocation_reason": ("注销原因", "revocation_reason"),
}
REQUIRED_COLUMNS = ("type_code", "number", "holder_name", "holder_id", "issued_on")
LABELS = {key: headers[0] for key, headers in COLUMNS.items()}
_HEADER_TO_KEY = {h.strip().lower(): key for key, headers in COLUMNS.items() for h in headers}


def _bad_file(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="licence_import_file", fields={"file": message})


def header_keys(headers: list[Any]) -> list[str | None]:
    keys = [_HEADER_TO_KEY.get(str(h or "").strip().lstrip("\ufeff").lower()) for h in headers]
    missing = [LABELS[k] for k in REQUIRED_COLUMNS if k not in keys]
    if missing:
        raise _bad_file(f"导入文件缺少必需的列：{'、'.join(missing)}（第1行应为表头）")
    return keys


def _rows_from_table(table: list[list[Any]]) -> list[dict[str, Any]]:
    if not table:
        raise _bad_file("导入文件是空的")
    keys = header_keys(table[0])
    rows: list[dict[str, Any]] = []
    for index, cells in enumerate(table[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        row: dict[str, Any] = {"_row": index}
        for key, cell in zip(keys, cells, strict=False):
            if key is not None:
                row[key] = cell
        rows.append(row)
        if len(rows) > IMPORT_MAX_ROWS:
            raise _bad_file(f"一次最多导入 {IMPORT_MAX_ROWS} 行，请拆分文件")
    if not rows:
        raise _bad_file("导入文件没有数据行")
    return rows


def _decode_csv(content: bytes) -> str:
    text = decode_csv_text(content)
    if text is None:
        raise _bad_file("无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV")
    return text


def rows_from_file(*, filename: str, content: bytes) -> list[dict[str, Any]]:
    if not content:
        raise _bad_file("导入文件是空的")
    if len(content) > IMPORT_MAX_BYTES:
        raise _bad_file(f"导入文件超过 {IMPORT_MAX_BYTES // (1024 * 1024)}MB，请拆分后导入")
    if content[:4] == b"PK\x03\x04":
        return _rows_from_table(_xlsx_table(content))
    if b"\x00" in content[:4096] or content[:5] == b"%PDF-":
        raise _bad_file("只支持 CSV（逗号分隔）或 Excel（.xlsx）文件")
    text = _decode_csv(content)
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise _bad_file(f"CSV 文件格式有误：{exc}") from None
    return _rows_from_table(table)


def _xlsx_table(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise _bad_file("无法读取 Excel 文件，请确认是 .xlsx 格式且未加密") from None
    try:
        sheet = workbook.worksheets[0]
        return [list(r) for r in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def template_csv() -> bytes:
    """A CSV template with the Chinese headers and one example row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([LABELS[k] for k in COLUMNS])
    from onewindow.accounts.rules import credit_code_check_char

    example = "91530103MA6K00001"
    example += credit_code_check_char(example)
    writer.writerow(["BUSINESS_LICENCE", example, "昆明示例商贸有限公司", example,
                     "盘龙区市场监督管理局", "2024-05-01", "2024-05-01", "长期", "有效", ""])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
