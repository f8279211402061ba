"""SARIF: valid against the official 2.1.0 schema (a copy ships in tests/schemas) and within what GitHub code
scanning accepts, rendered from a real demo report and from synthetic ones (the 25,000 cap, suppressions)."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from jsonschema import Draft4Validator, FormatChecker

from reports.sarif import (
    MAX_RESULTS,
    SECURITY_SEVERITY,
    artifact_uri,
    build_sarif,
    check_sarif_base,
    render_sarif,
    select_results,
)
from scanner import cli

SCHEMA_PATH = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
SEVERITIES = ("critical", "high", "medium", "low", "info")
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}

# jsonschema checks "uri" and "date-time" only with optional packages; these make the formats count here
FORMATS = FormatChecker(formats=())
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or (bool(_URI_CHARS.match(value)) and bool(urlsplit(value).scheme))


@FORMATS.checks("uri-reference")
def _is_uri_reference(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI_CHARS.match(value))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value).tzinfo)


@pytest.fixture(scope="module")
def sarif_validator() -> Draft4Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=FORMATS)


def assert_valid(validator: Draft4Validator, document: dict) -> None:
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[dict, dict]:
    """A demo scan of every profile written as json,sarif,junit,csv: (report.json, report.sarif)."""
    out = tmp_path_factory.mktemp("demo")
    assert cli.main(["scan", "--demo", "--profile", "all", "--format", "json,sarif,junit,csv",
                     "--output-dir", str(out)]) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    return report, sarif


def assert_github_constraints(sarif: dict) -> None:
    """What GitHub code scanning checks beyond the schema (and what makes alerts match across runs)."""
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"]) == 1
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len(run["results"]) <= MAX_RESULTS
    assert len({rule["id"] for rule in rules}) == len(rules)
    for rule in rules:
        assert len(rule["fullDescription"]["text"]) <= 1024
        assert len(rule["help"]["text"]) <= 1024
        assert len(rule["shortDescription"]["text"]) <= 1024
        assert float(rule["properties"]["security-severity"]) >= 0
        assert "security" in rule["properties"]["tags"]
        assert len(rule["properties"]["tags"]) <= 20
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri), uri  # no scheme
        assert not uri.startswith("/") and "//" not in uri and "\\" not in uri, uri
        assert not {"..", "."} & set(uri.split("/")), uri
        assert _URI_CHARS.match(uri), uri
        assert location["region"]["startLine"] == 1
        assert re.fullmatch(r"[0-9a-f]{64}", result["partialFingerprints"]["primaryLocationLineHash"])
        assert result["message"]["text"]


# ---------------------------------------------------------------------------------------------- demo report


def test_sarif_schema_copy_is_the_official_draft_04_schema():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    Draft4Validator.check_schema(schema)


def test_demo_sarif_is_valid_against_the_official_schema(demo, sarif_validator):
    _, sarif = demo
    assert_valid(sarif_validator, sarif)


def test_the_validator_catches_a_broken_sarif(demo, sarif_validator):
    _, sarif = demo
    broken = copy.deepcopy(sarif)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    broken["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "not a uri"
    paths = {"/".join(map(str, e.absolute_path)) for e in sarif_validator.iter_errors(broken)}
    assert "runs/0/results/0/level" in paths
    assert "runs/0/results/1/locations/0/physicalLocation/region/startLine" in paths
    assert "runs/0/tool/driver/rules/0/helpUri" in paths


def test_demo_sarif_is_within_github_constraints(demo):
    _, sarif = demo
    assert_github_constraints(sarif)


def test_one_descriptor_per_rule_of_the_report_in_its_order(demo):
    report, sarif = demo
    driver = sarif["runs"][0]["tool"]["driver"]
    assert driver["name"] == "aks-netaudit"
    assert driver["version"] == report["tool"]["version"]
    assert "informationUri" not in driver  # no made-up URL
    assert [rule["id"] for rule in driver["rules"]] == [rule["id"] for rule in report["rules"]]
    for rule, descriptor in zip(report["rules"], driver["rules"], strict=True):
        assert descriptor["shortDescription"]["text"] == rule["title"]
        assert re.fullmatch(r"[A-Z][A-Za-z0-9]*", descriptor["name"])
        assert descriptor["properties"]["security-severity"] == SECURITY_SEVERITY[rule["severity"]]
        assert descriptor["properties"]["tags"][:1] == ["security"]
        assert rule["category"] in descriptor["properties"]["tags"]
        assert rule["profile"] in descriptor["properties"]["tags"]
        assert descriptor["defaultConfiguration"]["level"] == LEVELS[rule["severity"]]
        assert descriptor["help"]["text"].startswith(rule["fix"][:200])
        if rule["references"]:
            assert descriptor["helpUri"] == rule["references"][0]
            assert rule["references"][0] in descriptor["help"]["text"]
        if len(rule["description"]) <= 1024:
            assert descriptor["fullDescription"]["text"] == rule["description"]


def test_results_are_the_fail_and_error_findings_only(demo):
    report, sarif = demo
    results = sarif["runs"][0]["results"]
    failing = [f for f in report["findings"] if f["status"] in ("fail", "error")]
    assert failing and any(f["status"] == "error" for f in failing)
    assert sorted(r["partialFingerprints"]["primaryLocationLineHash"] for r in results) == sorted(
        f["fingerprint"] for f in failing)
    quiet = {f["fingerprint"] for f in report["findings"] if f["status"] in ("pass", "not_applicable")}
    assert quiet and not quiet & {r["partialFingerprints"]["primaryLocationLineHash"] for r in results}


def test_each_result_carries_its_finding(demo):
    report, sarif = demo
    by_fingerprint = {f["fingerprint"]: f for f in report["findings"]}
    for result in sarif["runs"][0]["results"]:
        finding = by_fingerprint[result["partialFingerprints"]["primaryLocationLineHash"]]
        assert result["ruleId"] == finding["rule_id"]
        assert result["properties"]["status"] == finding["status"]
        assert result["properties"]["severity"] == finding["severity"]
        assert result["properties"]["category"] == finding["category"]
        assert result["properties"]["cluster"] == finding["cluster"]
        assert result["properties"]["subscription_id"] == finding["subscription_id"]
        assert result["properties"]["evidence"] == finding["evidence"]
        logical = result["locations"][0]["logicalLocations"][0]
        assert logical == {"fullyQualifiedName": finding["resource_id"], "kind": "resource"}
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == artifact_uri(
            finding["resource_id"])
        if finding["status"] == "fail":
            assert result["level"] == LEVELS[finding["severity"]]
            assert result["message"]["text"] == finding["message"]
        else:
            assert result["level"] == "note"
            assert result["message"]["text"] == "could not be decided: " + finding["message"]
        assert "suppressions" not in result and "baselineState" not in result


def test_error_findings_are_notes_that_say_could_not_be_decided(demo):
    _, sarif = demo
    errors = [r for r in sarif["runs"][0]["results"] if r["properties"]["status"] == "error"]
    assert errors
    assert all(r["level"] == "note" and r["message"]["text"].startswith("could not be decided: ") for r in errors)
    assert any(r["properties"]["severity"] in ("critical", "high") for r in errors)  # high, yet only a note


def test_automation_details_and_invocation_name_the_scan(demo):
    report, sarif = demo
    run = sarif["runs"][0]
    assert run["automationDetails"] == {"id": "aks-netaudit/all/", "guid": report["scan"]["id"]}
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True
    assert invocation["endTimeUtc"] == report["scan"]["finished"]
    assert "toolExecutionNotifications" not in invocation  # 31 results: nothing to warn about


def test_artifact_uri_is_the_lower_cased_arm_id_percent_encoded_per_segment():
    resource_id = ("/subscriptions/3F9C2A71-5B8E-4D06-9A1F-2C7E8B4D5A10/resourceGroups/RG Prod#1/providers/"
                   "Microsoft.ContainerService/managedClusters/aks?x=1")
    assert artifact_uri(resource_id) == (
        "azure/subscriptions/3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10/resourcegroups/rg%20prod%231/providers/"
        "microsoft.containerservice/managedclusters/aks%3Fx%3D1")
    assert artifact_uri(resource_id.upper()) == artifact_uri(resource_id)  # stable across case changes
    assert artifact_uri(resource_id, "infra/aks/") == "infra/aks/" + artifact_uri(resource_id)
    assert artifact_uri(resource_id, "./infra\\aks") == "infra/aks/" + artifact_uri(resource_id)
    dots = "azure/subscriptions/s/resourcegroups/%2E%2E/x/%2E%2E"  # names, never steps out of the folder
    assert artifact_uri("/subscriptions/s/resourceGroups/../x/./..") == dots
    assert unquote(artifact_uri("/a/ü/b")) == "azure/a/ü/b"


def test_check_sarif_base_refuses_absolute_scheme_and_parent_paths():
    assert check_sarif_base("infra/aks") == "infra/aks"
    for bad in ("/etc", "https://x/y", "C:\\repo", "a/../../b"):
        with pytest.raises(ValueError, match="--sarif-base"):
            check_sarif_base(bad)


def test_scan_sarif_base_puts_every_location_under_the_folder(tmp_path, capsys, sarif_validator):
    out = tmp_path / "out"
    assert cli.main(["scan", "--demo", "--format", "sarif", "--sarif-base", "platform/aks",
                     "--output-dir", str(out)]) == 0
    capsys.readouterr()
    sarif = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    assert_valid(sarif_validator, sarif)
    assert_github_constraints(sarif)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert uris and all(uri.startswith("platform/aks/azure/subscriptions/") for uri in uris)
    assert sarif["runs"][0]["automationDetails"]["id"] == "aks-netaudit/baseline/"


# ------------------------------------------------------------------------------------------ synthetic reports


def _fingerprint(rule_id: str, resource_id: str) -> str:
    return hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()


def synthetic_report(demo_report: dict, plan: list[tuple[str, str, int]]) -> dict:
    """A report of the demo's rules with findings planned as (status, severity, count), each on its own cluster,
    carrying demo evidence (the bulky part) made distinct per finding, in the plan's order."""
    report = copy.deepcopy(demo_report)
    rules = report["rules"]
    evidences = [f["evidence"] for f in demo_report["findings"] if len(json.dumps(f["evidence"])) > 400]
    findings = []
    n = 0
    for status, severity, count in plan:
        for _ in range(count):
            rule = rules[n % len(rules)]
            name = f"aks-{n:06d}"
            resource_id = (f"/subscriptions/00000000-0000-4000-8000-{n % 50:012d}/resourceGroups/rg-{n % 997}/"
                           f"providers/Microsoft.ContainerService/managedClusters/{name}")
            findings.append({
                "rule_id": rule["id"], "title": rule["title"], "severity": severity, "category": rule["category"],
                "profile": rule["profile"], "status": status, "resource_id": resource_id, "resource_name": name,
                "subscription_id": f"00000000-0000-4000-8000-{n % 50:012d}", "cluster": name, "subject": "cluster",
                "message": f"{rule['title']} does not hold on {name}: see the evidence for subnet snet-{n}.",
                "evidence": {"cluster": resource_id, "sample": evidences[n % len(evidences)]},
                "remediation": rule["fix"], "references": rule["references"],
                "fingerprint": _fingerprint(rule["id"], resource_id),
            })
            n += 1
    report["findings"] = findings
    return report


