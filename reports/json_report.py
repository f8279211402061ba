"""Serialise the report dict: the JSON file is the contract, so it is plain, stable and strict."""

from __future__ import annotations

import json
from typing import Any


def render_json(report: dict[str, Any]) -> str:
    """Return the report as UTF-8-friendly JSON text with a trailing newline.

    Insertion order is kept (build_report already orders findings); NaN and infinity are refused
    because they are not JSON and would break other consumers.
    """
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
