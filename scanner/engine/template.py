"""Message templates: text with `{jmespath}` placeholders, never `str.format` on rule-file text.

`str.format` would let a rule file reach Python attributes (`{x.__class__}`); a placeholder here is
a JMESPath expression over the finding's context, compiled when the rule is loaded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import jmespath

from scanner.engine.functions import OPTIONS

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


@dataclass(frozen=True)
class Template:
    """A compiled template: literal text and expressions, alternating."""

    parts: tuple  # str | jmespath.parser.ParsedResult

    @classmethod
    def compile(cls, text: str) -> Template:
        parts: list = []
        position = 0
        for match in _PLACEHOLDER.finditer(text):
            parts.append(_literal(text[position : match.start()]))
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append(token[0])
            else:
                parts.append(jmespath.compile(match.group(1).strip()))
            position = match.end()
        parts.append(_literal(text[position:]))
        return cls(tuple(p for p in parts if p != ""))

    def expressions(self) -> list:
        return [p for p in self.parts if not isinstance(p, str)]

    def render(self, context: dict) -> str:
        return "".join(p if isinstance(p, str) else _text(p.search(context, options=OPTIONS)) for p in self.parts)


def _literal(text: str) -> str:
    if "{" in text or "}" in text:
        raise ValueError(f"unbalanced brace in {text!r} (write {{{{ or }}}} for a literal brace)")
    return text


def _text(value: object) -> str:
    """Lists read as comma-separated names; missing values as a visible placeholder, not 'None'."""
    if value is None:
        return "(unknown)"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) if value else "(none)"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(value, sort_keys=True)
