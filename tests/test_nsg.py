"""The NSG evaluator, against RULES.md "NSG semantics".

Rules are built in the ARM shape Azure returns (singular field plus empty plural list, as in real
rows); a subnet view is what the engine hands the evaluator.
"""

from scanner.nsg import decide, has_custom_deny, path_decide

NETWORK = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network"
NSG_ID = f"{NETWORK}/networkSecurityGroups/nsg1"
SUBNET_ID = f"{NETWORK}/virtualNetworks/vnet/subnets/nodes"
NODES = ["10.0.1.0/24"]
OTHER_SUBNET = "10.0.2.0/24"
VNET_PREFIXES = ["10.0.0.0/16", "168.63.129.16/32"]


def arm_rule(name, priority, access, direction="Inbound", src="*", dst="*", ports="*", protocol="*", **extra):
    """An ARM-shaped security rule; a list goes into the plural field, a string into the singular."""

    def pair(singular, value):
        if isinstance(value, list):
            return {singular: "", f"{singular}es": value}
        return {singular: value, f"{singular}es": []}

    props = {
        "provisioningState": "Succeeded",
        "protocol": protocol,
        "sourcePortRange": "*",
        "sourcePortRanges": [],
        **pair("sourceAddressPrefix", src),
        **pair("destinationAddressPrefix", dst),
        "access": access,
        "priority": priority,
        "direction": direction,
    }
    if isinstance(ports, list):
        props.update(destinationPortRange="", destinationPortRanges=ports)
    else:
        props.update(destinationPortRange=ports, destinationPortRanges=[])
    props.update(extra)
    return {"name": name, "id": f"{NSG_ID}/securityRules/{name}", "properties": props}


def azure_defaults():
    """The six default rules as a real NSG row lists them."""
    return [
        arm_rule("AllowVnetInBound", 65000, "Allow", "Inbound", "VirtualNetwork", "VirtualNetwork"),
        arm_rule("AllowAzureLoadBalancerInBound", 65001, "Allow", "Inbound", "AzureLoadBalancer", "*"),
        arm_rule("DenyAllInBound", 65500, "Deny", "Inbound"),
        arm_rule("AllowVnetOutBound", 65000, "Allow", "Outbound", "VirtualNetwork", "VirtualNetwork"),
        arm_rule("AllowInternetOutBound", 65001, "Allow", "Outbound", "*", "Internet"),
        arm_rule("DenyAllOutBound", 65500, "Deny", "Outbound"),
    ]


def subnet_view(rules=(), *, name="nodes", prefixes=None, vnet=None, public_unknown=False, **nsg_extra):
    """A subnet view with an in-scope NSG holding ``rules`` and Azure's listed defaults."""
    nsg = {
        "id": NSG_ID,
        "name": "nsg1",
        "inScope": True,
        "securityRules": list(rules),
        "defaultSecurityRules": azure_defaults(),
    }
    nsg.update(nsg_extra)
    return {
        "id": f"{SUBNET_ID}-{name}",
        "name": name,
        "inScope": True,
        "prefixes": prefixes or NODES,
        "nsg": nsg,
        "virtualNetwork": {"prefixes": vnet or VNET_PREFIXES, "publicUnknown": public_unknown},
    }


def inbound(subnet, source, ports=443, protocol="Tcp"):
    return decide(subnet, "Inbound", source, subnet["prefixes"], protocol, ports)


# --- priority order


def test_lower_numbered_deny_beats_higher_numbered_allow():
    rules = [arm_rule("AllowHttps", 200, "Allow", ports="443"), arm_rule("DenyAll", 100, "Deny")]
    subnet = subnet_view(rules)
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["rule"], result["priority"]) == ("deny", "DenyAll", 100)
    assert result["partial"] is False


def test_lower_numbered_allow_beats_higher_numbered_deny():
    rules = [arm_rule("AllowHttps", 100, "Allow", ports="443"), arm_rule("DenyAll", 200, "Deny")]
    subnet = subnet_view(rules)
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["rule"], result["priority"]) == ("allow", "AllowHttps", 100)


