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
from sagesync.core.labels import count_label, severity_label
from sagesync.i18n import N_, _, current_language
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
# The header a person reads over each column (the column's name in the current language).
CSV_HEADERS = {"document": N_("document"), "source_id": N_("platform id"), "severity": N_("severity"),
               "code": N_("code"), "field": N_("field"), "message": N_("what is wrong"), "fix": N_("how to fix it")}


def csv_header() -> list[str]:
    return [_(CSV_HEADERS[column]) for column in CSV_COLUMNS]
SEVERITY_ORDER = {Severity.BLOCKING: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _sorted(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.document, f.field))


def write_csv(findings: Sequence[Finding], path: Path) -> Path:
    with guard_storage(path, "check report (CSV)"):
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(csv_header())
            for f in _sorted(findings):
                writer.writerow((f.document, f.source_id, severity_label(f.severity), f.code.value, f.field, f.message,
                                 f.fix))
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
    header = _("Company {company}, run {run}, {when}.").format(
        company=f"<b>{html.escape(report.company)}</b>", run=report.run_id, when=f"{report.started_at:%d/%m/%Y %H:%M}")
    parts = [f"<!doctype html><html lang='{current_language()}'><meta charset='utf-8'>"
             f"<title>{html.escape(title)}</title>",
             f"<style>{_STYLE}</style><h1>{html.escape(title)}</h1>",
             f"<p>{header}</p><table class='counts'>"]
    parts += [f"<tr><td>{html.escape(count_label(name))}</td><td><b>{count}</b></td></tr>"
              for name, count in sorted(report.counts.items())]
    parts.append("</table>")
    if not by_document:
        parts.append(f"<p>{html.escape(_('No finding: every document is ready.'))}</p>")
    columns = "".join(f"<th>{html.escape(_(CSV_HEADERS[name]))}</th>"
                      for name in ("severity", "field", "message", "fix"))
    for document, items in by_document.items():
        parts.append(f"<h2 class='doc'>{html.escape(document)}</h2><table><tr>{columns}</tr>")
        for f in items:
            parts.append(f"<tr><td class='{f.severity.value}'>{html.escape(severity_label(f.severity))}</td>"
                         f"<td>{html.escape(f.field)}</td>"
                         f"<td>{html.escape(f.message)}<br><small>{f.code.value}</small></td>"
                         f"<td>{html.escape(f.fix)}</td></tr>")
        parts.append("</table>")
    with guard_storage(path, "check report (HTML)"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(parts) + "</html>\n", encoding="utf-8")
    return path
