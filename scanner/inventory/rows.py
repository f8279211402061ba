"""Reading untrusted Resource Graph rows: a field of the wrong JSON type reads as absent, never raises."""

from __future__ import annotations

CLUSTER = "microsoft.containerservice/managedclusters"
VNET = "microsoft.network/virtualnetworks"
NSG = "microsoft.network/networksecuritygroups"
ROUTE_TABLE = "microsoft.network/routetables"
NAT_GATEWAY = "microsoft.network/natgateways"
APP_GATEWAY = "microsoft.network/applicationgateways"
VNET_GATEWAY = "microsoft.network/virtualnetworkgateways"
CONNECTION = "microsoft.network/connections"
LOCAL_GATEWAY = "microsoft.network/localnetworkgateways"
VIRTUAL_HUB = "microsoft.network/virtualhubs"
ROLE_ASSIGNMENT = "microsoft.authorization/roleassignments"
ROLE_DEFINITION = "microsoft.authorization/roledefinitions"
SUBSCRIPTION = "microsoft.resources/subscriptions"


def props(row: object) -> dict:
    value = row.get("properties") if isinstance(row, dict) else None
    return value if isinstance(value, dict) else {}


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def lower(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and value else None


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def ref_id(value: object) -> str | None:
    """The `id` of a `{"id": ...}` reference, as ARM writes sub-resource links."""
    return text(as_dict(value).get("id"))


def subnet_prefixes(subnet_props: dict) -> list[str]:
    """`addressPrefix` and/or (dual-stack) `addressPrefixes`, the single one first."""
    prefixes = [p for p in as_list(subnet_props.get("addressPrefixes")) if isinstance(p, str)]
    single = subnet_props.get("addressPrefix")
    if isinstance(single, str) and single and single not in prefixes:
        prefixes.insert(0, single)
    return prefixes


def address_prefixes(space: object) -> list[str]:
    """`{"addressPrefixes": [...]}` (VNet address space, remote address space, local gateway space)."""
    return [p for p in as_list(as_dict(space).get("addressPrefixes")) if isinstance(p, str)]


def addon(cluster_props: dict, name: str) -> dict:
    """An add-on profile by name, whatever letter case Azure wrote its key in (both are seen)."""
    wanted = name.lower()
    for key, value in as_dict(cluster_props.get("addonProfiles")).items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, dict):
            return value
    return {}
