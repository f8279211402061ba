"""Builders of Resource Graph rows in the shapes of ../shared/azure-examples, with real-row quirks.

Ids are spelt as Azure spells them: cluster ids say `resourcegroups`, network ids `resourceGroups`.
Each builder returns a fresh dict, so a test can change what it is about and nothing else.
"""

from __future__ import annotations

SUB = "3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10"
OTHER_SUB = "b7d41e08-92c3-4f5a-8e6d-0a1b2c3d4e5f"
TENANT = "6c1d3e5f-7a9b-4c2d-8e0f-1a2b3c4d5e6f"
LOCATION = "westeurope"


def _row(resource_id: str, name: str, arm_type: str, properties: dict, **columns) -> dict:
    parts = resource_id.split("/")
    return {
        "id": resource_id,
        "name": name,
        "type": arm_type.lower(),
        "tenantId": TENANT,
        "kind": "",
        "location": LOCATION,
        "resourceGroup": parts[4].lower(),
        "subscriptionId": parts[2],
        "managedBy": "",
        "sku": columns.pop("sku", None),
        "plan": None,
        "properties": properties,
        "tags": columns.pop("tags", {}),
        "identity": columns.pop("identity", None),
        "zones": None,
        "extendedLocation": None,
    }


def network_id(kind: str, name: str, rg: str = "rg-net", sub: str = SUB) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def subnet_id(vnet: str, subnet: str, rg: str = "rg-net", sub: str = SUB) -> str:
    return f"{network_id('virtualNetworks', vnet, rg, sub)}/subnets/{subnet}"


def subnet(vnet_id: str, name: str, prefix: str, nsg: str | None = None, route_table: str | None = None,
           delegation: str | None = None, ip_configurations: list[str] | None = None) -> dict:
    properties: dict = {
        "provisioningState": "Succeeded",
        "addressPrefix": prefix,
        "delegations": [],
        "privateEndpointNetworkPolicies": "Disabled",
        "privateLinkServiceNetworkPolicies": "Enabled",
    }
    if nsg:
        properties["networkSecurityGroup"] = {"id": nsg}
    if route_table:
        properties["routeTable"] = {"id": route_table}
    if delegation:
        properties["delegations"] = [{
            "name": "aks-delegation",
            "id": f"{vnet_id}/subnets/{name}/delegations/aks-delegation",
            "properties": {"provisioningState": "Succeeded", "serviceName": delegation,
                           "actions": ["Microsoft.Network/virtualNetworks/subnets/join/action"]},
            "type": "Microsoft.Network/virtualNetworks/subnets/delegations",
        }]
    if ip_configurations:
        properties["ipConfigurations"] = [{"id": i} for i in ip_configurations]
    return {"name": name, "id": f"{vnet_id}/subnets/{name}", "etag": 'W/"00000000-0000-0000-0000-000000000001"',
            "properties": properties, "type": "Microsoft.Network/virtualNetworks/subnets"}


def vnet_row(name: str, prefixes: list[str], subnets: list[tuple], rg: str = "rg-net", sub: str = SUB) -> dict:
    """`subnets`: (name, prefix, {subnet() keyword arguments}) tuples."""
    vnet_id = network_id("virtualNetworks", name, rg, sub)
    return _row(vnet_id, name, "Microsoft.Network/virtualNetworks", {
        "provisioningState": "Succeeded",
        "addressSpace": {"addressPrefixes": prefixes},
        "subnets": [subnet(vnet_id, s[0], s[1], **(s[2] if len(s) > 2 else {})) for s in subnets],
        "virtualNetworkPeerings": [],
        "enableDdosProtection": False,
    })


