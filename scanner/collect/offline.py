"""Offline collection: Resource Graph rows and kubectl output that the user saved to files.

Users get rows without our tool (`az graph query -q ... -o json`, the REST API, the portal's
export), so both shapes are read as Azure prints them, and completeness is judged from the paging
metadata rather than assumed: a truncated page must never turn into "no findings".
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from scanner.collect.snapshot import FORMAT_VERSION, MARKER, Snapshot, from_document
from scanner.errors import InputError

CLUSTER_TYPE = "microsoft.containerservice/managedclusters"


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


def _check_rows(path: Path, rows: list) -> list[dict]:
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"{path}: row {index}: expected an object, got {type(row).__name__}")
        for column in ("id", "type"):
            if not isinstance(row.get(column), str) or not row[column]:
                raise InputError(f"{path}: row {index}: missing or non-string '{column}' column")
        if "properties" in row and row["properties"] is not None and not isinstance(row["properties"], dict):
            raise InputError(f"{path}: row {index} ({row['id']}): 'properties' is not an object")
    return rows


def _read_snapshot(path: Path, digest: str, document: dict) -> RowFile:
    if document[MARKER] != FORMAT_VERSION:
        raise InputError(f"{path}: {MARKER}: version {document[MARKER]!r}, this tool reads {FORMAT_VERSION}")
    rows = document.get("rows")
    if not isinstance(rows, list) or not isinstance(document.get("kube", {}), dict):
        raise InputError(f"{path}: a snapshot needs a 'rows' array and a 'kube' object")
    snapshot = from_document(document)
    return RowFile(str(path), digest, "snapshot", _check_rows(path, rows), snapshot=snapshot)


def read_row_file(path: Path) -> RowFile:
    """Parse one `--input` file: a bare array of rows or an `az graph query` / REST envelope."""
    document, digest = _read_json(path)
    if isinstance(document, list):
        return RowFile(str(path), digest, "array", _check_rows(path, document))
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
    return RowFile(
        path=str(path),
        sha256=digest,
        shape="envelope",
        rows=_check_rows(path, data),
        next_page=bool(token),
        result_truncated=_truthy_flag(document.get("resultTruncated", False)),
        total=total if isinstance(total, int) else None,
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


def _merge_rows(files: list[RowFile], snapshot: Snapshot) -> list[dict]:
    """Rows of all files, the first of duplicate ids kept (pages may overlap)."""
    seen: set[str] = set()
    rows: list[dict] = []
    duplicates = 0
    for f in files:
        for row in f.rows:
            key = row["id"].lower()
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            rows.append(row)
    if duplicates:
        snapshot.add_warning("inputs", f"{duplicates} duplicate rows (same ARM id) were read once")
    return rows


def read_kube_file(path: Path) -> list[dict]:
    """Objects of a `kubectl get ... -o json` List; typed lists (ConfigMapList) give their items a kind."""
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
            raise InputError(f"{path}: items[{index}]: expected an object")
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
    snapshot.inputs = [{"path": file.path, "sha256": file.sha256, "rows": len(file.rows), "shape": "snapshot"}]
    for option in kube_inputs:
        ref, path = parse_kube_option(option)
        cluster_id = resolve_cluster(ref, snapshot.rows)
        if cluster_id in snapshot.kube:
            raise InputError(f"--kube-input {ref}: the snapshot already holds Kubernetes data for this cluster")
        snapshot.kube[cluster_id] = read_kube_file(path)
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
    _judge_completeness(files, snapshot)
    snapshot.rows = _merge_rows(files, snapshot)
    snapshot.subscriptions = _read_whole(files, snapshot)
    snapshot.inputs = [
        {"path": f.path, "sha256": f.sha256, "rows": len(f.rows), "shape": f.shape} for f in files
    ]
    for option in kube_inputs or []:
        ref, path = parse_kube_option(option)
        cluster_id = resolve_cluster(ref, snapshot.rows)
        snapshot.kube.setdefault(cluster_id, []).extend(read_kube_file(path))
    return snapshot
