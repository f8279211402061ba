"""Scale benchmark (not a test): a generated tenant, timed phase by phase, against `json.load` of the same file.

    .venv/bin/python bench/run.py --size 10          # 10 % of the reference tenant (also 50, reference)
    .venv/bin/python bench/run.py --size reference   # the issue's 100,000-resource tenant (a few minutes)

Generates the tenant with bench/generate.py (in a child process, kept in --work for the next run),
then measures on that one file:

1. `json.load` of the file in a fresh Python process (the standard library's, garbage collector on, as
   a plain script runs it): its wall time, the denominator of the ratio, and its peak RSS, the memory
   the parsed file alone takes (`/usr/bin/time -f %M`). The time with the collector off is printed too;
2. `aks-netaudit scan --input FILE --profile all --format json,html` as a child process: wall time and
   peak RSS (`/usr/bin/time -f %M`);
3. in this process, with the cyclic collector off as the CLI runs: load + inventory
   (`scanner.collect.offline.load` + `scanner.inventory.build`), evaluation of every rule
   (`scanner.engine.evaluate.evaluate`, findings as dicts), building the report, writing `json,html`
   (`reports.write_reports`), and writing every format.

The last line is `scan/json.load ratio: X.XX`: the child scan's wall time over step 1's json.load time.
Targets (issue 15, at the reference size): ratio <= 3, scan peak RSS <= 3 x json.load's, linear growth.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIME = "/usr/bin/time"
JSON_LOAD = """
import gc, json, sys, time
if sys.argv[2] == "off":
    gc.disable()
start = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    data = json.load(handle)
print(time.perf_counter() - start)
"""


def _peak_child(command: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Run a command under /usr/bin/time: (wall seconds, peak RSS in KiB, its stdout)."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [TIME, "-f", "%M", "-o", rss.name, *command] if Path(TIME).exists() else command
        start = time.perf_counter()
        done = subprocess.run(wrapped, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - start
        if done.returncode not in (0, 1):  # 1: findings or coverage gate; 2: the scan refused the input
            sys.stderr.write(done.stderr)
            raise SystemExit(f"{' '.join(command[:3])} ...: exit {done.returncode}")
        text = Path(rss.name).read_text().strip().splitlines()
        peak = int(text[-1]) if text and text[-1].isdigit() else 0
    return wall, peak, done.stdout


def _scan_command() -> list[str]:
    script = Path(sys.executable).parent / "aks-netaudit"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from scanner.cli import main; sys.exit(main())"]


def _generate(size: str, path: Path, seed: int) -> None:
    if path.exists():
        return
    print(f"generating {path} (size {size}) ...", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--size", size, "--seed", str(seed),
                    "--out", str(path)], check=True)


def _timed(label: str, func, results: dict):
    start = time.perf_counter()
    value = func()
    results[label] = time.perf_counter() - start
    return value


def in_process(path: Path, out: Path) -> dict[str, float]:
    """The scan's phases, one by one, as `scanner.cli.run_scan` chains them (cyclic GC off, as the CLI runs)."""
    from reports import FORMATS, build_report, write_reports
    from scanner import __version__, cli, inventory
    from scanner.collect import sources
    from scanner.config import load_config
    from scanner.engine.evaluate import evaluate
    from scanner.engine.loader import load_pack, select

    results: dict[str, float] = {}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        args = cli.build_parser().parse_args(["scan", "--input", str(path), "--profile", "all"])
        pack = load_pack(user_dirs=[])
        rules = select(pack.rules, ["all"])
        config = load_config(None, list(pack.rules))
        # sources.gather: the size check, scanner.collect.offline.load, the scope (what run_scan calls)
        snapshot = _timed("load", lambda: sources.gather(args), results)
        inv = _timed("inventory", lambda: inventory.build(snapshot, config.parameters), results)
        views = inv.views("cluster")
        findings = _timed("evaluate", lambda: [f.to_dict() for f in evaluate(rules, {"cluster": views},
                                                                           config.rules)], results)
        coverage = cli._coverage(snapshot, inv)
        scan = {"id": "00000000-0000-4000-8000-000000000000", "started": cli._now(), "finished": cli._now(),
                "collected": snapshot.collected, "source": snapshot.source, "inputs": snapshot.inputs,
                "scope": snapshot.scope, "cloud": snapshot.cloud, "arm_endpoint": snapshot.arm_endpoint,
                "profiles": ["all"], "rules": len(rules), "rule_pack": {"version": pack.version, "sha256": pack.sha256},
                "parameters": cli._parameters_in_force(config, rules)}
        report = _timed("build report", lambda: build_report(
            findings, scan, coverage, __version__, [r.catalogue_entry() for r in rules]), results)
        _timed("write json,html", lambda: write_reports(report, out / "two", ["json", "html"]), results)
        _timed("write every format", lambda: write_reports(report, out / "all", list(FORMATS)), results)
        results["findings"] = len(findings)
        results["clusters"] = len(inv.clusters)
        results["rows"] = len(snapshot.rows)
    finally:
        if was_enabled:
            gc.enable()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="reference", choices=["reference", "10", "50"])
    parser.add_argument("--input", type=Path, help="measure this file instead of a generated one")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "aks-netaudit-bench",
                        help="where the generated tenants are kept between runs and the reports written")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of json.load and of the scan child; the median is reported (default 1)")
    args = parser.parse_args(argv)

    args.work.mkdir(parents=True, exist_ok=True)
    path = args.input or args.work / f"tenant-{args.size}-seed{args.seed}.json"
    if args.input is None:
        _generate(args.size, path, args.seed)
    size_mb = path.stat().st_size / 1e6
    print(f"input: {path} ({size_mb:.1f} MB)")

    loads, loads_off, load_rss = [], [], []
    for _ in range(args.repeat):
        _, rss, out = _peak_child([sys.executable, "-c", JSON_LOAD, str(path), "on"])
        loads.append(float(out.strip()))
        load_rss.append(rss)
        _, _, out = _peak_child([sys.executable, "-c", JSON_LOAD, str(path), "off"])
        loads_off.append(float(out.strip()))
    json_load = statistics.median(loads)
    json_rss = max(load_rss)
    rows = None
    with open(path, "rb") as handle:
        head = handle.read(200).decode("utf-8", "replace")
        if head.startswith('{"count":'):
            rows = int(head.split(":", 1)[1].split(",", 1)[0])
    print(f"rows: {rows if rows is not None else '?'}")
    print(f"json.load: {json_load:.2f} s (garbage collector off: {statistics.median(loads_off):.2f} s)")
    print(f"json.load peak RSS: {json_rss / 1024:.0f} MiB")

    out_dir = args.work / f"out-{args.size}"
    shutil.rmtree(out_dir, ignore_errors=True)
    walls, scan_rss = [], []
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    for n in range(args.repeat):
        wall, rss, _ = _peak_child([*_scan_command(), "scan", "--input", str(path), "--profile", "all",
                                    "--format", "json,html", "--output-dir", str(out_dir / f"scan{n}")], env)
        walls.append(wall)
        scan_rss.append(rss)
    scan_wall = statistics.median(walls)
    peak = max(scan_rss)
    print(f"scan --profile all --format json,html (child process): {scan_wall:.2f} s")
    print(f"scan peak RSS: {peak / 1024:.0f} MiB ({peak / json_rss:.2f} x json.load's)" if json_rss else
          "scan peak RSS: unknown (no /usr/bin/time)")

    phases = in_process(path, out_dir / "phases")
    print(f"in process ({phases['rows']} rows, {phases['clusters']} clusters, {phases['findings']} findings; "
          "cyclic GC off, as the CLI runs):")
    print(f"  load + inventory: {phases['load'] + phases['inventory']:.2f} s "
          f"(load {phases['load']:.2f} s, inventory {phases['inventory']:.2f} s)")
    print(f"  evaluate --profile all: {phases['evaluate']:.2f} s")
    print(f"  build report: {phases['build report']:.2f} s")
    print(f"  write json,html: {phases['write json,html']:.2f} s")
    print(f"  write every format (json,html,sarif,junit,csv): {phases['write every format']:.2f} s")
    summary = {"size": args.size, "rows": rows, "file_mb": round(size_mb, 1), "json_load_s": round(json_load, 2),
               "scan_s": round(scan_wall, 2), "peak_rss_mib": round(peak / 1024), "json_load_rss_mib":
               round(json_rss / 1024), **{k: round(v, 2) for k, v in phases.items()}}
    print("summary: " + json.dumps(summary))
    print(f"scan/json.load ratio: {scan_wall / json_load:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
