"""Azure Resource Graph, queried through `ResourceGraphClient` by subscription batches and pages.

One query per resource family per batch of subscriptions (at most 1,000 per request), 1,000 rows
a page, `$skipToken` until done; `allowPartialScopes` is never set, so a batch either answers
whole or fails and is named in coverage. The SDK's model (API 2021-03-01) has no
`authorizationScopeFilter`, so the client speaks 2024-04-01 and the request body goes as JSON
bytes through the same authenticated, retrying pipeline.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError
from azure.mgmt.resourcegraph import ResourceGraphClient

from scanner.collect.clouds import ArmSettings
from scanner.collect.policies import REAL_TIME, Clock, CountingRetryPolicy, QuotaPacer

API_VERSION = "2024-04-01"
PAGE_SIZE = 1000
MAX_BATCH = 1000


@dataclass(frozen=True)
class Query:
    name: str
    kql: str

    @property
    def table(self) -> str:
        code = [line for line in self.kql.splitlines() if line.strip() and not line.strip().startswith("//")]
        return code[0].split()[0] if code else ""

    @property
    def options(self) -> dict:
        if self.table.lower() == "authorizationresources":
            return {"authorizationScopeFilter": "AtScopeAboveAndBelow"}
        return {}


def load_queries() -> list[Query]:
    """The `.kql` files shipped in the package (scanner/collect/queries), in a fixed order."""
    folder = resources.files("scanner.collect").joinpath("queries")
    names = ("resources", "authorization", "subscriptions")
    return [Query(name, folder.joinpath(f"{name}.kql").read_text(encoding="utf-8")) for name in names]


@dataclass
class QueryOutcome:
    rows: list[dict] = field(default_factory=list)
    coverage: dict = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    failed_subscriptions: set[str] = field(default_factory=set)


def batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)] if items else []


def _error_message(exc: AzureError) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return " ".join(text.split())[:400]


class GraphCollector:
    """Runs the queries over subscription batches; counts requests, pages, rows, retries, seconds."""

    def __init__(self, credential: TokenCredential, settings: ArmSettings, batch_size: int = MAX_BATCH,
                 clock: Clock = REAL_TIME, on_page: Callable[[str, int], None] | None = None,
                 budget: Callable[[int], None] | None = None):
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH}")
        self.batch_size = batch_size
        self.retry = CountingRetryPolicy(clock=clock)
        self.pacer = QuotaPacer(clock=clock)
        self.on_page = on_page
        self.budget = budget  # called with each page body's size in bytes; raises to stop (--memory-limit)
        self.client = ResourceGraphClient(
            credential, base_url=settings.endpoint, cloud_setting=settings.azure_cloud,
            credential_scopes=list(settings.scopes), api_version=API_VERSION,
            retry_policy=self.retry, custom_hook_policy=self.pacer,
        )

    def _page(self, query: Query, batch: list[str], token: str | None) -> dict:
        options = {"resultFormat": "objectArray", "$top": PAGE_SIZE, **query.options}
        if token:
            options["$skipToken"] = token
        body = json.dumps({"subscriptions": batch, "query": query.kql, "options": options}, sort_keys=True)
        response = self.client.resources(body.encode("utf-8"), cls=lambda pipeline, _model, _headers: pipeline)
        if self.budget:
            self.budget(len(response.http_response.body() or b""))
        return response.http_response.json()

    def run(self, query: Query, subscriptions: list[str], scope: str) -> QueryOutcome:
        outcome = QueryOutcome()
        started, requests_before, retries_before = time.monotonic(), self.pacer.requests, self.retry.retries
        pages = 0
        for batch in batches(subscriptions, self.batch_size):
            token: str | None = None
            batch_rows: list[dict] = []
            try:
                while True:
                    page = self._page(query, batch, token)
                    pages += 1
                    data = page.get("data")
                    batch_rows.extend(data if isinstance(data, list) else [])
                    if self.on_page:
                        self.on_page(query.name, len(batch_rows))
                    token = page.get("$skipToken") or None
                    if not token:
                        break
            except (HttpResponseError, AzureError) as exc:
                status = getattr(exc, "status_code", None)
                outcome.failed_subscriptions.update(s.lower() for s in batch)
                outcome.errors.append({
                    "source": f"query {query.name}",
                    "message": f"batch of {len(batch)} subscription(s) failed: {_error_message(exc)}",
                    "scope": ", ".join(batch),
                    "status": status,
                })
                continue
            outcome.rows.extend(batch_rows)
        outcome.coverage = {
            "name": query.name,
            "table": query.table,
            "scope": scope,
            "requests": self.pacer.requests - requests_before,
            "pages": pages,
            "rows": len(outcome.rows),
            "retries": self.retry.retries - retries_before,
            "seconds": round(time.monotonic() - started, 3),
        }
        return outcome