def test_access_direction_and_protocol_compare_case_insensitively():
    subnet = subnet_view([arm_rule("deny-ssh", 100, "deny", "INBOUND", ports="22", protocol="TCP")])
    assert inbound(subnet, "1.2.3.4", ports=22, protocol="tcp")["rule"] == "deny-ssh"


# --- ports


def test_rule_covering_part_of_the_port_range_denies_partially():
    subnet = subnet_view([arm_rule("DenyOne", 100, "Deny", src="VirtualNetwork", ports="1500")])
    result = inbound(subnet, OTHER_SUBNET, ports="1000-2000")
    assert (result["verdict"], result["rule"], result["partial"]) == ("deny", "DenyOne", True)
    assert result["rules"] == ["DenyOne", "AllowVnetInBound"]


def test_destination_port_ranges_list_unions_single_ports_and_ranges():
    subnet = subnet_view(
        [
            arm_rule("AllowSome", 100, "Allow", ports=["1000-1499", "1500-2000", "22"]),
        ]
    )
    covered = inbound(subnet, "1.2.3.4", ports="1000-2000")
    assert (covered["verdict"], covered["rule"]) == ("allow", "AllowSome")
    assert inbound(subnet, "1.2.3.4", ports=[22, "1200"])["verdict"] == "allow"
    assert inbound(subnet, "1.2.3.4", ports=2001)["rule"] == "DenyAllInBound"


def test_flow_on_all_ports_against_a_port_rule_is_partial():
    subnet = subnet_view([arm_rule("DenyHttps", 100, "Deny", src="VirtualNetwork", ports="443")])
    result = inbound(subnet, OTHER_SUBNET, ports="*")
    assert (result["verdict"], result["partial"]) == ("deny", True)


# --- address fields


def test_source_address_prefixes_list_matches_any_entry():
    subnet = subnet_view([arm_rule("AllowPartners", 100, "Allow", src=["1.2.3.0/24", "5.6.7.8"])])
    assert inbound(subnet, "5.6.7.8")["rule"] == "AllowPartners"
    assert inbound(subnet, "1.2.3.77")["rule"] == "AllowPartners"
    assert inbound(subnet, "9.9.9.9")["rule"] == "DenyAllInBound"


def test_singular_prefix_with_empty_plural_lists_is_read_as_the_singular():
    rule = {
        "name": "web",
        "properties": {
            "protocol": "*",
            "sourcePortRange": "*",
            "destinationPortRange": "4444",
            "sourceAddressPrefix": "1.2.3.4",
            "destinationAddressPrefix": "*",
            "access": "Deny",
            "priority": 1000,
            "direction": "Inbound",
            "sourcePortRanges": [],
            "destinationPortRanges": [],
            "sourceAddressPrefixes": [],
            "destinationAddressPrefixes": [],
        },
    }
    subnet = subnet_view([rule], securityRules=[rule])
    result = decide(subnet, "Inbound", "1.2.3.4", NODES, "Udp", "4444")
    assert (result["verdict"], result["rule"], result["partial"]) == ("deny", "web", False)


def test_protocol_mismatch_leaves_the_flow_to_later_rules():
    rule = arm_rule("DenyDnsUdp", 100, "Deny", src="VirtualNetwork", ports="53", protocol="Udp")
    subnet = subnet_view([rule])
    result = inbound(subnet, OTHER_SUBNET, ports=53, protocol="Tcp")
    assert (result["verdict"], result["rule"]) == ("allow", "AllowVnetInBound")


def test_ipv6_flow_is_decided_on_ipv6_rules():
    subnet = subnet_view(
        [
            arm_rule("DenyBadNet", 100, "Deny", src="2001:db8:bad::/48"),
            arm_rule("AllowDocNet", 200, "Allow", src="2001:db8::/32", ports="443"),
        ],
        prefixes=["10.0.1.0/24", "fd00:0:0:1::/64"],
        vnet=[*VNET_PREFIXES, "fd00::/48"],
    )
    assert inbound(subnet, "2001:db8:bad::1")["rule"] == "DenyBadNet"
    assert inbound(subnet, "2001:db8:1::1")["rule"] == "AllowDocNet"
    assert inbound(subnet, "fd00:0:0:2::/64")["rule"] == "AllowVnetInBound"


