"""The cluster's control-plane identity and the role assignments it holds (RULES.md "Identity").

The view carries the principal's assignments with their roles resolved (built-in ids known
without a row, other roles from their `roleDefinitions` row) and a reference to the subscriptions'
management-group chains; `scanner.roles.grants` decides a grant from that alone.
"""

from __future__ import annotations

from scanner import armid, roles
from scanner.inventory.indexes import Indexes
from scanner.inventory.rows import as_dict, as_list, lower, props, text

_KNOWN_PERMISSIONS = {
    roles.OWNER: [{"actions": ["*"], "notActions": []}],
    roles.CONTRIBUTOR: [{"actions": ["*"], "notActions": []}],
    roles.NETWORK_CONTRIBUTOR: [{"actions": ["*"], "notActions": []}],
    roles.READER: [{"actions": ["*/read"], "notActions": []}],
}


def _principal(row: dict, sp_object_ids: dict[str, str]) -> dict:
    """The identity block wins over `servicePrincipalProfile` (which says `msi` for managed identities)."""
    identity = as_dict(row.get("identity"))
    kind = (lower(identity.get("type")) or "").replace(" ", "")
    if kind == "userassigned":
        entries = [v for v in as_dict(identity.get("userAssignedIdentities")).values() if isinstance(v, dict)]
        principal = text(entries[0].get("principalId")) if len(entries) == 1 else None
        reason = None if principal else f"the user-assigned identity block has {len(entries)} entries, not one"
        return _found("user", principal, text(entries[0].get("clientId")) if principal else None, reason)
    if kind.startswith("systemassigned"):
        principal = text(identity.get("principalId"))
        return _found("system", principal, None, None if principal else "the identity block has no principalId")
    client = text(as_dict(props(row).get("servicePrincipalProfile")).get("clientId"))
    if client and client.lower() != "msi":
        mapped = {k.lower(): v for k, v in sp_object_ids.items()}.get(client.lower())
        reason = None if mapped else (
            f"the cluster runs on service principal {client}, whose object id (what role assignments name) is "
            "unknown: map it in the scan parameter sp_object_ids")
        return _found("servicePrincipal", mapped, client, reason)
    return _found("none", None, None, "the cluster has neither a managed identity nor a service principal")


def _found(kind: str, principal: str | None, client: str | None, reason: str | None) -> dict:
    return {"kind": kind, "principalId": principal.lower() if principal else None, "clientId": client,
            "reason": reason}


def _assignment(idx: Indexes, row: dict) -> dict:
    p = props(row)
    role_id = text(p.get("roleDefinitionId")) or ""
    guid = armid.name_of(role_id).lower()
    definition = idx.role_definitions.get(guid)
    if definition is not None:
        permissions = [b for b in as_list(props(definition).get("permissions")) if isinstance(b, dict)]
        name = text(props(definition).get("roleName"))
    else:
        permissions = _KNOWN_PERMISSIONS.get(guid)
        name = roles.BUILT_IN.get(guid)
    return {
        "id": row["id"],
        "scope": text(p.get("scope")) or armid.parent_of(armid.parent_of(row["id"])) or "",
        "roleId": guid,
        "roleName": name,
        "permissions": permissions,
    }


def control_plane(idx: Indexes, row: dict, sp_object_ids: dict[str, str]) -> dict:
    principal = _principal(row, sp_object_ids)
    assignments = []
    if principal["principalId"]:
        assignments = [_assignment(idx, a) for a in idx.assignments_by_principal.get(principal["principalId"], [])]
    return {
        **principal,
        "collected": idx.role_assignments_collected,
        "assignments": assignments,
        "chains": idx.management_chains,
    }
