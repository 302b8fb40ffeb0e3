"""The state of each node of a lifecycle map from the enterprise's facts. Pure, no database.

A node is done when the licence it yields is held in force, or a case of its item was approved,
delivered or closed; in progress while a case of its item is open (with its deadline); blocked
when the latest case was refused or not accepted; otherwise available when every node it waits
for is done, else not started."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .constants import NodeState

DONE_CASE = {"approved", "delivered", "closed"}
BLOCKED_CASE = {"refused", "not_accepted"}
IGNORED_CASE = {"draft", "withdrawn"}


@dataclass(frozen=True)
class NodeIn:
    key: str
    item_id: int | None
    licence_type_code: str
    after: tuple[str, ...]


@dataclass(frozen=True)
class NodeOut:
    key: str
    state: str
    due_at: datetime | None = None
    case_number: str = ""
    case_id: Any = None


def node_states(nodes: list[NodeIn], *, cases: list[dict[str, Any]], licence_codes: set[str]) -> dict[str, NodeOut]:
    """``cases``: newest first, each with item_id, status, due_at, number, public_id."""
    latest: dict[int, dict[str, Any]] = {}
    done_items: set[int] = set()
    for case in cases:
        if case["status"] in IGNORED_CASE:
            continue
        latest.setdefault(case["item_id"], case)
        if case["status"] in DONE_CASE:
            done_items.add(case["item_id"])
    own: dict[str, NodeOut] = {}
    for node in nodes:
        last = latest.get(node.item_id) if node.item_id is not None else None
        number = str((last or {}).get("number") or "")
        case_id = (last or {}).get("public_id")
        if (node.licence_type_code and node.licence_type_code in licence_codes) or (
                node.item_id is not None and node.item_id in done_items):
            own[node.key] = NodeOut(node.key, NodeState.DONE, case_number=number, case_id=case_id)
        elif last is not None and last["status"] in BLOCKED_CASE:
            own[node.key] = NodeOut(node.key, NodeState.BLOCKED, case_number=number, case_id=case_id)
        elif last is not None:
            own[node.key] = NodeOut(node.key, NodeState.IN_PROGRESS, due_at=last.get("due_at"), case_number=number,
                                    case_id=case_id)
    out: dict[str, NodeOut] = {}
    for node in nodes:
        if node.key in own:
            out[node.key] = own[node.key]
            continue
        ready = all(own.get(k) is not None and own[k].state == NodeState.DONE for k in node.after)
        out[node.key] = NodeOut(node.key, NodeState.AVAILABLE if ready else NodeState.NOT_STARTED)
    return out


def graph_problems(nodes: list[NodeIn]) -> list[str]:
    """Chinese descriptions of what is wrong with a template's graph (unknown or cyclic
    dependencies); empty when it is a valid DAG."""
    keys = {n.key for n in nodes}
    problems = [f"节点 {n.key} 的前置节点 {k} 不存在" for n in nodes for k in n.after if k not in keys]
    after = {n.key: [k for k in n.after if k in keys] for n in nodes}
    state: dict[str, int] = {}

    def visit(k: str) -> bool:
        if state.get(k) == 1:
            return False
        if state.get(k) == 2:
            return True
        state[k] = 1
        ok = all(visit(d) for d in after[k])
        state[k] = 2
        return ok

    if not all(visit(k) for k in after):
        problems.append("前置关系存在循环")
    return problems
