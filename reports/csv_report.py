"""CSV (`report.csv`), rendered from the JSON report alone: one row per finding, with the scan's id on every row.

Names, tags and messages are untrusted, and spreadsheets run a cell that starts with `=`, `+`, `-`,
`@` (or a tab or carriage return before one) as a formula: every such cell gets a leading `'`, so it
is shown as text. Newlines stay inside quoted cells (RFC 4180, `\\r\\n` between rows).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

COLUMNS = ("scan_id", "rule_id", "severity", "status", "category", "profile", "cluster", "subscription_id",
           "resource_id", "message", "remediation", "fingerprint", "suppressed_reason")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SURROGATE = re.compile("[\ud800-\udfff]")


def neutralise(value: Any) -> str:
    """A cell's text, safe to open in a spreadsheet."""
    text = "" if value is None else str(value)
    text = _SURROGATE.sub("\ufffd", text)  # a lone surrogate cannot be written as UTF-8
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(scan_id: str, finding: dict[str, Any]) -> list[str]:
    suppression = finding.get("suppression") or {}
    values = {
        "scan_id": scan_id,
        "rule_id": finding.get("rule_id"),
        "severity": finding.get("severity"),
        "status": finding.get("status"),
        "category": finding.get("category"),
        "profile": finding.get("profile"),
        "cluster": finding.get("cluster", finding.get("resource_name")),
        "subscription_id": finding.get("subscription_id"),
        "resource_id": finding.get("resource_id"),
        "message": finding.get("message"),
        "remediation": finding.get("remediation"),
        "fingerprint": finding.get("fingerprint"),
        "suppressed_reason": suppression.get("reason") if finding.get("status") == "suppressed" else "",
    }
    return [neutralise(values[column]) for column in COLUMNS]


def render_csv(contract: dict[str, Any]) -> str:
    scan_id = (contract.get("scan") or {}).get("id") or ""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for finding in contract.get("findings") or []:
        writer.writerow(_row(scan_id, finding))
    return buffer.getvalue()
