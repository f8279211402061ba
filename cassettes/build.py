"""Write the hand-built cassettes of cassettes/graph/ (python cassettes/build.py).

No Azure account is reachable where this project is built, so the exchanges are assembled here
from the documented shapes of the Azure REST API specification examples (cassettes/README.md)
and the demo tenant's rows (examples/, themselves built from those examples). Run it after
changing the demo tenant; the tests play the files it writes and never the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
EXAMPLES = HERE.parent / "examples"
QUERIES = HERE.parent / "scanner" / "collect" / "queries"
PUBLIC = "https://management.azure.com"
CHINA = "https://management.chinacloudapi.cn"
GRAPH_PATH = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"
TENANT = "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b"
SUB_A = "3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10"
SUB_B = "b7d41e08-92c3-4f5a-8e6d-0a1b2c3d4e5f"
NAMES = {SUB_A: "contoso-platform-prod", SUB_B: "contoso-legacy"}
HEADER = (
    "# Hand-built, not recorded: written by cassettes/build.py from the shapes of the Azure REST API\n"
    "# specification examples (cassettes/README.md) and the demo tenant's rows. No real tenant, no token.\n"
)


def rows_of(name: str) -> list[dict]:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["data"]


def kql(name: str) -> str:
    return (QUERIES / f"{name}.kql").read_text(encoding="utf-8")


def json_response(body: object, status: int = 200, message: str = "OK", **headers: str) -> dict:
    base = {"Content-Type": ["application/json; charset=utf-8"], "x-ms-ratelimit-remaining-tenant-reads": ["11999"]}
    base.update({k.replace("_", "-"): [v] for k, v in headers.items()})
    return {
        "status": {"code": status, "message": message},
        "headers": base,
        "body": {"string": json.dumps(body, separators=(",", ":"))},
    }


def graph_request(base: str, query: str, subscriptions: list[str], token: str | None = None) -> dict:
    options = {"resultFormat": "objectArray", "$top": 1000}
    if query == "authorization":
        options["authorizationScopeFilter"] = "AtScopeAboveAndBelow"
    if token:
        options["$skipToken"] = token
    body = {"subscriptions": subscriptions, "query": kql(query), "options": options}
    return {
        "method": "POST",
        "uri": base + GRAPH_PATH,
        "body": json.dumps(body, sort_keys=True),
        "headers": {"Content-Type": ["application/json"]},
    }


def graph_page(rows: list[dict], total: int, token: str | None = None, remaining: int = 14) -> dict:
    """The envelope of ResourcesFirstPageQuery.json / ResourcesNextPageQuery.json (2024-04-01)."""
    body = {"totalRecords": total, "count": len(rows), "resultTruncated": "false", "facets": [], "data": rows}
    if token:
        body["$skipToken"] = token
    return json_response(body, x_ms_user_quota_remaining=str(remaining), x_ms_user_quota_resets_after="00:00:05")


def subscriptions_request(base: str, url: str | None = None) -> dict:
    return {"method": "GET", "uri": url or f"{base}/subscriptions?api-version=2022-12-01", "body": None, "headers": {}}


def subscription_entry(sub: str) -> dict:
    """An entry of GetSubscriptions.json (Microsoft.Resources 2022-12-01)."""
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": TENANT,
        "displayName": NAMES.get(sub, sub),
        "state": "Enabled",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def by_subscription(rows: list[dict], subs: list[str]) -> list[dict]:
    return [r for r in rows if (r.get("subscriptionId") or "").lower() in subs or not r.get("subscriptionId")]


def error_body(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


def write(name: str, interactions: list[tuple[dict, dict]]) -> None:
    document = {"interactions": [{"request": req, "response": resp} for req, resp in interactions], "version": 1}
    path = HERE / "graph" / f"{name}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(HEADER + yaml.safe_dump(document, sort_keys=False, width=120), encoding="utf-8")


def demo_tenant() -> None:
    """The tenant resolved over two pages of the Subscriptions API; the demo rows over both subscriptions."""
    write("demo-tenant", demo_exchanges())


def demo_exchanges() -> list[tuple[dict, dict]]:
    resources = rows_of("resources-sub-a.json") + rows_of("resources-sub-b.json")
    roles = rows_of("authorizationresources.json")
    subs = rows_of("subscriptions.json")
    page2 = f"{PUBLIC}/subscriptions?api-version=2022-12-01&%24skiptoken=c3ViMg%3D%3D"
    return [
        (subscriptions_request(PUBLIC), json_response({"value": [subscription_entry(SUB_A)], "nextLink": page2})),
        (subscriptions_request(PUBLIC, page2), json_response({"value": [subscription_entry(SUB_B)]})),
        (graph_request(PUBLIC, "resources", [SUB_A, SUB_B]), graph_page(resources, len(resources), remaining=14)),
        (graph_request(PUBLIC, "authorization", [SUB_A, SUB_B]), graph_page(roles, len(roles), remaining=13)),
        (graph_request(PUBLIC, "subscriptions", [SUB_A, SUB_B]), graph_page(subs, len(subs), remaining=12)),
    ]


def environment_credential() -> None:
    """EnvironmentCredential's client-secret exchange (MSAL: tenant discovery, then the v2.0 token
    endpoint), then the demo tenant's calls with the token it got."""
    authority = f"https://login.microsoftonline.com/{TENANT}"
    discovery = {
        "token_endpoint": f"{authority}/oauth2/v2.0/token",
        "authorization_endpoint": f"{authority}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{authority}/oauth2/v2.0/devicecode",
        "end_session_endpoint": f"{authority}/oauth2/v2.0/logout",
        "issuer": f"{authority}/v2.0",
        "jwks_uri": f"{authority}/discovery/v2.0/keys",
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
    }
    token = {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "test-token"}
    write(
        "environment-credential",
        [
            (
                {
                    "method": "GET",
                    "uri": f"{authority}/v2.0/.well-known/openid-configuration",
                    "body": None,
                    "headers": {},
                },
                json_response(discovery),
            ),
            (
                {"method": "POST", "uri": f"{authority}/oauth2/v2.0/token", "body": None, "headers": {}},
                json_response(token),
            ),
            *demo_exchanges(),
        ],
    )


