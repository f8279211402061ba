"""docs/rules.md, generated from the rule files: `python -m scanner.docs` rewrites it.

The catalogue a user reads must be the rules that run, so it is rendered from them and a test
fails when the committed file is out of date.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from scanner.engine.loader import Rule, load_pack

DOCS_PATH = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
CATEGORY_TITLES = {
    "api-server-vnet-integration": "API server VNet integration",
    "identity": "Identity",
    "address-planning": "Address planning",
    "azure-cni-overlay": "Azure CNI Overlay",
    "dual-stack": "Dual-stack",
    "kubenet": "kubenet",
    "overlay-migration": "Readiness for the move to Azure CNI Overlay",
    "apiserver-vnet-migration": "Readiness for API server VNet integration",
    "exposure": "Exposure and retired features",
}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _rule_section(rule: Rule) -> str:
    lines = [f"### {rule.id}: {rule.title}", "",
             f"**Severity** {rule.severity} · **profile** `{rule.profile}`"
             + (f" · **source** {rule.source}" if rule.source else ""), "",
             f"**Why.** {_cell(rule.description)}", ""]
    if rule.when:
        lines += ["**Not applicable when:** " + "; ".join(reason for _, reason in rule.when) + ".", ""]
    lines += [f"**How to fix.** {_cell(rule.fix)}", ""]
    if rule.parameters:
        lines.append("**Parameters** (config file, `rules: {" + rule.id + ": {...}}`):")
        lines += [f"- `{name}` ({spec['type']}, default `{json.dumps(spec['default'])}`): {_cell(spec['description'])}"
                  for name, spec in rule.parameters.items()]
        lines.append("")
    lines += ["**References:** " + ", ".join(f"<{ref}>" for ref in rule.references), ""]
    return "\n".join(lines)


def render_catalogue(rules: list[Rule]) -> str:
    out = ["# Rule catalogue", "",
           "Generated from the rule files by `python -m scanner.docs`; do not edit by hand. "
           "`aks-netaudit rules show ID` prints the same text for one rule.", "",
           "| id | severity | profile | title |", "|---|---|---|---|"]
    out += [f"| [{r.id}](#{r.id.lower()}-{_anchor(r.title)}) | {r.severity} | {r.profile} | {_cell(r.title)} |"
            for r in rules]
    out.append("")
    for category, title in CATEGORY_TITLES.items():
        members = [r for r in rules if r.category == category]
        if members:
            out += [f"## {title}", ""] + [_rule_section(r) for r in members]
    return "\n".join(out).rstrip() + "\n"


def _anchor(title: str) -> str:
    """GitHub's heading anchor for `### ID: title`, minus the id part the caller adds."""
    kept = "".join(c for c in title.lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def main() -> int:
    DOCS_PATH.parent.mkdir(exist_ok=True)
    DOCS_PATH.write_text(render_catalogue(list(load_pack().rules)), encoding="utf-8")
    print(f"wrote {DOCS_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
