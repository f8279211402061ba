"""JUnit XML (`report.junit.xml`), rendered from the JSON report alone, for pipelines' test-result views.

A test suite per rule of the report's `rules` section, a test case per finding (rule × cluster):
`fail` → `<failure>`, `error` → `<error>`, `not_applicable` and `suppressed` → `<skipped>` with the
reason, `pass` → a plain test case. Every suite carries `scan.id` as a property, so a file mixed
from two runs shows it. ElementTree escapes the text; characters XML 1.0 cannot hold at all
(control characters, lone surrogates from a hostile name) are replaced first.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_COUNTED = ("tests", "failures", "errors", "skipped")


def _xml(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if text is None else str(text))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _details(finding: dict[str, Any]) -> str:
    parts = [finding.get("message") or ""]
    if finding.get("remediation"):
        parts.append(f"Remediation: {finding['remediation']}")
    parts.append("Evidence: " + json.dumps(finding.get("evidence", {}), indent=2, ensure_ascii=False, sort_keys=True))
    return "\n\n".join(part for part in parts if part)


def _skip_reason(finding: dict[str, Any]) -> str:
    if finding["status"] == "suppressed":
        entry = finding.get("suppression") or {}
        reason = entry.get("reason") or "no reason given"
        extra = "; ".join(f"{key} {entry[key]}" for key in ("owner", "expires") if entry.get(key))
        return f"suppressed: {reason}" + (f" ({extra})" if extra else "")
    evidence = finding.get("evidence") or {}
    reason = evidence.get("reason") if isinstance(evidence, dict) else None
    return f"not applicable: {reason}" if reason else (finding.get("message") or "not applicable")


def _case(suite: ET.Element, finding: dict[str, Any], counts: dict[str, int]) -> None:
    cluster = finding.get("cluster") or finding.get("resource_name") or ""
    case = ET.SubElement(suite, "testcase", classname=_xml(finding["rule_id"]),
                         name=_xml(f"{cluster} ({finding['resource_id']})"))
    counts["tests"] += 1
    status = finding["status"]
    message = _xml(_one_line(finding.get("message") or finding.get("title") or ""))
    if status == "fail":
        counts["failures"] += 1
        ET.SubElement(case, "failure", message=message, type=_xml(finding.get("severity"))).text = _xml(
            _details(finding))
    elif status == "error":
        counts["errors"] += 1
        ET.SubElement(case, "error", message=message, type="undecided").text = _xml(_details(finding))
    elif status in ("not_applicable", "suppressed"):
        counts["skipped"] += 1
        ET.SubElement(case, "skipped", message=_xml(_one_line(_skip_reason(finding))))


def render_junit(contract: dict[str, Any]) -> str:
    scan_id = _xml((contract.get("scan") or {}).get("id"))
    findings = contract.get("findings") or []
    by_rule: dict[str, list[dict[str, Any]]] = {rule["id"]: [] for rule in contract.get("rules") or []}
    for finding in findings:  # a finding whose rule the section lacks still gets its suite
        by_rule.setdefault(finding["rule_id"], []).append(finding)
    rules = {rule["id"]: rule for rule in contract.get("rules") or []}

    root = ET.Element("testsuites", name="aks-netaudit")
    totals = dict.fromkeys(_COUNTED, 0)
    for rule_id, rule_findings in by_rule.items():
        rule = rules.get(rule_id) or {}
        suite = ET.SubElement(root, "testsuite", name=_xml(rule_id))
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", name="scan.id", value=scan_id)
        for key in ("title", "severity", "category", "profile"):
            value = rule.get(key) if rule else (rule_findings[0].get(key) if rule_findings else None)
            if value:
                ET.SubElement(properties, "property", name=f"rule.{key}", value=_xml(value))
        counts = dict.fromkeys(_COUNTED, 0)
        for finding in rule_findings:
            _case(suite, finding, counts)
        for key in _COUNTED:
            suite.set(key, str(counts[key]))
            totals[key] += counts[key]
    for key in _COUNTED:
        root.set(key, str(totals[key]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
