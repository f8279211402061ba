"""The bad-input corpus (DESIGN.md "Collect" → "Bad input"): never a crash, never a silent pass, and a
row-level fault never loses the other rows' findings.

A broken *file* is exit 2 with one line naming it, and no report. A broken *row* is left out and named
in coverage (file and row number); a field of the wrong type reads as absent, so the rules that need it
give `error`; everything else is evaluated. Each row-level case starts from one good tenant of two
clusters — `aks-good` (vnet1, nsg-api) and `aks-bad` (vnet2, nsg-bad), which share nothing — breaks
something of `aks-bad` only, and checks that `aks-good` keeps exactly the findings of the clean scan.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from azure_rows import (
    SUB,
    cluster_row,
    envelope,
    gateway_row,
    network_id,
    nsg_row,
    nsg_rule,
    peering,
    pool,
    subnet_id,
    vnet_row,
)
from conftest import ScanResult

from scanner import cli, inventory
from scanner.collect import memory, offline
from scanner.collect.graph import GraphCollector
from scanner.errors import InputError

CORPUS = Path(__file__).parent / "bad_input"
NSG_API = network_id("networkSecurityGroups", "nsg-api")
NSG_BAD = network_id("networkSecurityGroups", "nsg-bad")
GOOD, BAD, VNET1, VNET2, NSG1, NSG2 = range(6)


def tenant() -> list[dict]:
    """Two overlay clusters with API server VNet integration, each on its own VNet and API server NSG."""
    return [
        cluster_row("aks-good", pools=[pool(subnet=subnet_id("vnet1", "snet-nodes"))],
                    api_server={"enableVnetIntegration": True, "subnetId": subnet_id("vnet1", "snet-api")}),
        cluster_row("aks-bad", rg="rg-bad", pools=[pool(subnet=subnet_id("vnet2", "snet-nodes"))],
                    api_server={"enableVnetIntegration": True, "subnetId": subnet_id("vnet2", "snet-api")}),
        vnet_row("vnet1", ["10.1.0.0/16"],
                 [("snet-nodes", "10.1.0.0/24"), ("snet-api", "10.1.1.0/28", {"nsg": NSG_API})]),
        vnet_row("vnet2", ["10.2.0.0/16"],
                 [("snet-nodes", "10.2.0.0/24"), ("snet-api", "10.2.1.0/28", {"nsg": NSG_BAD})]),
        nsg_row("nsg-api", [nsg_rule("allow-https", 100, ports="443", nsg_id=NSG_API)]),
        nsg_row("nsg-bad", [nsg_rule("allow-https", 100, ports="443", nsg_id=NSG_BAD)]),
    ]


def statuses(result, cluster: str) -> dict[str, str]:
    return {f["rule_id"]: f["status"] for f in result.findings() if f["cluster"] == cluster}


def scan_rows(run_scan, write_json, rows: list, name: str = "rows.json", *args: str):
    path = write_json(name, envelope(rows))
    return run_scan("--input", str(path), "--profile", "all", *args)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The clean tenant's scan, once for the module: what every row-level case is compared with."""
    folder = tmp_path_factory.mktemp("clean")
    path = folder / "clean.json"
    path.write_text(json.dumps(envelope(tenant())), encoding="utf-8")
    code = cli.main(["scan", "--input", str(path), "--profile", "all", "--output-dir", str(folder / "out")])
    result = ScanResult(code, "", "", folder / "out")
    assert code == 0
    assert statuses(result, "aks-bad")["APISRV-007"] == "pass" and statuses(result, "aks-bad")["OVERLAY-003"] == "pass"
    return result


def assert_no_crash(result) -> None:
    assert "Traceback" not in result.stderr
    if result.code == 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert not (result.out_dir / "report.json").exists()
    else:
        assert result.code in (0, 1), result.stderr
        assert (result.out_dir / "report.json").exists()


def assert_good_cluster_untouched(result, clean) -> None:
    """A fault in aks-bad's data changes nothing of aks-good's findings."""
    assert statuses(result, "aks-good") == statuses(clean, "aks-good")


# --- file-level faults: exit 2, one line naming the file, no report ------------------------------

