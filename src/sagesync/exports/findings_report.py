"""The check report: a CSV for spreadsheets and an HTML page a person can open.

UTF-8 with a BOM for the CSV and ';' as separator, because that is what a
French Excel opens correctly with a double click.
"""

from __future__ import annotations

import csv
import html
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sagesync.core.findings import Finding, Severity
from sagesync.storage_errors import guard_storage


class RunHeader(Protocol):
    """What the report's header says of its run (a ``RunReport`` fits): the report knows no step."""

    @property
    def company(self) -> str: ...

    @property
    def run_id(self) -> int: ...

    @property
    def started_at(self) -> datetime: ...

    @property
    def counts(self) -> Mapping[str, int]: ...

CSV_COLUMNS = ("document", "source_id", "severity", "code", "field", "message", "fix")
SEVERITY_ORDER = {Severity.BLOCKING: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _sorted(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.document, f.field))


def write_csv(findings: Sequence[Finding], path: Path) -> Path:
    with guard_storage(path, "check report (CSV)"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(CSV_COLUMNS)
            for f in _sorted(findings):
                writer.writerow((f.document, f.source_id, f.severity.value, f.code.value, f.field, f.message, f.fix))
    return path


_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2430;max-width:70rem}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
td,th{border-bottom:1px solid #dde3ea;padding:.35rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f5f8}.blocking{color:#a01818;font-weight:600}.warning{color:#8a5a00}.info{color:#47617a}
.counts{width:auto}.counts td{border:none;padding:.1rem 1.5rem .1rem 0}.doc{margin-top:1.2rem;font-size:1.05rem}
"""


def write_html(report: RunHeader, findings: Sequence[Finding], path: Path, title: str) -> Path:
    by_document: dict[str, list[Finding]] = defaultdict(list)
    for finding in _sorted(findings):
        by_document[finding.document].append(finding)
    parts = [f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style><h1>{html.escape(title)}</h1>",
             f"<p>Company <b>{html.escape(report.company)}</b>, run {report.run_id}, "
             f"{report.started_at:%d/%m/%Y %H:%M}.</p><table class='counts'>"]
    parts += [f"<tr><td>{html.escape(name.replace('_', ' '))}</td><td><b>{count}</b></td></tr>"
              for name, count in sorted(report.counts.items())]
    parts.append("</table>")
    if not by_document:
        parts.append("<p>No finding: every document is ready.</p>")
    for document, items in by_document.items():
        parts.append(f"<h2 class='doc'>{html.escape(document)}</h2><table><tr><th>severity</th><th>field</th>"
                     "<th>what is wrong</th><th>how to fix it</th></tr>")
        for f in items:
            parts.append(f"<tr><td class='{f.severity.value}'>{f.severity.value}</td><td>{html.escape(f.field)}</td>"
                         f"<td>{html.escape(f.message)}<br><small>{f.code.value}</small></td>"
                         f"<td>{html.escape(f.fix)}</td></tr>")
        parts.append("</table>")
    with guard_storage(path, "check report (HTML)"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(parts) + "</html>\n", encoding="utf-8")
    return path
