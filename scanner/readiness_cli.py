"""`aks-netaudit readiness --target overlay|apiserver-vnet-integration (--cluster NAME|ID | --all)`.

The same inputs as `scan` (files, the demo, a live scope, Kubernetes data, config, rules,
suppressions); the answer is a plan per cluster and a fleet table. Exit 0 when every plan is `go`
or `not_applicable`, 1 when one is `no-go` or `unknown`.
"""

from __future__ import annotations

import argparse
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from scanner import __version__, inventory
from scanner.collect import sources
from scanner.config import load_config
from scanner.engine import suppress
from scanner.engine.evaluate import evaluate
from scanner.engine.loader import load_pack
from scanner.errors import InputError
from scanner.output import emit
from scanner.readiness import plan as planning
from scanner.readiness.render import render_markdown, render_text


def add_parser(commands) -> None:
    readiness = commands.add_parser("readiness", help="go / no-go plans for a migration, per cluster and fleet")
    readiness.add_argument("--target", required=True, choices=planning.TARGETS)
    which = readiness.add_mutually_exclusive_group(required=True)
    which.add_argument("--cluster", metavar="NAME|ID")
    which.add_argument("--all", action="store_true")
    sources.add_arguments(readiness)
    readiness.add_argument("--config", type=Path, metavar="FILE")
    readiness.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR")
    readiness.add_argument("--suppressions", type=Path, metavar="FILE")
    readiness.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text")
    readiness.add_argument("--output", type=Path, metavar="FILE")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _select(views: list[dict], ref: str | None) -> list[dict]:
    if ref is None:
        return views
    if ref.startswith("/"):
        chosen = [v for v in views if v["id"].lower() == ref.lower()]
    else:
        chosen = [v for v in views if (v["name"] or "").lower() == ref.lower()]
    if not chosen:
        raise InputError(f"--cluster {ref}: no managed cluster with that {'id' if ref.startswith('/') else 'name'}")
    if len(chosen) > 1:
        raise InputError(f"--cluster {ref}: the name matches {len(chosen)} clusters "
                         f"({', '.join(v['id'] for v in chosen)}); give the ARM id")
    return chosen


def build_document(args: argparse.Namespace) -> dict:
    started = _now()
    pack = load_pack(user_dirs=args.rules)
    config = load_config(args.config, list(pack.rules))
    accepted = suppress.load_suppressions(args.suppressions)
    snapshot = sources.gather(args)
    views = inventory.build(snapshot, config.parameters).views("cluster")
    selected = _select(views, None if args.all else args.cluster)
    rules = list(pack.rules)
    findings = [f.to_dict() for f in evaluate(rules, {"cluster": selected}, config.rules)]
    suppress.apply(findings, {v["id"].lower(): v["tags"] for v in selected}, accepted)
    data = planning.Inputs(snapshot=snapshot, parameters=config.parameters, rules=rules, rule_params=config.rules,
                           accepted=accepted, views=views, findings=findings)
    plans = planning.plan_fleet(args.target, data, [r.id for r in rules], selected)
    return {
        "schema_version": "1",
        "tool": {"name": "aks-netaudit", "version": __version__},
        "target": args.target,
        "scan": {"id": str(uuid.uuid4()), "started": started, "finished": _now(), "collected": snapshot.collected,
                 "source": snapshot.source, "cloud": snapshot.cloud,
                 "rule_pack": {"version": pack.version, "sha256": pack.sha256}},
        "coverage": {"complete": not snapshot.errors, "errors": snapshot.errors, "warnings": snapshot.warnings},
        "plans": plans,
        "fleet": planning.fleet_table(plans),
    }


def run(args: argparse.Namespace) -> int:
    document = build_document(args)
    if args.format == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "markdown":
        text = render_markdown(document)
    elif args.format == "html":
        from scanner.readiness.html import render_html

        text = render_html(document)
    else:
        text = render_text(document)
    emit(text, args.output)
    blocked = any(p["verdict"] in ("no-go", "unknown") for p in document["plans"])
    return 1 if blocked else 0
