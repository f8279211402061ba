"""Lookups built once per snapshot: every view is assembled from these, never by scanning rows.

Each index answers one cross-resource question (who uses this subnet, which subnets sit on this
route table, which connections end at this gateway) in a dict lookup, so building a view stays
proportional to what that view holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from scanner import armid
from scanner.inventory import pools as pool_math
from scanner.inventory.rows import (
    CLUSTER,
    CONNECTION,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    ROUTE_TABLE,
    SUBSCRIPTION,
    VNET,
    VNET_GATEWAY,
    addon,
    as_dict,
    as_list,
    props,
    ref_id,
    text,
)


def plugin_family(network_profile: dict, pools: list[dict]) -> str:
    """RULES.md's network plugin families, from the values Azure returns in any letter case."""
    plugin = (text(network_profile.get("networkPlugin")) or "").lower()
    mode = (text(network_profile.get("networkPluginMode")) or "").lower()
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


def cluster_pools(row: dict) -> list[dict]:
    return [p for p in as_list(props(row).get("agentPoolProfiles")) if isinstance(p, dict)]


def cluster_subnet_refs(row: dict) -> list[tuple[str, str]]:
    """(role, subnet id) for every subnet a cluster names: node, pod and API server subnets."""
    refs = []
    for pool in cluster_pools(row):
        for role, field_name in (("node", "vnetSubnetID"), ("pod", "podSubnetID")):
            if text(pool.get(field_name)):
                refs.append((role, pool[field_name]))
    api_subnet = text(as_dict(props(row).get("apiServerAccessProfile")).get("subnetId"))
    if api_subnet:
        refs.append(("apiserver", api_subnet))
    agic_subnet = text(as_dict(addon(props(row), "ingressApplicationGateway").get("config")).get("subnetId"))
    if agic_subnet:
        refs.append(("agic", agic_subnet))
    virtual_node = text(as_dict(addon(props(row), "aciConnectorLinux").get("config")).get("SubnetName"))
    node_subnet = next((r[1] for r in refs if r[0] == "node"), None)
    if virtual_node and node_subnet:
        refs.append(("virtualNode", f"{armid.parent_of(node_subnet)}/subnets/{virtual_node}"))
    return refs


@dataclass
class Indexes:
    by_id: dict[str, dict] = field(default_factory=dict)
    subnets: dict[str, tuple[dict, dict]] = field(default_factory=dict)  # key → (subnet json, vnet row)
    vnet_subnets: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # vnet key → subnet keys
    subnet_users: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    subnet_demand: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    route_table_subnets: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    node_groups: dict[tuple[str, str], dict] = field(default_factory=dict)  # (sub, rg) lower → cluster row
    node_group_names: set[str] = field(default_factory=set)  # lower-cased, any subscription
    gateways_by_vnet: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    connections_by_gateway: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    assignments_by_principal: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    role_definitions: dict[str, dict] = field(default_factory=dict)  # role GUID lower → row
    management_chains: dict[str, list[str]] = field(default_factory=dict)  # subscription lower → MG names lower
    role_assignments_collected: bool = False
    clusters: list[dict] = field(default_factory=list)


def _index_vnet(idx: Indexes, row: dict) -> None:
    """A VNet's subnets, each under the VNet its own id names (DESIGN.md "Bad input": a subnet listed in
    another VNet's row belongs to the VNet its id names; the VNet's own listing wins over another's)."""
    row_key = armid.key(row["id"])
    for subnet in as_list(props(row).get("subnets")):
        if not isinstance(subnet, dict):
            continue
        subnet_id = text(subnet.get("id")) or f"{row['id']}/subnets/{subnet.get('name', '')}"
        key = armid.key(subnet_id)
        owner = armid.vnet_of_subnet(subnet_id)
        owner_key = armid.key(owner) if owner else row_key
        known = key in idx.subnets
        if owner_key != row_key:
            if known:
                continue
            idx.subnets[key] = (subnet, idx.by_id.get(owner_key))  # None: the VNet it names is not in the input
        else:
            idx.subnets[key] = (subnet, row)
        if not known:
            idx.vnet_subnets[owner_key].append(key)
        table = ref_id(props(subnet).get("routeTable"))
        if table:
            idx.route_table_subnets[armid.key(table)].add(key)


