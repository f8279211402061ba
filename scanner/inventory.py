"""Inventory: one snapshot indexed by ARM id, relations resolved once, into subject views for rules.

Rules stay declarative because every join happens here, in Python, over dict indexes: a rule only
navigates a cluster view with JMESPath. A view is a plain dict (the contract rule authors read is
rules/README.md). A reference to something the input lacks stays in the view with
`inScope: false` and is listed under `missing`, so a rule can say `error` instead of passing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from scanner import armid
from scanner.collect.snapshot import Snapshot
from scanner.netmath import parse_network

CLUSTER = "microsoft.containerservice/managedclusters"
VNET = "microsoft.network/virtualnetworks"
NSG = "microsoft.network/networksecuritygroups"
ROUTE_TABLE = "microsoft.network/routetables"

HOST_VIRTUAL_IP = "168.63.129.16/32"
PEERING_NOTE = "peered VNets and on-premises ranges are not part of VirtualNetwork yet (own address space only)"


def _props(row: dict | None) -> dict:
    value = (row or {}).get("properties")
    return value if isinstance(value, dict) else {}


def _dict(value: object) -> dict:
    """Rows are untrusted: a field that should be an object but is not reads as absent."""
    return value if isinstance(value, dict) else {}


def _lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and value else None


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _subnet_prefixes(subnet_props: dict) -> list[str]:
    prefixes = [p for p in _list(subnet_props.get("addressPrefixes")) if isinstance(p, str)]
    single = subnet_props.get("addressPrefix")
    if isinstance(single, str) and single and single not in prefixes:
        prefixes.insert(0, single)
    return prefixes


def plugin_family(network_profile: dict, pools: list[dict]) -> str:
    """RULES.md's network plugin families, from the values Azure returns in any letter case."""
    plugin = _lower(network_profile.get("networkPlugin"))
    mode = _lower(network_profile.get("networkPluginMode"))
    if plugin == "kubenet":
        return "kubenet"
    if plugin == "none":
        return "byocni"
    if plugin == "azure":
        if mode == "overlay":
            return "overlay"
        if any(pool.get("podSubnetID") for pool in pools):
            return "podsubnet"
        return "traditional"
    return "unknown"


@dataclass
class _Indexes:
    """Lookups built once per snapshot; every view is assembled from these without scanning rows."""

    by_id: dict[str, dict] = field(default_factory=dict)
    subnets: dict[str, tuple[dict, dict]] = field(default_factory=dict)  # key → (subnet json, vnet row)
    subnet_users: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    route_table_subnets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    node_groups: dict[tuple[str, str], dict] = field(default_factory=dict)  # (sub, rg) lower → cluster row
    node_group_names: set[str] = field(default_factory=set)  # lower-cased, any subscription


@dataclass
class Inventory:
    """The snapshot's rows by lower-cased id, plus one subject view per cluster."""

    rows_by_id: dict[str, dict]
    clusters: list[dict]
    resource_counts: dict[str, int]
    kube_clusters: list[str]

    def views(self, subject: str) -> list[dict]:
        if subject != "cluster":
            raise ValueError(f"unknown subject {subject!r}")
        return self.clusters


def _cluster_subnet_refs(row: dict) -> list[tuple[str, str]]:
    """(role, subnet id) for every subnet a cluster names: node, pod and API server subnets."""
    props = _props(row)
    refs = []
    for pool in filter(None, map(_dict, _list(props.get("agentPoolProfiles")))):
        for role, field_name in (("node", "vnetSubnetID"), ("pod", "podSubnetID")):
            if isinstance(pool.get(field_name), str) and pool[field_name]:
                refs.append((role, pool[field_name]))
    api_subnet = _dict(props.get("apiServerAccessProfile")).get("subnetId")
    if isinstance(api_subnet, str) and api_subnet:
        refs.append(("apiserver", api_subnet))
    return refs