@pytest.fixture(scope="module")
def big(demo):
    """26,000 findings, 25,700 of them results: 700 over GitHub's cap, all of them the low-severity errors."""
    report, _ = demo
    plan = [("pass", "critical", 200), ("error", "low", 1000), ("fail", "low", 5000), ("not_applicable", "high", 100),
            ("fail", "info", 2000), ("error", "critical", 1000), ("fail", "critical", 6000),
            ("fail", "high", 6000), ("fail", "medium", 4700)]
    contract = synthetic_report(report, plan)
    assert len(contract["findings"]) == 26_000
    return contract


@pytest.fixture(scope="module")
def big_sarif(big) -> tuple[str, str]:
    import contextlib
    import io

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        text = render_sarif(big, {"sarif_base": None})
    return text, stderr.getvalue()


def test_over_25000_results_keeps_the_most_severe_and_says_how_many_were_left_out(big, big_sarif):
    text, stderr = big_sarif
    run = json.loads(text)["runs"][0]
    results = run["results"]
    assert len(results) == MAX_RESULTS
    kept = {r["partialFingerprints"]["primaryLocationLineHash"] for r in results}
    by_kind: dict[tuple[str, str], list[bool]] = {}
    for finding in big["findings"]:
        by_kind.setdefault((finding["status"], finding["severity"]), []).append(finding["fingerprint"] in kept)
    for status, severity in [("fail", s) for s in SEVERITIES] + [("error", "critical")]:
        assert all(by_kind[status, severity]), (status, severity)  # every fail, even info, before any error
    assert sum(by_kind["error", "low"]) == 300  # the cap cuts the least severe group
    assert not any(by_kind["pass", "critical"]) and not any(by_kind["not_applicable", "high"])
    # most severe first in the file too: the order GitHub's top 5,000 would follow
    order = [(r["properties"]["status"], r["properties"]["severity"]) for r in results]
    assert order[0] == ("fail", "critical") and order[-1] == ("error", "low")
    notes = [n["message"]["text"] for n in run["invocations"][0]["toolExecutionNotifications"]]
    assert any("700 result(s) left out" in note and "25000" in note for note in notes)
    assert any("top 5000" in note for note in notes)
    assert "700 result(s) left out" in stderr and "top 5000" in stderr and "warning" in stderr


