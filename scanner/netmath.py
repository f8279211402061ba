"""CIDR math for the rules, IPv4 and IPv6, on top of the standard library's `ipaddress`.

The public functions are registered as JMESPath functions, so they take plain JSON values (strings,
lists of strings, integers) and never raise: a rule expression over unexpected data must give
"cannot tell" (``None``), which the engine turns into an ``error`` finding, not a crash.

The NSG evaluator also needs set arithmetic over addresses, ports and protocols.  For that this
module maps both address families onto one integer line (IPv4 ``a`` -> ``int(a)``, IPv6 ``a`` ->
``2**32 + int(a)``) and offers :class:`IntervalSet`, an immutable union of inclusive integer ranges.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Azure keeps the network address, the broadcast address and three addresses for its own services.
AZURE_RESERVED_PER_SUBNET = 5

IPV6_OFFSET = 2**32
MAX_ADDRESS = IPV6_OFFSET + 2**128 - 1

_DOTTED_QUAD = re.compile(r"^\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?$")
_IPV4_MASK_FORM = re.compile(r"^\d{1,3}(\.\d{1,3}){3}/\d{1,3}(\.\d{1,3}){3}$")


# --------------------------------------------------------------------------------------------------
# Parsing


def parse_network(text: object) -> IPNetwork | None:
    """Read an address or CIDR as a network; ``None`` for anything that is neither.

    Strings are parsed once (the same prefixes recur across rules and clusters); networks are
    immutable, so sharing them is safe.

    Host bits are allowed (``10.0.0.5/16``) because Azure accepts them in NSG rules and routes.
    Only dotted-quad IPv4 and colon-separated IPv6 are accepted: ``ipaddress`` would read ``"789"``
    as ``0.0.3.21``, and Azure rows really contain such prefixes, which RULES.md says are neither an
    address nor a CIDR.
    """
    if not isinstance(text, str):
        return None
    return _parse_text(text)


@lru_cache(maxsize=1 << 16)
def _parse_text(text: str) -> IPNetwork | None:
    text = text.strip()
    if ":" not in text and not (_DOTTED_QUAD.match(text) or _IPV4_MASK_FORM.match(text)):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _networks(value: object) -> list[IPNetwork] | None:
    """A string or a list of strings as networks; ``None`` when any entry is unreadable."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        return None
    nets = [parse_network(item) for item in items]
    if any(net is None for net in nets):
        return None
    return nets


def _as_int(value: object) -> int | None:
    """JMESPath hands numbers over as int or float; accept whole numbers only, never booleans."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


# --------------------------------------------------------------------------------------------------
# JMESPath-facing functions


def cidr_overlaps(a: object, b: object) -> bool | None:
    """True when some network of ``a`` shares an address with some network of ``b``.

    Networks of different families never overlap.  ``None`` when any entry cannot be read, so a
    garbled prefix never passes as "no overlap".
    """
    nets_a, nets_b = _networks(a), _networks(b)
    if nets_a is None or nets_b is None:
        return None
    return any(x.version == y.version and x.overlaps(y) for x in nets_a for y in nets_b)


def cidr_contains(outer: object, inner: object) -> bool | None:
    """True when every network of ``inner`` lies inside some single network of ``outer``."""
    nets_out, nets_in = _networks(outer), _networks(inner)
    if nets_out is None or nets_in is None:
        return None
    return all(_inside_any(net, nets_out) for net in nets_in)


def _inside_any(net: IPNetwork, covering: list[IPNetwork]) -> bool:
    return any(net.version == c.version and net.subnet_of(c) for c in covering)


def prefix_len(cidr: object) -> int | None:
    """The prefix length of a CIDR (a bare address counts as /32 or /128)."""
    net = parse_network(cidr)
    return None if net is None else net.prefixlen


def cidr_size(cidr: object) -> int | None:
    """The number of addresses in a CIDR, Azure's reserves included."""
    net = parse_network(cidr)
    return None if net is None else net.num_addresses


def subnet_count(cidr: object, prefix: int) -> int | None:
    """How many /prefix networks fit in cidr (0 when it is smaller); ``None`` when unreadable.

    ``prefix`` counts in the CIDR's own family (``/24`` of an IPv4 pod CIDR: one node's pod range
    in Azure CNI Overlay).
    """
    net = parse_network(cidr)
    limit = 32 if net is not None and net.version == 4 else 128
    if net is None or not 0 <= prefix <= limit:
        return None
    return 0 if net.prefixlen > prefix else 2 ** (prefix - net.prefixlen)


def nth_ip(cidr: object, n: object) -> str | None:
    """The ``n``-th address of a CIDR (negative ``n`` counts from the end); ``None`` when out of range.

    Rules use it for well-known addresses such as a service CIDR's 10th address (the DNS service IP).
    """
    net, index = parse_network(cidr), _as_int(n)
    if net is None or index is None:
        return None
    if index < 0:
        index += net.num_addresses
    if not 0 <= index < net.num_addresses:
        return None
    return str(net.network_address + index)


def ip_in(ip: object, cidrs: object) -> bool | None:
    """True when the single address ``ip`` lies in some network of ``cidrs``.

    ``ip`` must be one address (``10.0.0.5`` or ``10.0.0.5/32``); a wider CIDR is not an address,
    so the answer is ``None``.
    """
    addr, nets = parse_network(ip), _networks(cidrs)
    if addr is None or nets is None or addr.num_addresses != 1:
        return None
    return any(addr.version == net.version and addr.network_address in net for net in nets)


