"""APISRV-006 (TCP 443/4443 from every cluster subnet) and APISRV-007 (TCP 9988 from AzureLoadBalancer)."""

from __future__ import annotations

from azure_rows import cluster_row, network_id, nsg_row, nsg_rule, pool, subnet_id, vnet_row
from rulekit import findings

NODES = subnet_id("vnet-aks", "snet-nodes")
PODS = subnet_id("vnet-aks", "snet-pods")
API = subnet_id("vnet-aks", "snet-apiserver")
NODES_NSG = network_id("networkSecurityGroups", "nsg-nodes")
API_NSG = network_id("networkSecurityGroups", "nsg-apiserver")
DELEGATION = "Microsoft.ContainerService/managedClusters"

ALLOW_CLUSTER_TO_API = nsg_rule("AllowClusterToApiServer", 100, "Inbound", "Allow", "Tcp",
                                source=["10.10.0.0/22", "10.10.8.0/22"], destination="10.10.4.0/28",
                                ports=["443", "4443"], nsg_id=API_NSG)
ALLOW_PROBES = nsg_rule("AllowAzureLoadBalancer9988", 110, "Inbound", "Allow", "Tcp", source="AzureLoadBalancer",
                        destination="10.10.4.0/28", ports="9988", nsg_id=API_NSG)
DENY_VNET = nsg_rule("DenyVnetInbound", 200, "Inbound", "Deny", "*", source="VirtualNetwork", nsg_id=API_NSG)


def tenant(api_rules: list[dict], node_rules: list[dict] | None = None, api_nsg_row: dict | None = None,
           with_pod_subnet: bool = False, **cluster) -> list[dict]:
    subnets = [("snet-nodes", "10.10.0.0/22", {"nsg": NODES_NSG}),
               ("snet-apiserver", "10.10.4.0/28", {"nsg": API_NSG, "delegation": DELEGATION})]
    pools = [pool(subnet=NODES)]
    if with_pod_subnet:
        subnets.append(("snet-pods", "10.10.8.0/22", {"nsg": NODES_NSG}))
        pools = [pool(subnet=NODES, pod_subnet=PODS)]
    cluster.setdefault("api_server", {"enableVnetIntegration": True, "subnetId": API, "enablePrivateCluster": False})
    return [
        cluster_row("aks1", "azure" if with_pod_subnet else "overlay", pools=pools, **cluster),
        vnet_row("vnet-aks", ["10.10.0.0/16"], subnets),
        nsg_row("nsg-nodes", node_rules or []),
        api_nsg_row or nsg_row("nsg-apiserver", api_rules),
    ]


# --- APISRV-006 ---------------------------------------------------------------------------------

def test_apisrv006_passes_when_both_nsgs_allow_443_and_4443():
    finding = findings("APISRV-006", tenant([ALLOW_CLUSTER_TO_API, ALLOW_PROBES, DENY_VNET]))["aks1"]
    assert finding.status == "pass"
    assert {p["verdict"] for p in finding.evidence["paths"]} == {"allow"}


def test_apisrv006_fails_on_an_outbound_deny_of_4443_on_the_node_subnet():
    deny_4443 = nsg_rule("DenyKonnectivity", 150, "Outbound", "Deny", "Tcp", destination="10.10.4.0/28",
                         ports="4443", nsg_id=NODES_NSG)
    finding = findings("APISRV-006", tenant([ALLOW_CLUSTER_TO_API], [deny_4443]))["aks1"]
    assert finding.status == "fail"
    assert "DenyKonnectivity" in finding.message
    assert finding.evidence["paths"][0]["outbound"]["partial"] is True  # 443 is still allowed


def test_apisrv006_fails_when_a_deny_virtualnetwork_rule_blocks_the_api_subnet_inbound():
    finding = findings("APISRV-006", tenant([DENY_VNET]))["aks1"]
    assert finding.status == "fail"
    assert finding.evidence["paths"][0]["inbound"]["rule"] == "DenyVnetInbound"


