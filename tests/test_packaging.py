"""The wheel must carry every package and the data an installed tool reads (rules, report templates, demo)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """The wheel built from this tree, unpacked into a folder of its own (its dependencies are the venv's)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    wheel = next(out.glob("aks_netaudit-*.whl"))
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_the_wheel_carries_the_queries_rules_cases_and_demo(installed_wheel):
    assert sorted(p.name for p in (installed_wheel / "scanner" / "collect" / "queries").glob("*.kql")) == [
        "authorization.kql", "resources.kql", "subscriptions.kql"]
    assert len(list((installed_wheel / "rules").rglob("*.cases.yaml"))) == 66
    assert (installed_wheel / "scanner" / "examples" / "demo.json").is_file()


def test_a_scan_runs_from_the_built_wheel(installed_wheel, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed_wheel)}
    result = subprocess.run([sys.executable, "-c",
                             "import scanner.collect.graph as g, sys; "
                             "assert g.__file__.startswith(sys.argv[1]), g.__file__; "
                             "print(len(g.load_queries())); "
                             "from scanner import cli; "
                             "sys.exit(cli.main(['scan', '--demo', '--format', 'json', '--output-dir', sys.argv[2]]))",
                             str(installed_wheel), str(tmp_path / "out")],
                            env=env, cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("3\n")
    assert (tmp_path / "out" / "report.json").is_file()
