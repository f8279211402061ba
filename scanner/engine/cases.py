"""Rule cases as data: `<ID>.cases.yaml` beside each rule, run the way a scan runs the rule.

A case is rows in (Resource Graph shapes, named and shared within the file, changed per case by
JSON merge patches), optional Kubernetes objects and parameters, and the finding expected per
cluster. `aks-netaudit rules test` and the test suite run the same cases through the real
inventory and engine, so a case proves what a user's scan would report.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

from rules import RULES_DIR
from scanner import armid, inventory
from scanner.collect.snapshot import Snapshot
from scanner.engine import params as param_types
from scanner.engine.evaluate import evaluate_rule
from scanner.engine.functions import DECISIONS
from scanner.engine.loader import Rule
from scanner.errors import InputError
from scanner.inventory.rows import CLUSTER
from scanner.yamldoc import read_checked

CASE_SCHEMA_PATH = RULES_DIR / "case.schema.json"


@dataclass
class CaseResult:
    rule_id: str
    name: str
    path: str
    expected: dict = field(default_factory=dict)  # cluster → status
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def line(self) -> str:
        statuses = ", ".join(f"{cluster} {status}" for cluster, status in self.expected.items())
        return f"{'ok  ' if self.ok else 'FAIL'} {self.rule_id} {self.name} ({statuses})"


def merge_patch(target: object, patch: object) -> object:
    """RFC 7396: objects merge key by key, `null` deletes a key, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def case_path(rule: Rule) -> Path:
    path = Path(rule.path)
    return path.with_name(f"{rule.id}.cases.yaml")


def load_cases(path: Path, rule_id: str) -> dict:
    document = read_checked(path, CASE_SCHEMA_PATH, "case")
    if document["rule"] != rule_id:
        raise InputError(f"{path}: rule: {document['rule']} does not match the rule file's id {rule_id}")
    names = set(document["rows"])
    for index, case in enumerate(document["cases"]):
        for key in ("rows", "without"):
            unknown = [n for n in case.get(key, []) if n not in names]
            if unknown:
                raise InputError(f"{path}: cases[{index}].{key}: unknown row {unknown[0]!r}")
        unknown = [n for n in case.get("patch", {}) if n not in names]
        if unknown:
            raise InputError(f"{path}: cases[{index}].patch: unknown row {unknown[0]!r}")
    return document


def _rows(document: dict, case: dict) -> list[dict]:
    chosen = case.get("rows") or list(document["rows"])
    left_out = set(case.get("without", []))
    patches = case.get("patch", {})
    rows = [merge_patch(document["rows"][name], patches[name]) if name in patches
            else copy.deepcopy(document["rows"][name]) for name in chosen if name not in left_out]
    return rows + copy.deepcopy(case.get("add", []))


def _check_parameters(rule: Rule, given: dict) -> list[str]:
    problems = []
    for name, value in given.items():
        spec = rule.parameters.get(name)
        if spec is None:
            problems.append(f"rule_parameters: {rule.id} has no parameter {name!r}")
        elif not param_types.fits(spec["type"], value):
            problems.append(f"rule_parameters.{name}: must be {param_types.expected(spec['type'])}")
    return problems


def _compare(cluster: str, want: object, finding) -> list[str]:
    spec = want if isinstance(want, dict) else {"status": want}
    problems = []
    if finding.status != spec["status"]:
        problems.append(f"{cluster}: expected {spec['status']}, got {finding.status}: {finding.message}")
        return problems
    for label, text in (("message", finding.message), ("remediation", finding.remediation),
                        ("evidence", json.dumps(finding.evidence, sort_keys=True, default=str))):
        for fragment in spec.get(label, []):
            if fragment not in text:
                problems.append(f"{cluster}: {label} lacks {fragment!r}: {text}")
    return problems


def run_case(rule: Rule, document: dict, case: dict, path: Path) -> CaseResult:
    expect = case["expect"]
    result = CaseResult(rule.id, case["name"], str(path),
                        {c: (w["status"] if isinstance(w, dict) else w) for c, w in expect.items()})
    rows = _rows(document, case)
    clusters = {r.get("name"): r["id"] for r in rows if str(r.get("type", "")).lower() == CLUSTER}
    kube = {}
    for name, objects in case.get("kube", {}).items():
        if name not in clusters:
            result.problems.append(f"kube: no cluster named {name!r} among the rows")
        else:
            kube[armid.key(clusters[name])] = objects
    result.problems += _check_parameters(rule, case.get("rule_parameters", {}))
    if result.problems:
        return result
    views = inventory.build(Snapshot(rows=rows, kube=kube), case.get("parameters", {})).views("cluster")
    by_name = {v["name"]: v for v in views}
    params = {**rule.defaults(), **case.get("rule_parameters", {})}
    DECISIONS.clear()
    for cluster, want in expect.items():
        if cluster not in by_name:
            result.problems.append(f"{cluster}: no such cluster among the rows")
            continue
        result.problems += _compare(cluster, want, evaluate_rule(rule, by_name[cluster], params))
    return result


def run_rule_cases(rule: Rule) -> list[CaseResult]:
    """Every case of one rule; a rule without a case file gives one failing result saying so."""
    path = case_path(rule)
    if not path.exists():
        return [CaseResult(rule.id, "(no cases)", str(path), {}, [f"{path} does not exist"])]
    document = load_cases(path, rule.id)
    return [run_case(rule, document, case, path) for case in document["cases"]]