def test_25000_results_are_valid_and_their_gzip_is_under_10_mb(big_sarif, sarif_validator):
    text, _ = big_sarif
    sarif = json.loads(text)
    assert_valid(sarif_validator, sarif)
    assert_github_constraints(sarif)
    assert len(gzip.compress(text.encode("utf-8"))) < 10 * 1000 * 1000
    # the evidence is kept at this size (the fallback leaves it out only when the gzip would not fit)
    assert all("evidence" in r["properties"] for r in sarif["runs"][0]["results"][:100])


def test_too_big_a_file_drops_evidence_then_results_to_fit(big, monkeypatch, capsys):
    import reports.sarif as sarif_module

    monkeypatch.setattr(sarif_module, "MAX_GZIP_BYTES", 200_000)
    text = render_sarif(big, {})
    assert sarif_module.gzip_size(text) < 200_000
    run = json.loads(text)["runs"][0]
    assert 0 < len(run["results"]) < MAX_RESULTS
    assert all("evidence" not in r["properties"] for r in run["results"])
    assert {r["properties"]["status"] for r in run["results"]} == {"fail"}  # the most severe stayed
    err = capsys.readouterr().err
    assert "evidence left out" in err and "gzip must stay under 10 MB" in err


def test_between_5000_and_25000_results_only_warns(demo, capsys):
    report, _ = demo
    contract = synthetic_report(report, [("fail", "high", 5001)])
    document, notices = build_sarif(contract, {})
    assert len(document["runs"][0]["results"]) == 5001
    assert notices == ["5001 results: GitHub code scanning shows only the top 5000"]
    render_sarif(contract, {})
    assert capsys.readouterr().err.count("warning") == 1


