"""A report set written into a reused output folder is never half new and looking whole (DESIGN.md "Command line").

Files are staged in a temporary folder inside the output folder and moved in, `report.json` last; the old
set's `report.json` is removed before the first file moves, so while (or if) the move is interrupted no
`report.json` claims the files beside it are one set. Every file names its scan (JSON `scan.id`, the HTML
header, SARIF `automationDetails.guid`, a JUnit property, the CSV `scan_id` column), so a reader can always
tell: the set is the old one whole, or it is visibly not one set.
"""

from __future__ import annotations

import csv
import json
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reports import writer
from scanner import cli

ALL = "json,html,sarif,junit,csv"


def scan_ids(out: Path) -> dict[str, str | None]:
    """The scan each file of the set names, by file name (only the files present)."""
    readers = {
        "report.json": lambda text: json.loads(text)["scan"]["id"],
        "report.html": lambda text: re.search(r'<code id="scan-id">([^<]+)</code>', text).group(1),
        "report.sarif": lambda text: json.loads(text)["runs"][0]["automationDetails"]["guid"],
        "report.junit.xml": lambda text: ET.fromstring(text).find(".//property[@name='scan.id']").get("value"),
        "report.csv": lambda text: {row["scan_id"] for row in csv.DictReader(text.splitlines())}.pop(),
    }
    return {name: read((out / name).read_text(encoding="utf-8")) for name, read in readers.items()
            if (out / name).exists()}


def judge(out: Path) -> str:
    """'whole': report.json is there and every file names its scan; 'flagged': a reader can tell it is not one set."""
    ids = scan_ids(out)
    if "report.json" not in ids:
        return "flagged"  # no report.json: no file claims a whole set
    return "whole" if set(ids.values()) == {ids["report.json"]} else "flagged"


def scan(out: Path, formats: str = ALL) -> int:
    return cli.main(["scan", "--demo", "--format", formats, "--output-dir", str(out)])


def test_every_file_of_a_set_names_its_scan(tmp_path):
    assert scan(tmp_path / "out") == 0
    ids = scan_ids(tmp_path / "out")
    assert set(ids) == {"report.json", "report.html", "report.sarif", "report.junit.xml", "report.csv"}
    assert len(set(ids.values())) == 1 and judge(tmp_path / "out") == "whole"


@pytest.mark.parametrize("moved_before_failure", [0, 1, 2, 3, 4])
def test_an_interrupted_move_into_a_reused_folder_never_leaves_a_set_that_looks_whole(tmp_path, monkeypatch,
                                                                                      capsys, moved_before_failure):
    out = tmp_path / "out"
    assert scan(out) == 0
    old_id = scan_ids(out)["report.json"]
    real_replace, moves = os.replace, []

    def replace(src, dst):
        if len(moves) == moved_before_failure:
            raise OSError(28, "No space left on device")
        moves.append(Path(dst).name)
        return real_replace(src, dst)

    monkeypatch.setattr(writer.os, "replace", replace)
    assert scan(out) == 2
    assert "cannot write the reports" in capsys.readouterr().err
    monkeypatch.undo()

    ids = scan_ids(out)
    assert "report.json" not in ids  # the old one was removed first; the new one never arrived
    assert judge(out) == "flagged"
    new = {name for name, scan_id in ids.items() if scan_id != old_id}
    assert new == set(moves)  # exactly the files moved in name the new scan; the rest still name the old one
    assert not [p for p in out.iterdir() if p.name.startswith(".aks-netaudit-")]  # no staging folder left behind

    assert scan(out) == 0  # the next run repairs the set
    assert judge(out) == "whole"


def test_a_failure_before_any_file_moves_leaves_the_old_set_whole(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert scan(out) == 0
    before = scan_ids(out)

    def broken(contract, options):
        raise OSError(5, "Input/output error")

    monkeypatch.setitem(writer.RENDERERS, "sarif", broken)
    assert scan(out) == 2
    capsys.readouterr()
    assert scan_ids(out) == before and judge(out) == "whole"


def test_a_format_the_new_run_does_not_write_stays_and_names_the_old_scan(tmp_path):
    out = tmp_path / "out"
    assert scan(out, "json,html,sarif") == 0
    assert scan(out, "json,html") == 0
    ids = scan_ids(out)
    assert ids["report.html"] == ids["report.json"] != ids["report.sarif"]  # the stale SARIF shows it
    assert judge(out) == "flagged"
