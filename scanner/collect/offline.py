"""Offline collection: Resource Graph rows and kubectl output that the user saved to files.

Users get rows without our tool (`az graph query -q ... -o json`, the REST API, the portal's
export), so both shapes are read as Azure prints them, and completeness is judged from the paging
metadata rather than assumed: a truncated page must never turn into "no findings".
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from scanner import armid
from scanner.collect.snapshot import FORMAT_VERSION, MARKER, Snapshot, from_document
from scanner.errors import InputError

CLUSTER_TYPE = "microsoft.containerservice/managedclusters"
VNET_TYPE = "microsoft.network/virtualnetworks"


@dataclass
class RowFile:
    """One input file after parsing: its rows and the paging metadata its envelope carried."""

    path: str
    sha256: str
    shape: str  # "envelope" | "array" | "snapshot"
    rows: list[dict]
    next_page: bool = False
    result_truncated: bool = False
    total: int | None = None
    snapshot: Snapshot | None = None
    positions: list[int] = field(default_factory=list)  # each row's number (0-based) in the file
    faults: list[dict] = field(default_factory=list)  # coverage errors: the rows left out

    @property
    def truncated(self) -> bool:
        return self.next_page or self.result_truncated


def _read_json(path: Path) -> tuple[object, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return json.loads(raw), hashlib.sha256(raw).hexdigest()
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
        raise InputError(f"{path}: not valid JSON{where}: {reason}") from exc


def _truthy_flag(value: object) -> bool:
    """`resultTruncated` comes back as the string "false"/"true" from the REST API."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


_ARM_TYPE = re.compile(r"^[A-Za-z0-9.-]+(/[A-Za-z0-9.-]+)+$")
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}
MAX_FAULTS_NAMED = 50  # per file: a file of a million broken rows must not make a million-line report


