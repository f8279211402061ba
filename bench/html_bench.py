"""Benchmark of the HTML report at scale (not a test): build a 100,000-finding report, open it in Chromium.

Findings are made from the demo scan's own findings (every rule, real messages, evidence and
remediation), copied onto synthetic clusters spread over 20 subscriptions, so their sizes and the
share of repeated text are those of a real report. Prints the HTML size, the time Python takes to
render it, the time Chromium takes to open it (navigation to the first rows rendered) and the time
each filter takes (the event to the next frame). Run: `.venv/bin/python bench/html_bench.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reports import build_report, write_reports  # noqa: E402
from reports.html_report import render_html  # noqa: E402
from scanner import cli  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SUBSCRIPTIONS = [f"{i:08x}-1111-4222-8333-{i:012x}" for i in range(1, 21)]

# (label, JavaScript run in the page: changes the filters; the time is measured to the next frame)
FILTERS = [
    ("status = fail", "q('#f-status input').forEach(b => { b.checked = b.value === 'fail'; });"
                      " fire('#f-status input')"),
    ("+ severity = critical", "q('#f-severity input').forEach(b => { b.checked = b.value === 'critical'; });"
                              " fire('#f-severity input')"),
    ("all again (reset)", "document.getElementById('reset').click()"),
    ("cluster = one of 1,516", "const s = document.querySelector('select[name=cluster]'); s.selectedIndex = 500;"
                               " s.dispatchEvent(new Event('input', {bubbles: true}))"),
    ("reset", "document.getElementById('reset').click()"),
    ("search 'nsg' (first search)", "const i = document.querySelector('input[name=q]'); i.value = 'nsg';"
                                    " i.dispatchEvent(new Event('change', {bubbles: true}))"),
    ("search 'denyall'", "const i = document.querySelector('input[name=q]'); i.value = 'denyall';"
                         " i.dispatchEvent(new Event('change', {bubbles: true}))"),
    ("reset", "document.getElementById('reset').click()"),
    ("sort by cluster (first)", "const s = document.querySelector('select[name=sort]'); s.value = 'cluster';"
                                " s.dispatchEvent(new Event('input', {bubbles: true}))"),
    ("next page", "document.getElementById('next').click()"),
    ("cluster view (hash)", "location.hash = '#view=cluster:'"
                            " + encodeURIComponent(document.querySelector('#list .c-cluster').textContent)"),
]


def demo_report(tmp: Path) -> dict:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        cli.main(["scan", "--demo", "--profile", "all", "--output-dir", str(tmp / "demo")])
    return json.loads((tmp / "demo" / "report.json").read_text(encoding="utf-8"))


def synthetic_report(demo: dict, count: int) -> dict:
    by_rule: dict[str, list[dict]] = {}
    for finding in demo["findings"]:
        by_rule.setdefault(finding["rule_id"], []).append(finding)
    templates = {rule: [json.dumps(f) for f in findings] for rule, findings in by_rule.items()}
    rules = sorted(templates)
    findings: list[dict] = []
    k = 0
    while len(findings) < count:
        sub = SUBSCRIPTIONS[k % len(SUBSCRIPTIONS)]
        name, rg = f"aks-{['weu', 'neu', 'eus'][k % 3]}-{k:05d}", f"rg-app-{k:05d}"
        for rule in rules:
            if len(findings) >= count:
                break
            text = templates[rule][k % len(templates[rule])]
            source = json.loads(text)
            old_sub, old_rg = source["resource_id"].split("/")[2], source["resource_id"].split("/")[4]
            text = text.replace(source["cluster"], name).replace(old_sub, sub).replace(old_rg, rg)
            finding = json.loads(text)
            finding["fingerprint"] = hashlib.sha256(f"{rule}|{finding['resource_id'].lower()}".encode()).hexdigest()
            findings.append(finding)
        k += 1
    scan = dict(demo["scan"], scope={"subscriptions": SUBSCRIPTIONS})
    coverage = dict(demo["coverage"], clusters=k, subscriptions=SUBSCRIPTIONS)
    return build_report(findings, scan, coverage, demo["tool"]["version"], demo["rules"])


def measure(html_path: Path, opens: int) -> tuple[list[float], list[float], list[tuple[str, float, int]]]:
    from playwright.sync_api import sync_playwright

    wall, in_page, filters = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for attempt in range(opens):
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            started = time.perf_counter()
            page.goto(html_path.as_uri(), timeout=120_000)
            page.wait_for_selector("#app[data-ready='1'] #list tr.finding", timeout=120_000)
            wall.append((time.perf_counter() - started) * 1000)
            in_page.append(float(page.get_attribute("#app", "data-ready-at")))
            if attempt == opens - 1:
                for label, action in FILTERS:
                    elapsed = _run(page, action)
                    filters.append((label, elapsed, int(page.get_attribute("#match-count", "data-count"))))
            page.context.close()
        browser.close()
    return wall, in_page, filters


def _run(page, action: str) -> float:
    # The page's CSP forbids eval, so the action is wrapped in a function Playwright calls directly.
    return page.evaluate(f"""() => new Promise(resolve => {{
        const q = s => document.querySelectorAll(s);
        const fire = s => q(s)[0].dispatchEvent(new Event('input', {{bubbles: true}}));
        const t0 = performance.now();
        {action};
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
    }})""")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--opens", type=int, default=3, help="times the page is opened (median reported)")
    parser.add_argument("--keep", type=Path, help="write the report set here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        report = synthetic_report(demo_report(tmp), args.findings)
        print(f"built {len(report['findings']):,} findings on {report['coverage']['clusters']:,} clusters "
              f"in {time.perf_counter() - started:.1f} s")
        out = args.keep or tmp / "out"
        write_reports(report, out, ["json", "html"])
        contract = json.loads((out / "report.json").read_text(encoding="utf-8"))
        started = time.perf_counter()
        render_html(contract)
        render_s = time.perf_counter() - started
        html_path = (out / "report.html").resolve()
        print(f"report.json {((out / 'report.json').stat().st_size) / 1e6:.1f} MB; "
              f"report.html {html_path.stat().st_size / 1e6:.1f} MB; render_html {render_s:.2f} s")
        wall, in_page, filters = measure(html_path, args.opens)
        print(f"open (navigation to first rows rendered, median of {args.opens}): "
              f"{statistics.median(in_page):.0f} ms in the page, {statistics.median(wall):.0f} ms wall "
              f"(all: {', '.join(f'{v:.0f}' for v in in_page)} ms)")
        for label, elapsed, count in filters:
            print(f"  {label:<30} {elapsed:7.0f} ms  -> {count:,} match")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
