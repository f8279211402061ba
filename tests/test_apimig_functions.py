"""APIMIG additions: the `apiServerCandidates` view field and `nsg_rules_to_single_address`."""

from __future__ import annotations

import jmespath

from scanner import inventory
from scanner.collect.snapshot import Snapshot
from scanner.engine.functions import OPTIONS
from scanner.nsg_listing import single_address_rules

SUB = "3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10"
NET = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network"
VNET = f"{NET}/virtualNetworks/vnet-a"
AKS = "Microsoft.ContainerService/managedClusters"


def _cluster(name: str, integrated: bool = False, api_subnet: str | None = None) -> dict:
    api = {"enableVnetIntegration": True, "subnetId": api_subnet} if integrated else {}
    return {
        "id": f"/subscriptions/{SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/{name}",
        "name": name, "type": "microsoft.containerservice/managedclusters", "location": "westeurope",
        "properties": {"nodeResourceGroup": f"MC_rg-aks_{name}_westeurope", "apiServerAccessProfile": api,
                       "agentPoolProfiles": [{"name": "np", "count": 1, "vnetSubnetID": f"{VNET}/subnets/nodes"}],
                       "networkProfile": {"networkPlugin": "azure", "networkPluginMode": "overlay"}},
    }


def _subnet(name: str, prefix: str, delegated: bool = False, **extra) -> dict:
    props = {"addressPrefix": prefix, **extra}
    if delegated:
        props["delegations"] = [{"name": "d", "properties": {"serviceName": AKS}}]
    return {"name": name, "id": f"{VNET}/subnets/{name}", "properties": props}


def _view(rows: list[dict], name: str = "aks1") -> dict:
    views = inventory.build(Snapshot(rows=rows, kube={}), {}).views("cluster")
    return next(v for v in views if v["name"] == name)


def _vnet(*subnets: dict) -> dict:
    return {"id": VNET, "name": "vnet-a", "type": "microsoft.network/virtualnetworks",
            "properties": {"addressSpace": {"addressPrefixes": ["10.50.0.0/16"]}, "subnets": list(subnets)}}


def test_candidates_are_assessed_per_subnet():
    vnet = _vnet(_subnet("nodes", "10.50.0.0/22"), _subnet("api", "10.50.8.0/28", delegated=True),
                 _subnet("small", "10.50.9.0/29"), _subnet("free", "10.50.10.0/27"),
                 _subnet("GatewaySubnet", "10.50.255.0/27"))
    found = {c["name"]: c for c in _view([_cluster("aks1"), vnet])["apiServerCandidates"]}
    assert found["api"]["candidate"] is True and found["api"]["left"] == 11 and found["api"]["subnet"]["id"]
    assert found["free"]["candidate"] is True and not found["free"]["delegated"]
    assert found["nodes"]["candidate"] is False and found["nodes"]["subnet"] is None
    assert found["small"]["candidate"] is False and "smaller than /28" in found["small"]["excluded"][0]
    assert found["GatewaySubnet"]["candidate"] is False


def test_capacity_counts_nine_per_cluster_and_foreign_load_balancers_are_undecided():
    api_id = f"{VNET}/subnets/api"
    full = _vnet(_subnet("nodes", "10.50.0.0/22"), _subnet("api", "10.50.8.0/28", delegated=True))
    taken = _view([_cluster("aks1"), _cluster("aks2", True, api_id), full])["apiServerCandidates"][1]
    assert taken["candidate"] is False and taken["left"] == 2
    lb = (f"/subscriptions/{SUB}/resourceGroups/MC_rg-x_aks9_westeurope/providers/Microsoft.Network"
          "/loadBalancers/kube-apiserver/frontendIPConfigurations/f")
    foreign = _vnet(_subnet("nodes", "10.50.0.0/22"),
                    _subnet("api", "10.50.8.0/28", delegated=True, ipConfigurations=[{"id": lb}]))
    entry = _view([_cluster("aks1"), foreign])["apiServerCandidates"][1]
    assert entry["candidate"] is None and "outside the scan" in entry["undecided"][0]


def test_no_candidates_for_integrated_or_managed_clusters():
    vnet = _vnet(_subnet("nodes", "10.50.0.0/22"), _subnet("api", "10.50.8.0/28", delegated=True))
    assert _view([_cluster("aks2", True, f"{VNET}/subnets/api"), vnet], "aks2")["apiServerCandidates"] is None
    managed = _cluster("aks1")
    managed["properties"]["agentPoolProfiles"] = [{"name": "np", "count": 1}]
    assert _view([managed])["apiServerCandidates"] is None


def _rule(name, direction, access, protocol, dst, ports, priority=100):
    props = {"priority": priority, "direction": direction, "access": access, "protocol": protocol,
             "destinationPortRanges": ports}
    props["destinationAddressPrefixes" if isinstance(dst, list) else "destinationAddressPrefix"] = dst
    return {"name": name, "properties": props}


def test_single_address_rules():
    nsg = {"id": f"{NET}/networkSecurityGroups/nsg1", "name": "nsg1", "inScope": True, "securityRules": [
        _rule("a", "Outbound", "Allow", "Tcp", "20.1.2.3", ["443"]),
        _rule("b", "Outbound", "Deny", "*", ["52.1.2.3/32", "52.1.0.0/16"], ["400-500"]),
        _rule("c", "Outbound", "Allow", "Tcp", "10.50.0.4", ["443"]),
        _rule("d", "Outbound", "Allow", "Udp", "20.1.2.4", ["443"]),
        _rule("e", "Outbound", "Allow", "Tcp", "20.1.2.5", ["80"]),
        _rule("f", "Outbound", "Allow", "Tcp", "AzureCloud", ["*"]),
    ]}
    subnets = [{"name": "s1", "nsg": nsg}, {"name": "s2", "nsg": nsg}, {"name": "s3", "nsg": None}]
    found = single_address_rules(subnets, 443, None, ["10.50.0.0/16"])
    assert [(f["rule"], f["address"]) for f in found] == [("a", "20.1.2.3"), ("b", "52.1.2.3")]
    assert found[0]["subnets"] == ["s1", "s2"]
    inside = single_address_rules(subnets, 443, ["10.50.0.0/22"], [])
    assert [f["rule"] for f in inside] == ["c"]
    expr = "nsg_rules_to_single_address(s, `443`, `null`, o)[].rule"
    assert jmespath.search(expr, {"s": subnets, "o": ["10.50.0.0/16"]}, options=OPTIONS) == ["a", "b"]
    missing = [{"name": "s1", "nsg": {**nsg, "inScope": False}}]
    assert single_address_rules(missing, 443, None, []) == []
