"""Specification of the report stage: build, validate, render (JSON, HTML) and write."""

from __future__ import annotations

import base64
import copy
import hashlib
import html as htmllib
import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, ValidationError

from reports import DEFAULT_FORMATS, FORMATS, build_report, validate_report, write_reports
from reports.html_report import render_html
from reports.json_report import render_json

SUB = "00000000-0000-0000-0000-000000000001"
VISIBILITY = [
    "Only subnet-level NSGs are evaluated; NIC NSGs, Azure Virtual Network Manager security admin rules, "
    "Azure Firewall and NVA rules are not.",
    "Routes learned over BGP/ExpressRoute are not visible; supply them with the onprem_prefixes parameter.",
    "Role assignments count directly assigned principals only; group membership is not resolved.",
]


def cluster_id(name: str) -> str:
    provider = "Microsoft.ContainerService/managedClusters"
    return f"/subscriptions/{SUB}/resourceGroups/rg-aks/providers/{provider}/{name}"


def make_finding(rule_id: str = "APISRV-007", cluster: str = "aks1", **overrides: object) -> dict:
    """A valid finding; overrides replace fields (the fingerprint follows rule_id and cluster)."""
    resource_id = cluster_id(cluster)
    finding = {
        "rule_id": rule_id,
        "title": "API server subnet NSG allows TCP 9988 from AzureLoadBalancer",
        "severity": "critical",
        "category": "api-server-vnet-integration",
        "profile": "baseline",
        "status": "fail",
        "resource_id": resource_id,
        "resource_name": cluster,
        "subject": "cluster",
        "message": "TCP 9988 from AzureLoadBalancer is denied by DenyAll on nsg-api",
        "evidence": {"nsg": "nsg-api", "decidedBy": "DenyAll", "priority": 100},
        "remediation": "az network nsg rule create -g rg --nsg-name nsg-api -n Allow9988 ...",
        "references": ["https://learn.microsoft.com/azure/aks/api-server-vnet-integration"],
        "fingerprint": hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest(),
    }
    finding.update(overrides)
    return finding


def make_scan() -> dict:
    return {
        "id": "0b8f6a52-3c1d-4e7f-9a2b-5c6d7e8f9a01",
        "started": "2025-01-02T03:04:05Z",
        "finished": "2025-01-02T03:04:09.250000+00:00",
        "collected": None,
        "source": "offline",
        "inputs": [{"path": "rows.json", "sha256": "a" * 64, "rows": 12, "shape": "envelope"}],
        "scope": {"subscriptions": [SUB]},
        "cloud": "AzureCloud",
        "profiles": ["baseline"],
        "rules": 47,
        "rule_pack": {"version": "2025.1", "sha256": "b" * 64},
        "parameters": {"scan": {"onprem_prefixes": []}, "rules": {}},
    }


def make_coverage(**overrides: object) -> dict:
    coverage = {
        "complete": True,
        "queries": [{"name": "resources", "table": "resources", "scope": "tenant", "requests": 1, "pages": 1,
                     "rows": 3, "retries": 0, "seconds": 0.42}],
        "subscriptions": [SUB],
        "errors": [],
        "warnings": [],
        "clusters": 3,
        "resources": {
            "microsoft.containerservice/managedclusters": 3,
            "microsoft.network/virtualnetworks": 2,
        },
        "kubernetes": {"clusters": [cluster_id("aks1")]},
        "visibility": list(VISIBILITY),
    }
    coverage.update(overrides)
    return coverage


def sample_findings() -> list[dict]:
    return [
        make_finding("IPAM-001", "aks2", severity="high", status="pass"),
        make_finding("LB-001", "aks1", severity="info", status="not_applicable"),
        make_finding("APISRV-007", "aks2", severity="critical", status="pass"),
        make_finding("EXPOSE-001", "aks1", severity="high", status="error"),
        make_finding("APISRV-007", "aks1", severity="critical", status="fail"),
        make_finding("IPAM-002", "aks3", severity="medium", status="suppressed"),
        make_finding("IDENT-001", "aks3", severity="high", status="fail"),
    ]


def rule_entry(rule_id: str) -> dict:
    return {"id": rule_id, "title": f"{rule_id} title", "description": "Why the rule exists.", "severity": "high",
            "category": "api-server-vnet-integration", "profile": "baseline", "source": None,
            "fix": "How to fix it.", "references": ["https://learn.microsoft.com/azure/aks/"], "parameters": {},
            "built_in": True}


