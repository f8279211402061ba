"""SARIF 2.1.0 (`report.sarif`), rendered from the JSON report alone, for GitHub code scanning and other consumers.

What GitHub code scanning accepts shapes the file, beyond the official schema:

- every result has a `physicalLocation.artifactLocation.uri` that is a repository-relative path (no
  scheme, no leading slash). Cloud resources have no file, so the path is derived from the ARM id,
  lower-cased and percent-encoded per segment, under `azure/` (and under `--sarif-base PATH` when
  given): the same resource gives the same path every night, so alerts match across runs;
- `partialFingerprints.primaryLocationLineHash` is our fingerprint (otherwise the upload tries to
  hash a line of a file that does not exist), `region.startLine` is 1;
- at most 25,000 results per run (the most severe are kept: fails before errors before suppressed
  ones, then by severity), GitHub shows only the top 5,000, and the upload's gzip must stay under
  10 MB. What is left out is said in the run's notifications and on stderr.

`pass` and `not_applicable` findings are not results (SARIF results are things to look at).
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

MAX_RESULTS = 25_000  # GitHub rejects a run with more
GITHUB_SHOWN = 5_000  # GitHub keeps only the top results beyond this
MAX_TEXT = 1_024  # fullDescription.text and help.text
MAX_GZIP_BYTES = 10_000_000  # GitHub's limit is 10 MB gzip-compressed; decimal MB keeps a margin
EVIDENCE_CHARS = 4_096  # evidence larger than this (as JSON) is left to report.json

SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
# the order results are kept in when the cap bites: fails, then errors, then the suppressed ones
_STATUS_ORDER = {"fail": 0, "error": 1, "suppressed": 2}
_BASELINE_STATE = {"new": "new", "still_failing": "unchanged", "now_suppressed": "unchanged"}
UNDECIDED_PREFIX = "could not be decided: "
_SURROGATE = re.compile("[\ud800-\udfff]")


def level_for(severity: str) -> str:
    return _LEVEL.get(severity, "warning")


def check_sarif_base(value: str) -> str:
    """`--sarif-base PATH` as argparse `type=`: a folder of the user's repository, relative, without `..`."""
    path = value.replace("\\", "/")
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", path) or path.startswith("/"):
        raise ValueError(f"--sarif-base {value!r}: give a path relative to the repository root")
    if ".." in path.split("/"):
        raise ValueError(f"--sarif-base {value!r}: '..' would leave the repository")
    return value


def _segments(path: str, lower: bool) -> list[str]:
    parts = []
    for part in path.replace("\\", "/").split("/"):
        if part in ("", "."):
            continue
        part = _SURROGATE.sub("\ufffd", part.lower() if lower else part)  # a lone surrogate has no UTF-8
        # "." and ".." are kept as names, never as steps out of the folder
        parts.append(quote(part, safe="") if part != ".." else "%2E%2E")
    return parts


def artifact_uri(resource_id: str, base: str | None = None) -> str:
    """The repository-relative path a resource's alerts are filed under: stable, lower-cased, percent-encoded."""
    path = "/".join(["azure", *_segments(resource_id, lower=True)])
    prefix = "/".join(_segments(base, lower=False)) if base else ""
    return f"{prefix}/{path}" if prefix else path


def _clip(text: str, limit: int = MAX_TEXT) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _camel(text: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(word[:1].upper() + word[1:] for word in words)


def _help_text(rule: dict[str, Any]) -> str:
    references = [ref for ref in rule.get("references") or [] if isinstance(ref, str)]
    refs = "\n\nReferences:\n" + "\n".join(f"- {ref}" for ref in references) if references else ""
    while refs and len(refs) > MAX_TEXT // 2:  # the fix comes first; keep the references that fit beside it
        references = references[:-1]
        refs = "\n\nReferences:\n" + "\n".join(f"- {ref}" for ref in references) if references else ""
    fix = rule.get("fix") or rule.get("remediation") or rule.get("title") or rule["id"]
    return _clip(fix, MAX_TEXT - len(refs)) + refs


def _https(uri: str) -> bool:
    return bool(re.match(r"^https?://[^\s]+$", uri))


def descriptor(rule: dict[str, Any]) -> dict[str, Any]:
    """A `reportingDescriptor` for one entry of the report's `rules` section."""
    severity = rule.get("severity", "medium")
    title = rule.get("title") or rule["id"]
    out: dict[str, Any] = {
        "id": rule["id"],
        "name": _camel(title) or _camel(rule["id"]),
        "shortDescription": {"text": _clip(title)},
        "fullDescription": {"text": _clip(rule.get("description") or title)},
        "help": {"text": _help_text(rule)},
        "defaultConfiguration": {"level": level_for(severity)},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "5.5"),
            "tags": list(dict.fromkeys(t for t in ("security", rule.get("category"), rule.get("profile")) if t)),
            "severity": severity,
        },
    }
    links = [ref for ref in rule.get("references") or [] if isinstance(ref, str) and _https(ref)]
    if links:
        out["helpUri"] = links[0]
    return out


