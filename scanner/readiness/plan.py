"""A go / no-go plan per cluster for a migration target, from the findings of the rules a plan judges.

DESIGN.md "Readiness". For `--target overlay` the plan also judges the Azure CNI Overlay table
against the cluster *as it would be after the move* (a second inventory in which every planned
cluster's row says overlay and carries its planned pod CIDR), so a pool type, VM size, name
length or scale that Overlay forbids blocks now, not halfway through `az aks update`. When the
pod CIDR the cluster would get fails MIGRATE-008 or OVERLAY-003, the plan proposes one and judges
that instead. For `--target apiserver-vnet-integration` it picks the candidate subnet whose
checks pass, or says what to create.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from scanner import armid, inventory
from scanner.collect.snapshot import Snapshot
from scanner.engine import suppress
from scanner.engine.evaluate import evaluate, evaluate_rule
from scanner.engine.loader import Rule
from scanner.inventory.rows import CLUSTER
from scanner.netmath import parse_network
from scanner.readiness import addresses

OVERLAY, APISERVER = "overlay", "apiserver-vnet-integration"
TARGETS = (OVERLAY, APISERVER)
PROFILE = {OVERLAY: "overlay-migration", APISERVER: "apiserver-vnet-migration"}
BLOCKING = ("critical", "high")
WOULD_BE = "OVERLAY-"  # the Azure CNI Overlay table, judged after the move
PLANNED_POD_RULES = ("MIGRATE-008", "OVERLAY-003")
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
KUBECTL = ("kubectl get configmaps,services -A -o json > {name}.json, then add "
           "--kube-input {name}={name}.json")
ROLE_EXPORT = ("the Resource Graph export of role assignments and definitions with authorizationScopeFilter "
               "AtScopeAboveAndBelow, and the subscriptions' resourcecontainers rows (README, exports)")


@dataclass
class Inputs:
    """What planning needs from the scan stages: the snapshot, its views and the rules in force."""

    snapshot: Snapshot
    parameters: dict
    rules: list[Rule]
    rule_params: dict
    accepted: suppress.Suppressions
    views: list[dict] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)


def _entry(finding: dict, **extra) -> dict:
    return {"rule_id": finding["rule_id"], "title": finding["title"], "severity": finding["severity"],
            "status": suppress.effective_status(finding), "message": finding["message"],
            "evidence": finding["evidence"], "remediation": finding["remediation"],
            "references": finding["references"], **extra}


def _order(entries: list[dict], catalogue: list[str]) -> list[dict]:
    """Critical first, then in the catalogue's order (DESIGN.md)."""
    index = {rule_id: i for i, rule_id in enumerate(catalogue)}
    return sorted(entries, key=lambda e: (SEVERITY_ORDER.index(e["severity"]), index.get(e["rule_id"], 10**6)))


def _ipv4(cidrs: list[str]) -> str | None:
    return next((c for c in cidrs if (n := parse_network(c)) is not None and n.version == 4), None)


def _incomplete(view: dict, snapshot: Snapshot) -> list[str]:
    """Coverage errors that touch this cluster: its subscription's batch failed, or an input was truncated."""
    sub = (view.get("subscriptionId") or "").lower()
    problems = []
    for error in snapshot.errors:
        scope = str(error.get("scope") or "").lower()
        if error.get("source") == "scope" and "no aks cluster" in error.get("message", "").lower():
            continue
        if not scope or sub in scope or error.get("source", "").endswith(".json"):
            problems.append(f"{error.get('source')}: {error.get('message')}")
    return problems


def _nsg_rules(group: str, nsg: str, sources: list[str], cidr: str | None) -> list[str]:
    """APISRV-006/007's allows on the API server subnet's NSG; none when there is no IPv4 source to name."""
    try:
        return addresses.nsg_rules_for_apiserver(group, nsg, sources, cidr or "") if cidr else []
    except ValueError:
        return []