def sample_report(findings: list[dict] | None = None, **coverage: object) -> dict:
    findings = sample_findings() if findings is None else findings
    rules = [rule_entry(rule_id) for rule_id in sorted({f["rule_id"] for f in findings})]
    return build_report(findings, make_scan(), make_coverage(**coverage), "0.1.0", rules)


# --- build_report ---------------------------------------------------------------------------------


def test_summary_by_status_counts_every_finding():
    assert sample_report()["summary"]["by_status"] == {
        "pass": 2,
        "fail": 2,
        "error": 1,
        "not_applicable": 1,
        "suppressed": 1,
    }


def test_summary_has_all_five_status_keys_for_every_severity_even_without_findings():
    summary = sample_report(findings=[])["summary"]
    statuses = {"pass", "fail", "error", "not_applicable", "suppressed"}
    assert set(summary["by_status"]) == statuses
    assert set(summary["by_severity"]) == {"critical", "high", "medium", "low", "info"}
    assert all(set(counts) == statuses for counts in summary["by_severity"].values())


def test_summary_by_severity_counts_each_status_under_its_severity():
    by_severity = sample_report()["summary"]["by_severity"]
    assert by_severity["critical"] == {"pass": 1, "fail": 1, "error": 0, "not_applicable": 0, "suppressed": 0}
    assert by_severity["high"] == {"pass": 1, "fail": 1, "error": 1, "not_applicable": 0, "suppressed": 0}
    assert by_severity["low"] == dict.fromkeys(("pass", "fail", "error", "not_applicable", "suppressed"), 0)


def test_findings_sorted_by_severity_then_status_then_rule_then_resource():
    order = [(f["severity"], f["status"], f["rule_id"]) for f in sample_report()["findings"]]
    assert order == [
        ("critical", "fail", "APISRV-007"),
        ("critical", "pass", "APISRV-007"),
        ("high", "fail", "IDENT-001"),
        ("high", "error", "EXPOSE-001"),
        ("high", "pass", "IPAM-001"),
        ("medium", "suppressed", "IPAM-002"),
        ("info", "not_applicable", "LB-001"),
    ]


def test_same_rule_sorts_by_resource_id():
    findings = [make_finding(cluster="aks9"), make_finding(cluster="aks1")]
    assert [f["resource_name"] for f in sample_report(findings)["findings"]] == ["aks1", "aks9"]


def test_build_report_leaves_the_callers_list_in_its_order():
    findings = sample_findings()
    before = [f["rule_id"] for f in findings]
    sample_report(findings)
    assert [f["rule_id"] for f in findings] == before


def test_build_report_records_tool_and_schema_version():
    report = sample_report()
    assert report["schema_version"] == "1"
    assert report["tool"] == {"name": "aks-netaudit", "version": "0.1.0"}


# --- validate_report ------------------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads((Path(__file__).parents[1] / "reports" / "report.schema.json").read_text())
    Draft202012Validator.check_schema(schema)


def test_built_report_validates():
    validate_report(sample_report())


def test_report_with_collected_time_and_no_findings_validates():
    report = sample_report(findings=[])
    report["scan"]["collected"] = "2025-01-02T02:00:00Z"
    validate_report(report)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "passed"),
        ("severity", "urgent"),
        ("fingerprint", "A" * 64),
        ("fingerprint", "abc123"),
        ("rule_id", "apisrv-7"),
        ("evidence", ["not", "an", "object"]),
        ("subject", "subnet"),
    ],
)
def test_finding_with_a_bad_field_fails_validation(field, value):
    report = sample_report()
    report["findings"][0][field] = value
    with pytest.raises(ValidationError):
        validate_report(report)


def test_unknown_key_in_a_finding_fails_validation():
    report = sample_report()
    report["findings"][0]["extra"] = 1
    with pytest.raises(ValidationError):
        validate_report(report)


def test_missing_status_key_in_summary_fails_validation():
    report = sample_report()
    del report["summary"]["by_severity"]["info"]["suppressed"]
    with pytest.raises(ValidationError):
        validate_report(report)


def test_fingerprint_not_derived_from_rule_and_resource_fails_validation():
    report = sample_report()
    report["findings"][0]["fingerprint"] = "0" * 64
    with pytest.raises(ValidationError, match="fingerprint"):
        validate_report(report)


def test_fingerprint_ignores_resource_id_case():
    finding = make_finding()
    finding["resource_id"] = finding["resource_id"].upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")
    validate_report(sample_report([finding]))


def test_same_rule_and_resource_twice_fails_validation():
    with pytest.raises(ValidationError, match="twice"):
        validate_report(sample_report([make_finding(), make_finding(status="pass")]))


