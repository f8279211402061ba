"""The live path at scale, against the loopback fake Resource Manager (bench/fake_arm.py).

    .venv/bin/python bench/live.py                                    # 2,000 subscriptions, ~20,000 rows
    .venv/bin/python bench/live.py --subscriptions 500 --row-count 5000 --every-5xx 0 --every-429 0
    .venv/bin/python bench/live.py --rows tenant.json --subscriptions 2000   # rows of your own (an az envelope)

Runs `aks-netaudit scan --arm-endpoint <fake> --credential cli --profile all --format json` as a
subprocess, with `REQUESTS_CA_BUNDLE` set to the fake's throw-away CA and a stand-in `az` on PATH that
prints a token. Rows: `--rows FILE`, else `generate_rows` of bench/generate.py at `--size` when
`--source generate` is asked and that module is there, else copies of the demo tenant (bench/demo_rows.py)
spread over the subscriptions. Prints what the server served (requests, pages, rows, 429s, 5xx), the retries the scan
counted and the wall time, then checks, exiting 1 if one fails:

- every query's requests in the scan's coverage = Σ over batches of 1,000 subscriptions of
  max(1, ⌈rows of the batch / 1000⌉) + its retries, and the scope's = its pages + its retries;
- every request the server received is one the scan counted;
- no request arrived with the quota spent (the scan paced itself by the quota headers);
- every row served was received: each query's rows in coverage = the rows the server served for it
  = the rows its batches select.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for folder in (str(HERE), str(ROOT)):
    if folder not in sys.path:
        sys.path.insert(0, folder)

try:
    import azure.core  # noqa: F401 - the scanner's dependencies, to run expected()
    import cryptography  # noqa: F401
except ImportError:  # a Python without the project's dependencies: run again with the venv's
    VENV = ROOT / ".venv" / "bin" / "python"
    if VENV.exists() and Path(sys.prefix).resolve() != VENV.parent.parent.resolve():
        os.execv(str(VENV), [str(VENV), __file__, *sys.argv[1:]])
    raise SystemExit("bench/live.py needs the project's dependencies: .venv/bin/python bench/live.py") from None

from demo_rows import copies_for, demo_copies, subscription_ids  # noqa: E402
from fake_arm import FakeArm, Faults, parse_query  # noqa: E402

BATCH = 1000  # subscriptions a Resource Graph request (scanner.collect.graph.MAX_BATCH)
TOP = 1000  # rows a page the scanner asks for (scanner.collect.graph.PAGE_SIZE)


def stand_in_az(folder: Path) -> Path:
    """An `az` that prints a token the way `az account get-access-token -o json` does."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "az"
    token = {"accessToken": "test-token", "expires_on": int(time.time()) + 3600,
             "expiresOn": "2099-01-01 00:00:00.000000", "subscription": "00000000-0000-0000-0000-000000000000",
             "tenant": "9b2e4f61-3c8a-4d7e-b5a0-6f1c2d3e4a5b", "tokenType": "Bearer"}
    script.write_text(f"#!/bin/sh\necho '{json.dumps(token)}'\n", encoding="utf-8")
    script.chmod(0o755)
    return script


def _rows_of(document: object) -> list[dict]:
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        return document["data"]
    if isinstance(document, dict) and isinstance(document.get("rows"), list):
        return document["rows"]
    if isinstance(document, list):
        return document
    if isinstance(document, tuple) and document:
        return _rows_of(document[0])
    raise SystemExit("--rows: expected an az envelope ({\"data\": [...]}) or a list of rows")


def _generated(subscriptions: int, size: str) -> list[dict] | None:
    """bench/generate.py's synthetic tenant at `--size` (its counts, over `--subscriptions`), if it is there."""
    try:
        import generate  # bench/generate.py, when it exists
        counts = {**generate.sized(size), "subscriptions": subscriptions}
        accepts = inspect.signature(generate.generate_rows).parameters
        return _rows_of(generate.generate_rows(**{k: v for k, v in counts.items() if k in accepts}))
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        print(f"bench/generate.py not usable ({exc}): using copies of the demo tenant", file=sys.stderr)
        return None


