"""The live Kubernetes reader (scanner.collect.kube) against hand-made vcrpy cassettes.

record_mode="none": a request the cassette does not hold raises in vcrpy, so nothing beyond the
cassette is ever contacted. The loopback tests at the end (connection refused, timeout) run
without vcrpy against sockets of their own on 127.0.0.1.
"""

from __future__ import annotations

import copy
import json
import socket
import sys
from pathlib import Path

import pytest
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException

from scanner.collect import kube
from scanner.collect.kube import KubeResult, collect_kube
from scanner.errors import InputError

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes" / "kube"
SUB = "/subscriptions/3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10/resourceGroups/rg-aks/providers"
AKS1_HOST = "aks1-dns-0a1b2c3d.hcp.westeurope.azmk8s.io"
AKS2_PRIVATE = "aks2-dns-1b2c3d4e.c2d8f1a0-5b6e-4c7d-8e9f-0a1b2c3d4e5f.privatelink.westeurope.azmk8s.io"
AKS4_HOST = "aks4-dns-3d4e5f6a.hcp.westeurope.azmk8s.io"


def cluster(name: str, **props: str) -> dict:
    return {
        "id": f"{SUB}/Microsoft.ContainerService/managedClusters/{name}",
        "name": name,
        "type": "microsoft.containerservice/managedclusters",
        "properties": props,
    }


def cluster_key(name: str) -> str:
    return cluster(name)["id"].lower()


CLUSTERS = [
    cluster("aks1", fqdn=AKS1_HOST, azurePortalFQDN="aks1-dns-0a1b2c3d.portal.hcp.westeurope.azmk8s.io"),
    # private cluster: the kubeconfig's server is the privatelink FQDN
    cluster("aks2", privateFQDN=AKS2_PRIVATE, azurePortalFQDN="aks2-dns-1b2c3d4e.portal.hcp.westeurope.azmk8s.io"),
    cluster("aks3", fqdn="aks3-dns-2c3d4e5f.hcp.westeurope.azmk8s.io"),  # no context in the kubeconfig
    cluster("aks4", fqdn=AKS4_HOST),
]


def write_kubeconfig(path: Path, entries: list[tuple[str, str, dict]], current: str | None = None) -> Path:
    """entries: (context name, server URL, user entry)."""
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": f"{name}-cluster", "cluster": {"server": server, "insecure-skip-tls-verify": True}}
            for name, server, _ in entries
        ],
        "users": [{"name": f"{name}-user", "user": user} for name, _, user in entries],
        "contexts": [
            {"name": name, "context": {"cluster": f"{name}-cluster", "user": f"{name}-user"}} for name, _, _ in entries
        ],
        "current-context": current or entries[0][0],
        "preferences": {},
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def kubeconfig(tmp_path) -> Path:
    return write_kubeconfig(
        tmp_path / "kubeconfig",
        [
            ("aks1", f"https://{AKS1_HOST}:443", {"token": "test-token"}),
            # the server host in another letter case still matches
            ("aks2", f"https://{AKS2_PRIVATE.upper()}:443", {"token": "test-token-expired"}),
            ("aks4", f"https://{AKS4_HOST}:443", {"token": "test-token-kube-system-only"}),
            ("elsewhere", "https://kind-control-plane.example.test:6443", {"token": "test-token"}),
        ],
    )


class Recorder:
    """A vcrpy configuration that remembers what was asked (Authorization included) and stores none of it."""

    def __init__(self) -> None:
        self.requests: set[tuple[str, str, str | None]] = set()

    def before_record_request(self, request):
        # vcrpy passes requests through this hook more than once (the cassette's own when it loads
        # them, a live one again after filtering): only the live request, unfiltered, is counted.
        if request.headers and not getattr(request, "filtered", False):
            self.requests.add((request.method, request.uri, request.headers.get("Authorization")))
        kept = copy.deepcopy(request)
        kept.headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        kept.filtered = True
        return kept

    def vcr(self) -> vcr.VCR:
        return vcr.VCR(
            cassette_library_dir=str(CASSETTES),
            record_mode="none",
            before_record_request=self.before_record_request,
            decode_compressed_response=True,
        )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def run(recorder: Recorder, cassette: str, *args, **kwargs) -> tuple[KubeResult, object]:
    with recorder.vcr().use_cassette(cassette) as tape:
        result = collect_kube(*args, **kwargs)
    return result, tape


