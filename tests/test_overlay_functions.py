"""The functions added for the OVERLAY rules: subnet_count and nsg_decide_each."""

from __future__ import annotations

import jmespath

from scanner.engine.functions import OPTIONS


def _search(expression: str, data: dict | None = None):
    return jmespath.search(expression, data or {}, options=OPTIONS)


def test_subnet_count_counts_the_24s_of_a_pod_cidr():
    assert _search("subnet_count('10.244.0.0/16', `24`)") == 256
    assert _search("subnet_count('10.244.0.0/22', `24`)") == 4
    assert _search("subnet_count('10.244.0.0/24', `24`)") == 1
    assert _search("subnet_count('10.244.0.0/25', `24`)") == 0
    assert _search("subnet_count('fd00::/64', `80`)") == 65536


def test_subnet_count_is_null_for_what_it_cannot_read():
    assert _search("subnet_count('junk', `24`)") is None
    assert _search("subnet_count(`null`, `24`)") is None
    assert _search("subnet_count('10.0.0.0/8', `33`)") is None


def _subnet(name: str, rules: list) -> dict:
    return {
        "id": f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/{name}",
        "name": name,
        "inScope": True,
        "prefixes": ["10.1.0.0/24"],
        "virtualNetwork": {"prefixes": ["10.1.0.0/16", "10.244.0.0/16"], "publicUnknown": False, "notes": []},
        "nsg": {"id": f"/x/nsg-{name}", "name": f"nsg-{name}", "inScope": True, "securityRules": rules,
                "defaultSecurityRules": None},
    }


def test_nsg_decide_each_decides_one_flow_per_subnet_in_order():
    deny = {"name": "DenyPods", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*", "sourcePortRange": "*",
        "destinationPortRange": "*", "sourceAddressPrefix": "10.244.0.0/16", "destinationAddressPrefix": "*"}}
    data = {"subnets": [_subnet("a", []), _subnet("b", [deny]), {"id": "/x/c", "name": "c", "inScope": False}]}
    found = _search("nsg_decide_each(subnets, 'Inbound', `[\"10.244.0.0/16\"]`, `[\"10.1.0.0/24\"]`, '*', '*')",
                    data)
    assert [d["verdict"] for d in found] == ["allow", "deny", "unknown"]
    assert found[1]["rule"] == "DenyPods" and "DenyPods" in found[1]["summary"]
    assert found[2]["subnet"] == "c"
    assert _search("nsg_decide_each(`null`, 'Inbound', '*', '*', '*', '*')") == []


def test_attach_adds_an_outer_value_to_each_object():
    data = {"subnets": [{"name": "a", "prefixes": ["10.1.0.0/24"]}, {"name": "b", "prefixes": ["10.2.0.0/24"]}],
            "pods": ["10.1.0.0/16"]}
    found = _search("attach(subnets, 'pods', pods)[].{name: name, hits: overlap_pairs(pods, prefixes)}", data)
    assert found == [{"name": "a", "hits": [["10.1.0.0/16", "10.1.0.0/24"]]}, {"name": "b", "hits": []}]
    assert data["subnets"][0] == {"name": "a", "prefixes": ["10.1.0.0/24"]}  # the view is not changed
    assert _search("attach(`null`, 'x', `1`)") == []
    assert _search("attach(`[1, {\"a\": 2}]`, 'x', `1`)") == [1, {"a": 2, "x": 1}]
