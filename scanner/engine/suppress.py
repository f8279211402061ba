"""Accepted risk (`--suppressions FILE`), applied where a finding's cluster, tags and subscription are known.

An entry matches when every field it gives matches. Only `fail` and `error` findings are
suppressed, and they keep the status they would have had (`suppression.status`), so a gate, a
diff or an auditor can still tell what was accepted. An expired entry no longer suppresses and
is listed as expired; an entry that suppressed nothing is listed as unused — stale exceptions
must surface, not linger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from rules import RULES_DIR
from scanner.errors import InputError
from scanner.globs import glob_match
from scanner.yamldoc import read_checked

SCHEMA_PATH = RULES_DIR / "suppressions.schema.json"
SUPPRESSIBLE = ("fail", "error")


@dataclass
class Suppressions:
    entries: list[dict] = field(default_factory=list)
    path: str | None = None
    today: date = field(default_factory=lambda: datetime.now(UTC).date())

    def expired(self, entry: dict) -> bool:
        return "expires" in entry and date.fromisoformat(entry["expires"]) < self.today


def load_suppressions(path: Path | None, today: date | None = None) -> Suppressions:
    if path is None:
        return Suppressions()
    document = read_checked(path, SCHEMA_PATH, "suppressions")
    for index, entry in enumerate(document["suppressions"]):
        if "expires" in entry:
            try:
                date.fromisoformat(entry["expires"])
            except ValueError as exc:
                raise InputError(f"{path}: suppressions[{index}].expires: {entry['expires']!r} is not a date") from exc
    chosen = Suppressions(entries=document["suppressions"], path=str(path))
    if today is not None:
        chosen.today = today
    return chosen


def _matches(entry: dict, finding: dict, tags: dict) -> bool:
    if "rule" in entry and not glob_match(entry["rule"], finding["rule_id"]):
        return False
    if "resource" in entry and not glob_match(entry["resource"], finding["resource_id"]):
        return False
    if "subscription" in entry and (finding.get("subscription_id") or "").lower() != entry["subscription"].lower():
        return False
    if "fingerprint" in entry and finding["fingerprint"] != entry["fingerprint"]:
        return False
    for key, pattern in (entry.get("tags") or {}).items():
        value = next((v for k, v in tags.items() if k.lower() == key.lower()), None)
        if not isinstance(value, str) or not glob_match(pattern, value):
            return False
    return True


def _described(index: int, entry: dict) -> dict:
    return {"entry": index, **{k: entry[k] for k in ("rule", "resource", "subscription", "fingerprint", "tags",
                                                     "reason", "owner", "expires") if k in entry}}


def apply(findings: list[dict], tags_by_cluster: dict[str, dict], chosen: Suppressions) -> dict:
    """Mark suppressed findings in place; return the report's `suppressions` section."""
    used: set[int] = set()
    expired_hits: set[int] = set()
    live = [(i, e) for i, e in enumerate(chosen.entries) if not chosen.expired(e)]
    stale = [(i, e) for i, e in enumerate(chosen.entries) if chosen.expired(e)]
    for finding in findings:
        if finding["status"] not in SUPPRESSIBLE:
            continue
        tags = tags_by_cluster.get(finding["resource_id"].lower()) or {}
        hit = next(((i, e) for i, e in live if _matches(e, finding, tags)), None)
        if hit is None:
            expired_hits.update(i for i, e in stale if _matches(e, finding, tags))
            continue
        index, entry = hit
        used.add(index)
        finding["suppression"] = {"reason": entry["reason"], "owner": entry.get("owner"),
                                  "expires": entry.get("expires"), "entry": index, "status": finding["status"]}
        finding["status"] = "suppressed"
    return {
        "file": chosen.path,
        "unused": [_described(i, e) for i, e in live if i not in used],
        "expired": [_described(i, e) | {"would_match": i in expired_hits} for i, e in stale],
    }


def effective_status(finding: dict) -> str:
    """The status a finding would have had without its suppression."""
    return (finding.get("suppression") or {}).get("status") or finding["status"]
