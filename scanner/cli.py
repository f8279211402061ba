"""Command line: `aks-netaudit scan` runs collect → inventory → evaluate → report, then sets the exit code."""

from __future__ import annotations

import argparse
import gc
import sys
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from reports import DEFAULT_FORMATS, FORMATS, build_report, write_reports
from reports.build import SEVERITIES
from reports.sarif import check_sarif_base
from scanner import __version__, diff_cli, inventory, readiness_cli, report_cli, rules_cli
from scanner.collect import sources
from scanner.config import load_config
from scanner.engine import baseline, suppress
from scanner.engine.evaluate import evaluate
from scanner.engine.loader import PROFILES, load_pack, select
from scanner.errors import InputError

VISIBILITY = [
    "Only subnet-level NSGs are evaluated: NIC NSGs, Azure Virtual Network Manager security admin rules, "
    "Azure Firewall and NVA rules are not.",
    "Routes learned over BGP or ExpressRoute are not visible (supply them with the onprem_prefixes parameter).",
    "The VirtualNetwork service tag holds each VNet's address space, its connected networks (Connected "
    "peerings, on-premises ranges of its gateways' local network gateways, onprem_prefixes behind a BGP gateway), "
    "168.63.129.16, the subnet's route prefixes and, for overlay and kubenet, the pod CIDRs.",
    "Role assignments count directly assigned principals only (group membership is not resolved).",
]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2, as DESIGN.md's exit codes ask."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def formats_option(value: str) -> list[str]:
    chosen = [part.strip().lower() for part in value.split(",") if part.strip()]
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        bad = unknown[0] if unknown else value
        raise argparse.ArgumentTypeError(f"unknown format {bad!r} (choose from {', '.join(FORMATS)})")
    return chosen


def sarif_base_option(value: str) -> str:
    try:
        return check_sarif_base(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix(f"--sarif-base {value!r}: ")) from exc


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="aks-netaudit", description=__doc__)
    parser.add_argument("--version", action="version", version=f"aks-netaudit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scan = commands.add_parser("scan", help="audit the clusters of a tenant (live) or of exported rows; write reports")
    sources.add_arguments(scan)
    scan.add_argument("--profile", action="append", default=[], metavar="NAME",
                      help=f"rule profile, repeatable: all, {', '.join(PROFILES)} (default baseline)")
    scan.add_argument("--config", type=Path, metavar="FILE",
                      help="YAML: scan-wide parameters and per-rule parameters (rules/config.schema.json)")
    scan.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR",
                      help="a folder of your own rule files, beside the built-in ones (repeatable)")
    scan.add_argument("--output-dir", type=Path, default=Path("report"), metavar="DIR")
    scan.add_argument("--format", type=formats_option, default=list(DEFAULT_FORMATS), metavar="LIST",
                      help=f"comma-separated report formats: {', '.join(FORMATS)} (default json,html; "
                           "report.json is always written)")
    scan.add_argument("--sarif-base", type=sarif_base_option, metavar="PATH",
                      help="a folder of your repository the SARIF results' artifact paths are put under")
    scan.add_argument("--fail-on", choices=SEVERITIES, metavar="SEVERITY",
                      help="exit 1 on a fail or error finding at or above this severity")
    scan.add_argument("--suppressions", type=Path, metavar="FILE",
                      help="YAML: accepted risk (rules/suppressions.schema.json); suppressed never trips a gate")
    scan.add_argument("--baseline", type=Path, metavar="OLD.json",
                      help="an earlier report.json: mark findings new / still failing / now suppressed")
    scan.add_argument("--fail-on-new", choices=SEVERITIES, metavar="SEVERITY",
                      help="exit 1 on a new failing finding at or above this severity (needs --baseline)")
    scan.add_argument("--allow-partial", action="store_true",
                      help="do not exit 1 when coverage is incomplete (a truncated input)")
    rules_cli.add_parser(commands)
    report_cli.add_parser(commands, formats_option, sarif_base_option)
    diff_cli.add_parser(commands)
    readiness_cli.add_parser(commands)
    return parser


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _coverage(snapshot, inv: inventory.Inventory) -> dict:
    return {
        "complete": not snapshot.errors,
        "queries": snapshot.queries,
        "errors": snapshot.errors,
        "warnings": snapshot.warnings,
        "subscriptions": snapshot.subscriptions,
        "clusters": len(inv.clusters),
        "resources": inv.resource_counts,
        "kubernetes": {"clusters": inv.kube_clusters},
        "visibility": VISIBILITY,
    }


def _at_or_above(finding: dict, severity: str) -> bool:
    rank = SEVERITIES.index
    return finding["status"] in ("fail", "error") and rank(finding["severity"]) <= rank(severity)


