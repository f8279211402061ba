"""Address plans for readiness: the proposed pod CIDR and /28 overlap nothing they were checked against.

Property tests compare the interval-set search with a brute force on small spaces: every aligned
block enumerated with ``ipaddress``, overlap checked address by address.
"""

import ipaddress
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.readiness.addresses import (
    CANDIDATE_RANGES,
    RESERVED_RANGES,
    extension_slash28,
    first_free_block,
    free_slash28,
    nsg_rules_for_apiserver,
    pod_prefix_for,
    propose_pod_cidr,
    subnet_create_command,
    vnet_extend_commands,
)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------------
# Brute force


def _nets(entries):
    """The IPv4 networks of some entries (IPv6 ones dropped, as the planner does)."""
    nets = [ipaddress.ip_network(e, strict=False) for e in entries]
    return [n for n in nets if n.version == 4]


def _block_is_free(block, nets):
    """Address by address: no address of ``block`` lies in any of ``nets``."""
    return not any(addr in net for addr in block for net in nets)


def _brute_first(ranges, prefix, avoid):
    nets = _nets(avoid)
    for text in ranges:
        space = ipaddress.ip_network(text, strict=False)
        if space.version != 4 or space.prefixlen > prefix:
            continue
        for block in space.subnets(new_prefix=prefix):
            if _block_is_free(block, nets):
                return str(block), text
    return None


def _assert_sound(cidr, prefix, checked_against):
    block = ipaddress.IPv4Network(cidr)  # strict: raises unless aligned
    assert block.prefixlen == prefix
    assert int(block.network_address) % block.num_addresses == 0
    for other in _nets(checked_against):
        assert not block.overlaps(other), (cidr, str(other))


# --------------------------------------------------------------------------------------------------
# Strategies: small spaces around 10.0.0.0/22


@st.composite
def small_net(draw, base="10.0.0.0", span=22, min_prefix=22, max_prefix=32):
    """A network somewhere in base/span (host bits allowed, as Azure rows have them)."""
    offset = draw(st.integers(0, 2 ** (32 - span) - 1))
    prefix = draw(st.integers(min_prefix, max_prefix))
    addr = ipaddress.IPv4Address(base) + offset
    return f"{addr}/{prefix}"


ipv6_entry = st.sampled_from(["fd00::/8", "10::/16", "2001:db8::1", "fd12:3456::/64"])
avoid_entries = st.lists(st.one_of(small_net(), small_net(min_prefix=20, max_prefix=26), ipv6_entry), max_size=12)


@PROPERTY
@given(
    ranges=st.lists(small_net(min_prefix=22, max_prefix=30), min_size=1, max_size=3),
    prefix=st.integers(24, 32),
    avoid=avoid_entries,
)
def test_first_free_block_agrees_with_brute_force(ranges, prefix, avoid):
    got = first_free_block(ranges, prefix, avoid)
    assert got == _brute_first(ranges, prefix, avoid)
    if got is not None:
        _assert_sound(got[0], prefix, avoid)
        assert ipaddress.IPv4Network(got[0]).subnet_of(ipaddress.ip_network(got[1], strict=False))


@PROPERTY
@given(
    vnet=st.lists(
        st.one_of(small_net(min_prefix=22, max_prefix=26), small_net(base="192.168.8.0", min_prefix=22)),
        min_size=1,
        max_size=3,
    ),
    subnets=avoid_entries,
)
def test_free_slash28_agrees_with_brute_force(vnet, subnets):
    got = free_slash28(vnet, subnets)
    expected = _brute_first(vnet, 28, subnets)
    assert (got["cidr"], got["vnet_prefix"]) == (expected or (None, None))
    assert got["checked_against"] == list(dict.fromkeys(s for s in subnets if ":" not in s))
    if got["cidr"] is not None:
        _assert_sound(got["cidr"], 28, subnets)
        assert ipaddress.IPv4Network(got["cidr"]).subnet_of(ipaddress.ip_network(got["vnet_prefix"], strict=False))


