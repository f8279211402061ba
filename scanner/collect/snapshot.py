"""The data type the collect stage hands to the inventory: raw rows, Kubernetes objects, coverage."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Snapshot:
    """What was collected, unchanged, plus an honest account of what could not be.

    `rows` are Resource Graph rows exactly as the service returned them (any table, types mixed).
    `kube` maps a lower-cased cluster ARM id to the Kubernetes objects supplied for it.
    Coverage `errors` mean some data could not be read whole (exit 1 without --allow-partial);
    `warnings` never change the exit code.
    """

    rows: list[dict] = field(default_factory=list)
    kube: dict[str, list[dict]] = field(default_factory=dict)
    source: str = "offline"
    collected: str | None = None
    inputs: list[dict] = field(default_factory=list)
    queries: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def add_error(self, source: str, message: str) -> None:
        self.errors.append({"source": source, "message": message})

    def add_warning(self, source: str, message: str) -> None:
        self.warnings.append({"source": source, "message": message})
