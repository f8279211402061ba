"""The cluster view: one plain dict per cluster with every related resource joined in.

Rules navigate it with JMESPath (the contract is rules/README.md). Per-cluster work several rules
share (pool numbers, the subnets and their NSGs, connected networks, the identity's assignments)
is done here once, so a rule reads a field instead of recomputing it.
"""

from __future__ import annotations

from scanner import armid
from scanner.inventory import apiserver_candidates, identity, pools
from scanner.inventory.indexes import Indexes, cluster_pools, plugin_family
from scanner.inventory.kube import kube_view
from scanner.inventory.networks import NetworkViews
from scanner.inventory.rows import APP_GATEWAY, addon, as_dict, as_list, lower, props, ref_id, text


def _pod_cidrs(network: dict) -> list[str]:
    listed = [c for c in as_list(network.get("podCidrs")) if isinstance(c, str)]
    return listed or ([network["podCidr"]] if text(network.get("podCidr")) else [])


def _service_cidrs(network: dict) -> list[str]:
    listed = [c for c in as_list(network.get("serviceCidrs")) if isinstance(c, str)]
    return listed or ([network["serviceCidr"]] if text(network.get("serviceCidr")) else [])


def _sum(values: list) -> int | None:
    return None if None in values else sum(values)


class ClusterViews:
    def __init__(self, idx: Indexes, networks: NetworkViews, kube: dict[str, list[dict]], parameters: dict):
        self.idx = idx
        self.networks = networks
        self.kube = kube
        self.sp_object_ids = parameters.get("sp_object_ids") or {}

    def _subnets(self, pool_views: list[dict], field_name: str, node_group: str | None, tag_pods: list[str]) -> list:
        """Distinct subnets of the pools, each under the spelling its first pool uses."""
        spelled: dict[str, str] = {}
        for pool in pool_views:
            value = text(pool.get(field_name))
            if value:
                spelled.setdefault(armid.key(value), value)
        return [self.networks.subnet(value, node_group, tag_pods) for value in spelled.values()]

    def _agic(self, cluster_props: dict, vnet: dict | None, node_group: str | None) -> dict:
        """The Application Gateway subnet in OVERLAY-006's order: subnetCIDR, subnetId, the gateway's subnet."""
        profile = addon(cluster_props, "ingressApplicationGateway")
        config = as_dict(profile.get("config"))
        view = {"enabled": profile.get("enabled") is True, "config": config, "source": None, "prefixes": [],
                "subnet": None, "gateway": None, "missing": []}
        if not view["enabled"]:
            return view
        subnet_id = text(config.get("subnetId"))
        if text(config.get("subnetCIDR")):
            return {**view, "source": "config.subnetCIDR", "prefixes": [config["subnetCIDR"]]}
        gateway_id = text(config.get("effectiveApplicationGatewayId")) or text(config.get("applicationGatewayId"))
        if not subnet_id and gateway_id:
            view["gateway"] = self.networks.ref(gateway_id, APP_GATEWAY)
            row = self.idx.by_id.get(armid.key(gateway_id)) if view["gateway"]["inScope"] else None
            if row is None:
                view["missing"].append({"kind": "applicationGateway", "id": gateway_id})
                return {**view, "source": "config.effectiveApplicationGatewayId"}
            configs = as_list(props(row).get("gatewayIPConfigurations"))
            subnet_id = next((ref_id(props(c).get("subnet")) for c in configs if ref_id(props(c).get("subnet"))), None)
            view["source"] = "config.effectiveApplicationGatewayId"
        elif subnet_id:
            view["source"] = "config.subnetId"
        if not subnet_id:
            view["missing"].append({"kind": "applicationGatewaySubnet", "id": gateway_id or "(no subnet configured)"})
            return view
        subnet = self.networks.subnet(subnet_id, node_group, [])
        view["missing"] += subnet["missing"]
        return {**view, "subnet": subnet, "prefixes": subnet["prefixes"]}

    def cluster(self, row: dict) -> dict:
        p = props(row)
        network = as_dict(p.get("networkProfile"))
        raw_pools = cluster_pools(row)
        pool_views = [pools.pool_view(pool) for pool in raw_pools]
        family = plugin_family(network, raw_pools)
        pod_cidrs = _pod_cidrs(network)
        tag_pods = pod_cidrs if family in ("overlay", "kubenet") else []
        node_group = text(p.get("nodeResourceGroup"))
        node_subnets = self._subnets(pool_views, "vnetSubnetID", node_group, tag_pods)
        pod_subnets = self._subnets(pool_views, "podSubnetID", node_group, tag_pods)
        api = as_dict(p.get("apiServerAccessProfile"))
        api_subnet_id = text(api.get("subnetId")) or ""
        api_subnet = self.networks.subnet(api_subnet_id, node_group, tag_pods) if api_subnet_id else None
        tables = {armid.key(s["routeTable"]["id"]): s["routeTable"] for s in node_subnets if s["routeTable"]}
        vnets = {armid.key(s["vnet"]["id"]): s["vnet"] for s in node_subnets}
        vnet = next(iter(vnets.values()), None)
        agic = self._agic(p, vnet, node_group)
        missing = [m for s in node_subnets + pod_subnets + ([api_subnet] if api_subnet else []) for m in s["missing"]]
        connected = (vnet or {}).get("connected") or None
        # APIMIG-001: only for clusters not yet VNet-integrated in a bring-your-own VNet
        api_candidates = (apiserver_candidates.candidates(self.networks, vnet, node_group, tag_pods)
                          if node_subnets and api.get("enableVnetIntegration") is not True else None)
        if connected:
            missing += connected["missing"]
        return {
            "id": row["id"],
            "name": row.get("name"),
            "resourceGroup": armid.resource_group_of(row["id"]),
            "subscriptionId": row.get("subscriptionId") or armid.subscription_of(row["id"]),
            "location": row.get("location"),
            "tags": row.get("tags") if isinstance(row.get("tags"), dict) else {},
            "identity": row.get("identity"),
            "sku": row.get("sku"),
            "properties": p,
            "nodeResourceGroup": node_group,
            "kubernetesVersion": text(p.get("currentKubernetesVersion")) or text(p.get("kubernetesVersion")),
            # None when agentPoolProfiles is missing or not a list: no pool is known (every cluster has one), so
            # the rules that add up pools give error instead of summing nothing
            "pools": pool_views if isinstance(p.get("agentPoolProfiles"), list) else None,
            "scale": {
                "maxNodes": _sum([pv["maxNodes"] for pv in pool_views]),
                "reachableNodes": _sum([pv["reachableNodes"] for pv in pool_views]),
            },
            "network": network,
            "plugin": {
                "name": lower(network.get("networkPlugin")),
                "mode": lower(network.get("networkPluginMode")),
                "family": family,
                "policy": lower(network.get("networkPolicy")) or "none",
                "dataplane": lower(network.get("networkDataplane")),
            },
            "outboundType": lower(network.get("outboundType")),
            "loadBalancerSku": lower(network.get("loadBalancerSku")),
            "podCidrs": pod_cidrs,
            "serviceCidrs": _service_cidrs(network),
            "dnsServiceIP": text(network.get("dnsServiceIP")),
            "ipFamilies": [f for f in as_list(network.get("ipFamilies")) if isinstance(f, str)] or ["IPv4"],
            "managedVnet": not node_subnets,
            "vnet": vnet,
            "vnets": list(vnets.values()),
            "connected": connected,
            "nodeSubnets": node_subnets,
            "nodeSubnetIds": [armid.key(s["id"]) for s in node_subnets],
            "podSubnets": pod_subnets,
            "clusterSubnets": list({armid.key(s["id"]): s for s in node_subnets + pod_subnets}.values()),
            "apiServer": {
                "vnetIntegration": api.get("enableVnetIntegration") is True,
                "privateCluster": api.get("enablePrivateCluster") is True,
                "subnetId": api_subnet_id or None,
                "managedSubnet": not api_subnet_id,
                "subnet": api_subnet,
                "authorizedIPRanges": [r for r in as_list(api.get("authorizedIPRanges")) if isinstance(r, str)],
            },
            "apiServerCandidates": api_candidates,
            "addons": {k.lower(): v for k, v in as_dict(p.get("addonProfiles")).items() if isinstance(v, dict)},
            "agic": agic,
            "routeTables": list(tables.values()),
            "controlPlaneIdentity": identity.control_plane(self.idx, row, self.sp_object_ids),
            "missing": list({(m["kind"], armid.key(m["id"])): m for m in missing}.values()),
            "kube": kube_view(self.kube.get(armid.key(row["id"]))),
            "unreadable": _unreadable(row, p),
        }


def _unreadable(row: dict, p: dict) -> list[str]:
    """The cluster's structural fields that are there but of the wrong type: with them, a rule whose `when`
    is false cannot tell that it does not apply (the engine gives error, not not_applicable)."""
    if not isinstance(row.get("properties"), dict):
        return ["properties"]
    return [f"properties.{name}" for name, kind in (("networkProfile", dict), ("agentPoolProfiles", list))
            if p.get(name) is not None and not isinstance(p[name], kind)]
