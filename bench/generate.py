"""Synthetic tenants in real Resource Graph row shapes, for the scale benchmark (not a test fixture).

`generate_rows(...)` returns the rows of one tenant: managed clusters of every plugin family, VNets with
their subnets inside (node NICs in the clusters' node resource groups, upper-cased as Azure spells
them), NSGs with real-shaped rules (singular fields beside empty plural lists), route tables listing
their subnets (kubenet tables with cloud-provider routes, some shared by two clusters), hub VNets
with VPN and ExpressRoute gateways, connections and local network gateways, spokes peered to the
hubs both ways, role assignments and definitions as `authorizationresources` returns them, and the
subscriptions' `resourcecontainers` rows with their `managementGroupAncestorsChain`. The quirks of
`examples/README.md` "Quirks planted" are spread over the rows (mixed-case ids, lower-cased `type`,
absent fields, older bodies, `subnetId: ""`, rows without `defaultSecurityRules`).

Deterministic: the same arguments and seed give the same rows. Nothing here comes from a real tenant.

    python bench/generate.py --size reference --out /tmp/tenant.json     # the issue's reference size
    python bench/generate.py --size 10 --out /tmp/tenant-10.json         # 10 % of it (also 50)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from collections import defaultdict
from pathlib import Path

REFERENCE = {
    "clusters": 1000,
    "vnets": 10000,
    "subnets": 50000,
    "nsgs": 20000,
    "nsg_rules": 20,
    "route_tables": 10000,
    "role_assignments": 5000,
    "subscriptions": 2000,
}
PER_NSG = {"nsg_rules"}  # not scaled by --size: every NSG keeps its 20 rules

TENANT = "5d2c7a9e-1b3f-4e6a-8c0d-2f4b6a8c0e1d"
LOCATIONS = ["westeurope"] * 6 + ["northeurope"] * 3 + ["swedencentral"]
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
DELEGATION = "Microsoft.ContainerService/managedClusters"
# plugin families in proportion (20 slots): kubenet 5, overlay 6, overlay+cilium 2, traditional 4, pod subnet 1,
# dual-stack overlay 1, bring-your-own CNI 1
FAMILIES = (["kubenet"] * 5 + ["overlay"] * 6 + ["cilium"] * 2 + ["traditional"] * 4
            + ["podsubnet", "dualstack", "byocni"])
DEFAULT_RULES = [
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*",
     "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet",
     "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
]


def sized(size: str) -> dict[str, int]:
    """The generator's counts for `--size reference|10|50` (percent of the reference; rules per NSG stay 20)."""
    if size == "reference":
        return dict(REFERENCE)
    percent = int(size)
    return {k: (v if k in PER_NSG else max(1, v * percent // 100)) for k, v in REFERENCE.items()}


class _Ids:
    def __init__(self, rng: random.Random):
        self.rng = rng

    def guid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def etag(self) -> str:
        return f'W/"{self.guid()}"'

    def hex(self, n: int) -> str:
        return f"{self.rng.getrandbits(4 * n):0{n}x}"

    def digits(self, n: int) -> str:
        return str(self.rng.randrange(10 ** (n - 1), 10 ** n))


def _row(resource_id: str, name: str, arm_type: str, location: str, properties: dict | None, **columns) -> dict:
    """A Resource Graph row: the columns `resources` returns, `type` lower-cased, `resourceGroup` lower-cased."""
    parts = resource_id.split("/")
    row = {
        "extendedLocation": None,
        "id": resource_id,
        "identity": columns.pop("identity", None),
        "kind": "",
        "location": location,
        "managedBy": "",
        "name": name,
        "plan": None,
        "properties": properties,
        "resourceGroup": parts[4].lower() if len(parts) > 4 else "",
        "sku": columns.pop("sku", None),
        "subscriptionId": parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else "",
        "tags": columns.pop("tags", {}),
        "tenantId": TENANT,
        "type": arm_type.lower(),
        "zones": columns.pop("zones", None),
    }
    row.update(columns)
    return row


def _net_id(sub: str, rg: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{kind}/{name}"


def _ip(block: int, offset: int = 0) -> str:
    """The address `block` /28 units (16 addresses) into the VNet pool, plus `offset`."""
    value = (10 << 24) + block * 16 + offset
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


class _Vnet:
    """A VNet being built: a /20 of the pool (256 units of /28), carved into aligned subnets."""

    def __init__(self, gen: _Tenant, sub: str, rg: str, name: str, location: str, base_unit: int):
        self.gen, self.sub, self.rg, self.name, self.location = gen, sub, rg, name, location
        self.base = base_unit
        self.used = 0
        self.id = _net_id(sub, rg, "virtualNetworks", name)
        self.subnets: list[dict] = []
        self.peerings: list[dict] = []
        self.prefixes = [f"{_ip(base_unit)}/20"]
        self.hub = False

    def carve(self, prefix_len: int) -> str | None:
        units = 1 << (28 - prefix_len)
        start = -(-self.used // units) * units
        if start + units > 256:
            return None
        self.used = start + units
        return f"{_ip(self.base + start)}/{prefix_len}"

    def subnet(self, name: str, prefix_len: int, **extra) -> dict | None:
        prefix = self.carve(prefix_len)
        if prefix is None:
            return None
        ids = self.gen.ids
        subnet_id = f"{self.id}/subnets/{name}"
        props = {
            "addressPrefix": prefix,
            "delegations": [],
            "privateEndpointNetworkPolicies": "Disabled",
            "privateLinkServiceNetworkPolicies": "Enabled",
            "provisioningState": "Succeeded",
        }
        props.update(extra)
        entry = {"etag": ids.etag(), "id": subnet_id, "name": name, "properties": props,
                 "type": "Microsoft.Network/virtualNetworks/subnets"}
        if self.gen.rng.random() < 0.03:
            del entry["etag"]  # an absent field real rows sometimes show
        self.subnets.append(entry)
        return entry

    def row(self) -> dict:
        ids = self.gen.ids
        props = {
            "addressSpace": {"addressPrefixes": self.prefixes},
            "enableDdosProtection": False,
            "provisioningState": "Succeeded",
            "resourceGuid": ids.guid(),
            "subnets": self.subnets,
            "virtualNetworkPeerings": self.peerings,
        }
        if self.gen.rng.random() < 0.05:
            props["dhcpOptions"] = {"dnsServers": [_ip(self.base, 4)]}
        tags = {"env": self.gen.rng.choice(["prod", "dev", "test"]), "owner": f"team-{self.rg[3:]}"}
        return _row(self.id, self.name, "Microsoft.Network/virtualNetworks", self.location, props, tags=tags)


class _Tenant:
    def __init__(self, counts: dict[str, int], seed: int):
        self.c = counts
        self.rng = random.Random(seed)
        self.ids = _Ids(self.rng)
        self.rows: list[dict] = []
        self.next_unit = 256  # 10.1.0.0: the default service CIDR 10.0.0.0/16 stays outside the pool
        self.subs = [self.ids.guid() for _ in range(counts["subscriptions"])]
        self.vnets: list[_Vnet] = []
        self.nsg_subnets: dict[str, list[dict]] = {}  # NSG id → subnets that reference it
        self.nsg_meta: dict[str, tuple] = {}  # NSG id → (sub, rg, name, location, kind, context)
        self.route_tables: dict[str, dict] = {}  # id → {sub, rg, name, location, routes, subnets}
        self.principals: list[tuple[str, str, str]] = []  # (principalId, scope, role) the clusters need
        self.mg_of_sub: dict[str, list[tuple[str, str]]] = {}

    # --- address pool and VNets -----------------------------------------------------------------
    def new_vnet(self, sub: str, rg: str, name: str, location: str) -> _Vnet:
        unit = self.next_unit % (256 * 4096 - 256) + 256  # wraps (overlapping spaces) past 10.255.255.255
        self.next_unit += 256
        vnet = _Vnet(self, sub, rg, name, location, unit)
        self.vnets.append(vnet)
        return vnet

    def attach_nsg(self, subnet: dict, nsg_id: str, quirk: bool = False) -> None:
        ref = nsg_id
        if quirk:
            parts = nsg_id.split("/")
            parts[4] = parts[4].upper()  # an NSG reference in another case than the NSG row
            ref = "/".join(parts)
        subnet["properties"]["networkSecurityGroup"] = {"id": ref}
        self.nsg_subnets.setdefault(nsg_id, []).append(subnet)

    def attach_route_table(self, subnet: dict, table_id: str) -> None:
        subnet["properties"]["routeTable"] = {"id": table_id}
        self.route_tables[table_id]["subnets"].append(subnet["id"])

    def new_nsg(self, sub: str, rg: str, name: str, location: str, kind: str = "generic", **context) -> str:
        nsg_id = _net_id(sub, rg, "networkSecurityGroups", name)
        self.nsg_meta[nsg_id] = (sub, rg, name, location, kind, context)
        self.nsg_subnets.setdefault(nsg_id, [])
        return nsg_id

    def new_route_table(self, sub: str, rg: str, name: str, location: str, routes: list[tuple]) -> str:
        table_id = _net_id(sub, rg, "routeTables", name)
        self.route_tables[table_id] = {"sub": sub, "rg": rg, "name": name, "location": location,
                                       "routes": routes, "subnets": []}
        return table_id

    # --- management groups and subscriptions ----------------------------------------------------
    def management_groups(self) -> None:
        root = (TENANT, "Tenant Root Group")
        platform = ("mg-platform", "Platform")
        connectivity = ("mg-connectivity", "Connectivity")
        landing = ("mg-landingzones", "Landing zones")
        corp = ("mg-corp", "Corp")
        online = ("mg-online", "Online")
        legacy = ("mg-legacy", "Legacy")
        sandbox = ("mg-sandbox", "Sandbox")
        units = [(f"mg-bu-{i:02d}", f"Business unit {i:02d}") for i in range(1, 13)]
        hubs = max(1, len(self.subs) // 100)
        for index, sub in enumerate(self.subs):
            if index < hubs:
                chain = [connectivity, platform, root]
            elif index % 50 == 7:
                chain = [sandbox, root]
            elif index % 20 == 3:
                chain = [legacy, corp, landing, root]
            elif index % 3 == 0:
                chain = [online, landing, root]
            else:
                chain = [units[index % len(units)], corp, landing, root]
            self.mg_of_sub[sub] = chain
            quota = "EnterpriseAgreement_2014-09-01" if index % 9 else "MSDN_2014-09-01"
            self.rows.append(_row(
                f"/subscriptions/{sub}", f"sub-{index:04d}-{chain[0][0][3:]}", "Microsoft.Resources/subscriptions",
                "", {"managementGroupAncestorsChain": [{"displayName": d, "name": n} for n, d in chain],
                     "state": "Enabled",
                     "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": quota,
                                              "spendingLimit": "Off"}},
                subscriptionId=sub))

    # --- hubs: gateways, connections, local network gateways ------------------------------------
    def hubs(self, count: int) -> list[_Vnet]:
        hub_subs = self.subs[: max(1, len(self.subs) // 100)]
        out = []
        for h in range(count):
            sub = hub_subs[h % len(hub_subs)]
            location = LOCATIONS[h % len(LOCATIONS)]
            rg = f"rg-connectivity-{location}-{h:02d}"
            vnet = self.new_vnet(sub, rg, f"vnet-hub-{location}-{h:02d}", location)
            vnet.hub = True
            gw_subnet = vnet.subnet("GatewaySubnet", 26)
            firewall = vnet.subnet("AzureFirewallSubnet", 26)
            vnet.subnet("AzureBastionSubnet", 26)
            vnet.subnet("snet-dns-inbound", 28, delegations=[])
            firewall["properties"]["ipConfigurations"] = [{"id": _net_id(
                sub, rg, "azureFirewalls", f"afw-hub-{h:02d}") + "/azureFirewallIpConfigurations/ipconfig1"}]
            vnet.firewall_ip = _ip(vnet.base + 4, 4)  # first usable of AzureFirewallSubnet (10.x.y.64/26 + 4)
            express = h % 3 == 1
            gateway_id = _net_id(sub, rg, "virtualNetworkGateways", f"vgw-hub-{h:02d}")
            gw_subnet["properties"]["ipConfigurations"] = [{"id": f"{gateway_id}/ipConfigurations/default"}]
            bgp = express or h % 3 == 2
            self.rows.append(_row(gateway_id, f"vgw-hub-{h:02d}", "Microsoft.Network/virtualNetworkGateways",
                                  location, {
                                      "activeActive": False,
                                      "enableBgp": bgp if not express else False,
                                      "gatewayType": "ExpressRoute" if express else "Vpn",
                                      "ipConfigurations": [{
                                          "etag": self.ids.etag(), "id": f"{gateway_id}/ipConfigurations/default",
                                          "name": "default",
                                          "properties": {"privateIPAllocationMethod": "Dynamic",
                                                         "provisioningState": "Succeeded",
                                                         "subnet": {"id": gw_subnet["id"]}}}],
                                      "provisioningState": "Succeeded",
                                      "resourceGuid": self.ids.guid(),
                                      "sku": ({"name": "ErGw1AZ", "tier": "ErGw1AZ"} if express
                                              else {"name": "VpnGw2AZ", "tier": "VpnGw2AZ"}),
                                      "vpnType": "RouteBased",
                                  }))
            if express:
                circuit = (f"/subscriptions/{sub}/resourceGroups/rg-expressroute/providers/Microsoft.Network/"
                           f"expressRouteCircuits/er-circuit-{h:02d}")
                self.rows.append(_row(_net_id(sub, rg, "connections", f"cn-er-{h:02d}"), f"cn-er-{h:02d}",
                                      "Microsoft.Network/connections", location, {
                                          "connectionType": "ExpressRoute", "peer": {"id": circuit},
                                          "provisioningState": "Succeeded", "routingWeight": 0,
                                          "virtualNetworkGateway1": {"id": gateway_id}}))
            else:
                for site in range(2):
                    local_name = f"lgw-site-{h:02d}-{site}"
                    local_id = _net_id(sub, rg, "localNetworkGateways", local_name)
                    prefixes = [f"172.{20 + (h * 2 + site) % 12}.{site * 64}.0/18"]
                    self.rows.append(_row(local_id, local_name, "Microsoft.Network/localNetworkGateways", location, {
                        "gatewayIpAddress": f"198.51.100.{(h * 2 + site) % 250 + 1}",
                        "localNetworkAddressSpace": {"addressPrefixes": prefixes},
                        "provisioningState": "Succeeded", "resourceGuid": self.ids.guid()}))
                    self.rows.append(_row(_net_id(sub, rg, "connections", f"cn-{local_name}"), f"cn-{local_name}",
                                          "Microsoft.Network/connections", location, {
                                              "connectionProtocol": "IKEv2", "connectionStatus": "Connected",
                                              "connectionType": "IPsec", "enableBgp": bgp,
                                              "localNetworkGateway2": {"id": local_id},
                                              "provisioningState": "Succeeded", "routingWeight": 0,
                                              "virtualNetworkGateway1": {"id": gateway_id}}))
            out.append(vnet)
        return out

    def peer(self, spoke: _Vnet, hub: _Vnet) -> None:
        roll = self.rng.random()
        state = "Connected" if roll < 0.96 else ("Disconnected" if roll < 0.98 else "Initiated")
        use_remote = state == "Connected" and self.rng.random() < 0.8

        def entry(owner: _Vnet, remote: _Vnet, name: str, transit: bool, use: bool) -> dict:
            props = {
                "allowForwardedTraffic": True,
                "allowGatewayTransit": transit,
                "allowVirtualNetworkAccess": True,
                "doNotVerifyRemoteGateways": False,
                "peeringState": state,
                "peeringSyncLevel": "FullyInSync",
                "provisioningState": "Succeeded",
                "remoteAddressSpace": {"addressPrefixes": list(remote.prefixes)},
                "remoteVirtualNetwork": {"id": remote.id},
                "remoteVirtualNetworkAddressSpace": {"addressPrefixes": list(remote.prefixes)},
                "resourceGuid": self.ids.guid(),
                "useRemoteGateways": use,
            }
            return {"etag": self.ids.etag(), "id": f"{owner.id}/virtualNetworkPeerings/{name}", "name": name,
                    "properties": props, "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"}

        spoke.peerings.append(entry(spoke, hub, f"peer-to-{hub.name}", False, use_remote))
        hub.peerings.append(entry(hub, spoke, f"peer-to-{spoke.name}", True, False))

    # --- clusters -------------------------------------------------------------------------------
    def _pools(self, family: str, count: int, subnet_ids: list[str | None], pod_subnet: str | None,
               version: str, old: bool) -> list[dict]:
        pools = []
        for p in range(count):
            name = "system" if p == 0 else self.rng.choice(["user", "apps", "batch", "spot", "gpu", "mem"]) + str(p)
            nodes = self.rng.randint(2, 5)
            autoscale = self.rng.random() < 0.4
            max_pods = {"traditional": 30, "podsubnet": 50, "kubenet": 110}.get(family, 250)
            surge = self.rng.choice([{}, {"maxSurge": "10%"}, {"maxSurge": "33%"}, {"maxSurge": "1"}])
            pool = {
                "availabilityZones": ["1", "2", "3"],
                "count": nodes,
                "currentOrchestratorVersion": version,
                "eTag": self.ids.guid(),
                "enableAutoScaling": autoscale,
                "enableEncryptionAtHost": False,
                "enableFIPS": False,
                "enableNodePublicIP": False,
                "kubeletDiskType": "OS",
                "maxPods": max_pods,
                "mode": "System" if p == 0 else "User",
                "name": name,
                "nodeImageVersion": "AKSUbuntu-2204gen2containerd-202505.14.0",
                "orchestratorVersion": version.rsplit(".", 1)[0] if old else version,
                "osDiskSizeGB": 128,
                "osDiskType": self.rng.choice(["Managed", "Ephemeral"]),
                "osSKU": self.rng.choice(["Ubuntu", "Ubuntu", "AzureLinux"]),
                "osType": "Linux",
                "powerState": {"code": "Running"},
                "provisioningState": "Succeeded",
                "type": "VirtualMachineScaleSets",
                "upgradeSettings": surge,
                "vmSize": self.rng.choice(["Standard_D4ds_v5", "Standard_D8ds_v5", "standard_d4s_v5"]),
            }
            if autoscale:
                pool["minCount"], pool["maxCount"] = nodes, nodes + self.rng.choice([3, 5, 10])
            if p == 0:
                pool["nodeTaints"] = ["CriticalAddonsOnly=true:NoSchedule"]
            subnet_id = subnet_ids[min(p, len(subnet_ids) - 1)]
            if subnet_id:
                pool["vnetSubnetID"] = subnet_id
            if pod_subnet:
                pool["podSubnetID"] = pod_subnet
            if old:
                pool.pop("osSKU")
                pool.pop("currentOrchestratorVersion")
            pools.append(pool)
        return pools

    def _nic_ids(self, sub: str, node_rg: str, pool: dict, per_node: int, offset: int) -> list[dict]:
        vmss = f"AKS-{pool['name'].upper()}-{offset:08d}-VMSS"
        base = (f"/subscriptions/{sub}/resourceGroups/{node_rg.upper()}/PROVIDERS/MICROSOFT.COMPUTE/"
                f"VIRTUALMACHINESCALESETS/{vmss}/VIRTUALMACHINES")
        return [{"id": f"{base}/{n}/NETWORKINTERFACES/{vmss}/ipConfigurations/IPCONFIG{c + 1}"}
                for n in range(pool["count"]) for c in range(per_node)]

    def cluster(self, index: int, sub: str, vnet: _Vnet | None, shared_table: str | None) -> dict:
        """One managed cluster; with `vnet` it brings its own subnets there, else an AKS-managed VNet."""
        rng = self.rng
        family = FAMILIES[index % len(FAMILIES)]
        location = vnet.location if vnet else rng.choice(LOCATIONS)
        name = f"aks-{rng.choice(['app', 'web', 'data', 'api', 'batch', 'ml', 'edge'])}-{index:04d}"
        rg = f"rg-{name[4:]}"
        node_rg = f"MC_{rg}_{name}_{location}"
        cluster_id = (f"/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ContainerService/"
                      f"managedClusters/{name}")
        old = index % 23 == 5
        version = rng.choice(["1.29.9", "1.30.6", "1.31.7", "1.32.5"])
        vmss_id = int(self.ids.digits(8))
        pool_count = rng.choice([1, 2, 2, 3])
        integrated = vnet is not None and index % 5 == 1 and family not in ("byocni",)
        managed_api = vnet is None and index % 4 == 1
        udr = family != "kubenet" and vnet is not None and index % 10 == 3
        subnet_ids: list[str | None] = [None]
        pod_subnet_id = None
        api_subnet = None
        node_subnets: list[dict] = []
        per_node = {"traditional": 31}.get(family, 1)
        if vnet is not None:
            size = {"traditional": 21, "podsubnet": 24}.get(family, 22)
            first = vnet.subnet(f"snet-{name}-nodes", size)
            node_subnets.append(first)
            if pool_count > 2 and rng.random() < 0.5:
                second = vnet.subnet(f"snet-{name}-user", size)
                if second:
                    node_subnets.append(second)
            subnet_ids = [s["id"] for s in node_subnets]
            if index % 10 == 0:  # a pool's vnetSubnetID in another letter case than the VNet row
                subnet_ids[0] = subnet_ids[0].replace(f"/virtualNetworks/{vnet.name}/",
                                                      f"/virtualNetworks/{vnet.name.title()}/")
            elif index % 20 == 9:
                subnet_ids[0] = subnet_ids[0].replace(f"/resourceGroups/{vnet.rg}/",
                                                      f"/resourceGroups/{vnet.rg.upper()}/")
            if family == "podsubnet":
                pod = vnet.subnet(f"snet-{name}-pods", 22, delegations=[self._delegation(
                    f"{vnet.id}/subnets/snet-{name}-pods", "Microsoft.ContainerService/managedClusters")])
                pod_subnet_id = pod["id"] if pod else None
            if integrated:
                api_subnet = vnet.subnet(f"snet-{name}-apiserver", 28)
                if api_subnet:
                    api_props = api_subnet["properties"]
                    api_props["delegations"] = [self._delegation(api_subnet["id"], DELEGATION)]
                    api_props["serviceAssociationLinks"] = [{
                        "etag": self.ids.etag(),
                        "id": f"{api_subnet['id']}/serviceAssociationLinks/AzureKubernetesService",
                        "name": "AzureKubernetesService",
                        "properties": {"allowDelete": False, "linkedResourceType": DELEGATION, "locations": [location],
                                       "provisioningState": "Succeeded"},
                        "type": "Microsoft.Network/virtualNetworks/subnets/serviceAssociationLinks"}]
                    api_props["ipConfigurations"] = [{"id": (
                        f"/subscriptions/{sub}/resourceGroups/{node_rg.upper()}/providers/Microsoft.Network/"
                        "loadBalancers/KUBE-APISERVER/frontendIPConfigurations/KUBE-APISERVER-FRONTEND")}]
        pools = self._pools(family, pool_count, subnet_ids, pod_subnet_id, version, old)
        # the subnets' NICs, in the node resource group, upper-cased
        for p, pool in enumerate(pools):
            target = node_subnets[min(p, len(node_subnets) - 1)] if node_subnets else None
            if target is not None:
                target["properties"].setdefault("ipConfigurations", []).extend(
                    self._nic_ids(sub, node_rg, pool, per_node, vmss_id))
        if vnet is None:
            node_subnets = [self._managed_vnet(sub, node_rg, vmss_id, location, pools, family, managed_api)]
        # NSGs: the node subnets' (BYO) and the node resource group's own
        node_prefix = node_subnets[0]["properties"]["addressPrefix"] if node_subnets else None
        if vnet is not None:
            for s in node_subnets:
                nsg = self.new_nsg(sub, vnet.rg, f"nsg-{s['name'][5:]}", location, "nodes", node_prefix=node_prefix,
                                   api_prefix=api_subnet["properties"]["addressPrefix"] if api_subnet else None)
                self.attach_nsg(s, nsg, quirk=index % 25 == 2)
            if api_subnet is not None:
                nsg = self.new_nsg(sub, vnet.rg, f"nsg-{name}-apiserver", location, "apiserver",
                                   node_prefix=node_prefix, drift=index % 15 == 6)
                self.attach_nsg(api_subnet, nsg)
            self.new_nsg(sub, node_rg, f"aks-agentpool-{vmss_id}-nsg", location, "agentpool")
        # route tables: kubenet's own (or shared), UDR egress for some others
        if family == "kubenet" and vnet is not None:
            table_id = shared_table or self.new_route_table(sub, vnet.rg, f"rt-{name}", location, [])
            routes = self.route_tables[table_id]["routes"]
            pod_third = 244 + index % 8
            for p, pool in enumerate(pools):
                for n in range(pool["count"]):
                    node_ip = self._node_ip(node_prefix, p * 10 + n)
                    cidr = f"10.{pod_third}.{len(routes)}.0/24"
                    route_name = f"aks-{pool['name']}-{vmss_id}-vmss{n:06d}____10{pod_third}{len(routes)}024"
                    routes.append((route_name, cidr, "VirtualAppliance", node_ip))
            for s in node_subnets:
                self.attach_route_table(s, table_id)
        elif udr and node_subnets:
            hub_ip = getattr(self, "default_firewall_ip", "10.1.0.68")
            table_id = self.new_route_table(sub, vnet.rg, f"rt-{name}-egress", location,
                                            [("default-to-firewall", "0.0.0.0/0", "VirtualAppliance", hub_ip)])
            for s in node_subnets:
                self.attach_route_table(s, table_id)
        # identity
        identity, sp_profile = self._identity(sub, rg, name, old)
        principal = (identity or {}).get("principalId") or next(
            (v["principalId"] for v in (identity or {}).get("userAssignedIdentities", {}).values()), None)
        if principal and vnet is not None:
            scope = rng.choice([f"/subscriptions/{vnet.sub}/resourceGroups/{vnet.rg}", vnet.id, node_subnets[0]["id"]])
            self.principals.append((principal, scope, rng.choice([NETWORK_CONTRIBUTOR, NETWORK_CONTRIBUTOR,
                                                                   CONTRIBUTOR])))
        network = self._network_profile(family, sub, node_rg, old, index, udr)
        api_profile: dict | None = None
        if integrated or managed_api:
            api_id = api_subnet["id"] if api_subnet else ""
            if api_id and index % 2:
                api_id = api_id.replace("/resourceGroups/", "/resourcegroups/")
            api_profile = {"enablePrivateCluster": index % 3 == 0, "enableVnetIntegration": True, "subnetId": api_id}
        elif index % 7 == 4:
            api_profile = {"authorizedIPRanges": ["203.0.113.0/24"], "enablePrivateCluster": False}
        elif index % 7 == 6:
            api_profile = {"enablePrivateCluster": True, "privateDNSZone": "system"}
        dns = f"{name}-dns"
        props = {
            "agentPoolProfiles": pools,
            "azurePortalFQDN": f"{dns}-{self.ids.hex(8)}.portal.hcp.{location}.azmk8s.io",
            "currentKubernetesVersion": version,
            "disableLocalAccounts": index % 2 == 0,
            "dnsPrefix": dns,
            "enableRBAC": True,
            "fqdn": f"{dns}-{self.ids.hex(8)}.hcp.{location}.azmk8s.io",
            "kubernetesVersion": version.rsplit(".", 1)[0] if old or index % 6 == 0 else version,
            "maxAgentPools": 100,
            "networkProfile": network,
            "nodeResourceGroup": node_rg,
            "powerState": {"code": "Running"},
            "provisioningState": "Succeeded",
            "servicePrincipalProfile": sp_profile,
        }
        if api_profile is not None:
            props["apiServerAccessProfile"] = api_profile
        if not old:
            props["supportPlan"] = "KubernetesOfficial"
            props["oidcIssuerProfile"] = {"enabled": index % 2 == 0}
            props["securityProfile"] = {}
            props["identityProfile"] = {"kubeletidentity": {
                "clientId": self.ids.guid(), "objectId": self.ids.guid(),
                "resourceId": f"/subscriptions/{sub}/resourcegroups/{node_rg}/providers/Microsoft.ManagedIdentity/"
                              f"userAssignedIdentities/{name}-agentpool"}}
        else:
            network["dockerBridgeCidr"] = "172.17.0.1/16"
        sku = {"name": "Basic" if old else "Base", "tier": rng.choice(["Free", "Standard"])}
        tags = {"env": rng.choice(["prod", "dev", "test"]), "costcenter": f"cc-{index % 40:03d}"}
        return _row(cluster_id, name, "Microsoft.ContainerService/managedClusters", location, props,
                    identity=identity, sku=sku, tags=tags)

    def _node_ip(self, prefix: str, n: int) -> str:
        a, b, c, _ = (int(x) for x in prefix.split("/")[0].split("."))
        return f"{a}.{b}.{c}.{4 + n}"

    def _delegation(self, subnet_id: str, service: str) -> dict:
        return {"etag": self.ids.etag(), "id": f"{subnet_id}/delegations/aks-delegation", "name": "aks-delegation",
                "properties": {"actions": ["Microsoft.Network/virtualNetworks/subnets/join/action"],
                               "provisioningState": "Succeeded", "serviceName": service},
                "type": "Microsoft.Network/virtualNetworks/subnets/delegations"}

    def _identity(self, sub: str, rg: str, name: str, old: bool) -> tuple[dict | None, dict]:
        if old:
            return None, {"clientId": self.ids.guid()}
        if self.rng.random() < 0.5:
            return {"principalId": self.ids.guid(), "tenantId": TENANT, "type": "SystemAssigned"}, {"clientId": "msi"}
        resource = (f"/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.ManagedIdentity/"
                    f"userAssignedIdentities/id-{name}")
        return ({"type": "UserAssigned", "userAssignedIdentities": {
            resource: {"clientId": self.ids.guid(), "principalId": self.ids.guid()}}}, {"clientId": "msi"})

    def _network_profile(self, family: str, sub: str, node_rg: str, old: bool, index: int, udr: bool) -> dict:
        rng = self.rng
        outbound = "userDefinedRouting" if udr else rng.choice(["loadBalancer"] * 5 + ["managedNATGateway"])
        profile: dict = {
            "dnsServiceIP": "10.0.0.10",
            "ipFamilies": ["IPv4"],
            "loadBalancerSku": rng.choice(["Standard", "Standard", "standard"]),
            "outboundType": outbound,
            "serviceCidr": "10.0.0.0/16",
            "serviceCidrs": ["10.0.0.0/16"],
        }
        if outbound == "loadBalancer":
            profile["loadBalancerProfile"] = {
                "backendPoolType": "nodeIPConfiguration",
                "effectiveOutboundIPs": [{"id": f"/subscriptions/{sub}/resourceGroups/{node_rg}/providers/"
                                                f"Microsoft.Network/publicIPAddresses/{self.ids.guid()}"}],
                "managedOutboundIPs": {"count": 1}}
        pod = None
        if family == "kubenet":
            profile.update(networkPlugin="kubenet", networkPolicy=rng.choice(["none", "calico"]))
            pod = f"10.{244 + index % 8}.0.0/16"
        elif family in ("overlay", "cilium", "dualstack"):
            profile.update(networkPlugin="azure", networkPluginMode="overlay", podLinkLocalAccess="IMDS",
                           networkPolicy="none")
            pod = rng.choice(["192.168.0.0/16", "100.64.0.0/16", "10.244.0.0/16"])
            if family == "cilium":
                profile.update(networkDataplane="cilium", networkPolicy="cilium")
        elif family in ("traditional", "podsubnet"):
            profile.update(networkPlugin="azure", networkPolicy=rng.choice(["azure", "none", "calico"]))
        else:
            profile.update(networkPlugin="none")
        if pod:
            profile["podCidr"] = pod
            profile["podCidrs"] = [pod]
        if family == "dualstack":
            profile["ipFamilies"] = ["IPv4", "IPv6"]
            profile["podCidrs"] = [pod, "fd12:3456:789a::/64"]
            profile["serviceCidrs"] = ["10.0.0.0/16", "fd12:3456:789a:1::/108"]
        if old:
            for key in ("networkPolicy", "podCidrs", "serviceCidrs", "ipFamilies"):
                profile.pop(key, None)
        return profile

    def _managed_vnet(self, sub: str, node_rg: str, vmss_id: int, location: str, pools: list[dict], family: str,
                      managed_api: bool) -> dict:
        vnet_id = _net_id(sub, node_rg, "virtualNetworks", f"aks-vnet-{vmss_id}")
        nsg = self.new_nsg(sub, node_rg, f"aks-agentpool-{vmss_id}-nsg", location, "agentpool")
        subnet = {"etag": self.ids.etag(), "id": f"{vnet_id}/subnets/aks-subnet", "name": "aks-subnet",
                  "properties": {"addressPrefix": "10.224.0.0/16", "delegations": [],
                                 "ipConfigurations": [n for pool in pools for n in self._nic_ids(
                                     sub, node_rg, pool, 31 if family == "traditional" else 1, vmss_id)],
                                 "privateEndpointNetworkPolicies": "Disabled",
                                 "privateLinkServiceNetworkPolicies": "Enabled", "provisioningState": "Succeeded"},
                  "type": "Microsoft.Network/virtualNetworks/subnets"}
        self.attach_nsg(subnet, nsg)
        subnets = [subnet]
        if managed_api:
            api_id = f"{vnet_id}/subnets/aks-apiserver-subnet"
            subnets.append({"etag": self.ids.etag(), "id": api_id, "name": "aks-apiserver-subnet",
                            "properties": {"addressPrefix": "10.226.0.0/28",
                                           "delegations": [self._delegation(api_id, DELEGATION)],
                                           "ipConfigurations": [{"id": (
                                               f"/subscriptions/{sub}/resourceGroups/{node_rg.upper()}/providers/"
                                               "Microsoft.Network/loadBalancers/KUBE-APISERVER/"
                                               "frontendIPConfigurations/KUBE-APISERVER-FRONTEND")}],
                                           "privateEndpointNetworkPolicies": "Disabled",
                                           "privateLinkServiceNetworkPolicies": "Enabled",
                                           "provisioningState": "Succeeded"},
                            "type": "Microsoft.Network/virtualNetworks/subnets"})
        if family == "kubenet":
            table = self.new_route_table(sub, node_rg, f"aks-agentpool-{vmss_id}-routetable", location, [
                (f"aks-{pool['name']}-{vmss_id}-vmss{n:06d}____102440{n}024", f"10.244.{n}.0/24", "VirtualAppliance",
                 f"10.224.0.{4 + n}") for pool in pools[:1] for n in range(pool["count"])])
            self.attach_route_table(subnet, table)
        managed = _Vnet(self, sub, node_rg, f"aks-vnet-{vmss_id}", location, 0)
        managed.prefixes = ["10.224.0.0/12"]
        managed.subnets = subnets
        self.vnets.append(managed)
        return subnet

    # --- NSG and route-table rows ---------------------------------------------------------------
    def _rule(self, nsg_id: str, name: str, priority: int, direction: str, access: str, protocol: str,
              source: str | list, destination: str | list, ports: str | list, default: bool = False,
              description: str | None = None) -> dict:
        """Singular fields beside empty plural lists; a plural list given leaves its singular field out."""
        props: dict = {"access": access}
        if description:
            props["description"] = description
        for field, value in (("destinationAddressPrefix", destination), ("destinationPortRange", ports)):
            if isinstance(value, list):
                props[field + "es" if field.endswith("Prefix") else field + "s"] = value
            else:
                props[field] = value
                props[field + "es" if field.endswith("Prefix") else field + "s"] = []
        props.update(direction=direction, priority=priority, protocol=protocol, provisioningState="Succeeded")
        if isinstance(source, list):
            props["sourceAddressPrefixes"] = source
        else:
            props["sourceAddressPrefix"] = source
            props["sourceAddressPrefixes"] = []
        props["sourcePortRange"] = "*"
        props["sourcePortRanges"] = []
        kind = "defaultSecurityRules" if default else "securityRules"
        return {"etag": self.ids.etag(), "id": f"{nsg_id}/{kind}/{name}", "name": name, "properties": props,
                "type": f"Microsoft.Network/networkSecurityGroups/{kind}"}

    def _custom_rules(self, nsg_id: str, kind: str, context: dict, count: int) -> list[dict]:
        rng = self.rng
        rules = []
        if kind == "apiserver":
            node = context.get("node_prefix") or "VirtualNetwork"
            rules.append(self._rule(nsg_id, "AllowNodesToApiServer", 100, "Inbound", "Allow", "Tcp", node, "*",
                                    ["443", "4443"]))
            rules.append(self._rule(nsg_id, "AllowAzureLoadBalancerProbe", 110, "Inbound", "Allow", "Tcp",
                                    "AzureLoadBalancer", "*", "9988"))
            if context.get("drift"):
                rules.append(self._rule(nsg_id, "DenyVnetInbound", 200, "Inbound", "Deny", "*", "VirtualNetwork",
                                        "*", "*"))
        elif kind == "nodes" and context.get("api_prefix") and rng.random() < 0.1:
            rules.append(self._rule(nsg_id, "DenyOutboundTcp4443", 150, "Outbound", "Deny", "Tcp", "*",
                                    context["api_prefix"], "4443"))
        elif kind == "agentpool":
            for n in range(count):
                rules.append(self._rule(nsg_id, f"k8s-azure-lb_allow_IPv4_{self.ids.hex(32)}", 500 + n, "Inbound",
                                        "Allow", "Tcp", "Internet", f"198.51.100.{n % 250 + 1}",
                                        rng.choice(["80", "443"])))
            return rules
        templates = [
            ("DenyInternetMgmtInbound", "Inbound", "Deny", "Tcp", "Internet", "*", ["22", "3389"]),
            ("AllowHttpsFromVnet", "Inbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "443"),
            ("AllowAppPorts", "Inbound", "Allow", "Tcp", ["10.1.0.0/16", "10.2.0.0/16"], "*", "8000-8080"),
            ("AllowMonitoring", "Inbound", "Allow", "Tcp", "AzureCloud.westeurope", "*", ["9100", "9090"]),
            ("DenySmbOutbound", "Outbound", "Deny", "Tcp", "*", "Internet", "445"),
            ("AllowDnsOutbound", "Outbound", "Allow", "Udp", "*", "168.63.129.16", "53"),
            ("AllowNtpOutbound", "Outbound", "Allow", "Udp", "*", "*", "123"),
            ("AllowOnPremSsh", "Inbound", "Allow", "Tcp", ["172.20.0.0/14"], "*", "22"),
            ("DenyLegacyInbound", "Inbound", "Deny", "*", "10.250.0.0/16", "*", "*"),
            ("AllowStorageOutbound", "Outbound", "Allow", "Tcp", "*", "Storage.WestEurope", "443"),
        ]
        priority = 300
        while len(rules) < count:
            name, direction, access, protocol, source, destination, ports = templates[len(rules) % len(templates)]
            priority += rng.choice([10, 10, 20, 50])
            rules.append(self._rule(nsg_id, f"{name}-{len(rules):02d}", priority, direction, access, protocol,
                                    source, destination, ports))
        if kind == "apiserver":
            rules.append(self._rule(nsg_id, "DenyAllInbound", 4096, "Inbound", "Deny", "*", "*", "*", "*"))
        return rules[:count] if kind != "apiserver" else rules[: count - 1] + rules[-1:]

    def nsg_rows(self, rules_each: int) -> None:
        for nsg_id, (_sub, _rg, name, location, kind, context) in self.nsg_meta.items():
            props: dict = {"provisioningState": "Succeeded", "resourceGuid": self.ids.guid(),
                           "securityRules": self._custom_rules(nsg_id, kind, context, rules_each)}
            if self.rng.random() > 0.02:  # a few rows come without defaultSecurityRules
                props["defaultSecurityRules"] = [
                    self._rule(nsg_id, n, p, d, a, "*", s, t, "*", default=True, description=text)
                    for n, p, d, a, s, t, text in DEFAULT_RULES]
            users = self.nsg_subnets.get(nsg_id) or []
            if users:
                props["subnets"] = [{"id": s["id"]} for s in users]
            self.rows.append(_row(nsg_id, name, "Microsoft.Network/networkSecurityGroups", location, props,
                                  etag=self.ids.etag()))

    def route_table_rows(self) -> None:
        for table_id, t in self.route_tables.items():
            routes = [{"etag": self.ids.etag(), "id": f"{table_id}/routes/{name}", "name": name,
                       "properties": {"addressPrefix": prefix, "hasBgpOverride": False,
                                      **({"nextHopIpAddress": hop_ip} if hop_ip else {}),
                                      "nextHopType": hop, "provisioningState": "Succeeded"},
                       "type": "Microsoft.Network/routeTables/routes"} for name, prefix, hop, hop_ip in t["routes"]]
            props = {"disableBgpRoutePropagation": False, "provisioningState": "Succeeded",
                     "resourceGuid": self.ids.guid(), "routes": routes}
            if t["subnets"]:
                props["subnets"] = [{"id": s} for s in t["subnets"]]
            self.rows.append(_row(table_id, t["name"], "Microsoft.Network/routeTables", t["location"], props))

    # --- role assignments -----------------------------------------------------------------------
    def role_rows(self, count: int) -> None:
        custom = []
        for n in range(max(1, count // 1000)):
            guid = self.ids.guid()
            scope = "/providers/Microsoft.Management/managementGroups/mg-platform"
            custom.append(f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}")
            self.rows.append(_row(custom[-1], guid, "Microsoft.Authorization/roleDefinitions", "", {
                "assignableScopes": [scope], "createdOn": "2025-02-11T09:30:12.4419275Z",
                "description": "Read-only view of the platform's networks.",
                "permissions": [{"actions": ["Microsoft.Network/*/read"] if n % 2 == 0 else
                                 ["Microsoft.Network/virtualNetworks/subnets/join/action",
                                  "Microsoft.Network/virtualNetworks/subnets/read"],
                                 "dataActions": [], "notActions": [], "notDataActions": []}],
                "roleName": f"Contoso Network Role {n:02d}", "type": "CustomRole",
                "updatedOn": "2025-02-11T09:30:12.4419275Z"}))
        groups = [self.ids.guid() for _ in range(50)]
        wanted = list(self.principals[:count])
        mgs = sorted({link[0] for chain in self.mg_of_sub.values() for link in chain[:-1]})
        while len(wanted) < count:
            roll = self.rng.random()
            principal = self.rng.choice(groups) if roll < 0.7 else self.ids.guid()
            if roll < 0.03 and mgs:
                scope = f"/providers/Microsoft.Management/managementGroups/{self.rng.choice(mgs)}"
                role = self.rng.choice(custom + [READER])
            elif roll < 0.6:
                scope = f"/subscriptions/{self.rng.choice(self.subs)}"
                role = self.rng.choice([READER, READER, CONTRIBUTOR, OWNER])
            else:
                vnet = self.rng.choice(self.vnets)
                scope = f"/subscriptions/{vnet.sub}/resourceGroups/{vnet.rg}"
                role = self.rng.choice([NETWORK_CONTRIBUTOR, CONTRIBUTOR, READER])
            wanted.append((principal, scope, role))
        for n, (principal, scope, role) in enumerate(wanted):
            guid = self.ids.guid()
            assignment_id = f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}"
            if role.startswith("/"):
                role_id = role
            elif n % 40 == 0:
                role_id = f"/providers/Microsoft.Authorization/roleDefinitions/{role}"  # the bare form
            else:
                sub = scope.split("/")[2] if scope.startswith("/subscriptions/") else self.subs[0]
                role_id = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role}"
            created = f"2024-{n % 12 + 1:02d}-{n % 28 + 1:02d}T09:41:27.0000000Z"
            self.rows.append(_row(assignment_id, guid, "Microsoft.Authorization/roleAssignments", "", {
                "condition": None, "conditionVersion": None, "createdBy": self.ids.guid(), "createdOn": created,
                "delegatedManagedIdentityResourceId": None, "description": None, "principalId": principal,
                "principalType": "Group" if principal in groups else "ServicePrincipal", "roleDefinitionId": role_id,
                "scope": scope, "updatedBy": None, "updatedOn": created}))

    # --- the whole tenant -----------------------------------------------------------------------
    def build(self) -> list[dict]:
        c, rng = self.c, self.rng
        self.management_groups()
        managed_clusters = c["clusters"] // 20  # AKS-managed VNets (count in the VNet budget)
        byo = c["clusters"] - managed_clusters
        hub_count = max(1, -(-(c["vnets"] - managed_clusters) // 450))
        hubs = self.hubs(hub_count)
        self.default_firewall_ip = hubs[0].firewall_ip
        workload_subs = self.subs[max(1, len(self.subs) // 100):] or self.subs
        spokes_total = max(0, c["vnets"] - hub_count - managed_clusters)
        spokes: list[_Vnet] = []
        for n in range(spokes_total):
            sub = workload_subs[n % len(workload_subs)]
            location = LOCATIONS[rng.randrange(len(LOCATIONS))]
            spokes.append(self.new_vnet(sub, f"rg-network-{n:05d}", f"vnet-spoke-{n:05d}", location))
        # clusters: BYO ones in spokes (some spokes host two: shared kubenet route tables); the rest AKS-managed
        clusters = []
        cluster_spokes = spokes[: max(1, len(spokes) * 7 // 10)] if spokes else []
        host = 0
        index = 0
        while index < byo and cluster_spokes:
            vnet = cluster_spokes[host % len(cluster_spokes)]
            host += 1
            family = FAMILIES[index % len(FAMILIES)]
            if family == "kubenet" and index + 1 < byo and FAMILIES[(index + 1) % len(FAMILIES)] == "kubenet" \
                    and rng.random() < 0.3:
                shared = self.new_route_table(vnet.sub, vnet.rg, f"rt-{vnet.name}-kubenet-shared", vnet.location, [])
                clusters.append(self.cluster(index, vnet.sub, vnet, shared))
                clusters.append(self.cluster(index + 1, vnet.sub, vnet, shared))
                index += 2
                continue
            clusters.append(self.cluster(index, vnet.sub, vnet, None))
            index += 1
        for n in range(c["clusters"] - len(clusters)):
            clusters.append(self.cluster(index + n, workload_subs[(index + n) % len(workload_subs)], None, None))
        self.rows.extend(clusters)
        # peerings: most spokes to a hub (both directions), a few spoke-to-spoke
        for n, spoke in enumerate(spokes):
            if rng.random() < 0.88:
                self.peer(spoke, hubs[n % len(hubs)])
            if n % 97 == 13 and n + 1 < len(spokes):
                self.peer(spoke, spokes[n + 1])
        # the other subnets, to the subnet budget (every spoke has at least one)
        have = sum(len(v.subnets) for v in self.vnets)
        left = max(0, c["subnets"] - have)
        fillers: list[dict] = []
        kinds = ["snet-app", "snet-data", "snet-private-endpoints", "snet-vms", "snet-web", "snet-integration"]
        order = spokes or hubs
        cursor = misses = 0
        while left > 0 and misses < len(order):
            vnet = order[cursor % len(order)]
            cursor += 1
            name = f"{kinds[len(vnet.subnets) % len(kinds)]}-{len(vnet.subnets):02d}"
            subnet = vnet.subnet(name, 25 if len(vnet.subnets) < 8 else 27)
            if subnet is None:
                misses += 1
                continue
            misses = 0
            if name.startswith("snet-vms") or rng.random() < 0.2:
                subnet["properties"]["ipConfigurations"] = [
                    {"id": _net_id(vnet.sub, vnet.rg, "networkInterfaces", f"nic-{vnet.name[11:]}-{k}")
                     + "/ipConfigurations/ipconfig1"} for k in range(rng.randint(1, 4))]
            fillers.append((vnet, subnet))
            left -= 1
        # NSGs for the other subnets, to the NSG budget (grouped by VNet: shared NSGs), then unattached ones
        nsg_left = max(0, c["nsgs"] - len(self.nsg_meta))
        by_vnet: dict[str, list] = defaultdict(list)
        for vnet, subnet in fillers:
            by_vnet[vnet.id].append((vnet, subnet))
        ratio = min(1.0, nsg_left / max(1, len(fillers)))
        carry = 0.0
        for group in by_vnet.values():
            carry += ratio * len(group)
            make = min(len(group), int(carry), nsg_left)
            carry -= make
            for k in range(make):
                vnet = group[0][0]
                self.new_nsg(vnet.sub, vnet.rg, f"nsg-{vnet.name[5:]}-{k:02d}", vnet.location)
            ids = list(self.nsg_meta)[-make:] if make else []
            for k, (_, subnet) in enumerate(group if ids else []):
                self.attach_nsg(subnet, ids[k % len(ids)])
            nsg_left -= make
        for k in range(nsg_left):
            vnet = spokes[k % len(spokes)] if spokes else hubs[0]
            self.new_nsg(vnet.sub, vnet.rg, f"nsg-{vnet.name[5:]}-unused-{k:05d}", vnet.location)
        # route tables to the budget: egress UDRs shared by the other subnets of a VNet, then unattached ones
        rt_left = max(0, c["route_tables"] - len(self.route_tables))
        for group in by_vnet.values():
            if rt_left <= 0:
                break
            vnet = group[0][0]
            hub_ip = hubs[vnet.base // 256 % len(hubs)].firewall_ip if hubs else "10.1.0.68"
            table = self.new_route_table(vnet.sub, vnet.rg, f"rt-{vnet.name[5:]}-egress", vnet.location,
                                         [("default-to-firewall", "0.0.0.0/0", "VirtualAppliance", hub_ip),
                                          ("onprem", "172.20.0.0/14", "VirtualNetworkGateway", None)])
            rt_left -= 1
            for _, subnet in group:
                if rng.random() < 0.7 and "routeTable" not in subnet["properties"]:
                    self.attach_route_table(subnet, table)
        for k in range(rt_left):
            vnet = spokes[k % len(spokes)] if spokes else hubs[0]
            self.new_route_table(vnet.sub, vnet.rg, f"rt-{vnet.name[5:]}-spare-{k:05d}", vnet.location,
                                 [("blackhole", "10.250.0.0/16", "None", None)])
        # rows: VNets (with subnets and peerings), NSGs, route tables, role assignments
        for vnet in self.vnets:
            self.rows.append(vnet.row())
        self.nsg_rows(c["nsg_rules"])
        self.route_table_rows()
        self.role_rows(c["role_assignments"])
        rng.shuffle(self.rows)  # Resource Graph returns types mixed
        return self.rows


def generate_rows(clusters: int, vnets: int, subnets: int, nsgs: int, nsg_rules: int, route_tables: int,
                  role_assignments: int, subscriptions: int, seed: int = 0) -> list[dict]:
    """The rows of one synthetic tenant (deterministic for the same arguments and seed)."""
    counts = {"clusters": clusters, "vnets": vnets, "subnets": subnets, "nsgs": nsgs, "nsg_rules": nsg_rules,
              "route_tables": route_tables, "role_assignments": role_assignments, "subscriptions": subscriptions}
    return _Tenant(counts, seed).build()


def envelope(rows: list[dict]) -> dict:
    """What `az graph query -o json` prints for a complete result."""
    return {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}


def write(rows: list[dict], out: Path, indent: int | None = None) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        if indent is None:
            json.dump(envelope(rows), handle, separators=(",", ":"))
        else:
            json.dump(envelope(rows), handle, indent=indent, sort_keys=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="reference", choices=["reference", "10", "50"],
                        help="the issue's reference tenant, or 10 / 50 percent of it")
    parser.add_argument("--out", type=Path, required=True, help="file to write (an az graph query envelope)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--indent", type=int, default=None,
                        help="indent as `az` prints (2); default compact, as the REST API sends it")
    for key in REFERENCE:
        parser.add_argument(f"--{key.replace('_', '-')}", type=int, help=f"override the {key} count")
    args = parser.parse_args(argv)
    counts = sized(args.size)
    for key in REFERENCE:
        if getattr(args, key) is not None:
            counts[key] = getattr(args, key)
    rows = generate_rows(**counts, seed=args.seed)
    write(rows, args.out, args.indent)
    print(f"{args.out}: {len(rows)} rows, {args.out.stat().st_size / 1e6:.1f} MB ({counts})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
