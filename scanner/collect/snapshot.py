"""The data type the collect stage hands to the inventory, and its file form (`--save-snapshot`).

A snapshot file is evidence for auditors: exactly what was collected, from where and when, with
what could not be read; `--input snap.json` replays it to the same findings and coverage.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

MARKER = "aks_netaudit_snapshot"
FORMAT_VERSION = 1


@dataclass
class Snapshot:
    """What was collected, unchanged, plus an honest account of what could not be.

    `rows` are Resource Graph rows exactly as the service returned them (any table, types mixed).
    `kube` maps a lower-cased cluster ARM id to the Kubernetes objects supplied for it.
    Coverage `errors` mean some data could not be read whole (exit 1 without --allow-partial);
    `warnings` never change the exit code. `subscriptions` are those read whole.
    """

    rows: list[dict] = field(default_factory=list)
    kube: dict[str, list[dict]] = field(default_factory=dict)
    source: str = "offline"
    collected: str | None = None
    inputs: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    subscriptions: list[str] = field(default_factory=list)
    scope: dict = field(default_factory=dict)
    cloud: str = "AzureCloud"
    arm_endpoint: str | None = None

    def add_error(self, source: str, message: str) -> None:
        self.errors.append({"source": source, "message": message})

    def add_warning(self, source: str, message: str) -> None:
        self.warnings.append({"source": source, "message": message})

    def to_document(self) -> dict:
        return {
            MARKER: FORMAT_VERSION,
            "source": self.source,
            "collected": self.collected,
            "cloud": self.cloud,
            "arm_endpoint": self.arm_endpoint,
            "scope": self.scope,
            "coverage": {"queries": self.queries, "errors": self.errors, "warnings": self.warnings,
                         "subscriptions": self.subscriptions},
            "rows": self.rows,
            "kube": self.kube,
        }


def write_snapshot(snapshot: Snapshot, path: Path) -> None:
    """Written to a temporary file beside the target and renamed: never half a snapshot on disk."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(snapshot.to_document(), handle, ensure_ascii=False)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def from_document(document: dict) -> Snapshot:
    """A snapshot file's content back as a Snapshot (the reader has checked its shape)."""
    coverage = document.get("coverage") or {}
    return Snapshot(
        rows=list(document.get("rows") or []),
        kube={k.lower(): v for k, v in (document.get("kube") or {}).items()},
        source=document.get("source") or "live",
        collected=document.get("collected"),
        queries=list(coverage.get("queries") or []),
        errors=list(coverage.get("errors") or []),
        warnings=list(coverage.get("warnings") or []),
        subscriptions=list(coverage.get("subscriptions") or []),
        scope=dict(document.get("scope") or {}),
        cloud=document.get("cloud") or "AzureCloud",
        arm_endpoint=document.get("arm_endpoint"),
    )
