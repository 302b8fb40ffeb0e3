"""Loader for the real catalogue of 广安区 (Sichuan, 511602) from the shared data folder.

The CSV (from 四川政务服务网 via v-luobo/zwfw) carries department, main item, item name,
implementation code, item type and a link to the official guide; nothing else. The loader:

- creates (once) the region 广安区 and one department per distinct department name, with code
  ``GA-<department credit code>``: these items belong to their own district, not to the demo
  district, so that the demo's scoping and statistics stay clean;
- fills every element the CSV lacks with a plain default, lists it in ``placeholder_fields``
  (shown as "（待完善）") and publishes the item;
- matches on implementation code, so a second run creates nothing; an item whose elements an
  administrator has since completed (its placeholder list changed) is never overwritten.
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from onewindow.accounts.constants import DepartmentKind
from onewindow.accounts.models import Department
from onewindow.core.errors import ValidationFailed
from onewindow.regions.constants import RegionLevel
from onewindow.regions.models import Region

from .constants import ItemSource, ItemType, ServiceObject
from .models import ServiceItem
from .rules import elements_clean
from .services import ImportResult, ImportRow, basic_code_from, catalog_import

GUANGAN_AREA_CODE = "511602000000"
GUANGAN_NAME = "广安区"
GUANGAN_FILE = Path("catalog") / "guangan_district_511602_items.csv"
REQUIRED_COLUMNS = ("department", "name", "itemCode", "taskType")

#: Elements the CSV does not carry; filled with neutral defaults and marked "（待完善）".
PLACEHOLDER_FIELDS = [
    "service_object", "legal_basis", "conditions", "steps", "legal_limit_value",
    "promised_limit_value", "fees", "place", "hours", "visits", "contact_phone", "materials",
]
LEGAL_WORDS = ("企业", "公司", "单位", "机构", "经营", "法人", "社会组织", "合作社", "项目",
               "工程", "学校", "医院", "诊所", "药店", "车辆", "运输", "建设", "施工")
NATURAL_WORDS = ("个人", "居民", "公民", "儿童", "学生", "老年", "残疾", "失业", "退休",
                 "生育", "婚姻", "户籍", "户口", "身份证", "驾驶", "社会保障卡", "医保",
                 "养老保险", "退役军人", "困难", "救助", "补贴")


@dataclass
class GuanganResult:
    path: Path
    rows: int
    departments_created: int
    skipped_edited: int
    skipped_invalid: int
    result: ImportResult


def guangan_path() -> Path:
    return Path(settings.SHARED_DATA_DIR) / GUANGAN_FILE


def _service_object(name: str) -> str:
    legal = any(w in name for w in LEGAL_WORDS)
    natural = any(w in name for w in NATURAL_WORDS)
    if legal and not natural:
        return ServiceObject.LEGAL
    if natural and not legal:
        return ServiceObject.NATURAL
    return ServiceObject.BOTH


def _department_name(name: str) -> str:
    return f"{GUANGAN_NAME}{name[1:]}" if name.startswith("区") else name


def guangan_elements(row: dict[str, str]) -> dict[str, Any]:
    """The elements of one CSV row: real name/type, placeholders for everything else."""
    name = row["name"]
    main_item = (row.get("main_item") or "").strip()
    link = (row.get("link") or "").strip()
    faq = []
    if link.startswith("https://") or link.startswith("http://"):
        faq.append({"q": "在哪里查看该事项的完整办事指南？",
                    "a": f"请访问四川政务服务网：{link}"})
    return {
        "name": name,
        "item_type": f"{int(row['taskType']):02d}",
        "exercise_level": "district",
        "service_object": _service_object(name),
        "legal_basis": [],
        "conditions": "符合法律、法规和规章规定的条件",
        "steps": [{"name": "受理"}, {"name": "审查"}, {"name": "决定"}, {"name": "送达"}],
        "place": f"{GUANGAN_NAME}政务服务中心",
        "hours": "法定工作日",
        "visits": 1,
        "online_depth": 1,
        "complaint_channel": "12345政务服务便民热线",
        "keywords": [main_item] if main_item and main_item != "未分类" and main_item != name
        else [],
        "faq": faq,
        "placeholder_fields": list(PLACEHOLDER_FIELDS),
    }


def _read(path: Path) -> tuple[list[dict[str, str]], int]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed(f"CSV 缺少列：{'、'.join(missing)}", code="import_unreadable")
        rows, invalid = [], 0
        for raw in reader:
            row = {k: (v or "").strip() for k, v in raw.items() if k}
            if not (row.get("name") and row.get("itemCode") and row.get("department")
                    and row.get("taskType", "").isdigit()
                    and f"{int(row['taskType']):02d}" in ItemType.values):
                invalid += 1
                continue
            rows.append(row)
    return rows, invalid


def _region() -> Region:
    region = Region.objects.filter(code=GUANGAN_AREA_CODE).first()
    if region is None:
        region = Region.objects.create(code=GUANGAN_AREA_CODE, name=GUANGAN_NAME,
                                       level=RegionLevel.DISTRICT,
                                       path=f"/{GUANGAN_AREA_CODE}/")
    return region


def _departments(rows: list[dict[str, str]], region: Region) -> tuple[dict[str, Department], int]:
    codes: dict[str, Counter[str]] = {}
    for row in rows:
        codes.setdefault(row["department"], Counter())[row.get("deptCode") or ""] += 1
    out: dict[str, Department] = {}
    created = 0
    for name, counter in codes.items():
        dept_code = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        code = (f"GA-{dept_code}" if dept_code
                else "GA-" + hashlib.sha256(name.encode()).hexdigest()[:12])
        department, was_created = Department.objects.get_or_create(
            code=code[:40], defaults={"name": _department_name(name)[:100],
                                      "short_name": name[:40], "kind": DepartmentKind.BUREAU,
                                      "region": region})
        created += int(was_created)
        out[name] = department
    return out, created


def guangan_load(*, path: Path | None = None, actor: Any = None) -> GuanganResult | None:
    """Load the 广安区 items; returns None (and does nothing) when the file is absent."""
    path = path or guangan_path()
    if not path.is_file():
        return None
    rows, invalid = _read(path)
    with transaction.atomic():
        region = _region()
        departments, dept_created = _departments(rows, region)
        existing = {
            code: (placeholders or [])
            for code, placeholders in ServiceItem.objects.filter(
                implementation_code__in=[r["itemCode"] for r in rows]
            ).values_list("implementation_code", "current_version__placeholder_fields")
        }
        import_rows: list[ImportRow] = []
        skipped = 0
        seen: set[str] = set()
        for line, row in enumerate(rows, start=2):
            code = row["itemCode"]
            if code in seen:
                invalid += 1
                continue
            seen.add(code)
            if code in existing and sorted(existing[code]) != sorted(PLACEHOLDER_FIELDS):
                skipped += 1  # completed by an administrator since: leave it alone
                continue
            elements, errors = elements_clean(guangan_elements(row))
            if errors:
                invalid += 1
                continue
            import_rows.append(ImportRow(
                line=line, implementation_code=code,
                basic_code=basic_code_from(code, area_code=row.get("areaCode") or
                                           GUANGAN_AREA_CODE),
                department=departments[row["department"]], elements=elements, materials=[]))
        result = catalog_import(actor=actor, rows=import_rows, publish=True,
                                source=ItemSource.GUANGAN, label=path.name)
    return GuanganResult(path=path, rows=len(rows), departments_created=dept_created,
                         skipped_edited=skipped, skipped_invalid=invalid, result=result)
