"""Change over time: a scan against an earlier report (`--baseline`), and `aks-netaudit diff`.

Findings are compared by fingerprint, failing ones being `fail` and `error` — suppressed ones by
the status they had, so an expired suppression is "still failing", not new. A finding that was
failing and is absent now is "gone" only when its rule ran and its subscription was read whole
this time; otherwise it was "not re-checked", never counted as resolved: an audit that looked at
less must not report progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner import armid
from scanner.engine.suppress import effective_status

FAILING = ("fail", "error")
BUCKETS = ("new", "resolved", "still_failing", "now_suppressed", "gone", "not_rechecked")


def failing(finding: dict) -> bool:
    return effective_status(finding) in FAILING


def _subscription(finding: dict) -> str:
    return (finding.get("subscription_id") or armid.subscription_of(finding["resource_id"]) or "").lower()


def _entry(finding: dict, **extra: str) -> dict:
    return {"fingerprint": finding["fingerprint"], "rule_id": finding["rule_id"], "severity": finding["severity"],
            "cluster": finding.get("cluster") or finding.get("resource_name"), "resource_id": finding["resource_id"],
            "subscription_id": _subscription(finding) or None, "status": effective_status(finding),
            "suppressed": finding["status"] == "suppressed", **extra}


@dataclass
class Comparison:
    buckets: dict[str, list[dict]] = field(default_factory=lambda: {name: [] for name in BUCKETS})
    marks: dict[str, str] = field(default_factory=dict)  # fingerprint → new | still_failing | now_suppressed

    def counts(self) -> dict[str, int]:
        return {name: len(entries) for name, entries in self.buckets.items()}


def compare(
    old_findings: list[dict], findings: list[dict], rules_ran: set[str], subscriptions_read: set[str]
) -> Comparison:
    """Sort every failing finding, then and now, into DESIGN.md's buckets."""
    old = {f["fingerprint"]: f for f in old_findings}
    now = {f["fingerprint"]: f for f in findings}
    result = Comparison()
    read = {s.lower() for s in subscriptions_read}
    for fingerprint, finding in now.items():
        if not failing(finding):
            continue
        before = old.get(fingerprint)
        was_failing = before is not None and failing(before)
        if finding["status"] == "suppressed":
            mark = "now_suppressed" if was_failing else "new"
        else:
            mark = "still_failing" if was_failing else "new"
        result.marks[fingerprint] = mark
        result.buckets[mark].append(_entry(finding))
    for fingerprint, before in old.items():
        if not failing(before):
            continue
        finding = now.get(fingerprint)
        if finding is not None:
            if finding["status"] in ("pass", "not_applicable"):
                result.buckets["resolved"].append(_entry(before, now=finding["status"]))
            continue
        if before["rule_id"] not in rules_ran:
            result.buckets["not_rechecked"].append(_entry(before, reason=f"rule {before['rule_id']} did not run"))
        elif _subscription(before) not in read:
            result.buckets["not_rechecked"].append(_entry(
                before, reason=f"subscription {_subscription(before) or '(unknown)'} was not read whole"))
        else:
            result.buckets["gone"].append(_entry(before))
    return result


def mark(findings: list[dict], old_report: dict, old_path: str, rules_ran: set[str],
         subscriptions_read: set[str]) -> tuple[Comparison, dict]:
    """Put the marks on this scan's findings; return the comparison and the report's `baseline` section."""
    comparison = compare(old_report["findings"], findings, rules_ran, subscriptions_read)
    for finding in findings:
        if finding["fingerprint"] in comparison.marks:
            finding["baseline"] = comparison.marks[finding["fingerprint"]]
    section = {"report": old_path, "scan_id": old_report["scan"]["id"], "counts": comparison.counts(),
               **{name: comparison.buckets[name] for name in ("resolved", "gone", "not_rechecked")}}
    return comparison, section
