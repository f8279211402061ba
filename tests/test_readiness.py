"""Readiness: a go / no-go plan per cluster and for the fleet, with address plans that fit."""

from __future__ import annotations

import ipaddress
import json
import textwrap
from pathlib import Path

import pytest
from azure_rows import (
    cluster_row,
    envelope,
    network_id,
    peering,
    pool,
    route_table_row,
    subnet_id,
    vnet_row,
)

from scanner import cli

NODES = subnet_id("vnet-move", "snet-nodes")
TABLE = network_id("routeTables", "rt-move")
USER_ASSIGNED = {"type": "UserAssigned", "userAssignedIdentities": {
    "/subscriptions/x/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-move":
        {"principalId": "2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f", "clientId": "7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"}}}


def kubenet_cluster(name: str = "aks-move", pod_cidr: str = "10.244.0.0/16", **pool_extra) -> dict:
    row = cluster_row(name, "kubenet", pools=[pool(subnet=NODES, count=5, **pool_extra)], podCidr=pod_cidr,
                      podCidrs=[pod_cidr], networkPolicy="none")
    row["identity"] = USER_ASSIGNED
    return row


def network(vnet_prefix: str = "10.30.0.0/16") -> list[dict]:
    return [vnet_row("vnet-move", [vnet_prefix], [("snet-nodes", vnet_prefix.replace("/16", "/24"),
                                                   {"route_table": TABLE})]),
            route_table_row("rt-move", [], [NODES])]


def kube_file(tmp_path, name: str = "aks-move"):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "azure-ip-masq-agent-config-reconciled",
         "namespace": "kube-system"}, "data": {"ip-masq-agent-reconciled": "nonMasqueradeCIDRs:\n  - 10.30.0.0/16\n"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"},
         "spec": {"type": "ClusterIP", "clusterIP": "10.0.0.1"}}]}), encoding="utf-8")
    return f"{name}={path}"


