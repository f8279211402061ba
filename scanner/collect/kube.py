"""Live Kubernetes collection: the kube-system ConfigMaps and every Service of each cluster in scope.

DESIGN.md "Collect", the Kubernetes bullet. A cluster is read through the kubeconfig context whose
API server host is one of the cluster's FQDNs (`fqdn`, `privateFQDN`, `azurePortalFQDN`), with a
client of its own built by `kubernetes.config.new_client_from_config` (so exec plugins such as
kubelogin authenticate as they do for kubectl). Only `list` is ever called, and the kubeconfig is
never written (`persist_config=False`).

The objects are the API server's JSON as-is (not a round trip through the client's models, which
drops fields the models do not know and rewrites `...Z` timestamps as `...+00:00`), given the
`kind` and `apiVersion` list responses leave out per item and stripped of `metadata.managedFields`
— which is what `kubectl get configmaps,services -A -o json` prints for the same objects.

What could not be read is reported, never skipped: a cluster no context matches is a coverage
warning (its in-cluster rules then give `error`), a matching context that fails is a coverage
error with the HTTP status (or None), and one cluster's failure never stops the others.
"""

from __future__ import annotations

import json
import logging
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import urllib3
import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config
from kubernetes.client.exceptions import ApiException
from kubernetes.config.config_exception import ConfigException

from scanner.errors import InputError

SOURCE = "kubernetes"
FQDN_FIELDS = ("fqdn", "privateFQDN", "azurePortalFQDN")
# Chunked lists, as kubectl does (--chunk-size=500): a big cluster's Services come in pages.
PAGE_SIZE = 500
MAX_MESSAGE = 400

# HTTP statuses after which the other list of the same cluster is still worth asking for:
# RBAC may allow the kube-system ConfigMaps but not Services cluster-wide (or the reverse).
_PER_LIST_STATUSES = {403, 404}


@dataclass
class KubeResult:
    objects: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def error(self, scope: str, message: str, status: int | None) -> None:
        self.errors.append({"source": SOURCE, "message": message, "scope": scope, "status": status})

    def warning(self, scope: str, message: str) -> None:
        self.warnings.append({"source": SOURCE, "message": message, "scope": scope})


@dataclass
class _Context:
    name: str
    host: str | None  # lower-cased API server host, None when the context has no usable server


class _ReadFailure(Exception):
    def __init__(self, message: str, status: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# --- the kubeconfig -------------------------------------------------------------------------------


def _named_entries(document: dict, key: str) -> list[dict]:
    entries = document.get(key)
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]


def _host(server: object) -> str | None:
    if not isinstance(server, str) or not server.strip():
        return None
    try:
        host = urlsplit(server.strip()).hostname
    except ValueError:
        return None
    return host.rstrip(".").lower() if host else None


