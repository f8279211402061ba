"""--config: scan-wide and per-rule parameters, checked against the rules in force before anything runs."""

from __future__ import annotations

import textwrap

import pytest

from scanner.config import load_config
from scanner.engine.loader import load_pack
from scanner.errors import InputError

RULES = list(load_pack().rules)


def config_file(tmp_path, text: str):
    path = tmp_path / "aks-netaudit.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_scan_parameters_are_read(tmp_path):
    path = config_file(tmp_path, """\
        parameters:
          onprem_prefixes: [10.0.0.0/8, 192.168.0.0/16]
          sp_object_ids: {"909e11c7-fd28-41c9-9c36-f814764229c4": "584c5d03-5379-4e68-bb20-8e6d5188d4f8"}
        """)
    config = load_config(path, RULES)
    assert config.parameters["onprem_prefixes"] == ["10.0.0.0/8", "192.168.0.0/16"]
    assert config.path == str(path)


def test_no_config_means_no_parameters():
    config = load_config(None, RULES)
    assert config.parameters == {} and config.rules == {}


@pytest.mark.parametrize(("text", "where"), [
    ("parameters:\n  onprem_prefix: [10.0.0.0/8]\n", "parameters"),
    ("parameters:\n  onprem_prefixes: 10.0.0.0/8\n", "parameters.onprem_prefixes"),
    ("parameters:\n  onprem_prefixes: [10.0.0.0/33]\n", "parameters.onprem_prefixes[0]"),
    ("rule:\n  X: 1\n", "(top level)"),
    ("rules:\n  NOPE-001: {x: 1}\n", "rules.NOPE-001"),
    ("rules:\n  OVERLAY-005: {max_pods: 110}\n", "rules.OVERLAY-005.max_pods"),
])
def test_an_unknown_key_or_wrong_type_names_the_file_and_the_key(tmp_path, text, where):
    path = config_file(tmp_path, text)
    with pytest.raises(InputError) as error:
        load_config(path, RULES)
    assert str(error.value).startswith(f"{path}: {where}"), str(error.value)


def test_a_rule_parameter_of_the_wrong_type_is_refused(tmp_path):
    rule = next((r for r in RULES if r.parameters), None)
    if rule is None:
        pytest.fail("no built-in rule declares a parameter")
    name, spec = next(iter(rule.parameters.items()))
    wrong = "not-a-number" if spec["type"] in ("integer", "number", "cidr", "cidr_list") else 12
    path = config_file(tmp_path, f"rules:\n  {rule.id}:\n    {name}: {wrong}\n")
    with pytest.raises(InputError, match=rf"rules\.{rule.id}\.{name}: must be"):
        load_config(path, RULES)


def test_the_scan_records_the_parameters_in_force(run_scan, tmp_path):
    path = config_file(tmp_path, "parameters:\n  onprem_prefixes: [10.0.0.0/8]\n")
    result = run_scan("--demo", "--config", str(path))
    assert result.code == 0
    parameters = result.report["scan"]["parameters"]
    assert parameters["scan"] == {"onprem_prefixes": ["10.0.0.0/8"]}
    assert parameters["config"] == str(path)


def test_a_bad_config_is_exit_2_before_any_report(run_scan, tmp_path):
    path = config_file(tmp_path, "parameters: {unknown: 1}\n")
    result = run_scan("--demo", "--config", str(path))
    assert result.code == 2
    assert str(path) in result.stderr
    assert not (result.out_dir / "report.json").exists()


def test_sp_object_ids_let_a_service_principal_cluster_reach_a_verdict(run_scan, tmp_path):
    """The demo's aks-legacy-orders runs on a service principal: mapped, its Network Contributor grant counts."""
    path = config_file(tmp_path, """\
        parameters:
          sp_object_ids: {"909e11c7-fd28-41c9-9c36-f814764229c4": "584c5d03-5379-4e68-bb20-8e6d5188d4f8"}
        """)
    without = run_scan("--demo")
    with_map = run_scan("--demo", "--config", str(path))
    assert without.status("IDENT-001", "aks-legacy-orders") == "error"
    assert with_map.status("IDENT-001", "aks-legacy-orders") == "pass"
