"""Message templates: text with `{jmespath}` placeholders, never `str.format` on rule-file text.

`str.format` would let a rule file reach Python attributes (`{x.__class__}`); a placeholder here is
a JMESPath expression over the finding's context, compiled when the rule is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from scanner.engine.compiled import compile_expression

_QUOTES = "`'\""


def _placeholder_end(text: str, start: int) -> int:
    """Index of the `}` closing the placeholder opened at `start`, skipping JMESPath's own braces
    (multi-select hashes, `{}` literals) and anything quoted; ValueError when there is none."""
    depth, i = 0, start
    while i < len(text):
        char = text[i]
        if char in _QUOTES:
            close = text.find(char, i + 1)
            while close > 0 and text[close - 1] == "\\":
                close = text.find(char, close + 1)
            if close < 0:
                break
            i = close
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced brace in {text[start:]!r} (write {{{{ or }}}} for a literal brace)")


@dataclass(frozen=True)
class Template:
    """A compiled template: literal text and expressions, alternating."""

    parts: tuple  # str | jmespath.parser.ParsedResult

    @classmethod
    def compile(cls, text: str) -> Template:
        parts: list = []
        literal: list[str] = []
        i = 0
        while i < len(text):
            pair = text[i : i + 2]
            if pair in ("{{", "}}"):
                literal.append(pair[0])
                i += 2
            elif text[i] == "{":
                end = _placeholder_end(text, i)
                parts += ["".join(literal), compile_expression(text[i + 1 : end].strip())]
                literal, i = [], end + 1
            elif text[i] == "}":
                raise ValueError(f"unbalanced brace in {text!r} (write {{{{ or }}}} for a literal brace)")
            else:
                literal.append(text[i])
                i += 1
        parts.append("".join(literal))
        return cls(tuple(p for p in parts if p != ""))

    def expressions(self) -> list:
        return [p for p in self.parts if not isinstance(p, str)]

    def render(self, context: dict) -> str:
        return "".join(p if isinstance(p, str) else _text(p.search(context)) for p in self.parts)


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