@PROPERTY
@given(st.data())
def test_free_slash28_is_none_exactly_when_the_vnet_is_full(data):
    vnet = "10.0.0.0/24"
    # Cover the VNet with /28s except perhaps some, plus unaligned crumbs that leave no whole /28.
    blocks = list(ipaddress.IPv4Network(vnet).subnets(new_prefix=28))
    keep_free = data.draw(st.sets(st.integers(0, len(blocks) - 1), max_size=2))
    subnets = [str(b) for i, b in enumerate(blocks) if i not in keep_free]
    for i in keep_free:  # a /32 inside a kept block makes it taken half of the time
        if data.draw(st.booleans()):
            subnets.append(str(blocks[i].network_address + data.draw(st.integers(0, 15))))
    got = free_slash28([vnet], subnets)
    expected = _brute_first([vnet], 28, subnets)
    assert (got["cidr"] is None) == (expected is None)
    assert got["cidr"] == (expected[0] if expected else None)


# --------------------------------------------------------------------------------------------------
# Pod CIDR: the real candidate ranges, blocks enumerated with ipaddress


def _brute_pod_cidr(nodes, avoid):
    needed = 2 * nodes
    prefix = 16
    while 2 ** (24 - prefix) < needed:
        prefix -= 1
    nets = _nets(avoid) + _nets(RESERVED_RANGES)
    for text in CANDIDATE_RANGES:
        space = ipaddress.IPv4Network(text)
        if space.prefixlen > prefix:
            continue
        for block in space.subnets(new_prefix=prefix):
            if not any(block.overlaps(n) for n in nets):
                return str(block), prefix
    return None, prefix


big_avoid = st.one_of(
    small_net(base="10.0.0.0", span=8, min_prefix=8, max_prefix=20),
    small_net(base="10.244.0.0", span=16, min_prefix=14, max_prefix=24),
    small_net(base="100.64.0.0", span=10, min_prefix=9, max_prefix=18),
    small_net(base="172.16.0.0", span=12, min_prefix=11, max_prefix=18),
    small_net(base="192.168.0.0", span=16, min_prefix=15, max_prefix=24),
    st.sampled_from(list(CANDIDATE_RANGES)),
    ipv6_entry,
)


@PROPERTY
@given(nodes=st.integers(0, 20000), avoid=st.lists(big_avoid, max_size=10))
def test_propose_pod_cidr_agrees_with_brute_force(nodes, avoid):
    got = propose_pod_cidr(nodes, avoid)
    cidr, prefix = _brute_pod_cidr(nodes, avoid)
    assert got["prefix_length"] == prefix
    assert got["needed_24s"] == 2 * nodes
    assert got["cidr"] == cidr
    assert (got["reason"] is None) == (cidr is not None)
    assert got["checked_against"] == list(dict.fromkeys([a for a in avoid if ":" not in a] + list(RESERVED_RANGES)))
    if cidr is not None:
        _assert_sound(cidr, prefix, got["checked_against"])
        assert 2 ** (24 - prefix) >= 2 * nodes
        assert got["searched"][-1] in CANDIDATE_RANGES
        assert ipaddress.IPv4Network(cidr).subnet_of(ipaddress.IPv4Network(got["searched"][-1]))


@st.composite
def extension_avoid(draw):
    """Small nets at the start of each candidate range, or whole candidate ranges."""
    out = []
    for text in CANDIDATE_RANGES:
        if draw(st.booleans()):
            out.append(text if draw(st.booleans()) else f"{ipaddress.IPv4Network(text).network_address}/25")
        base = str(ipaddress.IPv4Network(text).network_address)
        out += draw(st.lists(small_net(base=base, span=24, min_prefix=24, max_prefix=32), max_size=4))
    return draw(st.permutations(out + draw(st.lists(ipv6_entry, max_size=2))))


