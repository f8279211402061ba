"""Shell-style wildcards (`*` any run, `?` one character), case-insensitive, in linear time.

Patterns come from users' files (suppressions) and exported role definitions, so no regular
expression is built from them: a crafted pattern cannot make a match take exponential time.
"""

from __future__ import annotations


def glob_match(pattern: str, value: str) -> bool:
    pattern, value = pattern.lower(), value.lower()
    p = v = 0
    star, mark = -1, 0
    while v < len(value):
        if p < len(pattern) and pattern[p] != "*" and (pattern[p] == "?" or pattern[p] == value[v]):
            p, v = p + 1, v + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, v, p + 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            v = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
