"""Kubernetes versions (minor-only decides only what the minor decides), Windows builds, pool numbers."""

from __future__ import annotations

import pytest

from scanner import versions
from scanner.inventory import pools


@pytest.mark.parametrize(("version", "minimum", "expected"), [
    ("1.27.3", "1.26.3", True),
    ("1.26.3", "1.26.3", True),
    ("1.26.2", "1.26.3", False),
    ("1.25", "1.26.3", False),
    ("1.27", "1.26.3", True),
    ("1.26", "1.26.3", None),
    ("1.26", "1.26", True),
    ("1.27.1", "1.27", True),
    ("v1.29.0", "1.29", True),
    ("latest", "1.27", None),
    (None, "1.27", None),
])
def test_version_at_least(version, minimum, expected):
    assert versions.at_least(version, minimum) is expected


def test_version_compare_is_null_only_where_the_patch_decides():
    assert versions.compare("1.26", "1.26.3") is None
    assert versions.compare("1.25", "1.26.3") == -1
    assert versions.compare("1.26.3", "1.26.3") == 0


@pytest.mark.parametrize(("image", "build"), [
    ("AKSWindows-2022-containerd-gen2-20348.1726.230510", [20348, 1726]),
    ("AKSWindows-2019-17763.3165.220713", [17763, 3165]),
    ("AKSWindows-23H2-gen2-25398.1251.241114", [25398, 1251]),
    ("AKSUbuntu-2204gen2containerd-202410.15.0", None),
    (None, None),
])
def test_windows_build_is_the_first_five_digit_build(image, build):
    assert versions.windows_build(image) == build


@pytest.mark.parametrize(("pool", "nodes", "surge"), [
    ({"count": 10, "upgradeSettings": {}}, 10, 1),
    ({"count": 25}, 25, 3),
    ({"count": 3, "upgradeSettings": {"maxSurge": "33%"}}, 3, 1),
    ({"count": 10, "upgradeSettings": {"maxSurge": "0"}}, 10, 0),
    ({"count": 10, "upgradeSettings": {"maxSurge": "5"}}, 10, 5),
    ({"count": 2, "maxCount": 50, "enableAutoScaling": True, "upgradeSettings": {"maxSurge": "10%"}}, 50, 5),
    ({"count": 2, "maxCount": 50, "enableAutoScaling": False}, 2, 1),
    ({"count": 10, "upgradeSettings": {"maxSurge": "lots"}}, 10, None),
    ({"upgradeSettings": {"maxSurge": "1"}}, None, 1),
])
def test_max_nodes_and_surge(pool, nodes, surge):
    assert pools.max_nodes(pool) == nodes
    assert pools.surge(pool, pools.max_nodes(pool)) == surge


def test_azure_linux_is_read_from_os_sku_else_the_image():
    assert pools.is_azure_linux({"osSKU": "AzureLinux3"}) and pools.is_azure_linux({"osSKU": "CBLMariner"})
    assert pools.is_azure_linux({"nodeImageVersion": "AKSAzureLinux-V2gen2-202410.15.0"})
    assert not pools.is_azure_linux({"osSKU": "Ubuntu", "nodeImageVersion": "AKSAzureLinux-V2gen2-202410.15.0"})
