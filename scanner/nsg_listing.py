"""Listing NSG rules by what they name, for rules that report candidates rather than verdicts.

APIMIG-002 asks which custom rules allow or deny TCP 443 to one address (a rule that may name
today's API server IP): that is a question about the rules' text, not a flow decision, so it
lives beside the evaluator instead of inside it.
"""

from __future__ import annotations

from scanner import armid, netmath


def _port_tokens(rule_props: dict) -> list:
    single = rule_props.get("destinationPortRange")
    return ([single] if single not in (None, "") else []) + list(rule_props.get("destinationPortRanges") or [])


def _port_matches(token: object, port: int) -> bool:
    """A destination port token holds `port`; an unreadable token holds nothing we can name."""
    if isinstance(token, int) and not isinstance(token, bool):
        return token == port
    if not isinstance(token, str):
        return False
    token = token.strip()
    if token == "*":
        return True
    low, _, high = token.partition("-")
    try:
        return int(low) <= port <= int(high or low)
    except ValueError:
        return False


def _tcp(protocol: object) -> bool:
    return isinstance(protocol, str) and protocol.strip().lower() in ("tcp", "*", "any", "6")


def single_address_rules(subnets: object, port: int, within: object, outside: object) -> list[dict]:
    found: dict[tuple, dict] = {}
    for subnet in subnets if isinstance(subnets, list) else []:
        group = subnet.get("nsg") if isinstance(subnet, dict) else None
        if not isinstance(group, dict) or group.get("inScope") is False:
            continue
        for rule in group.get("securityRules") or []:
            p = rule.get("properties") if isinstance(rule, dict) else None
            if not isinstance(p, dict) or not _tcp(p.get("protocol")):
                continue
            if not any(_port_matches(t, port) for t in _port_tokens(p)):
                continue
            single = p.get("destinationAddressPrefix")
            prefixes = ([single] if single else []) + list(p.get("destinationAddressPrefixes") or [])
            for prefix in prefixes:
                net = netmath.parse_network(prefix)
                if net is None or net.num_addresses != 1:
                    continue
                if within is not None and not netmath.ip_in(prefix, within):
                    continue
                if outside and netmath.ip_in(prefix, outside):
                    continue
                key = (armid.key(group.get("id") or ""), str(rule.get("name")).lower(), str(net.network_address))
                entry = found.setdefault(key, {
                    "nsg": group.get("name"), "nsg_id": group.get("id"), "nsgResourceGroup": group.get("resourceGroup"),
                    "rule": rule.get("name"), "priority": p.get("priority"), "direction": p.get("direction"),
                    "access": p.get("access"), "address": str(net.network_address), "subnets": []})
                if subnet.get("name") not in entry["subnets"]:
                    entry["subnets"].append(subnet.get("name"))
    return list(found.values())
