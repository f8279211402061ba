"""Render the self-contained HTML report from the report dict (never from scanner objects).

Resource names, tags, messages and evidence come from the scanned tenant and are untrusted: the
Jinja environment autoescapes everything, links are emitted only for https:// references, and a
Content-Security-Policy with hashes of our own inline style and script stops anything else from
loading or running even if some markup slipped through.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .build import SEVERITIES, STATUSES

_ATTENTION = ("fail", "error")


def _pretty_json(value: Any) -> str:
    # Returned as a plain str so autoescape escapes it; the tojson filter would emit \u003c noise.
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _label(value: str) -> str:
    return value.replace("_", " ")


def _is_https(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("https://")


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader(__package__, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pretty_json"] = _pretty_json
    env.filters["label"] = _label
    env.tests["https_url"] = _is_https
    return env


@cache
def _asset(name: str) -> str:
    env = _environment()
    source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
    return source


def render_html(report: dict[str, Any]) -> str:
    """Return one HTML page that loads nothing external and reads fully without JavaScript.

    Findings that fail or error come first, each group in the report's own order (severity, then
    status, rule, resource).
    """
    css, script = _asset("report.css"), _asset("report.js")
    csp = (
        "default-src 'none'; "
        f"style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    findings = report["findings"]
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        css=Markup(css),
        script=Markup(script),
        csp=csp,
        severities=SEVERITIES,
        statuses=STATUSES,
        attention=[f for f in findings if f["status"] in _ATTENTION],
        others=[f for f in findings if f["status"] not in _ATTENTION],
    )
