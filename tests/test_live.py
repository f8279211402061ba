"""Live collection through the real ResourceGraphClient and Azure SDK clients, played from cassettes.

Nothing leaves the machine: vcrpy (record_mode none) answers every request or fails the test, and
credentials are a test credential or a stand-in `az` on PATH.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import time

import pytest
import yaml
from azure.core.credentials import AccessToken
from cassette_kit import CASSETTES, cassette_vcr

from scanner.collect import live, sources
from scanner.collect.clouds import arm_settings
from scanner.collect.credentials import make_credential
from scanner.collect.policies import Clock
from scanner.errors import InputError

SUB_A = "3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10"
SUB_B = "b7d41e08-92c3-4f5a-8e6d-0a1b2c3d4e5f"
VCR = cassette_vcr()


class StaticCredential:
    """Hands out a fixed token and remembers which audiences were asked for."""

    def __init__(self):
        self.scopes: list[str] = []

    def get_token(self, *scopes, **kwargs):
        self.scopes.extend(scopes)
        return AccessToken("test-token", int(time.time()) + 3600)


class Waits(Clock):
    """A clock that records each wait and moves on at once, as if the time had passed."""

    def __init__(self):
        self.seconds: list[float] = []
        self.t = 1000.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        self.t += seconds


def collect(cassette: str, batch_size: int = 1000, **request):
    credential, waits = StaticCredential(), Waits()
    with VCR.use_cassette(f"graph/{cassette}.yaml") as played:
        snapshot = live.collect(live.LiveRequest(**request), credential=credential, batch_size=batch_size,
                                clock=waits)
        assert played.all_played, f"{len(played.data) - played.play_count} interactions of {cassette} were not asked"
    return snapshot, credential, waits


def query(snapshot, name: str) -> dict:
    return next(q for q in snapshot.queries if q["name"] == name)


def test_the_tenant_is_resolved_over_every_page_of_the_subscriptions_api():
    snapshot, _, _ = collect("demo-tenant")
    assert snapshot.scope["subscriptions"] == [SUB_A, SUB_B]
    assert query(snapshot, "scope") | {"seconds": 0} == {
        "name": "scope", "table": "subscriptions", "scope": "tenant", "requests": 2, "pages": 2, "rows": 2,
        "retries": 0, "seconds": 0}


def test_every_row_of_every_table_is_read_and_both_subscriptions_count_as_read_whole():
    snapshot, _, _ = collect("demo-tenant")
    types = {r["type"] for r in snapshot.rows}
    assert "microsoft.containerservice/managedclusters" in types
    assert {"microsoft.authorization/roleassignments", "microsoft.resources/subscriptions"} <= types
    assert snapshot.subscriptions == [SUB_A, SUB_B]
    assert snapshot.errors == [] and snapshot.source == "live" and snapshot.collected


def test_every_page_is_read():
    snapshot, _, _ = collect("many-pages")
    resources = query(snapshot, "resources")
    assert (resources["rows"], resources["pages"], resources["requests"]) == (1500, 2, 2)
    assert len([r for r in snapshot.rows if r["type"] == "microsoft.network/routetables"]) == 1500


def test_requests_are_one_per_thousand_rows_per_batch_plus_retries():
    for cassette in ("demo-tenant", "many-pages", "throttled"):
        snapshot, _, _ = collect(cassette)
        for entry in snapshot.queries[1:]:  # one batch each
            assert entry["requests"] == max(1, math.ceil(entry["rows"] / 1000)) + entry["retries"], (cassette, entry)
    snapshot, _, _ = collect("batch-failure", batch_size=1, subscriptions=[SUB_A, SUB_B])
    assert [q["requests"] for q in snapshot.queries[1:]] == [2, 2, 2]  # two batches of one subscription each


def test_role_assignments_are_asked_at_scope_above_and_below():
    recorded = [json.loads(i["request"]["body"]) for i in _interactions("demo-tenant") if i["request"]["body"]]
    asked = {_table(body): body["options"] for body in recorded}
    assert asked["authorizationresources"]["authorizationScopeFilter"] == "AtScopeAboveAndBelow"
    assert "authorizationScopeFilter" not in asked["resources"]
    snapshot, _, _ = collect("demo-tenant")
    assert any(r["type"] == "microsoft.authorization/roledefinitions" for r in snapshot.rows)


def _interactions(cassette: str) -> list[dict]:
    return yaml.safe_load((CASSETTES / "graph" / f"{cassette}.yaml").read_text(encoding="utf-8"))["interactions"]


def _table(body: dict) -> str:
    code = [line for line in body["query"].splitlines() if line.strip() and not line.startswith("//")]
    return code[0].split()[0]


def test_a_429_is_waited_out_for_its_retry_after_and_counted():
    snapshot, _, waits = collect("throttled")
    resources = query(snapshot, "resources")
    assert resources["retries"] == 1 and resources["requests"] == 2
    assert waits.seconds[0] == 3  # Retry-After: 3
    assert snapshot.errors == []


def test_a_5xx_is_retried():
    snapshot, _, _ = collect("throttled")
    authorization = query(snapshot, "authorization")
    assert authorization["retries"] == 1 and authorization["rows"] > 0


def test_the_pacer_waits_for_the_quota_window_when_one_request_is_left():
    _, _, waits = collect("throttled")
    # Retry-After 3 s covers the 429's window (quota 0, resets after 3 s), so the retry goes at once;
    # then "remaining: 1, resets after 00:00:05": the next request waits those 5 s
    assert waits.seconds == [3.0, 5.0]


def test_a_failed_batch_is_named_in_coverage_and_its_subscription_is_not_read_whole():
    snapshot, _, _ = collect("batch-failure", batch_size=1, subscriptions=[SUB_A, SUB_B])
    assert len(snapshot.errors) == 1
    error = snapshot.errors[0]
    assert (error["status"], error["scope"], error["source"]) == (403, SUB_B, "query resources")
    assert "AuthorizationFailed" in error["message"] or "does not have authorization" in error["message"]
    assert snapshot.subscriptions == [SUB_A]
    assert any(r["subscriptionId"] == SUB_A for r in snapshot.rows)


def test_a_management_group_is_resolved_to_its_descendant_subscriptions():
    snapshot, _, _ = collect("management-group", management_groups=["mg-platform"])
    assert snapshot.scope["subscriptions"] == [SUB_A, SUB_B]
    scope = query(snapshot, "scope")
    assert (scope["table"], scope["scope"], scope["rows"]) == ("managementGroups", "management groups mg-platform", 2)


def test_the_china_cloud_calls_its_own_endpoint_with_its_own_audience():
    snapshot, credential, _ = collect("china-cloud", cloud="AzureChinaCloud")
    assert set(credential.scopes) == {"https://management.chinacloudapi.cn/.default"}
    assert snapshot.cloud == "AzureChinaCloud"


def test_the_us_government_audience_is_not_its_endpoint():
    settings = arm_settings("AzureUSGovernment")
    assert settings.endpoint == "https://management.usgovcloudapi.net/"
    assert settings.scopes == ("https://management.core.usgovcloudapi.net/.default",)
    assert settings.authority == "login.microsoftonline.us"


def test_a_custom_endpoint_must_be_https_and_takes_its_own_audience():
    settings = arm_settings("AzureCloud", "https://127.0.0.1:8443", "https://arm.test.invalid")
    assert (settings.cloud, settings.endpoint, settings.scopes) == (
        "custom", "https://127.0.0.1:8443/", ("https://arm.test.invalid/.default",))
    with pytest.raises(InputError, match="https"):
        arm_settings("AzureCloud", "http://127.0.0.1:8080")


def test_a_subscription_the_identity_cannot_see_is_a_coverage_error():
    unknown = "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
    with VCR.use_cassette("graph/demo-tenant.yaml", allow_playback_repeats=True):
        snapshot = live.collect(live.LiveRequest(subscriptions=[unknown]), credential=StaticCredential(),
                                clock=Waits())
    assert any(unknown in e["message"] and e["source"] == "scope" for e in snapshot.errors)
    assert snapshot.subscriptions == []


# --- the scan command, live ----------------------------------------------------------------------

@pytest.fixture
def stand_in_az(tmp_path, monkeypatch):
    """An `az` on PATH that prints a token the way `az account get-access-token -o json` does.

    When re-recording (AKS_NETAUDIT_RECORD=1, cassettes/README.md) the real, logged-in `az` is used.
    """
    if os.environ.get("AKS_NETAUDIT_RECORD") == "1":
        return None
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "az"
    expires = int(time.time()) + 3600
    script.write_text("#!/bin/sh\n"
                      f"echo '{{\"accessToken\": \"test-token\", \"expiresOn\": \"2099-01-01 00:00:00.000000\", "
                      f"\"expires_on\": {expires}, \"subscription\": \"{SUB_A}\", "
                      "\"tenant\": \"9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b\", \"tokenType\": \"Bearer\"}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return script


def scan_live(run_scan, cassette: str, *args: str):
    with VCR.use_cassette(f"graph/{cassette}.yaml"):
        return run_scan("--credential", "cli", *args)


def test_a_live_scan_and_an_offline_scan_of_the_same_rows_give_the_same_findings(run_scan, stand_in_az):
    live_result = scan_live(run_scan, "demo-tenant", "--profile", "all")
    offline_result = run_scan("--demo", "--profile", "all")
    assert live_result.code == 0, live_result.stderr

    def verdicts(result, with_kube: bool):
        return {(f["rule_id"], f["resource_id"].lower()): f["status"] for f in result.findings()
                if with_kube or not f["rule_id"].startswith(("MIGRATE-006", "MIGRATE-007", "DUALSTACK-007"))}

    assert verdicts(live_result, False) == verdicts(offline_result, False)
    scan = live_result.report["scan"]
    assert (scan["source"], scan["cloud"]) == ("live", "AzureCloud")
    assert live_result.report["coverage"]["subscriptions"] == [SUB_A, SUB_B]


def test_a_failed_batch_sets_exit_1_and_the_summary_says_so(run_scan, stand_in_az, monkeypatch):
    monkeypatch.setattr(live, "collect", _with_batch_size(live.collect, 1))
    result = scan_live(run_scan, "batch-failure", "--subscription", SUB_A, "--subscription", SUB_B)
    assert result.code == 1
    assert "coverage:    INCOMPLETE" in result.stdout and SUB_B in result.stdout
    assert run_scan_allow_partial_code(run_scan, monkeypatch) == 0


def run_scan_allow_partial_code(run_scan, monkeypatch) -> int:
    with VCR.use_cassette("graph/batch-failure.yaml"):
        return run_scan("--credential", "cli", "--subscription", SUB_A, "--subscription", SUB_B,
                        "--allow-partial").code


def _with_batch_size(original, size: int):
    def collect_in_batches(request, **kwargs):
        return original(request, batch_size=size, clock=Waits(), **{k: v for k, v in kwargs.items() if k != "clock"})

    return collect_in_batches


def test_no_cluster_in_scope_is_a_coverage_error(run_scan, stand_in_az):
    result = scan_live(run_scan, "china-cloud", "--cloud", "AzureChinaCloud")
    assert result.code == 1
    assert any("no AKS cluster was visible" in e["message"] for e in result.report["coverage"]["errors"])


def test_a_saved_snapshot_replays_to_the_same_findings_and_coverage(run_scan, stand_in_az, tmp_path):
    snap = tmp_path / "snap.json"
    first = scan_live(run_scan, "demo-tenant", "--profile", "all", "--save-snapshot", str(snap))
    replay = run_scan("--input", str(snap), "--profile", "all")
    assert first.code == replay.code == 0
    assert json.loads(snap.read_text())["aks_netaudit_snapshot"] == 1

    def findings(result):
        return sorted((f["fingerprint"], f["status"], f["message"]) for f in result.findings())

    assert findings(first) == findings(replay)
    assert first.report["coverage"] == replay.report["coverage"]
    assert replay.report["scan"]["source"] == "snapshot"
    assert replay.report["scan"]["collected"] == first.report["scan"]["collected"]


def test_a_snapshot_cannot_be_mixed_with_other_inputs(run_scan, stand_in_az, tmp_path, write_json):
    snap = tmp_path / "snap.json"
    scan_live(run_scan, "demo-tenant", "--save-snapshot", str(snap))
    result = run_scan("--input", str(snap), "--input", str(write_json("rows.json", [])))
    assert result.code == 2 and "complete record" in result.stderr


def test_input_excludes_the_live_scope_options(run_scan, write_json):
    result = run_scan("--input", str(write_json("rows.json", [])), "--subscription", SUB_A)
    assert result.code == 2 and "--subscription" in result.stderr


def test_no_login_is_one_line_with_the_fix(run_scan, tmp_path, monkeypatch):
    failing = tmp_path / "bin"
    failing.mkdir()
    script = failing / "az"
    script.write_text("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{failing}{os.pathsep}{os.environ['PATH']}")
    result = run_scan("--credential", "cli")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "az login" in result.stderr


def test_azure_pipelines_needs_its_variables(run_scan, monkeypatch):
    for name in ("AZURESUBSCRIPTION_TENANT_ID", "AZURESUBSCRIPTION_CLIENT_ID",
                 "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "SYSTEM_ACCESSTOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = run_scan("--credential", "azure-pipelines")
    assert result.code == 2 and "AZURESUBSCRIPTION_TENANT_ID" in result.stderr


def test_no_cassette_holds_a_bearer_token():
    for path in CASSETTES.rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"Bearer [A-Za-z0-9._-]{20,}|eyJ[A-Za-z0-9_-]{20,}\.", text), path
        assert not re.search(r"^\s*authorization:", text, re.IGNORECASE | re.MULTILINE), path


def test_the_default_credential_can_be_narrowed_to_the_cli(run_scan, stand_in_az, monkeypatch):
    """DefaultAzureCredential limited to the CLI: no managed-identity probe, no shared token cache."""
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "AzureCliCredential")
    chain = make_credential("default", arm_settings())
    assert [type(c).__name__ for c in chain.credentials] == ["AzureCliCredential"]  # no managed-identity probe
    with VCR.use_cassette("graph/demo-tenant.yaml"):
        result = run_scan()
    assert result.code == 0, result.stderr
    assert result.report["scan"]["source"] == "live"


@pytest.fixture
def identity_endpoint(monkeypatch):
    """A loopback stand-in for the App Service / Functions managed-identity endpoint."""
    import http.server
    import threading
    from urllib.parse import parse_qs, urlsplit

    asked: list[dict] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server API)
            query = parse_qs(urlsplit(self.path).query)
            asked.append({"resource": query.get("resource", [""])[0], "header": self.headers.get("X-IDENTITY-HEADER")})
            body = json.dumps({"access_token": "test-token", "expires_on": str(int(time.time()) + 3600),
                               "resource": query.get("resource", [""])[0], "token_type": "Bearer"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"http://127.0.0.1:{server.server_port}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", "test-identity-header")
    monkeypatch.delenv("AZURE_CLIENT_ID", raising=False)
    yield asked
    server.shutdown()


def test_managed_identity_asks_the_identity_endpoint_for_the_resource_manager_audience(run_scan, identity_endpoint):
    with VCR.use_cassette("graph/demo-tenant.yaml"):
        result = run_scan("--credential", "managed-identity")
    assert result.code == 0, result.stderr
    assert identity_endpoint and identity_endpoint[0]["header"] == "test-identity-header"
    assert identity_endpoint[0]["resource"].rstrip("/") == "https://management.azure.com"


def test_the_environment_credential_exchanges_its_secret_for_a_token_on_loopback_cassettes(run_scan, monkeypatch):
    monkeypatch.setenv("AZURE_TENANT_ID", "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b")
    monkeypatch.setenv("AZURE_CLIENT_ID", "5e0c9a7b-3d1f-4b2a-8c6e-9f0a1b2c3d4e")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "test-secret")
    with VCR.use_cassette("graph/environment-credential.yaml") as played:
        result = run_scan("--credential", "environment")
        assert played.all_played  # the tenant discovery and the token exchange were asked, then the queries
    assert result.code == 0, result.stderr


def test_kube_context_goes_with_kubeconfig(run_scan):
    result = run_scan("--demo", "--kube-context", "aks1")
    assert result.code == 2 and "--kubeconfig" in result.stderr


def test_progress_is_shown_on_a_terminal_and_quiet_in_ci(monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    assert sources._progress() is None
    monkeypatch.delenv("CI")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True, raising=False)
    progress = sources._progress()
    assert progress is not None
    with VCR.use_cassette("graph/demo-tenant.yaml"):
        live.collect(live.LiveRequest(), credential=StaticCredential(), clock=Waits(), progress=progress)
    shown = capsys.readouterr().err
    assert "scope (subscriptions, tenant): 2 rows, 2 pages, 2 requests" in shown
    assert "resources (resources, tenant): 30 rows, 1 pages, 1 requests" in shown


def test_a_custom_endpoint_is_called_with_its_own_audience_and_recorded_as_custom(run_scan, monkeypatch):
    credential = StaticCredential()
    monkeypatch.setattr("scanner.collect.live.make_credential", lambda kind, settings: credential)
    with VCR.use_cassette("graph/custom-endpoint.yaml") as played:
        result = run_scan("--arm-endpoint", "https://arm.contoso.test", "--arm-audience", "https://arm.contoso.test/api")
        assert played.all_played
    assert result.code == 0, result.stderr
    assert set(credential.scopes) == {"https://arm.contoso.test/api/.default"}
    scan = result.report["scan"]
    assert (scan["cloud"], scan["arm_endpoint"]) == ("custom", "https://arm.contoso.test/")


def test_offline_input_is_labelled_by_cloud_and_a_snapshot_keeps_its_own(run_scan, stand_in_az, tmp_path):
    labelled = run_scan("--demo", "--cloud", "AzureUSGovernment")
    assert labelled.report["scan"]["cloud"] == "AzureUSGovernment"
    snap = tmp_path / "snap.json"
    scan_live(run_scan, "demo-tenant", "--save-snapshot", str(snap))
    result = run_scan("--input", str(snap), "--cloud", "AzureChinaCloud")
    assert result.code == 2 and "AzureCloud" in result.stderr


def test_coverage_subscriptions_for_offline_and_demo_input(run_scan, write_json):
    demo = run_scan("--demo")
    assert demo.report["coverage"]["subscriptions"] == [SUB_A, SUB_B]
    rows = json.loads((CASSETTES.parent / "examples" / "resources-sub-a.json").read_text())
    complete = run_scan("--input", str(write_json("a.json", rows)))
    bare = run_scan("--input", str(write_json("bare.json", rows["data"])))
    assert complete.report["coverage"]["subscriptions"] == [SUB_A]
    assert bare.report["coverage"]["subscriptions"] == []


def test_offline_input_without_a_cluster_is_a_coverage_error(run_scan, write_json):
    result = run_scan("--input", str(write_json("empty.json", {"count": 0, "data": [], "skip_token": None,
                                                              "total_records": 0})))
    assert result.code == 1
    assert result.report["coverage"]["errors"][0]["message"].startswith("no AKS cluster was visible")


def test_a_snapshot_takes_kubectl_output_only_for_clusters_it_has_none_for(run_scan, stand_in_az, tmp_path):
    snap = tmp_path / "snap.json"
    scan_live(run_scan, "demo-tenant", "--save-snapshot", str(snap))
    kube = CASSETTES.parent / "examples" / "kube" / "aks-checkout-prod.json"
    added = run_scan("--input", str(snap), "--kube-input", f"aks-checkout-prod={kube}", "--profile", "all")
    assert added.code == 0 and added.status("MIGRATE-006", "aks-checkout-prod") == "fail"
    snap_with_kube = tmp_path / "snap2.json"
    run_scan("--input", str(snap), "--kube-input", f"aks-checkout-prod={kube}", "--save-snapshot", str(snap_with_kube))
    again = run_scan("--input", str(snap_with_kube), "--kube-input", f"aks-checkout-prod={kube}")
    assert again.code == 2 and "already holds Kubernetes data" in again.stderr
