"""ARM resource ids: Azure compares them case-insensitively, so every join goes through `key()`."""

from __future__ import annotations


def key(resource_id: str | None) -> str:
    """The join key of an ARM id: lower-cased, without a trailing slash."""
    return (resource_id or "").strip().rstrip("/").lower()


def segments(resource_id: str) -> list[str]:
    return [part for part in (resource_id or "").strip().split("/") if part]


def _value_after(resource_id: str, name: str) -> str | None:
    parts = segments(resource_id)
    for index, part in enumerate(parts[:-1]):
        if part.lower() == name:
            return parts[index + 1]
    return None


def subscription_of(resource_id: str) -> str | None:
    return _value_after(resource_id, "subscriptions")


def resource_group_of(resource_id: str) -> str | None:
    """The resource group as the id spells it (letter case kept: it is what users recognise)."""
    return _value_after(resource_id, "resourcegroups")


def name_of(resource_id: str) -> str:
    parts = segments(resource_id)
    return parts[-1] if parts else ""


def parent_of(resource_id: str) -> str:
    """The id of the parent resource: `.../virtualNetworks/v/subnets/s` → `.../virtualNetworks/v`."""
    parts = segments(resource_id)
    return "/" + "/".join(parts[:-2]) if len(parts) > 2 else ""


def vnet_of_subnet(subnet_id: str | None) -> str | None:
    """The VNet id a subnet id names (`.../virtualNetworks/v/subnets/s` → `.../virtualNetworks/v`), else None."""
    parts = segments(subnet_id or "")
    if len(parts) >= 4 and parts[-2].lower() == "subnets" and parts[-4].lower() == "virtualnetworks":
        return "/" + "/".join(parts[:-2])
    return None


def resource_group_id(resource_id: str) -> str | None:
    sub, rg = subscription_of(resource_id), resource_group_of(resource_id)
    return f"/subscriptions/{sub}/resourceGroups/{rg}" if sub and rg else None
