"""The readiness document against reports/readiness.schema.json, and `readiness --format html` in Chromium.

The schema tests run the CLI in-process on the demo (both targets) and on the shapes the readiness
tests build (go, unknown, a proposed pod CIDR, an after-the-move blocker, an accepted blocker, the
/28 and the address-space extension, an AKS-managed VNet, a truncated input). The browser tests
open the pages as file:// URLs, as a reader does; under CI=true a missing browser fails them.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import textwrap
from functools import cache
from html import unescape
from pathlib import Path

import pytest
from azure_rows import cluster_row, envelope, pool, subnet_id, vnet_row
from jsonschema import Draft202012Validator
from test_html_browser import P_CLOSE, P_IMG, P_SCRIPT, Tab, browser  # noqa: F401  (browser: the fixture)
from test_readiness import kube_file, kubenet_cluster, network

from scanner import cli
from scanner.readiness.html import render_html

SCHEMA = Path(__file__).resolve().parents[1] / "reports" / "readiness.schema.json"
TARGETS = ("overlay", "apiserver-vnet-integration")
VERDICT_ORDER = ("no-go", "unknown", "go", "not_applicable")


@cache
def validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def errors_of(document: dict) -> list[str]:
    return [f"{e.json_path}: {e.message[:300]}" for e in validator().iter_errors(document)]


def check_document(document: dict) -> None:
    """The schema, and what it cannot say: the fleet table is the plans that apply, no-go first, counted."""
    assert errors_of(document) == []
    plans, fleet = document["plans"], document["fleet"]
    applies = [p for p in plans if p["verdict"] != "not_applicable"]
    assert sorted(r["resource_id"] for r in fleet["rows"]) == sorted(p["resource_id"] for p in applies)
    assert [VERDICT_ORDER.index(r["verdict"]) for r in fleet["rows"]] == sorted(
        VERDICT_ORDER.index(r["verdict"]) for r in fleet["rows"])
    assert fleet["counts"] == {v: sum(p["verdict"] == v for p in plans) for v in VERDICT_ORDER}
    by_id = {p["resource_id"]: p for p in plans}
    for row in fleet["rows"]:
        assert row["blockers"] == [b["rule_id"] for b in by_id[row["resource_id"]]["blockers"]]


def readiness_json(capsys, *args: str) -> dict:
    cli.main(["readiness", *args, "--format", "json"])
    captured = capsys.readouterr()
    assert captured.out.strip(), captured.err
    return json.loads(captured.out)


# --- the schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_the_demo_documents_match_the_schema(capsys, target):
    document = readiness_json(capsys, "--demo", "--all", "--target", target)
    assert document["target"] == target and document["plans"]
    check_document(document)


def _suppressions(tmp_path: Path) -> Path:
    path = tmp_path / "accepted.yaml"
    path.write_text(textwrap.dedent("""\
        suppressions:
          - rule: MIGRATE-010
            resource: "*/aks-legacy-billing"
            reason: identity swap is part of the change
            owner: ops
            expires: "2099-12-31"
        """), encoding="utf-8")
    return path


def fixture_documents(capsys, write_json, tmp_path) -> dict[str, dict]:
    """The shapes the readiness tests build, each as the CLI prints it."""
    rows = write_json("rows.json", envelope([kubenet_cluster(), *network()]))
    clash = write_json("clash.json", envelope([kubenet_cluster(pod_cidr="10.30.0.0/16"), *network("10.30.0.0/16")]))
    avset = write_json("avset.json", envelope([kubenet_cluster(type="AvailabilitySet"), *network()]))
    full = write_json("full.json", envelope([
        cluster_row("aks-full", "overlay", pools=[pool(subnet=subnet_id("vnet-full", "snet-nodes"))]),
        vnet_row("vnet-full", ["10.70.0.0/24"], [("snet-nodes", "10.70.0.0/24")])]))
    managed = write_json("managed.json", envelope([cluster_row("aks-managed", "overlay")]))
    truncated = write_json("truncated.json", envelope([kubenet_cluster(), *network()], skip_token="next",
                                                      total_records=40))
    kube = kube_file(tmp_path)
    one = ("--cluster", "aks-move", "--target", "overlay")
    return {
        "go": readiness_json(capsys, "--input", str(rows), "--kube-input", kube, *one),
        "unknown": readiness_json(capsys, "--input", str(rows), *one),
        "proposed": readiness_json(capsys, "--input", str(clash), "--kube-input", kube, *one),
        "after_move": readiness_json(capsys, "--input", str(avset), "--kube-input", kube, *one),
        "truncated": readiness_json(capsys, "--input", str(truncated), "--kube-input", kube, *one),
        "accepted": readiness_json(capsys, "--demo", "--cluster", "aks-legacy-billing", "--target", "overlay",
                                   "--suppressions", str(_suppressions(tmp_path))),
        "slash28": readiness_json(capsys, "--demo", "--cluster", "aks-edge-dualstack",
                                  "--target", "apiserver-vnet-integration"),
        "extension": readiness_json(capsys, "--input", str(full), "--cluster", "aks-full",
                                    "--target", "apiserver-vnet-integration"),
        "managed_vnet": readiness_json(capsys, "--input", str(managed), "--all",
                                       "--target", "apiserver-vnet-integration"),
        "already_overlay": readiness_json(capsys, "--input", str(managed), "--all", "--target", "overlay"),
    }


@pytest.fixture
def fixtures(capsys, write_json, tmp_path) -> dict[str, dict]:
    return fixture_documents(capsys, write_json, tmp_path)


def test_the_test_fixtures_documents_match_the_schema(fixtures):
    for name, document in fixtures.items():
        assert errors_of(document) == [], name
        check_document(document)
    plan = {name: document["plans"][0] for name, document in fixtures.items()}
    # The fixtures cover every section and address-plan variant the schema describes.
    assert plan["go"]["verdict"] == "go" and plan["go"]["commands"]
    assert plan["unknown"]["verdict"] == "unknown" and plan["unknown"]["undecided"]
    assert plan["proposed"]["changed_by_plan"] and plan["proposed"]["address_plan"]["proposed"]["cidr"]
    assert any(b["after_move"] for b in plan["after_move"]["blockers"])
    assert plan["truncated"]["verdict"] == "unknown" and plan["truncated"]["incomplete"]
    assert fixtures["truncated"]["coverage"]["complete"] is False
    assert plan["accepted"]["accepted"][0]["owner"] == "ops"
    assert plan["slash28"]["address_plan"]["create"]["plan"]["cidr"]
    assert plan["extension"]["address_plan"]["create"]["plan"]["extension"]["cidr"]
    assert plan["managed_vnet"]["address_plan"] == {"apiserver_subnet": None, "subnet_name": None, "create": None}
    assert plan["already_overlay"]["verdict"] == "not_applicable"


def _judged(document: dict) -> dict:
    return next(p for p in document["plans"] if p["verdict"] != "not_applicable")


@pytest.mark.parametrize("break_it", [
    pytest.param(lambda d: d.pop("fleet"), id="a required key missing"),
    pytest.param(lambda d: d.update(target="cilium"), id="an unknown target"),
    pytest.param(lambda d: _judged(d).update(verdict="maybe"), id="an unknown verdict"),
    pytest.param(lambda d: _judged(d)["blockers"][0].update(severity="urgent"), id="an unknown severity"),
    pytest.param(lambda d: _judged(d)["blockers"][0].pop("remediation"), id="a blocker without remediation"),
    pytest.param(lambda d: _judged(d).update(extra=1), id="a key the schema does not know"),
    pytest.param(lambda d: _judged(d).update(address_plan={"apiserver_subnet": None, "subnet_name": None,
                                                           "create": None}),
                 id="the other target's address plan"),
    pytest.param(lambda d: _judged(d).update(commands=["az aks update"]), id="commands on a no-go plan"),
    pytest.param(lambda d: d["fleet"]["rows"][0].update(verdict="not_applicable"), id="a not-applicable row"),
    pytest.param(lambda d: d["fleet"]["counts"].pop("unknown"), id="a count missing"),
])
def test_the_schema_rejects_a_document_that_is_not_one(capsys, break_it):
    document = readiness_json(capsys, "--demo", "--all", "--target", "overlay")
    assert _judged(document)["verdict"] == "no-go" and document["fleet"]["rows"]
    broken = copy.deepcopy(document)
    break_it(broken)
    assert errors_of(broken)


# --- the page, without a browser ------------------------------------------------------------------


def test_the_page_loads_nothing_and_runs_nothing(capsys, tmp_path):
    out = tmp_path / "fleet.html"
    code = cli.main(["readiness", "--demo", "--all", "--target", "overlay", "--format", "html", "--output", str(out)])
    assert code == 1 and capsys.readouterr().out == ""
    html = out.read_text(encoding="utf-8")
    csp = unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html).group(1))
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert csp.startswith("default-src 'none'; ") and f"style-src 'sha256-{digest}';" in csp
    assert "script-src" not in csp and html.count("<style>") == 1
    assert "<script" not in html and " src=" not in html and "style=" not in html


# --- the page in Chromium -------------------------------------------------------------------------


@pytest.fixture
def page(browser):  # noqa: F811  (the fixture imported from test_html_browser)
    context = browser.new_context(java_script_enabled=True)
    tab = Tab(context.new_page())
    yield tab
    context.close()
    assert not tab.errors, tab.errors  # a CSP violation is a console error


def _open(tab: Tab, path: Path) -> Tab:
    tab.page.goto(path.resolve().as_uri())
    tab.page.wait_for_selector("#fleet")
    return tab


def _html(capsys, tmp_path: Path, *args: str) -> tuple[Path, dict]:
    out = tmp_path / "readiness.html"
    cli.main(["readiness", *args, "--format", "html", "--output", str(out)])
    capsys.readouterr()
    return out, readiness_json(capsys, *args)


@pytest.mark.parametrize("target", TARGETS)
def test_the_demo_fleet_page_lists_no_go_first_and_every_plan(page, capsys, tmp_path, target):
    html, document = _html(capsys, tmp_path, "--demo", "--all", "--target", target)
    _open(page, html)
    rows = page.page.eval_on_selector_all("#fleet-table tr.fleet-row", """rows => rows.map(r => ({
        verdict: r.dataset.verdict, cluster: r.querySelector('.cluster').textContent,
        href: r.querySelector('.cluster a').getAttribute('href'),
        blockers: r.querySelector('.blockers').textContent}))""")
    applies = [p for p in document["plans"] if p["verdict"] != "not_applicable"]
    assert [r["cluster"] for r in rows] == [r["cluster"] for r in document["fleet"]["rows"]]
    ranks = [VERDICT_ORDER.index(r["verdict"]) for r in rows]
    assert ranks == sorted(ranks) and rows[0]["verdict"] == "no-go"
    for row, wanted in zip(rows, document["fleet"]["rows"], strict=True):
        assert row["blockers"] == ", ".join(wanted["blockers"])
    # Not-applicable clusters are counted, not listed.
    not_applicable = document["fleet"]["counts"]["not_applicable"]
    assert page.page.inner_text("#counts li[data-verdict=not_applicable] b") == str(not_applicable)
    listed = {r["cluster"] for r in rows}
    assert not listed & {p["cluster"] for p in document["plans"] if p["verdict"] == "not_applicable"}
    # Each plan that applies is on the page, and the table links to it.
    articles = page.page.eval_on_selector_all("article.plan", """plans => plans.map(p => ({
        id: p.id, verdict: p.dataset.verdict, cluster: p.querySelector('.cluster-name').textContent,
        blockers: [...p.querySelectorAll('.blockers > li')].map(li => li.dataset.rule),
        commands: p.querySelector('pre.commands') ? p.querySelector('pre.commands').textContent : null}))""")
    assert sorted(a["cluster"] for a in articles) == sorted(p["cluster"] for p in applies)
    by_cluster = {p["cluster"]: p for p in applies}
    for article in articles:
        plan = by_cluster[article["cluster"]]
        assert article["verdict"] == plan["verdict"]
        assert article["blockers"] == [b["rule_id"] for b in plan["blockers"]]
        assert article["commands"] == ("\n".join(plan["commands"]) if plan["commands"] else None)
    assert {r["href"] for r in rows} == {f"#{a['id']}" for a in articles}
    first = next(p for p in applies if p["blockers"])
    text = page.page.inner_text(f"article.plan:has(.cluster-name:text-is('{first['cluster']}'))")
    assert first["blockers"][0]["message"] in text
    if target == "apiserver-vnet-integration":
        assert page.page.locator("pre.create-commands").count() >= 1


def test_a_go_plan_shows_its_command_and_an_accepted_blocker_its_reason(page, capsys, tmp_path):
    html, document = _html(capsys, tmp_path, "--demo", "--cluster", "aks-legacy-billing", "--target", "overlay",
                           "--suppressions", str(_suppressions(tmp_path)))
    plan = document["plans"][0]
    assert plan["verdict"] == "go"
    _open(page, html)
    assert page.page.inner_text("pre.commands") == "\n".join(plan["commands"])
    accepted = page.page.inner_text(".accepted li[data-rule='MIGRATE-010'] .why")
    assert "identity swap is part of the change" in accepted and "ops" in accepted


def test_hostile_names_render_as_text_and_never_run(page, capsys, tmp_path, write_json):
    vnet = "vnet-x"
    rows = [cluster_row(P_SCRIPT, "kubenet", pools=[pool(subnet=subnet_id(vnet, P_IMG))], networkPolicy="none"),
            cluster_row(P_CLOSE, "azure", rg="rg-two", pools=[pool(subnet=subnet_id(vnet, P_IMG))]),
            vnet_row(vnet, ["10.30.0.0/16"], [(P_IMG, "10.30.0.0/24")])]
    source = write_json("hostile.json", envelope(rows))
    out = tmp_path / "hostile.html"
    cli.main(["readiness", "--input", str(source), "--all", "--target", "overlay", "--format", "html",
              "--output", str(out)])
    capsys.readouterr()
    html = out.read_text(encoding="utf-8")
    assert "<img" not in html and "<script>" not in html
    tab = _open(page, out)
    assert tab.dialogs == []
    assert tab.page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.page.evaluate("document.querySelectorAll('img, script').length") == 0
    assert sorted(tab.page.locator("#fleet-table .cluster").all_inner_texts()) == sorted([P_SCRIPT, P_CLOSE])
    assert sorted(tab.page.locator("article .cluster-name").all_inner_texts()) == sorted([P_SCRIPT, P_CLOSE])
    assert P_IMG in tab.page.inner_text("#plans")  # the subnet's name, in messages, evidence and commands


def test_render_html_escapes_every_value_it_is_given():
    """Straight from a document (no tenant can spell these), every field a person reads is escaped."""
    document = _minimal_document()
    html = render_html(document)
    assert "<x-evil>" not in html and html.count("&lt;x-evil&gt;") >= 20
    assert 'href="javascript:' not in html  # references are linked only when https://


def _minimal_document() -> dict:
    evil = "<x-evil>x</x-evil>"
    entry = {"rule_id": "MIGRATE-003", "title": evil, "severity": "high", "status": "fail", "message": evil,
             "evidence": {"k": evil}, "remediation": evil, "references": ["javascript:alert(1)", "https://e/" + evil],
             "after_move": False}
    plan = {"cluster": evil, "resource_id": "/subscriptions/s/x/" + evil, "resource_group": evil,
            "subscription_id": evil, "verdict": "no-go", "reason": None, "blockers": [entry],
            "accepted": [{**entry, "reason": evil, "owner": evil, "expires": None, "entry": 0}],
            "undecided": [], "warnings": [entry], "passed": [{"rule_id": "LB-001", "title": evil, "after_move": True}],
            "changed_by_plan": [{**{k: v for k, v in entry.items() if k != "after_move"}, "now": "pass"}],
            "failing_today": [], "incomplete": [evil],
            "address_plan": {"pod_cidr": evil, "source": "target_pod_cidr",
                             "proposed": {"cidr": evil, "prefix_length": 16, "needed_24s": 2,
                                          "checked_against": [evil], "searched": [evil], "reason": None}},
            "commands": []}
    document = {
        "schema_version": "1", "tool": {"name": "aks-netaudit", "version": "0.1.0"}, "target": "overlay",
        "scan": {"id": "00000000-0000-0000-0000-000000000000", "started": "2026-01-01T00:00:00Z",
                 "finished": "2026-01-01T00:00:00Z", "collected": None, "source": "offline", "cloud": "AzureCloud",
                 "rule_pack": {"version": "1", "sha256": "0" * 64}},
        "coverage": {"complete": False, "errors": [{"source": evil, "message": evil, "scope": evil}],
                     "warnings": [{"source": evil, "message": evil}]},
        "plans": [plan],
        "fleet": {"counts": {"no-go": 1, "unknown": 0, "go": 0, "not_applicable": 0},
                  "rows": [{"cluster": evil, "resource_id": plan["resource_id"], "subscription_id": evil,
                            "verdict": "no-go", "blockers": ["MIGRATE-003"], "pod_cidr": evil,
                            "apiserver_subnet": None}]},
    }
    assert errors_of(document) == []
    return document
