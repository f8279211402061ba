"""The scan command end to end: demo tenant, both input shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from azure_rows import cluster_row, envelope

from scanner.demo import demo_inputs
from scanner.engine import loader

FIVE_RULES = ("APISRV-006", "APISRV-007", "KUBENET-003", "OVERLAY-005", "MIGRATE-006")


@pytest.fixture(scope="module")
def demo_rows() -> list[dict]:
    files, _ = demo_inputs()
    return [row for f in files for row in json.loads(Path(f).read_text(encoding="utf-8"))["data"]]


def test_the_demo_writes_both_reports_with_a_fail_and_a_pass_of_each_rule(run_scan):
    result = run_scan("--demo", "--profile", "all")
    assert result.code == 0
    assert (result.out_dir / "report.html").is_file()
    for rule_id in FIVE_RULES:
        statuses = {f["status"] for f in result.findings(rule_id)}
        assert {"fail", "pass"} <= statuses, rule_id


def test_the_demo_shows_a_fail_and_a_pass_in_every_category(run_scan):
    result = run_scan("--demo", "--profile", "all")
    categories = {r["category"] for r in result.report["rules"]}
    assert len(categories) == 9
    for category in categories:
        statuses = {f["status"] for f in result.findings() if f["category"] == category}
        assert {"fail", "pass"} <= statuses, category


def test_the_demo_plants_drift_where_its_readme_says(run_scan):
    result = run_scan("--demo", "--profile", "all")
    assert result.status("DUALSTACK-001", "aks-edge-dualstack") == "fail"  # calico on a dual-stack cluster
    assert result.status("IPAM-002", "aks-edge-dualstack") == "fail"  # service CIDR over the peered vnet-mgmt
    assert result.status("IDENT-001", "aks-edge-dualstack") == "fail"  # a read-only custom role at mg-platform
    assert result.status("DUALSTACK-007", "aks-edge-dualstack") == "pass"  # its kube data: Local on IPv6
    assert result.status("IDENT-001", "aks-legacy-orders") == "error"  # service principal, no sp_object_ids
    assert result.status("LB-001", "aks-legacy-orders") == "pass"  # sku.name Basic is the cluster's own SKU
    assert result.status("APISRV-007", "aks-checkout-prod") == "fail"
    assert result.status("APISRV-007", "aks-payments-prod") == "pass"
    assert result.status("APISRV-007", "aks-dev-sandbox") == "not_applicable"
    assert result.status("KUBENET-003", "aks-legacy-orders") == "fail"
    assert result.status("KUBENET-003", "aks-batch-kubenet") == "pass"
    assert result.status("MIGRATE-006", "aks-legacy-orders") == "error"  # no Kubernetes data given


def test_the_summary_names_counts_and_report_paths(run_scan):
    result = run_scan("--demo")
    assert "by status:" in result.stdout and "coverage:    complete" in result.stdout
    assert str(result.out_dir / "report.json") in result.stdout


def test_envelope_and_bare_array_of_the_demo_rows_give_the_same_findings(run_scan, write_json, demo_rows):
    _, kube = demo_inputs()
    kube_args = [arg for k in kube for arg in ("--kube-input", k)]
    as_envelope = run_scan("--input", write_json("env.json", envelope(demo_rows)), *kube_args, "--profile", "all")
    as_array = run_scan("--input", write_json("arr.json", demo_rows), *kube_args, "--profile", "all")

    def key(result):
        return [(f["fingerprint"], f["status"], f["message"]) for f in result.findings()]

    assert key(as_envelope) == key(as_array)
    assert as_array.report["coverage"]["warnings"] and not as_envelope.report["coverage"]["warnings"]


def test_a_truncated_envelope_exits_1_without_allow_partial(run_scan, write_json, demo_rows):
    page = write_json("page1.json", envelope(demo_rows[:10], skip_token="abc", total_records=len(demo_rows)))
    result = run_scan("--input", page)
    assert result.code == 1
    assert result.report["coverage"]["complete"] is False
    assert "INCOMPLETE" in result.stdout


def test_a_truncated_envelope_exits_0_with_allow_partial(run_scan, write_json, demo_rows):
    page = write_json("page1.json", envelope(demo_rows[:10], skip_token="abc", total_records=len(demo_rows)))
    assert run_scan("--input", page, "--allow-partial").code == 0


def test_fail_on_trips_on_a_finding_at_or_above_the_severity(run_scan):
    assert run_scan("--demo", "--fail-on", "critical").code == 1


def test_fail_on_ignores_failures_below_the_severity(run_scan, write_json):
    rows = write_json("rows.json", envelope([cluster_row("aks1", "kubenet")]))
    result = run_scan("--input", rows, "--profile", "all", "--fail-on", "critical")
    assert result.status("MIGRATE-006", "aks1") == "error"  # high, below the gate
    assert result.code == 0


def test_findings_alone_never_make_the_exit_code_non_zero(run_scan):
    result = run_scan("--demo")
    assert any(f["status"] == "fail" for f in result.findings())
    assert result.code == 0


def test_format_json_writes_only_the_json_report(run_scan):
    result = run_scan("--demo", "--format", "json")
    assert sorted(p.name for p in result.out_dir.iterdir()) == ["report.json"]


def test_a_malformed_input_file_exits_2_with_one_line_and_no_report(run_scan, tmp_path):
    bad = tmp_path / "rows.json"
    bad.write_text('{"data": [}', encoding="utf-8")
    result = run_scan("--input", bad)
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert str(bad) in result.stderr and "not valid JSON" in result.stderr
    assert not result.out_dir.exists()


def test_a_malformed_rule_file_exits_2_naming_file_and_field(run_scan, tmp_path):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    source = Path(loader.RULES_DIR / "kubenet" / "KUBENET-003.yaml").read_text(encoding="utf-8")
    text = source.replace("severity: critical", "severity: urgent").replace("id: KUBENET-003", "id: CONTOSO-003")
    (rules_dir / "CONTOSO-003.yaml").write_text(text)
    result = run_scan("--demo", "--rules", str(rules_dir))
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert "CONTOSO-003.yaml: severity:" in result.stderr
    assert not result.out_dir.exists()


def test_an_ambiguous_kube_input_name_exits_2(run_scan, write_json, tmp_path):
    rows = write_json("rows.json", envelope([cluster_row("aks1", rg="a"), cluster_row("aks1", rg="b")]))
    kube = write_json("k.json", {"apiVersion": "v1", "kind": "List", "items": []})
    result = run_scan("--input", rows, "--kube-input", f"aks1={kube}")
    assert result.code == 2 and "matches 2 clusters" in result.stderr


@pytest.mark.parametrize("args", [["--no-such-option"], ["--format", "pdf"], ["--fail-on", "urgent"], []])
def test_usage_errors_exit_2_with_one_line(run_scan, args):
    result = run_scan(*args)
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("aks-netaudit: error:")


def test_python_dash_m_scanner_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "scanner", "--version"], capture_output=True, text=True, check=False)
    assert done.returncode == 0
    assert done.stdout.startswith("aks-netaudit ")


def test_an_output_dir_that_cannot_be_written_exits_2_with_one_line(run_scan, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run_scan("--demo", out_dir=blocker / "out")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "cannot write the reports" in result.stderr
