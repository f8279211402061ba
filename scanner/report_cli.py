"""`aks-netaudit report REPORT.json --format LIST --output-dir DIR`: re-render any format from a saved report.

The JSON is the contract, so the saved file is validated first: a file that is not a report of
this schema is exit 2 naming it, and nothing is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jsonschema import ValidationError

from reports import FORMATS, validate_report, write_reports
from scanner.errors import InputError


def add_parser(commands, formats_option, sarif_base_option) -> None:
    report = commands.add_parser("report", help="re-render report formats from a saved report.json")
    report.add_argument("report", type=Path, metavar="REPORT.json")
    report.add_argument("--format", type=formats_option, required=True, metavar="LIST",
                        help=f"comma-separated: {', '.join(FORMATS)}")
    report.add_argument("--output-dir", type=Path, required=True, metavar="DIR")
    report.add_argument("--sarif-base", type=sarif_base_option, metavar="PATH")


def read_report(path: Path, option: str = "") -> dict:
    """A saved report.json, validated against the schema: the contract every consumer reads."""
    label = f"{option} {path}".strip()
    try:
        contract = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{label}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{label}: not valid JSON: {exc}") from exc
    try:
        validate_report(contract)
    except ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        raise InputError(f"{label}: not a valid aks-netaudit report: {where}: {exc.message}") from exc
    return contract


def run(args: argparse.Namespace) -> int:
    contract = read_report(args.report)
    try:
        paths = write_reports(contract, args.output_dir, args.format, sarif_base=args.sarif_base)
    except OSError as exc:
        raise InputError(f"--output-dir {args.output_dir}: cannot write the reports: {exc.strerror or exc}") from exc
    for path in paths:
        print(f"report: {path}")
    return 0