def _brute_extension(avoid):
    nets = _nets(avoid) + _nets(RESERVED_RANGES)
    for text in CANDIDATE_RANGES:
        space = ipaddress.IPv4Network(text)
        if any(space.subnet_of(n) for n in nets):
            continue  # the whole range is taken; enumerating its /28s one by one would say the same
        for block in space.subnets(new_prefix=28):
            if _block_is_free(block, [n for n in nets if n.overlaps(space)]):
                return str(block)
    return None


@PROPERTY
@given(avoid=extension_avoid())
def test_extension_slash28_agrees_with_brute_force(avoid):
    got = extension_slash28(avoid)
    assert got["cidr"] == _brute_extension(avoid)
    if got["cidr"] is not None:
        _assert_sound(got["cidr"], 28, got["checked_against"])
        assert ipaddress.IPv4Network(got["cidr"]).subnet_of(ipaddress.IPv4Network(got["searched"][-1]))


# --------------------------------------------------------------------------------------------------
# Pod CIDR examples


def test_forty_nodes_get_10_244_when_free():
    got = propose_pod_cidr(40, ["10.1.0.0/16", "10.1.0.0/24", "10.0.0.0/16"])
    assert got == {
        "cidr": "10.244.0.0/16",
        "prefix_length": 16,
        "needed_24s": 80,
        "checked_against": ["10.1.0.0/16", "10.1.0.0/24", "10.0.0.0/16", *RESERVED_RANGES],
        "searched": ["10.244.0.0/16"],
        "reason": None,
    }


def test_10_244_taken_moves_to_100_64():
    got = propose_pod_cidr(40, ["10.244.0.0/16"])
    assert got["cidr"] == "100.64.0.0/16"
    assert got["searched"] == ["10.244.0.0/16", "100.64.0.0/10"]


def test_a_subnet_touching_10_244_takes_the_whole_block():
    assert propose_pod_cidr(40, ["10.244.200.7"])["cidr"] == "100.64.0.0/16"


def test_three_hundred_nodes_need_a_slash_14():
    got = propose_pod_cidr(300, [])
    assert (got["needed_24s"], got["prefix_length"], got["cidr"]) == (600, 14, "100.64.0.0/14")
    assert got["searched"] == ["100.64.0.0/10"]  # 10.244.0.0/16 is smaller than a /14: skipped


@pytest.mark.parametrize(
    ("nodes", "prefix"),
    [(0, 16), (1, 16), (128, 16), (129, 15), (256, 15), (257, 14), (8192, 10), (8193, 9), (2**23, 0)],
)
def test_prefix_is_the_smallest_block_but_at_least_a_slash_16(nodes, prefix):
    assert propose_pod_cidr(nodes, ["10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12"])["prefix_length"] == prefix
    assert pod_prefix_for(2 * nodes) == prefix


def test_a_slash_9_only_fits_in_10_slash_8():
    got = propose_pod_cidr(10000, ["10.0.0.0/16"])
    assert got["prefix_length"] == 9
    assert got["searched"] == ["10.0.0.0/8"]
    assert got["cidr"] == "10.128.0.0/9"


def test_reserved_ranges_are_avoided():
    # Only 172.30/16 and 172.31/16 are left of 172.16.0.0/12: both reserved, so 10.0.0.0/8 comes next.
    taken = ["10.244.0.0/16", "100.64.0.0/10", "172.16.0.0/13", "172.24.0.0/14", "172.28.0.0/15"]
    got = propose_pod_cidr(10, taken)
    assert got["cidr"] == "10.0.0.0/16"
    assert got["checked_against"] == taken + list(RESERVED_RANGES)


def test_nothing_free_says_why():
    got = propose_pod_cidr(10, list(CANDIDATE_RANGES))
    assert got["cidr"] is None
    assert got["reason"] == "no free /16 in the candidate ranges"
    assert got["searched"] == list(CANDIDATE_RANGES)