def tenant(args: argparse.Namespace) -> tuple[list[dict], list[str], str]:
    """(rows, subscription ids in the order the Subscriptions API lists them, where the rows came from)."""
    rows, source = None, ""
    if args.rows:
        rows, source = _rows_of(json.loads(Path(args.rows).read_text(encoding="utf-8"))), str(args.rows)
    elif args.source == "generate":
        rows, source = _generated(args.subscriptions, args.size), f"bench/generate.py at --size {args.size}"
    if rows is not None:
        seen = [s for s in dict.fromkeys(str(r.get("subscriptionId") or "").lower() for r in rows
                                         if isinstance(r, dict)) if s]
        extra = [s for s in subscription_ids(args.subscriptions) if s not in set(seen)]
        return rows, seen + extra[:max(0, args.subscriptions - len(seen))], source
    subs = subscription_ids(args.subscriptions)
    copies = copies_for(args.row_count)
    return demo_copies(copies, subs), subs, f"{copies} copies of the demo tenant"


def scan_command() -> list[str]:
    script = Path(sys.executable).parent / "aks-netaudit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "scanner"]


def expected(fake: FakeArm, subscriptions: list[str], page_size: int, subscription_page_size: int) -> dict:
    """What the scan must record, computed from the rows: per query its pages and rows; the scope's pages."""
    from scanner.collect.graph import load_queries

    top = min(TOP, page_size)
    batches = [subscriptions[i:i + BATCH] for i in range(0, len(subscriptions), BATCH)]
    result = {"scope": {"pages": max(1, math.ceil(len(subscriptions) / subscription_page_size)),
                        "rows": len(subscriptions), "table": "subscriptions"}}
    for query in load_queries():
        table, types = parse_query(query.kql)
        sizes = [len(fake.select(table, types, batch, query.options.get("authorizationScopeFilter")))
                 for batch in batches]
        result[query.name] = {"pages": sum(max(1, math.ceil(n / top)) for n in sizes), "rows": sum(sizes),
                              "table": table, "batches": len(batches)}
    return result