def test_select_results_orders_fails_before_errors_then_severity():
    findings = [{"status": s, "severity": v, "n": i} for i, (s, v) in enumerate(
        [("error", "critical"), ("fail", "low"), ("pass", "critical"), ("fail", "critical"), ("suppressed", "critical"),
         ("fail", "low"), ("not_applicable", "high"), ("fail", "high")])]
    kept, left_out = select_results(findings, limit=4)
    assert [f["n"] for f in kept] == [3, 7, 1, 5]
    assert left_out == 2


def _suppressed_contract(demo_report: dict) -> dict:
    contract = synthetic_report(demo_report, [("suppressed", "critical", 1), ("suppressed", "high", 1),
                                              ("fail", "medium", 1)])
    first, second, third = contract["findings"]
    first["suppression"] = {"reason": "Accepted until the VNet move in Q3", "owner": "platform-team",
                            "expires": "2027-07-01", "entry": 2, "status": "fail"}
    first["baseline"] = "now_suppressed"
    second["suppression"] = {"reason": "Data owned by another tenant", "entry": 0, "status": "error"}
    third["baseline"] = "new"
    third["suppression"] = {"reason": "expired entry", "expires": "2020-01-01", "entry": 1, "status": "fail"}
    return contract


def test_a_suppressed_finding_gives_a_sarif_suppression_with_its_reason(demo, sarif_validator):
    report, _ = demo
    contract = _suppressed_contract(report)
    sarif = json.loads(render_sarif(contract, {}))
    assert_valid(sarif_validator, sarif)
    assert_github_constraints(sarif)
    first, second, third = sorted(sarif["runs"][0]["results"], key=lambda r: r["properties"]["cluster"])
    assert first["suppressions"] == [{
        "kind": "external", "status": "accepted", "justification": "Accepted until the VNet move in Q3",
        "properties": {"owner": "platform-team", "expires": "2027-07-01", "entry": 2}}]
    assert first["level"] == "error"  # the level of the status it would have had (fail, critical)
    assert first["properties"]["status"] == "suppressed"
    assert first["baselineState"] == "unchanged"
    assert second["suppressions"][0]["justification"] == "Data owned by another tenant"
    assert second["level"] == "note" and second["message"]["text"].startswith("could not be decided: ")
    assert "baselineState" not in second
    assert "suppressions" not in third and third["baselineState"] == "new" and third["level"] == "warning"


