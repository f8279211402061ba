"""The NSG evaluator: does a subnet's network security group allow a flow, deny it, or can we not tell?

A flow is a set (sources x destinations x protocol x source ports x destination ports), not a single
packet, because the rules ask questions such as "can the API server subnet reach every node on
10250?".  The evaluator walks the rules in priority order and lets each rule claim the part of the
still-unclaimed flow it matches (box subtraction over the five dimensions), so a rule that covers
only some ports yields a *partial* deny instead of a wrong "allow" or "deny".

Rules we cannot fully read (application security groups, service tags, garbled prefixes, missing
fields) are split into a *sure* part and a *maybe* part.  A maybe part never claims traffic; it only
records which outcomes it could have caused, so the final verdict is ``unknown`` exactly where the
answer depends on something the input does not tell us.  RULES.md, "NSG semantics", is the
specification.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from scanner.netmath import (
    ALL_ADDRESSES,
    ALL_IPV4,
    ALL_IPV6,
    ALL_PORTS,
    PRIVATE_RANGES,
    PUBLIC_ADDRESSES,
    IntervalSet,
    parse_network,
)

AZURE_LB_IP = "168.63.129.16"
AZURE_LB = IntervalSet.of_networks([ipaddress.ip_network(AZURE_LB_IP)])
EMPTY = IntervalSet()

PROTOCOL_NUMBERS = {"tcp": 0, "udp": 1, "icmp": 2, "esp": 3, "ah": 4}
ALL_PROTOCOLS = IntervalSet([(0, len(PROTOCOL_NUMBERS) - 1)])

# Service tags are words, possibly regional (`Sql.WestEurope`); anything else that is not an address
# or CIDR (Azure accepts `789`) is unreadable and may match anything.
_TAG_WORD = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")

ASSUMPTION_TEXT = "service tag {tag} in rule {rule} taken to hold no private (RFC 1918 / RFC 6598) address"

# Box dimensions: source addresses, destination addresses, protocols, source ports, destination ports.
Box = tuple[IntervalSet, IntervalSet, IntervalSet, IntervalSet, IntervalSet]

DEFAULT_RULES: tuple[tuple[str, int, str, str, str, str], ...] = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
)


# --------------------------------------------------------------------------------------------------
# Boxes


def _box_intersection(a: Box, b: Box) -> Box | None:
    """The common part of two boxes, or ``None`` when they do not meet."""
    sides = tuple(x & y for x, y in zip(a, b, strict=True))
    return None if any(side.is_empty() for side in sides) else sides  # type: ignore[return-value]


def _box_difference(a: Box, b: Box) -> list[Box]:
    """``a`` minus ``b`` as disjoint boxes: split on the first dimension where a point leaves ``b``."""
    if _box_intersection(a, b) is None:
        return [a]
    pieces: list[Box] = []
    for i in range(len(a)):
        rest = a[i] - b[i]
        if not rest.is_empty():
            inside = tuple(a[j] & b[j] for j in range(i))
            pieces.append((*inside, rest, *a[i + 1 :]))  # type: ignore[arg-type]
    return pieces


# --------------------------------------------------------------------------------------------------
# Reading what VirtualNetwork holds for a subnet


@dataclass(frozen=True)
class AddressSet:
    """Addresses a rule field surely matches, those it may match, and why it may."""

    sure: IntervalSet
    maybe: IntervalSet = EMPTY
    causes: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def extent(self) -> IntervalSet:
        return self.sure | self.maybe


def _addresses_of(prefixes: Any) -> IntervalSet:
    """The readable networks among some prefixes (used for the subnet's own prefixes)."""
    nets = [parse_network(p) for p in prefixes] if isinstance(prefixes, list) else []
    return IntervalSet.of_networks(net for net in nets if net is not None)


def _virtual_network(subnet: dict) -> AddressSet:
    """What the VirtualNetwork tag holds for this subnet.

    168.63.129.16 and the subnet's own prefixes are always in it (RULES.md), even if the view forgot
    them, so a custom "deny VirtualNetwork" rule always blocks the load balancer's health probes.
    """
    sure = AZURE_LB | _addresses_of(subnet.get("prefixes"))
    view = subnet.get("virtualNetwork")
    if not isinstance(view, dict) or not isinstance(view.get("prefixes"), list):
        why = "the addresses VirtualNetwork holds for this subnet are not in the input"
        return AddressSet(sure, ALL_ADDRESSES - sure, (why,))
    maybe, causes = EMPTY, []
    for prefix in view["prefixes"]:
        net = parse_network(prefix)
        if net is not None:
            sure = sure | IntervalSet.of_networks([net])
        else:
            maybe = maybe | (PUBLIC_ADDRESSES if _is_tag_word(prefix) else ALL_ADDRESSES)
            causes.append(f"VirtualNetwork holds the unreadable prefix {prefix!r}")
    if view.get("publicUnknown"):
        maybe = maybe | PUBLIC_ADDRESSES
        causes.append("VirtualNetwork holds unknown public addresses (a route prefix is a service tag)")
    return AddressSet(sure, maybe - sure, tuple(causes))


def _is_tag_word(text: Any) -> bool:
    return isinstance(text, str) and bool(_TAG_WORD.match(text.strip()))


# --------------------------------------------------------------------------------------------------
# Reading rules


@dataclass(frozen=True, eq=False)
class Rule:
    """One NSG rule as boxes: the part it surely matches and the wider part it may match."""

    name: str
    order: tuple[int, int]
    access: str | None
    direction: str | None
    sure: Box | None
    maybe: Box | None
    causes: tuple[str, ...]
    tag_checks: tuple[tuple[tuple[str, ...], Box], ...] = ()

    @property
    def priority(self) -> int | None:
        return None if self.order[0] < 0 else self.order[0]

    @property
    def outcomes(self) -> frozenset[str]:
        """What this rule can do to traffic; an unreadable access could be either."""
        return frozenset({self.access}) if self.access else frozenset({"allow", "deny"})


def _union_field(single: Any, plural: Any) -> list[Any]:
    """ARM's singular and plural fields together (singular may be "" and plural [] or absent)."""
    values = [] if single is None or single == "" else [single]
    if isinstance(plural, list):
        values.extend(v for v in plural if v is not None and v != "")
    return values


def _lower_choice(value: Any, choices: set[str]) -> str | None:
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    return None


def _read_priority(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _read_protocol(value: Any) -> IntervalSet | None:
    """Tcp, Udp, Icmp, Esp, Ah or ``*`` (``Any`` too, as the portal writes it), any case."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in ("*", "any"):
        return ALL_PROTOCOLS
    number = PROTOCOL_NUMBERS.get(text)
    return None if number is None else IntervalSet([(number, number)])


def _read_port_token(token: Any) -> IntervalSet | None:
    """``*``, ``443``, ``1000-2000`` or a JSON integer."""
    if isinstance(token, bool):
        return None
    if isinstance(token, int):
        return IntervalSet([(token, token)]) if 0 <= token <= 65535 else None
    if not isinstance(token, str):
        return None
    text = token.strip()
    if text.lower() in ("*", "any"):
        return ALL_PORTS
    bounds = [part.strip() for part in text.split("-")]
    if len(bounds) > 2 or not all(part.isdigit() for part in bounds):
        return None
    lo, hi = int(bounds[0]), int(bounds[-1])
    return IntervalSet([(lo, hi)]) if lo <= hi <= 65535 else None


def _read_ports(tokens: list[Any]) -> IntervalSet | None:
    """The union of some port tokens; ``None`` when there are none or one is unreadable."""
    sets = [_read_port_token(token) for token in tokens]
    if not sets or any(s is None for s in sets):
        return None
    out = EMPTY
    for s in sets:
        out = out | s  # type: ignore[operator]
    return out


def _read_prefix(prefix: Any, rule: str, vnet: AddressSet) -> AddressSet:
    """One address prefix of a rule: a CIDR, an address, a tag we know, another tag, or garbage."""
    text = prefix.strip() if isinstance(prefix, str) else prefix
    low = text.lower() if isinstance(text, str) else None
    if low in ("*", "any"):
        return AddressSet(ALL_ADDRESSES)
    if low == "virtualnetwork":
        return AddressSet(
            vnet.sure, vnet.maybe, tuple(f"rule {rule} uses VirtualNetwork: {c}" for c in vnet.causes)
        )
    if low == "azureloadbalancer":
        return AddressSet(AZURE_LB)
    if low == "internet":
        causes = tuple(f"rule {rule} uses Internet (outside VirtualNetwork): {c}" for c in vnet.causes)
        return AddressSet(ALL_ADDRESSES - vnet.extent, vnet.maybe, causes)
    net = parse_network(text)
    if net is not None:
        return AddressSet(IntervalSet.of_networks([net]))
    if _is_tag_word(text):
        cause = f"rule {rule} uses service tag {text}, whose addresses are not in the input"
        return AddressSet(EMPTY, PUBLIC_ADDRESSES, (cause,), (text,))
    return AddressSet(EMPTY, ALL_ADDRESSES, (f"rule {rule} has the unreadable address prefix {prefix!r}",))


def _read_addresses(props: dict, side: str, rule: str, vnet: AddressSet) -> AddressSet:
    """A rule's source or destination: prefixes and application security groups together."""
    parts = [
        _read_prefix(p, rule, vnet)
        for p in _union_field(props.get(f"{side}AddressPrefix"), props.get(f"{side}AddressPrefixes"))
    ]
    if props.get(f"{side}ApplicationSecurityGroups"):
        parts.append(AddressSet(EMPTY, ALL_ADDRESSES, (f"rule {rule} uses an application security group",)))
    if not parts:
        parts.append(AddressSet(EMPTY, ALL_ADDRESSES, (f"rule {rule} has no {side} address",)))
    sure = EMPTY
    maybe = EMPTY
    for part in parts:
        sure, maybe = sure | part.sure, maybe | part.maybe
    causes = tuple(c for part in parts for c in part.causes)
    tags = tuple(t for part in parts for t in part.tags)
    return AddressSet(sure, maybe - sure, causes, tags)


def _read_rule(raw: Any, index: int, vnet: AddressSet) -> Rule:
    """Turn one ARM rule into boxes; a rule with unreadable fields may match anything."""
    raw = raw if isinstance(raw, dict) else {}
    props = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    name = raw.get("name") if isinstance(raw.get("name"), str) else f"#{index}"
    priority = _read_priority(props.get("priority"))
    access = _lower_choice(props.get("access"), {"allow", "deny"})
    direction = _lower_choice(props.get("direction"), {"inbound", "outbound"})
    protocol = _read_protocol(props.get("protocol"))
    sports = _read_ports(_union_field(props.get("sourcePortRange"), props.get("sourcePortRanges")))
    dports = _read_ports(_union_field(props.get("destinationPortRange"), props.get("destinationPortRanges")))
    order = (-1 if priority is None else priority, index)
    problems = [
        label
        for label, value in (
            ("priority", priority),
            ("access", access),
            ("direction", direction),
            ("protocol", protocol),
            ("source ports", sports),
            ("destination ports", dports),
        )
        if value is None
    ]
    if problems:
        cause = f"rule {name} cannot be read (its {', '.join(problems)})"
        everything: Box = (ALL_ADDRESSES, ALL_ADDRESSES, ALL_PROTOCOLS, ALL_PORTS, ALL_PORTS)
        return Rule(name, order, access, direction, None, everything, (cause,))
    src = _read_addresses(props, "source", name, vnet)
    dst = _read_addresses(props, "destination", name, vnet)
    rest = (protocol, sports, dports)
    sure = (src.sure, dst.sure, *rest)
    maybe = (src.extent, dst.extent, *rest)
    checks = []
    if src.tags:
        checks.append((src.tags, (PRIVATE_RANGES - src.extent, dst.extent, *rest)))
    if dst.tags:
        checks.append((dst.tags, (src.extent, PRIVATE_RANGES - dst.extent, *rest)))
    return Rule(
        name,
        order,
        access,
        direction,
        _nonempty(sure),  # type: ignore[arg-type]
        _nonempty(maybe) if src.maybe or dst.maybe else None,  # type: ignore[arg-type]
        src.causes + dst.causes,
        tuple(checks),  # type: ignore[arg-type]
    )


def _nonempty(box: Box) -> Box | None:
    return None if any(side.is_empty() for side in box) else box


def _default_rule(name: str, priority: int, direction: str, access: str, src: str, dst: str) -> dict:
    """One of Azure's six default rules in ARM shape, for NSG rows that omit them."""
    props = {
        "protocol": "*",
        "sourcePortRange": "*",
        "destinationPortRange": "*",
        "sourceAddressPrefix": src,
        "destinationAddressPrefix": dst,
        "access": access,
        "priority": priority,
        "direction": direction,
    }
    return {"name": name, "properties": props}


def default_security_rules() -> list[dict]:
    """Azure's six default rules, which every NSG has even when its row does not list them."""
    return [_default_rule(*spec) for spec in DEFAULT_RULES]


# --------------------------------------------------------------------------------------------------
# Evaluating


@dataclass(frozen=True)
class Piece:
    """A part of the flow no rule has claimed yet, with the outcomes earlier maybe-rules could give."""

    box: Box
    outcomes: frozenset[str] = frozenset()
    maybe_rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Claim:
    """A part of the flow a rule surely matched, and what the traffic there may experience."""

    box: Box
    outcomes: frozenset[str]
    rule: Rule
    maybe_rules: tuple[Rule, ...]


@dataclass
class Walk:
    """The state of one pass over the rules."""

    pieces: list[Piece]
    claims: list[Claim]
    assumptions: list[str]


def _claim(walk: Walk, rule: Rule, box: Box) -> None:
    """A sure match: the rule decides the part of each unclaimed piece that lies in ``box``."""
    remaining: list[Piece] = []
    for piece in walk.pieces:
        inter = _box_intersection(piece.box, box)
        if inter is None:
            remaining.append(piece)
            continue
        walk.claims.append(Claim(inter, piece.outcomes | rule.outcomes, rule, piece.maybe_rules))
        remaining.extend(Piece(b, piece.outcomes, piece.maybe_rules) for b in _box_difference(piece.box, box))
    walk.pieces = remaining


def _mark(walk: Walk, rule: Rule, box: Box) -> None:
    """A possible match: note what the rule could do there, and leave the traffic to later rules."""
    remaining: list[Piece] = []
    for piece in walk.pieces:
        inter = None if rule.outcomes <= piece.outcomes else _box_intersection(piece.box, box)
        if inter is None:
            remaining.append(piece)
            continue
        remaining.append(Piece(inter, piece.outcomes | rule.outcomes, (*piece.maybe_rules, rule)))
        remaining.extend(Piece(b, piece.outcomes, piece.maybe_rules) for b in _box_difference(piece.box, box))
    walk.pieces = remaining


def _check_assumptions(walk: Walk, rule: Rule) -> None:
    """Record the no-private-address assumption when it is what kept a tag rule off the flow."""
    for tags, box in rule.tag_checks:
        if any(_box_intersection(piece.box, box) is not None for piece in walk.pieces):
            for tag in tags:
                text = ASSUMPTION_TEXT.format(tag=tag, rule=rule.name)
                if text not in walk.assumptions:
                    walk.assumptions.append(text)


def _walk(rules: list[Rule], flow: list[Box]) -> Walk:
    """Apply the rules in priority order; each rule's sure part first, then its maybe part."""
    walk = Walk([Piece(box) for box in flow], [], [])
    for rule in sorted(rules, key=lambda r: r.order):
        if not walk.pieces:
            break
        _check_assumptions(walk, rule)
        if rule.sure is not None:
            _claim(walk, rule, rule.sure)
        if rule.maybe is not None:
            _mark(walk, rule, rule.maybe)
    return walk


# --------------------------------------------------------------------------------------------------
# Reading the flow


def _read_endpoint(value: Any, vnet: AddressSet) -> IntervalSet | None:
    """A flow endpoint: prefixes, ``AzureLoadBalancer``, ``VirtualNetwork`` (its sure part) or ``*``."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        return None
    out = EMPTY
    for item in items:
        if not isinstance(item, str):
            return None
        low = item.strip().lower()
        if low == "azureloadbalancer":
            out = out | AZURE_LB
        elif low == "virtualnetwork":
            out = out | vnet.sure
        elif low in ("*", "any"):
            out = out | ALL_ADDRESSES
        else:
            net = parse_network(item)
            if net is None:
                return None
            out = out | IntervalSet.of_networks([net])
    return out


def _read_flow_ports(ports: Any) -> IntervalSet | None:
    tokens = ports if isinstance(ports, list) else [ports]
    return _read_ports(tokens)


def _flow_boxes(src: IntervalSet, dst: IntervalSet, protocol: IntervalSet, ports: IntervalSet) -> list[Box]:
    """The flow as boxes, pairing only same-family endpoints (no IPv4 packet goes to an IPv6 host)."""
    boxes: list[Box] = []
    for family in (ALL_IPV4, ALL_IPV6):
        s, d = src & family, dst & family
        if not s.is_empty() and not d.is_empty():
            boxes.append((s, d, protocol, ALL_PORTS, ports))
    return boxes


# --------------------------------------------------------------------------------------------------
# Results


def _result(subnet: Any, verdict: str, reason: str | None = None, **extra: Any) -> dict:
    """A decision as plain JSON, with every key present so rule expressions can rely on them."""
    nsg = subnet.get("nsg") if isinstance(subnet, dict) else None
    nsg = nsg if isinstance(nsg, dict) else {}
    out = {
        "verdict": verdict,
        "nsg": nsg.get("name"),
        "nsg_id": nsg.get("id"),
        "subnet": subnet.get("name") if isinstance(subnet, dict) else None,
        "rule": None,
        "priority": None,
        "partial": False,
        "rules": [],
        "unknown_rules": [],
        "assumptions": [],
        "reason": reason,
        "defaults_assumed": False,
    }
    out.update(extra)
    return out


def _in_scope(item: Any) -> bool:
    return isinstance(item, dict) and item.get("inScope", True) is not False


def _subnet_missing_reason(subnet: Any) -> str:
    sid = subnet.get("id") if isinstance(subnet, dict) else None
    return f"subnet {sid} is not in the input" if sid else "the subnet is not in the input"


def _precheck(subnet: Any) -> dict | None:
    """The cases decided before any rule is read: unknown subnet, no NSG, NSG not in the input."""
    if not _in_scope(subnet):
        return _result(subnet, "unknown", _subnet_missing_reason(subnet))
    nsg = subnet.get("nsg")
    if nsg is None:
        return _result(subnet, "allow", "no NSG on subnet")
    if not _in_scope(nsg):
        nid = nsg.get("id") if isinstance(nsg, dict) else None
        return _result(subnet, "unknown", f"NSG {nid} is not in the input")
    if not isinstance(nsg.get("securityRules"), list):
        return _result(subnet, "unknown", f"the security rules of NSG {nsg.get('id')} are not in the input "
                                          "(securityRules is missing or not a list)")
    return None


# Parsed rules per (NSG view, VirtualNetwork tag): every flow asked of one NSG reuses them. An entry
# keeps its NSG view alive, so the id in its key is never reused while cached; `clear_parsed` empties it.
_PARSED: dict[tuple[int, AddressSet], tuple[dict, list[Rule], bool]] = {}


def clear_parsed() -> None:
    _PARSED.clear()


def _rules_of(subnet: dict, direction: str, vnet: AddressSet) -> tuple[list[Rule], bool]:
    """The NSG's rules for one direction; an unreadable direction counts for both."""
    nsg = subnet["nsg"]
    entry = _PARSED.get((id(nsg), vnet))
    if entry is None or entry[0] is not nsg:
        custom = nsg.get("securityRules") if isinstance(nsg.get("securityRules"), list) else []
        defaults = nsg.get("defaultSecurityRules")
        assumed = not (isinstance(defaults, list) and defaults)
        raw = custom + (default_security_rules() if assumed else defaults)
        entry = _PARSED[(id(nsg), vnet)] = (nsg, [_read_rule(r, i, vnet) for i, r in enumerate(raw)], assumed)
    _, rules, assumed = entry
    return [r for r in rules if r.direction in (direction, None)], assumed


def _summarise(subnet: dict, walk: Walk, assumed: bool) -> dict:
    """Turn claims into the verdict: any surely denied point denies; else unknown points; else allow."""
    denied = [c for c in walk.claims if c.outcomes == {"deny"}]
    allowed = [c for c in walk.claims if c.outcomes == {"allow"}]
    unsure = [c for c in walk.claims if len(c.outcomes) > 1]
    # A maybe-rule is to blame for an unknown part only if it could have done what the deciding rule did not.
    blamed = {r for c in unsure for r in c.maybe_rules if r.outcomes - c.rule.outcomes}
    unknown_rules = _ordered(blamed | {r for p in walk.pieces for r in p.maybe_rules})
    causes = [cause for r in unknown_rules for cause in r.causes]
    if walk.pieces:
        causes.append(f"no rule of NSG {subnet['nsg'].get('id')} decides part of the flow")
    common = {
        "rules": [r.name for r in _ordered({c.rule for c in walk.claims})],
        "unknown_rules": [r.name for r in unknown_rules],
        "assumptions": list(walk.assumptions),
        "defaults_assumed": assumed,
    }
    reason = "; ".join(dict.fromkeys(causes)) or None
    if denied:
        first = denied[0].rule
        partial = len(denied) < len(walk.claims) or bool(walk.pieces)
        return _result(
            subnet, "deny", reason, rule=first.name, priority=first.priority, partial=partial, **common
        )
    if unsure or walk.pieces:
        return _result(subnet, "unknown", reason, **common)
    if not allowed:
        return _result(subnet, "allow", None, **common)
    first = allowed[0].rule
    return _result(subnet, "allow", None, rule=first.name, priority=first.priority, **common)


def _ordered(rules: set[Rule]) -> list[Rule]:
    return sorted(rules, key=lambda r: r.order)


# --------------------------------------------------------------------------------------------------
# Public API


def decide(
    subnet: dict | None, direction: str, source: Any, destination: Any, protocol: str, ports: Any
) -> dict:
    """Decide a flow against the NSG of ``subnet`` in one direction.

    Returns ``verdict`` ``deny`` when some point of the flow is surely denied (``rule`` = the
    lowest-priority-number rule that surely denies, ``partial`` when other points are not surely
    denied), else ``unknown`` when some point depends on a rule we cannot read (``reason`` says
    which), else ``allow`` (``rule`` = the lowest-priority-number rule that allowed some part).
    Bad input never raises: it gives ``unknown`` with a reason.
    """
    early = _precheck(subnet)
    if early is not None:
        return early
    wanted = _lower_choice(direction, {"inbound", "outbound"})
    if wanted is None:
        return _result(subnet, "unknown", f"direction {direction!r} is neither Inbound nor Outbound")
    vnet = _virtual_network(subnet)
    flow, problem = _read_flow(vnet, source, destination, protocol, ports)
    if problem:
        return _result(subnet, "unknown", problem)
    rules, assumed = _rules_of(subnet, wanted, vnet)
    return _summarise(subnet, _walk(rules, flow), assumed)


def _read_flow(
    vnet: AddressSet, source: Any, destination: Any, protocol: Any, ports: Any
) -> tuple[list, str]:
    """The flow as boxes, or a reason why it cannot be read."""
    src, dst = _read_endpoint(source, vnet), _read_endpoint(destination, vnet)
    proto, dports = _read_protocol(protocol), _read_flow_ports(ports)
    for value, label, raw in (
        (src, "source", source),
        (dst, "destination", destination),
        (proto, "protocol", protocol),
        (dports, "ports", ports),
    ):
        if value is None:
            return [], f"the flow's {label} {raw!r} cannot be read"
        if value.is_empty():
            return [], f"the flow has no {label}"
    boxes = _flow_boxes(src, dst, proto, dports)  # type: ignore[arg-type]
    if not boxes:
        return [], "the flow's source and destination share no IP family"
    return boxes, ""


def has_custom_deny(subnet: dict | None) -> bool | None:
    """Whether the subnet's NSG has a custom (non-default) rule with access Deny.

    OVERLAY-010 and KUBENET-009 only apply to such NSGs.  ``False`` without an NSG; ``None`` when
    the subnet or its NSG is not in the input, or when no rule surely denies but some rule's access
    cannot be read.
    """
    if not _in_scope(subnet):
        return None
    nsg = subnet.get("nsg")  # type: ignore[union-attr]
    if nsg is None:
        return False
    if not _in_scope(nsg):
        return None
    rules = nsg.get("securityRules")
    if not isinstance(rules, list):
        return None
    props = [r.get("properties") if isinstance(r, dict) else None for r in rules]
    access = [
        _lower_choice(p.get("access") if isinstance(p, dict) else None, {"allow", "deny"}) for p in props
    ]
    if "deny" in access:
        return True
    return None if None in access else False


def path_decide(
    from_subnets: list, to_subnet: dict | None, protocol: str, ports: Any, decider: Any = None
) -> list[dict]:
    """Decide traffic from each subnet in ``from_subnets`` to ``to_subnet``: out of one, into the other.

    The flow is every address of the source subnet to every address of the target subnet; it passes
    only if the source's NSG lets it out and the target's NSG lets it in. ``decider`` replaces
    :func:`decide` (the rule engine passes its cache).
    """
    entries = []
    for source in from_subnets if isinstance(from_subnets, list) else []:
        outbound, inbound = _path_legs(source, to_subnet, protocol, ports, decider or decide)
        entries.append(
            {
                "from": source.get("name") if isinstance(source, dict) else None,
                "from_id": source.get("id") if isinstance(source, dict) else None,
                "outbound": outbound,
                "inbound": inbound,
                "verdict": _combine(outbound["verdict"], inbound["verdict"]),
            }
        )
    return entries


def _path_legs(source: Any, target: Any, protocol: str, ports: Any, decider: Any) -> tuple[dict, dict]:
    """The outbound leg on the source's NSG and the inbound leg on the target's NSG."""
    if not _in_scope(source):
        reason = _subnet_missing_reason(source)
        return _result(source, "unknown", reason), _result(target, "unknown", reason)
    src_prefixes = source.get("prefixes")
    inbound = decider(target, "Inbound", src_prefixes, (target or {}).get("prefixes"), protocol, ports)
    outbound = _precheck(source)
    if outbound is None and not _in_scope(target):
        outbound = _result(source, "unknown", _subnet_missing_reason(target))
    if outbound is None:
        outbound = decider(source, "Outbound", src_prefixes, target.get("prefixes"), protocol, ports)
    return outbound, inbound


def _combine(*verdicts: str) -> str:
    """A path is denied if any leg denies, unknown if any leg is unknown, else allowed."""
    if "deny" in verdicts:
        return "deny"
    return "unknown" if "unknown" in verdicts else "allow"
