"""The subnet view's applicationGatewayIPConfigurationOwners (added for APISRV-005)."""

from __future__ import annotations

from azure_rows import SUB, cluster_row, pool, subnet_id, vnet_row

from scanner import inventory
from scanner.collect.snapshot import Snapshot

API = subnet_id("vnet-aks", "snet-apiserver")


def test_application_gateway_ip_configurations_carry_their_owner():
    vnet = vnet_row("vnet-aks", ["10.10.0.0/16"], [("snet-nodes", "10.10.0.0/22"), ("snet-apiserver", "10.10.4.0/28")])
    gateway_config = (f"/subscriptions/{SUB}/resourceGroups/MC_rg-legacy_old_westeurope/providers/Microsoft.Network/"
                      "applicationGateways/agw1/gatewayIPConfigurations/appGatewayIpConfig")
    vnet["properties"]["subnets"][1]["properties"]["applicationGatewayIPConfigurations"] = [{"id": gateway_config}]
    cluster = cluster_row("aks1", "overlay", pools=[pool(subnet=subnet_id("vnet-aks", "snet-nodes"))],
                          api_server={"enableVnetIntegration": True, "subnetId": API})
    view = inventory.build(Snapshot(rows=[cluster, vnet], kube={})).views("cluster")[0]
    owners = view["apiServer"]["subnet"]["applicationGatewayIPConfigurationOwners"]
    assert owners == [{"id": gateway_config, "nodeResourceGroup": "MC_rg-legacy_old_westeurope", "cluster": None,
                       "foreign": True}]
