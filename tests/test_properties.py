"""Property tests (hypothesis): the CIDR math and the NSG evaluator agree with brute force on small inputs,
and fingerprints and statuses do not depend on row order or the letter case of ids.

The oracles enumerate: every address of a /24–/32 (IPv4) or /120–/128 (IPv6), every point of a flow
over four addresses, ports 1–20 and five protocols. They are written without `ipaddress` and without the
evaluator's box arithmetic, so an agreement means something.
"""

from __future__ import annotations

import copy
import ipaddress
import random
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner import inventory, netmath, nsg
from scanner.collect import offline
from scanner.collect.snapshot import Snapshot
from scanner.demo import demo_inputs
from scanner.engine.evaluate import evaluate, fingerprint
from scanner.engine.loader import load_pack
from scanner.netmath import IntervalSet

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- CIDRs -----------------------------------------------------------------------------------------

V4_BASE = (10 << 24) | (7 << 16) | (3 << 8)  # 10.7.3.0
V6_BASE = 0x20010DB8 << 96  # 2001:db8::


def _v4_text(value: int) -> str:
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))


def _v6_text(value: int) -> str:
    groups = [(value >> (16 * i)) & 0xFFFF for i in reversed(range(8))]
    return ":".join(f"{g:x}" for g in groups)


@st.composite
def cidrs(draw) -> tuple[str, tuple[int, frozenset[int]]]:
    """A CIDR (host bits allowed, as Azure allows them) and its oracle: (family, every address in it)."""
    offset = draw(st.integers(0, 255))
    if draw(st.booleans()):
        length, value, bits, text = draw(st.integers(24, 32)), V4_BASE + offset, 32, _v4_text(V4_BASE + offset)
    else:
        length, value, bits, text = draw(st.integers(120, 128)), V6_BASE + offset, 128, _v6_text(V6_BASE + offset)
    size = 2 ** (bits - length)
    start = value - value % size
    return f"{text}/{length}", (bits, frozenset(range(start, start + size)))


cidr_lists = st.lists(cidrs(), min_size=1, max_size=4)


def _texts(items) -> list[str]:
    return [text for text, _ in items]


def _inside(inner, outer) -> bool:
    return inner[0] == outer[0] and inner[1] <= outer[1]


@SETTINGS
@given(cidr_lists, cidr_lists)
def test_cidr_overlaps_and_contains_agree_with_enumeration(a, b):
    overlaps = any(x[0] == y[0] and x[1] & y[1] for _, x in a for _, y in b)
    assert netmath.cidr_overlaps(_texts(a), _texts(b)) is overlaps
    contains = all(any(_inside(inner, outer) for _, outer in a) for _, inner in b)
    assert netmath.cidr_contains(_texts(a), _texts(b)) is contains
    outside = [text for text, inner in a if not any(_inside(inner, outer) for _, outer in b)]
    assert netmath.cidrs_outside(_texts(a), _texts(b)) == outside


@SETTINGS
@given(cidrs(), st.integers(-300, 300))
def test_usable_addresses_and_nth_ip_agree_with_enumeration(cidr, n):
    text, (bits, addresses) = cidr
    ordered = sorted(addresses)
    assert netmath.usable_addresses(text) == (max(len(ordered) - 5, 0) if bits == 32 else None)
    got = netmath.nth_ip(text, n)
    if -len(ordered) <= n < len(ordered):
        assert got is not None and int(ipaddress.ip_address(got)) == ordered[n]  # the answer's text, read back
    else:
        assert got is None


@SETTINGS
@given(st.lists(cidrs(), max_size=3).map(_texts), st.sampled_from(["10.7.3.0/33", "80-", "*-443", "", "789", None]))
def test_an_unreadable_cidr_never_answers_as_if_it_were_readable(good, bad):
    mixed = [*good, bad]
    assert netmath.cidr_overlaps(mixed, ["0.0.0.0/0"]) is None
    assert netmath.cidr_contains(["0.0.0.0/0"], mixed) is None
    assert netmath.cidrs_outside(mixed, ["0.0.0.0/0"]) is None
    assert netmath.usable_addresses(bad) is None and netmath.nth_ip(bad, 0) is None


ranges = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)).map(lambda t: (t[0], t[0] + t[1])), max_size=6)


def _points(pairs) -> set[int]:
    return {x for lo, hi in pairs for x in range(lo, hi + 1)}