# --- service tags


def test_virtual_network_tag_holds_route_derived_prefixes():
    subnet = subnet_view(vnet=[*VNET_PREFIXES, "192.168.50.0/24"])
    assert inbound(subnet, "192.168.50.10")["rule"] == "AllowVnetInBound"
    assert inbound(subnet, "192.168.60.10")["rule"] == "DenyAllInBound"


def test_public_unknown_virtual_network_makes_a_public_flow_unknown():
    result = inbound(subnet_view(public_unknown=True), "1.2.3.4")
    assert result["verdict"] == "unknown"
    assert result["unknown_rules"] == ["AllowVnetInBound"]
    assert "service tag" in result["reason"]


def test_public_unknown_virtual_network_still_decides_private_flows():
    result = inbound(subnet_view(public_unknown=True), OTHER_SUBNET)
    assert (result["verdict"], result["rule"]) == ("allow", "AllowVnetInBound")


def test_azure_load_balancer_probe_is_in_virtual_network_and_allowed_by_default():
    result = inbound(subnet_view(), "AzureLoadBalancer", ports=9988)
    assert (result["verdict"], result["rule"]) == ("allow", "AllowVnetInBound")


def test_azure_load_balancer_tag_matches_only_the_host_address():
    subnet = subnet_view(
        [arm_rule("AllowProbe", 100, "Allow", src="AzureLoadBalancer"), arm_rule("DenyRest", 200, "Deny")]
    )
    assert inbound(subnet, "AzureLoadBalancer")["rule"] == "AllowProbe"
    assert inbound(subnet, "168.63.129.17")["rule"] == "DenyRest"


def test_custom_deny_virtual_network_inbound_blocks_load_balancer_probe():
    subnet = subnet_view([arm_rule("DenyVnetIn", 100, "Deny", src="VirtualNetwork")])
    result = inbound(subnet, "AzureLoadBalancer", ports=9988)
    assert (result["verdict"], result["rule"], result["priority"]) == ("deny", "DenyVnetIn", 100)


def test_internet_source_does_not_match_the_load_balancer():
    subnet = subnet_view([arm_rule("DenyInternet", 100, "Deny", src="Internet")])
    probe = inbound(subnet, "AzureLoadBalancer")
    assert (probe["verdict"], probe["rules"]) == ("allow", ["AllowVnetInBound"])
    assert inbound(subnet, "1.2.3.4")["rule"] == "DenyInternet"


def test_default_rules_allow_egress_to_the_internet():
    out = decide(subnet_view(), "Outbound", NODES, "8.8.8.8", "Udp", 53)
    assert (out["verdict"], out["rule"]) == ("allow", "AllowInternetOutBound")


def test_internet_tag_is_everything_outside_virtual_network():
    subnet = subnet_view([arm_rule("DenyInternetOut", 100, "Deny", "Outbound", "*", "Internet")])
    assert decide(subnet, "Outbound", NODES, "8.8.8.8", "Tcp", 443)["rule"] == "DenyInternetOut"
    assert decide(subnet, "Outbound", NODES, "192.168.9.9", "Tcp", 443)["rule"] == "DenyInternetOut"
    assert decide(subnet, "Outbound", NODES, OTHER_SUBNET, "Tcp", 443)["rule"] == "AllowVnetOutBound"


def test_star_matches_every_flow():
    subnet = subnet_view([arm_rule("DenyEverything", 100, "Deny", "Inbound", "*", "*")])
    for source in ("AzureLoadBalancer", OTHER_SUBNET, "1.2.3.4"):
        assert inbound(subnet, source)["rule"] == "DenyEverything"


def test_storage_tag_rule_does_not_match_a_private_flow_and_says_so():
    subnet = subnet_view([arm_rule("DenyStorage", 100, "Deny", "Outbound", "*", "Storage")])
    result = decide(subnet, "Outbound", NODES, OTHER_SUBNET, "Tcp", 443)
    assert (result["verdict"], result["rule"]) == ("allow", "AllowVnetOutBound")
    assert result["assumptions"] == [
        "service tag Storage in rule DenyStorage taken to hold no private (RFC 1918 / RFC 6598) address"
    ]


