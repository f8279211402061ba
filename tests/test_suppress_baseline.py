"""Accepted risk (--suppressions) and change over time (--baseline, diff), on the demo tenant."""

from __future__ import annotations

import hashlib
import json
import textwrap
from pathlib import Path

import pytest

from reports import build_report
from scanner import cli

EDGE = ("/subscriptions/3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10/resourcegroups/rg-edge/providers/"
        "Microsoft.ContainerService/managedClusters/aks-edge-dualstack")


@pytest.fixture
def suppressions(tmp_path):
    def write(text: str):
        path = tmp_path / "suppressions.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


def finding(result, rule_id: str, cluster: str) -> dict:
    return next(f for f in result.findings(rule_id) if f["cluster"] == cluster)


# --- suppressions ---------------------------------------------------------------------------------

def test_a_matching_entry_suppresses_a_failure_and_keeps_the_status_it_had(run_scan, suppressions):
    path = suppressions("""\
        suppressions:
          - rule: DUALSTACK-00*
            resource: "*/resourcegroups/RG-EDGE/*"
            reason: calico stays until the Cilium move in Q2
            owner: team-edge
            expires: 2099-06-30
        """)
    result = run_scan("--demo", "--suppressions", str(path))
    suppressed = finding(result, "DUALSTACK-001", "aks-edge-dualstack")
    assert suppressed["status"] == "suppressed"
    assert suppressed["suppression"] == {"reason": "calico stays until the Cilium move in Q2", "owner": "team-edge",
                                         "expires": "2099-06-30", "entry": 0, "status": "fail"}
    assert result.report["summary"]["by_status"]["suppressed"] == 1
    assert result.report["suppressions"]["unused"] == []


def test_suppressed_findings_never_trip_a_gate(run_scan, suppressions):
    path = suppressions("""\
        suppressions:
          - {rule: "*", reason: "accepted for the drill", tags: {env: prod}}
          - {rule: "*", resource: "*", reason: everything else of this demo}
        """)
    assert run_scan("--demo", "--fail-on", "low").code == 1
    assert run_scan("--demo", "--fail-on", "low", "--suppressions", str(path)).code == 0


def test_tags_must_match_every_key(run_scan, suppressions):
    path = suppressions("""\
        suppressions:
          - {tags: {team: "ed*", env: prod}, reason: the edge team accepts these}
          - {tags: {team: "payments"}, reason: no cluster has this tag}
        """)
    result = run_scan("--demo", "--suppressions", str(path))
    suppressed = {f["cluster"] for f in result.findings() if f["status"] == "suppressed"}
    assert suppressed == {"aks-edge-dualstack"}
    assert [u["entry"] for u in result.report["suppressions"]["unused"]] == [1]


def test_an_expired_entry_no_longer_suppresses_and_is_listed(run_scan, suppressions):
    path = suppressions("""\
        suppressions:
          - {rule: IPAM-002, resource: "*aks-edge-dualstack", reason: renumbering planned, expires: 2020-01-31}
        """)
    result = run_scan("--demo", "--suppressions", str(path))
    assert finding(result, "IPAM-002", "aks-edge-dualstack")["status"] == "fail"
    expired = result.report["suppressions"]["expired"]
    assert expired == [{"entry": 0, "rule": "IPAM-002", "resource": "*aks-edge-dualstack",
                        "reason": "renumbering planned", "expires": "2020-01-31", "would_match": True}]


def test_passes_are_never_suppressed_and_an_entry_that_matched_nothing_is_unused(run_scan, suppressions):
    path = suppressions("""\
        suppressions:
          - {rule: OVERLAY-005, resource: "*aks-payments-prod", reason: it passes anyway}
        """)
    result = run_scan("--demo", "--suppressions", str(path))
    assert finding(result, "OVERLAY-005", "aks-payments-prod")["status"] == "pass"
    assert result.report["suppressions"]["unused"][0]["entry"] == 0


