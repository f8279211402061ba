"""Write a report set: every file staged in a temporary folder inside the output folder, then moved in.

`report.json` is always written and moved in last (an old one is removed before the first file moves), so a
reader that sees it sees a complete set; files of formats a run did not write name their own scan;
every other format is rendered from the JSON just written (read back), never from the scanner's
objects, so no format can show something the JSON does not hold.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .csv_report import render_csv
from .html_report import render_html
from .json_report import iter_json
from .junit import render_junit
from .sarif import render_sarif

FORMATS = ("json", "html", "sarif", "junit", "csv")
DEFAULT_FORMATS = ("json", "html")
FILENAMES = {"json": "report.json", "html": "report.html", "sarif": "report.sarif", "junit": "report.junit.xml",
             "csv": "report.csv"}

# format → render(contract, options) -> text; options: {"sarif_base": str | None}
Renderer = Callable[[dict[str, Any], dict[str, Any]], str]
RENDERERS: dict[str, Renderer] = {
    "html": lambda contract, options: render_html(contract),
    "sarif": render_sarif,
    "junit": lambda contract, options: render_junit(contract),
    "csv": lambda contract, options: render_csv(contract),
}


def _write(path: Path, chunks: Iterable[str]) -> None:
    # A plain open() keeps the usual umask-derived permissions (mkstemp would make the report owner-only).
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.writelines(chunks)


def write_reports(report: dict[str, Any], out_dir: Path, formats: Iterable[str],
                  sarif_base: str | None = None) -> list[Path]:
    """Write report.json and the formats asked into out_dir; return their paths, report.json first.

    Raises ValueError for an unknown format before creating or writing anything. The report is not
    validated here: checking our own output costs as much as the scan at scale, so it is the
    tests' job (DESIGN.md); `aks-netaudit report` validates the JSON it is given.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [name for name in wanted if name not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown report format(s): {', '.join(map(repr, unknown))}; expected one of {', '.join(FORMATS)}"
        )
    others = [name for name in wanted if name != "json"]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".aks-netaudit-{os.getpid()}.tmp"
    staging.mkdir(exist_ok=True)
    try:
        _write(staging / FILENAMES["json"], iter_json(report))
        if others:
            with open(staging / FILENAMES["json"], encoding="utf-8") as handle:
                contract = json.load(handle)
            options = {"sarif_base": sarif_base}
            for name in others:
                _write(staging / FILENAMES[name], [RENDERERS[name](contract, options)])
        # A reused folder: the old set's report.json goes first, so that while the new files move in (and
        # if that is interrupted) no report.json claims the files beside it make a whole set.
        (out_dir / FILENAMES["json"]).unlink(missing_ok=True)
        for name in [*others, "json"]:  # report.json last: its presence means the set is whole
            os.replace(staging / FILENAMES[name], out_dir / FILENAMES[name])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / FILENAMES[name] for name in ["json", *others]]