def _index_cluster(idx: Indexes, row: dict) -> None:
    idx.clusters.append(row)
    cluster_props = props(row)
    node_group = text(cluster_props.get("nodeResourceGroup"))
    sub = armid.subscription_of(row["id"])
    if node_group and sub:
        idx.node_groups[(sub.lower(), node_group.lower())] = row
        idx.node_group_names.add(node_group.lower())
    seen: set[tuple[str, str]] = set()
    for role, subnet_id in cluster_subnet_refs(row):
        if (role, armid.key(subnet_id)) in seen:
            continue
        seen.add((role, armid.key(subnet_id)))
        idx.subnet_users[armid.key(subnet_id)].append({"id": row["id"], "name": row.get("name"), "role": role})
    pools = cluster_pools(row)
    family = plugin_family(as_dict(cluster_props.get("networkProfile")), pools)
    for pool in pools:
        subnet_id = text(pool.get("vnetSubnetID"))
        if not subnet_id:
            continue
        nodes = pool_math.max_nodes(pool)
        extra = pool_math.surge(pool, nodes)
        weight = pool_math.address_weight(family, pool)
        known = None not in (nodes, extra, weight)
        idx.subnet_demand[armid.key(subnet_id)].append({
            "cluster": row.get("name"),
            "clusterId": row["id"],
            "pool": pool.get("name"),
            "maxNodes": nodes,
            "surge": extra,
            "addressesPerNode": weight,
            "addresses": (nodes + extra) * weight if known else None,
        })


def _index_gateway(idx: Indexes, row: dict) -> None:
    for config in as_list(props(row).get("ipConfigurations")):
        subnet_id = ref_id(props(config).get("subnet"))
        if subnet_id:
            idx.gateways_by_vnet[armid.key(armid.parent_of(subnet_id))].append(row)
            return


def _index_connection(idx: Indexes, row: dict) -> None:
    for end in ("virtualNetworkGateway1", "virtualNetworkGateway2"):
        gateway = ref_id(props(row).get(end))
        if gateway:
            idx.connections_by_gateway[armid.key(gateway)].append(row)


def _index_role_assignment(idx: Indexes, row: dict) -> None:
    idx.role_assignments_collected = True
    principal = text(props(row).get("principalId"))
    if principal:
        idx.assignments_by_principal[principal.lower()].append(row)


def _index_subscription(idx: Indexes, row: dict) -> None:
    sub = text(row.get("subscriptionId")) or armid.subscription_of(row["id"])
    chain = props(row).get("managementGroupAncestorsChain")
    if sub and isinstance(chain, list):
        names = [text(as_dict(link).get("name")) for link in chain]
        idx.management_chains[sub.lower()] = [n.lower() for n in names if n]


def build_indexes(rows: list[dict]) -> Indexes:
    idx = Indexes()
    for row in rows:
        idx.by_id[armid.key(row["id"])] = row
    handlers = {
        VNET: _index_vnet,
        CLUSTER: _index_cluster,
        VNET_GATEWAY: _index_gateway,
        CONNECTION: _index_connection,
        ROLE_ASSIGNMENT: _index_role_assignment,
        SUBSCRIPTION: _index_subscription,
    }
    for row in rows:
        kind = row["type"].lower()
        if kind in handlers:
            handlers[kind](idx, row)
        elif kind == ROUTE_TABLE:
            for subnet in as_list(props(row).get("subnets")):
                if ref_id(subnet):
                    idx.route_table_subnets[armid.key(row["id"])].add(armid.key(subnet["id"]))
        elif kind == ROLE_DEFINITION:
            idx.role_assignments_collected = True
            idx.role_definitions[armid.name_of(row["id"]).lower()] = row
    return idx
