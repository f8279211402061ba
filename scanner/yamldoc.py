"""Reading the YAML files users write (rules, cases, config): safe YAML, then their JSON schema.

Every such file is untrusted input, and a fault in one is exit 2 with one line naming the file
and the field, so the three kinds share one reader and one wording.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from scanner.errors import InputError


@cache
def _validator(schema_path: Path) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))


class _Loader(yaml.SafeLoader):
    """safe_load, but a date stays the text it was (`expires: 2027-02-30` is then the schema's to judge,
    instead of a crash inside the YAML reader)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_checked(path: Path, schema_path: Path, kind: str, empty_ok: bool = False) -> dict:
    """The YAML mapping in `path`, valid against the schema; InputError naming file and field otherwise."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', None) or exc}") from exc
    if document is None and empty_ok:
        return {}
    if not isinstance(document, dict):
        raise InputError(f"{path}: a {kind} file must be a YAML mapping")
    error = best_match(_validator(schema_path).iter_errors(document))
    if error is not None:
        field = error.json_path.removeprefix("$.").removeprefix("$") or "(top level)"
        raise InputError(f"{path}: {field}: {error.message}")
    return document
