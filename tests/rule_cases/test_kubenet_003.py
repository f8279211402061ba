"""KUBENET-003: a kubenet route table is not shared with another cluster."""

from __future__ import annotations

from azure_rows import OTHER_SUB, cluster_row, network_id, pool, route_table_row, subnet_id, vnet_row
from rulekit import findings

SHARED_RT = network_id("routeTables", "rt-shared")
A, B = subnet_id("vnet-legacy", "snet-a"), subnet_id("vnet-legacy", "snet-b")


def kubenet(name: str, subnet: str, rg: str, **kwargs) -> dict:
    return cluster_row(name, "kubenet", pools=[pool(subnet=subnet)], rg=rg, **kwargs)


def legacy_vnet(table_for_b: str = SHARED_RT) -> dict:
    return vnet_row("vnet-legacy", ["10.30.0.0/16"], [
        ("snet-a", "10.30.0.0/24", {"route_table": SHARED_RT}),
        ("snet-b", "10.30.1.0/24", {"route_table": table_for_b}),
    ])


def test_kubenet003_fails_for_both_clusters_on_a_shared_route_table_and_lists_them():
    rows = [kubenet("aks-orders", A, "rg-orders"), kubenet("aks-billing", B, "rg-billing", sub=OTHER_SUB),
            legacy_vnet(), route_table_row("rt-shared", [("10.244.0.0/24", "VirtualAppliance")], [A, B])]
    result = findings("KUBENET-003", rows)
    assert result["aks-orders"].status == result["aks-billing"].status == "fail"
    listed = {c["name"] for c in result["aks-orders"].evidence["routeTables"][0]["clusters"]}
    assert listed == {"aks-orders", "aks-billing"}
    assert "rg-orders/aks-orders" in result["aks-billing"].message


def test_kubenet003_passes_when_each_cluster_has_its_own_table():
    own = network_id("routeTables", "rt-b")
    rows = [kubenet("aks-orders", A, "rg-orders"), kubenet("aks-billing", B, "rg-billing"), legacy_vnet(own),
            route_table_row("rt-shared", [], [A]), route_table_row("rt-b", [], [B])]
    assert findings("KUBENET-003", rows)["aks-orders"].status == "pass"


def test_kubenet003_joins_a_route_table_id_spelt_in_another_case():
    rows = [kubenet("aks-orders", A, "rg-orders"), kubenet("aks-billing", B, "rg-billing"),
            legacy_vnet(SHARED_RT.upper()), route_table_row("rt-shared", [], [])]
    assert findings("KUBENET-003", rows)["aks-orders"].status == "fail"


def test_kubenet003_is_not_applicable_without_a_route_table():
    rows = [kubenet("aks-orders", A, "rg-orders"),
            vnet_row("vnet-legacy", ["10.30.0.0/16"], [("snet-a", "10.30.0.0/24")])]
    finding = findings("KUBENET-003", rows)["aks-orders"]
    assert finding.status == "not_applicable"
    assert "KUBENET-001" in finding.message


def test_kubenet003_is_not_applicable_to_an_overlay_cluster():
    rows = [cluster_row("aks-ovl", "overlay", pools=[pool(subnet=A)]), legacy_vnet(),
            route_table_row("rt-shared", [], [A])]
    assert findings("KUBENET-003", rows)["aks-ovl"].status == "not_applicable"


def test_kubenet003_is_an_error_when_the_table_lists_a_subnet_of_a_vnet_outside_the_input():
    outside = subnet_id("vnet-elsewhere", "snet-x", rg="rg-other")
    rows = [kubenet("aks-orders", A, "rg-orders"), legacy_vnet(network_id("routeTables", "rt-b")),
            route_table_row("rt-shared", [], [A, outside])]
    finding = findings("KUBENET-003", rows)["aks-orders"]
    assert finding.status == "error"
    assert "vnet-elsewhere" in finding.message


def test_kubenet003_is_an_error_when_a_subnet_on_the_table_hosts_a_cluster_outside_the_input():
    foreign_nic = (f"/subscriptions/{OTHER_SUB}/resourceGroups/MC_rg-gone_aks-gone_westeurope/providers/"
                   "Microsoft.Compute/virtualMachineScaleSets/aks-nodepool1-1-vmss/virtualMachines/0/"
                   "networkInterfaces/aks-nodepool1-1-vmss/ipConfigurations/ipconfig1")
    vnet = vnet_row("vnet-legacy", ["10.30.0.0/16"], [
        ("snet-a", "10.30.0.0/24", {"route_table": SHARED_RT}),
        ("snet-b", "10.30.1.0/24", {"route_table": SHARED_RT, "ip_configurations": [foreign_nic]}),
    ])
    rows = [kubenet("aks-orders", A, "rg-orders"), vnet, route_table_row("rt-shared", [], [A, B])]
    finding = findings("KUBENET-003", rows)["aks-orders"]
    assert finding.status == "error"
    assert "snet-b" in finding.message


def test_kubenet003_a_definite_share_wins_over_an_undecided_part():
    outside = subnet_id("vnet-elsewhere", "snet-x", rg="rg-other")
    rows = [kubenet("aks-orders", A, "rg-orders"), kubenet("aks-billing", B, "rg-billing"), legacy_vnet(),
            route_table_row("rt-shared", [], [A, B, outside])]
    assert findings("KUBENET-003", rows)["aks-orders"].status == "fail"


def test_kubenet003_is_an_error_when_the_route_table_row_is_missing():
    rows = [kubenet("aks-orders", A, "rg-orders"), legacy_vnet(network_id("routeTables", "rt-b"))]
    finding = findings("KUBENET-003", rows)["aks-orders"]
    assert finding.status == "error"
    assert "rt-shared" in finding.message
