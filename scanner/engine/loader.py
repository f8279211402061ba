"""Loading rule files: YAML, checked against rules/rule.schema.json, every expression compiled.

A bad rule file stops the run before anything is collected (exit 2), with one line naming the
file and the field: rule files are untrusted input like any other.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jmespath
import yaml
from jmespath.exceptions import JMESPathError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from rules import PACK_VERSION, RULES_DIR, SCHEMA_PATH
from scanner.engine.functions import arity
from scanner.engine.template import Template
from scanner.errors import InputError

PROFILES = ("baseline", "overlay-migration", "apiserver-vnet-migration")


@dataclass(frozen=True)
class Rule:
    """A loaded rule: metadata as written, expressions and templates compiled."""

    id: str
    title: str
    severity: str
    category: str
    profile: str
    subject: str
    description: str
    source: str | None
    when: tuple  # ((expression, reason), ...)
    requires: tuple  # ((expression, missing), ...)
    facts: tuple  # ((name, expression), ...)
    check: object
    undecided: object | None
    evidence: tuple  # ((name, expression), ...)
    message: dict
    remediation: Template
    references: tuple
    path: str


@dataclass(frozen=True)
class RulePack:
    rules: tuple
    version: str
    sha256: str


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _lint(node: dict) -> None:
    """Mistakes JMESPath accepts but a rule never means: unknown functions, wrong arity, `!a.b`."""
    if node.get("type") == "function_expression":
        name = node["value"]
        known = arity(name)
        if known is None:
            raise ValueError(f"unknown function {name}()")
        count, variadic = known
        given = len(node["children"])
        if given != count and not (variadic and given >= count - 1):
            raise ValueError(f"{name}() takes {count} arguments, {given} given")
    if node.get("type") == "subexpression" and node["children"][0].get("type") == "not_expression":
        raise ValueError("`!a.b` negates only `a` (JMESPath precedence); write `!(a.b)`")
    for child in node.get("children", []):
        if isinstance(child, dict):
            _lint(child)


def _expression(path: Path, field: str, text: str):
    try:
        compiled = jmespath.compile(text)
        _lint(compiled.parsed)
        return compiled
    except (JMESPathError, ValueError) as exc:
        detail = str(exc).splitlines()[0]
        raise InputError(f"{path}: {field}: invalid JMESPath expression: {detail}") from exc


def _template(path: Path, field: str, text: str) -> Template:
    try:
        template = Template.compile(text)
        for expression in template.expressions():
            _lint(expression.parsed)
        return template
    except (JMESPathError, ValueError) as exc:
        detail = str(exc).splitlines()[0]
        raise InputError(f"{path}: {field}: invalid template: {detail}") from exc


def _read_yaml(path: Path) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    if not isinstance(document, dict):
        raise InputError(f"{path}: a rule file must be a YAML mapping")
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        field = error.json_path.removeprefix("$.").removeprefix("$") or "(top level)"
        raise InputError(f"{path}: {field}: {error.message}")
    return document


def load_rule(path: Path) -> Rule:
    doc = _read_yaml(path)
    when = tuple(
        (_expression(path, f"when[{i}].test", item["test"]), item["reason"])
        for i, item in enumerate(doc.get("when", []))
    )
    requires = tuple(
        (_expression(path, f"requires[{i}].test", item["test"]), item["missing"])
        for i, item in enumerate(doc.get("requires", []))
    )
    facts = tuple((name, _expression(path, f"facts.{name}", text)) for name, text in doc.get("facts", {}).items())
    evidence = tuple(
        (name, _expression(path, f"evidence.{name}", text)) for name, text in doc.get("evidence", {}).items()
    )
    message = {status: _template(path, f"message.{status}", text) for status, text in doc["message"].items()}
    return Rule(
        id=doc["id"],
        title=doc["title"],
        severity=doc["severity"],
        category=doc["category"],
        profile=doc["profile"],
        subject=doc["subject"],
        description=doc["description"].strip(),
        source=doc.get("source"),
        when=when,
        requires=requires,
        facts=facts,
        check=_expression(path, "check", doc["check"]),
        undecided=_expression(path, "undecided", doc["undecided"]) if "undecided" in doc else None,
        evidence=evidence,
        message=message,
        remediation=_template(path, "remediation", doc["remediation"]),
        references=tuple(doc["references"]),
        path=str(path),
    )


def load_pack(directory: Path = RULES_DIR) -> RulePack:
    """Every `*.yaml` below `directory`, in a stable order, with a hash of the files in force."""
    paths = sorted(directory.rglob("*.yaml"))
    digest = hashlib.sha256()
    rules: dict[str, Rule] = {}
    for path in paths:
        digest.update(path.relative_to(directory).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
        rule = load_rule(path)
        if rule.id in rules:
            raise InputError(f"{path}: id: {rule.id} is already defined in {rules[rule.id].path}")
        rules[rule.id] = rule
    return RulePack(tuple(sorted(rules.values(), key=lambda r: r.id)), PACK_VERSION, digest.hexdigest())


def select(rules: Iterable[Rule], profiles: list[str]) -> list[Rule]:
    """The rules of the named profiles; `all` selects every rule."""
    unknown = [p for p in profiles if p != "all" and p not in PROFILES]
    if unknown:
        raise InputError(f"--profile {unknown[0]}: unknown profile (choose from all, {', '.join(PROFILES)})")
    if "all" in profiles:
        return list(rules)
    return [r for r in rules if r.profile in profiles]
