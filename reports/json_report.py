"""Serialise the report dict: the JSON file is the contract, so it is plain, stable and strict."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_ROW_LISTS = ("findings", "rules")  # one compact line per entry: readable, diffable, and C-encoder fast


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def iter_json(report: dict[str, Any]) -> Iterator[str]:
    """The report as UTF-8-friendly JSON text with a trailing newline, in pieces to stream to a file.

    Insertion order is kept (build_report already orders findings); NaN and infinity are refused
    because they are not JSON and would break other consumers. The top level is indented and each
    finding and rule is one line: `indent=` would switch the standard library to its pure-Python
    encoder, which costs seconds on a tenant-sized report.
    """
    yield "{\n"
    for position, (key, value) in enumerate(report.items()):
        yield ",\n" if position else ""
        if key in _ROW_LISTS and isinstance(value, list) and value:
            yield f"  {_dumps(key)}: [\n"
            for index, row in enumerate(value):
                yield (",\n    " if index else "    ") + _dumps(row)
            yield "\n  ]"
        else:
            yield f"  {_dumps(key)}: {_dumps(value)}"
    yield "\n}\n"


def render_json(report: dict[str, Any]) -> str:
    return "".join(iter_json(report))
