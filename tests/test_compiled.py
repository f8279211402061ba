"""Compiled expressions give exactly what jmespath's own interpreter gives, on every rule and case."""

from __future__ import annotations

import jmespath
import pytest
from jmespath.parser import ParsedResult

from scanner import armid, inventory
from scanner.collect.snapshot import Snapshot
from scanner.engine.cases import _rows, case_path, load_cases
from scanner.engine.compiled import Expression, compile_expression
from scanner.engine.evaluate import evaluate_rule
from scanner.engine.functions import OPTIONS
from scanner.engine.loader import load_pack
from scanner.engine.template import Template


def _expressions(rule) -> list[Expression]:
    found = [e for e, _ in rule.when] + [e for e, _ in rule.requires] + [e for _, e in rule.facts]
    found += [e for _, e in rule.evidence] + [rule.check] + ([rule.undecided] if rule.undecided else [])
    for template in [*rule.message.values(), rule.remediation]:
        found += template.expressions()
    return found


def _interpreted(rule):
    """The same rule, every expression run by jmespath's TreeInterpreter instead."""
    for expression in _expressions(rule):
        reference = ParsedResult(expression.expression, expression.parsed)
        expression._run = lambda value, ref=reference: ref.search(value, options=OPTIONS)
    return rule


COMPILED = load_pack().rules
INTERPRETED = {r.id: _interpreted(r) for r in load_pack().rules}


@pytest.mark.parametrize("rule", COMPILED, ids=lambda r: r.id)
def test_every_case_gives_the_same_finding_compiled_and_interpreted(rule):
    document = load_cases(case_path(rule), rule.id)
    for case in document["cases"]:
        rows = _rows(document, case)
        names = {r.get("name"): r["id"] for r in rows}
        kube = {armid.key(names[n]): objects for n, objects in case.get("kube", {}).items()}
        views = inventory.build(Snapshot(rows=rows, kube=kube), case.get("parameters", {})).views("cluster")
        params = {**rule.defaults(), **case.get("rule_parameters", {})}
        for view in views:
            compiled = evaluate_rule(rule, view, params).to_dict()
            interpreted = evaluate_rule(INTERPRETED[rule.id], view, params).to_dict()
            assert compiled == interpreted, f"{rule.id}: {case['name']}: {view['name']}"


@pytest.mark.parametrize("text", [
    "a.b.c", "a[0]", "a[-1]", "a[1:3]", "a[::-1]", "a[*].b", "a[].b", "a[?b > `1`].c", "*.b", "a.*",
    "a || b", "a && b", "!a", "!`0`", "a == b", "a != b", "a < b", "a >= `2`", "'x' < 'y'",
    "{x: a, y: b}", "[a, b]", "a | [0]", "length(a)", "sort_by(l, &n)[].n", "max_by(l, &n).n",
    "map(&n, l)", "a[?contains(@, 'x')]", "@", "l[].n | sum(@)", "not_null(z, a)", "to_string(a)",
])
def test_expressions_agree_with_the_interpreter(text):
    data = {"a": [1, 2, 3, "x"], "b": 2, "l": [{"n": 3}, {"n": 1}, {"n": 2}], "z": None}
    for value in (data, {"a": {"b": {"c": 1}}, "b": 0}, None, [], "s"):
        try:
            expected = jmespath.search(text, value, options=OPTIONS)
        except jmespath.exceptions.JMESPathError as exc:
            with pytest.raises(type(exc)):
                compile_expression(text).search(value)
            continue
        assert compile_expression(text).search(value) == expected, (text, value)


def test_templates_use_compiled_placeholders():
    template = Template.compile("{name} has {length(pools)} pools")
    assert all(isinstance(e, Expression) for e in template.expressions())
    assert template.render({"name": "aks1", "pools": [1, 2]}) == "aks1 has 2 pools"
