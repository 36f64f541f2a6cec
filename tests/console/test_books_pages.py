"""Findings, documents, pieces, runs and downloads after real runs on the sample firm and the embedded company.

Expected numbers come from the sample firm's own list of planted mistakes, not
from the code under test.
"""

from __future__ import annotations

import csv
import html as markup
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from sagesync import jobs
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profile_paths, profiles_file
from tests.console.conftest import Console, demo_form, sample_firm

FIRM = sample_firm()
PLANTED = {mistake["pk"]: mistake["expected"] for mistake in FIRM["planted_mistakes"]}
DRAFTS = {pk for pk, code in PLANTED.items() if code == "draft_document"}  # skipped, not blocking
BLOCKING_INVOICES = {pk for pk, code in PLANTED.items() if code not in ("original_invoice_unknown", "draft_document")
                     and any(invoice["pk"] == pk for invoice in FIRM["invoices"])}
BEFORE_PERIOD = set(FIRM["before_period_start"]["invoices"])


def finding_count(page: str) -> int:
    match = re.search(r'<p id="findings-count"><strong>(\d+)</strong>', page)
    assert match
    return int(match.group(1))


def findings_rows(page: str) -> list[tuple[str, str]]:
    """(severity, code) of every finding row of the findings page."""
    return re.findall(r'<tr class="finding (\w+)" data-code="(\w+)">', page)


def test_documents_after_a_sync_have_their_state_and_the_posted_mark(synced: Console) -> None:
    page = synced.client.get("/company/demo/documents?state=confirmed").text
    expected_posted = len(FIRM["invoices"]) - len(BLOCKING_INVOICES) - len(DRAFTS) - len(BEFORE_PERIOD)
    assert f"<strong>{expected_posted}</strong> documents" in page
    assert "page 1 of 2" in page  # 200 a page
    second = synced.client.get("/company/demo/documents?state=confirmed&page=2").text
    mark = '<span class="badge posted" title="in the books">✓ in Sage</span>'
    assert page.count(mark) + second.count(mark) == expected_posted
    blocked = synced.client.get("/company/demo/documents?state=blocked").text
    blocked_ids = set(re.findall(r'data-source-id="(\d+)"', blocked))
    assert blocked_ids == {str(pk) for pk in BLOCKING_INVOICES}
    ignored = synced.client.get("/company/demo/documents?state=ignored").text
    assert set(re.findall(r'data-source-id="(\d+)"', ignored)) == {str(pk) for pk in BEFORE_PERIOD}


def test_a_piece_shows_its_balanced_lines_with_the_invoice_total(synced: Console) -> None:
    invoice = next(row for row in FIRM["invoices"] if row["pk"] not in PLANTED and row["pk"] not in BEFORE_PERIOD
                   and row["type"] == 1 and row.get("currency") == 1)
    documents = synced.client.get(f"/company/demo/documents?q={invoice['code']}").text
    link = re.search(r'href="(/company/demo/pieces/\d+)">([^<]+)</a>', documents)
    assert link, "a posted document links to its piece"
    piece = synced.client.get(link.group(1)).text
    total = Decimal(str(invoice["total"])).quantize(Decimal("0.01"))
    french = f"{total:,.2f}".replace(",", "\u202f").replace(".", ",")
    totals = re.search(r'<tfoot><tr><th colspan="4">Total</th><th class="num">([^<]+)</th><th class="num">([^<]+)</th>',
                       piece)
    assert totals and totals.group(1) == totals.group(2) == french
    assert "balanced" in piece
    assert "411000" in piece and "PROJET" in piece  # the customer line and the analytic split


def test_findings_are_those_of_the_latest_runs_and_filter_by_severity_code_and_text(synced: Console) -> None:
    page = synced.client.get("/company/demo/findings").text
    codes = {code for _severity, code in findings_rows(page)}
    assert set(PLANTED.values()) <= codes
    assert "customer_not_synced" not in codes  # found by no run since the customers were pulled
    warnings = findings_rows(synced.client.get("/company/demo/findings?severity=warning").text)
    # the invoice's own warning, and the payments waiting for invoices that are not posted
    assert sorted(set(warnings)) == [("warning", "original_invoice_unknown"), ("warning", "payment_waiting")]
    closed = synced.client.get("/company/demo/findings?code=closed_period").text
    assert findings_rows(closed) == [("blocking", "closed_period")]
    fixes = re.findall(r'<tr class="finding [^>]+>(?:\s*<td>.*?</td>){3}\s*<td>(.*?)</td>', closed, re.S)
    assert len(fixes) == 1 and fixes[0].strip(), "the finding says how to fix it"
    duplicates = synced.client.get("/company/demo/findings?q=03318").text
    assert findings_rows(duplicates) == [("blocking", "customer_code_duplicate")] * 2
    nothing = synced.client.get("/company/demo/findings?q=no-such-thing").text
    assert "No finding matches these filters." in nothing


