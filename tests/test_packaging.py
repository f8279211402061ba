"""The wheel must carry every package and the data an installed tool reads (rules, report templates, demo)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_for_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("scanner", "reports", "rules")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert on_disk <= set(config["packages"])
    assert config["package-dir"]["scanner.examples"] == "examples"