@pytest.mark.parametrize(("name", "fault"), [
    ("truncated.json", "not valid JSON at line 1"),
    ("not-rows.json", "expected a JSON array of Resource Graph rows or an object with a 'data' array"),
    ("data-not-array.json", "'data' is not an array"),
    ("a-string.json", "expected a JSON array of Resource Graph rows"),
    ("not-utf8.json", "not UTF-8 text"),
])
def test_a_file_that_is_not_json_or_not_rows_is_exit_2_with_one_line(run_scan, name, fault):
    result = run_scan("--input", str(CORPUS / name))
    assert_no_crash(result)
    assert result.code == 2
    assert str(CORPUS / name) in result.stderr and fault in result.stderr


def test_an_input_over_the_memory_limit_is_exit_2_before_it_is_parsed(run_scan, tmp_path):
    big = tmp_path / "big.json"
    big.write_text('{"data": [' + " " * 300_000, encoding="utf-8")  # truncated too: the size is judged first
    result = run_scan("--input", str(big), "--memory-limit", "1")
    assert_no_crash(result)
    assert result.code == 2
    line = result.stderr.strip()
    assert "--memory-limit 1: the inputs need about 2.3 MB to parse (8 × 0.29 MB)" in line, line
    assert "raise the limit or split the input" in line