SPOKES = f"/subscriptions/{SUB_A}/resourceGroups/rg-spokes/providers/Microsoft.Network/routeTables"


def many_pages() -> None:
    """1,500 route tables (RouteTableGet.json's shape) in one subscription: two pages of 1,000 and 500."""
    tables = [
        {
            "id": f"{SPOKES}/rt-spoke-{i:04d}",
            "name": f"rt-spoke-{i:04d}",
            "type": "microsoft.network/routetables",
            "tenantId": TENANT,
            "kind": "",
            "location": "westeurope",
            "resourceGroup": "rg-spokes",
            "subscriptionId": SUB_A,
            "managedBy": "",
            "sku": None,
            "plan": None,
            "tags": {},
            "identity": None,
            "zones": None,
            "extendedLocation": None,
            "properties": {"provisioningState": "Succeeded", "disableBgpRoutePropagation": False, "routes": []},
        }
        for i in range(1500)
    ]
    token = "ew0KICAiJGlkIjogIjEiLA0KICAiTWF4Um93cyI6IDEwMDAsDQp9"
    write(
        "many-pages",
        [
            (subscriptions_request(PUBLIC), json_response({"value": [subscription_entry(SUB_A)]})),
            (graph_request(PUBLIC, "resources", [SUB_A]), graph_page(tables[:1000], 1500, token)),
            (graph_request(PUBLIC, "resources", [SUB_A], token), graph_page(tables[1000:], 1500)),
            (graph_request(PUBLIC, "authorization", [SUB_A]), graph_page([], 0)),
            (graph_request(PUBLIC, "subscriptions", [SUB_A]), graph_page([], 0)),
        ],
    )


def throttled() -> None:
    """A 429 with Retry-After, then success; a quota of 1 left; a 503 retried."""
    resources = by_subscription(rows_of("resources-sub-a.json"), [SUB_A])
    roles = by_subscription(rows_of("authorizationresources.json"), [SUB_A])
    rate_limited = json_response(
        error_body(
            "RateLimiting",
            "Please provide below info when asking for support: timestamp = "
            "2026-11-30T02:14:07.4211553Z, correlationId = 1b7f0c2e-6a4d-4e8b-9f3a-2c5d7e9a1b3c.",
        ),
        429,
        "Too Many Requests",
        Retry_After="3",
        x_ms_user_quota_remaining="0",
        x_ms_user_quota_resets_after="00:00:03",
    )
    unavailable = json_response(
        error_body("ServiceUnavailable", "The service is temporarily unavailable."), 503, "Service Unavailable"
    )
    write(
        "throttled",
        [
            (subscriptions_request(PUBLIC), json_response({"value": [subscription_entry(SUB_A)]})),
            (graph_request(PUBLIC, "resources", [SUB_A]), rate_limited),
            (graph_request(PUBLIC, "resources", [SUB_A]), graph_page(resources, len(resources), remaining=1)),
            (graph_request(PUBLIC, "authorization", [SUB_A]), unavailable),
            (graph_request(PUBLIC, "authorization", [SUB_A]), graph_page(roles, len(roles), remaining=14)),
            (graph_request(PUBLIC, "subscriptions", [SUB_A]), graph_page(rows_of("subscriptions.json")[:1], 1)),
        ],
    )