def test_a_fingerprint_and_a_subscription_select_exactly(run_scan, suppressions):
    fingerprint = finding(run_scan("--demo"), "IDENT-001", "aks-edge-dualstack")["fingerprint"]
    path = suppressions(f"""\
        suppressions:
          - {{fingerprint: {fingerprint}, subscription: 3F9C2A71-5B8E-4D06-9A1F-2C7E8B4D5A10, reason: grant pending}}
        """)
    result = run_scan("--demo", "--suppressions", str(path))
    assert [f["rule_id"] for f in result.findings() if f["status"] == "suppressed"] == ["IDENT-001"]


@pytest.mark.parametrize(("text", "where"), [
    ("suppressions:\n  - {rule: X-001}\n", "suppressions[0]"),
    ("suppressions:\n  - {reason: nothing to match}\n", "suppressions[0]"),
    ("suppressions:\n  - {rule: X-001, reason: accepted, expires: 2027-02-30}\n", "suppressions[0].expires"),
    ("suppressions:\n  - {rule: X-001, reason: accepted, colour: red}\n", "suppressions[0]"),
])
def test_a_bad_suppressions_file_is_exit_2_naming_the_entry(run_scan, suppressions, text, where):
    path = suppressions(text)
    result = run_scan("--demo", "--suppressions", str(path))
    assert result.code == 2
    assert f"{path}: {where}" in result.stderr
    assert not (result.out_dir / "report.json").exists()


# --- baseline -------------------------------------------------------------------------------------

def rewritten(report: dict, change) -> dict:
    """The same report with findings changed, its summary recomputed (so it stays a valid report)."""
    findings = [change(dict(f)) for f in report["findings"]]
    findings = [f for f in findings if f is not None]
    return build_report(findings, report["scan"], report["coverage"], report["tool"]["version"], report["rules"])


def test_a_scan_against_itself_marks_every_failure_still_failing(run_scan):
    old = run_scan("--demo", "--profile", "all")
    new = run_scan("--demo", "--profile", "all", "--baseline", str(old.out_dir / "report.json"))
    marks = {f["baseline"] for f in new.findings() if f["status"] in ("fail", "error")}
    assert marks == {"still_failing"}
    assert all("baseline" not in f for f in new.findings() if f["status"] == "pass")
    counts = new.report["baseline"]["counts"]
    assert counts["new"] == counts["resolved"] == counts["gone"] == 0
    assert new.report["baseline"]["scan_id"] == old.report["scan"]["id"]


def test_new_resolved_gone_and_not_rechecked(run_scan, write_json):
    old = run_scan("--demo", "--profile", "all").report
    ghost = {**old["findings"][0], "resource_id": EDGE.replace("aks-edge-dualstack", "aks-retired"),
             "cluster": "aks-retired", "resource_name": "aks-retired", "status": "fail"}
    ghost["fingerprint"] = hashlib.sha256(
        f"{ghost['rule_id']}|{ghost['resource_id'].lower()}".encode()).hexdigest()

    def change(f):
        if f["rule_id"] == "DUALSTACK-001" and f["cluster"] == "aks-edge-dualstack":
            return {**f, "status": "pass"}  # failing now, passing before: new
        if f["rule_id"] == "OVERLAY-005" and f["cluster"] == "aks-payments-prod":
            return {**f, "status": "fail"}  # passing now, failing before: resolved
        return f

    baseline = rewritten(old, change)
    baseline = build_report([*baseline["findings"], ghost], baseline["scan"], baseline["coverage"], "0.1.0",
                            baseline["rules"])
    path = write_json("old.json", baseline)
    new = run_scan("--demo", "--profile", "baseline", "--baseline", str(path), "--fail-on-new", "critical")
    assert finding(new, "DUALSTACK-001", "aks-edge-dualstack")["baseline"] == "new"
    section = new.report["baseline"]
    assert [e["rule_id"] for e in section["resolved"]] == ["OVERLAY-005"]
    assert [e["cluster"] for e in section["gone"]] == ["aks-retired"]
    assert {e["rule_id"] for e in section["not_rechecked"]} >= {"MIGRATE-006", "MIGRATE-010"}  # not in this profile
    assert all("did not run" in e["reason"] for e in section["not_rechecked"])
    assert new.code == 1  # DUALSTACK-001 is critical and new


