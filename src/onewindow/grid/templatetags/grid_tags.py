"""The grid pages' sub-navigation: worker pages for grid workers, the map and figures for all
who may see them."""

from typing import Any

from django import template

from onewindow.grid import selectors

register = template.Library()


@register.inclusion_tag("grid/_subnav.html", takes_context=True)
def grid_subnav(context: dict[str, Any], current: str = "") -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"worker": selectors.is_grid_worker(user), "figures": selectors.can_see_figures(user),
            "current": current}


def _value(value: Any) -> str:
    from onewindow.grid import constants as c

    labels = {**dict(c.HouseUse.choices), **dict(c.Relation.choices), **dict(c.ResidenceType.choices),
              **dict(c.SpecialTag.choices), **dict(c.ReportSource.choices), **dict(c.ConsentMethod.choices)}
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_value(v) for v in value)
    return str(labels.get(value, value)) if isinstance(value, str) else str(value)


@register.filter
def change_action(action: str) -> str:
    from onewindow.grid.constants import CHANGE_ACTIONS

    return CHANGE_ACTIONS.get(action, action)


@register.filter
def change_text(changes: Any) -> str:
    """A change's masked values as one readable line: 用途：自住 → 出租；特殊群体：— → 独居老人."""
    from onewindow.grid.constants import CHANGE_FIELDS

    if not isinstance(changes, dict):
        return ""
    parts = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2 and key in ("use", "relation", "residence_type", "tags",
                                                                   "planned_stay_until"):
            text = f"{_value(value[0])} → {_value(value[1])}"
        else:
            text = _value(value)
        parts.append(f"{CHANGE_FIELDS.get(key, key)}：{text}")
    return "；".join(parts)
