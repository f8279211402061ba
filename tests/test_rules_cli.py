"""`aks-netaudit rules list | show | test` and users' rule folders (`--rules DIR`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rules import RULES_DIR
from scanner import cli
from scanner.engine.loader import load_pack
from scanner.errors import InputError
from scanner.rules_cli import describe

MODEL = RULES_DIR / "azure-cni-overlay" / "OVERLAY-005.yaml"
MODEL_CASES = RULES_DIR / "azure-cni-overlay" / "OVERLAY-005.cases.yaml"


def own_rule(folder: Path, rule_id: str = "CONTOSO-001", cases: bool = True) -> Path:
    """A user's rule: the OVERLAY-005 file under another id, with its cases."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{rule_id}.yaml"
    path.write_text(MODEL.read_text(encoding="utf-8").replace("id: OVERLAY-005", f"id: {rule_id}"), encoding="utf-8")
    if cases:
        text = MODEL_CASES.read_text(encoding="utf-8").replace("rule: OVERLAY-005", f"rule: {rule_id}")
        (folder / f"{rule_id}.cases.yaml").write_text(text, encoding="utf-8")
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_rules_list_json_lists_every_built_in_rule_with_its_static_text(capsys):
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    assert code == 0
    listed = json.loads(out)
    assert [r["id"] for r in listed] == [r.id for r in load_pack().rules]
    assert all(r["fix"] and r["references"] and r["description"] for r in listed)


def test_rules_list_filters_by_profile(capsys):
    _, out, _ = run(capsys, "rules", "list", "--profile", "overlay-migration", "--format", "json")
    assert {r["profile"] for r in json.loads(out)} == {"overlay-migration"}


def test_rules_show_gives_why_how_to_fix_and_references(capsys):
    code, out, _ = run(capsys, "rules", "show", "overlay-005")
    assert code == 0
    assert "Why" in out and "How to fix" in out and "https://learn.microsoft.com/" in out


def test_rules_show_of_an_unknown_id_is_exit_2(capsys):
    code, _, err = run(capsys, "rules", "show", "NOPE-999")
    assert code == 2 and "NOPE-999" in err


def test_rules_test_runs_a_users_folder_and_prints_one_line_per_case(capsys, tmp_path):
    own_rule(tmp_path / "ours")
    code, out, _ = run(capsys, "rules", "test", str(tmp_path / "ours"))
    lines = [line for line in out.splitlines() if line.startswith(("ok", "FAIL"))]
    assert code == 0
    assert lines and all(line.startswith("ok") and "CONTOSO-001" in line for line in lines)
    assert out.splitlines()[-1] == f"rules test: {len(lines)} passed, 0 failed"


def test_rules_test_exits_1_on_a_failing_case(capsys, tmp_path):
    own_rule(tmp_path / "ours")
    cases = tmp_path / "ours" / "CONTOSO-001.cases.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("{status: pass,", "{status: fail,"), encoding="utf-8")
    code, out, _ = run(capsys, "rules", "test", str(tmp_path / "ours"))
    assert code == 1
    assert "FAIL CONTOSO-001 names of exactly 63 characters pass" in out


def test_a_rule_without_cases_fails_its_test(capsys, tmp_path):
    own_rule(tmp_path / "ours", cases=False)
    code, out, _ = run(capsys, "rules", "test", str(tmp_path / "ours"))
    assert code == 1 and "does not exist" in out


def test_a_users_rule_runs_beside_the_built_in_ones(run_scan, tmp_path):
    own_rule(tmp_path / "ours")
    result = run_scan("--demo", "--rules", str(tmp_path / "ours"))
    assert result.code == 0
    assert result.findings("CONTOSO-001")
    entry = next(r for r in result.report["rules"] if r["id"] == "CONTOSO-001")
    assert entry["built_in"] is False


def test_a_users_rule_may_not_take_a_built_in_prefix(tmp_path):
    path = own_rule(tmp_path / "ours", "OVERLAY-900")
    with pytest.raises(InputError, match=rf"{path}: id: OVERLAY-900 uses the built-in prefix OVERLAY"):
        load_pack(user_dirs=[tmp_path / "ours"])


def test_an_id_defined_twice_across_folders_names_both_files(tmp_path):
    first = own_rule(tmp_path / "a")
    second = own_rule(tmp_path / "b")
    with pytest.raises(InputError) as error:
        load_pack(user_dirs=[tmp_path / "a", tmp_path / "b"])
    assert str(second) in str(error.value) and str(first) in str(error.value)


def test_a_matches_pattern_re2_refuses_is_exit_2_naming_the_file(run_scan, tmp_path):
    path = own_rule(tmp_path / "ours")
    path.write_text(path.read_text(encoding="utf-8").replace(
        "check: judge(facts.tooLong, `[]`)", "check: matches('(unclosed', name)"), encoding="utf-8")
    result = run_scan("--demo", "--rules", str(tmp_path / "ours"))
    assert result.code == 2
    assert str(path) in result.stderr and "RE2" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_report_lists_every_rule_that_ran_and_names_its_scan(run_scan):
    result = run_scan("--demo", "--profile", "all")
    report = result.report
    assert {r["id"] for r in report["rules"]} == {f["rule_id"] for f in report["findings"]}
    assert report["scan"]["rules"] == len(report["rules"])
    assert len(report["scan"]["id"]) == 36


def test_copying_the_built_in_folder_as_a_users_folder_is_refused(tmp_path):
    shutil.copytree(RULES_DIR / "azure-cni-overlay", tmp_path / "copy")
    with pytest.raises(InputError, match="built-in prefix"):
        load_pack(user_dirs=[tmp_path / "copy"])


@pytest.mark.parametrize("rule", load_pack().rules, ids=lambda r: r.id)
def test_rules_show_answers_for_every_built_in_rule(rule):
    text = describe(rule)
    assert text.startswith(f"{rule.id}  {rule.title}") and rule.references[0] in text
    assert "Why" in text and "How to fix" in text
