"""Run one built-in rule over hand-built rows, the way the scan does, and return its findings."""

from __future__ import annotations

from functools import cache

from scanner import armid, inventory
from scanner.collect.snapshot import Snapshot
from scanner.engine.evaluate import Finding, evaluate_rule
from scanner.engine.loader import load_pack


@cache
def rule(rule_id: str):
    return {r.id: r for r in load_pack().rules}[rule_id]


def findings(rule_id: str, rows: list[dict], kube: dict[str, list[dict]] | None = None) -> dict[str, Finding]:
    """Findings by cluster name; `kube` maps a cluster's ARM id to its Kubernetes objects."""
    snapshot = Snapshot(rows=rows, kube={armid.key(k): v for k, v in (kube or {}).items()})
    views = inventory.build(snapshot).views("cluster")
    return {view["name"]: evaluate_rule(rule(rule_id), view) for view in views}


def config_map(name: str, data: dict, namespace: str = "kube-system") -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": data,
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}", "resourceVersion": "1"}}


def service(name: str, namespace: str = "default") -> dict:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
            "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.1", "ports": [{"port": 443, "protocol": "TCP"}]}}
