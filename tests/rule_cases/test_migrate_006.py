"""MIGRATE-006: a stale kube-system/azure-ip-masq-agent-config blocks a clean move to Overlay."""

from __future__ import annotations

from azure_rows import cluster_row, pool
from rulekit import config_map, findings, service

RECONCILED = config_map("azure-ip-masq-agent-config-reconciled", {
    "ip-masq-agent-reconciled": "nonMasqueradeCIDRs:\n  - 10.244.0.0/16\n  - 10.224.0.0/12\nmasqLinkLocal: true\n"})


def stale(cidrs: list[str]) -> dict:
    listed = "".join(f"  - {c}\n" for c in cidrs)
    text = f"nonMasqueradeCIDRs:\n{listed}masqLinkLocal: false\n"
    return config_map("azure-ip-masq-agent-config", {"ip-masq-agent": text})


def run(objects: list[dict] | None, plugin: str = "kubenet"):
    row = cluster_row("aks1", plugin, pools=[pool()])
    return findings("MIGRATE-006", [row], {row["id"]: objects} if objects is not None else None)["aks1"]


def test_migrate006_fails_on_a_stale_map_and_names_the_ranges_it_adds():
    finding = run([RECONCILED, stale(["10.244.0.0/16", "172.20.0.0/14"]), service("kubernetes")])
    assert finding.status == "fail"
    assert finding.evidence["beyondReconciled"] == ["172.20.0.0/14"]
    assert "172.20.0.0/14" in finding.message and "MIGRATE-007" in finding.message


def test_migrate006_calls_a_map_that_adds_nothing_a_leftover():
    finding = run([RECONCILED, stale(["10.244.0.0/16"])])
    assert finding.status == "fail"
    assert finding.evidence["beyondReconciled"] == []
    assert "leftover" in finding.message


def test_migrate006_passes_with_only_the_reconciled_map():
    assert run([RECONCILED, service("kubernetes")]).status == "pass"


def test_migrate006_is_an_error_without_kubernetes_data():
    finding = run(None)
    assert finding.status == "error"
    assert "--kube-input" in finding.message


def test_migrate006_is_an_error_when_the_data_holds_no_configmaps():
    assert run([service("kubernetes")]).status == "error"


def test_migrate006_is_not_applicable_to_an_overlay_cluster_even_without_kubernetes_data():
    assert run(None, plugin="overlay").status == "not_applicable"


def test_migrate006_applies_to_traditional_azure_cni():
    assert run([RECONCILED, stale(["10.0.0.0/8"])], plugin="azure").status == "fail"
