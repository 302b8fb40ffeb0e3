"""Administration: the hotline's settings, time limits, dispatch rules, the knowledge base and the
category taxonomy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from onewindow.accounts.models import Department
from onewindow.accounts.scope import scope_for
from onewindow.core.audit import audit_record
from onewindow.core.errors import ValidationFailed
from onewindow.core.inputs import decode_csv_text
from onewindow.regions.models import Region

from .. import constants as c
from .. import selectors
from ..models import (
    Category,
    DispatchRule,
    HotlineConfig,
    KnowledgeArticle,
    TimeLimitSetting,
)
from ._common import _actor_id, _choice, _require, _required_text


# --- Administration: settings, rules, categories, knowledge base ------------------------------
def _require_admin(actor: Any) -> None:
    from onewindow.accounts.constants import Role

    _require(scope_for(actor).has_role(Role.SUPERVISOR, Role.ADMINISTRATOR), "只有监督管理人员或管理员可以修改",
             "not_supervisor")


def hotline_config_update(*, actor: Any, district: Region, **values: Any) -> HotlineConfig:
    _require_admin(actor)
    allowed = {"fallback_department", "triage_threshold", "return_limit_working_days", "response_hours",
               "warning_ratio", "duplicate_window_hours", "duplicate_threshold", "supervision_days"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed(f"未知设置项：{', '.join(sorted(unknown))}", code="config_unknown")
    for name in ("triage_threshold", "warning_ratio", "duplicate_threshold"):
        if name in values and not 0.0 <= float(values[name]) <= 1.0:
            raise ValidationFailed("取值应在 0 到 1 之间", code="config_invalid", fields={name: "取值应在 0 到 1 之间"})
    with transaction.atomic():
        config, _ = HotlineConfig.objects.get_or_create(district=district)
        for name, value in values.items():
            setattr(config, name, value)
        config.save()
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_CONFIG_CHANGE, obj=config,
                     summary={k: (v.code if isinstance(v, Department) else v) for k, v in values.items()})
    return config


def time_limit_set(*, actor: Any, limit_class: str, amount: int, unit: str) -> TimeLimitSetting:
    _require_admin(actor)
    limit_class = _choice(limit_class, c.LimitClass, field_name="limit_class", label="时限类别")
    unit = _choice(unit, c.LimitUnit, field_name="unit", label="时限单位")
    if not isinstance(amount, int) or not 0 < amount <= 365:
        raise ValidationFailed("时限应为 1 到 365", code="limit_amount", fields={"amount": "时限应为 1 到 365"})
    with transaction.atomic():
        row, _ = TimeLimitSetting.objects.update_or_create(limit_class=limit_class,
                                                           defaults={"amount": amount, "unit": unit})
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_CONFIG_CHANGE, object_type="tickets.timelimitsetting",
                     object_id=limit_class, summary={"amount": amount, "unit": unit})
    return row


def dispatch_rule_save(*, actor: Any, department: Department, category: Category | None = None,
                       region: Region | None = None, priority: int = 0, note: str = "",
                       rule: DispatchRule | None = None, is_active: bool = True) -> DispatchRule:
    """Create or change a dispatch rule (category × region → department, with a priority)."""
    _require_admin(actor)
    if category is None and region is None:
        raise ValidationFailed("分类和区划至少填写一项（全区兜底请在热线设置中指定兜底部门）",
                               code="rule_too_broad", fields={"category": "请选择分类或区划"})
    with transaction.atomic():
        rule = rule or DispatchRule()
        rule.department, rule.category, rule.region = department, category, region
        rule.priority, rule.note, rule.is_active = int(priority), (note or "")[:200], is_active
        rule.save()
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_RULE_CHANGE, obj=rule, summary={
            "department": department.code, "category": category.code if category else "",
            "region": region.code if region else "", "priority": rule.priority, "active": is_active})
    return rule


def dispatch_rule_delete(*, actor: Any, rule: DispatchRule) -> None:
    _require_admin(actor)
    with transaction.atomic():
        transaction.on_commit(selectors.reference_cache_clear)
        audit_record(actor=actor, action=c.AUDIT_RULE_CHANGE, obj=rule, summary={"deleted": True})
        rule.delete()


def kb_article_save(*, actor: Any, title: str, answer: str, question: str = "", keywords: str = "",
                    category: Category | None = None, department: Department | None = None,
                    article: KnowledgeArticle | None = None, is_active: bool = True) -> KnowledgeArticle:
    """Operators maintain the knowledge base they answer consultations from."""
    _require(selectors.is_dispatcher(actor), "只有热线话务员或监督管理人员可以维护知识库", "not_operator")
    title = _required_text(title, field_name="title", label="标题", max_len=200)
    answer = _required_text(answer, field_name="answer", label="答复口径", min_len=5, max_len=c.MAX_TEXT)
    with transaction.atomic():
        article = article or KnowledgeArticle()
        article.title, article.answer, article.question = title, answer, (question or "").strip()
        article.keywords = (keywords or "").strip()[:300]
        article.category, article.department, article.is_active = category, department, is_active
        article.updated_by_id = _actor_id(actor)
        article.save()
        audit_record(actor=actor, action=c.AUDIT_KB_CHANGE, obj=article, summary={"title": title})
    return article


# --- Categories -------------------------------------------------------------------------------
FALLBACK_TAXONOMY: tuple[tuple[str, str, str], ...] = (
    ("城乡建设", "城市建设和市政管理", "环境卫生"),
    ("城乡建设", "城市建设和市政管理", "自来水供应"),
    ("城乡建设", "城市建设和市政管理", "电力供应"),
    ("城乡建设", "城市建设和市政管理", "燃气供应"),
    ("城乡建设", "城市建设和市政管理", "小区管理"),
    ("城乡建设", "城乡规划", "违章建筑"),
    ("环境保护", "环境污染", "噪音污染"),
    ("环境保护", "环境污染", "大气污染"),
    ("交通运输", "道路交通", "道路维护"),
    ("教育文体", "教育", "入学招生"),
    ("劳动和社会保障", "社会保险", "养老保险"),
    ("商贸旅游", "市场监管", "消费维权"),
    ("卫生计生", "医疗服务", "医疗纠纷"),
    ("城乡建设", "城市建设和市政管理", "城管执法"),
    ("城乡建设", "城市建设和市政管理", "园林绿化"),
)
# Categories whose problems are outages of daily necessities: 24-hour limit (民生保障).
UTILITY_NAMES = frozenset({"自来水供应", "电力供应", "燃气供应", "冬季采暖", "供水", "供电", "供气", "供暖"})


@dataclass
class CategorySeedResult:
    source: str
    created: int = 0
    existing: int = 0
    keywords: int = 0
    skipped_rows: list[str] = field(default_factory=list)


def category_rows_read(path: Any) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Rows (level 1, 2, 3) of a taxonomy CSV ``一级分类,二级分类,三级分类``, with problems."""
    import csv
    import io

    raw = path.read_bytes() if hasattr(path, "read_bytes") else bytes(path)
    text = decode_csv_text(raw)
    if text is None:
        raise ValidationFailed("无法识别文件编码", code="csv_encoding")
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[str, str, str]] = []
    problems: list[str] = []
    header = next(reader, None)
    if header is None or len(header) < 3:
        raise ValidationFailed("分类文件应有三列：一级分类,二级分类,三级分类", code="csv_columns_missing")
    for number, cells in enumerate(reader, start=2):
        cells = [re.sub(r"\s+", "", x) for x in cells]
        if not any(cells):
            continue
        if len(cells) < 3 or not all(cells[:3]):
            problems.append(f"第{number}行：分类不完整")
            continue
        if any(len(x) > 100 for x in cells[:3]):
            problems.append(f"第{number}行：名称过长")
            continue
        rows.append((cells[0], cells[1], cells[2]))
    return rows, problems


