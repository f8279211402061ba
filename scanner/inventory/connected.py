"""Connected networks of a VNet (RULES.md "Terms"): peerings, gateways, on-premises ranges, BGP.

Overlap rules read every peering whatever its state (a pending peering connects later); the
`VirtualNetwork` service tag reads `Connected` peerings only. A gateway that learns routes over
BGP brings prefixes no row holds: without the scan parameter `onprem_prefixes` the view says so
in `undecided`, naming the gateway, so the rules that compare against connected networks give
`error` instead of a pass that was never checked.
"""

from __future__ import annotations

from scanner import armid
from scanner.inventory.indexes import Indexes
from scanner.inventory.rows import (
    LOCAL_GATEWAY,
    VNET,
    address_prefixes,
    as_list,
    lower,
    props,
    ref_id,
    text,
)

ROUTE_SERVER_SUBNET = "routeserversubnet"


def _peerings(vnet_row: dict) -> list[dict]:
    out = []
    for peering in as_list(props(vnet_row).get("virtualNetworkPeerings")):
        p = props(peering)
        remote = ref_id(p.get("remoteVirtualNetwork"))
        out.append({
            "name": text(peering.get("name")) if isinstance(peering, dict) else None,
            "remoteId": remote,
            "remoteName": armid.name_of(remote) if remote else None,
            "remoteAddressSpace": address_prefixes(p.get("remoteAddressSpace")),
            "state": text(p.get("peeringState")),
            "connected": lower(p.get("peeringState")) == "connected",
            "allowGatewayTransit": p.get("allowGatewayTransit") is True,
            "useRemoteGateways": p.get("useRemoteGateways") is True,
            "toVirtualHub": "/virtualhubs/" in (remote or "").lower(),
        })
    return out


def _route_server(idx: Indexes, vnet_key: str) -> str | None:
    """A Route Server sits in the VNet's RouteServerSubnet, whose IP configurations belong to a virtual hub."""
    for subnet_key in idx.vnet_subnets.get(vnet_key, []):
        subnet, _ = idx.subnets[subnet_key]
        if (text(subnet.get("name")) or "").lower() != ROUTE_SERVER_SUBNET:
            continue
        for config in as_list(props(subnet).get("ipConfigurations")):
            config_id = ref_id(config) or ""
            if "/virtualhubs/" in config_id.lower():
                return config_id.split("/ipConfigurations/")[0].split("/ipconfigurations/")[0]
    return None


class ConnectedNetworks:
    """Connected networks per VNet, computed once per (VNet, onprem_prefixes) and shared by reference."""

    def __init__(self, idx: Indexes, onprem_prefixes: list[str]):
        self.idx = idx
        self.onprem_prefixes = list(onprem_prefixes)
        self._cache: dict[str, dict] = {}

    def of(self, vnet_id: str) -> dict:
        key = armid.key(vnet_id)
        if key not in self._cache:
            self._cache[key] = self._build(key)
        return self._cache[key]

    def _gateway_view(self, gateway: dict, via: str | None) -> dict:
        p = props(gateway)
        kind = text(p.get("gatewayType"))
        return {
            "id": gateway["id"],
            "name": gateway.get("name"),
            "gatewayType": kind,
            "bgp": (kind or "").lower() == "expressroute" or p.get("enableBgp") is True,
            "via": via,
        }

    def _local_ranges(self, gateway: dict, missing: list[dict]) -> list[dict]:
        out = []
        for connection in self.idx.connections_by_gateway.get(armid.key(gateway["id"]), []):
            local_id = ref_id(props(connection).get("localNetworkGateway2"))
            if not local_id:
                continue
            local = self.idx.by_id.get(armid.key(local_id))
            if local is None or local["type"].lower() != LOCAL_GATEWAY:
                missing.append({"kind": "localNetworkGateway", "id": local_id})
                continue
            out.append({
                "localNetworkGateway": local["id"],
                "connection": connection["id"],
                "prefixes": address_prefixes(props(local).get("localNetworkAddressSpace")),
            })
        return out

    def _build(self, vnet_key: str) -> dict:
        row = self.idx.by_id.get(vnet_key)
        peerings = _peerings(row) if row else []
        missing: list[dict] = []
        gateways = [self._gateway_view(g, None) for g in self.idx.gateways_by_vnet.get(vnet_key, [])]
        bgp: list[dict] = []
        route_servers = [(_route_server(self.idx, vnet_key), None)]
        for peering in peerings:
            if peering["toVirtualHub"]:
                bgp.append({"id": peering["remoteId"], "name": peering["remoteName"], "kind": "Virtual WAN hub",
                            "via": peering["name"]})
            if not peering["useRemoteGateways"] or not peering["remoteId"]:
                continue
            hub = self.idx.by_id.get(armid.key(peering["remoteId"]))
            if hub is None or hub["type"].lower() != VNET:
                if not peering["toVirtualHub"]:
                    missing.append({"kind": "virtualNetwork", "id": peering["remoteId"],
                                    "why": f"peering {peering['name']} uses the remote VNet's gateways"})
                continue
            back = [p for p in _peerings(hub) if armid.key(p["remoteId"]) == vnet_key]
            if any(p["allowGatewayTransit"] for p in back):
                hub_key = armid.key(hub["id"])
                gateways += [self._gateway_view(g, peering["name"]) for g in self.idx.gateways_by_vnet.get(hub_key, [])]
                route_servers.append((_route_server(self.idx, hub_key), peering["name"]))
        onprem = []
        for gateway in gateways:
            ranges = self._local_ranges(self.idx.by_id[armid.key(gateway["id"])], missing)
            gateway["localNetworks"] = ranges
            onprem += [prefix for entry in ranges for prefix in entry["prefixes"]]
            if gateway["bgp"]:
                kind = "ExpressRoute gateway" if (gateway["gatewayType"] or "").lower() == "expressroute" \
                    else "BGP-enabled VPN gateway"
                bgp.append({"id": gateway["id"], "name": gateway["name"], "kind": kind, "via": gateway["via"]})
        for server, via in route_servers:
            if server:
                bgp.append({"id": server, "name": armid.name_of(server), "kind": "Azure Route Server", "via": via})
        undecided = [f"peering {p['name'] or '(unnamed)'} to {p['remoteId'] or '(no remote VNet)'} has no "
                     "remoteAddressSpace in its row: the peered range is unknown"
                     for p in peerings if not p["remoteAddressSpace"]]
        if bgp and not self.onprem_prefixes:
            undecided += [f"{b['kind']} {b['name']} ({b['id']}) learns routes over BGP that Resource Graph cannot "
                          "show: set the scan parameter onprem_prefixes" for b in bgp]
        learned = self.onprem_prefixes if bgp else []
        peered = [prefix for p in peerings for prefix in p["remoteAddressSpace"]]
        tag_peered = [prefix for p in peerings if p["connected"] for prefix in p["remoteAddressSpace"]]
        return {
            "peerings": peerings,
            "gateways": gateways,
            "bgp": bgp,
            "onpremPrefixes": list(dict.fromkeys(onprem + learned)),
            "prefixes": list(dict.fromkeys(peered + onprem + learned)),
            "tagPrefixes": list(dict.fromkeys(tag_peered + onprem + learned)),
            "missing": missing,
            "undecided": undecided + [f"{m['kind']} {m['id']} is not in the input" + (f" ({m['why']})" if m.get("why")
                                      else "") for m in missing],
        }