def test_summary_that_disagrees_with_findings_fails_validation():
    report = sample_report()
    report["summary"]["by_status"]["fail"] += 1
    with pytest.raises(ValidationError, match="summary"):
        validate_report(report)


def test_non_utc_timestamp_fails_validation():
    report = sample_report()
    report["scan"]["started"] = "2025-01-02T04:04:05+01:00"
    with pytest.raises(ValidationError):
        validate_report(report)


# --- render_json ----------------------------------------------------------------------------------


def test_render_json_round_trips():
    report = sample_report()
    assert json.loads(render_json(report)) == report


def test_render_json_keeps_non_ascii_and_ends_with_a_newline():
    text = render_json(sample_report([make_finding(message="Zürich 北京 — denied")]))
    assert "Zürich 北京 — denied" in text
    assert text.endswith("}\n")


# --- render_html ----------------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"
ATTR = '"onmouseover=alert(1)'


def hostile_html() -> str:
    finding = make_finding(
        resource_name=XSS,
        message=f"{XSS} {ATTR}",
        evidence={"tag": XSS, "note": ATTR},
    )
    return render_html(sample_report([finding]))


def html_data(html: str) -> tuple[str, dict]:
    """The page without its JSON data block, and the data block parsed."""
    (raw,) = re.findall(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    return html.replace(raw, ""), json.loads(raw)


def test_html_escapes_a_malicious_resource_name():
    html = hostile_html()
    assert XSS not in html
    markup, data = html_data(html)
    # Server-rendered (clusters with the most failures, the <noscript> failures): escaped text.
    assert f'title="{cluster_id("aks1")}">&lt;script&gt;alert(1)&lt;/script&gt;</a>' in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</span>" in markup
    assert data["clusters"][0][0] == XSS


def test_html_escapes_the_message():
    html = hostile_html()
    markup, data = html_data(html)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &#34;onmouseover=alert(1)"
    assert f'<div class="message">{escaped}</div>' in markup
    assert ATTR not in markup
    assert f"{XSS} {ATTR}" in data["strings"]


def test_html_embeds_evidence_escaped_in_the_data_block():
    html = hostile_html()
    _, data = html_data(html)
    assert data["evidence"] == [{"tag": XSS, "note": ATTR}]
    (raw,) = re.findall(r'<script type="application/json" id="data">(.*?)</script>', html, re.S)
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in raw


@pytest.mark.parametrize("payload", ["</script><script>alert(1)</script>", "<!--<script>", "a&b>c", "\u2028\u2029",
                                     "</SCRIPT >"])
def test_html_data_block_cannot_be_closed_by_data(payload):
    finding = make_finding(resource_name=payload, cluster=payload, message=payload, evidence={payload: [payload]},
                           remediation=payload, references=[payload])
    html = render_html(sample_report([finding]))
    (raw,) = re.findall(r'<script type="application/json" id="data">(.*?)</script>', html, re.S | re.I)
    assert not re.search(r"[<>&\u2028\u2029]", raw)
    assert raw.isascii()
    data = json.loads(raw)
    assert data["clusters"][0][0] == payload
    assert data["evidence"] == [{payload: [payload]}]


def test_html_embeds_each_rule_cluster_and_repeated_text_once():
    findings = [make_finding(rule, cluster, message="same", evidence={"reason": "same"})
                for rule in ("APISRV-007", "IPAM-001") for cluster in ("aks1", "aks2", "aks3")]
    _, data = html_data(render_html(sample_report(findings)))
    assert [r["id"] for r in data["rules"]] == ["APISRV-007", "IPAM-001"]
    assert data["rules"][0]["description"] == "Why the rule exists." and data["rules"][0]["fix"] == "How to fix it."
    assert [c[0] for c in data["clusters"]] == ["aks1", "aks2", "aks3"]
    assert data["strings"].count("same") == 1 and data["evidence"] == [{"reason": "same"}]
    assert len(data["findings"]) == 6 and all(len(row) == len(data["columns"]) for row in data["findings"])
    fingerprint = data["columns"].index("fingerprint")
    assert sorted(row[fingerprint] for row in data["findings"]) == sorted(f["fingerprint"] for f in findings)


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_html_csp_allows_exactly_its_own_inline_style_and_script():
    html = hostile_html()
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    csp = htmllib.unescape(meta.group(1))
    (script,) = re.findall(r"<script>(.*?)</script>", html, re.S)
    (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert re.findall(r"<script\b[^>]*>", html) == ['<script type="application/json" id="data">', "<script>"]
    assert "default-src 'none'" in csp
    assert f"script-src {csp_hash(script)};" in csp
    assert f"style-src {csp_hash(style)};" in csp


def test_html_loads_nothing_external():
    html = render_html(sample_report())
    loading_tags = r"<(?:link|script|img|style|iframe|source|video|audio|object|embed)\b[^>]*>"
    loads = re.findall(loading_tags, html, re.I)
    for tag in loads:
        assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", tag, re.I), tag
    assert "@import" not in html
    assert not re.search(r"url\(\s*[\"']?\s*(?:https?:)?//", html, re.I)


def test_html_data_keeps_references_for_the_script_to_link():
    # The links themselves are made in the browser (https:// only): tests/test_html_browser.py.
    _, data = html_data(render_html(sample_report([make_finding(references=["javascript:alert(1)"])])))
    assert 'href="javascript:' not in render_html(sample_report([make_finding(references=["javascript:alert(1)"])]))
    assert data["references"] == [["javascript:alert(1)"]]


def test_html_without_javascript_lists_fail_and_error_before_other_results():
    html = render_html(sample_report())
    (noscript,) = re.findall(r"<noscript>(.*?)</noscript>", html, re.S)
    rows = re.findall(r'<tr class="finding" data-status="(\w+)"', noscript)
    assert rows == ["fail", "fail", "error"]  # worst severity first; passes are left to the script
    assert f'id="f-{make_finding("APISRV-007", "aks1")["fingerprint"]}"' in noscript
    assert "az network nsg rule create" in noscript


def test_html_summary_reads_without_javascript():
    html = render_html(sample_report())
    markup, _ = html_data(html)
    assert re.search(r'<div id="app" hidden>', markup)  # the findings browser shows only when the script runs
    assert '<table class="matrix" id="matrix">' in markup
    assert '<a href="#status=fail&amp;severity=critical&amp;category=api-server-vnet-integration">1</a>' in markup
    assert '<a href="#view=cluster:aks1"' in markup and '<a href="#view=cluster:aks3"' in markup
    assert '<code id="scan-id">0b8f6a52-3c1d-4e7f-9a2b-5c6d7e8f9a01</code>' in markup
    assert "2025.1" in markup and "b" * 64 in markup
    assert '<svg class="chart" id="chart-status"' in markup


def test_html_warns_about_coverage_warnings_even_when_complete():
    warning = {"source": "rows.json", "message": "a bare array: completeness unknown"}
    html = render_html(sample_report(warnings=[warning]))
    band = re.search(r'<div class="banner warn" id="coverage-band">(.*?)</div>', html, re.S).group(1)
    assert "1 warning(s)" in band and "rows.json</strong>: a bare array: completeness unknown" in band


def test_html_shows_the_visibility_statement():
    html = render_html(sample_report())
    for line in VISIBILITY:
        assert f"<li>{line}</li>" in html


def test_html_shows_coverage_errors_and_incompleteness():
    error = {"source": "rows-page1.json", "message": "truncated: next-page token present (100 of 250 rows)"}
    html = render_html(sample_report(complete=False, errors=[error]))
    assert "Coverage INCOMPLETE" in html
    assert '<ul class="errors">' in html
    assert "rows-page1.json</strong>: truncated: next-page token present (100 of 250 rows)" in html


def test_html_says_collection_time_is_unknown_when_null():
    assert '<td class="mono">unknown</td>' in render_html(sample_report())


# --- write_reports --------------------------------------------------------------------------------


def test_the_default_formats_are_json_and_html():
    assert DEFAULT_FORMATS == ("json", "html")
    assert set(DEFAULT_FORMATS) < set(FORMATS)


def test_write_reports_writes_both_files(tmp_path):
    out = tmp_path / "out" / "nested"
    paths = write_reports(sample_report(), out, ["json", "html"])
    assert paths == [out / "report.json", out / "report.html"]
    assert json.loads(paths[0].read_text(encoding="utf-8")) == sample_report()
    assert paths[1].read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_write_reports_rejects_an_unknown_format_naming_it(tmp_path):
    with pytest.raises(ValueError, match="pdf"):
        write_reports(sample_report(), tmp_path / "out", ["json", "pdf"])
    assert not (tmp_path / "out").exists()


def test_write_reports_does_not_alter_the_report(tmp_path):
    report = sample_report()
    before = copy.deepcopy(report)
    write_reports(report, tmp_path, ["json"])
    assert report == before


def test_render_json_writes_one_line_per_finding():
    report = sample_report()
    lines = render_json(report).splitlines()
    assert sum(1 for line in lines if line.startswith('    {"rule_id"')) == len(report["findings"])


def test_render_json_refuses_nan():
    report = sample_report([make_finding(evidence={"ratio": float("nan")})])
    with pytest.raises(ValueError):
        render_json(report)