def _rank(finding: dict[str, Any]) -> tuple[int, int]:
    return (_STATUS_ORDER.get(finding["status"], 3), SEVERITY_ORDER.get(finding.get("severity"), 5))


def select_results(findings: Iterable[dict[str, Any]], limit: int = MAX_RESULTS) -> tuple[list[dict[str, Any]], int]:
    """The findings that become results, most severe first (fails, errors, suppressed; then severity), and how
    many were left out over `limit`. The sort is stable, so ties keep the report's order."""
    candidates = [f for f in findings if f.get("status") in _STATUS_ORDER]
    candidates.sort(key=_rank)
    return candidates[:limit], max(0, len(candidates) - limit)


def _would_be(finding: dict[str, Any]) -> str:
    """The status a finding has, or for a suppressed one the status it would have had."""
    if finding["status"] == "suppressed":
        status = (finding.get("suppression") or {}).get("status")
        return status if status in ("fail", "error") else "fail"
    return finding["status"]


def _evidence(evidence: Any, fingerprint: str) -> Any:
    text = json.dumps(evidence, ensure_ascii=False, separators=(",", ":"))
    if len(text) <= EVIDENCE_CHARS:
        return evidence
    return {"omitted": f"{len(text)} characters of evidence; see report.json, fingerprint {fingerprint}"}


def result(finding: dict[str, Any], rule_index: int, base: str | None, with_evidence: bool = True) -> dict[str, Any]:
    would_be = _would_be(finding)
    message = finding.get("message") or finding.get("title") or finding["rule_id"]
    if would_be == "error":
        message = UNDECIDED_PREFIX + message
    resource_id = finding["resource_id"]
    properties: dict[str, Any] = {
        "status": finding["status"],
        "severity": finding.get("severity"),
        "category": finding.get("category"),
        "cluster": finding.get("cluster", finding.get("resource_name")),
        "subscription_id": finding.get("subscription_id"),
    }
    if with_evidence:
        properties["evidence"] = _evidence(finding.get("evidence", {}), finding["fingerprint"])
    out: dict[str, Any] = {
        "ruleId": finding["rule_id"],
        "ruleIndex": rule_index,
        "level": "note" if would_be == "error" else level_for(finding.get("severity", "medium")),
        "message": {"text": message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(resource_id, base)},
                "region": {"startLine": 1},
            },
            "logicalLocations": [{"fullyQualifiedName": resource_id, "kind": "resource"}],
        }],
        "partialFingerprints": {"primaryLocationLineHash": finding["fingerprint"]},
        "properties": properties,
    }
    if finding["status"] == "suppressed":  # only a suppressed finding: an expired entry suppresses nothing
        entry = finding.get("suppression") or {}
        sarif_suppression: dict[str, Any] = {"kind": "external", "status": "accepted",
                                             "justification": entry.get("reason") or "suppressed"}
        extra = {key: entry[key] for key in ("owner", "expires", "entry") if entry.get(key) is not None}
        if extra:
            sarif_suppression["properties"] = extra
        out["suppressions"] = [sarif_suppression]
    state = _BASELINE_STATE.get(finding.get("baseline") or "")
    if state:
        out["baselineState"] = state
    return out


def _notification(text: str, level: str = "warning") -> dict[str, Any]:
    return {"level": level, "message": {"text": text}}


def _automation_id(scan: dict[str, Any]) -> str:
    profiles = sorted(dict.fromkeys(str(p) for p in scan.get("profiles") or [])) or ["default"]
    return "aks-netaudit/" + "+".join(quote(p, safe="-._") for p in profiles) + "/"