def _read_kubeconfig(path: Path) -> tuple[list[_Context], str | None]:
    """The kubeconfig's contexts (in file order) with their API server hosts, and the current context."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputError(f"--kubeconfig {path}: cannot read: {reason}") from exc
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"--kubeconfig {path}: not valid YAML{where}") from exc
    if not isinstance(document, dict) or ("contexts" not in document and "clusters" not in document):
        raise InputError(f"--kubeconfig {path}: not a kubeconfig (no 'contexts' or 'clusters' list)")
    servers = {}
    for entry in _named_entries(document, "clusters"):
        cluster = entry.get("cluster")
        servers.setdefault(entry["name"], _host(cluster.get("server")) if isinstance(cluster, dict) else None)
    contexts = []
    seen = set()
    for entry in _named_entries(document, "contexts"):
        if entry["name"] in seen:
            continue
        seen.add(entry["name"])
        context = entry.get("context")
        cluster_name = context.get("cluster") if isinstance(context, dict) else None
        contexts.append(_Context(entry["name"], servers.get(cluster_name) if isinstance(cluster_name, str) else None))
    current = document.get("current-context")
    return contexts, current if isinstance(current, str) else None


def _select_contexts(path: Path, available: list[_Context], wanted: list[str] | None) -> list[_Context]:
    if not wanted:
        return available
    by_name = {c.name: c for c in available}
    missing = [name for name in dict.fromkeys(wanted) if name not in by_name]
    if missing:
        have = ", ".join(c.name for c in available) or "none"
        raise InputError(f"--kube-context {missing[0]}: no such context in {path} (its contexts: {have})")
    return [by_name[name] for name in dict.fromkeys(wanted)]


# --- the clusters ---------------------------------------------------------------------------------


def _fqdns(row: dict) -> list[str]:
    props = row.get("properties") if isinstance(row.get("properties"), dict) else {}
    names = []
    for key in FQDN_FIELDS:
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            name = value.strip().rstrip(".").lower()
            if name not in names:
                names.append(name)
    return names


def _pick_context(fqdns: list[str], contexts: list[_Context], current: str | None) -> _Context | None:
    """The current context when it matches, else the first matching one in kubeconfig order."""
    matching = [c for c in contexts if c.host is not None and c.host in fqdns]
    for c in matching:
        if c.name == current:
            return c
    return matching[0] if matching else None


# --- reading one cluster --------------------------------------------------------------------------


class _ConfigLogCapture(logging.Filter):
    """Holds back what `kubernetes.config` logs on the root logger, keeping the errors.

    The client logs a failing exec plugin (kubelogin) with `logging.error` and goes on without
    credentials; the error is the cause the coverage entry must name, and an unauthenticated
    request must not be sent in its place.
    """

    MODULES = {"kube_config", "exec_provider"}

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if record.module not in self.MODULES:
            return True
        if record.levelno >= logging.ERROR:
            self.errors.append(record.getMessage())
        return False

    def __enter__(self) -> _ConfigLogCapture:
        logging.getLogger().addFilter(self)
        return self

    def __exit__(self, *exc_info) -> None:
        logging.getLogger().removeFilter(self)


def _one_line(text: object) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 1] + "…"


def _api_failure(exc: ApiException) -> tuple[str, int | None]:
    status = exc.status if isinstance(exc.status, int) and exc.status > 0 else None
    if status is None:  # the client turns TLS failures into status 0
        return f"TLS or request failure: {_one_line(exc.reason)}", None
    detail = ""
    if exc.body:
        try:
            body = json.loads(exc.body)
        except (TypeError, ValueError):
            body = None
        if isinstance(body, dict) and isinstance(body.get("message"), str):
            detail = body["message"]
    text = f"HTTP {status} {exc.reason or ''}".rstrip()
    if detail and detail.lower() != str(exc.reason or "").lower():
        text += f": {detail}"
    if status == 401:
        text += " (the context's credentials were refused: renew them, e.g. az aks get-credentials and kubelogin)"
    return _one_line(text), status


def _transport_failure(exc: Exception, timeout: float) -> str:
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    # NewConnectionError (refused, no route, unknown host) subclasses ConnectTimeoutError: test it first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return f"cannot connect to the API server: {_one_line(exc)}"
    if isinstance(exc, urllib3.exceptions.TimeoutError | TimeoutError):
        return f"timed out (limit {timeout:g}s per cluster)"
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return f"the connection failed: {_one_line(exc)}"
    return _one_line(f"{type(exc).__name__}: {exc}")


def _list_all(call, what: str, deadline: float, timeout: float, **kwargs) -> list:
    """Every item of a list call, page after page, within the cluster's deadline."""
    items: list = []
    token = None
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _ReadFailure(f"listing {what}: timed out (limit {timeout:g}s per cluster)", None)
        page_args = {"limit": PAGE_SIZE, **({"_continue": token} if token else {})}
        try:
            with warnings.catch_warnings():
                # `insecure-skip-tls-verify: true` is the kubeconfig owner's choice; kubectl does not warn.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                response = call(**kwargs, **page_args, _preload_content=False, _request_timeout=remaining)
                try:
                    raw = response.data
                finally:
                    response.release_conn()
        except ApiException as exc:
            message, status = _api_failure(exc)
            raise _ReadFailure(f"listing {what}: {message}", status) from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _ReadFailure(f"listing {what}: {_transport_failure(exc, timeout)}", None) from exc
        except ConfigException as exc:  # an exec plugin asked again for an expired token, and failed
            raise _ReadFailure(f"listing {what}: credentials: {_one_line(exc)}", None) from exc
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise _ReadFailure(f"listing {what}: the API server's answer is not JSON", None) from exc
        if not isinstance(document, dict) or not isinstance(document.get("items", []), list):
            raise _ReadFailure(f"listing {what}: the API server's answer is not a Kubernetes List", None)
        items.extend(document.get("items") or [])
        metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        token = metadata.get("continue")
        if not token:
            return items


