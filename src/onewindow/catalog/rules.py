"""Pure rules of the catalogue: element and material validation, versions diff. No database.

``elements_clean`` turns loosely typed input (API JSON, form posts, spreadsheet cells) into the
values the model stores, and returns every problem as ``{field: Chinese message}`` so that a
form, the API and the importer ("第5行 '承诺时限'：…") all report the same words.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models

from .constants import (
    ELEMENT_LABELS,
    ExerciseLevel,
    ItemType,
    MaterialSource,
    MaterialType,
    OnlineDepth,
    ResultType,
    ServiceObject,
    TimeUnit,
    TongbanScope,
)

TEXT_LIMITS = {
    "name": 200, "hours": 200, "result_name": 200, "result_licence_type_code": 40,
    "contact_phone": 100, "complaint_channel": 300, "change_note": 200,
    "conditions": 5000, "place": 1000,
}
CHOICE_FIELDS: dict[str, type[models.TextChoices]] = {
    "item_type": ItemType,
    "exercise_level": ExerciseLevel,
    "service_object": ServiceObject,
    "legal_limit_unit": TimeUnit,
    "promised_limit_unit": TimeUnit,
    "tongban_scope": TongbanScope,
    "result_type": ResultType,
}
BOOL_FIELDS = ("is_free", "is_online", "appointment", "kiosk", "postal_delivery")
LIMIT_FIELDS = ("legal_limit_value", "promised_limit_value")
LIST_FIELDS = ("legal_basis", "steps", "fees", "faq", "keywords", "co_department_codes",
               "placeholder_fields")

#: Every element ``elements_clean`` accepts, with the model default for a new version.
ELEMENT_DEFAULTS: dict[str, Any] = {
    "name": "", "item_type": "", "exercise_level": ExerciseLevel.DISTRICT.value,
    "service_object": ServiceObject.NATURAL.value, "legal_basis": [], "conditions": "",
    "steps": [], "legal_limit_value": None, "legal_limit_unit": TimeUnit.WORKING_DAY.value,
    "promised_limit_value": None, "promised_limit_unit": TimeUnit.WORKING_DAY.value,
    "is_free": True, "fees": [], "place": "", "hours": "", "visits": 1,
    "online_depth": OnlineDepth.INFO.value, "is_online": False, "appointment": False,
    "kiosk": False, "postal_delivery": False, "tongban_scope": TongbanScope.NONE.value,
    "result_type": ResultType.OTHER.value, "result_name": "", "result_licence_type_code": "",
    "faq": [], "contact_phone": "", "complaint_channel": "", "keywords": [],
    "co_department_codes": [], "placeholder_fields": [],
}
#: Element names that may be listed in ``placeholder_fields``.
PLACEHOLDER_ELIGIBLE = (frozenset(ELEMENT_DEFAULTS) | {"materials"}) - {
    "placeholder_fields", "name", "item_type"}

TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "√", "✓", "on"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", "×", "", "off"}

MATERIAL_DEFAULTS: dict[str, Any] = {
    "name": "", "material_type": MaterialType.ORIGINAL.value, "is_required": True,
    "condition": "", "copies": 1, "source": MaterialSource.APPLICANT.value, "spec": "",
    "licence_type_code": "", "trust_levels": "ABC",
}
MATERIAL_LABELS = {
    "name": "材料名称", "material_type": "材料形式", "is_required": "是否必要",
    "condition": "适用情形", "copies": "份数", "source": "来源渠道", "spec": "填报要求",
    "licence_type_code": "电子证照类型", "trust_levels": "可采信等级",
}


class _Invalid(Exception):
    """One element's problem; the message names what is expected."""


def _label(field: str) -> str:
    return ELEMENT_LABELS.get(field) or MATERIAL_LABELS.get(field) or field


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    if isinstance(value, int | float):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise _Invalid("应为“是”或“否”")


