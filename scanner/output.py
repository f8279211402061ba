"""Where a command's one document goes: `--output FILE`, else stdout."""

from __future__ import annotations

from pathlib import Path

from scanner.errors import InputError


def emit(text: str, output: Path | None) -> None:
    if output is None:
        print(text, end="")
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--output {output}: cannot write: {exc.strerror or exc}") from exc
