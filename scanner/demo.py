"""The embedded demo tenant (examples/): which row files and kubectl files `scan --demo` reads."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.errors import InputError


def examples_dir() -> Path:
    """examples/ beside the package: in a checkout or editable install, and inside the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "examples", here.parent / "examples"):
        if (candidate / "demo.json").is_file():
            return candidate
    raise InputError("--demo: the demo tenant (examples/demo.json) is not installed with this copy")


def demo_inputs() -> tuple[list[Path], list[str]]:
    """Row files and `CLUSTER=FILE` kube inputs listed by examples/demo.json."""
    root = examples_dir()
    manifest = json.loads((root / "demo.json").read_text(encoding="utf-8"))
    inputs = [root / name for name in manifest["inputs"]]
    kube = [f"{cluster}={root / name}" for cluster, name in manifest.get("kube_inputs", {}).items()]
    return inputs, kube