@SETTINGS
@given(ranges, ranges)
def test_interval_sets_agree_with_python_sets(a, b):
    x, y = IntervalSet(a), IntervalSet(b)
    sa, sb = _points(a), _points(b)
    for result, expected in ((x | y, sa | sb), (x & y, sa & sb), (x - y, sa - sb), (y - x, sb - sa)):
        assert _points(result.ranges) == expected
        flat = [v for lo, hi in result.ranges for v in (lo, hi)]
        assert flat == sorted(flat) and all(result.ranges[i][1] + 1 < result.ranges[i + 1][0]
                                            for i in range(len(result.ranges) - 1))  # disjoint, not adjacent
    assert x.contains(y) is (sb <= sa)
    assert x.overlaps(y) is bool(sa & sb)
    assert x.is_empty() is (not sa)
    assert (x == IntervalSet((v, v) for v in sa)) and hash(x) == hash(IntervalSet((v, v) for v in sa))


# --- the NSG evaluator against a point-by-point model ----------------------------------------------

LB = (168 << 24) | (63 << 16) | (129 << 8) | 16
NET = (10 << 24)  # 10.0.0.0: the flow's addresses are 10.0.0.0-3 and 168.63.129.16
SUBNET_PREFIXES = ["10.0.0.0/31"]
VNET = {NET, NET + 1, LB}  # the subnet's VirtualNetwork tag: its prefixes and 168.63.129.16
PROTOCOLS = {"tcp", "udp", "icmp", "esp", "ah"}
RULE_ADDRESSES = ["*", "10.0.0.0/32", "10.0.0.1", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.0/31", "10.0.0.2/31",
                  "10.0.0.0/30", "VirtualNetwork", "Internet", "AzureLoadBalancer", "168.63.129.16/32"]
FLOW_ADDRESSES = ["10.0.0.0/32", "10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.0/31", "10.0.0.0/30",
                  "AzureLoadBalancer"]


@cache
def _address_points(prefix: str) -> frozenset[int]:
    universe = frozenset({NET, NET + 1, NET + 2, NET + 3, LB})
    low = prefix.lower()
    if low == "*":
        return universe
    if low == "virtualnetwork":
        return universe & VNET
    if low == "internet":
        return universe - VNET
    if low == "azureloadbalancer":
        return frozenset({LB})
    text, _, length = prefix.partition("/")
    parts = [int(p) for p in text.split(".")]
    value = (parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]
    size = 2 ** (32 - int(length or 32))
    start = value - value % size
    return frozenset(a for a in universe if start <= a < start + size)


@cache
def _port_points(token: str) -> range:
    if token == "*":
        return range(0, 65536)
    lo, _, hi = token.partition("-")
    return range(int(lo), int(hi or lo) + 1)


port_tokens = st.one_of(
    st.just("*"), st.integers(1, 20).map(str),
    st.tuples(st.integers(1, 20), st.integers(0, 8)).map(lambda t: f"{t[0]}-{min(t[0] + t[1], 20)}"))


@st.composite
def rule_sets(draw) -> list[dict]:
    count = draw(st.integers(0, 7))
    priorities = draw(st.lists(st.integers(100, 4096), min_size=count, max_size=count, unique=True))
    rules = []
    for i, priority in enumerate(priorities):
        sources = draw(st.lists(st.sampled_from(RULE_ADDRESSES), min_size=1, max_size=2))
        destinations = draw(st.lists(st.sampled_from(RULE_ADDRESSES), min_size=1, max_size=2))
        ports = draw(st.lists(port_tokens, min_size=1, max_size=2))
        rules.append({"name": f"r{i}", "properties": {
            "priority": priority,
            "direction": draw(st.sampled_from(["Inbound", "Outbound"])),
            "access": draw(st.sampled_from(["Allow", "Deny"])),
            "protocol": draw(st.sampled_from(["Tcp", "Udp", "*"])),
            "sourcePortRange": "*",
            "sourceAddressPrefix": sources[0] if len(sources) == 1 else "",
            "sourceAddressPrefixes": sources if len(sources) > 1 else [],
            "destinationAddressPrefix": destinations[0] if len(destinations) == 1 else "",
            "destinationAddressPrefixes": destinations if len(destinations) > 1 else [],
            "destinationPortRange": ports[0] if len(ports) == 1 else "",
            "destinationPortRanges": ports if len(ports) > 1 else [],
        }})
    return rules


def _model_rules(custom: list[dict], direction: str) -> list[dict]:
    """The custom rules, then Azure's six defaults, of one direction, in the order they are applied."""
    every = [*custom, *nsg.default_security_rules()]
    chosen = [(r["properties"]["priority"], i, r) for i, r in enumerate(every)
              if r["properties"]["direction"].lower() == direction]
    return [r for _, _, r in sorted(chosen, key=lambda t: t[:2])]