def _index(rows: list[dict]) -> _Indexes:
    idx = _Indexes()
    for row in rows:
        idx.by_id[armid.key(row["id"])] = row
    for row in rows:
        kind = row["type"].lower()
        if kind == VNET:
            for subnet in _list(_props(row).get("subnets")):
                if not isinstance(subnet, dict):
                    continue
                subnet_id = subnet.get("id") or f"{row['id']}/subnets/{subnet.get('name', '')}"
                idx.subnets[armid.key(subnet_id)] = (subnet, row)
                table = _dict(_props(subnet).get("routeTable")).get("id")
                if table:
                    idx.route_table_subnets[armid.key(table)].add(armid.key(subnet_id))
        elif kind == ROUTE_TABLE:
            for subnet in _list(_props(row).get("subnets")):
                if isinstance(subnet, dict) and subnet.get("id"):
                    idx.route_table_subnets[armid.key(row["id"])].add(armid.key(subnet["id"]))
        elif kind == CLUSTER:
            node_group = _props(row).get("nodeResourceGroup")
            sub = armid.subscription_of(row["id"])
            if isinstance(node_group, str) and sub:
                idx.node_groups[(sub.lower(), node_group.lower())] = row
                idx.node_group_names.add(node_group.lower())
            seen: set[tuple[str, str]] = set()
            for role, subnet_id in _cluster_subnet_refs(row):
                if (role, armid.key(subnet_id)) in seen:
                    continue
                seen.add((role, armid.key(subnet_id)))
                idx.subnet_users[armid.key(subnet_id)].append(
                    {"id": row["id"], "name": row.get("name"), "role": role}
                )
    return idx


