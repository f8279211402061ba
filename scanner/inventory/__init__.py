"""Inventory: one snapshot indexed by ARM id, relations resolved once, into subject views for rules.

Rules stay declarative because every join happens here, in Python, over dict indexes built once
(`indexes`): a rule only navigates a cluster view (`views`) with JMESPath. The network joins live
in `networks` and `connected`, the identity joins in `identity`, Kubernetes objects in `kube`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scanner.collect.snapshot import Snapshot
from scanner.inventory.connected import ConnectedNetworks
from scanner.inventory.indexes import build_indexes, plugin_family
from scanner.inventory.networks import NetworkViews
from scanner.inventory.views import ClusterViews

__all__ = ["Inventory", "build", "plugin_family"]


@dataclass
class Inventory:
    """The snapshot's rows by lower-cased id, plus one subject view per cluster."""

    rows_by_id: dict[str, dict]
    clusters: list[dict]
    resource_counts: dict[str, int]
    kube_clusters: list[str]

    def views(self, subject: str) -> list[dict]:
        if subject != "cluster":
            raise ValueError(f"unknown subject {subject!r}")
        return self.clusters


def build(snapshot: Snapshot, parameters: dict | None = None) -> Inventory:
    """Index the snapshot and build every cluster's subject view.

    `parameters` are the scan-wide ones of DESIGN.md "Configuration" (`onprem_prefixes`,
    `sp_object_ids`): they change what the views hold, so the inventory reads them.
    """
    parameters = parameters or {}
    idx = build_indexes(snapshot.rows)
    networks = NetworkViews(idx, ConnectedNetworks(idx, parameters.get("onprem_prefixes") or []))
    builder = ClusterViews(idx, networks, snapshot.kube, parameters)
    clusters = [builder.cluster(row) for row in idx.clusters]
    counts = Counter(row["type"].lower() for row in snapshot.rows)
    return Inventory(
        rows_by_id=idx.by_id,
        clusters=clusters,
        resource_counts=dict(sorted(counts.items())),
        kube_clusters=[c["id"] for c in clusters if c["kube"]["supplied"]],
    )