def test_storage_tag_rule_leaves_a_load_balancer_flow_unknown():
    subnet = subnet_view([arm_rule("DenyStorage", 100, "Deny", src="Storage")])
    result = inbound(subnet, "AzureLoadBalancer")
    assert (result["verdict"], result["unknown_rules"]) == ("unknown", ["DenyStorage"])
    assert result["assumptions"] == []


def test_regional_service_tag_on_public_egress_is_unknown():
    subnet = subnet_view([arm_rule("DenySql", 100, "Deny", "Outbound", "*", "Sql.WestEurope")])
    result = decide(subnet, "Outbound", NODES, "20.1.2.3", "Tcp", 1433)
    assert result["verdict"] == "unknown"
    assert "Sql.WestEurope" in result["reason"]


# --- rules the evaluator cannot read


def test_application_security_group_rule_gives_unknown():
    asg = {"id": f"{NETWORK}/applicationSecurityGroups/web"}
    rule = arm_rule("AllowWebAsg", 100, "Allow", src=[], sourceApplicationSecurityGroups=[asg])
    result = inbound(subnet_view([rule]), "1.2.3.4")
    assert (result["verdict"], result["unknown_rules"]) == ("unknown", ["AllowWebAsg"])
    assert result["reason"] == "rule AllowWebAsg uses an application security group"


def test_unreadable_prefix_789_gives_unknown():
    subnet = subnet_view([arm_rule("web", 1000, "Allow", src="789", dst="1234", ports="4444")])
    result = inbound(subnet, "1.2.3.4", ports=4444)
    assert (result["verdict"], result["unknown_rules"]) == ("unknown", ["web"])
    assert "'789'" in result["reason"]


def test_unreadable_rule_off_the_flows_ports_does_not_matter():
    subnet = subnet_view([arm_rule("web", 1000, "Allow", src="789", dst="1234", ports="4444")])
    assert inbound(subnet, "1.2.3.4", ports=443)["rule"] == "DenyAllInBound"


def test_unreadable_deny_before_a_sure_deny_is_still_deny():
    subnet = subnet_view([arm_rule("DenyGarbled", 100, "Deny", src="789")])
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["rule"], result["partial"]) == ("deny", "DenyAllInBound", False)
    assert result["unknown_rules"] == []


def test_unreadable_allow_before_a_sure_deny_is_unknown():
    subnet = subnet_view([arm_rule("AllowGarbled", 100, "Allow", src="789")])
    assert inbound(subnet, "1.2.3.4")["verdict"] == "unknown"


def test_rule_with_an_unknown_protocol_may_match_anything():
    subnet = subnet_view([arm_rule("AllowGre", 100, "Allow", protocol="Gre")])
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["unknown_rules"]) == ("unknown", ["AllowGre"])
    assert "protocol" in result["reason"]


def test_rule_without_priority_is_taken_before_all_others():
    rule = arm_rule("AllowNoPriority", None, "Allow")
    subnet = subnet_view([rule, arm_rule("DenyAll", 100, "Deny")])
    assert inbound(subnet, "1.2.3.4")["verdict"] == "unknown"


# --- defaults, missing NSG, missing data


def test_nsg_without_default_rules_denies_internet_inbound_by_deny_all():
    subnet = subnet_view()
    del subnet["nsg"]["defaultSecurityRules"]
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["rule"], result["priority"]) == ("deny", "DenyAllInBound", 65500)
    assert result["defaults_assumed"] is True


def test_nsg_without_default_rules_allows_vnet_inbound():
    subnet = subnet_view(defaultSecurityRules=None)
    result = inbound(subnet, OTHER_SUBNET)
    assert (result["verdict"], result["rule"]) == ("allow", "AllowVnetInBound")
    assert result["defaults_assumed"] is True


def test_listed_default_rules_are_not_assumed():
    assert inbound(subnet_view(), "1.2.3.4")["defaults_assumed"] is False


