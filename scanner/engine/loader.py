"""Loading rule files: YAML, checked against rules/rule.schema.json, every expression compiled.

A bad rule file stops the run before anything is collected (exit 2), with one line naming the
file and the field: rule files are untrusted input like any other.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jmespath.exceptions import JMESPathError

from rules import PACK_VERSION, RULES_DIR, SCHEMA_PATH
from scanner.engine import params
from scanner.engine.compiled import compile_expression
from scanner.engine.functions import arity, check_literal_patterns
from scanner.engine.template import Template
from scanner.errors import InputError
from scanner.yamldoc import read_checked

PROFILES = ("baseline", "overlay-migration", "apiserver-vnet-migration")
BUILT_IN_PREFIXES = ("APISRV", "IDENT", "IPAM", "OVERLAY", "DUALSTACK", "KUBENET", "MIGRATE", "APIMIG", "EXPOSE", "LB")


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
    fix: str
    remediation: Template
    references: tuple
    parameters: dict  # name → {type, default, description}
    path: str
    built_in: bool = True

    def defaults(self) -> dict:
        return {name: spec["default"] for name, spec in self.parameters.items()}

    def catalogue_entry(self) -> dict:
        """The rule's static text, as the report's `rules` section and `rules show` give it."""
        return {
            "id": self.id, "title": self.title, "description": self.description, "severity": self.severity,
            "category": self.category, "profile": self.profile, "source": self.source, "fix": self.fix,
            "references": list(self.references),
            "parameters": {name: dict(spec) for name, spec in self.parameters.items()},
            "built_in": self.built_in,
        }


@dataclass(frozen=True)
class RulePack:
    rules: tuple
    version: str
    sha256: str


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
        check_literal_patterns(node)
    if node.get("type") == "subexpression" and node["children"][0].get("type") == "not_expression":
        raise ValueError("`!a.b` negates only `a` (JMESPath precedence); write `!(a.b)`")
    for child in node.get("children", []):
        if isinstance(child, dict):
            _lint(child)


def _expression(path: Path, field: str, text: str):
    try:
        compiled = compile_expression(text)
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


def _parameters(path: Path, doc: dict) -> dict:
    declared = doc.get("parameters", {})
    for name, spec in declared.items():
        if not params.fits(spec["type"], spec["default"]):
            raise InputError(f"{path}: parameters.{name}.default: must be {params.expected(spec['type'])}")
    return {name: dict(spec) for name, spec in declared.items()}


def load_rule(path: Path, built_in: bool = True) -> Rule:
    doc = read_checked(path, SCHEMA_PATH, "rule")
    if doc["severity"] != "info" and "fail" not in doc["message"]:
        raise InputError(f"{path}: message.fail: required for a {doc['severity']} rule (only info rules never fail)")
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
        fix=" ".join(doc["fix"].split()) if "\n\n" not in doc["fix"] else doc["fix"].strip(),
        remediation=_template(path, "remediation", doc.get("remediation") or _escape_braces(doc["fix"])),
        references=tuple(doc["references"]),
        parameters=_parameters(path, doc),
        path=str(path),
        built_in=built_in,
    )


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.yaml") if not p.name.endswith(".cases.yaml"))


def load_pack(directory: Path = RULES_DIR, user_dirs: Iterable[Path] = ()) -> RulePack:
    """The built-in rules plus users' folders, in a stable order, with a hash of the files in force.

    A user's rule may not take a built-in prefix (its id could collide with a future built-in
    rule, and reports key on ids) and no id may be defined twice: both are exit 2 naming the files.
    """
    digest = hashlib.sha256()
    rules: dict[str, Rule] = {}
    sources = [(directory, True)] + [(Path(d), False) for d in user_dirs]
    for folder, built_in in sources:
        if not built_in and not folder.is_dir():
            raise InputError(f"--rules {folder}: not a folder")
        for path in _rule_files(folder):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
            rule = load_rule(path, built_in=built_in)
            if not built_in and rule.id.split("-")[0] in BUILT_IN_PREFIXES:
                raise InputError(f"{path}: id: {rule.id} uses the built-in prefix {rule.id.split('-')[0]}; "
                                 "give your rules a prefix of your own")
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
