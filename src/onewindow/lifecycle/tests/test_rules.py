"""Node states from facts, and template graph checks (pure)."""

from datetime import UTC, datetime

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


# --- Mutation testing (issue 9) ---------------------------------------------------------------
def test_each_node_carries_its_key_case_number_case_id_and_deadline():
    due = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
    cases = [{"item_id": 2, "status": "refused", "due_at": None, "number": "N2", "public_id": "c2"},
             {"item_id": 4, "status": "in_review", "due_at": due, "number": "N4", "public_id": "c4"},
             {"item_id": 1, "status": "delivered", "due_at": None, "number": "N1", "public_id": "c1"}]
    out = rules.node_states(NODES, cases=cases, licence_codes=set())
    assert out == {
        "register": rules.NodeOut("register", NodeState.DONE, case_number="N1", case_id="c1"),
        "seal": rules.NodeOut("seal", NodeState.BLOCKED, case_number="N2", case_id="c2"),
        "bank": rules.NodeOut("bank", NodeState.AVAILABLE),
        "food": rules.NodeOut("food", NodeState.IN_PROGRESS, due_at=due, case_number="N4", case_id="c4"),
        "open": rules.NodeOut("open", NodeState.NOT_STARTED),
    }


def test_drafts_and_withdrawn_cases_are_skipped_not_the_end_of_the_list():
    cases = [{"item_id": 2, "status": "draft", "due_at": None, "number": "", "public_id": "d"},
             {"item_id": 3, "status": "withdrawn", "due_at": None, "number": "W", "public_id": "w"},
             {"item_id": 3, "status": "submitted", "due_at": None, "number": None, "public_id": "s"}]
    out = rules.node_states(NODES, cases=cases, licence_codes={"BUSINESS_LICENCE"})
    assert out["seal"].state == NodeState.AVAILABLE  # a draft is no application yet
    assert out["bank"] == rules.NodeOut("bank", NodeState.IN_PROGRESS, case_number="", case_id="s")


def test_a_node_without_an_item_never_takes_a_case():
    cases = [{"item_id": None, "status": "submitted", "due_at": None, "number": "X", "public_id": "x"}]
    out = rules.node_states([N("open", None, "", ())], cases=cases, licence_codes=set())
    assert out == {"open": rules.NodeOut("open", NodeState.AVAILABLE)}


def test_graph_check_of_a_large_template_visits_each_node_once():
    # each step waits for the two before it: without remembering finished nodes the check
    # would walk ~2^60 paths
    ladder = [N("s0", None, "", ()), N("s1", None, "", ("s0",))] + [
        N(f"s{i}", None, "", (f"s{i - 1}", f"s{i - 2}")) for i in range(2, 60)]
    assert rules.graph_problems(ladder) == []
    ladder.append(N("s0x", None, "", ("s59",)))
    ladder[0] = N("s0", None, "", ("s0x",))
    assert rules.graph_problems(ladder) == ["前置关系存在循环"]