def test_subnet_without_nsg_allows():
    subnet = subnet_view()
    subnet["nsg"] = None
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["rule"], result["reason"]) == ("allow", None, "no NSG on subnet")


def test_nsg_not_in_input_is_unknown():
    subnet = subnet_view(inScope=False)
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["nsg_id"]) == ("unknown", NSG_ID)
    assert result["reason"] == f"NSG {NSG_ID} is not in the input"


def test_subnet_not_in_input_is_unknown():
    subnet = {"id": SUBNET_ID, "name": "nodes", "inScope": False}
    result = decide(subnet, "Inbound", "1.2.3.4", NODES, "Tcp", 443)
    assert (result["verdict"], result["reason"]) == ("unknown", f"subnet {SUBNET_ID} is not in the input")
    assert decide(None, "Inbound", "1.2.3.4", NODES, "Tcp", 443)["verdict"] == "unknown"


def test_unreadable_flow_is_unknown_not_an_exception():
    result = decide(subnet_view(), "Inbound", "not-an-address", NODES, "Tcp", 443)
    assert result["verdict"] == "unknown"
    assert decide(subnet_view(), "Inbound", "1.2.3.4", NODES, "Tcp", "70000")["verdict"] == "unknown"


def test_result_is_plain_json():
    import json

    result = inbound(subnet_view([arm_rule("DenyOne", 100, "Deny", ports="1500")]), "1.2.3.4", ports="1-2000")
    assert json.loads(json.dumps(result)) == result


# --- has_custom_deny


def test_has_custom_deny_counts_custom_deny_rules_only():
    assert has_custom_deny(subnet_view([arm_rule("DenyX", 100, "Deny")])) is True
    assert has_custom_deny(subnet_view([arm_rule("AllowX", 100, "Allow")])) is False


def test_has_custom_deny_without_nsg_is_false_and_unknown_nsg_is_none():
    no_nsg = subnet_view()
    no_nsg["nsg"] = None
    assert has_custom_deny(no_nsg) is False
    assert has_custom_deny(subnet_view(inScope=False)) is None


# --- path_decide


def test_path_is_denied_when_the_inbound_leg_denies():
    source = subnet_view(name="apiserver", prefixes=["10.0.9.0/28"])
    target = subnet_view([arm_rule("DenyKubelet", 100, "Deny", src="10.0.9.0/28", ports="10250")])
    (entry,) = path_decide([source], target, "Tcp", 10250)
    assert (entry["from"], entry["from_id"]) == ("apiserver", source["id"])
    assert entry["outbound"]["verdict"] == "allow"
    assert (entry["inbound"]["verdict"], entry["inbound"]["rule"]) == ("deny", "DenyKubelet")
    assert entry["verdict"] == "deny"


def test_path_is_denied_when_the_outbound_leg_denies():
    source = subnet_view(
        [arm_rule("DenyOut", 100, "Deny", "Outbound", ports="443")], name="pods", prefixes=["10.0.3.0/24"]
    )
    (entry,) = path_decide([source], subnet_view(), "Tcp", 443)
    assert (entry["outbound"]["rule"], entry["inbound"]["verdict"]) == ("DenyOut", "allow")
    assert entry["verdict"] == "deny"


def test_path_from_a_subnet_not_in_input_is_unknown_on_both_legs():
    missing = {"id": SUBNET_ID + "-gone", "name": "gone", "inScope": False}
    (entry,) = path_decide([missing], subnet_view(), "Tcp", 443)
    assert entry["verdict"] == "unknown"
    assert entry["outbound"]["verdict"] == entry["inbound"]["verdict"] == "unknown"
    assert "is not in the input" in entry["inbound"]["reason"]


def test_unknown_rules_name_only_rules_that_could_have_changed_the_outcome():
    subnet = subnet_view(
        [arm_rule("AllowGarbled", 100, "Allow", src="789"), arm_rule("DenyGarbled", 110, "Deny", src="1234")]
    )
    result = inbound(subnet, "1.2.3.4")
    assert (result["verdict"], result["unknown_rules"]) == ("unknown", ["AllowGarbled"])
