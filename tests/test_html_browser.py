"""The HTML report in a real browser: Debian's chromium driven by Playwright (no downloaded browser).

Reports are written to tmp_path and opened as file:// URLs, as a reader opens them. Under CI=true a
missing browser fails these tests; elsewhere they skip and say why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from azure_rows import cluster_row, envelope, pool, subnet_id, vnet_row
from test_reports import make_coverage, make_finding, make_scan, rule_entry

from reports import build_report, validate_report, write_reports
from scanner import cli

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SUB_A = "00000000-0000-0000-0000-00000000000a"
SUB_B = "00000000-0000-0000-0000-00000000000b"
RULES = [("APISRV-001", "critical", "api-server-vnet-integration"),
         ("APISRV-007", "critical", "api-server-vnet-integration"),
         ("IPAM-001", "high", "ip-address-management"), ("IPAM-002", "high", "ip-address-management"),
         ("EXPOSE-001", "high", "exposure"), ("LB-001", "medium", "load-balancing"), ("EGRESS-001", "low", "egress"),
         ("IDENT-001", "info", "identity")]
STATUS_CYCLE = ["pass", "fail", "not_applicable", "pass", "error", "fail", "suppressed"]

P_SCRIPT = "<script>alert(1)</script>"
P_IMG = '"><img src=x onerror=alert(1)>'
P_CLOSE = "</script><script>window.__pwned=1</script>"
PAYLOAD = P_SCRIPT + P_IMG + P_CLOSE


def browser_unavailable(chromium: str = CHROMIUM) -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e '.[test]')"
    if not (Path(chromium).is_file() and os.access(chromium, os.X_OK)):
        return f"{chromium} is not installed (apt-get install chromium)"
    return None


def require_browser(reason: str | None) -> None:
    """Skip for a missing browser, except under CI=true, where it fails: CI must run these tests."""
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium (Debian's, never a downloaded one) for the module."""
    require_browser(browser_unavailable())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Tab:
    """A page that records dialogs (dismissed) and script errors."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, html_path: Path, fragment: str = "") -> Tab:
        self.page.goto(html_path.resolve().as_uri() + fragment)
        self.page.wait_for_selector("#app[data-ready='1']")
        return self

    def go(self, fragment: str) -> Tab:
        self.page.evaluate("hash => { location.hash = hash; }", fragment)
        self.page.wait_for_function("hash => location.hash === hash", arg=fragment)
        self.page.wait_for_timeout(50)
        return self

    def count(self) -> int:
        return int(self.page.get_attribute("#match-count", "data-count"))

    def rows(self) -> list[dict]:
        return self.page.eval_on_selector_all("#list tr.finding", """rows => rows.map(r => ({
            fp: r.dataset.fp, status: r.dataset.status, severity: r.dataset.severity,
            rule: r.querySelector('.c-rule a').textContent, cluster: r.querySelector('.c-cluster').textContent}))""")

    def fragment(self) -> str:
        return self.page.evaluate("location.hash")


@pytest.fixture
def tab(browser):
    context = browser.new_context()
    page = context.new_page()
    wrapper = Tab(page)
    yield wrapper
    context.close()
    assert not wrapper.errors, wrapper.errors


def big_report() -> dict:
    """14 clusters in two subscriptions × 8 rules: 112 findings (more than a page) of every status and severity."""
    findings = []
    for c in range(14):
        sub = SUB_A if c < 7 else SUB_B
        provider = "Microsoft.ContainerService/managedClusters"
        resource_id = f"/subscriptions/{sub}/resourceGroups/rg/providers/{provider}/aks-{c}"
        for r, (rule_id, severity, category) in enumerate(RULES):
            status = STATUS_CYCLE[(c + r) % len(STATUS_CYCLE)]
            finding = make_finding(
                rule_id, f"aks-{c}", severity=severity, category=category, status=status, resource_id=resource_id,
                resource_name=f"aks-{c}", subscription_id=sub, title=f"{rule_id} title",
                message=f"{rule_id} on aks-{c}: {status}", evidence={"subnet": f"snet-{c}", "nsg": f"nsg-{c}-{r}"},
                remediation=f"Fix {rule_id} on aks-{c}:\n  az network nsg rule create -g rg --nsg-name nsg-{c}-{r} \\\n"
                            f"    -n Allow{r} --priority 100\nThen re-scan.",
            )
            finding["cluster"] = f"aks-{c}"
            finding["fingerprint"] = hashlib.sha256(f"{rule_id}|{resource_id.lower()}".encode()).hexdigest()
            if status == "suppressed":
                finding["suppression"] = {"reason": "accepted until the migration", "entry": 0, "status": "fail"}
            if status == "fail" and c % 3 == 0:
                finding["baseline"] = "new"
            elif status == "fail":
                finding["baseline"] = "still_failing"
            findings.append(finding)
    findings[5]["message"] = "the needle-7f3a is in here"
    rules = []
    for rule_id, severity, category in RULES:
        entry = rule_entry(rule_id)
        entry.update(severity=severity, category=category, title=f"{rule_id} title",
                     description=f"Why {rule_id} matters.", fix=f"How to fix {rule_id}.")
        rules.append(entry)
    scan = make_scan()
    scan["scope"] = {"subscriptions": [SUB_A, SUB_B]}
    report = build_report(findings, scan, make_coverage(), "0.1.0", rules)
    validate_report(report)
    return report


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("big")
    report = big_report()
    write_reports(report, out, ["json", "html"])
    return out / "report.html", json.loads((out / "report.json").read_text(encoding="utf-8"))


def expected(report: dict, **where) -> list[dict]:
    def keep(f):
        return all(f.get(key) in (value if isinstance(value, tuple) else (value,)) for key, value in where.items())
    return [f for f in report["findings"] if keep(f)]


# --- filters, search, views ------------------------------------------------------------------------


def test_opens_with_every_finding_counted_and_one_page_of_rows(tab, big):
    html, report = big
    tab.open(html)
    assert tab.count() == len(report["findings"])
    rows = tab.rows()
    assert len(rows) == 100  # a page, not every finding
    statuses = [row["status"] for row in rows]
    first_other = next(i for i, s in enumerate(statuses) if s not in ("fail", "error"))
    assert all(s not in ("fail", "error") for s in statuses[first_other:])  # failures and errors first
    assert tab.page.inner_text("#scan-id") == report["scan"]["id"]


def test_status_and_severity_filters_change_the_rows(tab, big):
    html, report = big
    tab.open(html)
    tab.page.uncheck("#f-status input[value=pass]")
    tab.page.uncheck("#f-status input[value=not_applicable]")
    tab.page.uncheck("#f-status input[value=suppressed]")
    want = expected(report, status=("fail", "error"))
    assert tab.count() == len(want)
    assert {row["fp"] for row in tab.rows()} == {f["fingerprint"] for f in want}
    tab.page.uncheck("#f-severity input[value=high]")
    want = expected(report, status=("fail", "error"), severity=("critical", "medium", "low", "info"))
    assert tab.count() == len(want) and {row["fp"] for row in tab.rows()} == {f["fingerprint"] for f in want}
    assert "status=fail,error" in tab.fragment() and "severity=critical,medium,low,info" in tab.fragment()


@pytest.mark.parametrize(("select", "value", "field"), [
    ("category", "ip-address-management", "category"),
    ("sub", SUB_B, "subscription_id"),
    ("cluster", "aks-3", "cluster"),
    ("rule", "EXPOSE-001", "rule_id"),
])
def test_select_filters_change_the_rows(tab, big, select, value, field):
    html, report = big
    tab.open(html)
    tab.page.select_option(f"#filters select[name={select}]", value)
    want = expected(report, **{field: value})
    assert tab.count() == len(want)
    assert {row["fp"] for row in tab.rows()} == {f["fingerprint"] for f in want}


def test_search_finds_a_finding_by_message_and_by_evidence(tab, big):
    html, report = big
    tab.open(html)
    tab.page.fill("#filters input[name=q]", "NEEDLE-7f3a")
    tab.page.wait_for_function("() => document.getElementById('match-count').dataset.count === '1'")
    (row,) = tab.rows()
    assert row["fp"] == report["findings"][[f["message"] for f in report["findings"]].index(
        "the needle-7f3a is in here")]["fingerprint"]
    tab.page.fill("#filters input[name=q]", "nsg-4-2")  # only in evidence and remediation
    tab.page.wait_for_function("() => location.hash.indexOf('q=nsg-4-2') >= 0")
    assert tab.count() == 1
    assert tab.rows()[0]["cluster"] == "aks-4"
    assert "q=nsg-4-2" in tab.fragment()


def test_cluster_view_shows_only_that_cluster(tab, big):
    html, report = big
    tab.open(html, "#view=cluster:aks-7")
    assert tab.page.inner_text(".cluster-view .name") == "aks-7"
    assert tab.count() == len(expected(report, cluster="aks-7")) == len(RULES)
    assert {row["cluster"] for row in tab.rows()} == {"aks-7"}
    tab.page.click("#tabs a[data-view=clusters]")
    tab.page.wait_for_selector("#list tr.cluster")
    tab.page.click("#list tr.cluster a >> text=aks-2")
    tab.page.wait_for_selector(".cluster-view[data-cluster='aks-2']")
    assert {row["cluster"] for row in tab.rows()} == {"aks-2"}


def test_rule_view_shows_the_rules_text_and_only_its_findings(tab, big):
    html, report = big
    tab.open(html, "#view=rule:LB-001")
    view = tab.page.inner_text(".rule-view")
    assert "LB-001 title" in view and "Why LB-001 matters." in view and "How to fix LB-001." in view
    assert tab.page.get_attribute(".rule-view .references a", "href") == "https://learn.microsoft.com/azure/aks/"
    assert {row["rule"] for row in tab.rows()} == {"LB-001"} and tab.count() == len(expected(report, rule_id="LB-001"))


def test_the_url_fragment_restores_a_view(tab, big):
    html, report = big
    fragment = "#status=fail&severity=critical&q=aks-1&view=cluster:aks-1"
    tab.open(html, fragment)
    want = expected(report, status="fail", severity="critical", cluster="aks-1")
    assert want and tab.count() == len(want)
    assert {row["fp"] for row in tab.rows()} == {f["fingerprint"] for f in want}
    assert tab.page.is_checked("#f-status input[value=fail]") and not tab.page.is_checked("#f-status input[value=pass]")
    assert tab.page.input_value("#filters input[name=q]") == "aks-1"
    # The view's own link opens the same view in a fresh tab.
    link = tab.page.get_attribute("#permalink", "href")
    tab.page.goto("about:blank")
    tab.open(html, link)
    assert tab.count() == len(want)
    # A hash change (a link followed) moves to that view.
    tab.go("#severity=low")
    assert tab.count() == len(expected(report, severity="low"))


def test_pages_of_rows(tab, big):
    html, report = big
    tab.open(html, "#sort=severity")
    first = tab.rows()
    tab.page.click("#next")
    second = tab.rows()
    assert len(first) == 100 and len(second) == len(report["findings"]) - 100
    assert [r["fp"] for r in first + second] == [f["fingerprint"] for f in report["findings"]]
    assert "page=2" in tab.fragment()


def test_expanding_a_finding_shows_message_evidence_remediation_and_references(tab, big):
    html, report = big
    tab.open(html, "#rule=APISRV-007&cluster=aks-0")
    finding = expected(report, rule_id="APISRV-007", cluster="aks-0")[0]
    tab.page.click("#list tr.finding button.toggle")
    detail = tab.page.locator("#list tr.detail-row")
    assert detail.locator("pre.remediation").inner_text() == finding["remediation"]
    assert detail.locator(".message").inner_text() == finding["message"]
    assert "nsg: nsg-0-1" in detail.locator(".evidence").inner_text()
    assert detail.locator(".references a").get_attribute("href") == finding["references"][0]
    assert detail.locator("button.copy").first.inner_text() == "Copy az commands"
    tab.page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    detail.locator("button.copy").first.click()
    copied = tab.page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("az network nsg rule create -g rg --nsg-name nsg-0-1 \\\n") and "Then" not in copied


def test_new_since_baseline_badges_and_filter(tab, big):
    html, report = big
    tab.open(html, "#new=1")
    want = expected(report, baseline="new")
    assert want and tab.count() == len(want)
    assert tab.page.locator("#list tr.finding .badge.new").count() == len(want)
    assert tab.page.is_visible("#f-new")


def test_a_report_without_baseline_hides_the_new_filter(tab, tmp_path):
    write_reports(build_report([make_finding()], make_scan(), make_coverage(), "0.1.0", [rule_entry("APISRV-007")]),
                  tmp_path, ["json", "html"])
    tab.open(tmp_path / "report.html")
    assert not tab.page.is_visible("#f-new") and tab.count() == 1


def test_unknown_values_in_the_fragment_match_nothing_and_say_so(tab, big):
    html, _ = big
    tab.open(html, "#view=cluster:nope")
    assert "No cluster nope" in tab.page.inner_text("#view-head") and tab.count() == 0


def test_only_https_references_are_links(tab, tmp_path):
    finding = make_finding(references=["javascript:alert(1)", "http://example.com/x", "https://learn.microsoft.com/a"])
    report = build_report([finding], make_scan(), make_coverage(), "0.1.0", [rule_entry("APISRV-007")])
    write_reports(report, tmp_path, ["json", "html"])
    tab.open(tmp_path / "report.html")
    tab.page.click("#list tr.finding button.toggle")
    links = tab.page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))")
    assert "https://learn.microsoft.com/a" in links
    assert not [href for href in links if not href.startswith(("#", "https://"))], links
    assert "javascript:alert(1)" in tab.page.inner_text("#list .references")


# --- hostile data ------------------------------------------------------------------------------------


def assert_inert(tab: Tab) -> None:
    assert tab.dialogs == []
    assert tab.page.evaluate("typeof window.__pwned") == "undefined"
    assert tab.page.locator("img").count() == 0
    assert tab.page.evaluate("document.scripts.length") == 2  # the data block and our script


@pytest.fixture
def scanned_payloads(tmp_path) -> Path:
    """A scan of rows whose cluster name, subnet name and tags are payloads."""
    cluster = cluster_row("aks-evil", plugin="azure", pools=[pool(subnet=subnet_id("vnet-evil", "snet-evil"))])
    cluster["name"] = PAYLOAD
    cluster["tags"] = {"owner": PAYLOAD, P_IMG: P_CLOSE}
    vnet = vnet_row("vnet-evil", ["10.0.0.0/16"], [("snet-evil", "10.0.0.0/22")])
    vnet["properties"]["subnets"][0]["name"] = "snet-" + PAYLOAD
    rows = tmp_path / "rows.json"
    rows.write_text(json.dumps(envelope([cluster, vnet])), encoding="utf-8")
    out = tmp_path / "out"
    assert cli.main(["scan", "--input", str(rows), "--profile", "all", "--output-dir", str(out)]) in (0, 1, 2)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    validate_report(report)
    assert {f["cluster"] for f in report["findings"]} == {PAYLOAD}
    subnet_name = json.dumps("snet-" + PAYLOAD)
    assert any(subnet_name in json.dumps(f["evidence"]) for f in report["findings"])
    return out / "report.html"


def test_payloads_in_a_scanned_cluster_name_and_subnet_name_do_not_run(tab, scanned_payloads):
    html = scanned_payloads.read_text(encoding="utf-8")
    for payload in (P_SCRIPT, P_IMG, P_CLOSE):
        assert payload not in html
    tab.open(scanned_payloads)
    assert_inert(tab)
    assert tab.rows()[0]["cluster"] == PAYLOAD  # rendered as text
    assert PAYLOAD in tab.page.inner_text("#top-clusters")
    # Every finding expanded: its evidence (the subnet name) is rendered, still as text.
    tab.page.select_option("#filters select[name=rule]", "APIMIG-001")
    tab.page.click("#list tr.finding button.toggle")
    assert "snet-" + PAYLOAD in tab.page.inner_text("#list .evidence")
    tab.go("#view=cluster:" + quote(PAYLOAD, safe=""))
    assert tab.page.inner_text(".cluster-view .name") == PAYLOAD
    tab.page.fill("#filters input[name=q]", "onerror")
    tab.page.wait_for_function("() => document.getElementById('match-count').dataset.count !== '0'")
    for button in tab.page.locator("#list tr.finding button.toggle").all():
        button.click()
    assert_inert(tab)


def test_payloads_in_tags_evidence_and_rule_text_do_not_run(tab, tmp_path):
    finding = make_finding(
        "APISRV-007", "aks1", resource_name=PAYLOAD, message=f"tag owner={PAYLOAD}",
        evidence={"tags": {"owner": PAYLOAD, P_IMG: P_CLOSE}, "subnet": PAYLOAD, PAYLOAD: [PAYLOAD, {P_IMG: None}]},
        remediation=f"az tag update --tags owner='{PAYLOAD}'", references=[PAYLOAD, "https://x.test/" + P_IMG],
        status="suppressed", suppression={"reason": PAYLOAD, "owner": P_IMG, "expires": None, "entry": 0,
                                          "status": "fail"}, baseline="new")
    finding["cluster"] = PAYLOAD
    rule = rule_entry("APISRV-007")
    rule.update(title=PAYLOAD, description=PAYLOAD, fix=PAYLOAD, references=[PAYLOAD])
    cov = make_coverage(complete=False, errors=[{"source": PAYLOAD, "message": PAYLOAD}],
                        warnings=[{"source": P_IMG, "message": P_CLOSE}])
    report = build_report([finding], make_scan(), cov, "0.1.0", [rule])
    validate_report(report)
    write_reports(report, tmp_path, ["json", "html"])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<img|onerror=alert\(1\)>|<script>alert", html)
    tab.open(tmp_path / "report.html")
    tab.page.click("#list tr.finding button.toggle")
    detail = tab.page.inner_text("#list tr.detail-row")
    assert detail.count(PAYLOAD) >= 3 and "az tag update" in detail
    tab.go("#view=rule:APISRV-007")
    assert tab.page.inner_text(".rule-view .title") == PAYLOAD
    tab.go("#view=rules")
    tab.go("#view=clusters")
    assert PAYLOAD in tab.page.inner_text("#list")
    assert PAYLOAD in tab.page.inner_text("#coverage-band")
    assert_inert(tab)


def test_a_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    reason = browser_unavailable(str(tmp_path / "no-chromium"))
    assert reason and "no-chromium is not installed" in reason
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true and the browser tests cannot run"):
        require_browser(reason)
    require_browser(None)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no-chromium"):
        require_browser(reason)
