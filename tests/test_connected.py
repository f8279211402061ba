"""Connected networks (RULES.md "Terms"): peerings, gateway transit, on-premises ranges, BGP gateways."""

from __future__ import annotations

import jmespath
from azure_rows import (
    cluster_row,
    connection_row,
    gateway_row,
    local_gateway_row,
    network_id,
    nsg_row,
    nsg_rule,
    peering,
    pool,
    subnet_id,
    vnet_row,
)

from scanner import inventory
from scanner.collect.snapshot import Snapshot
from scanner.engine.functions import OPTIONS

SPOKE = network_id("virtualNetworks", "vnet-spoke")
HUB = network_id("virtualNetworks", "vnet-hub")
NODES = subnet_id("vnet-spoke", "snet-nodes")


def spoke(*peerings: dict, nsg: str | None = None) -> dict:
    row = vnet_row("vnet-spoke", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22", {"nsg": nsg} if nsg else {})])
    row["properties"]["virtualNetworkPeerings"] = list(peerings)
    return row


def hub(*peerings: dict) -> dict:
    row = vnet_row("vnet-hub", ["10.100.0.0/16"], [("GatewaySubnet", "10.100.255.0/27")])
    row["properties"]["virtualNetworkPeerings"] = list(peerings)
    return row


def view(rows: list[dict], **parameters) -> dict:
    rows = [cluster_row("aks1", "overlay", pools=[pool(subnet=NODES)]), *rows]
    return inventory.build(Snapshot(rows=rows), parameters).views("cluster")[0]


def test_peered_ranges_count_whatever_the_peering_state_but_the_tag_takes_connected_ones_only():
    v = view([spoke(peering("to-a", network_id("virtualNetworks", "vnet-a"), ["10.2.0.0/16"]),
                    peering("to-b", network_id("virtualNetworks", "vnet-b"), ["10.3.0.0/16"], state="Initiated"))])
    assert v["connected"]["prefixes"] == ["10.2.0.0/16", "10.3.0.0/16"]
    assert v["connected"]["tagPrefixes"] == ["10.2.0.0/16"]
    tag = v["nodeSubnets"][0]["virtualNetwork"]["prefixes"]
    assert "10.2.0.0/16" in tag and "10.3.0.0/16" not in tag


def test_the_peered_vnets_row_is_not_needed_for_its_address_space():
    v = view([spoke(peering("to-a", network_id("virtualNetworks", "vnet-a"), ["10.2.0.0/16"]))])
    assert v["connected"]["missing"] == [] and v["missing"] == []


def test_a_vpn_gateway_in_the_vnet_brings_its_local_network_gateways_ranges():
    gateway = gateway_row("vgw-spoke", "vnet-spoke")
    local = local_gateway_row("lgw-office", ["192.168.10.0/24"])
    v = view([spoke(), gateway, local, connection_row("cn-office", gateway["id"], local["id"])])
    assert v["connected"]["onpremPrefixes"] == ["192.168.10.0/24"]
    assert v["connected"]["undecided"] == []


def test_gateway_transit_reads_the_hubs_gateway_and_needs_the_hubs_row():
    gateway = gateway_row("vgw-hub", "vnet-hub")
    local = local_gateway_row("lgw-dc", ["172.20.0.0/14"])
    ours = peering("to-hub", HUB, ["10.100.0.0/16"], use_remote_gateways=True)
    theirs = peering("to-spoke", SPOKE, ["10.1.0.0/16"], allow_gateway_transit=True)
    rows = [spoke(ours), gateway, local, connection_row("cn-dc", gateway["id"], local["id"])]
    assert view([*rows, hub(theirs)])["connected"]["onpremPrefixes"] == ["172.20.0.0/14"]
    missing = view(rows)
    assert missing["connected"]["missing"][0]["id"] == HUB
    assert any("vnet-hub" in reason for reason in missing["connected"]["undecided"])


def test_the_hub_must_allow_gateway_transit_for_its_gateway_to_count():
    gateway = gateway_row("vgw-hub", "vnet-hub")
    local = local_gateway_row("lgw-dc", ["172.20.0.0/14"])
    rows = [spoke(peering("to-hub", HUB, ["10.100.0.0/16"], use_remote_gateways=True)),
            hub(peering("to-spoke", SPOKE, ["10.1.0.0/16"])), gateway, local,
            connection_row("cn-dc", gateway["id"], local["id"])]
    assert view(rows)["connected"]["onpremPrefixes"] == []


def test_an_expressroute_gateway_without_onprem_prefixes_is_undecided_naming_it():
    v = view([spoke(), gateway_row("ergw", "vnet-spoke", gateway_type="ExpressRoute")])
    assert v["connected"]["bgp"][0]["kind"] == "ExpressRoute gateway"
    assert "ergw" in v["connected"]["undecided"][0] and "onprem_prefixes" in v["connected"]["undecided"][0]


def test_onprem_prefixes_decide_for_the_clusters_behind_a_bgp_gateway():
    v = view([spoke(), gateway_row("ergw", "vnet-spoke", gateway_type="ExpressRoute")],
             onprem_prefixes=["10.0.0.0/8"])
    assert v["connected"]["undecided"] == []
    assert v["connected"]["prefixes"] == ["10.0.0.0/8"]


def test_onprem_prefixes_are_not_added_where_no_bgp_gateway_is():
    assert view([spoke()], onprem_prefixes=["10.0.0.0/8"])["connected"]["prefixes"] == []


def test_a_bgp_enabled_vpn_gateway_and_a_virtual_wan_hub_peering_are_bgp_sources():
    wan_hub = network_id("virtualHubs", "hub-we", rg="rg-wan")
    v = view([spoke(peering("to-wan", wan_hub, ["10.200.0.0/23"])), gateway_row("vgw", "vnet-spoke", bgp=True)])
    assert {b["kind"] for b in v["connected"]["bgp"]} == {"Virtual WAN hub", "BGP-enabled VPN gateway"}


def test_a_peered_range_in_virtualnetwork_changes_an_nsg_verdict():
    nsg_id = network_id("networkSecurityGroups", "nsg-nodes")
    deny_outside_vnet = nsg_row("nsg-nodes", [
        nsg_rule("AllowVnet", 100, "Inbound", "Allow", "*", "VirtualNetwork", "*", "*", nsg_id),
        nsg_rule("DenyRest", 200, "Inbound", "Deny", "*", "*", "*", "*", nsg_id)])
    flow = "nsg_decide(nodeSubnets[0], 'Inbound', '10.2.5.0/24', nodeSubnets[0].prefixes, 'Tcp', `443`).verdict"
    connected = view([spoke(peering("to-a", network_id("virtualNetworks", "vnet-a"), ["10.2.0.0/16"]),
                            nsg=nsg_id), deny_outside_vnet])
    alone = view([spoke(nsg=nsg_id), deny_outside_vnet])
    assert jmespath.search(flow, connected, options=OPTIONS) == "allow"
    assert jmespath.search(flow, alone, options=OPTIONS) == "deny"


def test_a_peering_without_its_remote_address_space_is_undecided():
    bare = peering("to-a", network_id("virtualNetworks", "vnet-a"), [])
    del bare["properties"]["remoteAddressSpace"]
    v = view([spoke(bare)])
    assert "to-a" in v["connected"]["undecided"][0] and "remoteAddressSpace" in v["connected"]["undecided"][0]