def test_apisrv006_checks_pod_subnets_too():
    only_nodes = nsg_rule("AllowNodesOnly", 100, "Inbound", "Allow", "Tcp", source="10.10.0.0/22",
                          destination="10.10.4.0/28", ports=["443", "4443"], nsg_id=API_NSG)
    finding = findings("APISRV-006", tenant([only_nodes, DENY_VNET], with_pod_subnet=True))["aks1"]
    assert finding.status == "fail"
    denied = [p["from"] for p in finding.evidence["paths"] if p["verdict"] == "deny"]
    assert denied == ["snet-pods"]


def test_apisrv006_is_not_applicable_without_vnet_integration():
    finding = findings("APISRV-006", tenant([], api_server={"enablePrivateCluster": False}))["aks1"]
    assert finding.status == "not_applicable"


def test_apisrv006_is_not_applicable_in_an_aks_managed_vnet():
    rows = [cluster_row("aks1", pools=[pool()], api_server={"enableVnetIntegration": True, "subnetId": ""})]
    finding = findings("APISRV-006", rows)["aks1"]
    assert finding.status == "not_applicable"
    assert finding.evidence["reason"] == "AKS-managed VNet"


def test_apisrv006_is_an_error_not_a_pass_when_the_api_server_subnet_is_missing():
    rows = [r for r in tenant([]) if r["type"] != "microsoft.network/virtualnetworks"]
    rows.append(vnet_row("vnet-aks", ["10.10.0.0/16"], [("snet-nodes", "10.10.0.0/22", {"nsg": NODES_NSG})]))
    finding = findings("APISRV-006", rows)["aks1"]
    assert finding.status == "error"
    assert "snet-apiserver" in finding.message


def test_apisrv006_is_an_error_when_an_application_security_group_rule_could_match():
    asg_deny = nsg_rule("DenyFromAsg", 100, "Inbound", "Deny", "Tcp", source="", ports="443", nsg_id=API_NSG,
                        sourceApplicationSecurityGroups=[{"id": network_id("applicationSecurityGroups", "asg1")}])
    finding = findings("APISRV-006", tenant([asg_deny]))["aks1"]
    assert finding.status == "error"
    assert "application security group" in finding.message


# --- APISRV-007 ---------------------------------------------------------------------------------

def test_apisrv007_passes_with_an_explicit_allow_above_a_vnet_deny():
    finding = findings("APISRV-007", tenant([ALLOW_PROBES, DENY_VNET]))["aks1"]
    assert finding.status == "pass"
    assert finding.evidence["decidedBy"] == "AllowAzureLoadBalancer9988"


def test_apisrv007_fails_when_a_custom_deny_virtualnetwork_rule_blocks_the_probes():
    finding = findings("APISRV-007", tenant([ALLOW_CLUSTER_TO_API, DENY_VNET]))["aks1"]
    assert finding.status == "fail"
    assert finding.evidence["decidedBy"] == "DenyVnetInbound"
    assert "DenyVnetInbound" in finding.message and "nsg-apiserver" in finding.message


def test_apisrv007_uses_azure_default_rules_when_the_row_omits_them():
    bare_nsg = nsg_row("nsg-apiserver", [], with_defaults=False)
    finding = findings("APISRV-007", tenant([], api_nsg_row=bare_nsg))["aks1"]
    assert finding.status == "pass"
    assert finding.evidence["defaultRulesAssumed"] is True
    assert finding.evidence["decidedBy"] in ("AllowVnetInBound", "AllowAzureLoadBalancerInBound")


def test_apisrv007_is_not_applicable_in_an_aks_managed_vnet_with_a_managed_api_subnet():
    rows = [cluster_row("aks1", pools=[pool()], api_server={"enableVnetIntegration": True, "subnetId": ""})]
    assert findings("APISRV-007", rows)["aks1"].status == "not_applicable"


def test_apisrv007_is_an_error_when_the_nsg_row_is_missing():
    rows = [r for r in tenant([]) if r["name"] != "nsg-apiserver"]
    finding = findings("APISRV-007", rows)["aks1"]
    assert finding.status == "error"
    assert "not in the input" in finding.message


def test_apisrv007_joins_an_nsg_reference_spelt_in_another_case():
    rows = tenant([DENY_VNET])
    vnet = next(r for r in rows if r["name"] == "vnet-aks")
    api_subnet = vnet["properties"]["subnets"][1]
    api_subnet["properties"]["networkSecurityGroup"]["id"] = API_NSG.upper()
    assert findings("APISRV-007", rows)["aks1"].status == "fail"