def check(report: dict, stats: dict, want: dict, code: int) -> list[tuple[str, bool, str]]:
    coverage = {entry["name"]: entry for entry in report["coverage"]["queries"]}
    results = [("the scan exited 0 with complete coverage", code == 0 and report["coverage"]["complete"],
                f"exit {code}, errors {report['coverage']['errors'][:3]}")]
    for name, wanted in want.items():
        got = coverage.get(name)
        if got is None:
            results.append((f"{name}: in coverage", False, "missing"))
            continue
        requests = wanted["pages"] + got["retries"]
        results.append((f"{name}: requests = pages + retries", got["requests"] == requests,
                        f"{got['requests']} recorded, {wanted['pages']} + {got['retries']} = {requests} expected"))
        if name == "scope":
            served = stats["subscription_entries"]
        else:
            served = stats["by_table"].get(wanted["table"], {}).get("rows", 0)
        results.append((f"{name}: every row received", got["rows"] == wanted["rows"] == served,
                        f"{got['rows']} in coverage, {served} served, {wanted['rows']} selected"))
    counted = sum(entry["requests"] for entry in coverage.values())
    results.append(("every request served was counted by the scan", counted == stats["requests"],
                    f"{counted} counted, {stats['requests']} served"))
    results.append(("never over the quota", stats["over_quota"] == 0,
                    f"{stats['over_quota']} request(s) arrived with the quota spent"))
    retries = sum(entry["retries"] for entry in coverage.values())
    results.append(("every 429 and 5xx was retried", retries == stats["throttled"] + stats["server_errors"],
                    f"{retries} retries, {stats['throttled']} 429s + {stats['server_errors']} 5xx"))
    results.append(("no request without a token", stats["unauthorized"] == 0, f"{stats['unauthorized']} 401s"))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscriptions", type=int, default=2000)
    parser.add_argument("--row-count", type=int, default=20000, help="about this many rows (demo copies)")
    parser.add_argument("--rows", type=Path, metavar="FILE", help="the rows to serve (an az envelope)")
    parser.add_argument("--source", choices=("demo", "generate"), default="demo",
                        help="copies of the demo tenant (--row-count), or bench/generate.py's tenant (--size)")
    parser.add_argument("--size", default="10", help="with --source generate: reference, 10 or 50 (percent)")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--subscription-page-size", type=int, default=500)
    parser.add_argument("--quota", type=int, default=15, help="Resource Graph requests a quota window")
    parser.add_argument("--quota-window", type=float, default=5.0, help="seconds")
    parser.add_argument("--every-5xx", type=int, default=11, help="every n-th request answers 503 (0: never)")
    parser.add_argument("--every-429", type=int, default=17, help="every n-th request answers 429 (0: never)")
    parser.add_argument("--retry-after", type=int, default=1, help="seconds, in an injected 429")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep the report set here")
    args = parser.parse_args(argv)

    rows, subscriptions, source = tenant(args)
    faults = Faults(every_5xx=args.every_5xx, every_429=args.every_429, retry_after=args.retry_after)
    work = Path(tempfile.mkdtemp(prefix="bench-live-"))
    out = args.keep or work / "out"
    try:
        stand_in_az(work / "bin")
        with FakeArm(rows, subscriptions, page_size=args.page_size, faults=faults, quota=args.quota,
                     quota_window=args.quota_window, subscription_page_size=args.subscription_page_size) as fake:
            env = {**os.environ, "REQUESTS_CA_BUNDLE": fake.ca_path,
                   "PATH": f"{work / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
                   "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            command = [*scan_command(), "scan", "--arm-endpoint", fake.url, "--credential", "cli",
                       "--profile", "all", "--format", "json", "--output-dir", str(out)]
            print(f"serving {len(rows):,} rows ({source}) over {len(subscriptions):,} subscriptions at {fake.url}; "
                  f"quota {args.quota} per {args.quota_window:g} s; a 503 every {args.every_5xx or '-'}, "
                  f"a 429 every {args.every_429 or '-'} requests", flush=True)
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=work)
            wall = time.perf_counter() - started
            stats = fake.stats.as_dict()
            want = expected(fake, subscriptions, args.page_size, args.subscription_page_size)
        report_path = out / "report.json"
        if not report_path.exists():
            print(f"the scan wrote no report (exit {done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
            return 1
        report = json.loads(report_path.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    queries = report["coverage"]["queries"]
    retries = sum(entry["retries"] for entry in queries)
    print(f"requests   {stats['requests']:>9,}  (Subscriptions API {stats['subscription_requests']}, "
          f"Resource Graph {stats['graph_requests']})")
    print(f"pages      {stats['pages'] + stats['subscription_pages']:>9,}  (Subscriptions API "
          f"{stats['subscription_pages']}, Resource Graph {stats['pages']})")
    print(f"rows       {stats['rows']:>9,}  served by Resource Graph ({len(rows):,} in the input: those above the "
          f"subscriptions come with every batch); {len(subscriptions):,} subscriptions listed")
    print(f"retries    {retries:>9,}  (the scan's coverage)")
    print(f"429s       {stats['throttled']:>9,}  ({stats['over_quota']} for a spent quota)")
    print(f"5xx        {stats['server_errors']:>9,}")
    print(f"windows    {stats['quota_windows']:>9,}  quota windows used")
    print(f"wall time  {wall:>9.2f} s  (the scan subprocess, start to exit {done.returncode})")
    for entry in queries:
        print(f"  {entry['name']:<14} {entry['table']:<24} requests {entry['requests']:>4}  pages {entry['pages']:>4}"
              f"  rows {entry['rows']:>7,}  retries {entry['retries']:>2}  {entry['seconds']:>7.2f} s")
    failed = 0
    for name, ok, detail in check(report, stats, want, done.returncode):
        failed += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    print(f"checks: {'passed' if not failed else f'{failed} failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