def nsg_rule(name: str, priority: int, direction: str = "Inbound", access: str = "Allow", protocol: str = "*",
             source: str | list = "*", destination: str | list = "*", ports: str | list = "*",
             nsg_id: str = "", **extra) -> dict:
    """A security rule as a real NSG row carries it: singular fields beside empty plural lists."""
    properties = {
        "provisioningState": "Succeeded",
        "protocol": protocol,
        "sourcePortRange": "*",
        "destinationPortRange": ports if isinstance(ports, str) else "",
        "sourceAddressPrefix": source if isinstance(source, str) else "",
        "destinationAddressPrefix": destination if isinstance(destination, str) else "",
        "access": access,
        "priority": priority,
        "direction": direction,
        "sourcePortRanges": [],
        "destinationPortRanges": ports if isinstance(ports, list) else [],
        "sourceAddressPrefixes": source if isinstance(source, list) else [],
        "destinationAddressPrefixes": destination if isinstance(destination, list) else [],
    }
    properties.update(extra)
    return {"name": name, "id": f"{nsg_id}/securityRules/{name}", "properties": properties,
            "type": "Microsoft.Network/networkSecurityGroups/securityRules"}


DEFAULT_RULES = [
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
]


def nsg_row(name: str, rules: list[dict], rg: str = "rg-net", sub: str = SUB, with_defaults: bool = True) -> dict:
    nsg_id = network_id("networkSecurityGroups", name, rg, sub)
    properties: dict = {"provisioningState": "Succeeded", "securityRules": rules}
    if with_defaults:
        properties["defaultSecurityRules"] = [
            nsg_rule(n, p, d, a, "*", s, t, "*", nsg_id) for n, p, d, a, s, t in DEFAULT_RULES
        ]
    return _row(nsg_id, name, "Microsoft.Network/networkSecurityGroups", properties)


def route_table_row(name: str, routes: list[tuple[str, str]], subnets: list[str], rg: str = "rg-net",
                    sub: str = SUB) -> dict:
    """`routes`: (addressPrefix, nextHopType); `subnets`: the ids the table lists."""
    table_id = network_id("routeTables", name, rg, sub)
    return _row(table_id, name, "Microsoft.Network/routeTables", {
        "provisioningState": "Succeeded",
        "disableBgpRoutePropagation": False,
        "routes": [{"name": f"route{i}", "id": f"{table_id}/routes/route{i}",
                    "properties": {"provisioningState": "Succeeded", "addressPrefix": prefix, "nextHopType": hop}}
                   for i, (prefix, hop) in enumerate(routes)],
        "subnets": [{"id": s} for s in subnets],
    })


def pool(name: str = "nodepool1", subnet: str | None = None, pod_subnet: str | None = None, count: int = 3,
         **extra) -> dict:
    profile = {"name": name, "count": count, "vmSize": "Standard_DS2_v2", "maxPods": 110, "osType": "Linux",
               "osSKU": "Ubuntu", "type": "VirtualMachineScaleSets", "mode": "System",
               "orchestratorVersion": "1.30.6", "currentOrchestratorVersion": "1.30.6",
               "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202410.15.0", "upgradeSettings": {}}
    if subnet:
        profile["vnetSubnetID"] = subnet
    if pod_subnet:
        profile["podSubnetID"] = pod_subnet
    profile.update(extra)
    return profile


NETWORK_PROFILES = {
    "kubenet": {"networkPlugin": "kubenet", "podCidr": "10.244.0.0/16", "podCidrs": ["10.244.0.0/16"]},
    "overlay": {"networkPlugin": "azure", "networkPluginMode": "overlay", "networkPolicy": "none",
                "podCidr": "192.168.0.0/16", "podCidrs": ["192.168.0.0/16"]},
    "azure": {"networkPlugin": "azure", "networkPolicy": "none"},
    "none": {"networkPlugin": "none"},
}