def short(text: str, limit: int = 160) -> str:
    """An id or name as a message quotes it: a 10,000-character id is cut, not printed whole."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _row_fault(row: object) -> str | None:
    """Why the inventory cannot index a row (DESIGN.md "Bad input"), or None when it can."""
    if not isinstance(row, dict):
        return f"expected an object, got {_JSON_TYPES.get(type(row), type(row).__name__)}"
    for column in ("id", "type"):
        value = row.get(column)
        if not isinstance(value, str) or not value.strip():
            return f"missing or non-string '{column}' column"
    if not _ARM_TYPE.match(row["type"]):
        return f"'type' {short(row['type'])!r} is not an ARM resource type (namespace/type)"
    return None


def _check_rows(path: Path, rows: list) -> tuple[list[dict], list[int], list[dict]]:
    """The rows the inventory can index, their row numbers in the file, and a coverage error per other row.

    A row-level fault leaves that row out and names it; every other row is still evaluated. A field of
    the wrong type (`properties: null`, a string where a list belongs) is not a fault here: the
    inventory reads it as absent, so the rules that need it give `error`.
    """
    good: list[dict] = []
    positions: list[int] = []
    faults: list[dict] = []
    left_out = 0
    for index, row in enumerate(rows):
        problem = _row_fault(row)
        if problem is None:
            good.append(row)
            positions.append(index)
            continue
        left_out += 1
        if left_out <= MAX_FAULTS_NAMED:
            row_id = row.get("id") if isinstance(row, dict) else None
            named = f" ({short(row_id)})" if isinstance(row_id, str) and row_id.strip() else ""
            faults.append({"source": str(path), "message": f"row {index}{named}: {problem}; the row was left out",
                           "scope": str(path)})
    if left_out > MAX_FAULTS_NAMED:
        faults.append({"source": str(path), "scope": str(path),
                       "message": f"{left_out - MAX_FAULTS_NAMED} more rows could not be indexed and were left out"})
    return good, positions, faults


def _read_snapshot(path: Path, digest: str, document: dict) -> RowFile:
    if document[MARKER] != FORMAT_VERSION:
        raise InputError(f"{path}: {MARKER}: version {document[MARKER]!r}, this tool reads {FORMAT_VERSION}")
    rows = document.get("rows")
    if not isinstance(rows, list) or not isinstance(document.get("kube", {}), dict):
        raise InputError(f"{path}: a snapshot needs a 'rows' array and a 'kube' object")
    snapshot = from_document(document)
    good, positions, faults = _check_rows(path, rows)
    return RowFile(str(path), digest, "snapshot", good, snapshot=snapshot, positions=positions, faults=faults)


def read_row_file(path: Path) -> RowFile:
    """Parse one `--input` file: a bare array of rows or an `az graph query` / REST envelope."""
    document, digest = _read_json(path)
    if isinstance(document, list):
        good, positions, faults = _check_rows(path, document)
        return RowFile(str(path), digest, "array", good, positions=positions, faults=faults)
    if not isinstance(document, dict):
        raise InputError(f"{path}: expected a JSON array of Resource Graph rows or an object with a 'data' array")
    if MARKER in document:
        return _read_snapshot(path, digest, document)
    data = document.get("data")
    if not isinstance(data, list):
        hint = " ('data' is not an array)" if "data" in document else ""
        raise InputError(
            f"{path}: expected a JSON array of Resource Graph rows or an object with a 'data' array{hint}"
        )
    token = document.get("skip_token") or document.get("$skipToken") or document.get("skipToken")
    total = document.get("total_records", document.get("totalRecords"))
    good, positions, faults = _check_rows(path, data)
    return RowFile(
        path=str(path),
        sha256=digest,
        shape="envelope",
        rows=good,
        next_page=bool(token),
        result_truncated=_truthy_flag(document.get("resultTruncated", False)),
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        positions=positions,
        faults=faults,
    )


def _complete_page_sets(files: list[RowFile]) -> set[str]:
    """Paths of envelopes that are pages of one query whose pages were all given together.

    Pages of one query report the same total; when the envelopes sharing a total hold exactly that
    many distinct rows, the set is whole even though all but the last page carry a next-page token.
    """
    by_total: dict[int, list[RowFile]] = defaultdict(list)
    for f in files:
        if f.shape == "envelope" and f.total is not None:
            by_total[f.total].append(f)
    whole: set[str] = set()
    for total, group in by_total.items():
        ids = {row["id"].lower() for f in group for row in f.rows}
        if len(ids) == total:
            whole.update(f.path for f in group)
    return whole


def _judge_completeness(files: list[RowFile], snapshot: Snapshot) -> None:
    whole = _complete_page_sets(files)
    for f in files:
        if f.shape == "array":
            snapshot.add_warning(
                f.path,
                "a bare array carries no paging metadata: whether it holds every row cannot be checked",
            )
        elif f.truncated and f.path not in whole:
            total = f"{f.total}" if f.total is not None else "an unknown number of"
            why = "resultTruncated is true" if f.result_truncated else "a next-page token is present"
            snapshot.add_error(
                f.path,
                f"truncated: holds {len(f.rows)} of {total} rows ({why}); fetch every page "
                "(az graph query --first 1000 and --skip-token) and pass all of them",
            )


def _same_body(a: dict, b: dict) -> bool:
    """Two rows of one id say the same thing (the id's letter case aside)."""
    return a == b or {**a, "id": None} == {**b, "id": None}


def _merge_rows(files: list[RowFile], snapshot: Snapshot) -> list[tuple[dict, str, int]]:
    """Rows of all files, one per id in any letter case (pages may overlap), each with its file and row number.

    The same body twice is read once; different bodies: the later row is used, in the place of the first,
    and a coverage warning names both places.
    """
    chosen: dict[str, tuple[dict, str, int]] = {}
    duplicates = 0
    for f in files:
        for row, index in zip(f.rows, f.positions or range(len(f.rows)), strict=True):
            key = armid.key(row["id"])
            previous = chosen.get(key)
            if previous is not None:
                if _same_body(previous[0], row):
                    duplicates += 1
                    continue
                snapshot.warnings.append({
                    "source": f.path, "scope": f.path,
                    "message": f"row {index}: id {short(row['id'])} is also given, with a different body, at "
                               f"{previous[1]} row {previous[2]}; the later row ({f.path} row {index}) is used"})
            chosen[key] = (row, f.path, index)
    if duplicates:
        snapshot.add_warning("inputs", f"{duplicates} duplicate rows (same ARM id) were read once")
    return list(chosen.values())


def _foreign_subnets(entries: list[tuple[dict, str, int]], snapshot: Snapshot) -> None:
    """A subnet listed in a VNet row whose id names another VNet belongs to the VNet its id names (the
    inventory indexes it there): a warning says so, naming the file and row."""
    for row, path, index in entries:
        if row["type"].lower() != VNET_TYPE:
            continue
        properties = row.get("properties")
        subnets = properties.get("subnets") if isinstance(properties, dict) else None
        for subnet in subnets if isinstance(subnets, list) else []:
            subnet_id = subnet.get("id") if isinstance(subnet, dict) else None
            owner = armid.vnet_of_subnet(subnet_id) if isinstance(subnet_id, str) else None
            if owner is None or armid.key(owner) == armid.key(row["id"]):
                continue
            snapshot.warnings.append({
                "source": path, "scope": path,
                "message": f"row {index}: VNet {short(row['id'])} lists subnet {short(subnet_id)}, whose id names "
                           f"VNet {short(owner)}: it is read as a subnet of that VNet"})


def read_kube_file(path: Path, warnings: list[dict] | None = None) -> list[dict]:
    """Objects of a `kubectl get ... -o json` List; typed lists (ConfigMapList) give their items a kind.

    An item that is not an object is skipped, with a coverage warning appended to `warnings`.
    """
    document, _ = _read_json(path)
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise InputError(f"{path}: expected a Kubernetes List (kubectl get ... -o json) with an 'items' array")
    list_kind = document.get("kind")
    if not isinstance(list_kind, str) or not list_kind.endswith("List"):
        raise InputError(f"{path}: 'kind' must be List (or a typed list such as ConfigMapList)")
    implied_kind = list_kind[: -len("List")] or None
    objects = []
    for index, item in enumerate(document["items"]):
        if not isinstance(item, dict):
            if warnings is not None:
                got = _JSON_TYPES.get(type(item), type(item).__name__)
                warnings.append({"source": str(path), "scope": str(path),
                                 "message": f"items[{index}]: expected an object, got {got}; the item was skipped"})
            continue
        kind = item.get("kind") or implied_kind
        metadata = item.get("metadata")
        if not isinstance(kind, str) or not kind:
            raise InputError(f"{path}: items[{index}]: missing 'kind'")
        if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str):
            raise InputError(f"{path}: items[{index}]: missing 'metadata.name'")
        objects.append({**item, "kind": kind})
    return objects


