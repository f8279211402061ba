"""The demo tenant's Resource Graph rows (examples/), copied over many subscriptions, for the fake ARM.

Each copy moves the demo's two subscriptions onto two of the given ones (every spelling of the ids
rewritten, so ids, scopes and references stay consistent), and when a subscription receives a second
copy its resource groups are renamed (`rg-` → `rg2-`, case kept) so that no id repeats. The rows of
the demo that sit above the subscriptions (a role assignment and a custom role at `mg-platform`) are
kept once. Copies are spread evenly over the subscription list.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
FILES = ("resources-sub-a.json", "resources-sub-b.json", "authorizationresources.json", "subscriptions.json")
SUB_A = "3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10"
SUB_B = "b7d41e08-92c3-4f5a-8e6d-0a1b2c3d4e5f"
_NAMESPACE = uuid.UUID("6f1c2d3e-4a5b-4c8a-9d7e-b5a09b2e4f61")
_RG = re.compile(r"(?<![A-Za-z0-9])(rg|RG|Rg|rG)-")


def subscription_ids(count: int) -> list[str]:
    """`count` made-up, lower-case subscription ids, the same on every run."""
    return [str(uuid.uuid5(_NAMESPACE, f"bench-subscription-{i}")) for i in range(count)]


def demo_rows() -> tuple[list[dict], list[dict]]:
    """(rows in a subscription, rows above the subscriptions) of the demo tenant."""
    rows = [r for name in FILES for r in json.loads((EXAMPLES / name).read_text(encoding="utf-8"))["data"]]
    return [r for r in rows if r.get("subscriptionId")], [r for r in rows if not r.get("subscriptionId")]


def _rewrite(text: str, sub_a: str, sub_b: str, round_: int) -> str:
    text = re.sub(SUB_A, sub_a, text, flags=re.IGNORECASE)
    text = re.sub(SUB_B, sub_b, text, flags=re.IGNORECASE)
    if round_:
        text = _RG.sub(lambda m: f"{m.group(1)}{round_ + 1}-", text)
    return text


def copies_for(rows: int) -> int:
    """How many copies of the demo make about `rows` rows."""
    scoped, above = demo_rows()
    return max(1, round((rows - len(above)) / len(scoped)))


def demo_copies(copies: int, subscriptions: list[str], positions: list[int] | None = None) -> list[dict]:
    """`copies` copies of the demo's rows over `subscriptions`; `positions` (optional) names, for each copy,
    the index of the subscription that takes the demo's subscription A (B takes the next one)."""
    if len(subscriptions) < 2:
        raise ValueError("the demo needs two subscriptions a copy")
    scoped, above = demo_rows()
    template = json.dumps(scoped)
    count = len(subscriptions)
    rows: list[dict] = []
    used: dict[int, int] = {}  # subscription index → copies it has taken
    for copy in range(copies):
        if positions is not None:
            first = positions[copy] % count
        elif 2 * copies <= count:
            first = copy * count // copies
        else:
            first = 2 * copy % count
        second = (first + 1) % count
        round_ = max(used.get(first, 0), used.get(second, 0))
        used[first] = used[second] = round_ + 1
        rows.extend(json.loads(_rewrite(template, subscriptions[first], subscriptions[second], round_)))
    return rows + above
