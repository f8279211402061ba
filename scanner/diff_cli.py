"""`aks-netaudit diff OLD.json NEW.json`: what changed between two scans, for a person or a pull request.

Both reports are validated first. The buckets are DESIGN.md's (scanner/engine/baseline.py);
`--fail-on-new SEVERITY` gates on new failing findings only, never on suppressed ones.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from reports.build import SEVERITIES
from scanner.engine.baseline import BUCKETS, Comparison, compare
from scanner.output import emit
from scanner.report_cli import read_report

TITLES = {"new": "New", "resolved": "Resolved", "still_failing": "Still failing", "now_suppressed": "Now suppressed",
          "gone": "Gone (cluster no longer there)", "not_rechecked": "Not re-checked (never counted as resolved)"}


def add_parser(commands) -> None:
    diff = commands.add_parser("diff", help="compare two reports: new, resolved, still failing, ...")
    diff.add_argument("old", type=Path, metavar="OLD.json")
    diff.add_argument("new", type=Path, metavar="NEW.json")
    diff.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    diff.add_argument("--output", type=Path, metavar="FILE", help="write here instead of stdout")
    diff.add_argument("--fail-on-new", choices=SEVERITIES, metavar="SEVERITY",
                      help="exit 1 on a new failing finding at or above this severity")


def _line(entry: dict) -> str:
    return f"{entry['rule_id']} [{entry['severity']}] {entry['cluster']} ({_status(entry)})"


def render_text(old: dict, new: dict, comparison: Comparison) -> str:
    counts = comparison.counts()
    lines = [f"aks-netaudit diff: {old['scan']['id']} → {new['scan']['id']}",
             "  " + "  ".join(f"{name.replace('_', ' ')} {counts[name]}" for name in BUCKETS)]
    for name in BUCKETS:
        if comparison.buckets[name]:
            lines.append(f"{TITLES[name]}:")
            lines += [f"  {_line(entry)}" for entry in comparison.buckets[name]]
    return "\n".join(lines) + "\n"


def _status(entry: dict) -> str:
    text = entry.get("reason") or (f"now {entry['now']}" if entry.get("now") else entry["status"])
    return f"{text} (suppressed)" if entry.get("suppressed") else text


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(old: dict, new: dict, comparison: Comparison) -> str:
    counts = comparison.counts()
    out = ["### aks-netaudit: changes since the last scan", "",
           "| " + " | ".join(TITLES[name].split(" (")[0] for name in BUCKETS) + " |",
           "|" + "---|" * len(BUCKETS), "| " + " | ".join(str(counts[name]) for name in BUCKETS) + " |", ""]
    for name in BUCKETS:
        entries = comparison.buckets[name]
        if not entries:
            continue
        out += [f"<details{' open' if name == 'new' else ''}><summary>{TITLES[name]} ({len(entries)})</summary>", "",
                "| rule | severity | cluster | status |", "|---|---|---|---|"]
        out += [f"| {_cell(e['rule_id'])} | {_cell(e['severity'])} | {_cell(e['cluster'])} | {_cell(_status(e))} |"
                for e in entries]
        out += ["", "</details>", ""]
    out.append(f"Scans {old['scan']['id']} → {new['scan']['id']}.")
    return "\n".join(out) + "\n"


def render_json(old: dict, new: dict, comparison: Comparison, paths: tuple[Path, Path]) -> str:
    document = {"old": {"report": str(paths[0]), "scan_id": old["scan"]["id"]},
                "new": {"report": str(paths[1]), "scan_id": new["scan"]["id"]},
                "counts": comparison.counts(), **comparison.buckets}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def run(args: argparse.Namespace) -> int:
    old, new = read_report(args.old), read_report(args.new)
    comparison = compare(old["findings"], new["findings"], {r["id"] for r in new["rules"]},
                         set(new["coverage"]["subscriptions"]))
    if args.format == "json":
        text = render_json(old, new, comparison, (args.old, args.new))
    elif args.format == "markdown":
        text = render_markdown(old, new, comparison)
    else:
        text = render_text(old, new, comparison)
    emit(text, args.output)
    if args.fail_on_new:
        rank = SEVERITIES.index
        tripped = [e for e in comparison.buckets["new"]
                   if not e["suppressed"] and rank(e["severity"]) <= rank(args.fail_on_new)]
        return 1 if tripped else 0
    return 0