def test_fail_on_new_ignores_what_was_failing_already(run_scan):
    old = run_scan("--demo")
    again = run_scan("--demo", "--baseline", str(old.out_dir / "report.json"), "--fail-on-new", "low")
    assert again.code == 0


def test_a_newly_suppressed_failure_is_now_suppressed_and_an_expired_one_still_failing(run_scan, suppressions):
    old = run_scan("--demo")
    accepted = suppressions("suppressions:\n  - {rule: IPAM-002, reason: renumbering planned}\n")
    new = run_scan("--demo", "--baseline", str(old.out_dir / "report.json"), "--suppressions", str(accepted))
    assert finding(new, "IPAM-002", "aks-edge-dualstack")["baseline"] == "now_suppressed"
    expired = suppressions("suppressions:\n  - {rule: IPAM-002, reason: renumbering planned, expires: 2020-01-01}\n")
    later = run_scan("--demo", "--baseline", str(new.out_dir / "report.json"), "--suppressions", str(expired))
    assert finding(later, "IPAM-002", "aks-edge-dualstack")["baseline"] == "still_failing"


def test_a_subscription_not_read_whole_is_not_rechecked_never_resolved(run_scan, write_json):
    old = run_scan("--demo").report
    rows = json.loads((Path(__file__).resolve().parent.parent / "examples" / "resources-sub-a.json").read_text())
    old_path = write_json("old.json", old)
    partial = run_scan("--input", str(write_json("a.json", rows["data"])), "--baseline", str(old_path))
    section = partial.report["baseline"]
    legacy = [e for e in section["not_rechecked"] if e["cluster"] == "aks-legacy-orders"]
    assert legacy and all("was not read whole" in e["reason"] for e in legacy)
    assert not any(e["cluster"] == "aks-legacy-orders" for e in section["gone"] + section["resolved"])


def test_fail_on_new_needs_a_baseline(run_scan):
    result = run_scan("--demo", "--fail-on-new", "high")
    assert result.code == 2 and "--baseline" in result.stderr


# --- diff -----------------------------------------------------------------------------------------

def run_diff(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["diff", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_diff_prints_every_bucket_as_text_json_and_markdown(run_scan, capsys, write_json):
    old = run_scan("--demo").report
    new_path = run_scan("--demo").out_dir / "report.json"
    changed = rewritten(old, lambda f: {**f, "status": "pass"} if f["rule_id"] == "IPAM-002" else f)
    capsys.readouterr()
    old_path = str(write_json("old.json", changed))
    code, text, _ = run_diff(capsys, old_path, str(new_path))
    assert code == 0 and "New:" in text and "IPAM-002 [critical] aks-edge-dualstack (fail)" in text
    code, out, _ = run_diff(capsys, old_path, str(new_path), "--format", "json")
    document = json.loads(out)
    assert document["counts"]["new"] == 1 and document["new"][0]["rule_id"] == "IPAM-002"
    code, markdown, _ = run_diff(capsys, old_path, str(new_path), "--format", "markdown", "--fail-on-new", "high")
    assert code == 1
    assert "| IPAM-002 | critical | aks-edge-dualstack | fail |" in markdown
    assert markdown.startswith("### aks-netaudit: changes since the last scan")


def test_diff_of_a_file_that_is_not_a_report_is_exit_2(capsys, write_json):
    code, _, err = run_diff(capsys, str(write_json("x.json", {"findings": []})), str(write_json("y.json", [])))
    assert code == 2 and "not a valid aks-netaudit report" in err