def category_seed(*, actor: Any = None, rows: Iterable[tuple[str, str, str]] | None = None,
                  source: str = "") -> CategorySeedResult:
    """Create the three-level category tree (idempotent: existing names are kept, new ones added).

    Without rows: the shared taxonomy file when the shared data folder is there, else a small
    built-in tree.
    """
    from pathlib import Path

    from django.conf import settings

    problems: list[str] = []
    if rows is None:
        shared = Path(settings.SHARED_DATA_DIR) / "tickets" / "taidi2020_taxonomy.csv"
        if shared.is_file():
            rows, problems = category_rows_read(shared)
            source = source or str(shared.name)
        else:
            rows, source = FALLBACK_TAXONOMY, source or "内置分类"
    result = CategorySeedResult(source=source or "导入", skipped_rows=problems)
    with transaction.atomic():
        existing = {(cat.parent_id, cat.name): cat for cat in Category.objects.all()}
        counts: dict[int | None, int] = {}
        for cat in existing.values():
            counts[cat.parent_id] = max(counts.get(cat.parent_id, 0), int(cat.code[-3 if cat.level == 3 else -2:]))

        def get(name: str, parent: Category | None, level: int) -> Category:
            key = (parent.id if parent else None, name)
            found = existing.get(key)
            if found is not None:
                result.existing += 1
                return found
            number = counts.get(key[0], 0) + 1
            counts[key[0]] = number
            width = 3 if level == 3 else 2
            code = (parent.code if parent else "") + f"{number:0{width}d}"
            cat = Category.objects.create(
                code=code, name=name, level=level, parent=parent,
                path=(parent.path if parent else "/") + code + "/",
                full_name=(parent.full_name + " / " if parent else "") + name,
                limit_class=c.LimitClass.UTILITY if name in UTILITY_NAMES else "",
                keywords=c.CATEGORY_KEYWORDS.get(name, "") if level == 3 else "",
            )
            existing[key] = cat
            result.created += 1
            return cat

        for first, second, third in rows:
            top = get(first, None, 1)
            middle = get(second, top, 2)
            get(third, middle, 3)
        # categories made before keywords existed get them (an edited list is kept)
        for cat in existing.values():
            if cat.level == 3 and not cat.keywords and cat.name in c.CATEGORY_KEYWORDS:
                cat.keywords = c.CATEGORY_KEYWORDS[cat.name]
                cat.save(update_fields=["keywords", "updated_at"])
                result.keywords += 1
        if result.created or result.keywords:
            transaction.on_commit(selectors.reference_cache_clear)
            audit_record(actor=actor, action=c.AUDIT_CATEGORY_SEED, object_type="tickets.category",
                         summary={"source": result.source, "created": result.created,
                                  "keywords": result.keywords})
    return result
