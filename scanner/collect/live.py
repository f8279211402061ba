"""A live scan's collect stage: login, scope, Resource Graph queries → the same Snapshot as offline input.

Live and offline scans share one path from the Snapshot on, so a live scan and a scan of the same
rows exported by hand give the same findings; what differs is only how completeness is known
(here: per subscription batch, from the service's answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from azure.core.credentials import TokenCredential

from scanner.collect.clouds import arm_settings
from scanner.collect.credentials import check_login, make_credential
from scanner.collect.graph import GraphCollector, load_queries
from scanner.collect.memory import MemoryBudget
from scanner.collect.policies import REAL_TIME, Clock
from scanner.collect.scope import resolve_scope
from scanner.collect.snapshot import Snapshot


class Progress(Protocol):
    def page(self, query: str, rows: int) -> None: ...

    def done(self, entry: dict) -> None: ...


@dataclass
class LiveRequest:
    subscriptions: list[str] = field(default_factory=list)
    management_groups: list[str] = field(default_factory=list)
    cloud: str = "AzureCloud"
    arm_endpoint: str | None = None
    arm_audience: str | None = None
    credential: str = "default"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _valid_rows(rows: list, snapshot: Snapshot, query: str) -> list[dict]:
    """Rows the inventory can index; any other is left out and named, the rest still evaluated."""
    good = [r for r in rows if isinstance(r, dict) and isinstance(r.get("id"), str) and isinstance(r.get("type"), str)]
    if len(good) != len(rows):
        snapshot.add_error(f"query {query}", f"{len(rows) - len(good)} row(s) without a string id and type were "
                                             "left out")
    return good


def collect(request: LiveRequest, credential: TokenCredential | None = None, batch_size: int = 1000,
            clock: Clock = REAL_TIME, progress: Progress | None = None, memory_limit_mb: int | None = None) -> Snapshot:
    """Everything the rule pack reads, for the scope asked, with an honest account of what failed.

    With `memory_limit_mb`, the pages received are counted as they arrive (× 8, what CPython takes to
    hold parsed JSON): over the limit is an InputError naming it and the option.
    """
    settings = arm_settings(request.cloud, request.arm_endpoint, request.arm_audience)
    if credential is None:
        credential = make_credential(request.credential, settings)
        check_login(credential, request.credential, settings)
    snapshot = Snapshot(source="live", cloud=settings.cloud, arm_endpoint=settings.arm_endpoint)
    scope = resolve_scope(credential, settings, request.subscriptions, request.management_groups, clock=clock)
    snapshot.scope = {"subscriptions": scope.subscriptions, "management_groups": request.management_groups,
                      "tenant": None}
    snapshot.queries.append(scope.coverage)
    snapshot.errors.extend(scope.errors)
    if progress:
        progress.done(scope.coverage)
    collector = GraphCollector(credential, settings, batch_size=batch_size, clock=clock,
                               on_page=progress.page if progress else None,
                               budget=MemoryBudget(memory_limit_mb).add if memory_limit_mb else None)
    failed: set[str] = set()
    seen: set[str] = set()
    for query in load_queries():
        outcome = collector.run(query, scope.subscriptions, scope.label)
        snapshot.queries.append(outcome.coverage)
        if progress:
            progress.done(outcome.coverage)
        snapshot.errors.extend(outcome.errors)
        failed |= outcome.failed_subscriptions
        for row in _valid_rows(outcome.rows, snapshot, query.name):
            key = row["id"].lower()
            if key not in seen:  # role definitions come back once per batch
                seen.add(key)
                snapshot.rows.append(row)
    snapshot.subscriptions = [s for s in scope.subscriptions if s not in failed]
    snapshot.collected = _now()
    return snapshot