def by_name(objects: list[dict], kind: str) -> dict[tuple[str, str], dict]:
    return {(o["metadata"]["namespace"], o["metadata"]["name"]): o for o in objects if o["kind"] == kind}


# --- the fleet cassette ---------------------------------------------------------------------------


def test_reads_configmaps_and_services_keyed_by_cluster_id(kubeconfig, recorder):
    before = kubeconfig.read_bytes()
    result, tape = run(recorder, "aks-fleet.yaml", kubeconfig, None, CLUSTERS)

    assert set(result.objects) == {cluster_key("aks1"), cluster_key("aks4")}
    objects = result.objects[cluster_key("aks1")]
    assert all(o["apiVersion"] == "v1" for o in objects)
    config_maps = by_name(objects, "ConfigMap")
    services = by_name(objects, "Service")
    assert set(config_maps) == {
        ("kube-system", "azure-ip-masq-agent-config-reconciled"),
        ("kube-system", "coredns"),
        ("kube-system", "kube-root-ca.crt"),
    }
    assert set(services) == {
        ("default", "kubernetes"),
        ("kube-system", "kube-dns"),
        ("ingress-nginx", "ingress-nginx-controller"),
    }
    masq = config_maps[("kube-system", "azure-ip-masq-agent-config-reconciled")]
    assert "10.244.0.0/16" in masq["data"]["ip-masq-agent-reconciled"]
    # as kubectl prints them: timestamps untouched, managedFields left out, camelCase keys
    assert masq["metadata"]["creationTimestamp"] == "2025-03-04T09:21:17Z"
    assert "managedFields" not in masq["metadata"]
    lb = services[("ingress-nginx", "ingress-nginx-controller")]
    assert lb["spec"]["type"] == "LoadBalancer"
    assert lb["spec"]["externalTrafficPolicy"] == "Local"
    assert lb["status"]["loadBalancer"]["ingress"] == [{"ip": "10.224.0.200", "ipMode": "VIP"}]
    assert services[("kube-system", "kube-dns")]["spec"]["ports"][0] == {
        "name": "dns", "protocol": "UDP", "port": 53, "targetPort": 53,
    }

    # exactly the cassette's five exchanges, all of them reads
    assert tape.all_played and tape.play_count == 5
    assert {method for method, _, _ in recorder.requests} == {"GET"}
    assert (
        "GET", f"https://{AKS1_HOST}/api/v1/services?limit=500", "Bearer test-token"
    ) in recorder.requests
    assert kubeconfig.read_bytes() == before  # never written back


def test_objects_feed_the_inventory_view(kubeconfig, recorder):
    from scanner.inventory.kube import kube_view

    result, _ = run(recorder, "aks-fleet.yaml", kubeconfig, None, CLUSTERS)
    view = kube_view(result.objects[cluster_key("aks1")])
    assert view["supplied"] and view["kinds"] == ["ConfigMap", "Service"]
    assert "azure-ip-masq-agent-config-reconciled" in {c["name"] for c in view["configMaps"]}


def test_cluster_without_a_matching_context_is_a_warning(kubeconfig, recorder):
    result, _ = run(recorder, "aks-fleet.yaml", kubeconfig, None, CLUSTERS)
    assert [w["scope"] for w in result.warnings] == [cluster("aks3")["id"]]
    warning = result.warnings[0]
    assert warning["source"] == "kubernetes"
    assert "no kubeconfig context matches the API server FQDN aks3-dns-2c3d4e5f.hcp.westeurope.azmk8s.io" in (
        warning["message"]
    )
    assert warning["message"].endswith("its in-cluster rules report error")
    assert cluster_key("aks3") not in result.objects