def cluster_row(name: str, plugin: str = "overlay", pools: list[dict] | None = None, rg: str = "rg-aks",
                sub: str = SUB, api_server: dict | None = None, **network) -> dict:
    cluster_id = f"/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}"
    profile = {**NETWORK_PROFILES[plugin], "serviceCidr": "10.0.0.0/16", "serviceCidrs": ["10.0.0.0/16"],
               "dnsServiceIP": "10.0.0.10", "outboundType": "loadBalancer", "loadBalancerSku": "Standard",
               "ipFamilies": ["IPv4"], **network}
    properties: dict = {
        "provisioningState": "Succeeded",
        "kubernetesVersion": "1.30", "currentKubernetesVersion": "1.30.6",
        "dnsPrefix": name, "fqdn": f"{name}-abcd1234.hcp.{LOCATION}.azmk8s.io",
        "agentPoolProfiles": pools if pools is not None else [pool()],
        "nodeResourceGroup": f"MC_{rg}_{name}_{LOCATION}",
        "enableRBAC": True,
        "networkProfile": profile,
    }
    if api_server is not None:
        properties["apiServerAccessProfile"] = api_server
    identity = {"type": "SystemAssigned", "principalId": "11111111-2222-3333-4444-555555555555", "tenantId": TENANT}
    return _row(cluster_id, name, "Microsoft.ContainerService/managedClusters", properties,
                sku={"name": "Base", "tier": "Standard"}, identity=identity)


def envelope(rows: list[dict], **overrides) -> dict:
    """What `az graph query -o json` prints for a complete result."""
    return {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows), **overrides}


def peering(name: str, remote_vnet_id: str, remote_prefixes: list[str], state: str = "Connected",
            allow_gateway_transit: bool = False, use_remote_gateways: bool = False) -> dict:
    """A VNet's peering as VirtualNetworkPeeringGet.json (Microsoft.Network 2024-05-01) shows it."""
    return {"name": name, "id": f"{remote_vnet_id}/virtualNetworkPeerings/{name}",
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            "properties": {"provisioningState": "Succeeded", "peeringState": state, "peeringSyncLevel": "FullyInSync",
                           "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True,
                           "allowGatewayTransit": allow_gateway_transit, "useRemoteGateways": use_remote_gateways,
                           "remoteVirtualNetwork": {"id": remote_vnet_id},
                           "remoteAddressSpace": {"addressPrefixes": remote_prefixes}}}


def gateway_row(name: str, vnet: str, gateway_type: str = "Vpn", bgp: bool = False, rg: str = "rg-net",
                sub: str = SUB) -> dict:
    """A virtual network gateway in the VNet's GatewaySubnet (VirtualNetworkGatewayGet.json's shape)."""
    gateway_id = network_id("virtualNetworkGateways", name, rg, sub)
    return _row(gateway_id, name, "Microsoft.Network/virtualNetworkGateways", {
        "provisioningState": "Succeeded", "gatewayType": gateway_type, "vpnType": "RouteBased", "enableBgp": bgp,
        "activeActive": False, "sku": {"name": "VpnGw1", "tier": "VpnGw1"},
        "ipConfigurations": [{"name": "gwipconfig1", "id": f"{gateway_id}/ipConfigurations/gwipconfig1",
                              "properties": {"privateIPAllocationMethod": "Dynamic",
                                             "subnet": {"id": subnet_id(vnet, "GatewaySubnet", rg, sub)}}}],
    })


def local_gateway_row(name: str, prefixes: list[str], rg: str = "rg-net", sub: str = SUB) -> dict:
    return _row(network_id("localNetworkGateways", name, rg, sub), name, "Microsoft.Network/localNetworkGateways", {
        "provisioningState": "Succeeded", "gatewayIpAddress": "198.51.100.7",
        "localNetworkAddressSpace": {"addressPrefixes": prefixes}})


def connection_row(name: str, gateway_id: str, local_gateway_id: str, rg: str = "rg-net", sub: str = SUB) -> dict:
    return _row(network_id("connections", name, rg, sub), name, "Microsoft.Network/connections", {
        "provisioningState": "Succeeded", "connectionType": "IPsec", "connectionStatus": "Connected",
        "virtualNetworkGateway1": {"id": gateway_id}, "localNetworkGateway2": {"id": local_gateway_id}})