def test_the_memory_limit_counts_every_input_file_and_readiness_has_it_too(capsys, write_json):
    rows = write_json("rows.json", envelope(tenant()))
    padding = write_json("pad.json", [{"id": "/x", "type": "a/b", "name": "p" * 200_000}])
    code = cli.main(["readiness", "--target", "overlay", "--all", "--input", str(rows), "--input", str(padding),
                     "--memory-limit", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "--memory-limit 1: the inputs need about" in err


def test_under_the_memory_limit_the_scan_runs(run_scan, write_json):
    assert scan_rows(run_scan, write_json, tenant(), "rows.json", "--memory-limit", "64").code == 0


@pytest.mark.parametrize("value", ["0", "-5", "lots"])
def test_a_memory_limit_that_is_not_a_positive_number_is_a_usage_error(run_scan, value):
    result = run_scan("--demo", "--memory-limit", value)
    assert result.code == 2 and "--memory-limit" in result.stderr


def test_the_default_memory_limit_is_three_quarters_of_the_memory_available(monkeypatch):
    monkeypatch.setattr(memory, "_cgroup_limit", lambda: 4 * 1024**3)
    monkeypatch.setattr(memory, "_mem_total", lambda: 16 * 1024**3)
    assert memory.default_limit_mb() == 3072
    monkeypatch.setattr(memory, "_cgroup_limit", lambda: None)
    assert memory.default_limit_mb() == 12288
    monkeypatch.setattr(memory, "_mem_total", lambda: None)
    assert memory.default_limit_mb() is None


def test_live_pages_are_counted_as_they_arrive():
    budget = memory.MemoryBudget(1)
    budget.add(100_000)
    with pytest.raises(InputError, match=r"^--memory-limit 1: the rows received need about .* Resource Graph pages"):
        budget.add(100_000)


def test_the_graph_collector_checks_each_page_body_against_the_budget():
    class Response:
        class http_response:  # noqa: N801 (the SDK's attribute name)
            @staticmethod
            def body():
                return b'{"data": [], "$skipToken": null}'

            @staticmethod
            def json():
                return {"data": []}

    seen: list[int] = []
    collector = GraphCollector.__new__(GraphCollector)
    collector.budget = seen.append
    collector.client = type("Client", (), {"resources": staticmethod(lambda body, cls: Response)})()
    from scanner.collect.graph import Query

    assert collector._page(Query("resources", "resources | project id"), ["s"], None) == {"data": []}
    assert seen == [len(Response.http_response.body())]


# --- row-level faults: left out and named, the other rows evaluated -------------------------------

@pytest.mark.parametrize(("junk", "fault"), [
    (1, "expected an object, got number"),
    ("row", "expected an object, got string"),
    (None, "expected an object, got null"),
    ([], "expected an object, got array"),
    ({"name": "no-id", "type": "microsoft.network/virtualnetworks"}, "missing or non-string 'id' column"),
    ({"id": network_id("virtualNetworks", "no-type")}, "missing or non-string 'type' column"),
    ({"id": network_id("virtualNetworks", "t"), "type": 7}, "missing or non-string 'type' column"),
    ({"id": network_id("virtualNetworks", "t"), "type": "virtual network"}, "is not an ARM resource type"),
])
def test_a_row_that_cannot_be_indexed_is_named_and_the_others_evaluated(run_scan, write_json, clean, junk, fault):
    rows = tenant()
    rows.insert(3, junk)
    result = scan_rows(run_scan, write_json, rows)
    assert_no_crash(result)
    path = str(result.report["scan"]["inputs"][0]["path"])
    errors = result.report["coverage"]["errors"]
    assert [(e["source"], e["scope"]) for e in errors] == [(path, path)]
    assert errors[0]["message"].startswith("row 3") and fault in errors[0]["message"]
    assert result.code == 1  # coverage is incomplete
    assert statuses(result, "aks-good") == statuses(clean, "aks-good")
    assert statuses(result, "aks-bad") == statuses(clean, "aks-bad")


def test_a_broken_cluster_row_loses_only_that_cluster(run_scan, write_json, clean):
    rows = tenant()
    del rows[BAD]["type"]
    result = scan_rows(run_scan, write_json, rows)
    assert result.code == 1 and "aks-bad" in result.report["coverage"]["errors"][0]["message"]
    assert statuses(result, "aks-bad") == {}
    assert_good_cluster_untouched(result, clean)


def _break(rows: list[dict], index: int, *path_and_value) -> list[dict]:
    *path, value = path_and_value
    target = rows[index]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return rows


def _garble_nsg(value: dict, priority: object = 90):
    return lambda rows: rows[NSG2]["properties"]["securityRules"].insert(
        0, nsg_rule("garbled", priority, access="Deny", nsg_id=NSG_BAD, **value))


def _subnet(rows: list[dict], vnet: int, index: int) -> dict:
    return rows[vnet]["properties"]["subnets"][index]["properties"]


BROKEN = {
    # a wrong-typed or missing field reads as absent: the rules that need it give error
    "cluster properties null": (lambda rows: _break(rows, BAD, "properties", None),
                                {"IPAM-001": "error", "LB-001": "error", "APIMIG-003": "error"}),
    "cluster without properties": (lambda rows: rows[BAD].pop("properties"), {"IPAM-001": "error", "LB-001": "error"}),
    "cluster properties a string": (lambda rows: _break(rows, BAD, "properties", "x"), {"LB-001": "error"}),
    "agentPoolProfiles a string": (lambda rows: _break(rows, BAD, "properties", "agentPoolProfiles", "x"),
                                   {"OVERLAY-003": "error", "OVERLAY-009": "error"}),
    "networkProfile a list": (lambda rows: _break(rows, BAD, "properties", "networkProfile", []), {"LB-001": "error"}),
    "vnet subnets a string": (lambda rows: _break(rows, VNET2, "properties", "subnets", "x"),
                              {"APISRV-001": "error", "APISRV-007": "error", "OVERLAY-001": "error"}),
    "vnet properties null": (lambda rows: _break(rows, VNET2, "properties", None),
                             {"APISRV-007": "error", "OVERLAY-001": "error"}),
    "securityRules an object": (lambda rows: _break(rows, NSG2, "properties", "securityRules", {}),
                                {"APISRV-007": "error", "APISRV-006": "error"}),
    "nsg properties null": (lambda rows: _break(rows, NSG2, "properties", None), {"APISRV-007": "error"}),
    "security rule a string": (lambda rows: rows[NSG2]["properties"]["securityRules"].insert(0, "deny all"),
                               {"APISRV-007": "error"}),
    # CIDRs and ports that do not parse
    "nsg rule port 80-": (_garble_nsg({"ports": "80-"}), {"APISRV-007": "error", "APISRV-006": "error"}),
    "nsg rule port *-443": (_garble_nsg({"ports": "*-443"}), {"APISRV-007": "error"}),
    "nsg rule ports list garbled": (_garble_nsg({"ports": ["443", "80-"]}), {"APISRV-007": "error"}),
    "nsg rule source /33": (_garble_nsg({"source": "10.0.0.0/33"}), {"APISRV-007": "error"}),
    "nsg rule priority a word": (_garble_nsg({}, priority="high"), {"APISRV-007": "error"}),
    "api subnet prefix /33": (lambda rows: _subnet(rows, VNET2, 1).update(addressPrefix="10.0.0.0/33"),
                              {"APISRV-002": "error", "APISRV-007": "error"}),
    "node subnet prefix /33": (lambda rows: _subnet(rows, VNET2, 0).update(addressPrefix="10.0.0.0/33"),
                               {"IPAM-002": "error", "IPAM-006": "error"}),
    "node subnet prefix 80-": (lambda rows: _subnet(rows, VNET2, 0).update(addressPrefix="80-"), {"IPAM-002": "error"}),
    "pod cidr /33": (lambda rows: rows[BAD]["properties"]["networkProfile"].update(podCidr="10.0.0.0/33",
                                                                                   podCidrs=["10.0.0.0/33"]),
                     {"OVERLAY-003": "error", "OVERLAY-001": "error"}),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_broken_field_gives_error_where_it_is_needed_and_never_a_crash(run_scan, write_json, clean, case):
    mutate, expected = BROKEN[case]
    rows = tenant()
    mutate(rows)
    result = scan_rows(run_scan, write_json, rows)
    assert_no_crash(result)
    got = statuses(result, "aks-bad")
    assert {rule: got.get(rule) for rule in expected} == expected
    assert_good_cluster_untouched(result, clean)


def test_10000_character_and_non_ascii_names_are_reported_in_every_format(run_scan, write_json):
    rows = tenant()
    long_name, foreign = "a" * 10_000, "клáстер-✓-名前"
    for index, name in ((GOOD, long_name), (BAD, foreign)):
        old = rows[index]["name"]
        rows[index]["name"] = name
        rows[index]["id"] = rows[index]["id"].replace(f"/managedClusters/{old}", f"/managedClusters/{name}")
    rows[NSG1]["properties"]["securityRules"][0]["name"] = "règle-" + "é" * 5_000
    rows[NSG2]["properties"]["securityRules"].append(  # the foreign-named cluster fails, so SARIF names it too
        nsg_rule("deny-vnet-ünïcode", 200, access="Deny", source="VirtualNetwork", nsg_id=NSG_BAD))
    result = scan_rows(run_scan, write_json, rows, "names.json", "--format", "json,html,sarif,junit,csv")
    assert_no_crash(result)
    assert statuses(result, long_name)["APISRV-007"] == "pass"
    assert statuses(result, foreign)["APISRV-007"] == "fail"
    for name in ("report.html", "report.sarif", "report.junit.xml", "report.csv"):
        text = (result.out_dir / name).read_text(encoding="utf-8")
        assert foreign in text or json.dumps(foreign) in text, name
        assert long_name in text or name == "report.sarif", name


def test_one_id_twice_in_other_case_with_different_bodies_uses_the_later_row_and_warns(run_scan, write_json, clean):
    later = copy.deepcopy(tenant()[BAD])
    later["id"] = later["id"].upper()
    later["properties"]["agentPoolProfiles"] = "x"
    first = write_json("first.json", envelope(tenant()))
    second = write_json("second.json", envelope([later]))
    result = run_scan("--input", str(first), "--input", str(second), "--profile", "all")
    assert_no_crash(result)
    assert result.code == 0  # a warning, not an error: coverage stays complete
    assert statuses(result, "aks-bad")["OVERLAY-003"] == "error"  # the later row is the one evaluated
    assert len(result.findings("OVERLAY-003")) == 2  # counted once
    warning = next(w for w in result.report["coverage"]["warnings"] if "different body" in w["message"])
    assert warning["source"] == str(second)
    assert f"{first} row {BAD}" in warning["message"] and f"{second} row 0" in warning["message"]
    assert_good_cluster_untouched(result, clean)


def test_one_id_twice_in_one_file_with_the_same_body_counts_once_without_a_per_row_warning(run_scan, write_json):
    rows = tenant()
    twin = copy.deepcopy(rows[BAD])
    twin["id"] = twin["id"].upper()
    result = scan_rows(run_scan, write_json, [*rows, twin])
    assert result.code == 0
    assert len(result.findings("OVERLAY-003")) == 2
    assert not any("different body" in w["message"] for w in result.report["coverage"]["warnings"])


def test_a_subnet_listed_in_two_vnets_belongs_to_the_vnet_its_id_names(run_scan, write_json, clean):
    rows = tenant()
    stray = copy.deepcopy(rows[VNET1]["properties"]["subnets"][1])  # vnet1's snet-api, its NSG dropped
    del stray["properties"]["networkSecurityGroup"]
    rows[VNET2]["properties"]["subnets"].append(stray)
    result = scan_rows(run_scan, write_json, rows)
    assert_no_crash(result)
    assert result.code == 0
    warning = next(w for w in result.report["coverage"]["warnings"] if "lists subnet" in w["message"])
    assert warning["message"].startswith(f"row {VNET2}: VNet {rows[VNET2]['id']} lists subnet {stray['id']}")
    assert "whose id names VNet" in warning["message"] and rows[VNET1]["id"] in warning["message"]
    # vnet1's own listing, with its NSG, still decides: aks-good keeps every finding
    assert_good_cluster_untouched(result, clean)
    assert statuses(result, "aks-bad") == statuses(clean, "aks-bad")


def test_a_subnet_listed_only_in_another_vnets_row_is_indexed_under_the_vnet_its_id_names():
    rows = tenant()
    moved = rows[VNET2]["properties"]["subnets"].pop(1)  # vnet2's API server subnet, listed under vnet1 only
    rows[VNET1]["properties"]["subnets"].append(moved)
    view = next(v for v in inventory.build(offline.Snapshot(rows=rows)).clusters if v["name"] == "aks-bad")
    api_subnet = view["apiServer"]["subnet"]
    assert api_subnet["inScope"] and api_subnet["vnet"]["id"] == rows[VNET2]["id"]
    assert api_subnet["nsg"]["id"] == NSG_BAD
    vnet1 = next(v for v in inventory.build(offline.Snapshot(rows=rows)).clusters if v["name"] == "aks-good")["vnet"]
    assert moved["id"] not in [s["id"] for s in vnet1["subnets"]]


def test_a_subnet_whose_vnet_is_not_in_the_input_gives_error_not_another_vnets_answers(run_scan, write_json):
    rows = tenant()
    elsewhere = subnet_id("vnet-absent", "snet-api")
    rows[VNET2]["properties"]["subnets"][1]["id"] = elsewhere
    rows[BAD]["properties"]["apiServerAccessProfile"]["subnetId"] = elsewhere
    result = scan_rows(run_scan, write_json, rows)
    assert_no_crash(result)
    assert statuses(result, "aks-bad")["APISRV-002"] == "error"
    assert any("vnet-absent" in w["message"] for w in result.report["coverage"]["warnings"])


def test_a_cycle_of_peerings_with_gateway_transit_ends(run_scan, write_json, clean):
    rows = tenant()
    hub = vnet_row("vnet-c", ["10.3.0.0/16"], [("GatewaySubnet", "10.3.255.0/27")])
    rows += [hub, gateway_row("gw-c", "vnet-c")]
    vnets = {"vnet1": rows[VNET1], "vnet2": rows[VNET2], "vnet-c": hub}
    prefixes = {"vnet1": ["10.1.0.0/16"], "vnet2": ["10.2.0.0/16"], "vnet-c": ["10.3.0.0/16"]}
    for a, b in (("vnet1", "vnet2"), ("vnet2", "vnet-c"), ("vnet-c", "vnet1")):  # A↔B↔C↔A
        for left, right in ((a, b), (b, a)):
            vnets[left]["properties"]["virtualNetworkPeerings"].append(peering(
                f"{left}-to-{right}", network_id("virtualNetworks", right), prefixes[right],
                allow_gateway_transit=True, use_remote_gateways=True))
    result = scan_rows(run_scan, write_json, rows)
    assert_no_crash(result)
    for cluster in ("aks-good", "aks-bad"):
        assert set(statuses(result, cluster)) == set(statuses(clean, cluster))
        assert statuses(result, cluster)["IPAM-007"] in ("pass", "fail", "error")


def test_a_kubernetes_list_with_non_object_items_keeps_the_objects_and_warns(write_json):
    rows = write_json("rows.json", envelope(tenant()))
    junk = CORPUS / "kube-list-junk.json"
    snapshot = offline.load([rows], [f"aks-good={junk}"])
    assert [o["kind"] for o in snapshot.kube[tenant()[GOOD]["id"].lower()]] == ["ConfigMap", "Service"]
    messages = [w["message"] for w in snapshot.warnings if w["source"] == str(junk)]
    assert messages == [
        "items[1]: expected an object, got string; the item was skipped",
        "items[2]: expected an object, got null; the item was skipped",
        "items[3]: expected an object, got number; the item was skipped",
        "items[4]: expected an object, got array; the item was skipped",
    ]


def test_a_kube_list_with_junk_items_still_gives_the_scan_its_findings(run_scan, write_json, clean):
    rows = write_json("rows.json", envelope(tenant()))
    result = run_scan("--input", str(rows), "--kube-input", f"aks-good={CORPUS / 'kube-list-junk.json'}",
                      "--profile", "all")
    assert_no_crash(result)
    assert result.code == 0
    assert result.report["coverage"]["kubernetes"]["clusters"] == [tenant()[GOOD]["id"]]
    assert statuses(result, "aks-bad") == statuses(clean, "aks-bad")


def test_a_snapshot_with_a_broken_row_replays_the_other_rows(run_scan, write_json, tmp_path):
    snap = tmp_path / "snap.json"
    first = scan_rows(run_scan, write_json, tenant(), "rows.json", "--save-snapshot", str(snap))
    document = json.loads(snap.read_text(encoding="utf-8"))
    document["rows"].insert(0, "not a row")
    snap.write_text(json.dumps(document), encoding="utf-8")
    replay = run_scan("--input", str(snap), "--profile", "all")
    assert_no_crash(replay)
    assert replay.code == 1
    assert replay.report["coverage"]["errors"][0]["message"].startswith("row 0: expected an object")
    assert statuses(replay, "aks-good") == statuses(first, "aks-good")


def test_many_broken_rows_are_named_up_to_a_bound():
    with_junk = [*tenant(), *range(offline.MAX_FAULTS_NAMED + 7)]
    good, positions, faults = offline._check_rows(Path("many.json"), with_junk)
    assert len(good) == 6 and positions == list(range(6))
    assert len(faults) == offline.MAX_FAULTS_NAMED + 1
    assert faults[-1]["message"] == "7 more rows could not be indexed and were left out"


def test_a_long_id_is_cut_in_coverage_messages(write_json):
    long_id = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{'v' * 10_000}"
    snapshot = offline.load([write_json("rows.json", [{"id": long_id, "type": "not a type"}])])
    assert len(snapshot.errors[0]["message"]) < 600
    assert f"… ({len(long_id)} characters)" in snapshot.errors[0]["message"]


def test_a_live_scan_over_the_memory_limit_stops_as_the_pages_arrive(monkeypatch):
    from test_live import VCR, StaticCredential, Waits

    from scanner.collect import live

    with VCR.use_cassette("graph/demo-tenant.yaml"):  # a limit the pages fit in changes nothing
        snapshot = live.collect(live.LiveRequest(), credential=StaticCredential(), clock=Waits(), memory_limit_mb=64)
    assert snapshot.rows
    monkeypatch.setattr(memory, "MIB", 256)  # "1 MB" is then 256 bytes: the first Resource Graph page is over it
    with VCR.use_cassette("graph/demo-tenant.yaml"), pytest.raises(InputError) as error:
        live.collect(live.LiveRequest(), credential=StaticCredential(), clock=Waits(), memory_limit_mb=1)
    assert str(error.value).startswith("--memory-limit 1: the rows received need about")


@pytest.mark.parametrize("case", ["cluster properties null", "agentPoolProfiles a string", "vnet subnets a string",
                                  "securityRules an object", "nsg rule port 80-", "api subnet prefix /33"])
def test_readiness_over_a_broken_field_gives_a_plan_not_a_crash(capsys, write_json, case):
    mutate, _ = BROKEN[case]
    rows = tenant()
    mutate(rows)
    path = write_json("rows.json", envelope(rows))
    for target in ("overlay", "apiserver-vnet-integration"):
        code = cli.main(["readiness", "--target", target, "--all", "--input", str(path), "--format", "json"])
        captured = capsys.readouterr()
        assert code in (0, 1) and "Traceback" not in captured.err, captured.err
        plans = {plan["resource_id"]: plan["verdict"] for plan in json.loads(captured.out)["plans"]}
        assert set(plans) == {rows[GOOD]["id"], rows[BAD]["id"]}


STRUCTURAL = ["cluster properties null", "cluster without properties", "cluster properties a string",
              "agentPoolProfiles a string", "networkProfile a list"]


@pytest.mark.parametrize("case", STRUCTURAL)
def test_a_wrong_typed_cluster_structure_turns_answers_into_error_never_into_pass_or_not_applicable(
        run_scan, write_json, clean, case):
    rows = tenant()
    BROKEN[case][0](rows)
    got = statuses(scan_rows(run_scan, write_json, rows), "aks-bad")
    before = statuses(clean, "aks-bad")
    changed = {rule: status for rule, status in got.items() if status != before.get(rule)}
    assert changed and set(changed.values()) == {"error"}
