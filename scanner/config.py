"""`--config FILE`: scan-wide parameters and per-rule parameters, checked before anything runs.

DESIGN.md "Configuration": an unknown key, parameter or wrong type is exit 2 naming the file and
the key, because a typo in a parameter would otherwise silently leave its default in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rules import RULES_DIR
from scanner.engine import params as param_types
from scanner.errors import InputError
from scanner.netmath import parse_network
from scanner.yamldoc import read_checked

CONFIG_SCHEMA_PATH = RULES_DIR / "config.schema.json"


@dataclass
class Config:
    parameters: dict = field(default_factory=dict)  # scan-wide
    rules: dict = field(default_factory=dict)  # rule id → {parameter: value}
    path: str | None = None


def load_config(path: Path | None, rules: list) -> Config:
    """Read and check the config against the rules in force (their declared parameters)."""
    if path is None:
        return Config()
    document = read_checked(path, CONFIG_SCHEMA_PATH, "config", empty_ok=True)
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
