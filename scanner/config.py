"""`--config FILE`: scan-wide parameters and per-rule parameters, checked before anything runs.

DESIGN.md "Configuration": an unknown key, parameter or wrong type is exit 2 naming the file and
the key, because a typo in a parameter would otherwise silently leave its default in force.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from rules import RULES_DIR
from scanner.engine import params as param_types
from scanner.errors import InputError
from scanner.netmath import parse_network

CONFIG_SCHEMA_PATH = RULES_DIR / "config.schema.json"


@dataclass
class Config:
    parameters: dict = field(default_factory=dict)  # scan-wide
    rules: dict = field(default_factory=dict)  # rule id → {parameter: value}
    path: str | None = None


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads(CONFIG_SCHEMA_PATH.read_text(encoding="utf-8")))


def _read(path: Path) -> dict:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}: not valid YAML{where}") from exc
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise InputError(f"{path}: a config file must be a YAML mapping")
    error = best_match(_validator().iter_errors(document))
    if error is not None:
        where = error.json_path.removeprefix("$.").removeprefix("$") or "(top level)"
        raise InputError(f"{path}: {where}: {error.message}")
    return document


def load_config(path: Path | None, rules: list) -> Config:
    """Read and check the config against the rules in force (their declared parameters)."""
    if path is None:
        return Config()
    document = _read(path)
    scan = dict(document.get("parameters") or {})
    for index, prefix in enumerate(scan.get("onprem_prefixes", [])):
        if parse_network(prefix) is None:
            raise InputError(f"{path}: parameters.onprem_prefixes[{index}]: {prefix!r} is not a CIDR")
    by_id = {rule.id: rule for rule in rules}
    chosen: dict[str, dict] = {}
    for rule_id, values in (document.get("rules") or {}).items():
        rule = by_id.get(rule_id)
        if rule is None:
            raise InputError(f"{path}: rules.{rule_id}: no such rule")
        for name, value in values.items():
            spec = rule.parameters.get(name)
            if spec is None:
                known = ", ".join(rule.parameters) or "none"
                raise InputError(f"{path}: rules.{rule_id}.{name}: {rule_id} has no such parameter (it has: {known})")
            if not param_types.fits(spec["type"], value):
                raise InputError(f"{path}: rules.{rule_id}.{name}: must be {param_types.expected(spec['type'])}")
        chosen[rule_id] = dict(values)
    return Config(parameters=scan, rules=chosen, path=str(path))