def test_unauthorized_context_is_an_error_and_the_others_are_still_read(kubeconfig, recorder):
    result, _ = run(recorder, "aks-fleet.yaml", kubeconfig, None, CLUSTERS)
    errors = {e["scope"]: e for e in result.errors}
    assert set(errors) == {cluster("aks2")["id"], cluster("aks4")["id"]}

    unauthorized = errors[cluster("aks2")["id"]]
    assert unauthorized["source"] == "kubernetes"
    assert unauthorized["status"] == 401
    assert unauthorized["message"].startswith("context aks2: listing ConfigMaps in kube-system: HTTP 401 Unauthorized")
    assert "credentials were refused" in unauthorized["message"]
    assert cluster_key("aks2") not in result.objects
    # aks2 failed first in the list; aks4 after it was still read
    assert cluster_key("aks1") in result.objects and cluster_key("aks4") in result.objects


def test_forbidden_services_keep_the_configmaps_that_were_read(kubeconfig, recorder):
    result, _ = run(recorder, "aks-fleet.yaml", kubeconfig, None, CLUSTERS)
    forbidden = next(e for e in result.errors if e["scope"] == cluster("aks4")["id"])
    assert forbidden["status"] == 403
    assert forbidden["message"].startswith("context aks4: listing Services in all namespaces: HTTP 403 Forbidden: ")
    assert 'cannot list resource "services"' in forbidden["message"]
    assert "\n" not in forbidden["message"]
    kinds = {o["kind"] for o in result.objects[cluster_key("aks4")]}
    assert kinds == {"ConfigMap"}  # so the Service rules give `error` (no Services supplied)


def test_kube_context_limits_the_contexts_tried(kubeconfig, recorder):
    result, tape = run(recorder, "aks-fleet.yaml", kubeconfig, ["aks1", "elsewhere"], CLUSTERS)
    assert set(result.objects) == {cluster_key("aks1")}
    assert result.errors == []
    assert tape.play_count == 2
    messages = {w["scope"]: w["message"] for w in result.warnings}
    for name in ("aks2", "aks3", "aks4"):
        assert "no context named by --kube-context matches" in messages[cluster(name)["id"]]
    assert "matches none of the clusters in scope" in messages["--kube-context elsewhere"]


def test_unknown_kube_context_is_an_input_error(kubeconfig, recorder):
    with pytest.raises(InputError) as caught:
        run(recorder, "aks-fleet.yaml", kubeconfig, ["aks1", "aks9"], CLUSTERS)
    message = str(caught.value)
    assert message.startswith("--kube-context aks9: no such context in ")
    assert "aks1, aks2, aks4, elsewhere" in message
    assert "\n" not in message


def test_unreadable_or_foreign_kubeconfig_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"^--kubeconfig .*missing: cannot read"):
        collect_kube(tmp_path / "missing", None, CLUSTERS)
    (tmp_path / "rows.json").write_text(json.dumps([{"id": "/x", "type": "y"}]), encoding="utf-8")
    with pytest.raises(InputError, match=r"not a kubeconfig"):
        collect_kube(tmp_path / "rows.json", None, CLUSTERS)


def test_a_request_beyond_the_cassette_is_refused(tmp_path, recorder):
    """A matching context whose API server the cassette does not hold: vcrpy raises, nothing is sent."""
    host = "aks5-dns-4e5f6a7b.hcp.westeurope.azmk8s.io"
    config = write_kubeconfig(tmp_path / "kubeconfig", [("aks5", f"https://{host}:443", {"token": "test-token"})])
    with pytest.raises(CannotOverwriteExistingCassetteException):
        run(recorder, "aks-fleet.yaml", config, None, [cluster("aks5", fqdn=host)])


def test_the_cassettes_hold_no_credentials():
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "authorization" not in text.lower(), path
        assert "bearer" not in text.lower(), path
        for interaction in yaml.safe_load(text)["interactions"]:
            assert interaction["request"]["method"] == "GET"
            assert interaction["request"]["headers"] == {}


# --- paging and exec plugins ----------------------------------------------------------------------


