"""Subnets, VNets, NSGs, route tables, NAT gateways: the network half of a cluster view.

A reference to something the input lacks stays in the view with `inScope: false` and is listed
under `missing`, so a rule can say `error` instead of passing. Pieces that do not depend on the
cluster asking (route-table users, NSG bodies, VNet summaries, connected networks) are computed
once and shared by reference between views.
"""

from __future__ import annotations

from scanner import armid
from scanner.inventory.connected import ConnectedNetworks
from scanner.inventory.indexes import Indexes
from scanner.inventory.rows import (
    NAT_GATEWAY,
    NSG,
    ROUTE_TABLE,
    VNET,
    address_prefixes,
    as_dict,
    as_list,
    props,
    ref_id,
    subnet_prefixes,
    text,
)
from scanner.netmath import parse_network, usable_addresses

HOST_VIRTUAL_IP = "168.63.129.16/32"


class NetworkViews:
    """Builds subnet, VNet, NSG and route-table views over the indexes of one snapshot."""

    def __init__(self, idx: Indexes, connected: ConnectedNetworks):
        self.idx = idx
        self.connected = connected
        self._tables: dict[str, dict] = {}
        self._vnets: dict[str, dict] = {}
        self._nsgs: dict[str, dict] = {}
        self._demand: dict[str, dict] = {}

    def ref(self, resource_id: str, kind: str) -> dict:
        row = self.idx.by_id.get(armid.key(resource_id))
        return {
            "id": row["id"] if row else resource_id,
            "name": (row or {}).get("name") or armid.name_of(resource_id),
            "resourceGroup": armid.resource_group_of(resource_id),
            "subscriptionId": armid.subscription_of(resource_id),
            "inScope": row is not None and row["type"].lower() == kind,
        }

    def cluster_ref(self, cluster_id: str) -> dict:
        row = self.idx.by_id[armid.key(cluster_id)]
        return {
            "id": row["id"],
            "name": row.get("name"),
            "subscriptionId": row.get("subscriptionId") or armid.subscription_of(row["id"]),
            "resourceGroup": armid.resource_group_of(row["id"]),
        }

    # --- who is on a subnet ---------------------------------------------------------------------

    def _owner_of(self, config_id: str) -> dict:
        """Which node resource group (and so which scanned cluster) an IP configuration lives in."""
        group, sub = armid.resource_group_of(config_id), armid.subscription_of(config_id)
        if not group or not sub:
            return {"id": config_id, "nodeResourceGroup": None, "cluster": None, "foreign": False}
        cluster = self.idx.node_groups.get((sub.lower(), group.lower()))
        low = group.lower()
        node_group = cluster is not None or low.startswith("mc_") or low in self.idx.node_group_names
        return {
            "id": config_id,
            "nodeResourceGroup": group if node_group else None,
            "cluster": cluster["id"] if cluster else None,
            "foreign": node_group and cluster is None,
        }

    def _foreign_node_groups(self, owners: list[dict]) -> list[str]:
        return list(dict.fromkeys(o["nodeResourceGroup"] for o in owners if o["foreign"]))

    def demand(self, subnet_id: str, prefixes: list[str]) -> dict:
        """RULES.md's subnet demand: every pool of every scanned cluster that places nodes here."""
        key = armid.key(subnet_id)
        if key not in self._demand:
            pools = self.idx.subnet_demand.get(key, [])
            amounts = [p["addresses"] for p in pools]
            ipv4 = next((p for p in prefixes if (n := parse_network(p)) is not None and n.version == 4), None)
            self._demand[key] = {
                "pools": pools,
                "needed": None if None in amounts else sum(amounts),
                "unknown": [p for p in pools if p["addresses"] is None],
                "usable": usable_addresses(ipv4) if ipv4 else None,
                "prefix": ipv4,
            }
        return self._demand[key]

    # --- route tables, NSGs, NAT gateways -------------------------------------------------------

    def _route_table_users(self, table_key: str) -> dict:
        if table_key in self._tables:
            return self._tables[table_key]
        row = self.idx.by_id.get(table_key)
        subnet_keys = sorted(self.idx.route_table_subnets.get(table_key, set()))
        clusters: dict[str, dict] = {}
        unseen, foreign = [], []
        for subnet_key in subnet_keys:
            for user in self.idx.subnet_users.get(subnet_key, []):
                if user["role"] == "node":
                    clusters.setdefault(armid.key(user["id"]), self.cluster_ref(user["id"]))
            entry = self.idx.subnets.get(subnet_key)
            if entry is None:
                if armid.key(armid.parent_of(subnet_key)) not in self.idx.by_id:
                    unseen.append(subnet_key)
                continue
            owners = [self._owner_of(c) for c in self._config_ids(props(entry[0]))]
            if self._foreign_node_groups(owners):
                foreign.append(entry[0].get("id") or subnet_key)
        self._tables[table_key] = {
            "routes": as_list(props(row).get("routes")),
            "disableBgpRoutePropagation": props(row).get("disableBgpRoutePropagation"),
            "subnets": subnet_keys,
            "clusters": sorted(clusters.values(), key=lambda c: armid.key(c["id"])),
            "unseenSubnets": unseen,
            "foreignClusterSubnets": foreign,
        }
        return self._tables[table_key]

    def route_table(self, table_id: str, node_resource_group: str | None) -> dict:
        view = self.ref(table_id, ROUTE_TABLE)
        view.update(self._route_table_users(armid.key(table_id)))
        view["customer"] = (view["resourceGroup"] or "").lower() != (node_resource_group or "").lower()
        return view

    def nsg(self, nsg_id: str) -> dict:
        key = armid.key(nsg_id)
        if key not in self._nsgs:
            view = self.ref(nsg_id, NSG)
            p = props(self.idx.by_id.get(key)) if view["inScope"] else {}
            rules = p.get("securityRules")
            view["securityRules"] = rules if isinstance(rules, list) else None  # None: missing or not a list
            view["defaultSecurityRules"] = as_list(p.get("defaultSecurityRules")) or None
            self._nsgs[key] = view
        return self._nsgs[key]

    def nat_gateway(self, nat_id: str) -> dict:
        view = self.ref(nat_id, NAT_GATEWAY)
        row = self.idx.by_id.get(armid.key(nat_id)) if view["inScope"] else None
        view["sku"] = text(as_dict((row or {}).get("sku")).get("name"))
        return view

    # --- VNets ----------------------------------------------------------------------------------

    def vnet(self, vnet_id: str) -> dict:
        """A VNet summary: address space, encryption, peerings, every subnet in brief, connected networks."""
        key = armid.key(vnet_id)
        if key in self._vnets:
            return self._vnets[key]
        view = self.ref(vnet_id, VNET)
        row = self.idx.by_id.get(key) if view["inScope"] else None
        p = props(row)
        encryption = as_dict(p.get("encryption"))
        subnets = []
        for subnet_key in self.idx.vnet_subnets.get(key, []):
            subnet, _ = self.idx.subnets[subnet_key]
            sp = props(subnet)
            subnets.append({
                "id": text(subnet.get("id")) or subnet_key,
                "name": text(subnet.get("name")),
                "prefixes": subnet_prefixes(sp),
                "delegations": [text(props(d).get("serviceName")) for d in as_list(sp.get("delegations"))],
                "users": list(self.idx.subnet_users.get(subnet_key, [])),
                "ipConfigurations": len(as_list(sp.get("ipConfigurations"))),
                "privateEndpoints": len(as_list(sp.get("privateEndpoints"))),
            })
        view.update({
            "addressPrefixes": address_prefixes(p.get("addressSpace")),
            "encryption": encryption.get("enabled") is True,
            "encryptionEnforcement": text(encryption.get("enforcement")),
            "subnets": subnets,
            "connected": self.connected.of(vnet_id) if row else None,
        })
        self._vnets[key] = view
        return view

    # --- subnets --------------------------------------------------------------------------------

    @staticmethod
    def _config_ids(subnet_props: dict) -> list[str]:
        return [c["id"] for c in as_list(subnet_props.get("ipConfigurations")) if ref_id(c)]

    def _virtual_network_tag(self, vnet: dict, table: dict | None, pod_cidrs: list[str]) -> dict:
        """What the VirtualNetwork service tag holds for one subnet (RULES.md, NSG semantics)."""
        connected = vnet.get("connected") or {}
        prefixes = list(vnet.get("addressPrefixes", [])) + list(connected.get("tagPrefixes", [])) + [HOST_VIRTUAL_IP]
        public_unknown = False
        notes = []
        if connected.get("bgp") and not connected.get("onpremPrefixes"):
            notes.append("routes learned over BGP are not included: set the scan parameter onprem_prefixes")
        if table is not None:
            if not table["inScope"]:
                public_unknown = True
                notes.append(f"route table {table['id']} is not in the input: its route prefixes are unknown")
            for route in table.get("routes", []):
                prefix = props(route).get("addressPrefix")
                if parse_network(prefix) is not None:
                    prefixes.append(prefix)
                elif isinstance(prefix, str) and prefix:
                    public_unknown = True
                    notes.append(f"route {route.get('name')} targets service tag {prefix}: unknown public addresses")
        prefixes.extend(pod_cidrs)
        return {"prefixes": list(dict.fromkeys(prefixes)), "publicUnknown": public_unknown, "notes": notes}

    def subnet(self, subnet_id: str, node_resource_group: str | None, pod_cidrs: list[str]) -> dict:
        entry = self.idx.subnets.get(armid.key(subnet_id))
        subnet_json, vnet_row = entry if entry else ({}, None)
        vnet = self.vnet(vnet_row["id"] if vnet_row else armid.parent_of(subnet_id))
        p = props(subnet_json)
        missing = []
        if not vnet["inScope"]:
            missing.append({"kind": "virtualNetwork", "id": vnet["id"]})
        elif entry is None:
            missing.append({"kind": "subnet", "id": subnet_id})
        nsg_id = ref_id(p.get("networkSecurityGroup"))
        nsg = self.nsg(nsg_id) if nsg_id else None
        if nsg and not nsg["inScope"]:
            missing.append({"kind": "networkSecurityGroup", "id": nsg_id})
        table_id = ref_id(p.get("routeTable"))
        table = self.route_table(table_id, node_resource_group) if table_id else None
        if table and not table["inScope"]:
            missing.append({"kind": "routeTable", "id": table_id})
        nat_id = ref_id(p.get("natGateway"))
        nat = self.nat_gateway(nat_id) if nat_id else None
        owners = [self._owner_of(c) for c in self._config_ids(p)]
        prefixes = subnet_prefixes(p)
        return {
            "id": text(subnet_json.get("id")) or subnet_id,
            "name": text(subnet_json.get("name")) or armid.name_of(subnet_id),
            "resourceGroup": armid.resource_group_of(subnet_id),
            "inScope": entry is not None,
            "vnet": vnet,
            "prefixes": prefixes,
            "delegations": [text(props(d).get("serviceName")) for d in as_list(p.get("delegations"))],
            "nsg": nsg,
            "routeTable": table,
            "natGateway": nat,
            "ipConfigurations": [o["id"] for o in owners],
            "ipConfigurationOwners": owners,
            "privateEndpoints": [e["id"] for e in as_list(p.get("privateEndpoints")) if ref_id(e)],
            "applicationGatewayIPConfigurations": [
                c["id"] for c in as_list(p.get("applicationGatewayIPConfigurations")) if ref_id(c)],
            "applicationGatewayIPConfigurationOwners": [
                self._owner_of(c["id"]) for c in as_list(p.get("applicationGatewayIPConfigurations")) if ref_id(c)],
            "serviceAssociationLinks": [text(props(s).get("linkedResourceType"))
                                        for s in as_list(p.get("serviceAssociationLinks"))],
            "foreignNodeResourceGroups": self._foreign_node_groups(owners),
            "clusters": list(self.idx.subnet_users.get(armid.key(subnet_id), [])),
            "demand": self.demand(subnet_id, prefixes),
            "virtualNetwork": self._virtual_network_tag(vnet, table, pod_cidrs),
            "missing": missing,
        }
