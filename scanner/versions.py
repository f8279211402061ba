"""Kubernetes versions and Windows node image builds, compared the way RULES.md asks.

Versions may be minor-only (`1.26`): one decides a threshold only where the minor alone does
(1.25 < 1.26.3), and `1.26` against `1.26.3` cannot be decided — `None`, "patch unknown".
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"^\s*v?(\d+)\.(\d+)(?:\.(\d+))?\s*$")
_WINDOWS_BUILD = re.compile(r"(?<!\d)(\d{5})\.(\d+)")  # not the tail of a longer number


def parse(version: object) -> tuple[int, int, int | None] | None:
    if not isinstance(version, str):
        return None
    match = _VERSION.match(version)
    if not match:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), None if patch is None else int(patch)


def compare(a: object, b: object) -> int | None:
    """-1, 0 or 1; `None` when either cannot be read or only a missing patch could decide."""
    va, vb = parse(a), parse(b)
    if va is None or vb is None:
        return None
    if va[:2] != vb[:2]:
        return -1 if va[:2] < vb[:2] else 1
    if va[2] is None or vb[2] is None:
        return 0 if va[2] is None and vb[2] is None else None
    return (va[2] > vb[2]) - (va[2] < vb[2])


def at_least(version: object, minimum: object) -> bool | None:
    """`version >= minimum`; a minor-only version meets a minor-only minimum of the same minor."""
    va, vm = parse(version), parse(minimum)
    if va is None or vm is None:
        return None
    if va[:2] != vm[:2]:
        return va[:2] > vm[:2]
    if vm[2] is None:
        return True
    if va[2] is None:
        return None
    return va[2] >= vm[2]


def windows_build(node_image_version: object) -> list[int] | None:
    """`[build, revision]` from the first `(\\d{5})\\.(\\d+)` of a Windows node image version."""
    if not isinstance(node_image_version, str):
        return None
    match = _WINDOWS_BUILD.search(node_image_version)
    return [int(match.group(1)), int(match.group(2))] if match else None