def test_more_than_ipv4_holds():
    got = propose_pod_cidr(2**24, [])
    assert got["cidr"] is None and got["prefix_length"] is None
    assert "do not fit" in got["reason"]


def test_ipv6_entries_are_ignored():
    got = propose_pod_cidr(40, ["fd00::/8", "10.244.0.0/16", "::/0"])
    assert got["cidr"] == "100.64.0.0/16"
    assert got["checked_against"] == ["10.244.0.0/16", *RESERVED_RANGES]


@pytest.mark.parametrize("bad", ["banana", "10.0.0.0/33", "789", "10.0.0", "fd00::zz/64", None, 42])
def test_unparseable_avoid_entry_raises_naming_it(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        propose_pod_cidr(40, ["10.1.0.0/16", bad])
    with pytest.raises(ValueError, match="neither an address nor a CIDR"):
        free_slash28(["10.0.0.0/24"], [bad])
    with pytest.raises(ValueError, match="neither an address nor a CIDR"):
        extension_slash28([bad])


@pytest.mark.parametrize("nodes", [-1, 1.5, True, "3"])
def test_bad_node_count_raises(nodes):
    with pytest.raises(ValueError, match="node count"):
        propose_pod_cidr(nodes, [])


# --------------------------------------------------------------------------------------------------
# /28 examples


def test_first_free_slash_28_after_the_subnets():
    got = free_slash28(["10.0.0.0/24"], ["10.0.0.0/25", "10.0.0.128/28", "10.0.0.150"])
    assert got == {
        "cidr": "10.0.0.160/28",  # 10.0.0.150 (a DNS IP) takes 10.0.0.144/28
        "vnet_prefix": "10.0.0.0/24",
        "checked_against": ["10.0.0.0/25", "10.0.0.128/28", "10.0.0.150"],
    }


def test_the_slash_28_comes_from_the_next_prefix_when_the_first_is_full():
    got = free_slash28(["10.0.0.0/24", "fd00::/48", "10.9.0.0/26"], ["10.0.0.0/24", "10.9.0.0/28"])
    assert (got["cidr"], got["vnet_prefix"]) == ("10.9.0.16/28", "10.9.0.0/26")


def test_a_full_vnet_gets_none_then_the_extension():
    vnet = ["10.10.0.0/24"]
    got = free_slash28(vnet, ["10.10.0.0/25", "10.10.0.128/26", "10.10.0.192/27", "10.10.0.224/28", "10.10.0.247"])
    assert got == {
        "cidr": None,
        "vnet_prefix": None,
        "checked_against": got["checked_against"],
    }
    ext = extension_slash28([*vnet, "10.244.0.0/16", "192.168.0.0/16", "fd00::/8"])
    assert ext == {
        "cidr": "100.64.0.0/28",
        "checked_against": ["10.10.0.0/24", "10.244.0.0/16", "192.168.0.0/16", *RESERVED_RANGES],
        "searched": ["10.244.0.0/16", "100.64.0.0/10"],
    }


def test_a_vnet_prefix_smaller_than_a_slash_28_has_no_room():
    assert free_slash28(["10.0.0.0/29"], [])["cidr"] is None


def test_extension_when_every_candidate_is_taken():
    got = extension_slash28(list(CANDIDATE_RANGES))
    assert got["cidr"] is None
    assert got["searched"] == list(CANDIDATE_RANGES)


def test_free_slash_28_is_fast_on_a_slash_8_with_thousands_of_subnets():
    # 6000 /24s from the start of 10.0.0.0/8 in shuffled order, plus a crumb in each of the next /24's /28s.
    subnets = [str(ipaddress.IPv4Network((0x0A000000 + i * 256, 24))) for i in range(6000)]
    subnets = subnets[::2] + subnets[1::2]
    crumbs = [str(ipaddress.IPv4Address(0x0A000000 + 6000 * 256 + k * 16 + 3)) for k in range(16)]
    start = time.perf_counter()
    got = free_slash28(["10.0.0.0/8"], subnets + crumbs + ["fd00::/8"])
    assert time.perf_counter() - start < 1.0
    assert got["cidr"] == str(ipaddress.IPv4Network((0x0A000000 + 6001 * 256, 28)))


# --------------------------------------------------------------------------------------------------
# az commands


def test_subnet_create_command():
    assert subnet_create_command("rg-net", "vnet-hub", "snet-apiserver", "10.0.0.176/28") == (
        "az network vnet subnet create -g rg-net --vnet-name vnet-hub -n snet-apiserver"
        " --address-prefixes 10.0.0.176/28 --delegations Microsoft.ContainerService/managedClusters"
    )


def test_names_are_quoted_for_the_shell():
    command = subnet_create_command("rg (prod)", "vnet;rm -rf /", "snet", "10.0.0.0/28")
    assert "-g 'rg (prod)'" in command and "--vnet-name 'vnet;rm -rf /'" in command


def test_vnet_extension_lists_existing_prefixes_then_the_new_one_and_syncs_each_remote_peering():
    commands = vnet_extend_commands(
        "rg-net",
        "vnet-spoke",
        ["10.10.0.0/24", "10.11.0.0/24"],
        "100.64.0.0/28",
        [
            {"resource_group": "rg-hub", "vnet": "vnet-hub", "name": "hub-to-spoke"},
            {"resource_group": "rg-other", "vnet": "vnet-other", "name": None, "subscription": "sub-2"},
            {"resource_group": "rg-hub", "vnet": "vnet-hub", "name": "hub-to-spoke"},
        ],
    )
    assert commands == [
        "az network vnet update -g rg-net -n vnet-spoke --address-prefixes 10.10.0.0/24 10.11.0.0/24 100.64.0.0/28",
        "az network vnet peering sync -g rg-hub --vnet-name vnet-hub -n hub-to-spoke",
        "az network vnet peering sync -g rg-other --vnet-name vnet-other -n <peering-name> --subscription sub-2",
    ]


def test_vnet_extension_without_peerings():
    assert vnet_extend_commands("rg", "vnet", ["10.0.0.0/24"], "10.0.0.0/24", []) == [
        "az network vnet update -g rg -n vnet --address-prefixes 10.0.0.0/24"
    ]


def test_nsg_rules_for_the_apiserver_subnet():
    commands = nsg_rules_for_apiserver(
        "rg-net", "nsg-apiserver", ["10.0.0.0/25", "fd00:1::/64", "10.1.0.0/16"], "10.0.0.176/28", [100, 102]
    )
    assert commands == [
        "az network nsg rule create -g rg-net --nsg-name nsg-apiserver -n AllowAksClusterToApiServer --priority 101"
        " --direction Inbound --access Allow --protocol Tcp --destination-address-prefixes 10.0.0.176/28"
        " --source-address-prefixes 10.0.0.0/25 10.1.0.0/16 --destination-port-ranges 443 4443",
        "az network nsg rule create -g rg-net --nsg-name nsg-apiserver -n AllowAzureLoadBalancerToApiServer"
        " --priority 103 --direction Inbound --access Allow --protocol Tcp"
        " --destination-address-prefixes 10.0.0.176/28 --source-address-prefixes AzureLoadBalancer"
        " --destination-port-ranges 9988",
    ]


def test_nsg_rules_need_an_ipv4_cluster_prefix():
    with pytest.raises(ValueError, match="no IPv4 cluster subnet prefix"):
        nsg_rules_for_apiserver("rg", "nsg", ["fd00::/64"], "10.0.0.0/28")
    with pytest.raises(ValueError, match="'nope'"):
        nsg_rules_for_apiserver("rg", "nsg", ["nope"], "10.0.0.0/28")
