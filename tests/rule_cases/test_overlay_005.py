"""OVERLAY-005: subnet, VNet and VNet resource group names of a BYO-subnet overlay cluster ≤ 63 characters."""

from __future__ import annotations

from azure_rows import cluster_row, pool, subnet_id, vnet_row
from rulekit import findings


def overlay_on(vnet: str, subnet: str, rg: str, plugin: str = "overlay") -> list[dict]:
    return [cluster_row("aks1", plugin, pools=[pool(subnet=subnet_id(vnet, subnet, rg=rg))]),
            vnet_row(vnet, ["10.50.0.0/16"], [(subnet, "10.50.0.0/22")], rg=rg)]


def test_overlay005_passes_at_exactly_63_characters():
    finding = findings("OVERLAY-005", overlay_on("vnet-a", "s" * 63, "r" * 63))["aks1"]
    assert finding.status == "pass"


def test_overlay005_fails_on_a_64_character_vnet_resource_group():
    finding = findings("OVERLAY-005", overlay_on("vnet-a", "snet-nodes", "r" * 64))["aks1"]
    assert finding.status == "fail"
    assert finding.evidence["tooLong"] == [{"kind": "VNet resource group", "name": "r" * 64, "length": 64}]


def test_overlay005_fails_on_a_long_subnet_name():
    finding = findings("OVERLAY-005", overlay_on("vnet-a", "snet-" + "x" * 60, "rg-net"))["aks1"]
    assert finding.status == "fail"
    assert "subnet snet-" in finding.message


def test_overlay005_decides_from_the_subnet_id_even_without_the_vnet_row():
    rows = overlay_on("vnet-a", "snet-nodes", "r" * 64)[:1]
    assert findings("OVERLAY-005", rows)["aks1"].status == "fail"


def test_overlay005_is_not_applicable_to_kubenet():
    rows = overlay_on("vnet-a", "snet-nodes", "r" * 64, plugin="kubenet")
    assert findings("OVERLAY-005", rows)["aks1"].status == "not_applicable"


def test_overlay005_is_not_applicable_in_an_aks_managed_vnet():
    finding = findings("OVERLAY-005", [cluster_row("aks1", "overlay", pools=[pool()])])["aks1"]
    assert finding.status == "not_applicable"
    assert finding.evidence["reason"] == "AKS-managed VNet"