def parse_int(value: Any, *, minimum: int = 0, maximum: int | None = None,
              allow_none: bool = False) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_none:
            return None
        raise _Invalid("不能为空")
    if isinstance(value, bool):
        raise _Invalid("应为整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise _Invalid("应为整数")
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not text.isdecimal():  # "²".isdigit() but int("²") fails
            raise _Invalid("应为正整数" if minimum >= 1 else "应为不小于0的整数")
        value = int(text)
    if not isinstance(value, int):
        raise _Invalid("应为整数")
    if value < minimum:
        raise _Invalid("应为正整数" if minimum >= 1 else "应为不小于0的整数")
    if maximum is not None and value > maximum:
        raise _Invalid(f"不能大于{maximum}")
    return value


def parse_choice(value: Any, choices: type[models.TextChoices] | type[models.IntegerChoices]
                 ) -> Any:
    """A choice by its stored value or its Chinese label (or a two-digit code without 0)."""
    text = str(value).strip() if value is not None else ""
    by_value = {str(v): v for v in choices.values}
    if text in by_value:
        return by_value[text]
    for v, label in choices.choices:
        if text == str(label) or text == str(label).lstrip("个"):
            return v
    if choices is ItemType and text.isdecimal() and f"{int(text):02d}" in by_value:
        return f"{int(text):02d}"
    allowed = "、".join(str(label).lstrip("个") for _, label in choices.choices)
    raise _Invalid(f"应为以下之一：{allowed}")


def _text(value: Any, limit: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise _Invalid(f"不能超过{limit}个字")
    return text


def _list_of_dicts(value: Any, *, keys: tuple[str, ...], required: tuple[str, ...],
                   bools: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple):
        raise _Invalid("应为列表")
    out: list[dict[str, Any]] = []
    for n, entry in enumerate(value, start=1):
        if not isinstance(entry, Mapping):
            raise _Invalid(f"第{n}项格式不正确")
        clean: dict[str, Any] = {}
        for key in keys:
            raw = entry.get(key)
            if key in bools:
                try:
                    clean[key] = parse_bool(raw)
                except _Invalid:
                    raise _Invalid(f"第{n}项的“{key}”应为是或否") from None
            else:
                clean[key] = "" if raw is None else str(raw).strip()
        missing = [k for k in required if not clean.get(k)]
        if missing:
            raise _Invalid(f"第{n}项缺少{'、'.join(missing)}")
        out.append(clean)
    return out


def _str_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        parts = value.replace("；", ";").replace("、", ";").replace("，", ";").replace(",", ";")
        value = parts.split(";")
    if not isinstance(value, list | tuple):
        raise _Invalid("应为列表")
    seen: list[str] = []
    for v in value:
        text = str(v).strip()
        if text and text not in seen:
            seen.append(text)
    return seen


def _clean_one(field: str, value: Any) -> Any:
    if field in CHOICE_FIELDS:
        if field == "item_type" and (value is None or str(value).strip() == ""):
            raise _Invalid("不能为空")
        return parse_choice(value, CHOICE_FIELDS[field])
    if field in BOOL_FIELDS:
        return parse_bool(value)
    if field in LIMIT_FIELDS:
        return parse_int(value, minimum=0, maximum=3650, allow_none=True)
    if field == "visits":
        return parse_int(value, minimum=0, maximum=10)
    if field == "online_depth":
        return int(parse_choice(value, OnlineDepth))
    if field == "legal_basis":
        return _list_of_dicts(value, keys=("law", "article", "text"), required=("law",))
    if field == "steps":
        return _list_of_dicts(value, keys=("name", "description", "handler_role", "time_limit"),
                              required=("name",))
    if field == "fees":
        return _list_of_dicts(value, keys=("name", "standard", "basis", "reducible"),
                              required=("standard",), bools=("reducible",))
    if field == "faq":
        return _list_of_dicts(value, keys=("q", "a"), required=("q", "a"))
    if field in ("keywords", "co_department_codes"):
        return _str_list(value)
    if field == "placeholder_fields":
        names = _str_list(value)
        unknown = [n for n in names if n not in PLACEHOLDER_ELIGIBLE]
        if unknown:
            raise _Invalid(f"未知要素：{'、'.join(unknown)}")
        return names
    if field in TEXT_LIMITS:
        return _text(value, TEXT_LIMITS[field])
    raise _Invalid("未知要素")


def elements_clean(data: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate ``data`` on top of ``base`` (the current values, or the defaults).

    Returns ``(elements, errors)``: ``elements`` holds every element (base overlaid with the
    cleaned input); ``errors`` maps a field to a Chinese message.
    """
    out: dict[str, Any] = dict(base if base is not None else ELEMENT_DEFAULTS)
    out.setdefault("change_note", "")
    errors: dict[str, str] = {}
    for field, value in data.items():
        if field not in ELEMENT_DEFAULTS and field != "change_note":
            errors[field] = "未知要素"
            continue
        try:
            out[field] = _clean_one(field, value)
        except _Invalid as exc:
            errors[field] = str(exc)
    if errors:
        return out, errors
    errors.update(elements_cross_check(out))
    return out, errors


def elements_cross_check(e: Mapping[str, Any]) -> dict[str, str]:
    """Rules that relate two elements."""
    errors: dict[str, str] = {}
    placeholders = set(e.get("placeholder_fields") or [])
    if not e.get("name"):
        errors["name"] = "不能为空"
    if not e.get("item_type"):
        errors["item_type"] = "不能为空"
    legal, promised = e.get("legal_limit_value"), e.get("promised_limit_value")
    if (legal is not None and promised is not None
            and e.get("legal_limit_unit") == e.get("promised_limit_unit") and promised > legal):
        errors["promised_limit_value"] = "承诺时限不能超过法定时限"
    if e.get("is_free") and e.get("fees"):
        errors["fees"] = "免费事项不应填写收费项目"
    if not e.get("is_free") and not e.get("fees") and "fees" not in placeholders:
        errors["fees"] = "收费事项须填写收费标准和依据"
    if e.get("online_depth") == OnlineDepth.FULL and not e.get("is_online"):
        errors["online_depth"] = "全程网办（四级）的事项须可网上办理"
    if e.get("visits") == 0 and not (e.get("is_online") or e.get("postal_delivery")):
        errors["visits"] = "零跑动事项须可网上办理或快递送达"
    if e.get("result_licence_type_code") and e.get("result_type") == ResultType.OTHER:
        errors["result_licence_type_code"] = "结果类型为证照或批文的事项才能填写电子证照类型"
    return errors


def elements_publish_check(e: Mapping[str, Any], *, material_count: int) -> dict[str, str]:
    """What a version needs before it is published (placeholders count as filled)."""
    errors = dict(elements_cross_check(e))
    placeholders = set(e.get("placeholder_fields") or [])
    if not e.get("conditions") and "conditions" not in placeholders:
        errors["conditions"] = "发布前须填写受理条件"
    if e.get("promised_limit_value") is None and "promised_limit_value" not in placeholders:
        errors["promised_limit_value"] = "发布前须填写承诺时限"
    if not e.get("place") and "place" not in placeholders:
        errors["place"] = "发布前须填写办理地点"
    if material_count == 0 and "materials" not in placeholders:
        errors["materials"] = "发布前须至少填写一项申请材料"
    return errors


TRUST_LEVELS = "ABCD"


def trust_levels_parse(value: Any) -> str:
    """可采信等级: the trust levels (A 政府签发, B 已核验, C 申请人上传, D 申请人承诺) that satisfy a
    material, as "ABC", "A,B,D", "ＡＢ" → sorted unique letters."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).upper()
    letters = {ch for ch in text if not ch.isspace() and ch not in ",，、;；/|"}
    if not letters:
        raise _Invalid("至少选择一种可采信的材料等级")
    if letters - set(TRUST_LEVELS):
        raise _Invalid("材料等级只能是A、B、C、D")
    return "".join(level for level in TRUST_LEVELS if level in letters)


def material_clean(data: Mapping[str, Any], *, base: Mapping[str, Any] | None = None
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = dict(base if base is not None else MATERIAL_DEFAULTS)
    errors: dict[str, str] = {}
    for field, value in data.items():
        try:
            if field == "name":
                out[field] = _text(value, 200)
            elif field == "material_type":
                out[field] = parse_choice(value, MaterialType)
            elif field == "source":
                out[field] = parse_choice(value, MaterialSource)
            elif field == "is_required":
                out[field] = parse_bool(value)
            elif field == "copies":
                out[field] = parse_int(value, minimum=0, maximum=99)
            elif field in ("condition", "spec"):
                out[field] = _text(value, 300)
            elif field == "licence_type_code":
                out[field] = _text(value, 40).upper()
            elif field == "trust_levels":
                out[field] = trust_levels_parse(value)
            else:
                errors[field] = "未知字段"
        except _Invalid as exc:
            errors[field] = str(exc)
    if "name" not in errors and not out.get("name"):
        errors["name"] = "不能为空"
    if not errors and not out["is_required"] and not out["condition"]:
        errors["condition"] = "非必要材料须写明适用情形"
    return out, errors


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: Any
    new: Any


def snapshot_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """The elements (and the material list) that differ between two version snapshots."""
    changes: list[Change] = []
    for field, label in (*ELEMENT_LABELS.items(), ("materials", "申请材料")):
        if old.get(field) != new.get(field):
            changes.append(Change(field, label, old.get(field), new.get(field)))
    return changes


def errors_message(errors: Mapping[str, str]) -> str:
    """One line summarising per-field messages: "'承诺时限'：应为正整数；…"."""
    return "；".join(f"'{_label(f)}'：{m}" for f, m in errors.items())