def _supply(finding: dict, cluster: str) -> str:
    text = f"{finding['message']} {finding['evidence']}".lower()
    if "kubernetes" in text or finding["rule_id"] in ("MIGRATE-006", "MIGRATE-007", "DUALSTACK-007"):
        return KUBECTL.format(name=cluster)
    if "role assignments" in text:
        return ROLE_EXPORT
    return "the Resource Graph rows the message names (--input)"


class Planner:
    def __init__(self, target: str, data: Inputs, catalogue: list[str]):
        self.target = target
        self.data = data
        self.catalogue = catalogue
        self.by_cluster: dict[str, list[dict]] = {}
        for finding in data.findings:
            self.by_cluster.setdefault(finding["resource_id"].lower(), []).append(finding)
        self.rules = {r.id: r for r in data.rules}

    # --- what the target judges ------------------------------------------------------------------

    def judged(self, rule_id: str) -> bool:
        """The target's profile, and LB-001: a Basic load balancer blocks every update (DESIGN.md)."""
        rule = self.rules.get(rule_id)
        return rule is not None and (rule.profile == PROFILE[self.target] or rule_id == "LB-001")

    def not_applicable(self, view: dict) -> str | None:
        if self.target == OVERLAY:
            if view["plugin"]["family"] == "overlay":
                return "the cluster already uses Azure CNI Overlay"
            if view["plugin"]["family"] == "byocni":
                return "the cluster brings its own CNI (network plugin none)"
            if view["plugin"]["family"] == "unknown":
                return "the cluster's network plugin is not one Overlay migrates from"
        elif view["apiServer"]["vnetIntegration"]:
            return "API server VNet integration is already enabled"
        return None

    # --- the overlay target's address plan and would-be evaluation -------------------------------

    def planned_pod_cidr(self, view: dict) -> str | None:
        if view["plugin"]["family"] == "kubenet":
            return _ipv4(view["podCidrs"])
        params = self.data.rule_params.get("MIGRATE-008", {})
        rule = self.rules.get("MIGRATE-008")
        return params.get("target_pod_cidr") or (rule.defaults().get("target_pod_cidr") if rule else None)

    def avoid(self, view: dict) -> list[str]:
        vnet = view.get("vnet") or {}
        connected = view.get("connected") or {}
        taken = list(vnet.get("addressPrefixes") or [])
        taken += [p for s in vnet.get("subnets") or [] for p in s.get("prefixes") or []]
        taken += [p for s in view["clusterSubnets"] for p in s["prefixes"]]
        taken += list(view["serviceCidrs"]) + list(connected.get("prefixes") or [])
        taken += list(self.data.parameters.get("onprem_prefixes") or [])
        return list(dict.fromkeys(t for t in taken if isinstance(t, str)))

    def would_be(self, planned: dict[str, str]) -> dict[str, dict[str, dict]]:
        """The Overlay table's findings by cluster, with every planned cluster moved to Overlay on its pod CIDR."""
        rows = []
        for row in self.data.snapshot.rows:
            key = row["id"].lower()
            if row["type"].lower() != CLUSTER or key not in planned:
                rows.append(row)
                continue
            moved = copy.deepcopy(row)
            network = moved.setdefault("properties", {}).setdefault("networkProfile", {})
            ipv6 = [c for c in network.get("podCidrs") or [] if isinstance(c, str) and ":" in c]
            network.update(networkPlugin="azure", networkPluginMode="overlay", podCidr=planned[key],
                           podCidrs=[planned[key], *ipv6])
            rows.append(moved)
        moved_snapshot = Snapshot(rows=rows, kube=self.data.snapshot.kube)
        views = [v for v in inventory.build(moved_snapshot, self.data.parameters).views("cluster")
                 if v["id"].lower() in planned]
        rules = [r for r in self.data.rules if r.id.startswith(WOULD_BE)]
        findings = [f.to_dict() for f in evaluate(rules, {"cluster": views}, self.data.rule_params)]
        suppress.apply(findings, {v["id"].lower(): v["tags"] for v in views}, self.data.accepted)
        result: dict[str, dict[str, dict]] = {}
        for finding in findings:
            result.setdefault(finding["resource_id"].lower(), {})[finding["rule_id"]] = finding
        return result

    def migrate_008(self, view: dict, cidr: str) -> dict | None:
        """MIGRATE-008 on the pod CIDR the cluster would get (kubenet reads podCidrs, Azure CNI the parameter)."""
        rule = self.rules.get("MIGRATE-008")
        if rule is None:
            return None
        ipv6 = [c for c in view["podCidrs"] if ":" in c]
        params = {**rule.defaults(), **self.data.rule_params.get("MIGRATE-008", {}), "target_pod_cidr": cidr}
        finding = evaluate_rule(rule, {**view, "podCidrs": [cidr, *ipv6]}, params).to_dict()
        suppress.apply([finding], {view["id"].lower(): view["tags"]}, self.data.accepted)
        return finding

    def overlay_address_plans(self, views: list[dict]) -> dict[str, dict]:
        """Per cluster: the pod CIDR it gets (proposed where the planned one fails) and its would-be findings."""
        planned = {v["id"].lower(): self.planned_pod_cidr(v) for v in views}
        by_id = {v["id"].lower(): v for v in views}
        first = self.would_be({k: c for k, c in planned.items() if c})
        plans: dict[str, dict] = {}
        for key, view in by_id.items():
            current = planned[key]
            judged = dict(first.get(key, {}))
            if current and (m008 := self.migrate_008(view, current)):
                judged["MIGRATE-008"] = m008
            failing = [judged[r] for r in PLANNED_POD_RULES if r in judged and judged[r]["status"] == "fail"]
            plan = {"pod_cidr": current, "source": "current pod CIDR" if view["plugin"]["family"] == "kubenet"
                    else "target_pod_cidr", "proposed": None, "changed": [], "findings": judged}
            if current is None or failing:
                nodes = view["scale"]["reachableNodes"]
                try:
                    proposal = addresses.propose_pod_cidr(nodes, self.avoid(view)) if nodes is not None else None
                except ValueError as exc:
                    proposal = {"cidr": None, "reason": str(exc)}
                plan["proposed"] = proposal or {"cidr": None, "reason": "the pools' node counts are unknown"}
                if proposal and proposal.get("cidr"):
                    plan.update(pod_cidr=proposal["cidr"], changed=failing)
            plans[key] = plan
        again = {k: p["pod_cidr"] for k, p in plans.items() if p["changed"]}
        if again:
            second = self.would_be(again)
            for key in again:
                judged = dict(second.get(key, {}))
                if m008 := self.migrate_008(by_id[key], again[key]):
                    judged["MIGRATE-008"] = m008
                plans[key]["findings"] = judged
        return plans

    # --- the API server target's candidate -------------------------------------------------------

    def apiserver_choice(self, view: dict, apimig: dict | None) -> dict:
        """The first candidate whose APISRV-006/007/008 checks pass; else how to fix the first candidate, or
        (with no candidate at all) what to create."""
        candidates = ((apimig or {}).get("evidence") or {}).get("candidates") or []
        ready = [c for c in candidates if c.get("apisrv006") is True and c.get("apisrv007") == "allow"
                 and c.get("apisrv008") is True]
        if ready:
            return {"subnet": ready[0]["id"], "name": ready[0]["subnet"], "prefix": ready[0]["prefix"],
                    "candidates": candidates}
        undecided = [c for c in candidates if None in (c.get("apisrv006"), c.get("apisrv008"))
                     or c.get("apisrv007") == "unknown"]
        choice: dict = {"subnet": None, "candidates": candidates, "undecided": bool(undecided)}
        if view["managedVnet"] or not view.get("vnet") or undecided:
            return choice
        choice["create"] = self.fix_candidate(view, candidates[0]) if candidates else self.new_subnet(view)
        return choice

    @staticmethod
    def candidate_message(choice: dict) -> str:
        create = choice.get("create") or {}
        if not choice["candidates"]:
            return f"No subnet of the cluster VNet can take the API server: create {create.get('cidr')} as below."
        missing = "; ".join(create.get("fix") or ["see the commands below"])
        return f"Candidate {choice['candidates'][0]['subnet']} still lacks {missing}."

    def fix_candidate(self, view: dict, candidate: dict) -> dict:
        """What the first candidate lacks: the identity's join right, the NSG allows of APISRV-006/007."""
        commands, missing = [], []
        if candidate.get("apisrv008") is False:
            missing.append("the control-plane identity's join and read rights (APISRV-008)")
            principal = view["controlPlaneIdentity"].get("principalId") or "<object id of the cluster identity>"
            commands.append(f"az role assignment create --assignee-object-id {principal} --assignee-principal-type "
                            f"ServicePrincipal --role \"Network Contributor\" --scope {candidate['id']}")
        full = next((c.get("subnet") for c in view.get("apiServerCandidates") or []
                     if (c.get("id") or "").lower() == candidate["id"].lower()), None) or {}
        nsg = full.get("nsg")
        if candidate.get("apisrv006") is False or candidate.get("apisrv007") != "allow":
            missing.append("NSG allows for TCP 443/4443 from the cluster subnets and TCP 9988 from AzureLoadBalancer "
                           "(APISRV-006/007)")
            sources = [p for s in view["clusterSubnets"] for p in s["prefixes"]]
            group, name = (nsg or {}).get("resourceGroup") or "<nsg-resource-group>", (nsg or {}).get("name") or "<nsg>"
            commands += _nsg_rules(group, name, sources, candidate.get("prefix"))
        return {"cidr": candidate.get("prefix"), "subnet": candidate["id"], "fix": missing, "commands": commands}

    def peering_back(self, remote_id: str | None, vnet_id: str) -> str | None:
        """The name of the remote VNet's peering that points at this VNet, where the remote row is in the input."""
        row = next((r for r in self.data.snapshot.rows if armid.key(r["id"]) == armid.key(remote_id)), None)
        peerings = ((row or {}).get("properties") or {}).get("virtualNetworkPeerings") or []
        return next((p.get("name") for p in peerings if armid.key(((p.get("properties") or {}).get(
            "remoteVirtualNetwork") or {}).get("id")) == armid.key(vnet_id)), None)

    def new_subnet(self, view: dict) -> dict:
        vnet = view["vnet"]
        in_vnet = [c for c in self.data.views if (c.get("vnet") or {}).get("id", "").lower() == vnet["id"].lower()]
        taken = [p for s in vnet.get("subnets") or [] for p in s.get("prefixes") or []]
        taken += [c for v in in_vnet for c in v["serviceCidrs"] + v["podCidrs"]]
        taken += [v["dnsServiceIP"] for v in in_vnet if v.get("dnsServiceIP")]
        free = addresses.free_slash28(vnet.get("addressPrefixes") or [], taken)
        sources = [p for s in view["clusterSubnets"] for p in s["prefixes"]]
        principal = view["controlPlaneIdentity"].get("principalId") or "<object id of the cluster identity>"
        if free.get("cidr"):
            cidr = free["cidr"]
            commands = [addresses.subnet_create_command(vnet["resourceGroup"], vnet["name"], "snet-aks-apiserver",
                                                        cidr)]
        else:
            connected = view.get("connected") or {}
            avoid = [p for v in self.data.views for p in (v.get("vnet") or {}).get("addressPrefixes") or []]
            avoid += list(connected.get("prefixes") or []) + list(self.data.parameters.get("onprem_prefixes") or [])
            avoid += [c for v in self.data.views for c in v["podCidrs"] + v["serviceCidrs"]]
            extension = addresses.extension_slash28(avoid)
            cidr = extension.get("cidr")
            remotes = [{"resource_group": armid.resource_group_of(p["remoteId"] or ""), "vnet": p["remoteName"],
                        "name": self.peering_back(p["remoteId"], vnet["id"])} for p in connected.get("peerings") or []]
            commands = addresses.vnet_extend_commands(vnet["resourceGroup"], vnet["name"],
                                                      vnet.get("addressPrefixes") or [], cidr, remotes) if cidr else []
            if cidr:
                commands.append(addresses.subnet_create_command(vnet["resourceGroup"], vnet["name"],
                                                                "snet-aks-apiserver", cidr))
            free = {**free, "extension": extension}
        if cidr:
            # A new subnet has no NSG; one associated later needs these allows (APISRV-006/007).
            commands += _nsg_rules("<nsg-resource-group>", "<nsg-of-snet-aks-apiserver>", sources, cidr)
            subnet_id = f"{vnet['id']}/subnets/snet-aks-apiserver"
            commands.append(f"az role assignment create --assignee-object-id {principal} --assignee-principal-type "
                            f"ServicePrincipal --role \"Network Contributor\" --scope {subnet_id}")
        return {"cidr": cidr, "plan": free, "commands": commands}

    # --- one plan ---------------------------------------------------------------------------------

    def plan(self, view: dict, overlay_plan: dict | None = None) -> dict:
        key = view["id"].lower()
        base = {"cluster": view["name"], "resource_id": view["id"], "resource_group": view["resourceGroup"],
                "subscription_id": view["subscriptionId"]}
        reason = self.not_applicable(view)
        if reason:
            return {**base, "verdict": "not_applicable", "reason": reason}
        findings = {f["rule_id"]: f for f in self.by_cluster.get(key, [])}
        judged = {rid: (f, False) for rid, f in findings.items() if self.judged(rid)}
        changed = []
        if overlay_plan is not None:
            for rule_id, finding in overlay_plan["findings"].items():
                judged[rule_id] = (finding, rule_id.startswith(WOULD_BE))
            changed = [_entry(f, now=overlay_plan["findings"].get(f["rule_id"], {}).get("status"))
                       for f in overlay_plan["changed"]]
        sections: dict[str, list] = {"blockers": [], "accepted": [], "undecided": [], "warnings": [], "passed": []}
        for rule_id, (finding, after_move) in judged.items():
            status, severity = suppress.effective_status(finding), finding["severity"]
            entry = _entry(finding, after_move=after_move)
            if finding["status"] == "suppressed":
                sections["accepted"].append({**entry, **finding["suppression"]})
            elif finding["status"] == "not_applicable":
                continue
            elif severity in BLOCKING and status == "fail":
                sections["blockers"].append(entry)
            elif severity in BLOCKING and status == "error":
                sections["undecided"].append({**entry, "supply": _supply(finding, view["name"])})
            elif status == "pass" and severity != "info":
                sections["passed"].append({"rule_id": rule_id, "title": finding["title"], "after_move": after_move})
            else:
                sections["warnings"].append(entry)
        choice = self.apiserver_sections(view, findings, sections) if self.target == APISERVER else None
        incomplete = _incomplete(view, self.data.snapshot)
        for name in ("blockers", "accepted", "undecided", "warnings"):
            sections[name] = _order(sections[name], self.catalogue)
        verdict = "no-go" if sections["blockers"] else "unknown" if sections["undecided"] or incomplete else "go"
        failing_today = [_entry(f) for rid, f in findings.items()
                         if not self.judged(rid) and f["severity"] == "critical" and f["status"] == "fail"]
        plan = {**base, "verdict": verdict, "reason": None, **sections, "changed_by_plan": changed,
                "failing_today": _order(failing_today, self.catalogue), "incomplete": incomplete,
                "address_plan": self.address_section(overlay_plan, choice),
                "commands": self.commands(view, overlay_plan, choice) if verdict == "go" else []}
        if verdict == "unknown":
            plan["reason"] = "; ".join([e["supply"] for e in sections["undecided"]] + incomplete)
        return plan

    def apiserver_sections(self, view: dict, findings: dict, sections: dict) -> dict:
        """Pick the candidate; without one that passes, a blocker that says what to create (or what to supply)."""
        choice = self.apiserver_choice(view, findings.get("APIMIG-001"))
        if view["managedVnet"] or choice["subnet"] is not None:
            return choice
        common = {"rule_id": "APIMIG-001", "severity": "high", "after_move": False, "references": [],
                  "evidence": {"candidates": choice["candidates"]}}
        if choice.get("undecided"):
            sections["undecided"].append({
                **common, "title": "Candidate subnet checks", "status": "error", "remediation": "",
                "message": "the candidates' NSG or identity checks could not be decided",
                "supply": _supply(findings.get("APIMIG-001") or {"rule_id": "APIMIG-001", "message": "",
                                                                  "evidence": {}}, view["name"])})
        elif not any(b["rule_id"] == "APIMIG-001" for b in sections["blockers"]):
            sections["passed"] = [p for p in sections["passed"] if p["rule_id"] != "APIMIG-001"]
            sections["blockers"].append({
                **common, "title": "A candidate subnet passes APISRV-006/007/008", "status": "fail",
                "message": self.candidate_message(choice),
                "remediation": "\n".join((choice.get("create") or {}).get("commands", []))})
        return choice

    def address_section(self, overlay_plan: dict | None, choice: dict | None) -> dict | None:
        if overlay_plan is not None:
            return {"pod_cidr": overlay_plan["pod_cidr"], "source": overlay_plan["source"],
                    "proposed": overlay_plan["proposed"]}
        if choice is not None:
            return {"apiserver_subnet": choice.get("subnet"), "subnet_name": choice.get("name"),
                    "create": choice.get("create")}
        return None

    def commands(self, view: dict, overlay_plan: dict | None, choice: dict | None) -> list[str]:
        where = f"-g {view['resourceGroup']} -n {view['name']}"
        if self.target == OVERLAY:
            if view["plugin"]["family"] == "kubenet":
                pod = f" --pod-cidr {overlay_plan['pod_cidr']}" if overlay_plan and overlay_plan["changed"] else ""
                command = f"az aks update {where} --network-plugin azure --network-plugin-mode overlay{pod}"
            else:
                command = f"az aks update {where} --network-plugin-mode overlay --pod-cidr {overlay_plan['pod_cidr']}"
            return [command, "kubectl get nodes -o wide   # every node is reimaged; wait until all are Ready",
                    "kubectl get pods -A -o wide   # pods now take IPs from the pod CIDR"]
        subnet = f" --apiserver-subnet-id {choice['subnet']}" if choice and choice.get("subnet") else ""
        return [f"az aks update {where} --enable-apiserver-vnet-integration{subnet}",
                f"az aks stop {where}   # right after the update, as APIMIG-002 says",
                f"az aks start {where}"]


