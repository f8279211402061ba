"""Role grants (RULES.md "Identity"): scopes up to management groups, wildcards, notActions, unknowns."""

from __future__ import annotations

import pytest
from azure_rows import SUB, TENANT, cluster_row, network_id, pool, subnet_id, vnet_row

from scanner import inventory, roles
from scanner.collect.snapshot import Snapshot

PRINCIPAL = "7b3c0a52-1f4e-4c8d-9e2a-6d5f4b3a2c10"
NODES = subnet_id("vnet1", "snet-nodes")
JOIN = ["Microsoft.Network/virtualNetworks/subnets/join/action", "Microsoft.Network/virtualNetworks/subnets/read"]
CUSTOM = "0b6c4e1f-3d2a-4f5b-8c7d-9e0f1a2b3c4d"


def assignment(scope: str, role: str, principal: str = PRINCIPAL, bare: bool = False) -> dict:
    guid = "5d1e6f7a-8b9c-4d0e-a1f2-b3c4d5e6f708"
    role_id = (f"/providers/Microsoft.Authorization/roleDefinitions/{role}" if bare
               else f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{role}")
    return {"id": f"{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}", "name": guid,
            "type": "microsoft.authorization/roleassignments", "tenantId": TENANT, "subscriptionId": SUB,
            "properties": {"principalId": principal, "principalType": "ServicePrincipal",
                           "roleDefinitionId": role_id, "scope": scope}}


def role_definition(guid: str, actions: list[str], not_actions: list[str] | None = None) -> dict:
    return {"id": f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{guid}", "name": guid,
            "type": "microsoft.authorization/roledefinitions", "tenantId": TENANT,
            "properties": {"roleName": "AKS subnet joiner", "type": "CustomRole",
                           "permissions": [{"actions": actions, "notActions": not_actions or [],
                                            "dataActions": [], "notDataActions": []}]}}


def subscription_row(chain: list[str]) -> dict:
    return {"id": f"/subscriptions/{SUB}", "name": SUB, "type": "microsoft.resources/subscriptions",
            "tenantId": TENANT, "subscriptionId": SUB,
            "properties": {"managementGroupAncestorsChain": [{"name": n, "displayName": n.title()} for n in chain]}}


def grant(*rows: dict, cluster: dict | None = None, **parameters) -> dict:
    cluster = cluster or cluster_row("aks1", pools=[pool(subnet=NODES)])
    if cluster.get("identity"):
        cluster["identity"]["principalId"] = PRINCIPAL.upper()
    all_rows = [cluster, vnet_row("vnet1", ["10.1.0.0/16"], [("snet-nodes", "10.1.0.0/22")]), *rows]
    view = inventory.build(Snapshot(rows=all_rows), parameters).views("cluster")[0]
    return roles.grants(view["controlPlaneIdentity"], NODES, JOIN)


def test_network_contributor_on_the_resource_group_grants_and_says_which():
    result = grant(assignment(f"/subscriptions/{SUB}/resourceGroups/rg-net", roles.NETWORK_CONTRIBUTOR))
    assert result["granted"] is True
    assert result["by"].startswith("Network Contributor at /subscriptions/")


def test_a_role_id_written_without_scope_prefix_is_matched_by_its_guid():
    result = grant(assignment(f"/subscriptions/{SUB}", roles.CONTRIBUTOR.upper(), bare=True))
    assert result["granted"] is True


def test_reader_grants_none_of_it():
    assert grant(assignment(f"/subscriptions/{SUB}", roles.READER))["granted"] is False


def test_an_assignment_on_another_vnet_does_not_reach_this_subnet():
    other = network_id("virtualNetworks", "vnet-other")
    assert grant(assignment(other, roles.OWNER))["granted"] is False


def test_a_management_group_above_the_subscription_counts_through_its_resourcecontainers_row():
    mg = "/providers/Microsoft.Management/managementGroups/mg-platform"
    assert grant(assignment(mg, roles.NETWORK_CONTRIBUTOR), subscription_row(["mg-platform", "tenant-root"]))[
        "granted"] is True


def test_a_management_group_grant_without_the_subscription_row_is_undecided_naming_it():
    mg = "/providers/Microsoft.Management/managementGroups/mg-platform"
    result = grant(assignment(mg, roles.NETWORK_CONTRIBUTOR))
    assert result["granted"] is None
    assert SUB in result["undecided"][0] and "resourcecontainers" in result["undecided"][0]


def test_a_management_group_outside_the_chain_does_not_count():
    mg = "/providers/Microsoft.Management/managementGroups/mg-sandbox"
    assert grant(assignment(mg, roles.OWNER), subscription_row(["mg-platform"]))["granted"] is False


def test_a_custom_role_grants_by_wildcard_actions():
    rows = [assignment(f"/subscriptions/{SUB}", CUSTOM),
            role_definition(CUSTOM, ["Microsoft.Network/virtualNetworks/subnets/*"])]
    assert grant(*rows)["granted"] is True


def test_not_actions_take_away_what_actions_grant():
    rows = [assignment(f"/subscriptions/{SUB}", CUSTOM),
            role_definition(CUSTOM, ["Microsoft.Network/*"], ["Microsoft.Network/virtualNetworks/subnets/join/action"])]
    assert grant(*rows)["granted"] is False


def test_a_role_without_a_definition_row_is_undecided_unless_another_grants():
    unknown = "f0e1d2c3-b4a5-4968-8776-655443322110"
    only = grant(assignment(f"/subscriptions/{SUB}", unknown))
    assert only["granted"] is None and unknown in only["undecided"][0]
    both = grant(assignment(f"/subscriptions/{SUB}", unknown),
                 assignment(f"/subscriptions/{SUB}/resourceGroups/rg-net", roles.NETWORK_CONTRIBUTOR))
    assert both["granted"] is True


def test_a_service_principal_cluster_needs_sp_object_ids():
    client = "909e11c7-fd28-41c9-9c36-f814764229c4"
    row = cluster_row("aks1", pools=[pool(subnet=NODES)])
    row["identity"] = None
    row["properties"]["servicePrincipalProfile"] = {"clientId": client}
    rows = [assignment(f"/subscriptions/{SUB}", roles.NETWORK_CONTRIBUTOR)]
    unmapped = grant(*rows, cluster=row)
    assert unmapped["granted"] is None and "sp_object_ids" in unmapped["undecided"][0]
    mapped = grant(*rows, cluster=cluster_row("aks1", pools=[pool(subnet=NODES)]) | {"identity": None,
                   "properties": row["properties"]}, sp_object_ids={client.upper(): PRINCIPAL})
    assert mapped["granted"] is True


def test_a_user_assigned_identity_is_read_from_its_one_entry():
    row = cluster_row("aks1", pools=[pool(subnet=NODES)])
    row["identity"] = {"type": "UserAssigned", "userAssignedIdentities": {
        "/subscriptions/x/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1":
            {"principalId": PRINCIPAL, "clientId": "c0ffee00-0000-4000-8000-000000000001"}}}
    assert grant(assignment(f"/subscriptions/{SUB}", roles.OWNER), cluster=row)["granted"] is True


@pytest.mark.parametrize(("pattern", "value", "expected"), [
    ("*", "anything", True),
    ("Microsoft.Network/*", "microsoft.network/virtualNetworks/subnets/read", True),
    ("*/read", "Microsoft.Network/virtualNetworks/subnets/read", True),
    ("*/read", "Microsoft.Network/virtualNetworks/subnets/join/action", False),
    ("Microsoft.Network/*/join/action", "Microsoft.Network/virtualNetworks/subnets/join/action", True),
    ("Microsoft.Network/routeTables/*", "Microsoft.Network/virtualNetworks/subnets/read", False),
    ("a*b*c", "aXbYc", True),
    ("a*b*c", "aXbY", False),
])
def test_action_wildcards(pattern, value, expected):
    assert roles.wildcard_match(pattern, value) is expected


def test_rights_split_over_two_roles_add_up():
    join_only, read_only = "1a1a1a1a-0000-4000-8000-000000000001", "2b2b2b2b-0000-4000-8000-000000000002"
    rows = [assignment(f"/subscriptions/{SUB}", join_only),
            role_definition(join_only, ["Microsoft.Network/virtualNetworks/subnets/join/action"]),
            assignment(f"/subscriptions/{SUB}/resourceGroups/rg-net", read_only),
            role_definition(read_only, ["Microsoft.Network/virtualNetworks/subnets/read"])]
    result = grant(*rows)
    assert result["granted"] is True
    assert result["by"].count("AKS subnet joiner at") == 2


def test_one_of_two_rights_is_not_a_grant():
    join_only = "1a1a1a1a-0000-4000-8000-000000000001"
    rows = [assignment(f"/subscriptions/{SUB}", join_only),
            role_definition(join_only, ["Microsoft.Network/virtualNetworks/subnets/join/action"])]
    assert grant(*rows)["granted"] is False
