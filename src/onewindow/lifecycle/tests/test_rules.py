"""Node states from facts, and template graph checks (pure)."""

from onewindow.lifecycle import rules
from onewindow.lifecycle.constants import NodeState

N = rules.NodeIn
NODES = [N("register", 1, "BUSINESS_LICENCE", ()), N("seal", 2, "", ("register",)), N("bank", 3, "", ("register",)),
         N("food", 4, "FOOD_PERMIT", ("register",)), N("open", None, "", ("seal", "bank", "food"))]


def states(cases=(), codes=()):
    return {k: v.state for k, v in rules.node_states(NODES, cases=list(cases), licence_codes=set(codes)).items()}


def test_nothing_done_only_the_first_step_is_available():
    assert states() == {"register": "available", "seal": "not_started", "bank": "not_started",
                        "food": "not_started", "open": "not_started"}


def test_parallel_steps_open_when_their_predecessor_is_done():
    s = states(codes={"BUSINESS_LICENCE"}, cases=[{"item_id": 4, "status": "in_review", "due_at": None,
                                                   "number": "N1", "public_id": None}])
    assert s == {"register": "done", "seal": "available", "bank": "available", "food": "in_progress",
                 "open": "not_started"}


def test_refused_blocks_and_newest_case_wins():
    cases = [{"item_id": 2, "status": "refused", "due_at": None, "number": "N2", "public_id": None},
             {"item_id": 3, "status": "submitted", "due_at": None, "number": "N3", "public_id": None},
             {"item_id": 3, "status": "closed", "due_at": None, "number": "N0", "public_id": None}]
    s = states(cases=cases, codes={"BUSINESS_LICENCE"})
    assert s["seal"] == NodeState.BLOCKED and s["bank"] == NodeState.DONE  # an earlier case of bank was closed


def test_graph_problems():
    assert rules.graph_problems(NODES) == []
    assert rules.graph_problems([N("a", None, "", ("b",)), N("b", None, "", ("a",))]) == ["前置关系存在循环"]
    assert rules.graph_problems([N("a", None, "", ("x",))]) == ["节点 a 的前置节点 x 不存在"]