def test_suppressed_results_are_the_first_left_out(demo):
    report, _ = demo
    contract = _suppressed_contract(report)
    document, _ = build_sarif(contract, {}, limit=1)
    assert [r["properties"]["status"] for r in document["runs"][0]["results"]] == ["fail"]


def test_long_texts_are_clipped_to_1024_and_a_finding_without_its_rule_still_gets_one(demo, sarif_validator):
    report, _ = demo
    contract = synthetic_report(report, [("fail", "high", 2)])
    contract["rules"][0]["description"] = "word " * 600
    contract["rules"][0]["fix"] = "fix " * 600
    contract["rules"][0]["references"] = [f"https://example.org/{'r' * 60}/{i}" for i in range(20)]
    contract["rules"] = contract["rules"][:1]
    sarif = json.loads(render_sarif(contract, {}))
    assert_valid(sarif_validator, sarif)
    assert_github_constraints(sarif)
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert rules[0]["fullDescription"]["text"].endswith("…")
    assert rules[0]["help"]["text"].startswith("fix fix") and "https://example.org/" in rules[0]["help"]["text"]
    assert [r["id"] for r in rules] == [contract["findings"][0]["rule_id"], contract["findings"][1]["rule_id"]]


def test_hostile_names_stay_valid_sarif(demo, sarif_validator):
    report, _ = demo
    contract = synthetic_report(report, [("fail", "critical", 1)])
    finding = contract["findings"][0]
    finding["resource_id"] += "/<script>alert(1)</script> \"x\"\ud800"
    finding["message"] = "=HYPERLINK(\"http://evil\") \x00\x1f\ud800"
    text = render_sarif(contract, {"sarif_base": "a b/ü"})
    text.encode("utf-8")  # writable
    sarif = json.loads(text)
    assert_valid(sarif_validator, sarif)
    assert_github_constraints(sarif)
    assert sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "a%20b/%C3%BC/azure/")


def test_sarif_base_must_stay_inside_the_repository(run_scan):
    for bad in ("/etc", "https://x/y", "a/../../b"):
        result = run_scan("--demo", "--sarif-base", bad)
        assert result.code == 2 and "--sarif-base" in result.stderr
