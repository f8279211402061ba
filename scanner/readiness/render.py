"""Readiness plans as a person reads them: text for a terminal, markdown for a change ticket."""

from __future__ import annotations

TARGET_TITLE = {"overlay": "Azure CNI Overlay", "apiserver-vnet-integration": "API server VNet integration"}


def _pod(plan: dict) -> str:
    address = plan.get("address_plan") or {}
    proposed = (address.get("proposed") or {}).get("cidr")
    if proposed:
        return f"{proposed} (proposed)"
    return address.get("pod_cidr") or address.get("apiserver_subnet") or ""


def _cluster_text(plan: dict, target: str) -> list[str]:
    lines = [f"{plan['cluster']} ({plan['resource_group']}, {plan['subscription_id']}): {plan['verdict'].upper()}"]
    if plan["verdict"] == "not_applicable":
        return lines + [f"  {plan['reason']}"]
    for label, key in (("Blockers", "blockers"), ("Could not be decided", "undecided")):
        if plan[key]:
            lines.append(f"  {label}:")
            for entry in plan[key]:
                when = " [after the move]" if entry.get("after_move") else ""
                lines.append(f"    - {entry['rule_id']} ({entry['severity']}){when}: {entry['message']}")
                if entry.get("supply"):
                    lines.append(f"      supply: {entry['supply']}")
    if plan["accepted"]:
        lines.append("  Accepted (suppressed, not blocking):")
        lines += [f"    - {e['rule_id']}: {e['reason']}" + (f" (owner {e['owner']})" if e.get("owner") else "")
                  for e in plan["accepted"]]
    if plan["changed_by_plan"]:
        lines.append("  Changed by the plan:")
        lines += [f"    - {e['rule_id']} on the current pod CIDR: {e['message']} → now {e['now']}"
                  for e in plan["changed_by_plan"]]
    address = plan.get("address_plan") or {}
    proposed = address.get("proposed") or {}
    if proposed.get("cidr"):
        checked = ', '.join(proposed['checked_against'])
        lines.append(f"  Proposed pod CIDR: {proposed['cidr']} (checked against {checked})")
    elif address.get("proposed"):
        lines.append(f"  No pod CIDR could be proposed: {proposed.get('reason')}")
    create = address.get("create") or {}
    if create.get("commands"):
        what = "Fix the candidate API server subnet" if create.get("fix") else "Create the API server subnet"
        lines.append(f"  {what} ({create.get('cidr')}):")
        lines += [f"    {command}" for command in create["commands"]]
    if plan["failing_today"]:
        lines.append("  Failing today, independent of the move:")
        lines += [f"    - {e['rule_id']}: {e['message']}" for e in plan["failing_today"]]
    if plan["warnings"]:
        lines.append("  Warnings:")
        lines += [f"    - {e['rule_id']} ({e['severity']}): {e['message']}" for e in plan["warnings"]]
    if plan["passed"]:
        lines.append(f"  Passed: {', '.join(p['rule_id'] for p in plan['passed'])}")
    if plan["commands"]:
        lines.append("  Run:")
        lines += [f"    {command}" for command in plan["commands"]]
    return lines


def render_text(document: dict) -> str:
    target = document["target"]
    out = [f"aks-netaudit readiness: {TARGET_TITLE[target]}", ""]
    plans = document["plans"]
    if len(plans) > 1:
        out += [fleet_text(document), ""]
    for plan in plans:
        if len(plans) > 1 and plan["verdict"] == "not_applicable":
            continue
        out += _cluster_text(plan, target) + [""]
    return "\n".join(out).rstrip() + "\n"


def fleet_text(document: dict) -> str:
    counts = document["fleet"]["counts"]
    rows = document["fleet"]["rows"]
    width = max([len(r["cluster"] or "") for r in rows] + [7])
    lines = ["  ".join(f"{k} {v}" for k, v in counts.items()),
             f"{'cluster':<{width}}  {'verdict':<8}  {'subscription':<36}  blockers / plan"]
    for row in rows:
        plan = next(p for p in document["plans"] if p["resource_id"] == row["resource_id"])
        extra = ", ".join(row["blockers"]) or _pod(plan)
        lines.append(f"{row['cluster']:<{width}}  {row['verdict']:<8}  {row['subscription_id'] or '':<36}  {extra}")
    return "\n".join(lines)


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict) -> str:
    target = document["target"]
    counts = document["fleet"]["counts"]
    out = [f"## Readiness for {TARGET_TITLE[target]}", "",
           " · ".join(f"**{k}** {v}" for k, v in counts.items()), "",
           "| cluster | subscription | verdict | blockers | plan |", "|---|---|---|---|---|"]
    for row in document["fleet"]["rows"]:
        plan = next(p for p in document["plans"] if p["resource_id"] == row["resource_id"])
        out.append(f"| {_md(row['cluster'])} | {_md(row['subscription_id'])} | {row['verdict']} | "
                   f"{_md(', '.join(row['blockers']))} | {_md(_pod(plan))} |")
    for plan in document["plans"]:
        if plan["verdict"] == "not_applicable":
            continue
        out += ["", f"### {_md(plan['cluster'])}: {plan['verdict']}", ""]
        for entry in plan["blockers"] + plan["undecided"]:
            out.append(f"- **{entry['rule_id']}** ({entry['severity']}): {_md(entry['message'])}")
        if plan["commands"]:
            out += ["", "```sh", *plan["commands"], "```"]
    return "\n".join(out) + "\n"
