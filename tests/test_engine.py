"""Rule engine: loading and validating rule files, templates, and the order that decides a status."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scanner.engine.evaluate import evaluate, evaluate_rule, fingerprint
from scanner.engine.loader import load_pack, load_rule, select
from scanner.engine.template import Template
from scanner.errors import InputError

VALID = """\
id: TEST-001
title: A rule for the engine's tests
severity: high
category: testing
profile: baseline
subject: cluster
description: Exists so the engine's behaviour can be specified without the built-in pack.
when:
  - test: plugin.family == 'kubenet'
    reason: not a kubenet cluster
requires:
  - test: kube.supplied
    missing: no Kubernetes data
facts:
  value: size
check: facts.value
undecided: "'size is unknown'"
evidence:
  size: facts.value
message:
  pass: "{name} passes with {facts.value}"
  fail: "{name} fails with {evidence.size}"
fix: Fix the thing this test rule checks, in prose.
remediation: "Fix {name}."
references: [https://learn.microsoft.com/azure/aks/]
"""


def write_rule(tmp_path: Path, text: str = VALID, name: str = "rule.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def view(**overrides) -> dict:
    base = {"id": "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
            "name": "c1", "plugin": {"family": "kubenet"}, "kube": {"supplied": True}, "size": True}
    return {**base, **overrides}


@pytest.fixture
def rule(tmp_path):
    return load_rule(write_rule(tmp_path))


# --- loading ------------------------------------------------------------------------------------

def test_the_built_in_pack_loads_with_a_version_and_a_hash_of_its_files():
    pack = load_pack()
    assert {"APISRV-006", "APISRV-007", "KUBENET-003", "OVERLAY-005", "MIGRATE-006"} <= {r.id for r in pack.rules}
    assert len(pack.sha256) == 64


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("severity: high", "severity: urgent", "severity"),
        ("id: TEST-001", "id: test1", "id"),
        ("check: facts.value", "check: facts.value[", "check"),
        ("  value: size", "  value: no_such_function(size)", "facts.value"),
        ("    reason: not a kubenet cluster", "    reason: not a kubenet cluster\n    extra: 1", "when[0]"),
        ('  fail: "{name} fails with {evidence.size}"', '  fail: "{name} fails with {evidence.size"', "message.fail"),
        ("  - test: kube.supplied", "  - test: '!kube.supplied'", "requires[0].test"),
        ("references: [https://learn.microsoft.com/azure/aks/]", "references: [http://example.com]", "references[0]"),
    ],
)
def test_a_malformed_rule_names_the_file_and_the_field(tmp_path, old, new, field):
    assert old in VALID
    path = write_rule(tmp_path, VALID.replace(old, new))
    with pytest.raises(InputError) as error:
        load_rule(path)
    message = str(error.value)
    assert message.startswith(f"{path}: {field}"), message


def test_a_rule_file_that_is_not_yaml_names_the_line(tmp_path):
    path = write_rule(tmp_path, "id: [unclosed\n")
    with pytest.raises(InputError, match=r"not valid YAML at line \d+"):
        load_rule(path)


def test_a_missing_required_field_is_named(tmp_path):
    path = write_rule(tmp_path, VALID.replace("check: facts.value\n", ""))
    with pytest.raises(InputError, match="'check' is a required property"):
        load_rule(path)


def test_two_files_with_one_id_are_refused(tmp_path):
    write_rule(tmp_path, name="a.yaml")
    write_rule(tmp_path, name="b.yaml")
    with pytest.raises(InputError, match="TEST-001 is already defined"):
        load_pack(tmp_path)


def test_profiles_select_rules_and_an_unknown_profile_is_refused():
    rules = load_pack().rules
    assert "MIGRATE-006" not in {r.id for r in select(rules, ["baseline"])}
    assert {r.profile for r in select(rules, ["overlay-migration"])} == {"overlay-migration"}
    assert "MIGRATE-006" in {r.id for r in select(rules, ["overlay-migration"])}
    assert len(select(rules, ["all"])) == len(rules)
    with pytest.raises(InputError, match="unknown profile"):
        select(rules, ["everything"])


# --- templates ----------------------------------------------------------------------------------

def test_a_template_fills_placeholders_with_jmespath_and_keeps_doubled_braces():
    text = Template.compile("{name} has {{literal}} and {items}").render({"name": "aks1", "items": ["a", "b"]})
    assert text == "aks1 has {literal} and a, b"


def test_a_template_cannot_reach_python_attributes():
    text = Template.compile("{name.__class__}").render({"name": "aks1"})
    assert text == "(unknown)"


# --- deciding a status --------------------------------------------------------------------------

def test_applicability_comes_before_missing_data(rule):
    finding = evaluate_rule(rule, view(plugin={"family": "overlay"}, kube={"supplied": False}))
    assert finding.status == "not_applicable"
    assert finding.message == "Not applicable: not a kubenet cluster."


def test_missing_required_data_is_an_error_naming_it(rule):
    finding = evaluate_rule(rule, view(kube={"supplied": False}))
    assert finding.status == "error"
    assert "no Kubernetes data" in finding.message
    assert finding.remediation.startswith("Supply what the message names")


@pytest.mark.parametrize(("size", "status"), [(True, "pass"), (False, "fail"), (None, "error")])
def test_the_check_decides_pass_fail_or_error(rule, size, status):
    assert evaluate_rule(rule, view(size=size)).status == status


def test_an_undecided_check_gives_the_reasons_and_never_passes(rule):
    finding = evaluate_rule(rule, view(size=None))
    assert finding.message == "Cannot be decided: size is unknown."
    assert finding.evidence["undecided"] == ["size is unknown"]


def test_a_check_returning_a_non_boolean_is_an_error(rule):
    finding = evaluate_rule(rule, view(size="yes"))
    assert finding.status == "error"
    assert "returned str" in finding.message


def test_messages_and_remediation_render_from_facts_and_evidence(rule):
    finding = evaluate_rule(rule, view(size=False))
    assert finding.message == "c1 fails with no"
    assert finding.remediation == "Fix c1."
    assert finding.evidence == {"size": False}


def test_a_passing_finding_carries_no_remediation(rule):
    assert evaluate_rule(rule, view()).remediation == ""


def test_the_fingerprint_ignores_the_case_of_the_resource_id(rule):
    finding = evaluate_rule(rule, view())
    assert finding.to_dict()["fingerprint"] == fingerprint("TEST-001", view()["id"].upper())


def test_a_type_error_on_unforeseen_data_is_that_findings_error_not_a_crash(tmp_path):
    rule = load_rule(write_rule(tmp_path, VALID.replace("  value: size", "  value: length(size)")))
    [finding] = evaluate([rule], {"cluster": [view(size=7)]})
    assert finding.status == "error"
    assert "could not be evaluated" in finding.message
