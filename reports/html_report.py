"""Render the self-contained HTML report from the report dict (never from scanner objects).

The page holds the data once, as JSON in a ``<script type="application/json" id="data">`` block:
per-rule text once (from the report's ``rules`` section), clusters once, repeated strings (messages,
remediation, evidence, reference lists) once, and the findings as compact arrays of indexes into
those tables. ``report.js`` renders the findings on demand (a page of rows at a time), so a report
of 100,000 findings opens quickly and never holds 100,000 DOM rows. The summary at the top (scope,
coverage, counts, the severity × category matrix, the clusters with the most failures) is rendered
here and reads without JavaScript; so do the first failures, in a ``<noscript>`` table.

Resource names, tags, messages and evidence come from the scanned tenant and are untrusted: the
Jinja environment autoescapes everything; the data block escapes ``<``, ``>`` and ``&`` (and
U+2028/U+2029) so nothing in it can close the tag; the script builds DOM with ``textContent`` only
and links only ``https://`` references; and a Content-Security-Policy with hashes of our own inline
style and script stops anything else from loading or running even if some markup slipped through.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from functools import cache
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .build import SEVERITIES, STATUSES

_ATTENTION = ("fail", "error")
NOSCRIPT_ROWS = 200  # failures shown without JavaScript
TOP_CLUSTERS = 10
DATA_VERSION = 1

# Column order of one finding in the embedded data (report.js reads the same order).
FINDING_COLUMNS = ("rule", "cluster", "severity", "status", "category", "title", "message", "remediation",
                   "evidence", "references", "fingerprint", "baseline", "suppression", "resource_name", "profile",
                   "resource_id")

_SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)", re.I)
_ENCODE = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode


def _pretty_json(value: Any) -> str:
    # Returned as a plain str so autoescape escapes it; the tojson filter would emit \u003c noise.
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _label(value: str) -> str:
    return value.replace("_", " ")


def _is_https(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("https://")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _fragment(**params: str) -> str:
    """A URL fragment of filters (`#status=fail&severity=high`), as report.js reads it."""
    return "#" + "&".join(f"{key}={quote(str(value), safe=',:')}" for key, value in params.items() if value)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty_json"] = _pretty_json
    env.filters["label"] = _label
    env.tests["https_url"] = _is_https
    env.globals["fragment"] = _fragment
    return env


@cache
def _asset(name: str) -> str:
    env = _environment()
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    return source


def embed_json(value: Any) -> str:
    """JSON text safe inside a <script> element: no `<`, `>` or `&` (so no `</script>` or `<!--`), ASCII only.

    ensure_ascii escapes U+2028/U+2029 (and lone surrogates) too. The three characters only occur
    inside JSON strings, where `\\u003c` means the same, so the text parses to the same value.
    """
    return _script_safe(_ENCODE(value))


def _script_safe(text: str) -> str:
    # str.replace runs in C at memchr speed; str.translate is several times slower on a large text.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Table:
    """Interns values: each distinct value stored once, referred to by index."""

    __slots__ = ("index", "values")

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.values: list[Any] = []

    def add(self, key: Any, value: Any = None) -> int:
        position = self.index.get(key)
        if position is None:
            position = self.index[key] = len(self.values)
            self.values.append(key if value is None else value)
        return position


def _cluster_name(finding: dict[str, Any]) -> str:
    name = finding.get("cluster") or finding.get("resource_name")
    return name if isinstance(name, str) and name else str(finding.get("resource_id", "")).rsplit("/", 1)[-1]


def _subscription(finding: dict[str, Any]) -> str | None:
    if "subscription_id" in finding:
        return finding["subscription_id"]
    match = _SUBSCRIPTION.match(str(finding.get("resource_id", "")))
    return match.group(1).lower() if match else None


def _prepare(report: dict[str, Any]) -> dict[str, Any]:
    """One pass over the findings: the compact data block and the server-rendered summaries."""
    severity_index = {name: i for i, name in enumerate(SEVERITIES)}
    status_index = {name: i for i, name in enumerate(STATUSES)}
    strings, evidence, references, suppressions = _Table(), _Table(), _Table(), _Table()
    categories, subscriptions, clusters = _Table(), _Table(), _Table()
    cluster_rows: list[list[Any]] = []
    cluster_fails: list[list[int]] = []  # per cluster: fail, error, critical+high fails
    rules: list[dict[str, Any]] = []
    rule_index: dict[str, int] = {}
    for rule in report.get("rules") or []:
        rule_index[rule["id"]] = len(rules)
        rules.append({key: rule.get(key) for key in ("id", "title", "description", "severity", "category",
                                                     "profile", "fix", "references", "source", "built_in")})
    for rule in rules:
        categories.add(rule["category"])
    matrix: dict[str, dict[str, int]] = {severity: {} for severity in SEVERITIES}
    attention: list[dict[str, Any]] = []
    rows: list[list[Any]] = []
    dumps, encode = json.dumps, _ENCODE
    add_string, add_evidence, add_references = strings.add, evidence.add, references.add
    for finding in report["findings"]:
        rule_id = finding["rule_id"]
        rule = rule_index.get(rule_id)
        if rule is None:  # a rule the report's `rules` section does not list: its text from the finding
            rule = rule_index[rule_id] = len(rules)
            rules.append({"id": rule_id, "title": finding["title"], "description": None,
                          "severity": finding["severity"], "category": finding["category"],
                          "profile": finding["profile"], "fix": None, "references": finding["references"],
                          "source": None, "built_in": None})
        resource_id = finding["resource_id"]
        key = resource_id.lower()
        cluster = clusters.index.get(key)
        if cluster is None:
            cluster = clusters.add(key)
            subscription = _subscription(finding)
            cluster_rows.append([_cluster_name(finding),
                                 -1 if subscription is None else subscriptions.add(subscription), resource_id])
            cluster_fails.append([0, 0, 0])
        status, severity = finding["status"], finding["severity"]
        if status in _ATTENTION:
            counts = cluster_fails[cluster]
            if status == "fail":
                counts[0] += 1
                if severity in ("critical", "high"):
                    counts[2] += 1
                cells = matrix.setdefault(severity, {})
                cells[finding["category"]] = cells.get(finding["category"], 0) + 1
            else:
                counts[1] += 1
            if len(attention) < NOSCRIPT_ROWS:
                attention.append(finding)
        suppression = finding.get("suppression")
        baseline = finding.get("baseline")
        ev = encode(finding["evidence"])
        refs = finding["references"]
        rows.append([
            rule, cluster, severity_index.get(severity, severity), status_index.get(status, status),
            categories.add(finding["category"]), add_string(finding["title"]), add_string(finding["message"]),
            add_string(finding["remediation"]), add_evidence(ev), add_references(tuple(refs), refs),
            finding["fingerprint"], -1 if baseline is None else add_string(baseline),
            -1 if suppression is None else suppressions.add(dumps(suppression, sort_keys=True), suppression),
            add_string(finding["resource_name"]), add_string(finding["profile"]),
            -1 if resource_id == cluster_rows[cluster][2] else add_string(resource_id),
        ])
    head = embed_json({
        "version": DATA_VERSION, "columns": FINDING_COLUMNS, "severities": SEVERITIES, "statuses": STATUSES,
        "scan_id": report["scan"].get("id"), "rules": rules, "clusters": cluster_rows,
        "subscriptions": subscriptions.values, "categories": categories.values, "strings": strings.values,
        "references": references.values, "suppressions": suppressions.values,
        "has_baseline": any(row[11] != -1 for row in rows), "findings": rows,
    })
    data = head[:-1] + ',"evidence":' + _script_safe("[" + ",".join(evidence.values) + "]") + "}"
    top = sorted(range(len(cluster_rows)), key=lambda i: (-cluster_fails[i][0], -cluster_fails[i][2],
                                                         -cluster_fails[i][1], cluster_rows[i][0]))
    names = [row[0] for row in cluster_rows]
    top_clusters = [
        {"name": cluster_rows[i][0], "resource_id": cluster_rows[i][2],
         "subscription": subscriptions.values[cluster_rows[i][1]] if cluster_rows[i][1] >= 0 else None,
         "fail": cluster_fails[i][0], "error": cluster_fails[i][1], "severe": cluster_fails[i][2],
         "key": names[i] if names.count(names[i]) == 1 else cluster_rows[i][2].lower()}
        for i in top[:TOP_CLUSTERS] if cluster_fails[i][0] or cluster_fails[i][1]
    ]
    matrix_categories = sorted(categories.values)
    return {"data": data, "matrix": matrix, "matrix_categories": matrix_categories, "top_clusters": top_clusters,
            "attention": attention, "cluster_count": len(cluster_rows), "rule_count": len(rules)}


def _bars(counts: list[tuple[str, int]], width: int = 260) -> list[dict[str, Any]]:
    peak = max((count for _, count in counts), default=0) or 1
    return [{"name": name, "count": count, "width": round(width * count / peak, 1), "y": 22 * i}
            for i, (name, count) in enumerate(counts)]


def render_html(report: dict[str, Any]) -> str:
    """Return one HTML page that loads nothing external: summary server-rendered, findings by report.js."""
    css, script = _asset("report.css"), _asset("report.js")
    csp = (
        "default-src 'none'; "
        f"style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    prepared = _prepare(report)
    summary = report["summary"]
    fails_by_severity = [(severity, summary["by_severity"][severity]["fail"]) for severity in SEVERITIES]
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        css=Markup(css),
        script=Markup(script),
        data=Markup(prepared.pop("data")),
        csp=csp,
        severities=SEVERITIES,
        statuses=STATUSES,
        status_bars=_bars([(status, summary["by_status"][status]) for status in STATUSES]),
        severity_bars=_bars(fails_by_severity),
        attention_total=sum(summary["by_status"][status] for status in _ATTENTION),
        **prepared,
    )
