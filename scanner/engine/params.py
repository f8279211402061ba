"""Rule parameters: declared with a type and default in the rule file, set per scan in the config.

Values are checked here, once, so a rule expression can rely on `params.<name>` having its type;
a wrong value is exit 2 naming the file and the key (DESIGN.md "Configuration").
"""

from __future__ import annotations

from scanner.netmath import parse_network

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "cidr": "a CIDR such as 10.244.0.0/16",
    "cidr_list": "a list of CIDRs",
    "string_list": "a list of strings",
}


def _is_cidr(value: object) -> bool:
    return isinstance(value, str) and "/" in value and parse_network(value) is not None


def fits(kind: str, value: object) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "cidr":
        return _is_cidr(value)
    if kind == "cidr_list":
        return isinstance(value, list) and all(_is_cidr(v) for v in value)
    if kind == "string_list":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return False


def expected(kind: str) -> str:
    return _TYPE_NAMES.get(kind, kind)
