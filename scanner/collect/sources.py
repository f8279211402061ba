"""Where a scan's data comes from: files, the demo tenant, a snapshot, or the tenant itself (live).

Whatever the source, the result is one Snapshot; the options that choose it are checked here, so
a contradictory command line is one line and exit 2 before anything is read or requested.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rich.console import Console

from scanner.collect import live, memory, offline
from scanner.collect.credentials import KINDS
from scanner.collect.kube import collect_kube
from scanner.collect.snapshot import Snapshot, write_snapshot
from scanner.demo import demo_inputs
from scanner.errors import InputError

NO_CLUSTER = "no AKS cluster was visible: check the scope and the Reader role"


def add_arguments(scan: argparse.ArgumentParser) -> None:
    source = scan.add_argument_group("input (no --input and no --demo: a live scan of the tenant you are logged into)")
    source.add_argument("--input", action="append", type=Path, default=[], metavar="FILE",
                        help="Resource Graph rows (az graph query -o json, the REST body, a bare array) or a "
                             "snapshot file (repeatable)")
    source.add_argument("--kube-input", action="append", default=[], metavar="CLUSTER=FILE",
                        help="kubectl get ... -A -o json output for a cluster given by name or ARM id (repeatable)")
    source.add_argument("--demo", action="store_true", help="audit the embedded demo tenant")
    source.add_argument("--save-snapshot", type=Path, metavar="FILE",
                        help="write what was collected (rows, Kubernetes objects, coverage) for replay with --input")
    source.add_argument("--memory-limit", type=memory.positive_mb, metavar="MB",
                        help="refuse input that would need more memory than this to parse (default: three quarters "
                             "of the memory available, the cgroup limit where one is set)")
    live_group = scan.add_argument_group("live scope")
    live_group.add_argument("--subscription", action="append", default=[], metavar="ID")
    live_group.add_argument("--management-group", action="append", default=[], metavar="ID")
    live_group.add_argument("--cloud", choices=("AzureCloud", "AzureChinaCloud", "AzureUSGovernment"),
                            help="the Azure cloud (default AzureCloud); with --input it labels the data")
    live_group.add_argument("--arm-endpoint", metavar="URL", help="another Resource Manager endpoint (https)")
    live_group.add_argument("--arm-audience", metavar="URL", help="its token audience (default: the endpoint)")
    live_group.add_argument("--credential", choices=KINDS, metavar="KIND",
                            help=f"one of {', '.join(KINDS)} (default: default, DefaultAzureCredential)")
    kube_group = scan.add_argument_group("Kubernetes (live, read-only)")
    kube_group.add_argument("--kubeconfig", type=Path, metavar="FILE",
                            help="read ConfigMaps (kube-system) and Services of clusters whose API server FQDN "
                                 "matches a context")
    kube_group.add_argument("--kube-context", action="append", default=[], metavar="NAME",
                            help="only these contexts of the kubeconfig (repeatable)")


def _check_exclusive(args: argparse.Namespace) -> None:
    files = args.input or args.demo
    scope_options = [("--subscription", args.subscription), ("--management-group", args.management_group),
                     ("--arm-endpoint", args.arm_endpoint), ("--arm-audience", args.arm_audience),
                     ("--credential", args.credential)]
    given = [name for name, value in scope_options if value]
    if files and given:
        raise InputError(f"{given[0]}: a live-scan option; it cannot be combined with --input or --demo")
    if args.input and args.demo:
        raise InputError("--demo: cannot be combined with --input")
    if args.kube_context and not args.kubeconfig:
        raise InputError("--kube-context: goes with --kubeconfig")


class _TerminalProgress:
    """Queries, pages, rows and retries on stderr as they happen (rich), for a person at a terminal."""

    def __init__(self) -> None:
        self.console = Console(stderr=True, highlight=False)

    def page(self, query: str, rows: int) -> None:
        self.console.print(f"  [dim]{query}: {rows} rows so far[/dim]")

    def done(self, entry: dict) -> None:
        retries = f", {entry['retries']} retries" if entry["retries"] else ""
        self.console.print(f"  {entry['name']} ({entry['table']}, {entry['scope']}): {entry['rows']} rows, "
                           f"{entry['pages']} pages, {entry['requests']} requests{retries}, {entry['seconds']:.1f} s")


def _progress() -> _TerminalProgress | None:
    """Quiet in pipelines: when CI is set or stderr is not a terminal, nothing but the summary is printed."""
    if os.environ.get("CI") or not sys.stderr.isatty():
        return None
    return _TerminalProgress()


def _memory_limit(args: argparse.Namespace) -> int | None:
    return getattr(args, "memory_limit", None) or memory.default_limit_mb()


def _from_files(args: argparse.Namespace) -> Snapshot:
    inputs, kube_inputs, source = list(args.input), list(args.kube_input), "offline"
    if args.demo:
        demo_files, demo_kube = demo_inputs()
        inputs, kube_inputs, source = demo_files, demo_kube + kube_inputs, "demo"
    kube_files = [Path(option.partition("=")[2]) for option in kube_inputs if option.partition("=")[2]]
    memory.check_files([*map(Path, inputs), *kube_files], _memory_limit(args))
    snapshot = offline.load(inputs, kube_inputs, source=source)
    if snapshot.inputs and snapshot.inputs[0]["shape"] == "snapshot":
        if args.cloud and args.cloud != snapshot.cloud:
            raise InputError(f"--cloud {args.cloud}: the snapshot was collected in {snapshot.cloud}")
        snapshot.source = "snapshot"
        return snapshot
    snapshot.cloud = args.cloud or "AzureCloud"
    subscriptions = sorted({offline.subscription_of(r) for r in snapshot.rows} - {None})
    snapshot.scope = {"subscriptions": subscriptions}
    if args.demo:
        snapshot.subscriptions = subscriptions
    return snapshot


def _live(args: argparse.Namespace) -> Snapshot:
    request = live.LiveRequest(subscriptions=args.subscription, management_groups=args.management_group,
                               cloud=args.cloud or "AzureCloud", arm_endpoint=args.arm_endpoint,
                               arm_audience=args.arm_audience, credential=args.credential or "default")
    snapshot = live.collect(request, progress=_progress(), memory_limit_mb=_memory_limit(args))
    for option in args.kube_input:
        ref, path = offline.parse_kube_option(option)
        cluster_id = offline.resolve_cluster(ref, snapshot.rows)
        snapshot.kube.setdefault(cluster_id, []).extend(offline.read_kube_file(path, snapshot.warnings))
    return snapshot


def _add_live_kube(args: argparse.Namespace, snapshot: Snapshot) -> None:
    """Clusters already given kubectl output (--kube-input, a snapshot) are not read again."""
    clusters = [r for r in snapshot.rows
                if r["type"].lower() == offline.CLUSTER_TYPE and r["id"].lower() not in snapshot.kube]
    result = collect_kube(args.kubeconfig, args.kube_context or None, clusters)
    snapshot.kube.update(result.objects)
    snapshot.errors.extend(result.errors)
    snapshot.warnings.extend(result.warnings)


def gather(args: argparse.Namespace) -> Snapshot:
    """The Snapshot the rest of the scan works from, with coverage saying what could not be read."""
    _check_exclusive(args)
    snapshot = _from_files(args) if (args.input or args.demo) else _live(args)
    if args.kubeconfig:
        _add_live_kube(args, snapshot)
    if not any(r["type"].lower() == offline.CLUSTER_TYPE for r in snapshot.rows) and not any(
            e.get("message") == NO_CLUSTER for e in snapshot.errors):
        snapshot.errors.append({"source": "scope", "message": NO_CLUSTER})
    if args.save_snapshot:
        try:
            write_snapshot(snapshot, args.save_snapshot)
        except OSError as exc:
            raise InputError(f"--save-snapshot {args.save_snapshot}: cannot write: {exc.strerror or exc}") from exc
    return snapshot
