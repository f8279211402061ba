"""CIDR math: what the rule expressions may rely on, including "cannot tell" on bad input."""

import ipaddress

import pytest

from scanner.netmath import (
    ALL_ADDRESSES,
    IPV6_OFFSET,
    PRIVATE_RANGES,
    IntervalSet,
    cidr_contains,
    cidr_overlaps,
    cidr_size,
    cidrs_outside,
    ip_in,
    network_interval,
    nth_ip,
    parse_network,
    prefix_len,
    usable_addresses,
)

# --- parse_network


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/16", "10.0.0.0/16"),
        ("10.0.0.5", "10.0.0.5/32"),
        ("10.0.0.5/16", "10.0.0.0/16"),
        ("  10.1.0.0/24 ", "10.1.0.0/24"),
        ("fd00:1::/64", "fd00:1::/64"),
        ("2001:db8::1", "2001:db8::1/128"),
    ],
)
def test_parse_network_reads_addresses_and_cidrs(text, expected):
    assert parse_network(text) == ipaddress.ip_network(expected)


NOT_NETWORKS = ["789", "1234", "", "Storage", "10.0.0.0/33", "10.0.0", "010.0.0.1", None, 42, ["10.0.0.0/8"]]


@pytest.mark.parametrize("text", NOT_NETWORKS)
def test_parse_network_rejects_what_is_neither_address_nor_cidr(text):
    assert parse_network(text) is None


# --- overlaps / contains


def test_overlapping_ipv4_cidrs_overlap():
    assert cidr_overlaps("10.0.0.0/16", "10.0.128.0/24") is True


def test_disjoint_ipv4_cidrs_do_not_overlap():
    assert cidr_overlaps("10.0.0.0/16", "10.1.0.0/16") is False


def test_overlaps_takes_lists_on_both_sides():
    assert cidr_overlaps(["10.0.0.0/16", "192.168.0.0/24"], ["172.16.0.0/12", "192.168.0.128/25"]) is True


def test_ipv6_cidrs_overlap():
    assert cidr_overlaps("fd00::/48", "fd00:0:0:1::/64") is True
    assert cidr_overlaps("fd00::/48", "fd01::/48") is False


def test_different_families_never_overlap():
    assert cidr_overlaps("0.0.0.0/0", "::/0") is False


def test_overlaps_is_none_when_an_entry_is_unreadable():
    assert cidr_overlaps(["10.0.0.0/16", "789"], "10.0.0.0/8") is None


def test_contains_needs_every_inner_network_inside_some_outer_one():
    assert cidr_contains(["10.0.0.0/16", "10.2.0.0/16"], ["10.0.1.0/24", "10.2.3.0/24"]) is True
    assert cidr_contains("10.0.0.0/16", ["10.0.1.0/24", "10.1.0.0/24"]) is False


def test_contains_ipv6_and_mixed_families():
    assert cidr_contains("fd00::/48", "fd00:0:0:5::/64") is True
    assert cidr_contains("0.0.0.0/0", "fd00::/64") is False


def test_contains_is_none_on_unreadable_input():
    assert cidr_contains("10.0.0.0/8", "1234") is None


# --- sizes and addresses


def test_prefix_len_and_size():
    assert prefix_len("10.0.0.0/22") == 22
    assert cidr_size("10.0.0.0/22") == 1024
    assert cidr_size("fd00::/120") == 256


def test_nth_ip_counts_from_either_end():
    assert nth_ip("10.0.0.0/16", 10) == "10.0.0.10"
    assert nth_ip("10.0.0.0/16", -1) == "10.0.255.255"
    assert nth_ip("fd00::/64", 1) == "fd00::1"


def test_nth_ip_out_of_range_is_none():
    assert nth_ip("10.0.0.0/30", 4) is None
    assert nth_ip("10.0.0.0/30", "1") is None


def test_ip_in_looks_in_every_cidr():
    assert ip_in("10.0.3.4", ["192.168.0.0/16", "10.0.0.0/22"]) is True
    assert ip_in("10.0.4.4", ["192.168.0.0/16", "10.0.0.0/22"]) is False
    assert ip_in("10.0.0.0/24", "10.0.0.0/8") is None


def test_usable_addresses_of_a_28_is_11():
    assert usable_addresses("10.0.0.0/28") == 11


def test_usable_addresses_never_negative_and_none_for_ipv6():
    assert usable_addresses("10.0.0.0/30") == 0
    assert usable_addresses("fd00::/64") is None


def test_cidrs_outside_names_entries_no_covering_network_holds():
    assert cidrs_outside(["10.0.0.0/16", "10.1.0.0/24", "fd00::/64"], ["10.0.0.0/15"]) == ["fd00::/64"]
    assert cidrs_outside("192.168.0.0/16", ["10.0.0.0/8"]) == ["192.168.0.0/16"]


def test_cidrs_outside_is_none_on_unreadable_input():
    assert cidrs_outside(["10.0.0.0/16"], ["789"]) is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: cidr_overlaps(None, {}),
        lambda: cidr_contains(3, "x"),
        lambda: prefix_len({"a": 1}),
        lambda: cidr_size(True),
        lambda: nth_ip(None, None),
        lambda: ip_in([], None),
        lambda: cidrs_outside(None, None),
        lambda: usable_addresses(["10.0.0.0/8"]),
    ],
)
def test_functions_answer_none_instead_of_raising_on_junk(call):
    assert call() is None


# --- the shared address line and interval sets


def test_ipv6_addresses_sit_after_all_of_ipv4():
    assert network_interval(ipaddress.ip_network("0.0.0.0/0")) == (0, IPV6_OFFSET - 1)
    assert network_interval(ipaddress.ip_network("::/127")) == (IPV6_OFFSET, IPV6_OFFSET + 1)


def test_interval_set_merges_touching_ranges():
    assert IntervalSet([(5, 9), (0, 4), (20, 30)]).ranges == ((0, 9), (20, 30))


def test_interval_set_difference_cuts_holes():
    assert (IntervalSet([(0, 100)]) - IntervalSet([(10, 20), (50, 60), (90, 200)])).ranges == (
        (0, 9),
        (21, 49),
        (61, 89),
    )


def test_interval_set_intersection_union_and_subset():
    a, b = IntervalSet([(0, 10), (20, 30)]), IntervalSet([(5, 25)])
    assert (a & b).ranges == ((5, 10), (20, 25))
    assert (a | b).ranges == ((0, 30),)
    assert (a | b).contains(a) is True
    assert a.contains(b) is False
    assert (a - a).is_empty()


def test_private_ranges_hold_rfc1918_and_cgnat_only():
    def point(text):
        return IntervalSet([network_interval(ipaddress.ip_network(text))])

    for private in ("10.1.2.3", "172.31.0.1", "192.168.5.5", "100.64.0.1"):
        assert PRIVATE_RANGES.contains(point(private))
    assert not PRIVATE_RANGES.overlaps(point("8.8.8.8"))
    assert not PRIVATE_RANGES.overlaps(point("fd00::1"))
    assert ALL_ADDRESSES.contains(point("fd00::1"))
