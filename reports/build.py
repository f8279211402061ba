"""Assemble and validate the JSON report, the contract every other format is rendered from.

The report is built from plain dicts so that what is validated, written and rendered is exactly
what a consumer later reads back from ``report.json``.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator, ValidationError

from scanner.engine.evaluate import fingerprint

SCHEMA_VERSION = "1"
TOOL_NAME = "aks-netaudit"

# Orders used for sorting and for every table: the worst news first.
SEVERITIES = ("critical", "high", "medium", "low", "info")
STATUSES = ("fail", "error", "pass", "not_applicable", "suppressed")

_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
_STATUS_RANK = {name: rank for rank, name in enumerate(STATUSES)}


def _sort_key(finding: dict[str, Any]) -> tuple[int, int, str, str]:
    # Unknown values sort last instead of raising: validate_report is the one place that rejects them.
    return (
        _SEVERITY_RANK.get(finding.get("severity"), len(SEVERITIES)),
        _STATUS_RANK.get(finding.get("status"), len(STATUSES)),
        str(finding.get("rule_id", "")),
        str(finding.get("resource_id", "")).lower(),
    )


def _summarise(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """Count findings; every status and severity key is present so consumers never test for absence."""
    by_status = dict.fromkeys(("pass", "fail", "error", "not_applicable", "suppressed"), 0)
    by_severity = {severity: dict(by_status) for severity in SEVERITIES}
    for finding in findings:
        status, severity = finding.get("status"), finding.get("severity")
        if status in by_status:
            by_status[status] += 1
            if severity in by_severity:
                by_severity[severity][status] += 1
    return {"by_status": by_status, "by_severity": by_severity}


def build_report(
    findings: list[dict[str, Any]],
    scan: dict[str, Any],
    coverage: dict[str, Any],
    tool_version: str,
    rules: list[dict[str, Any]] | None = None,
    suppressions: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Assemble the report dict: summary computed here, findings sorted worst first.

    `rules` is the static text of every rule that ran (the report's `rules` section). The caller's
    list is not reordered. Nothing is validated here: the scan does not check its own output at run
    time (the tests do, and `aks-netaudit report` validates what it is given).
    """
    ordered = sorted(findings, key=_sort_key)
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version},
        "scan": scan,
        "coverage": coverage,
        "summary": _summarise(ordered),
        "rules": sorted(rules or [], key=lambda r: r["id"]),
    }
    if suppressions is not None:
        report["suppressions"] = suppressions
    if baseline is not None:
        report["baseline"] = baseline
    report["findings"] = ordered
    return report


@cache
def _validator() -> Draft202012Validator:
    text = resources.files(__package__).joinpath("report.schema.json").read_text(encoding="utf-8")
    return Draft202012Validator(json.loads(text))


def _check_consistency(report: dict[str, Any]) -> None:
    """Checks a schema cannot express; a report that lies about its own findings must not be written."""
    findings = report["findings"]
    seen: dict[str, int] = {}
    for index, finding in enumerate(findings):
        expected = fingerprint(finding["rule_id"], finding["resource_id"])
        if finding["fingerprint"] != expected:
            raise ValidationError(
                f"fingerprint of {finding['rule_id']} on {finding['resource_id']!r} is not "
                f"sha256(rule_id + '|' + lower-cased resource_id) = {expected}",
                path=("findings", index, "fingerprint"),
            )
        if expected in seen:
            raise ValidationError(
                f"{finding['rule_id']} on {finding['resource_id']!r} is reported twice "
                f"(findings {seen[expected]} and {index})",
                path=("findings", index),
            )
        seen[expected] = index
    if report["summary"] != _summarise(findings):
        raise ValidationError("summary does not match the findings", path=("summary",))


def validate_report(report: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless the report matches report.schema.json and is consistent.

    Beyond the schema: each fingerprint must be the one DESIGN defines, no (rule, resource) pair may
    appear twice, and the summary must count the findings actually listed.
    """
    _validator().validate(report)
    _check_consistency(report)
