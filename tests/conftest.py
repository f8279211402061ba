"""Shared test helpers: run the CLI in-process, and validate every report the suite produces."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from reports import validate_report
from scanner import cli


@dataclass
class ScanResult:
    code: int
    stdout: str
    stderr: str
    out_dir: Path

    @property
    def report(self) -> dict:
        return json.loads((self.out_dir / "report.json").read_text(encoding="utf-8"))

    def findings(self, rule_id: str | None = None) -> list[dict]:
        return [f for f in self.report["findings"] if rule_id is None or f["rule_id"] == rule_id]

    def status(self, rule_id: str, cluster_name: str) -> str:
        matches = [f["status"] for f in self.findings(rule_id) if f["resource_name"] == cluster_name]
        assert len(matches) == 1, f"{rule_id} on {cluster_name}: {matches}"
        return matches[0]


@pytest.fixture
def run_scan(tmp_path, capsys):
    """Run `aks-netaudit scan ...` in-process; every report.json it writes is schema-validated."""
    counter = iter(range(1000))

    def run(*args: str, out_dir: Path | None = None) -> ScanResult:
        out = out_dir or tmp_path / f"out{next(counter)}"
        code = cli.main(["scan", *map(str, args), "--output-dir", str(out)])
        captured = capsys.readouterr()
        report_path = out / "report.json"
        if report_path.exists():
            validate_report(json.loads(report_path.read_text(encoding="utf-8")))
        return ScanResult(code, captured.out, captured.err, out)

    return run


@pytest.fixture
def write_json(tmp_path):
    """Write a JSON document to a file under tmp_path and return its path."""

    def write(name: str, document: object) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document), encoding="utf-8")
        return path

    return write


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Tests talk to cassettes and loopback test servers only: any other address fails the test at once."""
    import socket

    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def host_of(address) -> str:
        return str(address[0]) if isinstance(address, tuple) else str(address)

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and host_of(address) not in _LOOPBACK:
            raise AssertionError(f"a test tried to connect to {address!r}: only loopback is allowed")
        return real_connect(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and str(host) not in _LOOPBACK:
            raise AssertionError(f"a test tried to resolve {host!r}: only loopback is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
