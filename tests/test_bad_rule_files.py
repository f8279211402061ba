"""Rule, case, config and suppression files are untrusted too: a fault is exit 2 naming the file and the field,
before anything is collected; and `matches()` runs in linear time whatever the pattern (RE2).

Most single faults are specified beside their loaders (test_engine, test_rules_cli, test_config,
test_suppress_baseline); this file adds what those leave out: wrong types, case files, the CLI's one line
and exit 2 for each kind, the order (files checked before any input is read), and the timing bound.
"""

from __future__ import annotations

import re
import textwrap
import time

import jmespath
import pytest
from test_engine import VALID, write_rule
from test_rules_cli import own_rule

from scanner import cli
from scanner.collect import sources
from scanner.engine.functions import OPTIONS
from scanner.engine.loader import load_rule
from scanner.errors import InputError


@pytest.fixture
def nothing_collected(monkeypatch):
    """Fails the test if the scan gets as far as reading its input (files or a tenant)."""
    def gather(args):
        raise AssertionError("the input was read before the rule, config and suppression files were checked")

    monkeypatch.setattr(sources, "gather", gather)


def one_line_exit_2(capsys, argv: list[str]) -> str:
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(("old", "new", "field"), [
    ("title: A rule for the engine's tests", "title: 12", "title"),
    ("severity: high", "severity: [high]", "severity"),
    ("when:\n  - test: plugin.family == 'kubenet'\n    reason: not a kubenet cluster", "when: kubenet only", "when"),
    ("references: [https://learn.microsoft.com/azure/aks/]", "references: https://learn.microsoft.com/azure/aks/",
     "references"),
    ("check: facts.value", "check: {value: 1}", "check"),
    ("facts:\n  value: size", "facts: [size]", "facts"),
    ("check: facts.value", "check: matches('(a)\\1', name)", "check"),  # a backreference: Python yes, RE2 no
])
def test_a_wrong_typed_rule_field_names_the_file_and_the_field(tmp_path, old, new, field):
    assert old in VALID
    path = write_rule(tmp_path, VALID.replace(old, new))
    with pytest.raises(InputError) as error:
        load_rule(path)
    assert str(error.value).startswith(f"{path}: {field}"), str(error.value)


@pytest.mark.parametrize(("old", "new", "what"), [
    ("check: judge(facts.tooLong, `[]`)", "check: judge(facts.tooLong, `[]`)\ncolour: red", "colour"),
    ("check: judge(facts.tooLong, `[]`)", "check: judge(facts.tooLong[, `[]`)", "check: invalid JMESPath"),
    ("check: judge(facts.tooLong, `[]`)", "check: no_such_function(facts.tooLong)",
     "unknown function no_such_function"),
    ("check: judge(facts.tooLong, `[]`)", "check: matches('(unclosed', name)", "RE2 cannot compile"),
    ("severity: ", "severity: [high]\nx_severity: ", "severity"),
])
def test_a_bad_users_rule_is_exit_2_with_one_line_before_anything_is_collected(capsys, tmp_path, nothing_collected,
                                                                               old, new, what):
    path = own_rule(tmp_path / "ours")
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    for argv in (["scan", "--demo", "--rules", str(tmp_path / "ours"), "--output-dir", str(tmp_path / "out")],
                 ["readiness", "--target", "overlay", "--all", "--demo", "--rules", str(tmp_path / "ours")]):
        err = one_line_exit_2(capsys, argv)
        assert str(path) in err and what in err, err
    assert not (tmp_path / "out").exists()


def test_one_id_in_two_users_folders_is_exit_2_naming_both_files(capsys, tmp_path, nothing_collected):
    first, second = own_rule(tmp_path / "a"), own_rule(tmp_path / "b")
    err = one_line_exit_2(capsys, ["scan", "--demo", "--rules", str(tmp_path / "a"), "--rules", str(tmp_path / "b"),
                                   "--output-dir", str(tmp_path / "out")])
    assert str(first) in err and str(second) in err


def test_a_bad_config_or_suppressions_file_is_exit_2_before_anything_is_collected(capsys, tmp_path,
                                                                                  nothing_collected):
    config = tmp_path / "config.yaml"
    config.write_text("parameters:\n  onprem_prefixes: 10.0.0.0/8\n", encoding="utf-8")
    err = one_line_exit_2(capsys, ["scan", "--demo", "--config", str(config), "--output-dir", str(tmp_path / "o")])
    assert f"{config}: parameters.onprem_prefixes" in err
    accepted = tmp_path / "suppressions.yaml"
    accepted.write_text("suppressions:\n  - {rule: 12, reason: [not, text]}\n", encoding="utf-8")
    err = one_line_exit_2(capsys, ["scan", "--demo", "--suppressions", str(accepted), "--output-dir",
                                   str(tmp_path / "o")])
    assert f"{accepted}: suppressions[0]" in err
    err = one_line_exit_2(capsys, ["readiness", "--target", "overlay", "--all", "--demo", "--config", str(config)])
    assert f"{config}: parameters.onprem_prefixes" in err


@pytest.mark.parametrize(("change", "where"), [
    (lambda text: text + "colour: red\n", "(top level)"),
    (lambda text: text.replace("rule: CONTOSO-001", "rule: 12"), "rule"),
    (lambda text: re.sub(r"(?m)^  - name: (.*)$", r"  - name: 12345", text, count=1), "cases[0].name"),
    (lambda text: re.sub(r"(?m)^  - name: (.*)$", r"  - name: \1\n    colour: red", text, count=1), "cases[0]"),
    (lambda text: re.sub(r"(?m)^  - name: (.*)$", r"  - name: \1\n    rows: [no-such-row]", text, count=1),
     "cases[0].rows"),
])
def test_a_bad_case_file_is_exit_2_naming_the_file_and_the_field(capsys, tmp_path, change, where):
    own_rule(tmp_path / "ours")
    cases = tmp_path / "ours" / "CONTOSO-001.cases.yaml"
    text = cases.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text
    cases.write_text(changed, encoding="utf-8")
    code = cli.main(["rules", "test", str(tmp_path / "ours")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{cases}: {where}" in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_pattern_that_backtracks_in_pythons_re_runs_in_linear_time_through_matches():
    pattern, subject = "(a+)+$", "a" * 40 + "b"  # Python's re would take about 2**40 steps on this
    started = time.perf_counter()
    assert jmespath.search(f"matches('{pattern}', v)", {"v": subject}, options=OPTIONS) is False
    assert jmespath.search("matches(p, v)", {"p": pattern, "v": subject * 1000}, options=OPTIONS) is False
    assert time.perf_counter() - started < 1.0  # a loose safety bound, not a benchmark: RE2 is linear


def test_a_pattern_from_the_data_that_re2_refuses_cannot_tell_and_does_not_crash():
    assert jmespath.search("matches(p, v)", {"p": "(unclosed", "v": "x"}, options=OPTIONS) is None


def test_a_rule_matching_against_a_hostile_name_still_evaluates(run_scan, tmp_path):
    path = own_rule(tmp_path / "ours")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "check: judge(facts.tooLong, `[]`)", "check: matches('^(a+)+$', name)"), encoding="utf-8")
    result = run_scan("--demo", "--rules", str(tmp_path / "ours"))
    assert result.code == 0, result.stderr
    assert {f["status"] for f in result.findings("CONTOSO-001")} <= {"pass", "fail", "not_applicable"}


def test_the_valid_model_rule_still_loads(tmp_path):
    """The fixtures above change one thing each: the unchanged model must load."""
    assert load_rule(write_rule(tmp_path, textwrap.dedent(VALID))).id == "TEST-001"
