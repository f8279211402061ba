"""`--memory-limit MB`: refuse an input that would not fit before it is parsed (or while pages arrive).

CPython takes about eight times a JSON document's size to hold it parsed, so offline the inputs'
total file size × 8 is checked before anything is read, and live the Resource Graph pages' bodies
× 8 are counted as they arrive. Over the limit is exit 2 naming the limit and the option: a scan
killed by the kernel halfway through says nothing, a scan that refuses says what to change.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterable
from pathlib import Path

from scanner.errors import InputError

PARSE_FACTOR = 8
MIB = 1024 * 1024
_CGROUP_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")  # v2, v1


def _cgroup_limit() -> int | None:
    """The cgroup's memory limit in bytes, where one is set (v2 writes "max", v1 a huge number)."""
    for name in _CGROUP_FILES:
        try:
            text = Path(name).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text.isdigit() and int(text) < 2**60:
            return int(text)
    return None


def _mem_total() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, UnicodeDecodeError, ValueError, IndexError):
        return None
    return None


def default_limit_mb() -> int | None:
    """Three quarters of the memory available to the process; None when the system does not say."""
    known = [v for v in (_cgroup_limit(), _mem_total()) if v]
    return max(1, min(known) * 3 // 4 // MIB) if known else None


def positive_mb(value: str) -> int:
    """argparse type of `--memory-limit`."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number of MB above 0, got {value!r}")
    return number


def _mb(size: float) -> str:
    value = size / MIB
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 1 else f"{value:.2g}"


def check_files(paths: Iterable[Path], limit_mb: int | None) -> None:
    """Offline, before parsing: the inputs' total size × 8 must fit in the limit (a missing file is the reader's
    to name)."""
    if not limit_mb:
        return
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
    need = total * PARSE_FACTOR
    if need > limit_mb * MIB:
        raise InputError(f"--memory-limit {limit_mb}: the inputs need about {_mb(need)} MB to parse "
                         f"({PARSE_FACTOR} × {_mb(total)} MB); raise the limit or split the input")


class MemoryBudget:
    """Live: the Resource Graph pages received so far, × 8, against the limit; `add` is called per page."""

    def __init__(self, limit_mb: int | None):
        self.limit_mb = limit_mb
        self.received = 0

    def add(self, page_bytes: int) -> None:
        self.received += page_bytes
        need = self.received * PARSE_FACTOR
        if self.limit_mb and need > self.limit_mb * MIB:
            raise InputError(f"--memory-limit {self.limit_mb}: the rows received need about {_mb(need)} MB "
                             f"({PARSE_FACTOR} × {_mb(self.received)} MB of Resource Graph pages so far); "
                             "raise the limit or scan a narrower scope")
