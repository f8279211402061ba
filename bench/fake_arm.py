"""A loopback fake Azure Resource Manager: the Subscriptions API and Resource Graph over HTTPS on 127.0.0.1.

For the benchmark of the live path (bench/live.py) and the test that proves it (tests/test_fake_arm.py):
no Azure account is reachable where this project is built, so the service is played here from the
documented shapes (cassettes/build.py, ../shared/azure-examples/README.md, "The Resource Graph call").

- HTTPS only, with a throw-away CA and server certificate made at start (azure-core refuses to send a
  token over plain HTTP); `.ca_path` is the CA's PEM file for `REQUESTS_CA_BUNDLE`.
- Every request must carry `Authorization: Bearer <any token>`, or it gets 401.
- `GET /subscriptions?api-version=...`: the subscriptions given, `subscription_page_size` a page, with
  `nextLink` (an absolute URL with `$skiptoken`) while more remain.
- `POST /providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01`: the rows given, filtered by
  the body's `subscriptions`, the query's table (the first word of the KQL after comment lines) and the
  types the query names (`type in~ (...)`, `type == '...'`), paged at `min($top, page_size)` (≤ 1000)
  with an opaque `$skipToken`; `{totalRecords, count, resultTruncated, facets, data}`. A row's table
  follows its type: `microsoft.authorization/*` → authorizationresources,
  `microsoft.resources/subscriptions` → resourcecontainers, any other → resources. A row without a
  `subscriptionId` (assigned or defined at a management group) comes back with every batch of its
  table; in authorizationresources only with `authorizationScopeFilter` AtScopeAboveAndBelow or
  AtScopeAndAbove, as the service does.
- The per-user quota of Resource Graph: `quota` requests per `quota_window` seconds (fixed windows
  from the server's start), reported in `x-ms-user-quota-remaining` / `x-ms-user-quota-resets-after`
  (hh:mm:ss, rounded up); a request with the budget spent answers 429 with `Retry-After` until the
  window resets, and is counted in `stats.over_quota` (a client that paces by the headers never makes one).
- Faults, deterministic by the request's number (1-based, over every request the server receives):
  every `every_5xx`-th a 503, every `every_429`-th a 429 with `Retry-After: retry_after`, plus any
  given in `at` ({number: status}). Faults are answered before the quota is spent.

    with FakeArm(rows, subscriptions, page_size=1000, faults=True) as fake:
        ... fake.url, fake.ca_path, fake.stats.as_dict()
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import math
import re
import shutil
import socketserver
import ssl
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

GRAPH_PATH = "/providers/microsoft.resourcegraph/resources"
TENANT = "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b"
MAX_TOP = 1000
ABOVE_FILTERS = {"atscopeaboveandbelow", "atscopeandabove"}
_TYPES_CLAUSE = re.compile(r"\btype\s*(?:in~|in|==|=~)\s*(\([^)]*\)|'[^']*'|\"[^\"]*\")", re.IGNORECASE)
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


# --- what the service would answer, as plain functions (bench/live.py computes its expectations with them) ----


def table_of(row: dict) -> str:
    kind = str(row.get("type") or "").lower()
    if kind.startswith("microsoft.authorization/"):
        return "authorizationresources"
    if kind == "microsoft.resources/subscriptions":
        return "resourcecontainers"
    return "resources"


def parse_query(kql: str) -> tuple[str, frozenset[str] | None]:
    """The table (first word after comment lines, lower-cased) and the types the query keeps (None: any)."""
    code = [line for line in kql.splitlines() if line.strip() and not line.strip().startswith("//")]
    table = code[0].split()[0].lower() if code else ""
    types: set[str] = set()
    found = False
    for match in _TYPES_CLAUSE.finditer("\n".join(code[1:])):
        found = True
        types.update((a or b).lower() for a, b in _QUOTED.findall(match.group(1)))
    return table, (frozenset(types) if found else None)


def sees_unscoped(table: str, scope_filter: str | None) -> bool:
    """Whether rows above the subscriptions (no subscriptionId) come back for this table and filter."""
    if table == "authorizationresources":
        return (scope_filter or "AtScopeAndBelow").lower() in ABOVE_FILTERS
    return True


def subscription_entry(sub: str, index: int) -> dict:
    """An entry of GetSubscriptions.json (Microsoft.Resources 2022-12-01)."""
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": TENANT,
        "displayName": f"bench-subscription-{index:05d}",
        "state": "Enabled",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "EnterpriseAgreement_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def hhmmss(seconds: float) -> str:
    whole = max(0, math.ceil(seconds))
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


# --- configuration and counters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Faults:
    every_5xx: int = 37  # 0: never
    every_429: int = 53  # 0: never
    retry_after: int = 1  # seconds, in the Retry-After of an injected 429
    at: dict[int, int] = field(default_factory=dict)  # request number → status (429 or 5xx)
    status_5xx: int = 503  # 503: what azure-core retries on a POST too

    def status(self, number: int) -> int | None:
        if number in self.at:
            return self.at[number]
        if self.every_5xx and number % self.every_5xx == 0:
            return self.status_5xx
        if self.every_429 and number % self.every_429 == 0:
            return 429
        return None


NO_FAULTS = Faults(every_5xx=0, every_429=0)


@dataclass
class Stats:
    requests: int = 0  # every HTTP request received
    subscription_requests: int = 0
    subscription_pages: int = 0  # Subscriptions API pages answered 200
    subscription_entries: int = 0  # subscriptions listed in those pages
    graph_requests: int = 0
    pages: int = 0  # Resource Graph pages answered 200
    rows: int = 0  # Resource Graph rows served in those pages
    throttled: int = 0  # 429s answered (injected and quota)
    server_errors: int = 0  # 5xx answered
    over_quota: int = 0  # Resource Graph requests that arrived with the quota spent (answered 429)
    unauthorized: int = 0  # requests without a bearer token (answered 401)
    quota_windows: int = 0  # quota windows in which at least one Resource Graph request arrived
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)  # table → requests, pages, rows
    log: list[dict] = field(default_factory=list)  # one entry a request: number, method, path, status, table, rows

    def table(self, name: str) -> dict[str, int]:
        return self.by_table.setdefault(name, {"requests": 0, "pages": 0, "rows": 0})

    def as_dict(self, with_log: bool = False) -> dict:
        document = asdict(self)
        if not with_log:
            document.pop("log")
        return document


# --- the certificate authority ---------------------------------------------------------------------------------


def _make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for 127.0.0.1 / localhost, signed by it (P-256, one day)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aks-netaudit fake ARM test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


# --- the server ------------------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, fake: FakeArm, context: ssl.SSLContext):
        self.fake = fake
        self.context = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:  # no reverse lookup of the address (HTTPServer's getfqdn)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def get_request(self):
        sock, address = self.socket.accept()
        # the TLS handshake happens in the handler's thread, at its first read
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.fake._handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "POST")

    def do_PUT(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "PUT")

    def do_DELETE(self) -> None:  # noqa: N802
        self.server.fake._handle(self, "DELETE")


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "message": message}}


class FakeArm:
    """The fake Resource Manager; a context manager that serves on a free port of 127.0.0.1 while open."""

    def __init__(self, rows: list[dict], subscriptions: list[str], page_size: int = 1000,
                 faults: bool | Faults = True, quota: int = 15, quota_window: float = 5.0,
                 subscription_page_size: int = 500):
        if not 1 <= page_size <= MAX_TOP:
            raise ValueError(f"page_size must be 1..{MAX_TOP}")
        self.page_size = page_size
        self.subscription_page_size = subscription_page_size
        self.faults = faults if isinstance(faults, Faults) else (Faults() if faults else NO_FAULTS)
        self.quota, self.quota_window = quota, quota_window
        self.subscriptions = [s.lower() for s in subscriptions]
        self.stats = Stats()
        self._lock = threading.Lock()
        self._index: dict[str, dict[str, list[int]]] = {}  # table → subscription ("" above) → row positions
        self._rows = rows
        for position, row in enumerate(rows):
            sub = str(row.get("subscriptionId") or "").lower()
            self._index.setdefault(table_of(row), {}).setdefault(sub, []).append(position)
        self._results: dict[str, list[int]] = {}  # request fingerprint → the positions it selects
        self._window = -1
        self._budget = quota
        self._folder: Path | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self.url = ""
        self.ca_path = ""

    # -- lifecycle --

    def __enter__(self) -> FakeArm:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="fake-arm-"))
        ca_path, cert_path, key_path = _make_certificates(self._folder)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        self._server = _Server(self, context)
        self._started = time.monotonic()
        self.url = f"https://127.0.0.1:{self._server.server_port}"
        self.ca_path = str(ca_path)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-arm", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    # -- what a batch of a query selects --

    def select(self, table: str, types: frozenset[str] | None, subscriptions: list[str],
               scope_filter: str | None) -> list[int]:
        """Positions of the rows a request selects, in the order of the input."""
        by_sub = self._index.get(table, {})
        positions: list[int] = []
        for sub in dict.fromkeys(s.lower() for s in subscriptions):
            positions.extend(by_sub.get(sub, ()))
        if sees_unscoped(table, scope_filter):
            positions.extend(by_sub.get("", ()))
        if types is not None:
            positions = [p for p in positions if str(self._rows[p].get("type") or "").lower() in types]
        positions.sort()
        return positions

    # -- request handling --

    def _send(self, handler: _Handler, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("x-ms-ratelimit-remaining-tenant-reads", "11999")
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: _Handler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        path = parts.path.rstrip("/").lower()
        params = {k.lower(): v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.stats.requests += 1
            number = self.stats.requests
            entry = {"number": number, "method": method, "path": parts.path, "status": 0}
            self.stats.log.append(entry)
            status, body, headers = self._answer(handler, method, path, params, raw, number, entry)
            entry["status"] = status
            if status == 429:
                self.stats.throttled += 1
            elif status >= 500:
                self.stats.server_errors += 1
        self._send(handler, status, body, headers)

    def _answer(self, handler, method, path, params, raw, number, entry):
        auth = handler.headers.get("Authorization") or ""
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            self.stats.unauthorized += 1
            return 401, _error("AuthenticationFailed", "Authentication failed. The 'Authorization' header is "
                                                       "missing or not a bearer token."), {}
        if path == "/subscriptions" and method == "GET":
            self.stats.subscription_requests += 1
            fault = self._fault(number)
            return fault or self._subscriptions(params)
        if path == GRAPH_PATH and method == "POST":
            self.stats.graph_requests += 1
            return self._graph(params, raw, number, entry)
        return 404, _error("NotFound", f"the fake serves no {method} {path}"), {}

    def _fault(self, number: int):
        status = self.faults.status(number)
        if status is None:
            return None
        if status == 429:
            return 429, _error("RateLimiting", "Please retry after the time in the Retry-After header (injected)."), {
                "Retry-After": str(self.faults.retry_after)}
        return status, _error("ServiceUnavailable", "The service is temporarily unavailable (injected)."), {}

    def _subscriptions(self, params: dict):
        start = _decode_offset(params.get("$skiptoken"), "subscriptions") if params.get("$skiptoken") else 0
        if start is None:
            return 400, _error("InvalidSkipToken", "the $skiptoken is not one this server gave"), {}
        end = start + self.subscription_page_size
        value = [subscription_entry(s, i) for i, s in enumerate(self.subscriptions[start:end], start)]
        body: dict = {"value": value}
        if end < len(self.subscriptions):
            token = quote(_encode_offset(end, "subscriptions"), safe="")
            body["nextLink"] = f"{self.url}/subscriptions?api-version=2022-12-01&%24skiptoken={token}"
        self.stats.subscription_pages += 1
        self.stats.subscription_entries += len(value)
        return 200, body, {}

    def _quota_headers(self, now: float) -> dict[str, str]:
        window_end = (self._window + 1) * self.quota_window
        return {"x-ms-user-quota-remaining": str(self._budget),
                "x-ms-user-quota-resets-after": hhmmss(window_end - (now - self._started))}

    def _graph(self, params: dict, raw: bytes, number: int, entry: dict):
        if params.get("api-version") != "2024-04-01":
            return 400, _error("InvalidApiVersionParameter", f"api-version {params.get('api-version')!r} is not "
                                                             "served here; use 2024-04-01"), {}
        now = time.monotonic()
        window = int((now - self._started) // self.quota_window)
        if window != self._window:
            self._window, self._budget = window, self.quota
            self.stats.quota_windows += 1
        try:
            request = json.loads(raw or b"null")
            subscriptions = [str(s).lower() for s in request["subscriptions"]]
            kql = str(request["query"])
            options = request.get("options") or {}
            top = int(options.get("$top", 100))
        except (ValueError, KeyError, TypeError) as exc:
            return 400, _error("BadRequest", f"the request body is not a Resource Graph query: {exc}"), {}
        table, types = parse_query(kql)
        entry["table"] = table
        stats = self.stats.table(table)
        stats["requests"] += 1
        if self._budget <= 0:
            self.stats.over_quota += 1
            headers = self._quota_headers(now)
            headers["Retry-After"] = str(max(1, math.ceil((self._window + 1) * self.quota_window
                                                         - (now - self._started))))
            return 429, _error("RateLimiting", "Please provide below info when asking for support: the user "
                                               "quota of Resource Graph is spent."), headers
        fault = self._fault(number)
        if fault:
            return fault
        if not 1 <= top <= MAX_TOP:
            return 400, _error("BadRequest", f"$top must be 1..{MAX_TOP}"), {}
        self._budget -= 1
        scope_filter = options.get("authorizationScopeFilter")
        fingerprint = hashlib.sha256(json.dumps([table, sorted(types or ()), types is None, subscriptions,
                                                 scope_filter], separators=(",", ":")).encode()).hexdigest()[:16]
        positions = self._results.get(fingerprint)
        if positions is None:
            positions = self.select(table, types, subscriptions, scope_filter)
            self._results[fingerprint] = positions
        start = 0
        if options.get("$skipToken"):
            start = _decode_offset(options["$skipToken"], fingerprint)
            if start is None:
                return 400, _error("InvalidSkipToken", "the $skipToken does not belong to this query"), {}
        end = start + min(top, self.page_size)
        data = [self._rows[p] for p in positions[start:end]]
        body = {"totalRecords": len(positions), "count": len(data), "resultTruncated": "false", "facets": [],
                "data": data}
        if end < len(positions):
            body["$skipToken"] = _encode_offset(end, fingerprint)
        self.stats.pages += 1
        self.stats.rows += len(data)
        stats["pages"] += 1
        stats["rows"] += len(data)
        entry["rows"] = len(data)
        return 200, body, self._quota_headers(now)


def _encode_offset(offset: int, fingerprint: str) -> str:
    return base64.b64encode(json.dumps({"$id": fingerprint, "o": offset}).encode()).decode()


def _decode_offset(token: str, fingerprint: str) -> int | None:
    try:
        document = json.loads(base64.b64decode(token.encode(), validate=True))
        if document.get("$id") == fingerprint and isinstance(document.get("o"), int) and document["o"] >= 0:
            return document["o"]
    except (ValueError, AttributeError):
        pass
    return None