def gate(findings: list[dict], coverage: dict, fail_on: str | None, allow_partial: bool,
         fail_on_new: str | None = None) -> int:
    """DESIGN.md's exit code: 1 when a gate trips or coverage is incomplete, else 0 (suppressed never counts)."""
    if not coverage["complete"] and not allow_partial:
        return 1
    if fail_on and any(_at_or_above(f, fail_on) for f in findings):
        return 1
    if fail_on_new and any(f.get("baseline") == "new" and _at_or_above(f, fail_on_new) for f in findings):
        return 1
    return 0


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _print_summary(report: dict, paths: list[Path]) -> None:
    out = sys.stdout
    summary = report["summary"]
    scan = report["scan"]
    print(f"aks-netaudit {report['tool']['version']}: {_plural(report['coverage']['clusters'], 'cluster')}, "
          f"{_plural(scan['rules'], 'rule')} ({', '.join(scan['profiles'])}), "
          f"{_plural(len(report['findings']), 'finding')}", file=out)
    print("  by status:   " + "  ".join(f"{k} {v}" for k, v in summary["by_status"].items() if v), file=out)
    for severity in SEVERITIES:
        counts = summary["by_severity"][severity]
        bad = {k: v for k, v in counts.items() if k in ("fail", "error") and v}
        if bad:
            print(f"  {severity:<9}    " + "  ".join(f"{k} {v}" for k, v in bad.items()), file=out)
    coverage = report["coverage"]
    if coverage["errors"]:
        print(f"  coverage:    INCOMPLETE ({_plural(len(coverage['errors']), 'problem')})", file=out)
        for problem in coverage["errors"]:
            print(f"    - {problem['source']}: {problem['message']}", file=out)
    else:
        print("  coverage:    complete", file=out)
    for warning in coverage["warnings"]:
        print(f"    ! {warning['source']}: {warning['message']}", file=out)
    for path in paths:
        print(f"  report:      {path}", file=out)


def _parameters_in_force(config, rules) -> dict:
    return {
        "scan": config.parameters,
        "rules": {r.id: {**r.defaults(), **config.rules.get(r.id, {})} for r in rules if r.parameters},
        "config": config.path,
    }


def run_scan(args: argparse.Namespace) -> int:
    started = _now()
    profiles = args.profile or ["baseline"]
    pack = load_pack(user_dirs=args.rules)
    rules = select(pack.rules, profiles)
    config = load_config(args.config, list(pack.rules))
    accepted = suppress.load_suppressions(args.suppressions)
    if args.fail_on_new and not args.baseline:
        raise InputError("--fail-on-new: needs --baseline OLD.json")
    old_report = report_cli.read_report(args.baseline, "--baseline") if args.baseline else None
    snapshot = sources.gather(args)
    inv = inventory.build(snapshot, config.parameters)
    views = inv.views("cluster")
    findings = [f.to_dict() for f in evaluate(rules, {"cluster": views}, config.rules)]
    sections = {}
    if args.suppressions:
        sections["suppressions"] = suppress.apply(findings, {v["id"].lower(): v["tags"] for v in views}, accepted)
    coverage = _coverage(snapshot, inv)
    if old_report is not None:
        _, sections["baseline"] = baseline.mark(findings, old_report, str(args.baseline), {r.id for r in rules},
                                                set(snapshot.subscriptions))
    scan = {
        "id": str(uuid.uuid4()),
        "started": started,
        "finished": _now(),
        "collected": snapshot.collected,
        "source": snapshot.source,
        "inputs": snapshot.inputs,
        "scope": snapshot.scope,
        "cloud": snapshot.cloud,
        "arm_endpoint": snapshot.arm_endpoint,
        "profiles": profiles,
        "rules": len(rules),
        "rule_pack": {"version": pack.version, "sha256": pack.sha256},
        "parameters": _parameters_in_force(config, rules),
    }
    report = build_report(findings, scan, coverage, __version__, [r.catalogue_entry() for r in rules], **sections)
    try:
        paths = write_reports(report, args.output_dir, args.format, sarif_base=args.sarif_base)
    except OSError as exc:
        raise InputError(f"--output-dir {args.output_dir}: cannot write the reports: {exc.strerror or exc}") from exc
    _print_summary(report, paths)
    return gate(report["findings"], coverage, args.fail_on, args.allow_partial, args.fail_on_new)


@contextmanager
def _no_cyclic_gc():
    """A scan builds millions of plain dicts and lists and frees them together at the end: the cyclic
    collector would re-walk them all on every pass (half the time of a large scan, measured) and
    finds no cycles to break. Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "rules":
            return rules_cli.run(args)
        if args.command == "report":
            return report_cli.run(args)
        if args.command == "diff":
            return diff_cli.run(args)
        if args.command == "readiness":
            with _no_cyclic_gc():
                return readiness_cli.run(args)
        with _no_cyclic_gc():
            return run_scan(args)
    except InputError as exc:
        print(f"aks-netaudit: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
