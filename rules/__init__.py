"""The built-in rule pack: one YAML file per rule under a folder per category, and its schema.

A package so that the rule files ship inside the wheel and an installed tool finds them.
"""

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = RULES_DIR / "rule.schema.json"
PACK_VERSION = "2026.11.0"