def build_sarif(contract: dict[str, Any], options: dict[str, Any] | None = None, *,
                limit: int = MAX_RESULTS, with_evidence: bool = True) -> tuple[dict[str, Any], list[str]]:
    """The SARIF log as a dict, and the warnings to show a person (the same texts are run notifications)."""
    options = options or {}
    base = options.get("sarif_base")
    scan = contract.get("scan", {})
    rules = list(contract.get("rules") or [])
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for finding in contract.get("findings") or []:  # a finding whose rule the section lacks still gets a descriptor
        if finding["rule_id"] not in index:
            index[finding["rule_id"]] = len(rules)
            rules.append({key: finding.get(key) for key in ("title", "severity", "category", "profile",
                                                            "references", "remediation")} | {"id": finding["rule_id"]})

    kept, left_out = select_results(contract.get("findings") or [], limit)
    notices: list[str] = []
    if left_out:
        why = (f"GitHub code scanning accepts at most {MAX_RESULTS} per run" if limit >= MAX_RESULTS
               else "the file's gzip must stay under 10 MB for GitHub code scanning")
        notices.append(f"{left_out} result(s) left out: {why}; the {len(kept)} most severe are kept "
                       "(fails before errors, then by severity), report.json has them all")
    if len(kept) > GITHUB_SHOWN:
        notices.append(f"{len(kept)} results: GitHub code scanning shows only the top {GITHUB_SHOWN}")
    if not with_evidence:
        notices.append("evidence left out of the results to keep the file's gzip under 10 MB; report.json has it")

    notifications = [_notification(text) for text in notices]
    coverage = contract.get("coverage") or {}
    if coverage.get("complete") is False:
        notifications.append(_notification("coverage incomplete: some data could not be read; findings may be missing"))
    for error in (coverage.get("errors") or [])[:100]:
        scope = f" ({error['scope']})" if error.get("scope") else ""
        notifications.append(_notification(f"{error.get('source', 'collect')}: {error.get('message', '')}{scope}"))

    invocation: dict[str, Any] = {"executionSuccessful": True}
    if scan.get("started"):
        invocation["startTimeUtc"] = scan["started"]
    if scan.get("finished"):
        invocation["endTimeUtc"] = scan["finished"]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    tool = contract.get("tool") or {}
    driver: dict[str, Any] = {"name": tool.get("name", "aks-netaudit"), "rules": [descriptor(r) for r in rules]}
    if tool.get("version"):
        driver["version"] = tool["version"]
    pack = scan.get("rule_pack") or {}
    if pack.get("version"):
        driver["properties"] = {"rule_pack": pack}

    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [invocation],
        "automationDetails": {"id": _automation_id(scan)},
        "columnKind": "unicodeCodePoints",
        "results": [result(f, index[f["rule_id"]], base, with_evidence) for f in kept],
        "properties": {"scan": {key: scan.get(key) for key in ("id", "source", "cloud", "profiles", "collected")}},
    }
    if scan.get("id"):
        run["automationDetails"]["guid"] = scan["id"]
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}, notices


def _dump(document: dict[str, Any]) -> str:
    # ASCII escapes keep a lone surrogate from a hostile name writable; compact separators keep the file small
    return json.dumps(document, separators=(",", ":")) + "\n"


def gzip_size(text: str) -> int:
    """About the size of the gzip an upload sends (zlib at gzip's default level; gzip adds 18 bytes)."""
    return len(zlib.compress(text.encode("utf-8"), 6)) + 18


def render_sarif(contract: dict[str, Any], options: dict[str, Any] | None = None) -> str:
    """report.sarif's text. Warnings (results left out, over GitHub's shown 5,000) also go to stderr."""
    limit = MAX_RESULTS
    with_evidence = True
    while True:
        document, notices = build_sarif(contract, options, limit=limit, with_evidence=with_evidence)
        text = _dump(document)
        if len(text.encode("utf-8")) < MAX_GZIP_BYTES * 0.99:  # cheap: gzip adds at most ~0.01% to any text
            break
        size = gzip_size(text)
        if size < MAX_GZIP_BYTES:
            break
        results = len(document["runs"][0]["results"])
        if with_evidence:  # the evidence is the bulk: leave it to report.json first
            with_evidence = False
        elif results > 1:  # then fewer results, the most severe kept, in proportion with a margin
            limit = max(1, min(results - 1, int(results * MAX_GZIP_BYTES / size * 0.9)))
        else:
            break
    for notice in notices:
        print(f"aks-netaudit: warning: report.sarif: {notice}", file=sys.stderr)
    return text
