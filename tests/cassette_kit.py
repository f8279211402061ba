"""vcrpy as the live tests use it: play hand-built cassettes, never touch the network.

Every Resource Graph call posts to the same URL, so a cassette interaction is matched on its JSON
body too (the subscriptions, the options — `$skipToken`, `authorizationScopeFilter` — and the
table the query reads). Re-recording against a real tenant uses the same configuration with
`AKS_NETAUDIT_RECORD=1` (cassettes/README.md) and scrubs tokens, tenant and subscription ids first.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import vcr

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FAKE_TENANT = "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b"
FAKE_SUBSCRIPTIONS = ["3f9c2a71-5b8e-4d06-9a1f-2c7e8b4d5a10", "b7d41e08-92c3-4f5a-8e6d-0a1b2c3d4e5f"]


def _body(request) -> dict | None:
    raw = request.body
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (ValueError, UnicodeDecodeError):
        return None  # a form post (the token endpoint): matched on method and URI, never on its secret


def query_signature(body: dict | None) -> object:
    """What identifies a Resource Graph request: its scope, options and table (not the KQL's wording)."""
    if not isinstance(body, dict) or "query" not in body:
        return body
    code = [line for line in body["query"].splitlines() if line.strip() and not line.strip().startswith("//")]
    table = code[0].split()[0] if code else ""
    return {"subscriptions": body.get("subscriptions"), "options": body.get("options"), "table": table}


def json_body(r1, r2) -> None:
    assert query_signature(_body(r1)) == query_signature(_body(r2)), "JSON bodies differ"


def _scrub_text(text: str, subscriptions: dict[str, str]) -> str:
    text = re.sub(r"Bearer [A-Za-z0-9._-]+", "Bearer <scrubbed>", text)
    text = re.sub(r'"access_token"\s*:\s*"[^"]+"', '"access_token": "<scrubbed>"', text)
    for real, fake in subscriptions.items():
        text = text.replace(real, fake)
    return text


def scrubber(real_subscriptions: list[str], real_tenant: str | None):
    """Filters for recording: no Authorization header, tokens, or real tenant and subscription ids."""
    mapping = {real: FAKE_SUBSCRIPTIONS[i % len(FAKE_SUBSCRIPTIONS)] for i, real in enumerate(real_subscriptions)}
    if real_tenant:
        mapping[real_tenant] = FAKE_TENANT

    def request(req):
        req.headers.pop("Authorization", None)
        if req.body:
            req.body = _scrub_text(req.body.decode("utf-8"), mapping).encode("utf-8")
        req.uri = _scrub_text(req.uri, mapping)
        return req

    def response(resp):
        body = resp["body"]["string"]
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        resp["body"]["string"] = _scrub_text(text, mapping).encode("utf-8")
        return resp

    return request, response


def cassette_vcr() -> vcr.VCR:
    recording = os.environ.get("AKS_NETAUDIT_RECORD") == "1"
    kwargs = {}
    if recording:
        before_request, before_response = scrubber(
            [s for s in os.environ.get("AKS_NETAUDIT_RECORD_SUBSCRIPTIONS", "").split(",") if s],
            os.environ.get("AKS_NETAUDIT_RECORD_TENANT"))
        kwargs = {"before_record_request": before_request, "before_record_response": before_response}
    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="once" if recording else "none",
        match_on=["method", "scheme", "host", "port", "path", "query", "json_body"],
        filter_headers=["authorization"],
        decode_compressed_response=True,
        ignore_localhost=True,  # loopback test servers (the managed-identity endpoint) answer for themselves
        **kwargs,
    )
    recorder.register_matcher("json_body", json_body)
    return recorder
