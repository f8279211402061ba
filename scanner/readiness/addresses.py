"""Address plans for a migration: a pod CIDR that fits, a free /28 for the API server, the az commands.

Pure CIDR math on :mod:`ipaddress` and :class:`scanner.netmath.IntervalSet`; nothing here reads
Azure or runs a command.  The caller gathers what a proposal must avoid (the VNet's address space,
its subnets, service CIDRs, connected networks, ``onprem_prefixes``...) and passes the prefixes as
written; every answer echoes them back as ``checked_against`` so a human can verify it.

Blocks are searched in a fixed order: the candidate ranges (or VNet prefixes) in the order given,
aligned blocks inside each in address order.  The first block that overlaps nothing wins.  Free
space is computed as ``range - union(avoid)`` on interval sets, so a /8 VNet with thousands of
subnets costs one sort, not a scan of a million /28s.

Only IPv4 is planned: IPv6 entries of ``avoid`` are ignored (an IPv6 pod CIDR is checked by the
rules, not proposed).  An entry that is neither an address nor a CIDR raises :class:`ValueError`
naming it: a garbled prefix must never pass as "nothing there", the caller makes it "undecided".
"""

from __future__ import annotations

import ipaddress
import shlex
from collections.abc import Iterable, Sequence

from scanner.netmath import IntervalSet, parse_network

# DESIGN.md's search order for a pod CIDR (and for an address-space extension).
CANDIDATE_RANGES: tuple[str, ...] = (
    "10.244.0.0/16",
    "100.64.0.0/10",
    "172.16.0.0/12",
    "10.0.0.0/8",
    "192.168.0.0/16",
)

# IPAM-001: ranges AKS reserves; no pod CIDR or extension may touch them.
RESERVED_RANGES: tuple[str, ...] = ("169.254.0.0/16", "172.30.0.0/16", "172.31.0.0/16", "192.0.2.0/24")

# Overlay gives every node one /24 of the pod CIDR; a proposal is never smaller than a /16.
NODE_BLOCK_PREFIX = 24
LARGEST_POD_PREFIX = 16

APISERVER_DELEGATION = "Microsoft.ContainerService/managedClusters"
APISERVER_PORTS = ("443", "4443")
AZURE_LB_PROBE_PORT = "9988"
FIRST_NSG_PRIORITY = 100
LAST_NSG_PRIORITY = 4096


# --------------------------------------------------------------------------------------------------
# Reading prefixes


def _ipv4_entries(entries: Iterable[object], what: str = "avoid") -> list[tuple[str, ipaddress.IPv4Network]]:
    """The IPv4 entries as ``(as written, network)``; IPv6 ones dropped, unreadable ones raise."""
    out: list[tuple[str, ipaddress.IPv4Network]] = []
    for entry in entries:
        net = parse_network(entry)
        if net is None:
            raise ValueError(f"{what} entry {entry!r} is neither an address nor a CIDR")
        if net.version == 4:
            out.append((entry, net))  # type: ignore[arg-type]  # parse_network only reads strings
    return out


def _unique(items: Iterable[str]) -> list[str]:
    """Drop exact repeats, keep the first occurrence's place."""
    return list(dict.fromkeys(items))


def _interval_set(nets: Iterable[ipaddress.IPv4Network]) -> IntervalSet:
    return IntervalSet.of_networks(nets)


# --------------------------------------------------------------------------------------------------
# The search itself


