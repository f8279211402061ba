"""What a live scan covers: the tenant, named subscriptions, or management groups, as subscription ids.

The tenant is every subscription the identity can see (the Subscriptions API, paged to the end);
a management group is its descendant subscriptions, however deep. A `--subscription` the identity
cannot see is a coverage error, never silently skipped: an audit that read less than asked must say so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.mgmt.managementgroups import ManagementGroupsMgmtClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from scanner.collect.clouds import ArmSettings
from scanner.collect.policies import REAL_TIME, Clock, CountingRetryPolicy, QuotaPacer


@dataclass
class Scope:
    subscriptions: list[str] = field(default_factory=list)  # lower-cased ids to query
    requested: dict = field(default_factory=dict)  # what was asked: tenant, subscriptions, management_groups
    coverage: dict = field(default_factory=dict)  # the "scope" entry of coverage.queries
    errors: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.requested.get("management_groups"):
            return "management groups " + ", ".join(self.requested["management_groups"])
        if self.requested.get("subscriptions"):
            return f"{len(self.subscriptions)} subscription(s)"
        return "tenant"


def _clients(credential: TokenCredential, settings: ArmSettings, clock: Clock):
    retry, pacer = CountingRetryPolicy(clock=clock), QuotaPacer(clock=clock)
    common = {"base_url": settings.endpoint, "cloud_setting": settings.azure_cloud,
              "credential_scopes": list(settings.scopes), "retry_policy": retry, "custom_hook_policy": pacer}
    return SubscriptionClient(credential, **common), ManagementGroupsMgmtClient(credential, **common), retry, pacer


def resolve_scope(credential: TokenCredential, settings: ArmSettings, subscriptions: list[str],
                  management_groups: list[str], clock: Clock = REAL_TIME) -> Scope:
    started = time.monotonic()
    subs_client, mg_client, retry, pacer = _clients(credential, settings, clock)
    scope = Scope(requested={"tenant": not subscriptions and not management_groups,
                             "subscriptions": list(subscriptions), "management_groups": list(management_groups)})
    pages = 0
    found: list[str] = []
    try:
        if management_groups:
            table = "managementGroups"
            for group in management_groups:
                for item in mg_client.management_groups.get_descendants(group):
                    # the type reads "/subscriptions" or "Microsoft.Management/managementGroups/subscriptions"
                    if (item.id or "").lower().startswith("/subscriptions/") and item.name:
                        found.append(item.name.lower())
        else:
            table = "subscriptions"
            visible = [s.subscription_id.lower() for s in subs_client.subscriptions.list() if s.subscription_id]
            if subscriptions:
                wanted = [s.lower() for s in subscriptions]
                missing = [s for s in wanted if s not in set(visible)]
                for sub in missing:
                    scope.errors.append({"source": "scope", "message": f"subscription {sub} is not visible to the "
                                         "identity (check the id and the Reader role)", "scope": sub, "status": None})
                found = [s for s in wanted if s in set(visible)]
            else:
                found = visible
    except AzureError as exc:
        status = getattr(exc, "status_code", None)
        message = " ".join((getattr(exc, "message", None) or str(exc)).split())[:400]
        scope.errors.append({"source": "scope", "message": f"resolving the scope failed: {message}",
                             "scope": scope.label, "status": status})
        table = "managementGroups" if management_groups else "subscriptions"
    pages = pacer.requests - retry.retries
    scope.subscriptions = list(dict.fromkeys(found))
    scope.coverage = {"name": "scope", "table": table, "scope": scope.label, "requests": pacer.requests,
                      "pages": pages, "rows": len(scope.subscriptions), "retries": retry.retries,
                      "seconds": round(time.monotonic() - started, 3)}
    return scope