def cidrs_outside(cidrs: object, covering: object) -> list[str] | None:
    """The entries of ``cidrs`` (as written) that no single network of ``covering`` contains.

    Used for "non-masquerade CIDRs beyond the reconciled map": the answer names what to fix.
    """
    items = [cidrs] if isinstance(cidrs, str) else cidrs
    nets, cover = _networks(items), _networks(covering)
    if nets is None or cover is None:
        return None
    return [item for item, net in zip(items, nets, strict=True) if not _inside_any(net, cover)]


def usable_addresses(cidr: object) -> int | None:
    """Addresses left for resources in an IPv4 subnet: its size minus Azure's 5 reserves, at least 0.

    ``None`` for IPv6: RULES.md counts usable addresses on the IPv4 prefix only.
    """
    net = parse_network(cidr)
    if net is None or net.version != 4:
        return None
    return max(net.num_addresses - AZURE_RESERVED_PER_SUBNET, 0)


# --------------------------------------------------------------------------------------------------
# One integer line for both families, and sets of ranges on it


def address_value(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    """Place an address on the shared line, IPv6 after all of IPv4, so families never collide."""
    return int(addr) + (IPV6_OFFSET if addr.version == 6 else 0)


def network_interval(net: IPNetwork) -> tuple[int, int]:
    """The inclusive ``(lo, hi)`` range a network covers on the shared address line."""
    return address_value(net.network_address), address_value(net.broadcast_address)


class IntervalSet:
    """An immutable set of integers stored as sorted, disjoint, non-adjacent inclusive ranges.

    The NSG evaluator works on boxes whose sides are such sets (addresses, ports, protocols); exact
    set arithmetic is what lets it say "denied for ports 80-90 only" instead of guessing.
    """

    __slots__ = ("_ranges",)

    def __init__(self, ranges: Iterable[tuple[int, int]] = ()) -> None:
        self._ranges: tuple[tuple[int, int], ...] = _normalise(ranges)

    @classmethod
    def of_networks(cls, nets: Iterable[IPNetwork]) -> IntervalSet:
        """The addresses of some networks."""
        return cls(network_interval(net) for net in nets)

    @property
    def ranges(self) -> tuple[tuple[int, int], ...]:
        return self._ranges

    def is_empty(self) -> bool:
        return not self._ranges

    def union(self, other: IntervalSet) -> IntervalSet:
        return IntervalSet(self._ranges + other._ranges)

    def intersection(self, other: IntervalSet) -> IntervalSet:
        out: list[tuple[int, int]] = []
        i = j = 0
        a, b = self._ranges, other._ranges
        while i < len(a) and j < len(b):
            lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
            if lo <= hi:
                out.append((lo, hi))
            if a[i][1] < b[j][1]:
                i += 1
            else:
                j += 1
        return IntervalSet(out)

    def difference(self, other: IntervalSet) -> IntervalSet:
        out: list[tuple[int, int]] = []
        cuts = other._ranges
        j = 0
        for lo, hi in self._ranges:
            while j < len(cuts) and cuts[j][1] < lo:
                j += 1
            k, start = j, lo
            while k < len(cuts) and cuts[k][0] <= hi:
                if cuts[k][0] > start:
                    out.append((start, cuts[k][0] - 1))
                start = max(start, cuts[k][1] + 1)
                k += 1
            if start <= hi:
                out.append((start, hi))
        return IntervalSet(out)

    def contains(self, other: IntervalSet) -> bool:
        """True when ``other`` is a subset of this set."""
        return other.difference(self).is_empty()

    def overlaps(self, other: IntervalSet) -> bool:
        return not self.intersection(other).is_empty()

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntervalSet) and self._ranges == other._ranges

    def __hash__(self) -> int:
        return hash(self._ranges)

    def __repr__(self) -> str:
        return f"IntervalSet({list(self._ranges)!r})"


def _normalise(ranges: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Sort and merge overlapping or touching ranges, so equal sets compare equal."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted((int(lo), int(hi)) for lo, hi in ranges):
        if lo > hi:
            raise ValueError(f"empty range ({lo}, {hi})")
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return tuple(merged)


ALL_ADDRESSES = IntervalSet([(0, MAX_ADDRESS)])
ALL_IPV4 = IntervalSet([(0, IPV6_OFFSET - 1)])
ALL_IPV6 = IntervalSet([(IPV6_OFFSET, MAX_ADDRESS)])
ALL_PORTS = IntervalSet([(0, 65535)])
PRIVATE_RANGES = IntervalSet.of_networks(
    ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
PUBLIC_ADDRESSES = ALL_ADDRESSES - PRIVATE_RANGES


def overlap_pairs(a: object, b: object) -> list[list[str]] | None:
    """Every ``[x, y]`` (as written) with ``x`` from ``a`` and ``y`` from ``b`` sharing an address.

    For messages that must name what overlaps what; ``None`` when any entry cannot be read.
    """
    items_a = [a] if isinstance(a, str) else a
    items_b = [b] if isinstance(b, str) else b
    nets_a, nets_b = _networks(items_a), _networks(items_b)
    if nets_a is None or nets_b is None:
        return None
    return [
        [x, y]
        for x, net_x in zip(items_a, nets_a, strict=True)
        for y, net_y in zip(items_b, nets_b, strict=True)
        if net_x.version == net_y.version and net_x.overlaps(net_y)
    ]


def ip_version(cidr: object) -> int | None:
    """4 or 6; ``None`` for anything that is not an address or CIDR."""
    net = parse_network(cidr)
    return None if net is None else net.version