def test_a_finding_goes_away_once_a_later_run_sees_the_document_without_it(demo: Console) -> None:
    demo.run("check")  # before customers and projects: every invoice waits for its customer
    before = demo.client.get("/company/demo/findings?code=customer_not_synced").text
    assert finding_count(before) == len(FIRM["invoices"]) - len(BEFORE_PERIOD) - len(DRAFTS)
    assert len(findings_rows(before)) == 200  # the first page
    demo.run("customers")
    demo.run("projects")
    demo.run("check")
    assert findings_rows(demo.client.get("/company/demo/findings?code=customer_not_synced").text) == []


def test_the_findings_csv_opens_in_a_french_excel_and_follows_the_filters(synced: Console) -> None:
    response = synced.client.get("/company/demo/findings.csv?severity=blocking")
    assert response.headers["content-disposition"].startswith('attachment; filename="findings-demo-')
    raw = response.content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["document", "source_id", "severity", "code", "field", "message", "fix", "run"]
    page = synced.client.get("/company/demo/findings?severity=blocking").text
    assert len(rows) - 1 == len(findings_rows(page))
    assert {row[2] for row in rows[1:]} == {"blocking"}
    assert all(row[6] for row in rows[1:]), "every finding says how to fix it"


def test_the_run_history_has_counts_and_durations(synced: Console) -> None:
    page = synced.client.get("/company/demo/runs").text
    steps = re.findall(r'<tr class="run (\w+)">\s*<td>(\d+)</td><td>([^<]+)</td>', page)
    assert [title for _status, _id, title in steps] == [
        "Write back", "Pull payments", "Pull invoices", "Check invoices", "Pull projects", "Pull customers"]
    expected_posted = len(FIRM["invoices"]) - len(BLOCKING_INVOICES) - len(DRAFTS) - len(BEFORE_PERIOD)
    assert f"posted {expected_posted}" in page
    assert re.search(r"<td class=\"num\">(under 1 s|\d+ s)</td>", page)


def test_downloads_offer_the_check_reports_and_nothing_else(synced: Console) -> None:
    page = synced.client.get("/company/demo/downloads").text
    links = re.findall(r'href="(/company/demo/file\?path=[^"]+)">([^<]+)</a>', page)
    names = {name for _link, name in links}
    assert any(name.endswith(".csv") for name in names) and any(name.endswith(".html") for name in names)
    csv_link = next(link for link, name in links if name.endswith(".csv"))
    report = synced.client.get(markup.unescape(csv_link))
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert b"closed_period" in report.content
    for path in (profiles_file(), profile_paths("demo").ledger, Path("/etc/passwd"),
                 profile_paths("demo").reports / ".." / "ledger.sqlite"):
        assert synced.client.get("/company/demo/file", params={"path": str(path)}).status_code == 404


def test_the_fec_is_exported_from_the_downloads_page(synced: Console, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []

    def export_fec(profile: Profile, start: date, end: date) -> Path:
        asked.append((profile.name, start, end))
        path = tmp_path / "732829320FEC20251231.txt"
        path.write_text("JournalCode\tJournalLib\n", encoding="iso-8859-15")
        return path

    monkeypatch.setattr(jobs, "export_fec", export_fec, raising=False)
    page = synced.post("/company/demo/fec", {"start": "2025-01-01", "end": "2025-12-31"}).text
    assert asked == [("demo", date(2025, 1, 1), date(2025, 12, 31))]
    assert "FEC written: 732829320FEC20251231.txt" in page
    link = re.search(r'href="(/company/demo/file\?path=[^"]+)">732829320FEC20251231.txt</a>', page)
    assert link
    assert synced.client.get(markup.unescape(link.group(1))).text.startswith("JournalCode")
    wrong = synced.post("/company/demo/fec", {"start": "2025-12-31", "end": "2025-01-01"})
    assert wrong.status_code == 422 and "before the first one" in wrong.text


def test_the_real_fec_export_of_the_posted_entries_is_offered_for_download(synced: Console,
                                                                          company_path: Path) -> None:
    form = {key: value for key, value in demo_form(company_path, siren="732829320").items() if key != "name"}
    assert synced.post("/profiles/demo", form, follow_redirects=False).status_code == 303
    page = synced.post("/company/demo/fec", {"start": "2025-01-01", "end": "2026-12-31"}).text
    assert "FEC written: 732829320FEC20261231.txt" in page, page
    link = re.search(r'href="(/company/demo/file\?path=[^"]+)">732829320FEC20261231.txt</a>', page)
    assert link
    fec = synced.client.get(markup.unescape(link.group(1)))
    header = fec.content.decode("iso-8859-15").splitlines()[0].split("\t")
    assert header[:3] == ["JournalCode", "JournalLib", "EcritureNum"]
    assert len(fec.content.decode("iso-8859-15").splitlines()) > 1
    synced.app.state.console.exported.clear()  # as after a restart of the console
    assert "732829320FEC20261231.txt" in synced.client.get("/company/demo/downloads").text  # the exports folder


def test_the_real_connection_test_reports_the_company_and_what_the_platform_needs(demo: Console) -> None:
    html = markup.unescape(demo.post("/profiles/demo/test").text)
    assert "sales journal VTE" in html and "exists and is a sales journal" in html
    assert "platform password of profile 'demo' is not set" in html
