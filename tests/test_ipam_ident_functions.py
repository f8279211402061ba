"""The functions added for the IDENT and IPAM rules: role_grants_each and overlapping."""

from __future__ import annotations

import jmespath

from scanner.engine.functions import OPTIONS

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
SUBNET = f"{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/s"


def search(expression, data):
    return jmespath.search(expression, data, options=OPTIONS)


def test_role_grants_each_decides_every_id_in_order():
    identity = {"principalId": "p", "chains": {}, "assignments": [
        {"scope": f"{SUB}/resourceGroups/RG-NET", "roleId": "x", "roleName": "Network Contributor",
         "permissions": [{"actions": ["*"], "notActions": []}]}]}
    other = f"{SUB}/resourceGroups/rg-other/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    data = {"identity": identity, "ids": [SUBNET, other, None]}
    result = search("role_grants_each(identity, ids, ['Microsoft.Network/virtualNetworks/subnets/read'])", data)
    assert [r["granted"] for r in result] == [True, False]
    assert result[0]["resource"] == SUBNET


def test_role_grants_each_of_nothing_is_an_empty_list():
    assert search("role_grants_each(`null`, `null`, `[]`)", {}) == []


def test_overlapping_names_what_overlaps_and_skips_the_unreadable():
    items = [{"name": "a", "cidr": "10.0.0.0/24"}, {"name": "b", "cidr": ["192.168.0.0/16", "10.1.0.0/16"]},
             {"name": "c", "cidr": "nonsense"}, {"name": "d", "cidr": "172.16.0.0/12"}, "x"]
    result = search("overlapping(items, ['10.0.0.0/8', 'garbage', 'fd00::/8'])", {"items": items})
    assert result == [{"name": "a", "cidr": "10.0.0.0/24", "overlaps": ["10.0.0.0/8"]},
                      {"name": "b", "cidr": ["192.168.0.0/16", "10.1.0.0/16"], "overlaps": ["10.0.0.0/8"]}]
    assert search("overlapping(`null`, '10.0.0.0/8')", {}) == []
    assert search("overlapping(items, '10.0.0.0/30')", {"items": items})[0]["overlaps"] == ["10.0.0.0/30"]