def test_chunked_lists_follow_the_continue_token(kubeconfig, recorder, monkeypatch):
    monkeypatch.setattr(kube, "PAGE_SIZE", 2)
    result, tape = run(recorder, "paged.yaml", kubeconfig, ["aks1"], CLUSTERS[:1])
    assert tape.all_played and tape.play_count == 3
    services = by_name(result.objects[cluster_key("aks1")], "Service")
    assert set(services) == {("default", "kubernetes"), ("kube-system", "kube-dns"), ("checkout", "checkout-api")}
    assert result.errors == [] and result.warnings == []


def exec_user(tmp_path: Path, name: str, script: str) -> dict:
    """A kubeconfig user authenticating through an exec plugin, as kubelogin does."""
    plugin = tmp_path / f"{name}.py"
    plugin.write_text(script, encoding="utf-8")
    return {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": sys.executable,
            "args": [str(plugin)],
            "interactiveMode": "Never",
            "provideClusterInfo": False,
        }
    }


GOOD_PLUGIN = """import json
print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                  "status": {"token": "test-token-from-exec", "expirationTimestamp": "2099-01-01T00:00:00Z"}}))
"""
FAILING_PLUGIN = """import sys
sys.stderr.write("Error: failed to get token: AADSTS700082: the refresh token has expired (test)\\n")
sys.exit(1)
"""


def test_exec_plugin_credentials_are_used_and_a_failing_plugin_is_an_error(tmp_path, recorder):
    config = write_kubeconfig(
        tmp_path / "kubeconfig",
        [
            ("aks1", f"https://{AKS1_HOST}:443", exec_user(tmp_path, "good", GOOD_PLUGIN)),
            ("aks2", f"https://{AKS2_PRIVATE}:443", exec_user(tmp_path, "bad", FAILING_PLUGIN)),
        ],
    )
    result, tape = run(recorder, "aks-fleet.yaml", config, None, CLUSTERS[:2])
    assert set(result.objects) == {cluster_key("aks1")}
    assert tape.play_count == 2
    assert {auth for _, _, auth in recorder.requests} == {"Bearer test-token-from-exec"}
    [error] = result.errors
    assert error["scope"] == cluster("aks2")["id"] and error["status"] is None
    assert error["message"].startswith(
        "context aks2: cannot build a client from the kubeconfig: exec: process returned 1"
    )
    assert "AADSTS700082" in error["message"] and "\n" not in error["message"]


def test_current_context_wins_when_several_match(tmp_path, recorder):
    config = write_kubeconfig(
        tmp_path / "kubeconfig",
        [
            ("aks1-admin", f"https://{AKS1_HOST}:443", {"token": "test-token-admin"}),
            ("aks1", f"https://{AKS1_HOST}:443", {"token": "test-token"}),
        ],
        current="aks1",
    )
    result, _ = run(recorder, "aks-fleet.yaml", config, None, CLUSTERS[:1])
    assert cluster_key("aks1") in result.objects
    assert {auth for _, _, auth in recorder.requests} == {"Bearer test-token"}


# --- loopback failures (no vcrpy, no traffic beyond 127.0.0.1) ------------------------------------


def loopback_cluster(tmp_path: Path, port: int) -> tuple[Path, dict]:
    entries = [("local", f"https://127.0.0.1:{port}", {"token": "test-token"})]
    config = write_kubeconfig(tmp_path / "kubeconfig", entries)
    return config, cluster("aks-local", fqdn="127.0.0.1")


def test_connection_refused_is_an_error_without_status(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config, row = loopback_cluster(tmp_path, port)
    result = collect_kube(config, None, [row, cluster("aks3", fqdn="aks3.example.test")], timeout=5)
    [error] = result.errors
    assert error["status"] is None and error["scope"] == row["id"]
    assert error["message"].startswith(
        "context local: listing ConfigMaps in kube-system: cannot connect to the API server"
    )
    assert result.objects == {}
    assert [w["scope"] for w in result.warnings] == [cluster("aks3")["id"]]


def test_an_api_server_that_never_answers_times_out(tmp_path):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts the TCP connection (backlog), never answers the TLS handshake
        config, row = loopback_cluster(tmp_path, server.getsockname()[1])
        result = collect_kube(config, None, [row], timeout=0.5)
    [error] = result.errors
    assert error["status"] is None
    assert "timed out (limit 0.5s per cluster)" in error["message"]