def resolve_cluster(ref: str, rows: list[dict]) -> str:
    """The lower-cased ARM id of the cluster a `--kube-input` names, by ARM id or by name."""
    clusters = [r for r in rows if r["type"].lower() == CLUSTER_TYPE]
    if ref.startswith("/"):
        matches = [r for r in clusters if r["id"].lower() == ref.lower()]
    else:
        matches = [r for r in clusters if str(r.get("name", "")).lower() == ref.lower()]
    if not matches:
        what = "id" if ref.startswith("/") else "name"
        raise InputError(f"--kube-input {ref}: no managed cluster with that {what} in the input")
    if len(matches) > 1:
        ids = ", ".join(r["id"] for r in matches)
        raise InputError(f"--kube-input {ref}: the name matches {len(matches)} clusters ({ids}); give the ARM id")
    return matches[0]["id"].lower()


def parse_kube_option(option: str) -> tuple[str, Path]:
    """Split `CLUSTER=FILE`."""
    ref, sep, file = option.partition("=")
    if not sep or not ref or not file:
        raise InputError(f"--kube-input {option}: expected CLUSTER=FILE (a cluster name or ARM id, then a file)")
    return ref, Path(file)


def subscription_of(row: dict) -> str | None:
    sub = row.get("subscriptionId")
    if isinstance(sub, str) and sub:
        return sub.lower()
    parts = row["id"].split("/")
    return parts[2].lower() if len(parts) > 2 and parts[1].lower() == "subscriptions" else None


def _read_whole(files: list[RowFile], snapshot: Snapshot) -> list[str]:
    """Subscriptions with rows in complete envelopes: a bare array proves nothing about completeness."""
    incomplete = {e["source"] for e in snapshot.errors}
    subs = {subscription_of(r) for f in files if f.shape == "envelope" and f.path not in incomplete for r in f.rows}
    return sorted(s for s in subs if s)


def _replay(file: RowFile, kube_inputs: list[str]) -> Snapshot:
    """A snapshot file replays as it was collected; kubectl files may add only what it lacks."""
    snapshot = file.snapshot
    if file.faults:  # a snapshot we wrote holds only indexable rows; an edited one may not
        snapshot.rows = file.rows
        snapshot.errors.extend(file.faults)
    snapshot.inputs = [{"path": file.path, "sha256": file.sha256, "rows": len(file.rows), "shape": "snapshot"}]
    for option in kube_inputs:
        ref, path = parse_kube_option(option)
        cluster_id = resolve_cluster(ref, snapshot.rows)
        if cluster_id in snapshot.kube:
            raise InputError(f"--kube-input {ref}: the snapshot already holds Kubernetes data for this cluster")
        snapshot.kube[cluster_id] = read_kube_file(path, snapshot.warnings)
    return snapshot


def load(inputs: list[Path], kube_inputs: list[str] | None = None, source: str = "offline") -> Snapshot:
    """Read every input file into one Snapshot, judging completeness across all of them."""
    files = [read_row_file(Path(p)) for p in inputs]
    replays = [f for f in files if f.shape == "snapshot"]
    if replays:
        if len(files) > 1:
            raise InputError(f"--input {replays[0].path}: a snapshot is a complete record and cannot be mixed "
                             "with other --input files")
        return _replay(replays[0], kube_inputs or [])
    snapshot = Snapshot(source=source)
    for f in files:
        snapshot.errors.extend(f.faults)
    _judge_completeness(files, snapshot)
    entries = _merge_rows(files, snapshot)
    _foreign_subnets(entries, snapshot)
    snapshot.rows = [row for row, _, _ in entries]
    snapshot.subscriptions = _read_whole(files, snapshot)
    snapshot.inputs = [
        {"path": f.path, "sha256": f.sha256, "rows": len(f.rows), "shape": f.shape} for f in files
    ]
    for option in kube_inputs or []:
        ref, path = parse_kube_option(option)
        cluster_id = resolve_cluster(ref, snapshot.rows)
        snapshot.kube.setdefault(cluster_id, []).extend(read_kube_file(path, snapshot.warnings))
    return snapshot