def _first_aligned(free: IntervalSet, size: int) -> int | None:
    """The lowest multiple of ``size`` whose ``size`` addresses all lie in one range of ``free``.

    ``free`` holds IPv4 integers only (``IntervalSet`` keeps them as they are on the shared line).
    """
    for lo, hi in free.ranges:
        start = -(-lo // size) * size
        if start + size - 1 <= hi:
            return start
    return None


def first_free_block(ranges: Sequence[str], prefix: int, avoid: Iterable[str]) -> tuple[str, str] | None:
    """The first aligned IPv4 ``/prefix`` inside ``ranges`` that overlaps no entry of ``avoid``.

    ``ranges`` are searched in the order given, blocks inside each in address order; a range smaller
    than the block is skipped.  Returns ``(block, the range it came from as written)`` or ``None``.
    IPv6 entries of ``ranges`` and ``avoid`` are ignored; unreadable ones raise ``ValueError``.
    """
    if not 0 <= prefix <= 32:
        raise ValueError(f"prefix length {prefix!r} is not an IPv4 prefix length")
    taken = _interval_set(net for _, net in _ipv4_entries(avoid))
    for text, space in _ipv4_entries(ranges, "range"):
        block = _first_in(space, prefix, taken)
        if block is not None:
            return block, text
    return None


def _first_in(space: ipaddress.IPv4Network, prefix: int, taken: IntervalSet) -> str | None:
    """The first aligned ``/prefix`` of ``space`` outside ``taken``; ``None`` also when it is too small."""
    if space.prefixlen > prefix:
        return None
    start = _first_aligned(_interval_set([space]) - taken, 2 ** (32 - prefix))
    return None if start is None else str(ipaddress.IPv4Network((start, prefix)))


def pod_prefix_for(needed_24s: int) -> int:
    """The prefix length of the smallest block holding ``needed_24s`` /24s, never smaller than a /16.

    May be negative when no IPv4 block is that large (more than 2**24 /24s).
    """
    bits = (needed_24s - 1).bit_length() if needed_24s > 1 else 0
    return min(LARGEST_POD_PREFIX, NODE_BLOCK_PREFIX - bits)


# --------------------------------------------------------------------------------------------------
# The three proposals


def propose_pod_cidr(nodes: int, avoid: list[str]) -> dict:
    """A pod CIDR for Azure CNI Overlay: a /24 for twice the nodes the pools can reach, at least a /16.

    ``nodes`` is Σ pools (max nodes + surge).  The block is the first aligned one of its size in
    :data:`CANDIDATE_RANGES` (in that order) that overlaps no entry of ``avoid`` and none of
    :data:`RESERVED_RANGES`.

    Returns ``{"cidr": str | None, "prefix_length": int | None, "needed_24s": int,
    "checked_against": [IPv4 avoid entries as written, then the reserved ranges],
    "searched": [the candidate ranges large enough for the block, in order, up to the one it came
    from], "reason": None | str}``.
    """
    if isinstance(nodes, bool) or not isinstance(nodes, int) or nodes < 0:
        raise ValueError(f"node count {nodes!r} is not a whole number >= 0")
    entries = _ipv4_entries(avoid)
    checked = _unique([text for text, _ in entries] + list(RESERVED_RANGES))
    needed = 2 * nodes
    prefix = pod_prefix_for(needed)
    result: dict = {
        "cidr": None,
        "prefix_length": prefix,
        "needed_24s": needed,
        "checked_against": checked,
        "searched": [],
        "reason": None,
    }
    if prefix < 0:
        result.update(prefix_length=None, reason=f"{needed} /24s do not fit in the IPv4 address space")
        return result
    taken = _interval_set(net for _, net in _ipv4_entries(checked))
    for candidate in CANDIDATE_RANGES:
        space = ipaddress.IPv4Network(candidate)
        if space.prefixlen > prefix:
            continue
        result["searched"].append(candidate)
        result["cidr"] = _first_in(space, prefix, taken)
        if result["cidr"] is not None:
            return result
    result["reason"] = f"no free /{prefix} in the candidate ranges"
    return result


def free_slash28(vnet_prefixes: list[str], avoid: list[str]) -> dict:
    """The first free /28 in a VNet's address space, for an API server subnet.

    ``vnet_prefixes`` (IPv4 ones, in the order given) are searched in address order for an aligned
    /28 that overlaps no entry of ``avoid`` (the caller passes every subnet of the VNet, service
    CIDRs, DNS service IPs and the pod CIDRs of every cluster in the VNet).

    Returns ``{"cidr": str | None, "vnet_prefix": the VNet prefix as written | None,
    "checked_against": [IPv4 avoid entries as written]}``.
    """
    checked = _unique(text for text, _ in _ipv4_entries(avoid))
    found = first_free_block(vnet_prefixes, 28, checked)
    return {
        "cidr": found[0] if found else None,
        "vnet_prefix": found[1] if found else None,
        "checked_against": checked,
    }


def extension_slash28(avoid: list[str]) -> dict:
    """A /28 to add to a full VNet's address space, from the pod CIDR's candidate ranges.

    It overlaps no entry of ``avoid`` (the caller passes the VNets, peered and on-premises ranges,
    ``onprem_prefixes``, pod and service CIDRs) and none of :data:`RESERVED_RANGES`.

    Returns ``{"cidr": str | None, "checked_against": [IPv4 avoid entries as written, then the
    reserved ranges], "searched": [the candidate ranges, in order, up to the one it came from]}``.
    """
    checked = _unique([text for text, _ in _ipv4_entries(avoid)] + list(RESERVED_RANGES))
    result: dict = {"cidr": None, "checked_against": checked, "searched": []}
    taken = _interval_set(net for _, net in _ipv4_entries(checked))
    for candidate in CANDIDATE_RANGES:
        result["searched"].append(candidate)
        result["cidr"] = _first_in(ipaddress.IPv4Network(candidate), 28, taken)
        if result["cidr"] is not None:
            break
    return result


# --------------------------------------------------------------------------------------------------
# az commands (strings only; the scanner never runs them)


def _arg(value: object, placeholder: str) -> str:
    """A shell-safe argument; a ``<placeholder>`` when the value is unknown."""
    if value is None or value == "":
        return f"<{placeholder}>"
    return shlex.quote(str(value))


def subnet_create_command(resource_group: str, vnet: str, name: str, cidr: str) -> str:
    """``az network vnet subnet create`` for a new API server subnet, delegated to AKS."""
    return (
        f"az network vnet subnet create -g {_arg(resource_group, 'resource-group')}"
        f" --vnet-name {_arg(vnet, 'vnet-name')} -n {_arg(name, 'subnet-name')}"
        f" --address-prefixes {_arg(cidr, 'cidr')} --delegations {APISERVER_DELEGATION}"
    )


def vnet_extend_commands(
    resource_group: str,
    vnet: str,
    existing_prefixes: list[str],
    new_prefix: str,
    remote_peerings: list[dict],
) -> list[str]:
    """Add ``new_prefix`` to a VNet's address space, then sync the peering in every remote VNet.

    ``--address-prefixes`` replaces the whole list, so the existing prefixes come first.  Each entry
    of ``remote_peerings`` is ``{"resource_group", "vnet", "name"}`` (optionally ``"subscription"``)
    for the peering in the REMOTE VNet that points at this one; an unknown name (``None``: its row
    is not in the input) becomes a ``<peering-name>`` placeholder.  Repeated peerings are synced once.
    """
    prefixes = _unique([*existing_prefixes, new_prefix])
    commands = [
        f"az network vnet update -g {_arg(resource_group, 'resource-group')} -n {_arg(vnet, 'vnet-name')}"
        f" --address-prefixes {' '.join(_arg(p, 'prefix') for p in prefixes)}"
    ]
    for peering in remote_peerings:
        command = (
            f"az network vnet peering sync -g {_arg(peering.get('resource_group'), 'resource-group')}"
            f" --vnet-name {_arg(peering.get('vnet'), 'vnet-name')} -n {_arg(peering.get('name'), 'peering-name')}"
        )
        if peering.get("subscription"):
            command += f" --subscription {_arg(peering['subscription'], 'subscription')}"
        if command not in commands:
            commands.append(command)
    return commands


def _free_priorities(taken: Iterable[int], count: int) -> list[int]:
    used = set(taken)
    free = [p for p in range(FIRST_NSG_PRIORITY, LAST_NSG_PRIORITY + 1) if p not in used]
    if len(free) < count:
        raise ValueError("the NSG has no free inbound priorities left")
    return free[:count]


def nsg_rules_for_apiserver(
    resource_group: str,
    nsg: str,
    cluster_prefixes: list[str],
    apiserver_cidr: str,
    taken_priorities: Iterable[int] = (),
) -> list[str]:
    """The two inbound rules APISRV-006/007 need on the API server subnet's NSG.

    1. TCP 443 and 4443 from the cluster subnets (node and pod subnets, IPv4 prefixes as given;
       IPv6 ones are dropped, as a rule cannot mix families and the API server subnet is IPv4);
    2. TCP 9988 from the ``AzureLoadBalancer`` service tag.

    Both allow traffic to ``apiserver_cidr`` and take the lowest inbound priorities from 100 up
    that are not in ``taken_priorities`` (pass the NSG's existing inbound priorities).
    """
    sources = _unique(text for text, _ in _ipv4_entries(cluster_prefixes, "cluster prefix"))
    if not sources:
        raise ValueError("no IPv4 cluster subnet prefix to allow")
    if parse_network(apiserver_cidr) is None:
        raise ValueError(f"API server subnet {apiserver_cidr!r} is not a CIDR")
    first, second = _free_priorities(taken_priorities, 2)
    base = f"az network nsg rule create -g {_arg(resource_group, 'resource-group')} --nsg-name {_arg(nsg, 'nsg-name')}"
    common = (
        "--direction Inbound --access Allow --protocol Tcp"
        f" --destination-address-prefixes {_arg(apiserver_cidr, 'cidr')}"
    )
    return [
        f"{base} -n AllowAksClusterToApiServer --priority {first} {common}"
        f" --source-address-prefixes {' '.join(_arg(s, 'prefix') for s in sources)}"
        f" --destination-port-ranges {' '.join(APISERVER_PORTS)}",
        f"{base} -n AllowAzureLoadBalancerToApiServer --priority {second} {common}"
        f" --source-address-prefixes AzureLoadBalancer --destination-port-ranges {AZURE_LB_PROBE_PORT}",
    ]
