"""`readiness --format html`: one self-contained page with the fleet table and each cluster's plan.

Rendered from the readiness document (the JSON `readiness.schema.json` describes), never from
scanner objects. Every value in it comes from the scanned tenant or the rule pack and is
untrusted: the Jinja environment autoescapes everything and the template never marks data
``|safe``; only our own stylesheet is inlined as markup. The page has no script at all, and its
Content-Security-Policy (``default-src 'none'`` plus the hash of our inline style) stops anything
that slipped through from loading or running.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from reports.html_report import _csp_hash, _is_https, _pretty_json

TARGET_TITLE = {"overlay": "Azure CNI Overlay", "apiserver-vnet-integration": "API server VNet integration"}
VERDICT_ORDER = ("no-go", "unknown", "go", "not_applicable")
VERDICT_LABEL = {"no-go": "no-go", "unknown": "unknown", "go": "go", "not_applicable": "not applicable"}


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pretty_json"] = _pretty_json
    env.filters["verdict_label"] = lambda value: VERDICT_LABEL.get(value, str(value))
    env.tests["https_url"] = _is_https
    return env


@cache
def _css() -> str:
    env = _environment()
    source, _, _ = env.loader.get_source(env, "readiness.css")  # type: ignore[union-attr]
    return source


def _verdict_rank(verdict: Any) -> int:
    return VERDICT_ORDER.index(verdict) if verdict in VERDICT_ORDER else len(VERDICT_ORDER)


def _plan_cell(target: str, row: dict, plan: dict | None) -> tuple[str | None, str | None]:
    """The fleet table's address column: (value, what it is)."""
    address = (plan or {}).get("address_plan") or {}
    if target == "overlay":
        if row.get("pod_cidr"):
            return row["pod_cidr"], "proposed"
        if address.get("pod_cidr"):
            return address["pod_cidr"], address.get("source")
        return None, None
    if row.get("apiserver_subnet"):
        return address.get("subnet_name") or row["apiserver_subnet"], "candidate"
    create = address.get("create") or {}
    if create.get("fix"):
        return str(create.get("subnet") or "").rsplit("/", 1)[-1] or None, "candidate to fix"
    if create.get("cidr"):
        return create["cidr"], "to create"
    return None, None


def _prepare(document: dict) -> dict[str, Any]:
    target = document["target"]
    plans = document["plans"]
    anchors = {str(p["resource_id"]).lower(): f"plan-{i + 1}" for i, p in enumerate(plans)}
    by_id = {str(p["resource_id"]).lower(): p for p in plans}
    rows = []
    for row in sorted(document["fleet"]["rows"], key=lambda r: (_verdict_rank(r["verdict"]), r["cluster"] or "")):
        key = str(row["resource_id"]).lower()
        value, note = _plan_cell(target, row, by_id.get(key))
        rows.append({"row": row, "anchor": anchors.get(key), "address": value, "address_note": note})
    listed = [p for p in plans if len(plans) == 1 or p["verdict"] != "not_applicable"]
    listed.sort(key=lambda p: (_verdict_rank(p["verdict"]), p["cluster"] or ""))  # as the fleet table
    return {
        "target_title": TARGET_TITLE.get(target, target),
        "rows": rows,
        "plans": [{"plan": p, "anchor": anchors[str(p["resource_id"]).lower()]} for p in listed],
        "not_applicable": [p for p in plans if p["verdict"] == "not_applicable"],
        "counts": [(verdict, document["fleet"]["counts"].get(verdict, 0)) for verdict in VERDICT_ORDER],
    }


def render_html(document: dict) -> str:
    """One HTML page that loads and runs nothing: the fleet table (no-go first), then each cluster's plan."""
    css = _css()
    csp = f"default-src 'none'; style-src {_csp_hash(css)}; img-src data:; base-uri 'none'; form-action 'none'"
    template = _environment().get_template("readiness.html.j2")
    return template.render(document=document, css=Markup(css), csp=csp, **_prepare(document))
