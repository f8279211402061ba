"""Inventory: joins by case-insensitive ARM id, subnets flattened out of VNets, subject views for rules."""

from __future__ import annotations

import pytest
from azure_rows import (
    OTHER_SUB,
    cluster_row,
    network_id,
    nsg_row,
    pool,
    route_table_row,
    subnet_id,
    vnet_row,
)

from scanner import inventory
from scanner.collect.snapshot import Snapshot

NODES = subnet_id("vnet1", "snet-nodes")
NSG = network_id("networkSecurityGroups", "nsg1")
RT = network_id("routeTables", "rt1")


def views(rows: list[dict], kube: dict | None = None) -> dict[str, dict]:
    return {v["name"]: v for v in inventory.build(Snapshot(rows=rows, kube=kube or {})).views("cluster")}


def network(**subnet_kwargs) -> list[dict]:
    return [vnet_row("vnet1", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22", subnet_kwargs)]), nsg_row("nsg1", []),
            route_table_row("rt1", [("10.244.1.0/24", "VirtualAppliance")], [NODES])]


def test_arm_ids_that_differ_only_in_case_still_join():
    shouted = NODES.upper().replace("/SUBSCRIPTIONS/", "/subscriptions/")
    view = views([cluster_row("aks1", pools=[pool(subnet=shouted)]), *network(nsg=NSG.lower())])["aks1"]
    subnet = view["nodeSubnets"][0]
    assert subnet["inScope"] and subnet["nsg"]["inScope"]
    assert subnet["prefixes"] == ["10.1.0.0/22"]
    assert view["vnet"]["name"] == "vnet1"
    assert view["missing"] == []


def test_a_subnet_missing_from_the_input_stays_visible_as_not_in_scope():
    other = subnet_id("vnet1", "snet-gone")
    view = views([cluster_row("aks1", pools=[pool(subnet=other)]), *network()])["aks1"]
    assert view["nodeSubnets"][0]["inScope"] is False
    assert view["nodeSubnets"][0]["name"] == "snet-gone"
    assert view["missing"] == [{"kind": "subnet", "id": other}]


def test_a_vnet_missing_from_the_input_is_named():
    view = views([cluster_row("aks1", pools=[pool(subnet=NODES)])])["aks1"]
    assert view["missing"] == [{"kind": "virtualNetwork", "id": network_id("virtualNetworks", "vnet1")}]


def test_a_referenced_nsg_missing_from_the_input_is_named():
    rows = [cluster_row("aks1", pools=[pool(subnet=NODES)]), network(nsg=NSG)[0]]
    view = views(rows)["aks1"]
    assert view["nodeSubnets"][0]["nsg"]["inScope"] is False
    assert {"kind": "networkSecurityGroup", "id": NSG} in view["missing"]


def test_a_cluster_without_vnet_subnet_ids_runs_in_an_aks_managed_vnet():
    view = views([cluster_row("aks1", pools=[pool(), pool("user1")])])["aks1"]
    assert view["managedVnet"] is True
    assert view["nodeSubnets"] == [] and view["missing"] == []


def test_node_and_pod_subnets_make_the_cluster_subnets_once_each():
    pods = subnet_id("vnet1", "snet-pods")
    rows = [cluster_row("aks1", "azure", pools=[pool(subnet=NODES, pod_subnet=pods), pool("p2", subnet=NODES)]),
            vnet_row("vnet1", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22"), ("snet-pods", "10.1.8.0/22")])]
    view = views(rows)["aks1"]
    assert [s["name"] for s in view["clusterSubnets"]] == ["snet-nodes", "snet-pods"]
    assert view["plugin"]["family"] == "podsubnet"


@pytest.mark.parametrize(
    ("plugin", "pools", "family"),
    [
        ("kubenet", [pool()], "kubenet"),
        ("overlay", [pool()], "overlay"),
        ("azure", [pool()], "traditional"),
        ("azure", [pool(pod_subnet=subnet_id("v", "pods"))], "podsubnet"),
        ("none", [pool()], "byocni"),
    ],
)
def test_plugin_families_follow_rules_md(plugin, pools, family):
    assert views([cluster_row("aks1", plugin, pools=pools)])["aks1"]["plugin"]["family"] == family


def test_network_plugin_values_compare_case_insensitively():
    row = cluster_row("aks1", "overlay", networkPlugin="Azure", networkPluginMode="Overlay")
    assert views([row])["aks1"]["plugin"]["family"] == "overlay"


def test_absent_network_policy_means_none():
    row = cluster_row("aks1", "kubenet")
    assert "networkPolicy" not in row["properties"]["networkProfile"]
    assert views([row])["aks1"]["plugin"]["policy"] == "none"


def test_an_empty_api_server_subnet_id_means_an_aks_managed_api_server_subnet():
    row = cluster_row("aks1", api_server={"enableVnetIntegration": True, "subnetId": ""})
    api = views([row])["aks1"]["apiServer"]
    assert api["managedSubnet"] is True
    assert api["subnetId"] is None and api["subnet"] is None


def test_a_route_table_knows_every_cluster_on_it_across_subscriptions():
    other_nodes = subnet_id("vnet1", "snet-other")
    vnet = vnet_row("vnet1", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22", {"route_table": RT}),
                                                ("snet-other", "10.1.4.0/22", {"route_table": RT})])
    rows = [cluster_row("aks1", "kubenet", pools=[pool(subnet=NODES)]),
            cluster_row("aks2", "kubenet", pools=[pool(subnet=other_nodes)], sub=OTHER_SUB, rg="rg-two"),
            vnet, route_table_row("rt1", [], [NODES, other_nodes])]
    table = views(rows)["aks1"]["routeTables"][0]
    assert [(c["name"], c["subscriptionId"]) for c in table["clusters"]] == [("aks1", rows[0]["subscriptionId"]),
                                                                              ("aks2", OTHER_SUB)]
    assert table["customer"] is True


def test_a_route_table_in_the_node_resource_group_is_aks_managed():
    managed = network_id("routeTables", "aks-agentpool-rt", rg="MC_rg-aks_aks1_westeurope")
    rows = [cluster_row("aks1", "kubenet", pools=[pool(subnet=NODES)]),
            vnet_row("vnet1", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22", {"route_table": managed})]),
            route_table_row("aks-agentpool-rt", [], [NODES], rg="MC_rg-aks_aks1_westeurope")]
    assert views(rows)["aks1"]["routeTables"][0]["customer"] is False


def test_the_virtualnetwork_tag_holds_vnet_space_host_ip_routes_and_overlay_pod_cidrs():
    rows = [cluster_row("aks1", "overlay", pools=[pool(subnet=NODES)]), *network(route_table=RT)]
    tag = views(rows)["aks1"]["nodeSubnets"][0]["virtualNetwork"]
    assert tag["prefixes"] == ["10.1.0.0/16", "168.63.129.16/32", "10.244.1.0/24", "192.168.0.0/16"]
    assert tag["publicUnknown"] is False
    assert tag["notes"] == []


def test_the_virtualnetwork_tag_leaves_out_pod_cidrs_of_traditional_cni():
    rows = [cluster_row("aks1", "azure", pools=[pool(subnet=NODES)], podCidr="10.99.0.0/16"), *network()]
    assert "10.99.0.0/16" not in views(rows)["aks1"]["nodeSubnets"][0]["virtualNetwork"]["prefixes"]


def test_a_route_to_a_service_tag_makes_the_virtualnetwork_tag_hold_unknown_public_addresses():
    rows = [cluster_row("aks1", "overlay", pools=[pool(subnet=NODES)]),
            vnet_row("vnet1", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22", {"route_table": RT})]),
            route_table_row("rt1", [("AzureCloud", "Internet")], [NODES])]
    assert views(rows)["aks1"]["nodeSubnets"][0]["virtualNetwork"]["publicUnknown"] is True


def test_kubernetes_objects_are_split_by_kind():
    row = cluster_row("aks1")
    objects = [{"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "kube-system"}},
               {"kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"}}]
    kube = views([row], {row["id"].lower(): objects})["aks1"]["kube"]
    assert kube["supplied"] and kube["kinds"] == ["ConfigMap", "Service"]
    assert kube["configMaps"][0]["namespace"] == "kube-system"


def test_resources_are_counted_by_lower_cased_type():
    inv = inventory.build(Snapshot(rows=[cluster_row("aks1"), *network()]))
    assert inv.resource_counts["microsoft.network/networksecuritygroups"] == 1


def test_fields_of_the_wrong_json_type_read_as_absent_instead_of_crashing():
    row = cluster_row("aks1", pools=[pool(subnet=NODES), None, "pool"], api_server="on")  # type: ignore[list-item]
    row["properties"]["networkProfile"] = "kubenet"
    vnet = network(nsg=NSG)[0]
    vnet["properties"]["subnets"][0]["properties"]["routeTable"] = "rt1"
    view = views([row, vnet])["aks1"]
    assert view["plugin"]["family"] == "unknown"
    assert view["apiServer"]["managedSubnet"] is True
    assert view["nodeSubnets"][0]["routeTable"] is None