def _matches(rule: dict, point: tuple[int, int, str, int]) -> bool:
    p = rule["properties"]
    src, dst, protocol, port = point
    sources = [p["sourceAddressPrefix"]] if p["sourceAddressPrefix"] else p.get("sourceAddressPrefixes", [])
    destinations = ([p["destinationAddressPrefix"]] if p["destinationAddressPrefix"]
                    else p.get("destinationAddressPrefixes", []))
    ports = [p["destinationPortRange"]] if p["destinationPortRange"] else p.get("destinationPortRanges", [])
    return (any(src in _address_points(s) for s in sources) and any(dst in _address_points(d) for d in destinations)
            and (p["protocol"] == "*" or p["protocol"].lower() == protocol)
            and any(port in _port_points(t) for t in ports))


def model(custom: list[dict], direction: str, sources: list[str], destinations: list[str], protocol: str,
          ports: list[str]) -> dict:
    """RULES.md "NSG semantics", point by point: the first matching rule decides each point."""
    rules = _model_rules(custom, direction.lower())
    protocols = PROTOCOLS if protocol == "*" else {protocol.lower()}
    flow_ports = set().union(*(_port_points(t) for t in ports))
    src_points = set().union(*(_address_points(s) for s in sources))
    dst_points = set().union(*(_address_points(d) for d in destinations))
    deciders = {}
    for point in ((s, d, proto, port) for s in src_points for d in dst_points for proto in protocols
                  for port in flow_ports):
        deciders[point] = next(r for r in rules if _matches(r, point))  # DenyAll matches every point
    denying = [r for r in rules if any(d is r and r["properties"]["access"] == "Deny" for d in deciders.values())]
    allowing = [r for r in rules if any(d is r and r["properties"]["access"] == "Allow" for d in deciders.values())]
    if denying:
        partial = any(d["properties"]["access"] == "Allow" for d in deciders.values())
        return {"verdict": "deny", "rule": denying[0]["name"], "partial": partial}
    return {"verdict": "allow", "rule": allowing[0]["name"], "partial": False}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_sets(), st.sampled_from(["Inbound", "Outbound"]),
       st.lists(st.sampled_from(FLOW_ADDRESSES), min_size=1, max_size=2),
       st.lists(st.sampled_from(FLOW_ADDRESSES), min_size=1, max_size=2),
       st.sampled_from(["Tcp", "Udp", "*"]),
       st.lists(port_tokens.filter(lambda t: t != "*"), min_size=1, max_size=2))
def test_the_nsg_evaluator_agrees_with_a_point_by_point_model(custom, direction, sources, destinations, protocol,
                                                              ports):
    subnet = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
              "name": "s", "prefixes": SUBNET_PREFIXES,
              "virtualNetwork": {"prefixes": [*SUBNET_PREFIXES, "168.63.129.16/32"], "publicUnknown": False},
              "nsg": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n",
                      "name": "n", "securityRules": copy.deepcopy(custom), "defaultSecurityRules": None}}
    got = nsg.decide(subnet, direction, sources, destinations, protocol, ports)
    expected = model(custom, direction, sources, destinations, protocol, ports)
    assert {k: got[k] for k in expected} == expected, (got["reason"], got["rules"])
    assert got["unknown_rules"] == []


# --- fingerprints: independent of row order and of the letter case of ids ----------------------------

DEMO = offline.load(*demo_inputs())
RULES = list(load_pack().rules)
ID_KEYS = {"id", "vnetsubnetid", "podsubnetid", "subnetid"}


def _findings(rows: list[dict]) -> dict[str, str]:
    snapshot = Snapshot(rows=rows, kube=DEMO.kube)
    views = inventory.build(snapshot).views("cluster")
    found = [f.to_dict() for f in evaluate(RULES, {"cluster": views}, {})]
    by_fingerprint = {f["fingerprint"]: f["status"] for f in found}
    assert len(by_fingerprint) == len(found)
    assert all(f["fingerprint"] == fingerprint(f["rule_id"], f["resource_id"]) for f in found)
    return by_fingerprint


def _recase(value, rng: random.Random):
    """Every ARM id in a row (the row's own and its references) in a random letter case."""
    if isinstance(value, dict):
        return {k: (_swap(v, rng) if k.lower() in ID_KEYS and isinstance(v, str) else _recase(v, rng))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_recase(v, rng) for v in value]
    return value


def _swap(text: str, rng: random.Random) -> str:
    return rng.choice([str.upper, str.lower, str.swapcase, lambda s: s])(text)


CLEAN_FINDINGS = _findings(DEMO.rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_fingerprints_and_statuses_do_not_depend_on_row_order_or_id_case(rng):
    rows = [_recase(row, rng) for row in DEMO.rows]
    rng.shuffle(rows)
    assert _findings(rows) == CLEAN_FINDINGS