class _ViewBuilder:
    """Builds the subject views of one snapshot; knows the indexes, holds no per-cluster state."""

    def __init__(self, idx: _Indexes, kube: dict[str, list[dict]]):
        self.idx = idx
        self.kube = kube
        self._tables: dict[str, dict] = {}

    # --- shared pieces -------------------------------------------------------------------------

    def _ref(self, resource_id: str, kind: str) -> dict:
        row = self.idx.by_id.get(armid.key(resource_id))
        return {
            "id": row["id"] if row else resource_id,
            "name": (row or {}).get("name") or armid.name_of(resource_id),
            "resourceGroup": armid.resource_group_of(resource_id),
            "subscriptionId": armid.subscription_of(resource_id),
            "inScope": row is not None and row["type"].lower() == kind,
        }

    def _foreign_node_groups(self, subnet_props: dict) -> list[str]:
        """Node resource groups of clusters outside the input that this subnet's IP configs point into."""
        foreign = []
        for config in _list(subnet_props.get("ipConfigurations")):
            config_id = _dict(config).get("id") or ""
            group, sub = armid.resource_group_of(config_id), armid.subscription_of(config_id)
            if not group or not sub:
                continue
            is_node_group = group.lower().startswith("mc_") or group.lower() in self.idx.node_group_names
            if is_node_group and (sub.lower(), group.lower()) not in self.idx.node_groups and group not in foreign:
                foreign.append(group)
        return foreign

    def _route_table_users(self, table_id: str) -> dict:
        """Who uses a route table, across the whole input: computed once per table."""
        table_key = armid.key(table_id)
        if table_key in self._tables:
            return self._tables[table_key]
        row = self.idx.by_id.get(table_key)
        subnet_keys = sorted(self.idx.route_table_subnets.get(table_key, set()))
        clusters: dict[str, dict] = {}
        unseen, foreign = [], []
        for subnet_key in subnet_keys:
            for user in self.idx.subnet_users.get(subnet_key, []):
                if user["role"] == "node":
                    clusters.setdefault(armid.key(user["id"]), self._cluster_ref(user["id"]))
            entry = self.idx.subnets.get(subnet_key)
            if entry is None and armid.key(armid.parent_of(subnet_key)) not in self.idx.by_id:
                unseen.append(subnet_key)
            elif self._foreign_node_groups(_props(entry[0])):
                foreign.append(entry[0].get("id") or subnet_key)
        self._tables[table_key] = {
            "routes": _list(_props(row).get("routes")),
            "subnets": subnet_keys,
            "clusters": sorted(clusters.values(), key=lambda c: armid.key(c["id"])),
            "unseenSubnets": unseen,
            "foreignClusterSubnets": foreign,
        }
        return self._tables[table_key]

    def route_table(self, table_id: str, cluster: dict) -> dict:
        view = self._ref(table_id, ROUTE_TABLE)
        view.update(self._route_table_users(table_id))
        node_group = _props(cluster).get("nodeResourceGroup") or ""
        view["customer"] = (view["resourceGroup"] or "").lower() != node_group.lower()
        return view

    def _cluster_ref(self, cluster_id: str) -> dict:
        row = self.idx.by_id[armid.key(cluster_id)]
        return {
            "id": row["id"],
            "name": row.get("name"),
            "subscriptionId": row.get("subscriptionId") or armid.subscription_of(row["id"]),
            "resourceGroup": armid.resource_group_of(row["id"]),
        }

    def _nsg(self, nsg_id: str) -> dict:
        view = self._ref(nsg_id, NSG)
        props = _props(self.idx.by_id.get(armid.key(nsg_id))) if view["inScope"] else {}
        view["securityRules"] = _list(props.get("securityRules"))
        view["defaultSecurityRules"] = _list(props.get("defaultSecurityRules")) or None
        return view

    def _virtual_network_tag(self, vnet: dict, table: dict | None, pod_cidrs: list[str]) -> dict:
        """What the VirtualNetwork service tag holds for one subnet (RULES.md, NSG semantics)."""
        prefixes = list(vnet.get("addressPrefixes", [])) + [HOST_VIRTUAL_IP]
        public_unknown = False
        notes = [PEERING_NOTE]
        if table is not None:
            if not table["inScope"]:
                public_unknown = True
                notes.append(f"route table {table['id']} is not in the input: its route prefixes are unknown")
            for route in table.get("routes", []):
                prefix = _props(route).get("addressPrefix")
                if parse_network(prefix) is not None:
                    prefixes.append(prefix)
                elif isinstance(prefix, str) and prefix:
                    public_unknown = True
                    notes.append(f"route {route.get('name')} targets service tag {prefix}: unknown public addresses")
        prefixes.extend(pod_cidrs)
        return {"prefixes": list(dict.fromkeys(prefixes)), "publicUnknown": public_unknown, "notes": notes}

    def subnet(self, subnet_id: str, cluster: dict, pod_cidrs: list[str]) -> dict:
        entry = self.idx.subnets.get(armid.key(subnet_id))
        subnet_json, vnet_row = entry if entry else ({}, None)
        vnet_id = vnet_row["id"] if vnet_row else armid.parent_of(subnet_id)
        vnet = self._ref(vnet_id, VNET)
        vnet["addressPrefixes"] = _list(_dict(_props(vnet_row).get("addressSpace")).get("addressPrefixes"))
        props = _props(subnet_json)
        missing = []
        if not vnet["inScope"]:
            missing.append({"kind": "virtualNetwork", "id": vnet_id})
        elif entry is None:
            missing.append({"kind": "subnet", "id": subnet_id})
        nsg_id = _dict(props.get("networkSecurityGroup")).get("id")
        nsg = self._nsg(nsg_id) if nsg_id else None
        if nsg and not nsg["inScope"]:
            missing.append({"kind": "networkSecurityGroup", "id": nsg_id})
        table_id = _dict(props.get("routeTable")).get("id")
        table = self.route_table(table_id, cluster) if table_id else None
        if table and not table["inScope"]:
            missing.append({"kind": "routeTable", "id": table_id})
        return {
            "id": subnet_json.get("id") or subnet_id,
            "name": subnet_json.get("name") or armid.name_of(subnet_id),
            "resourceGroup": armid.resource_group_of(subnet_id),
            "inScope": entry is not None,
            "vnet": vnet,
            "prefixes": _subnet_prefixes(props),
            "delegations": [_props(d).get("serviceName") for d in _list(props.get("delegations"))],
            "nsg": nsg,
            "routeTable": table,
            "ipConfigurations": [c.get("id") for c in _list(props.get("ipConfigurations")) if isinstance(c, dict)],
            "privateEndpoints": [p.get("id") for p in _list(props.get("privateEndpoints")) if isinstance(p, dict)],
            "foreignNodeResourceGroups": self._foreign_node_groups(props),
            "clusters": list(self.idx.subnet_users.get(armid.key(subnet_id), [])),
            "virtualNetwork": self._virtual_network_tag(vnet, table, pod_cidrs),
            "missing": missing,
        }

    # --- the cluster view ----------------------------------------------------------------------

    def _kube(self, cluster_key: str) -> dict:
        objects = self.kube.get(cluster_key)
        if objects is None:
            return {"supplied": False, "kinds": [], "configMaps": [], "services": []}

        def brief(obj: dict) -> dict:
            meta = obj.get("metadata") or {}
            return {**obj, "name": meta.get("name"), "namespace": meta.get("namespace")}

        return {
            "supplied": True,
            "kinds": sorted({o["kind"] for o in objects}),
            "configMaps": [brief(o) for o in objects if o["kind"] == "ConfigMap"],
            "services": [brief(o) for o in objects if o["kind"] == "Service"],
        }

    def cluster(self, row: dict) -> dict:
        props = _props(row)
        network = _dict(props.get("networkProfile"))
        pools = [p for p in _list(props.get("agentPoolProfiles")) if isinstance(p, dict)]
        family = plugin_family(network, pools)
        pod_cidrs = _list(network.get("podCidrs")) or ([network["podCidr"]] if network.get("podCidr") else [])
        tag_pod_cidrs = pod_cidrs if family in ("overlay", "kubenet") else []

        def subnets_of(field_name: str) -> list[dict]:
            """Distinct subnets of the pools, each under the spelling its first pool uses."""
            spelled: dict[str, str] = {}
            for pool in pools:
                value = pool.get(field_name)
                if isinstance(value, str) and value:
                    spelled.setdefault(armid.key(value), value)
            return [self.subnet(value, row, tag_pod_cidrs) for value in spelled.values()]

        node_subnets, pod_subnets = subnets_of("vnetSubnetID"), subnets_of("podSubnetID")
        api = _dict(props.get("apiServerAccessProfile"))
        api_subnet_id = api.get("subnetId") if isinstance(api.get("subnetId"), str) else ""
        api_subnet = self.subnet(api_subnet_id, row, tag_pod_cidrs) if api_subnet_id else None
        tables = {armid.key(s["routeTable"]["id"]): s["routeTable"] for s in node_subnets if s["routeTable"]}
        vnets = {armid.key(s["vnet"]["id"]): s["vnet"] for s in node_subnets}
        missing = [m for s in node_subnets + pod_subnets + ([api_subnet] if api_subnet else []) for m in s["missing"]]
        return {
            "id": row["id"],
            "name": row.get("name"),
            "resourceGroup": armid.resource_group_of(row["id"]),
            "subscriptionId": row.get("subscriptionId") or armid.subscription_of(row["id"]),
            "location": row.get("location"),
            "tags": row.get("tags") or {},
            "identity": row.get("identity"),
            "properties": props,
            "nodeResourceGroup": props.get("nodeResourceGroup"),
            "pools": pools,
            "plugin": {
                "name": _lower(network.get("networkPlugin")),
                "mode": _lower(network.get("networkPluginMode")),
                "family": family,
                "policy": _lower(network.get("networkPolicy")) or "none",
                "dataplane": _lower(network.get("networkDataplane")),
            },
            "podCidrs": pod_cidrs,
            "serviceCidrs": _list(network.get("serviceCidrs"))
            or ([network["serviceCidr"]] if network.get("serviceCidr") else []),
            "ipFamilies": _list(network.get("ipFamilies")) or ["IPv4"],
            "managedVnet": not node_subnets,
            "vnet": next(iter(vnets.values()), None),
            "vnets": list(vnets.values()),
            "nodeSubnets": node_subnets,
            "podSubnets": pod_subnets,
            "clusterSubnets": list({armid.key(s["id"]): s for s in node_subnets + pod_subnets}.values()),
            "apiServer": {
                "vnetIntegration": api.get("enableVnetIntegration") is True,
                "privateCluster": api.get("enablePrivateCluster") is True,
                "subnetId": api_subnet_id or None,
                "managedSubnet": not api_subnet_id,
                "subnet": api_subnet,
            },
            "routeTables": list(tables.values()),
            "missing": list({(m["kind"], armid.key(m["id"])): m for m in missing}.values()),
            "kube": self._kube(armid.key(row["id"])),
        }


def build(snapshot: Snapshot) -> Inventory:
    """Index the snapshot and build every cluster's subject view."""
    idx = _index(snapshot.rows)
    builder = _ViewBuilder(idx, snapshot.kube)
    clusters = [builder.cluster(row) for row in snapshot.rows if row["type"].lower() == CLUSTER]
    counts = Counter(row["type"].lower() for row in snapshot.rows)
    return Inventory(
        rows_by_id=idx.by_id,
        clusters=clusters,
        resource_counts=dict(sorted(counts.items())),
        kube_clusters=[c["id"] for c in clusters if c["kube"]["supplied"]],
    )
