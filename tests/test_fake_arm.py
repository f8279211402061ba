"""The live path against the loopback fake Resource Manager of bench/fake_arm.py (HTTPS on 127.0.0.1).

2,500 subscriptions make three batches of at most 1,000; the demo tenant's rows, copied onto some of
them, and 1,000 route tables make the first batch two pages of resources, leave the second batch empty
(still one request a query) and give the third one page. One 503 in the scope resolution and one 429 (Retry-After: 1 s)
in the resources query are retried; a quota of 6 requests a 1 s window makes the scan pace itself.
The suite's conftest refuses any address but loopback, so nothing here can reach Azure.
"""

from __future__ import annotations

import json
import math
import os
import stat
import sys
import time
from pathlib import Path

import pytest
import requests

BENCH = Path(__file__).resolve().parent.parent / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))  # last, so that bench's modules shadow nothing

from demo_rows import demo_copies, subscription_ids  # noqa: E402
from fake_arm import FakeArm, Faults, parse_query  # noqa: E402

from scanner.collect.graph import load_queries  # noqa: E402

SUBSCRIPTIONS = 2500
GRAPH = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"


@pytest.fixture
def stand_in_az(tmp_path, monkeypatch):
    """An `az` on PATH that prints a token the way `az account get-access-token -o json` does."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "az"
    token = {"accessToken": "test-token", "expires_on": int(time.time()) + 3600,
             "expiresOn": "2099-01-01 00:00:00.000000", "tenant": "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b",
             "tokenType": "Bearer"}
    script.write_text(f"#!/bin/sh\necho '{json.dumps(token)}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script


def route_tables(sub: str, count: int) -> list[dict]:
    """`count` route tables (RouteTableGet.json's shape as a Resource Graph row) in one subscription."""
    group = f"/subscriptions/{sub}/resourceGroups/rg-spokes/providers/Microsoft.Network/routeTables"
    return [{"id": f"{group}/rt-spoke-{i:04d}", "name": f"rt-spoke-{i:04d}", "type": "microsoft.network/routetables",
             "tenantId": "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b", "kind": "", "location": "westeurope",
             "resourceGroup": "rg-spokes", "subscriptionId": sub, "managedBy": "", "sku": None, "plan": None,
             "tags": {}, "identity": None, "zones": None, "extendedLocation": None,
             "properties": {"provisioningState": "Succeeded", "disableBgpRoutePropagation": False, "routes": []}}
            for i in range(count)]


@pytest.fixture
def tenant():
    subs = subscription_ids(SUBSCRIPTIONS)
    # two copies of the demo and 1,000 route tables in the first batch (1,060 resource rows: two pages),
    # nothing in the second, one copy in the third
    return demo_copies(3, subs, [0, 2, 2000]) + route_tables(subs[1], 1000), subs


def trust(fake: FakeArm, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", fake.ca_path)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


def test_a_live_scan_of_2500_subscriptions_receives_every_row_in_the_requests_the_formula_gives(
        tenant, stand_in_az, run_scan, monkeypatch):
    rows, subs = tenant
    faults = Faults(every_5xx=0, every_429=0, retry_after=1, at={2: 503, 6: 429})
    with FakeArm(rows, subs, faults=faults, quota=6, quota_window=1.0, subscription_page_size=1000) as fake:
        trust(fake, monkeypatch)
        result = run_scan("--arm-endpoint", fake.url, "--credential", "cli", "--profile", "all", "--format", "json")
        stats = fake.stats.as_dict(with_log=True)
        batches = [subs[i:i + 1000] for i in range(0, len(subs), 1000)]
        selected = {q.name: [len(fake.select(*parse_query(q.kql), b, q.options.get("authorizationScopeFilter")))
                             for b in batches] for q in load_queries()}
    assert result.code == 0, result.stdout + result.stderr
    report = result.report
    assert report["coverage"]["complete"] and report["scan"]["arm_endpoint"] == fake.url + "/"
    coverage = {entry["name"]: entry for entry in report["coverage"]["queries"]}
    assert len(batches) == 3 and selected["resources"] == [1060, 0, 30]

    # the scope: three pages of 1,000 subscriptions, one of them retried after a 503
    assert coverage["scope"]["rows"] == SUBSCRIPTIONS == stats["subscription_entries"]
    assert (coverage["scope"]["pages"], coverage["scope"]["retries"], coverage["scope"]["requests"]) == (3, 1, 4)
    # every query: Σ over batches of max(1, ⌈rows / 1000⌉) requests, plus its retries; every row received
    for name, sizes in selected.items():
        entry = coverage[name]
        pages = sum(max(1, math.ceil(n / 1000)) for n in sizes)
        assert entry["pages"] == pages and entry["requests"] == pages + entry["retries"], entry
        assert entry["rows"] == sum(sizes) == stats["by_table"][entry["table"]]["rows"], entry
    assert coverage["resources"]["retries"] == 1 and coverage["resources"]["pages"] == 4
    assert (coverage["authorization"]["retries"], coverage["subscriptions"]["retries"]) == (0, 0)
    # the 429 was waited out (Retry-After: 1 s), the 503 retried, the quota never overrun
    assert (stats["throttled"], stats["server_errors"], stats["over_quota"]) == (1, 1, 0)
    assert stats["graph_requests"] - 1 > 6 and stats["quota_windows"] >= 2  # more than a window's quota: paced
    assert coverage["resources"]["seconds"] >= 1.0
    assert [e["status"] for e in stats["log"] if e["status"] != 200] == [503, 429]
    # the traffic: every request the fake answered is one the scan counted, and none went elsewhere
    assert stats["requests"] == sum(entry["requests"] for entry in coverage.values()) == 15
    assert stats["unauthorized"] == 0
    assert report["coverage"]["clusters"] == 3 * 10
    assert len(report["coverage"]["subscriptions"]) == SUBSCRIPTIONS


def test_the_fake_asks_for_a_token_pages_with_a_skip_token_and_throttles_a_spent_quota(tenant):
    rows, subs = tenant
    query = next(q for q in load_queries() if q.name == "resources")
    body = {"subscriptions": subs[:1000], "query": query.kql, "options": {"$top": 1000, "resultFormat": "objectArray"}}
    with FakeArm(rows, subs, faults=False, quota=2, quota_window=60.0) as fake, requests.Session() as http:
        http.verify = fake.ca_path
        http.trust_env = False  # the fake's CA, whatever REQUESTS_CA_BUNDLE says
        assert http.get(f"{fake.url}/subscriptions?api-version=2022-12-01").status_code == 401
        bearer = {"Authorization": "Bearer test-token"}
        first = http.post(fake.url + GRAPH, json=body, headers=bearer)
        assert first.status_code == 200
        page = first.json()
        assert (page["totalRecords"], page["count"]) == (1060, 1000) and page["$skipToken"]
        assert first.headers["x-ms-user-quota-remaining"] == "1"
        assert first.headers["x-ms-user-quota-resets-after"].startswith("00:0")
        body["options"]["$skipToken"] = page["$skipToken"]
        second = http.post(fake.url + GRAPH, json=body, headers=bearer)
        assert second.json()["count"] == 60 and "$skipToken" not in second.json()
        assert second.headers["x-ms-user-quota-remaining"] == "0"
        spent = http.post(fake.url + GRAPH, json=body, headers=bearer)
        assert spent.status_code == 429 and int(spent.headers["Retry-After"]) >= 1
        stats = fake.stats.as_dict()
    assert (stats["over_quota"], stats["throttled"], stats["unauthorized"], stats["rows"]) == (1, 1, 1, 1060)
