"""Candidate API server subnets for `az aks update --enable-apiserver-vnet-integration` (APIMIG-001).

For a cluster not yet VNet-integrated in a bring-your-own VNet, every subnet of the cluster VNet is
assessed by the structural tests of RULES.md APIMIG-001: delegated to
`Microsoft.ContainerService/managedClusters` or undelegated and empty, /28 or larger, used by
nothing but AKS clusters (APISRV-005), and with 9 usable addresses left after 9 per cluster already
using it as API server subnet (APISRV-003). Each assessment says `candidate: true | false | null`
(null: undecided, e.g. an IP configuration in the node resource group of a cluster outside the
scan) with the reasons; the NSG and role checks are the rule's, on the full `subnet` view carried
by every entry that is not excluded.
"""

from __future__ import annotations

from scanner import armid
from scanner.netmath import parse_network, usable_addresses

AKS_DELEGATION = "microsoft.containerservice/managedclusters"
PER_CLUSTER = 9  # addresses each cluster's API server takes (RULES.md APISRV-003)
RESERVED_NAMES = {"gatewaysubnet", "azurefirewallsubnet", "azurefirewallmanagementsubnet", "azurebastionsubnet",
                  "routeserversubnet"}


def _ipv4_prefix(prefixes: list[str]) -> tuple[str | None, bool]:
    """(first IPv4 prefix, whether some prefix could not be read)."""
    unreadable = False
    for prefix in prefixes:
        network = parse_network(prefix)
        if network is None:
            unreadable = True
        elif network.version == 4:
            return prefix, unreadable
    return None, unreadable


def _users_text(users: list[dict]) -> str:
    return ", ".join(f"{u.get('name')} ({u.get('role')} subnet)" for u in users)


def assess(networks, brief: dict, node_group: str | None, pod_cidrs: list[str]) -> dict:
    excluded: list[str] = []
    undecided: list[str] = []
    name = brief.get("name") or armid.name_of(brief["id"])
    delegations = [d for d in brief.get("delegations") or [] if d]
    delegated = [d.lower() for d in delegations] == [AKS_DELEGATION]
    users = brief.get("users") or []
    api_users = [u for u in users if u.get("role") == "apiserver"]
    if (name or "").lower() in RESERVED_NAMES:
        excluded.append(f"the name {name} is reserved for an Azure service")
    if delegations and not delegated:
        excluded.append(f"it is delegated to {', '.join(delegations)}")
    if delegated:
        others = [u for u in users if u.get("role") != "apiserver"]
        if others:
            excluded.append(f"it is used by {_users_text(others)}")
    elif users:
        excluded.append(f"it is not empty: used by {_users_text(users)}")
    prefix, unreadable = _ipv4_prefix(brief.get("prefixes") or [])
    length = parse_network(prefix).prefixlen if prefix else None
    if prefix is None:
        if unreadable or not brief.get("prefixes"):
            undecided.append(f"subnet {name} has no readable IPv4 address prefix")
        else:
            excluded.append("it has no IPv4 prefix")
    elif length > 28:
        excluded.append(f"{prefix} is smaller than /28")
    usable = usable_addresses(prefix) if prefix else None
    needed = PER_CLUSTER * len(api_users)
    left = usable - needed if usable is not None else None
    if left is not None and left < PER_CLUSTER and length <= 28:
        excluded.append(f"{usable} usable addresses with {needed} taken by {len(api_users)} cluster(s) leave {left}, "
                        f"fewer than {PER_CLUSTER}")
    subnet = None
    if not excluded:
        subnet = networks.subnet(brief["id"], node_group, pod_cidrs)
        api_keys = {armid.key(u["id"]) for u in api_users}
        if subnet["privateEndpoints"]:
            excluded.append(f"it holds {len(subnet['privateEndpoints'])} private endpoint(s)")
        if not delegated:
            for label in ("ipConfigurations", "applicationGatewayIPConfigurations", "serviceAssociationLinks"):
                if subnet[label]:
                    excluded.append(f"it is not empty: {len(subnet[label])} {label}")
        else:
            configs = subnet["ipConfigurations"] + subnet["applicationGatewayIPConfigurations"]
            for owner in (networks._owner_of(c) for c in configs):
                if owner["cluster"] and armid.key(owner["cluster"]) in api_keys:
                    continue
                if owner["foreign"]:
                    undecided.append(f"subnet {name} holds {owner['id']}, in node resource group "
                                     f"{owner['nodeResourceGroup']} of a cluster outside the scan")
                else:
                    excluded.append(f"it holds {owner['id']}, which is no scanned cluster's API server using it")
    candidate = False if excluded else (None if undecided else True)
    return {
        "id": brief["id"],
        "name": name,
        "prefixes": brief.get("prefixes") or [],
        "prefix": prefix,
        "delegated": delegated,
        "candidate": candidate,
        "excluded": excluded,
        "undecided": undecided,
        "apiServerClusters": [u.get("name") for u in api_users],
        "usable": usable,
        "needed": needed,
        "left": left,
        "subnet": subnet if candidate is not False else None,
    }


def candidates(networks, vnet: dict | None, node_group: str | None, pod_cidrs: list[str]) -> list[dict] | None:
    """Every subnet of the cluster VNet assessed; null when the VNet is not in the input."""
    if not vnet or not vnet.get("inScope"):
        return None
    return [assess(networks, brief, node_group, pod_cidrs) for brief in vnet.get("subnets") or []]
