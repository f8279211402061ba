"""Report writers for aks-netaudit.

``report.json`` is the contract (validated against ``report.schema.json``); every other format is
rendered from it, never from the scanner's internal objects.
"""

from .build import build_report, fingerprint, validate_report
from .html_report import render_html
from .json_report import render_json
from .writer import DEFAULT_FORMATS, FORMATS, write_reports

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "build_report",
    "fingerprint",
    "render_html",
    "render_json",
    "validate_report",
    "write_reports",
]