def readiness(capsys, *args: str) -> tuple[int, dict, str]:
    code = cli.main(["readiness", *args, "--format", "json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if captured.out.strip() else {}), captured.err


def plan_of(document: dict, cluster: str) -> dict:
    return next(p for p in document["plans"] if p["cluster"] == cluster)


def overlaps_any(cidr: str, others: list[str]) -> bool:
    net = ipaddress.ip_network(cidr)
    return any(net.version == ipaddress.ip_network(o, strict=False).version
               and net.overlaps(ipaddress.ip_network(o, strict=False)) for o in others)


def test_a_kubenet_cluster_ready_to_move_is_go_with_its_command(capsys, write_json, tmp_path):
    rows = write_json("rows.json", envelope([kubenet_cluster(), *network()]))
    code, document, _ = readiness(capsys, "--input", str(rows), "--kube-input", kube_file(tmp_path),
                                  "--cluster", "aks-move", "--target", "overlay")
    plan = plan_of(document, "aks-move")
    assert code == 0 and plan["verdict"] == "go", plan
    assert plan["commands"][0] == ("az aks update -g rg-aks -n aks-move --network-plugin azure "
                                   "--network-plugin-mode overlay")


def test_without_kubernetes_data_it_is_unknown_naming_the_kubectl_command(capsys, write_json):
    rows = write_json("rows.json", envelope([kubenet_cluster(), *network()]))
    code, document, _ = readiness(capsys, "--input", str(rows), "--cluster", "aks-move", "--target", "overlay")
    plan = plan_of(document, "aks-move")
    assert code == 1 and plan["verdict"] == "unknown"  # never go while a high check is error
    assert "kubectl get configmaps,services -A -o json" in plan["reason"]
    assert {u["rule_id"] for u in plan["undecided"]} == {"MIGRATE-006", "MIGRATE-007"}


def test_a_pod_cidr_that_fails_migrate_008_gets_a_proposal_that_overlaps_nothing_and_fits(capsys, write_json,
                                                                                        tmp_path):
    clash = kubenet_cluster(pod_cidr="10.30.0.0/16")  # the VNet's own space
    rows = write_json("rows.json", envelope([clash, *network("10.30.0.0/16")]))
    code, document, _ = readiness(capsys, "--input", str(rows), "--kube-input", kube_file(tmp_path),
                                  "--cluster", "aks-move", "--target", "overlay")
    plan = plan_of(document, "aks-move")
    proposed = plan["address_plan"]["proposed"]["cidr"]
    assert plan["verdict"] == "go", plan
    assert not overlaps_any(proposed, ["10.30.0.0/16", "10.0.0.0/16"])
    assert ipaddress.ip_network(proposed).prefixlen <= 16
    assert [c["rule_id"] for c in plan["changed_by_plan"]] == ["MIGRATE-008"]
    assert plan["changed_by_plan"][0]["now"] == "pass"
    assert plan["commands"][0].endswith(f"--network-plugin-mode overlay --pod-cidr {proposed}")


def test_what_overlay_forbids_after_the_move_blocks_now(capsys, write_json, tmp_path):
    rows = write_json("rows.json", envelope([kubenet_cluster(type="AvailabilitySet"), *network()]))
    code, document, _ = readiness(capsys, "--input", str(rows), "--kube-input", kube_file(tmp_path),
                                  "--cluster", "aks-move", "--target", "overlay")
    plan = plan_of(document, "aks-move")
    assert code == 1 and plan["verdict"] == "no-go"
    blocker = next(b for b in plan["blockers"] if b["rule_id"] == "OVERLAY-007")
    assert blocker["after_move"] is True
    assert plan["commands"] == []


def test_a_suppressed_blocker_does_not_block_and_is_listed_as_accepted(capsys, tmp_path):
    accepted = tmp_path / "accepted.yaml"
    accepted.write_text(textwrap.dedent("""\
        suppressions:
          - rule: MIGRATE-010
            resource: "*/aks-legacy-billing"
            reason: identity swap is part of the change
            owner: ops
        """), encoding="utf-8")
    code, document, _ = readiness(capsys, "--demo", "--cluster", "aks-legacy-billing", "--target", "overlay",
                                  "--suppressions", str(accepted))
    plan = plan_of(document, "aks-legacy-billing")
    assert plan["verdict"] == "go" and plan["blockers"] == []
    assert plan["accepted"][0]["rule_id"] == "MIGRATE-010"
    assert plan["accepted"][0]["reason"] == "identity swap is part of the change"


def test_the_demo_fleet_table_lists_no_go_first_and_counts_what_does_not_apply(capsys):
    code, document, _ = readiness(capsys, "--demo", "--all", "--target", "overlay")
    fleet = document["fleet"]
    assert code == 1
    assert fleet["counts"]["not_applicable"] == 4  # the overlay clusters
    assert len(fleet["rows"]) == 6 and [r["verdict"] for r in fleet["rows"]][:5] == ["no-go"] * 5
    assert plan_of(document, "aks-gateway-cni")["blockers"][0]["after_move"] is True  # an availability-set pool
    assert plan_of(document, "aks-reports-kubenet")["verdict"] == "unknown"  # no Kubernetes data in the demo
    assert plan_of(document, "aks-checkout-prod")["verdict"] == "no-go"  # traditional Azure CNI
    assert {b["rule_id"] for b in plan_of(document, "aks-checkout-prod")["blockers"]} >= {"MIGRATE-003"}
    assert plan_of(document, "aks-payments-prod")["reason"] == "the cluster already uses Azure CNI Overlay"


def test_a_not_yet_integrated_cluster_gets_a_free_slash28_that_overlaps_nothing(capsys):
    code, document, _ = readiness(capsys, "--demo", "--cluster", "aks-edge-dualstack",
                                  "--target", "apiserver-vnet-integration")
    plan = plan_of(document, "aks-edge-dualstack")
    create = plan["address_plan"]["create"]
    assert plan["verdict"] == "no-go"
    assert ipaddress.ip_network(create["cidr"]).prefixlen == 28
    assert ipaddress.ip_network(create["cidr"]).subnet_of(ipaddress.ip_network("10.60.0.0/16"))
    assert not overlaps_any(create["cidr"], ["10.60.0.0/22", "10.99.0.0/16", "10.244.0.0/16"])
    assert any("--delegations Microsoft.ContainerService/managedClusters" in c for c in create["commands"])


def test_a_vnet_with_no_free_slash28_gets_the_address_space_extension(capsys, write_json):
    full = vnet_row("vnet-full", ["10.70.0.0/24"], [("snet-nodes", "10.70.0.0/24")])
    row = cluster_row("aks-full", "overlay", pools=[pool(subnet=subnet_id("vnet-full", "snet-nodes"))])
    rows = write_json("rows.json", envelope([row, full]))
    code, document, _ = readiness(capsys, "--input", str(rows), "--cluster", "aks-full",
                                  "--target", "apiserver-vnet-integration")
    create = plan_of(document, "aks-full")["address_plan"]["create"]
    update = next(c for c in create["commands"] if c.startswith("az network vnet update"))
    assert update.startswith("az network vnet update -g rg-net -n vnet-full --address-prefixes 10.70.0.0/24 ")
    assert update.endswith(create["cidr"])
    assert not overlaps_any(create["cidr"], ["10.70.0.0/24", "10.0.0.0/16", "192.168.0.0/16"])


def test_an_ambiguous_cluster_name_is_exit_2(capsys, write_json):
    rows = write_json("rows.json", envelope([cluster_row("aks1", rg="a"), cluster_row("aks1", rg="b")]))
    code, _, err = readiness(capsys, "--input", str(rows), "--cluster", "aks1", "--target", "overlay")
    assert code == 2 and "give the ARM id" in err


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_the_fleet_renders_for_people(capsys, fmt):
    code = cli.main(["readiness", "--demo", "--all", "--target", "overlay", "--format", fmt])
    out = capsys.readouterr().out
    assert code == 1
    assert "aks-checkout-prod" in out and "no-go" in out
    if fmt == "markdown":
        assert "| cluster | subscription | verdict | blockers | plan |" in out


def test_the_demos_unknown_cluster_becomes_go_with_its_kubectl_output_and_a_proposed_pod_cidr(capsys):
    kube = Path(__file__).resolve().parent.parent / "examples" / "kube" / "aks-reports-kubenet.json"
    code, document, _ = readiness(capsys, "--demo", "--cluster", "aks-reports-kubenet", "--target", "overlay",
                                  "--kube-input", f"aks-reports-kubenet={kube}")
    plan = plan_of(document, "aks-reports-kubenet")
    assert code == 0 and plan["verdict"] == "go"
    assert plan["address_plan"]["proposed"]["cidr"] == "10.244.0.0/16"  # 172.32.0.0/16 is public space
    assert plan["commands"][0].endswith("--network-plugin-mode overlay --pod-cidr 10.244.0.0/16")


def test_the_extension_syncs_the_peering_in_each_remote_vnet_by_its_name(capsys, write_json):
    full = vnet_row("vnet-full", ["10.70.0.0/24"], [("snet-nodes", "10.70.0.0/24")])
    hub = vnet_row("vnet-hub", ["10.71.0.0/24"], [])
    full["properties"]["virtualNetworkPeerings"] = [peering("full-to-hub", hub["id"], ["10.71.0.0/24"])]
    hub["properties"]["virtualNetworkPeerings"] = [peering("hub-to-full", full["id"], ["10.70.0.0/24"])]
    row = cluster_row("aks-full", "overlay", pools=[pool(subnet=subnet_id("vnet-full", "snet-nodes"))])
    rows = write_json("rows.json", envelope([row, full, hub]))
    _, document, _ = readiness(capsys, "--input", str(rows), "--cluster", "aks-full",
                               "--target", "apiserver-vnet-integration")
    create = plan_of(document, "aks-full")["address_plan"]["create"]
    assert "az network vnet peering sync -g rg-net --vnet-name vnet-hub -n hub-to-full" in create["commands"]
    assert not overlaps_any(create["cidr"], ["10.71.0.0/24"])


def test_incomplete_coverage_makes_a_plan_unknown_never_go(capsys, write_json, tmp_path):
    rows = [kubenet_cluster(), *network()]
    page = write_json("page1.json", envelope(rows, skip_token="c2tpcA==", total_records=len(rows) + 5))
    code, document, _ = readiness(capsys, "--input", str(page), "--kube-input", kube_file(tmp_path),
                                  "--cluster", "aks-move", "--target", "overlay")
    plan = plan_of(document, "aks-move")
    assert code == 1 and plan["verdict"] == "unknown"
    assert any("truncated" in problem for problem in plan["incomplete"])
