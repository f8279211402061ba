"""Write the report files: staged beside their targets, then moved in, so none is ever half written."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .html_report import render_html
from .json_report import iter_json

FORMATS = ("json", "html")

_FILENAMES = {"json": "report.json", "html": "report.html"}


def _staging_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _stage(path: Path, chunks: Iterable[str]) -> Path:
    """Write to a hidden file beside `path`: a pipeline reading a report must never see half a file.

    A plain open() keeps the usual umask-derived permissions (mkstemp would make the report
    readable by its owner only).
    """
    tmp = _staging_path(path)
    with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(chunks)
    return tmp


def write_reports(report: dict[str, Any], out_dir: Path, formats: Iterable[str]) -> list[Path]:
    """Write report.json and/or report.html into out_dir and return their paths, in the order asked.

    Every format is rendered from the JSON text itself (read back from the file just written), so
    no format can show something the JSON does not hold; the JSON is streamed, never held whole.
    Raises ValueError for an unknown format before creating or writing anything. The report is not
    validated here: checking our own output costs as much as the scan at scale, so it is the
    tests' job (DESIGN.md).
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [name for name in wanted if name not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown report format(s): {', '.join(map(repr, unknown))}; expected one of {', '.join(FORMATS)}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    targets = {name: out_dir / _FILENAMES[name] for name in FORMATS}
    staged: dict[str, Path] = {}
    try:
        staged["json"] = _stage(targets["json"], iter_json(report))
        if "html" in wanted:
            with open(staged["json"], encoding="utf-8") as handle:
                contract = json.load(handle)
            staged["html"] = _stage(targets["html"], [render_html(contract)])
        for name in wanted:
            os.replace(staged.pop(name), targets[name])
    finally:
        for leftover in staged.values():
            leftover.unlink(missing_ok=True)
    return [targets[name] for name in wanted]
