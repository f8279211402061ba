"""JMESPath functions rules call: three-valued verdicts and untrusted YAML."""

from __future__ import annotations

import jmespath
import pytest

from scanner.engine.functions import OPTIONS, describe


def search(expression: str, data: object = None) -> object:
    return jmespath.search(expression, data or {}, options=OPTIONS)


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [(["allow", "allow"], True), (["allow", "deny", "unknown"], False), (["allow", "unknown"], None), ([], True)],
)
def test_allow_all_lets_a_definite_deny_win_over_unknown(verdicts, expected):
    assert search("allow_all(v)", {"v": verdicts}) is expected


@pytest.mark.parametrize(
    ("failures", "unknowns", "expected"),
    [([], [], True), (["x"], ["y"], False), ([], ["y"], None)],
)
def test_judge_orders_failure_then_undecided_then_pass(failures, unknowns, expected):
    assert search("judge(f, u)", {"f": failures, "u": unknowns}) is expected


def test_parse_yaml_reads_a_configmap_value():
    assert search("parse_yaml(t).nonMasqueradeCIDRs", {"t": "nonMasqueradeCIDRs:\n  - 10.0.0.0/8\n"}) == ["10.0.0.0/8"]


def test_parse_yaml_refuses_python_object_tags():
    assert search("parse_yaml(t)", {"t": "!!python/object/apply:os.system ['true']"}) is None


def test_unique_keeps_the_first_of_equal_values_in_order():
    assert search("unique(v)", {"v": [{"a": 1}, {"a": 2}, {"a": 1}]}) == [{"a": 1}, {"a": 2}]


def test_describe_names_the_rule_its_priority_and_the_nsg():
    decision = {"verdict": "deny", "rule": "DenyAll", "priority": 100, "nsg": "nsg1", "partial": True}
    assert describe(decision) == "denied (part of the flow) by rule DenyAll (priority 100) of NSG nsg1"