def plan_fleet(target: str, data: Inputs, catalogue: list[str], selected: list[dict]) -> list[dict]:
    planner = Planner(target, data, catalogue)
    overlay_plans = {}
    if target == OVERLAY:
        movable = [v for v in selected if planner.not_applicable(v) is None]
        overlay_plans = planner.overlay_address_plans(movable) if movable else {}
    return [planner.plan(v, overlay_plans.get(v["id"].lower())) for v in selected]


VERDICT_ORDER = ("no-go", "unknown", "go", "not_applicable")


def fleet_table(plans: list[dict]) -> dict:
    counts = {verdict: sum(1 for p in plans if p["verdict"] == verdict) for verdict in VERDICT_ORDER}
    rows = [{"cluster": p["cluster"], "resource_id": p["resource_id"], "subscription_id": p["subscription_id"],
             "verdict": p["verdict"], "blockers": [b["rule_id"] for b in p["blockers"]],
             "pod_cidr": ((p.get("address_plan") or {}).get("proposed") or {}).get("cidr"),
             "apiserver_subnet": (p.get("address_plan") or {}).get("apiserver_subnet")}
            for p in plans if p["verdict"] != "not_applicable"]
    rows.sort(key=lambda r: (VERDICT_ORDER.index(r["verdict"]), r["cluster"] or ""))
    return {"counts": counts, "rows": rows}
