"""Dispatch rules: category × region → department, priorities, fallback owner, triage."""

from onewindow.tickets.dispatch import TRIAGE, RuleSpec, dispatch_decide

WATER, ENV, STREET_A, STREET_B, FALLBACK = 1, 2, 3, 4, 99
CAT_WATER = "/01/0101/0101002/"
CAT_SANITATION = "/01/0101/0101001/"
CAT_URBAN = "/01/"
STREET_A_PATH = "/530103000000/530103001000/"
COMMUNITY_A1 = STREET_A_PATH + "530103001001/"
STREET_B_PATH = "/530103000000/530103002000/"

RULES = [
    RuleSpec(id=1, department_id=WATER, priority=10, category_path=CAT_WATER),
    RuleSpec(id=2, department_id=STREET_A, priority=0, category_path=CAT_SANITATION, region_path=STREET_A_PATH),
    RuleSpec(id=3, department_id=STREET_B, priority=0, category_path=CAT_SANITATION, region_path=STREET_B_PATH),
    RuleSpec(id=4, department_id=ENV, priority=0, category_path=CAT_URBAN),
]


def decide(category_path, region_path=COMMUNITY_A1, confidence=0.9, rules=RULES, fallback=FALLBACK):
    return dispatch_decide(rules=rules, category_path=category_path, region_path=region_path,
                           fallback_department_id=fallback, confidence=confidence, threshold=0.6)


def test_priority_wins():
    d = decide(CAT_WATER)
    assert (d.via, d.department_id, d.rule_id) == ("rule", WATER, 1)


def test_the_more_specific_rule_wins_at_equal_priority():
    # sanitation in street A: rule 2 (category depth 3 + region depth 2) beats rule 4 (depth 1)
    assert decide(CAT_SANITATION).department_id == STREET_A
    assert decide(CAT_SANITATION, region_path=STREET_B_PATH + "530103002001/").department_id == STREET_B


def test_region_subtree_and_category_subtree_match():
    assert decide("/01/0102/0102001/").department_id == ENV  # only the broad urban rule fits


def test_no_rule_goes_to_the_fallback_owner():
    d = decide("/02/0201/0201001/")
    assert (d.via, d.department_id) == ("fallback", FALLBACK)
    assert "兜底" in d.reason


def test_several_departments_equally_fit_go_to_the_fallback_owner():
    rules = [RuleSpec(id=1, department_id=WATER, category_path=CAT_URBAN),
             RuleSpec(id=2, department_id=ENV, category_path=CAT_URBAN)]
    d = decide(CAT_WATER, rules=rules)
    assert (d.via, d.department_id, d.candidates) == ("fallback", FALLBACK, (WATER, ENV))
    # two rules naming the same department are no conflict
    same = [RuleSpec(id=5, department_id=WATER, category_path=CAT_URBAN),
            RuleSpec(id=6, department_id=WATER, category_path=CAT_URBAN)]
    assert decide(CAT_WATER, rules=same).rule_id == 5


def test_low_confidence_or_no_category_goes_to_triage():
    assert decide(CAT_WATER, confidence=0.59).via == TRIAGE
    assert decide(CAT_WATER, confidence=0.59).to_triage
    assert decide(None).via == TRIAGE
    assert decide(CAT_WATER, confidence=0.6).via == "rule"


def test_inactive_rules_are_ignored_and_no_fallback_means_triage():
    rules = [RuleSpec(id=1, department_id=WATER, category_path=CAT_WATER, active=False)]
    assert decide(CAT_WATER, rules=rules).via == "fallback"
    assert decide(CAT_WATER, rules=rules, fallback=None).via == TRIAGE
