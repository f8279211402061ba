"""Agent pools: the numbers several rules share (max nodes, surge, OS), computed once per pool.

RULES.md "Terms": max nodes is `maxCount` when autoscaling, else `count`; surge is
`upgradeSettings.maxSurge` — a count, or a percentage of max nodes rounded up; unset or `{}` is
AKS's default of 10 %, at least one node; an explicit value is used as given, `0` included.
A value that cannot be read is `None`, so the rules that need it say `error`.
"""

from __future__ import annotations

import math
import re

from scanner.inventory.rows import as_dict, lower, text

_COUNT = re.compile(r"^\s*(\d+)\s*$")
_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")
_AZURE_LINUX_SKUS = ("cblmariner", "azurelinux")
_AZURE_LINUX_IMAGES = ("aksazurelinux", "akscblmariner", "azurelinux")


def _count(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    return None


def max_nodes(pool: dict) -> int | None:
    if pool.get("enableAutoScaling") is True:
        return _count(pool.get("maxCount"))
    return _count(pool.get("count"))


def surge(pool: dict, nodes: int | None) -> int | None:
    value = as_dict(pool.get("upgradeSettings")).get("maxSurge")
    if value is None or value == "":
        return None if nodes is None else max(1, math.ceil(nodes * 0.1))
    if isinstance(value, int) and not isinstance(value, bool):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    if match := _COUNT.match(value):
        return int(match.group(1))
    if (match := _PERCENT.match(value)) and nodes is not None:
        return math.ceil(nodes * float(match.group(1)) / 100)
    return None


def is_azure_linux(pool: dict) -> bool:
    sku = lower(pool.get("osSKU"))
    if sku:
        return sku == "cblmariner" or sku.startswith("azurelinux")
    image = lower(pool.get("nodeImageVersion")) or ""
    return image.startswith(_AZURE_LINUX_IMAGES)


def pool_view(pool: dict) -> dict:
    """The pool as Azure returned it, plus the derived numbers under names Azure does not use."""
    nodes = max_nodes(pool)
    extra = surge(pool, nodes)
    return {
        **pool,
        "maxNodes": nodes,
        "surgeNodes": extra,
        "reachableNodes": None if nodes is None or extra is None else nodes + extra,
        "os": lower(pool.get("osType")) or "linux",
        "windows": lower(pool.get("osType")) == "windows",
        "azureLinux": is_azure_linux(pool),
        "version": text(pool.get("currentOrchestratorVersion")) or text(pool.get("orchestratorVersion")),
        "availabilitySet": lower(pool.get("type")) == "availabilityset",
    }


def address_weight(family: str, pool: dict) -> int | None:
    """Node-subnet addresses one node takes: maxPods + 1 on traditional Azure CNI, else 1."""
    if family != "traditional":
        return 1
    pods = _count(pool.get("maxPods"))
    return None if pods is None else pods + 1
