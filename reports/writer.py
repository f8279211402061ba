"""Write the report files; validation happens before anything touches the disk."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .html_report import render_html
from .json_report import render_json

FORMATS = ("json", "html")

_FILENAMES = {"json": "report.json", "html": "report.html"}


def _write_atomically(path: Path, text: str) -> None:
    # A pipeline reading report.json must never see half a file. A plain open() keeps the usual
    # umask-derived permissions (mkstemp would make the report readable by its owner only).
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_reports(report: dict[str, Any], out_dir: Path, formats: Iterable[str]) -> list[Path]:
    """Write report.json and/or report.html into out_dir and return their paths, in the order asked.

    Every format is rendered from the JSON text itself (parsed back), so no format can show something
    the JSON does not hold. Raises ValueError for an unknown format before creating or writing
    anything. The report is not validated here: checking our own output costs as much as the scan
    at scale, so it is the tests' job (DESIGN.md).
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [name for name in wanted if name not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown report format(s): {', '.join(map(repr, unknown))}; expected one of {', '.join(FORMATS)}"
        )
    json_text = render_json(report)
    rendered = {"json": json_text}
    if "html" in wanted:
        rendered["html"] = render_html(json.loads(json_text))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in wanted:
        path = out_dir / _FILENAMES[name]
        _write_atomically(path, rendered[name])
        paths.append(path)
    return paths
