"""Money everywhere: the documents list's client and amounts, its filters and pages, the sales journal of a period
and its brouillard, their .xlsx and CSV exports, all checked against the ledger's own entry lines to the cent."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from sagesync.i18n import language
from sagesync.ledger.schema import SCHEMA_VERSION
from sagesync.ledger.store import Ledger
from sagesync.profiles.paths import profile_paths
from tests.console.conftest import COMPANY, Console

ROLE_SIDE = {"customer": "debit", "revenue": "credit", "vat": "credit"}
CENT = Decimal("0.01")


def french(text: str) -> Decimal:
    """``-1 234,56`` (the pages' format) -> Decimal."""
    return Decimal(text.replace("\u202f", "").replace(" ", "").replace(",", ".").replace("−", "-"))


def signed(role: str, side: str, amount: str) -> Decimal:
    value = Decimal(amount)
    return value if ROLE_SIDE[role] == side else -value


def line_totals(ledger: sqlite3.Connection, where: str = "", parameters: tuple[Any, ...] = ()) -> dict[str, Decimal]:
    """HT, TVA, TTC, debit and credit worked out here from the ledger's entry lines (the plain definition)."""
    sums = {"revenue": Decimal(0), "vat": Decimal(0), "customer": Decimal(0), "debit": Decimal(0),
            "credit": Decimal(0)}
    for role, side, amount in ledger.execute(
            "SELECT role, side, amount FROM entry_lines JOIN postings ON postings.id = entry_lines.posting_id "
            f"WHERE postings.company = ? AND postings.kind != 'payment' {where}", (COMPANY, *parameters)):
        sums[role] += signed(role, side, amount)
        sums[side] += Decimal(amount)
    return {"ht": sums["revenue"], "vat": sums["vat"], "ttc": sums["customer"], "debit": sums["debit"],
            "credit": sums["credit"]}


def source_ids(page: str) -> list[str]:
    return re.findall(r'data-source-id="([^"]+)"', page)


def count_of(page: str) -> int:
    match = re.search(r'<p id="documents-count">(?:<strong>)?(\d+)', page)
    assert match, page[:2000]
    return int(match.group(1))


def test_the_documents_list_pages_through_every_document_with_its_client_and_amounts(
        synced: Console, ledger: sqlite3.Connection) -> None:
    everything = {row[0] for row in ledger.execute("SELECT source_id FROM document_states WHERE company = ?",
                                                   (COMPANY,))}
    assert len(everything) > 200
    first = synced.client.get("/company/demo/documents").text
    assert count_of(first) == len(everything)
    pages = (len(everything) + 199) // 200
    seen: list[str] = []
    for number in range(1, pages + 1):
        seen += source_ids(synced.client.get(f"/company/demo/documents?page={number}").text)
    assert len(seen) == len(everything) and set(seen) == everything  # no cap, no row twice
    # a posted invoice's row: its client and its HT, TVA and TTC from the ledger's entry
    source_id, tiers, ht, tva, ttc = ledger.execute(
        "SELECT source_id, client, total_ht, total_vat, total_ttc FROM postings WHERE company = ? AND kind = 'invoice' "
        "AND CAST(total_vat AS REAL) > 0 LIMIT 1", (COMPANY,)).fetchone()
    number = ledger.execute("SELECT number FROM postings WHERE source_id = ?", (source_id,)).fetchone()[0]
    page = synced.client.get(f"/company/demo/documents?q={number}").text
    row = re.search(rf'<tr class="document \w+" data-source-id="{source_id}">(.*?)</tr>', page, re.S)
    assert row
    assert "<span title=" in row.group(1) and f">{tiers}</span>" in row.group(1)
    amounts = re.findall(r'<td class="num (?:ht|vat|ttc)">([^<]*)</td>', row.group(1))
    assert [french(text) for text in amounts] == [Decimal(ht), Decimal(tva), Decimal(ttc)]
    assert Decimal(ht) + Decimal(tva) == Decimal(ttc)


def test_the_filters_period_client_kind_and_state(synced: Console, ledger: sqlite3.Connection) -> None:
    # the period: issue dates in March 2025, both ends included
    expected = {row[0] for row in ledger.execute(
        "SELECT source_id FROM document_states WHERE company = ? AND issue_date BETWEEN '2025-03-01' AND '2025-03-31'",
        (COMPANY,))}
    assert expected
    page = synced.client.get("/company/demo/documents?from=2025-03-01&to=2025-03-31").text
    assert count_of(page) == len(expected) and set(source_ids(page)) <= expected
    # credit notes only: their amounts are negative
    notes = {row[0] for row in ledger.execute(
        "SELECT source_id FROM document_states WHERE company = ? AND kind = 'credit_note'", (COMPANY,))}
    page = synced.client.get("/company/demo/documents?kind=credit_note").text
    assert set(source_ids(page)) == notes
    ttcs = [french(text) for text in re.findall(r'<td class="num ttc">([^<]+)</td>', page)]
    assert ttcs and all(value < 0 for value in ttcs)
    # a client, by its tiers code, and by (part of) its name
    tiers, posted = ledger.execute("SELECT client, count(*) FROM postings WHERE company = ? AND kind != 'payment' "
                                   "GROUP BY client ORDER BY count(*) DESC LIMIT 1", (COMPANY,)).fetchone()
    page = synced.client.get(f"/company/demo/documents?client={tiers}").text
    assert count_of(page) >= posted
    name = ledger.execute("SELECT name FROM synced_records WHERE company = ? AND kind = 'customer' AND sage_code = ?",
                          (COMPANY, tiers)).fetchone()[0]
    by_name = synced.client.get("/company/demo/documents", params={"client": name[:8]}).text
    assert set(source_ids(page)) <= set(source_ids(by_name))
    # the totals line sums every document kept, not the page: the confirmed ones against the ledger
    page = synced.client.get("/company/demo/documents?state=confirmed").text
    totals = re.search(r'<p id="documents-totals".*?</p>', page, re.S)
    assert totals
    values = [french(text) for text in re.findall(r'<strong class="num">([^<]+)</strong>', totals.group(0))]
    expected_totals = line_totals(ledger, "AND postings.state = 'confirmed' AND postings.source_id IN "
                                  "(SELECT source_id FROM document_states WHERE company = postings.company) AND "
                                  "postings.source_id NOT IN (SELECT source_id FROM document_states WHERE "
                                  "verdict = 'changed_after_posting')")
    assert values == [expected_totals["ht"], expected_totals["vat"], expected_totals["ttc"]]
    # a filter is kept by the pager and the export links
    page = synced.client.get("/company/demo/documents?from=2025-01-01&kind=invoice").text
    assert 'href="/company/demo/documents.xlsx?kind=invoice&amp;from=2025-01-01"' in page
    if "page 1 of" in page:
        assert 'href="?kind=invoice&amp;from=2025-01-01&amp;page=2"' in page


def journal_figures(page: str) -> dict[str, Decimal]:
    return {key: french(value) for key, value in re.findall(
        r'<th class="num" id="(postings-\w+|lines-\w+|journal-debit|journal-credit)">([^<]+)</th>', page)}


def test_the_sales_journal_balances_with_the_ledgers_entry_lines_to_the_cent(
        synced: Console, ledger: sqlite3.Connection) -> None:
    page = synced.client.get("/company/demo/journal?from=2025-01-01&to=2026-12-31").text
    expected = line_totals(ledger, "AND entry_date BETWEEN '2025-01-01' AND '2026-12-31'")
    figures = journal_figures(page)
    assert figures["lines-ht"] == figures["postings-ht"] == expected["ht"]
    assert figures["lines-vat"] == figures["postings-vat"] == expected["vat"]
    assert figures["lines-ttc"] == figures["postings-ttc"] == expected["ttc"]
    assert figures["journal-debit"] == figures["journal-credit"] == expected["debit"] == expected["credit"]
    assert expected["ht"] + expected["vat"] == expected["ttc"] and expected["ttc"] > 0
    assert 'class="check balanced"' in page
    # per VAT code: the VAT lines of each code
    for code, tva in re.findall(r'<tr data-code="([^"]*)"><td>[^<]*</td><td class="num">[^<]*</td><td class="num">'
                                r'[^<]*</td><td class="num">([^<]+)</td>', page):
        lines = sum((signed(role, side, amount) for role, side, amount in ledger.execute(
            "SELECT role, side, amount FROM entry_lines WHERE role = 'vat' AND vat_code = ?", (code,))), Decimal(0))
        assert french(tva) == lines
    # per state: the entries of each delivery state
    states = dict(ledger.execute("SELECT state, count(*) FROM postings WHERE company = ? AND kind != 'payment' "
                                 "GROUP BY state", (COMPANY,)))
    shown = dict(re.findall(r'<tr data-state="(\w+)"><td>[^<]*</td><td class="num">(\d+)</td>', page))
    assert {state: int(count) for state, count in shown.items()} == states
    # a period: only its entries
    march = journal_figures(synced.client.get("/company/demo/journal?from=2025-03-01&to=2025-03-31").text)
    assert march["lines-ttc"] == line_totals(ledger, "AND entry_date BETWEEN '2025-03-01' AND '2025-03-31'")["ttc"]


def test_the_journal_in_french_says_balanced(synced: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    page = synced.client.get("/company/demo/journal?from=2025-01-01&to=2026-12-31").text
    assert "Journal des ventes" in page and "équilibré" in page and "comptabilisé" in page.lower()


def workbook_rows(content: bytes) -> tuple[Any, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    return sheet, list(sheet.iter_rows(values_only=True))


def test_the_documents_export_to_xlsx_totals_like_the_ledger(synced: Console, ledger: sqlite3.Connection) -> None:
    response = synced.client.get("/company/demo/documents.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet, rows = workbook_rows(response.content)
    header, body = rows[0], rows[1:]
    assert header[:8] == ("Client", "Client name", "Date", "Number", "Kind", "Excl. VAT (HT)", "VAT (TVA)",
                          "Incl. VAT (TTC)")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width > 20
    documents = ledger.execute("SELECT count(*) FROM document_states WHERE company = ?", (COMPANY,)).fetchone()[0]
    assert len(body) == documents > 200  # every document, not a page
    assert sheet["F2"].number_format == "#,##0.00" and isinstance(sheet["C2"].value, datetime)
    ttc = sum((Decimal(str(row[7])) for row in body if row[7] is not None), Decimal(0)).quantize(CENT)
    expected = line_totals(ledger, "AND postings.source_id IN (SELECT source_id FROM document_states "
                                   "WHERE company = postings.company)")
    assert ttc == expected["ttc"]


def test_the_journal_and_brouillard_export_to_xlsx(synced: Console, ledger: sqlite3.Connection) -> None:
    period = "from=2025-01-01&to=2026-12-31"
    expected = line_totals(ledger, "AND entry_date BETWEEN '2025-01-01' AND '2026-12-31'")
    _sheet, rows = workbook_rows(synced.client.get(f"/company/demo/journal.xlsx?{period}").content)
    by_table: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows[1:]:
        by_table.setdefault(str(row[0]), []).append(row)
    vat_rows = by_table["per VAT code"]
    assert sum((Decimal(str(row[5])) for row in vat_rows), Decimal(0)).quantize(CENT) == expected["vat"]
    accounts = by_table["per account"]
    assert sum((Decimal(str(row[7] or 0)) for row in accounts), Decimal(0)).quantize(CENT) == expected["debit"]
    assert sum((Decimal(str(row[8] or 0)) for row in accounts), Decimal(0)).quantize(CENT) == expected["credit"]
    assert by_table["check"][0][1] == "in balance"
    sheet, rows = workbook_rows(synced.client.get(f"/company/demo/brouillard.xlsx?{period}").content)
    lines = ledger.execute("SELECT count(*) FROM entry_lines JOIN postings ON postings.id = posting_id "
                           "WHERE entry_date BETWEEN '2025-01-01' AND '2026-12-31' AND kind != 'payment'").fetchone()[0]
    assert len(rows) - 1 == lines and sheet.freeze_panes == "A2"
    debit = sum((Decimal(str(row[10])) for row in rows[1:] if row[10] is not None), Decimal(0)).quantize(CENT)
    credit = sum((Decimal(str(row[11])) for row in rows[1:] if row[11] is not None), Decimal(0)).quantize(CENT)
    assert debit == credit == expected["debit"]


def test_the_csv_exports_are_french_excel_csv(synced: Console, ledger: sqlite3.Connection) -> None:
    response = synced.client.get("/company/demo/documents.csv?kind=credit_note")
    assert response.status_code == 200 and response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Client", "Client name", "Date"]
    notes = ledger.execute("SELECT count(*) FROM document_states WHERE company = ? AND kind = 'credit_note'",
                           (COMPANY,)).fetchone()[0]
    assert len(rows) - 1 == notes
    posted = [row for row in rows[1:] if row[7]]
    assert posted and all(re.fullmatch(r"-\d+,\d\d", row[7]) for row in posted)  # a decimal comma, negative
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4}", row[2]) for row in rows[1:])
    total = sum((Decimal(row[7].replace(",", ".")) for row in posted), Decimal(0))
    assert total == line_totals(ledger, "AND postings.kind = 'credit_note' AND postings.source_id IN "
                                "(SELECT source_id FROM document_states WHERE company = postings.company)")["ttc"]
    brouillard = synced.client.get("/company/demo/brouillard.csv?from=2025-01-01&to=2026-12-31")
    lines = list(csv.reader(io.StringIO(brouillard.content.decode("utf-8-sig")), delimiter=";"))
    debit = sum((Decimal(row[10].replace(",", ".")) for row in lines[1:] if row[10]), Decimal(0))
    credit = sum((Decimal(row[11].replace(",", ".")) for row in lines[1:] if row[11]), Decimal(0))
    assert debit == credit > 0
    assert synced.client.get("/company/demo/journal.pdf").status_code == 404


def test_the_brouillard_page_shows_each_entry_with_its_lines(synced: Console, ledger: sqlite3.Connection) -> None:
    page = synced.client.get("/company/demo/brouillard?from=2025-01-01&to=2026-12-31").text
    entries = ledger.execute("SELECT count(*) FROM postings WHERE company = ? AND entry_date BETWEEN '2025-01-01' "
                             "AND '2026-12-31' AND kind != 'payment'", (COMPANY,)).fetchone()[0]
    assert re.search(rf'<p id="brouillard-count">{entries} entries', page)
    assert page.count('<tbody class="entry"') == min(entries, 100)
    assert "@media print" in synced.client.get("/static/console.css").text
    second = synced.client.get("/company/demo/brouillard?from=2025-01-01&to=2026-12-31&page=2").text
    first_pieces = set(re.findall(r'data-piece="([^"]+)"', page))
    assert first_pieces.isdisjoint(re.findall(r'data-piece="([^"]+)"', second))


def test_an_older_ledger_gets_its_totals_backfilled(synced: Console, tmp_path: Path) -> None:
    """A schema 2 ledger (no client nor totals on its postings) opened by this sagesync: filled from its lines."""
    original = profile_paths("demo").ledger
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(original) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    with sqlite3.connect(path) as raw:
        kept = {row[0]: row[1:] for row in raw.execute(
            "SELECT id, client, total_ht, total_vat, total_ttc FROM postings")}
        assert kept and all(values[3] is not None for values in kept.values())
        for index in ("ix_postings_client", "ix_postings_date"):
            raw.execute(f"DROP INDEX {index}")
        for column in ("client", "total_ht", "total_vat", "total_ttc"):
            raw.execute(f"ALTER TABLE postings DROP COLUMN {column}")
        raw.execute("UPDATE ledger_info SET value = '2' WHERE key = 'schema_version'")
    Ledger(path).dispose()
    with sqlite3.connect(path) as raw:
        version = raw.execute("SELECT value FROM ledger_info WHERE key = 'schema_version'").fetchone()[0]
        assert version == str(SCHEMA_VERSION)
        backfilled = {row[0]: row[1:] for row in raw.execute(
            "SELECT id, client, total_ht, total_vat, total_ttc FROM postings")}
        indexes = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert backfilled == kept
    assert {"ix_postings_client", "ix_postings_date"} <= indexes


def test_amounts_keep_their_cents_exactly() -> None:
    from sagesync.interfaces.console.exports import csv_value

    assert csv_value(Decimal("-1234.50"), "amount") == "-1234,50"
    assert csv_value(date(2025, 3, 1), "date") == "01/03/2025"
    with language("fr"):
        from sagesync.interfaces.console.routes.money import kind_word

        assert kind_word("credit_note") == "avoir"


def test_the_postings_client_column_leaves_each_entry_lines_tiers_alone(ledger: sqlite3.Connection) -> None:
    """``store.posted_entries`` joins postings and entry lines by name: the posting's client is not a line's tiers."""
    from sagesync.ledger import store

    opened = Ledger(profile_paths("demo").ledger)
    try:
        with opened.connect() as connection:
            entries = list(store.posted_entries(connection, COMPANY, date(2000, 1, 1), date(2100, 1, 1)))
    finally:
        opened.dispose()
    read = [[line.tiers for line in entry.lines] for entry, _number, _at in entries]
    expected: dict[str, list[str]] = {}
    for piece, tiers in ledger.execute("SELECT piece, entry_lines.tiers FROM entry_lines JOIN postings ON "
                                       "postings.id = posting_id ORDER BY journal, length(entry_number), "
                                       "entry_number, line_no"):  # EcritureNum order
        expected.setdefault(piece, []).append(tiers)
    assert read == list(expected.values()) and any("" in lines for lines in read)