def batch_failure() -> None:
    """Batches of one subscription: B's resources query answers 403 while A's succeeds."""
    denied = json_response(
        error_body(
            "AuthorizationFailed",
            "The client 'aks-audit' with object id '5e0c9a7b-3d1f-4b2a-8c6e-9f0a1b2c3d4e' does not have "
            "authorization to perform action 'Microsoft.ResourceGraph/resources/read' over scope "
            f"'/subscriptions/{SUB_B}' or the scope is invalid.",
        ),
        403,
        "Forbidden",
    )
    write(
        "batch-failure",
        [
            (
                subscriptions_request(PUBLIC),
                json_response({"value": [subscription_entry(SUB_A), subscription_entry(SUB_B)]}),
            ),
            (
                graph_request(PUBLIC, "resources", [SUB_A]),
                graph_page(by_subscription(rows_of("resources-sub-a.json"), [SUB_A]), 15),
            ),
            (graph_request(PUBLIC, "resources", [SUB_B]), denied),
            (graph_request(PUBLIC, "authorization", [SUB_A]), graph_page([], 0)),
            (graph_request(PUBLIC, "authorization", [SUB_B]), graph_page([], 0)),
            (graph_request(PUBLIC, "subscriptions", [SUB_A]), graph_page([], 0)),
            (graph_request(PUBLIC, "subscriptions", [SUB_B]), graph_page([], 0)),
        ],
    )


def management_group() -> None:
    """mg-platform resolved to its descendant subscriptions (GetDescendants.json, 2023-04-01), one deep."""
    descendants = {
        "value": [
            {
                "id": "/providers/Microsoft.Management/managementGroups/mg-legacy",
                "type": "Microsoft.Management/managementGroups",
                "name": "mg-legacy",
                "properties": {
                    "displayName": "Legacy",
                    "parent": {"id": "/providers/Microsoft.Management/managementGroups/mg-platform"},
                },
            },
            {
                "id": f"/subscriptions/{SUB_A}",
                "type": "Microsoft.Management/managementGroups/subscriptions",
                "name": SUB_A,
                "properties": {
                    "displayName": NAMES[SUB_A],
                    "parent": {"id": "/providers/Microsoft.Management/managementGroups/mg-platform"},
                },
            },
            {
                "id": f"/subscriptions/{SUB_B}",
                "type": "Microsoft.Management/managementGroups/subscriptions",
                "name": SUB_B,
                "properties": {
                    "displayName": NAMES[SUB_B],
                    "parent": {"id": "/providers/Microsoft.Management/managementGroups/mg-legacy"},
                },
            },
        ],
        "nextLink": None,
    }
    resources = rows_of("resources-sub-a.json") + rows_of("resources-sub-b.json")
    write(
        "management-group",
        [
            (
                {
                    "method": "GET",
                    "uri": f"{PUBLIC}/providers/Microsoft.Management/managementGroups/mg-platform/descendants"
                    "?api-version=2023-04-01",
                    "body": None,
                    "headers": {},
                },
                json_response(descendants),
            ),
            (graph_request(PUBLIC, "resources", [SUB_A, SUB_B]), graph_page(resources, len(resources))),
            (graph_request(PUBLIC, "authorization", [SUB_A, SUB_B]), graph_page([], 0)),
            (graph_request(PUBLIC, "subscriptions", [SUB_A, SUB_B]), graph_page([], 0)),
        ],
    )


def china_cloud() -> None:
    """The same calls against Azure China's Resource Manager; a subscription without clusters."""
    sub = "6d2a9c4e-1b3f-4e5a-8c7d-0f1e2a3b4c5d"
    write(
        "china-cloud",
        [
            (subscriptions_request(CHINA), json_response({"value": [subscription_entry(sub)]})),
            (graph_request(CHINA, "resources", [sub]), graph_page([], 0)),
            (graph_request(CHINA, "authorization", [sub]), graph_page([], 0)),
            (graph_request(CHINA, "subscriptions", [sub]), graph_page([], 0)),
        ],
    )


def custom_endpoint() -> None:
    """--arm-endpoint: another Resource Manager (a test double's name; vcrpy answers, nothing resolves it)."""
    base = "https://arm.contoso.test"
    resources = by_subscription(rows_of("resources-sub-a.json"), [SUB_A])
    write(
        "custom-endpoint",
        [
            (subscriptions_request(base), json_response({"value": [subscription_entry(SUB_A)]})),
            (graph_request(base, "resources", [SUB_A]), graph_page(resources, len(resources))),
            (graph_request(base, "authorization", [SUB_A]), graph_page([], 0)),
            (graph_request(base, "subscriptions", [SUB_A]), graph_page([], 0)),
        ],
    )


if __name__ == "__main__":
    for build in (
        demo_tenant,
        environment_credential,
        many_pages,
        throttled,
        batch_failure,
        management_group,
        china_cloud,
        custom_endpoint,
    ):
        build()
