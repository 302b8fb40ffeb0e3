"""How audit entries read for people: a Chinese label per action and a one-line summary.

The audit trail stores what happened as codes (``case.draft_save``) and a JSON summary; the
audit page shows "保存草稿 · 办件 5301032026… · 材料：营业执照" instead, with every detail
folded away in readable form (是/否, not True/False).

Every app registers its own actions in an ``audit_labels.py`` module (found by
``audit_labels_autodiscover`` when the core app starts)::

    from onewindow.core.audit_labels import audit_action_register

    audit_action_register("case.submit", "提交申请", summarize=lambda s, names: f"办件 {s['number']}")

and may register labels for summary keys (``audit_keys_register``), for their values
(``values=`` of an action, e.g. status codes), and resolvers that turn codes into names in one
query per page (``audit_resolver_register("department", ...)``). An action nobody registered
still reads: its app's label ("办件操作") and the summary's known keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

Summary = dict[str, Any]
Names = dict[str, dict[str, str]]  # resolver key → code → name
Summarize = Callable[[Summary, Names], str]


@dataclass(frozen=True)
class ActionLabel:
    label: str
    summarize: Summarize | None = None
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # summary key → value → label


_ACTIONS: dict[str, ActionLabel] = {}
_PREFIXES: dict[str, str] = {}
_KEYS: dict[str, str] = {
    "number": "编号", "status": "状态", "from": "原状态", "to": "新状态", "from_status": "原状态",
    "role": "角色", "note": "说明", "reason": "理由", "department": "部门", "departments": "部门",
    "item": "事项", "source": "来源", "batch": "数量", "created": "新建", "changed": "变更",
    "name": "名称", "kind": "类型", "type": "类型", "code": "代码", "region": "区划", "due": "期限",
    "channel": "渠道", "version": "版本", "count": "数量", "active": "启用", "priority": "优先级",
    "category": "分类", "phone": "电话", "material": "材料", "items": "材料", "level": "级别",
}
_RESOLVERS: dict[str, Callable[[set[str]], dict[str, str]]] = {}
BOOLEANS = {True: "是", False: "否"}


def audit_action_register(code: str, label: str, *, summarize: Summarize | None = None,
                          values: dict[str, dict[str, str]] | None = None) -> None:
    """Register the Chinese label (and optionally a summary) of an audit action code."""
    _ACTIONS[code] = ActionLabel(label, summarize, values or {})


def audit_prefix_register(prefix: str, label: str) -> None:
    """The label of an app's actions nobody registered one by one ("case." → "办件操作")."""
    _PREFIXES[prefix] = label


def audit_keys_register(labels: dict[str, str]) -> None:
    """Chinese labels of summary keys."""
    _KEYS.update(labels)


def audit_resolver_register(key: str, resolve: Callable[[set[str]], dict[str, str]]) -> None:
    """Turn the codes found under ``key`` (and ``key`` + "s" for lists) into names: one call per
    page with every code on it (e.g. department codes → department names)."""
    _RESOLVERS[key] = resolve


def audit_labels_autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("audit_labels")


def audit_action_label(code: str) -> str:
    found = _ACTIONS.get(code)
    if found is not None:
        return found.label
    prefix = code.split(".", 1)[0] + "."
    return _PREFIXES.get(prefix, code)


def audit_action_choices() -> list[tuple[str, str]]:
    return sorted(((code, a.label) for code, a in _ACTIONS.items() if not code.startswith("test.")),
                  key=lambda c: c[0])


def value_text(value: Any, *, names: dict[str, str] | None = None, labels: dict[str, str] | None = None) -> str:
    """A summary value as people read it: 是/否, — for nothing, lists joined with 、."""
    if isinstance(value, bool):
        return BOOLEANS[value]
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(value_text(v, names=names, labels=labels) for v in value if v is not None) or "—"
    if isinstance(value, dict):
        return "；".join(f"{_KEYS.get(str(k), str(k))}：{value_text(v, names=names, labels=labels)}"
                        for k, v in value.items())
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    if labels and text in labels:
        return labels[text]
    if names and text in names:
        return names[text]
    return text


@dataclass(frozen=True)
class AuditDescription:
    label: str
    text: str
    details: list[tuple[str, str]]


def _resolver_key(key: str) -> str | None:
    if key in _RESOLVERS:
        return key
    if key.endswith("s") and key[:-1] in _RESOLVERS:
        return key[:-1]
    return None


def audit_names(summaries: Iterable[Summary]) -> Names:
    """Codes → names for every resolver key found in these summaries (one call per key)."""
    wanted: dict[str, set[str]] = {}
    for summary in summaries:
        for key, value in (summary or {}).items() if isinstance(summary, dict) else ():
            resolver = _resolver_key(str(key))
            if resolver is None:
                continue
            values = value if isinstance(value, list) else [value]
            wanted.setdefault(resolver, set()).update(str(v) for v in values if v)
    names: Names = {}
    for key, codes in wanted.items():
        try:
            names[key] = _RESOLVERS[key](codes) if codes else {}
        except Exception:  # a page of the audit trail must show even if a lookup fails
            names[key] = {}
    return names


def audit_describe(action: str, summary: Any, names: Names | None = None) -> AuditDescription:
    """The label, a one-line summary and the readable details of one entry."""
    names = names or {}
    registered = _ACTIONS.get(action)
    summary = summary if isinstance(summary, dict) else {"": summary}
    value_labels = registered.values if registered else {}

    def readable(key: str, value: Any) -> str:
        resolver = _resolver_key(key)
        return value_text(value, names=names.get(resolver or "", {}), labels=value_labels.get(key))

    details = [(_KEYS.get(str(k), str(k)), readable(str(k), v)) for k, v in summary.items()]
    text = ""
    if registered is not None and registered.summarize is not None:
        try:
            text = registered.summarize(summary, names)
        except Exception:  # an old entry with other keys still reads
            text = ""
    if not text:
        known = [(label, value) for (label, value), key in zip(details, summary, strict=True)
                 if str(key) in _KEYS and value != "—"][:3]
        text = "；".join(f"{label}：{value}" for label, value in known)
    return AuditDescription(audit_action_label(action), text, details)


def name_of(names: Names, key: str, code: Any) -> str:
    """For summaries: the name of a code, else the code."""
    return names.get(key, {}).get(str(code), str(code or "—"))


# --- The core app's own actions --------------------------------------------------------------
audit_keys_register({"years": "年度", "year": "年度", "provisional": "暂定"})
audit_action_register("calendar.seed", "导入法定节假日安排（日历库）", summarize=lambda s, n: (
    f"{len(s.get('years', []))} 个年度（{s.get('source', '')}）"))
audit_action_register("calendar.import", "导入工作日历")
