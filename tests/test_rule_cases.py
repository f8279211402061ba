"""Every built-in rule's cases (rules/<category>/<ID>.cases.yaml), and what a rule's cases must cover.

DESIGN.md "Rules": a pass case where the rule can pass, a fail case where it can fail (info rules
never fail), a not_applicable case per `when`, and the error cases its data can produce.
"""

from __future__ import annotations

import pytest

from scanner.engine.cases import case_path, load_cases, run_rule_cases
from scanner.engine.loader import load_pack

RULES = load_pack().rules
NEVER_PASSES = {"KUBENET-010"}  # fails every kubenet cluster by design (RULES.md)


def _expected_statuses(rule) -> list[str]:
    document = load_cases(case_path(rule), rule.id)
    return [w["status"] if isinstance(w, dict) else w for case in document["cases"] for w in case["expect"].values()]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_the_rule_cases_pass(rule):
    failed = [r for r in run_rule_cases(rule) if not r.ok]
    assert not failed, "\n".join(f"{r.line()}\n  " + "\n  ".join(r.problems) for r in failed)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_the_rule_cases_cover_every_outcome_the_rule_can_give(rule):
    statuses = _expected_statuses(rule)
    if rule.id not in NEVER_PASSES:
        assert "pass" in statuses, f"{rule.id}: no pass case"
    if rule.severity != "info":
        assert "fail" in statuses, f"{rule.id}: no fail case"
    else:
        assert "fail" not in statuses, f"{rule.id}: an info rule never fails"
    assert statuses.count("not_applicable") >= len(rule.when), f"{rule.id}: a not_applicable case per `when`"
    assert statuses.count("error") >= len(rule.requires), f"{rule.id}: an error case per `requires`"
