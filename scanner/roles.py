"""Does a principal hold these actions on this resource? Azure RBAC, read from exported rows.

RULES.md "Identity": an assignment counts when its scope is the resource or a parent (resource
group, subscription, or a management group in the subscription's ancestor chain); a role grants
an action when an `actions` pattern matches it and no `notActions` pattern does. Only direct
assignments are seen (group membership is not resolved). Three-valued: a grant is `True`, no
grant `False`, and "cannot tell" (a role without a row, a management group we cannot place)
`None` — unless another assignment grants the right.
"""

from __future__ import annotations

from scanner import armid
from scanner.globs import glob_match

OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
BUILT_IN = {OWNER: "Owner", CONTRIBUTOR: "Contributor", NETWORK_CONTRIBUTOR: "Network Contributor", READER: "Reader"}
GRANTS_ALL = {OWNER, CONTRIBUTOR, NETWORK_CONTRIBUTOR}

MG_PREFIX = "/providers/microsoft.management/managementgroups/"


def wildcard_match(pattern: str, value: str) -> bool:
    """An `actions` / `notActions` entry against an action (Azure writes `*` wildcards only)."""
    return glob_match(pattern, value)


def role_grants(permissions: list, action: str) -> bool:
    for block in permissions:
        if not isinstance(block, dict):
            continue
        actions = [a for a in block.get("actions") or [] if isinstance(a, str)]
        not_actions = [a for a in block.get("notActions") or [] if isinstance(a, str)]
        if any(wildcard_match(a, action) for a in actions) and not any(wildcard_match(n, action) for n in not_actions):
            return True
    return False


def scope_applies(scope: str, resource_id: str, chains: dict[str, list[str]]) -> bool | None:
    """Whether an assignment at `scope` reaches `resource_id`; None when its management group cannot be placed."""
    scope_key, resource_key = armid.key(scope), armid.key(resource_id)
    if scope_key in ("", "/"):
        return True
    if scope_key.startswith(MG_PREFIX):
        sub = (armid.subscription_of(resource_id) or "").lower()
        chain = chains.get(sub)
        if chain is None:
            return None
        return scope_key[len(MG_PREFIX):] in chain
    return resource_key == scope_key or resource_key.startswith(scope_key + "/")


def _describe(assignment: dict) -> str:
    return f"{assignment.get('roleName') or assignment.get('roleId')} at {assignment.get('scope')}"


def grants(identity: dict | None, resource_id: str | None, actions: list[str]) -> dict:
    """`{granted, by, undecided, considered}` for a cluster's control-plane identity on one resource.

    Azure RBAC is additive: an action is held when any assignment reaching the resource grants it,
    so the rights may come from several roles (`by` names each one used). `considered` names the
    assignments whose scope reaches the resource (what a human checks in the portal); the
    principal's other assignments are left out, so evidence stays small when one principal holds
    thousands of them.
    """
    result: dict = {"resource": resource_id, "granted": None, "by": None, "undecided": [], "considered": []}
    if not isinstance(identity, dict) or not resource_id or not isinstance(actions, list):
        result["undecided"] = ["the identity or the resource is unknown"]
        return result
    if not identity.get("principalId"):
        result["undecided"] = [identity.get("reason") or "the cluster's control-plane identity is unknown"]
        return result
    chains = identity.get("chains") or {}
    missing = list(actions)
    used: list[str] = []
    undecided = []
    for assignment in identity.get("assignments") or []:
        applies = scope_applies(assignment.get("scope") or "", resource_id, chains)
        if applies is False:
            continue
        result["considered"].append(_describe(assignment))
        if applies is None:
            sub = armid.subscription_of(resource_id)
            undecided.append(f"{_describe(assignment)}: the input lacks subscription {sub}'s resourcecontainers row "
                             "(its managementGroupAncestorsChain)")
            continue
        permissions = assignment.get("permissions")
        if permissions is None:
            undecided.append(f"{_describe(assignment)}: role definition {assignment.get('roleId')} is not in the input")
            continue
        held = [action for action in missing if role_grants(permissions, action)]
        if held:
            used.append(_describe(assignment))
            missing = [action for action in missing if action not in held]
        if not missing:
            result.update(granted=True, by=", ".join(used), undecided=[])
            return result
    result["granted"] = None if undecided else False
    result["undecided"] = undecided
    return result