def _as_kubectl_item(item: dict, kind: str) -> dict:
    obj = {"apiVersion": "v1", "kind": kind, **{k: v for k, v in item.items() if k not in ("apiVersion", "kind")}}
    metadata = obj.get("metadata")
    if isinstance(metadata, dict) and "managedFields" in metadata:
        obj["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    return obj


def _read_cluster(
    kubeconfig: Path, context: _Context, scope: str, timeout: float, result: KubeResult
) -> list[dict] | None:
    """The cluster's objects (None when nothing could be read); every failure goes to `result.errors`."""
    with _ConfigLogCapture() as logged:
        return _read_cluster_logged(kubeconfig, context, scope, timeout, result, logged)


def _read_cluster_logged(
    kubeconfig: Path, context: _Context, scope: str, timeout: float, result: KubeResult, logged: _ConfigLogCapture
) -> list[dict] | None:
    where = f"context {context.name}"
    configuration = k8s_client.Configuration()
    configuration.retries = False  # one attempt per request: the timeout is the cluster's, not per retry
    try:
        api_client = k8s_config.new_client_from_config(
            config_file=str(kubeconfig), context=context.name, persist_config=False,
            client_configuration=configuration,
        )
    except Exception as exc:  # noqa: BLE001 - any fault in a user's context (exec plugin, cert data, ...) is its error
        result.error(scope, _one_line(f"{where}: cannot build a client from the kubeconfig: {exc}"), None)
        return None
    if logged.errors:  # e.g. the exec plugin failed: the client would go on without credentials
        api_client.close()
        result.error(scope, _one_line(f"{where}: cannot build a client from the kubeconfig: {logged.errors[0]}"), None)
        return None
    lists = [
        ("ConfigMaps in kube-system", "ConfigMap", "list_namespaced_config_map", {"namespace": "kube-system"}),
        ("Services in all namespaces", "Service", "list_service_for_all_namespaces", {}),
    ]
    objects: list[dict] = []
    read_any = False
    skipped = 0
    try:
        api = k8s_client.CoreV1Api(api_client)
        deadline = time.monotonic() + timeout
        for what, kind, method, kwargs in lists:
            try:
                items = _list_all(getattr(api, method), what, deadline, timeout, **kwargs)
            except _ReadFailure as failure:
                message = f"{where}: {failure.message}"
                if logged.errors:  # a token refresh through the exec plugin failed on the way
                    message += f" (credentials: {logged.errors[-1]})"
                result.error(scope, _one_line(message), failure.status)
                if failure.status in _PER_LIST_STATUSES:
                    continue
                break
            read_any = True
            for item in items:
                if isinstance(item, dict):
                    objects.append(_as_kubectl_item(item, kind))
                else:
                    skipped += 1
    finally:
        api_client.close()
    if skipped:
        result.warning(scope, f"{where}: {skipped} list items that are not objects were skipped")
    return objects if read_any else None


# --- the entry point ------------------------------------------------------------------------------


def collect_kube(
    kubeconfig: Path, contexts: list[str] | None, clusters: list[dict], timeout: float = 20.0
) -> KubeResult:
    """Read the kube-system ConfigMaps and all Services of every cluster a kubeconfig context reaches.

    `clusters` are Resource Graph rows of managed clusters; `contexts` (from --kube-context) limits
    the contexts tried, None or empty meaning all of them. `timeout` bounds the HTTP reads of one
    cluster (every page of both lists). Raises InputError for an unreadable kubeconfig or a
    --kube-context it does not hold.
    """
    kubeconfig = Path(kubeconfig)
    available, current = _read_kubeconfig(kubeconfig)
    usable = _select_contexts(kubeconfig, available, contexts)
    result = KubeResult()
    used: set[str] = set()
    done: set[str] = set()
    for row in clusters:
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            continue
        scope = row["id"]
        key = scope.lower()
        if key in done:
            continue
        done.add(key)
        name = row.get("name") if isinstance(row.get("name"), str) else scope
        fqdns = _fqdns(row)
        context = _pick_context(fqdns, usable, current)
        if context is None:
            among = "no context named by --kube-context" if contexts else "no kubeconfig context"
            if fqdns:
                what = f"matches the API server FQDN {' / '.join(fqdns)}"
            else:
                what = "can match: its Resource Graph row has no API server FQDN"
            result.warning(
                scope, f"cluster {name}: {among} {what} (kubeconfig {kubeconfig}): its in-cluster rules report error"
            )
            continue
        used.add(context.name)
        objects = _read_cluster(kubeconfig, context, scope, timeout, result)
        if objects is not None:
            result.objects[key] = objects
    for name in dict.fromkeys(contexts or []):
        if name not in used:
            result.warning(
                f"--kube-context {name}",
                f"--kube-context {name}: its API server matches none of the clusters in scope; it was not read",
            )
    return result
