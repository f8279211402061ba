"""`aks-netaudit rules list | show | test`: the rule catalogue and its cases, from the rule files."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from scanner.engine.cases import run_rule_cases
from scanner.engine.loader import PROFILES, Rule, load_pack, select
from scanner.errors import InputError


def add_parser(commands) -> None:
    rules = commands.add_parser("rules", help="list, show and test the rules")
    actions = rules.add_subparsers(dest="action", required=True, parser_class=type(rules))
    listing = actions.add_parser("list", help="every rule: id, severity, profile, category, title")
    listing.add_argument("--profile", action="append", default=[], metavar="NAME",
                         help=f"only these profiles: all, {', '.join(PROFILES)} (default all)")
    listing.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    show = actions.add_parser("show", help="what a rule checks, why, how to fix, references, parameters")
    show.add_argument("rule_id", metavar="ID")
    show.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR")
    test = actions.add_parser("test", help="run the rules' cases (built-in, or the rules of the folders given)")
    test.add_argument("dirs", nargs="*", type=Path, metavar="DIR")


def _list(args: argparse.Namespace) -> int:
    rules = select(load_pack(user_dirs=args.rules).rules, args.profile or ["all"])
    if args.format == "json":
        print(json.dumps([r.catalogue_entry() for r in rules], indent=2))
        return 0
    print(f"{'id':<14}{'severity':<10}{'profile':<26}{'category':<30}title")
    for r in rules:
        print(f"{r.id:<14}{r.severity:<10}{r.profile:<26}{r.category:<30}{r.title}")
    print(f"{len(rules)} rules")
    return 0


def _paragraph(label: str, text: str) -> str:
    body = "\n\n".join(textwrap.fill(" ".join(p.split()), 96, initial_indent="  ", subsequent_indent="  ")
                       for p in text.split("\n\n"))
    return f"{label}\n{body}"


def describe(rule: Rule) -> str:
    """The text `rules show` prints: a rule's documentation, from the rule file alone."""
    head = [f"{rule.id}  {rule.title}", f"severity {rule.severity} · profile {rule.profile} · category "
            f"{rule.category}" + ("" if rule.built_in else f" · from {rule.path}")]
    if rule.source:
        head.append(f"source: {rule.source}")
    parts = ["\n".join(head)]
    parts.append(_paragraph("Why", rule.description))
    if rule.when:
        parts.append("Not applicable when:\n" + "\n".join(f"  - {reason}" for _, reason in rule.when))
    if rule.requires:
        parts.append("Needs (else error):\n" + "\n".join(f"  - {missing}" for _, missing in rule.requires))
    parts.append(_paragraph("How to fix", rule.fix))
    if rule.parameters:
        parts.append("Parameters (config file, rules." + rule.id + "):\n" + "\n".join(
            f"  {name} ({spec['type']}, default {json.dumps(spec['default'])}): {spec['description']}"
            for name, spec in rule.parameters.items()))
    parts.append("References:\n" + "\n".join(f"  {ref}" for ref in rule.references))
    return "\n\n".join(parts)


def _show(args: argparse.Namespace) -> int:
    rules = {r.id: r for r in load_pack(user_dirs=args.rules).rules}
    rule = rules.get(args.rule_id.upper())
    if rule is None:
        raise InputError(f"rules show {args.rule_id}: no such rule (aks-netaudit rules list shows them)")
    print(describe(rule))
    return 0


def _test(args: argparse.Namespace) -> int:
    pack = load_pack(user_dirs=args.dirs)
    rules = [r for r in pack.rules if r.built_in != bool(args.dirs)]
    passed = failed = 0
    for rule in rules:
        for result in run_rule_cases(rule):
            print(result.line())
            for problem in result.problems:
                print(f"       {problem}")
            passed, failed = (passed + 1, failed) if result.ok else (passed, failed + 1)
    sys.stdout.flush()
    print(f"rules test: {passed} passed, {failed} failed")
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    return {"list": _list, "show": _show, "test": _test}[args.action](args)
