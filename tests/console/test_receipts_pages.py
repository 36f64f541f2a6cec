"""Receipts and payments in the console: the VAT on receipts per month and rate, the collections per payment, the
payments posted, waiting or refused, and their .xlsx / CSV exports, all checked against the ledger's own tables
(vat_transfers, payments_posted, findings) to the cent."""

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

from sagesync.core.payments import Settlement
from sagesync.interfaces.console.routes import receipts as receipts_routes
from sagesync.ledger import cash, payment_views, receipts
from sagesync.ledger.store import Ledger
from sagesync.profiles.model import Profile
from sagesync.profiles.paths import profile_paths
from sagesync.profiles.store import ProfileStore
from tests.console.conftest import COMPANY, Console

YEAR_2025 = "from=2025-01-01&to=2025-12-31"
EVERYTHING = "from=2024-01-01&to=2027-12-31"


def french(text: str) -> Decimal:
    """``-1 234,56`` (the pages' format) -> Decimal."""
    return Decimal(text.replace("\u202f", "").replace(" ", "").replace(",", "."))


def vat_sums(ledger: sqlite3.Connection, start: str, end: str) -> dict[str, Decimal]:
    """rate -> the VAT on receipts made due in [start, end], worked out here from vat_transfers."""
    sums: dict[str, Decimal] = {}
    for rate, amount in ledger.execute("SELECT rate, amount FROM vat_transfers WHERE company = ? AND transfer_date "
                                       "BETWEEN ? AND ?", (COMPANY, start, end)):
        sums[rate] = sums.get(rate, Decimal(0)) + Decimal(amount)
    return sums


def collected_sum(ledger: sqlite3.Connection, start: str, end: str) -> tuple[int, Decimal]:
    """How many payments in [start, end], and what they collected (a refund, on a credit note, counts negative)."""
    rows = ledger.execute(
        "SELECT pp.customer_eur, p.kind FROM payments_posted pp LEFT JOIN postings p ON p.company = pp.company AND "
        "p.source_id = pp.document_source_id WHERE pp.company = ? AND pp.payment_date BETWEEN ? AND ?",
        (COMPANY, start, end)).fetchall()
    return len(rows), sum((-Decimal(amount) if kind == "credit_note" else Decimal(amount) for amount, kind in rows),
                          Decimal(0))


def grab(pattern: str, text: str) -> str:
    """The first group of ``pattern`` in ``text`` (which must hold it)."""
    match = re.search(pattern, text, re.S)
    assert match, pattern
    return match.group(1)


def workbook_rows(content: bytes) -> list[tuple[Any, ...]]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


# --- Encaissements ------------------------------------------------------------------------------------------


def test_the_vat_on_receipts_per_month_and_rate_is_the_ledgers_to_the_cent(
        synced: Console, ledger: sqlite3.Connection) -> None:
    page = synced.client.get(f"/company/demo/receipts?{YEAR_2025}").text
    expected = vat_sums(ledger, "2025-01-01", "2025-12-31")
    assert len(expected) >= 3 and sum(expected.values()) > 0  # 20 %, 10 % and 5,5 % in the sample firm
    assert french(grab(r'id="vat-total">([^<]+)<', page)) == sum(expected.values())
    per_rate = {rate: french(vat) for rate, vat in re.findall(
        r'<tr class="rate-total" data-rate="([^"]*)"><th colspan="4">[^<]*</th><th class="num">([^<]+)</th>', page)}
    assert per_rate == expected
    # each month and rate: the month's transfers of that rate
    cells = 0
    for month, body in re.findall(r'<tbody class="month" data-month="([\d-]+)">(.*?)</tbody>', page, re.S):
        for rate, vat in re.findall(r'<tr data-rate="([^"]*)">.*?<td class="num vat">([^<]+)</td>', body, re.S):
            month_sum = sum((Decimal(amount) for (amount,) in ledger.execute(
                "SELECT amount FROM vat_transfers WHERE company = ? AND rate = ? AND substr(transfer_date, 1, 7) = ?",
                (COMPANY, rate, month))), Decimal(0))
            assert french(vat) == month_sum, (month, rate)
            cells += 1
    assert cells >= 10
    # the figures are the receipts report's own
    with Ledger(profile_paths("demo").ledger).connect() as connection:
        report = receipts.vat_by_month(connection, COMPANY, date(2025, 1, 1), date(2025, 12, 31))
    assert cells == len(report)
    assert "5,5 %" in page and "1\u202f" in page  # French figures: a decimal comma, narrow spaces between thousands


def test_the_collections_page_through_every_payment_with_the_periods_totals(
        synced: Console, ledger: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipts_routes, "PAGE_SIZE", 40)
    expected = {key for (key,) in ledger.execute("SELECT payment_key FROM payments_posted WHERE company = ?",
                                                 (COMPANY,))}
    first = synced.client.get(f"/company/demo/receipts?{EVERYTHING}").text
    count = int(grab(r'<p id="collections-count"><strong>(\d+)</strong>', first))
    assert count == len(expected) > 150
    pages = (count + 39) // 40
    assert f"page 1 of {pages}" in first and 'rel="next"' in first
    seen: list[str] = []
    for number in range(1, pages + 1):
        seen += re.findall(r'<tr class="collection" data-payment="([^"]+)">',
                           synced.client.get(f"/company/demo/receipts?{EVERYTHING}&page={number}").text)
    assert len(seen) == len(expected) and set(seen) == expected  # no cap, no payment twice
    # the period's totals (every page, not this one's), against the ledger
    _payments, amount = collected_sum(ledger, "2024-01-01", "2027-12-31")
    vat = sum(vat_sums(ledger, "2024-01-01", "2027-12-31").values(), Decimal(0))
    assert french(grab(r'id="collected-total">([^<]+)<', first)) == amount
    assert french(grab(r'id="collected-vat">([^<]+)<', first)) == vat
    # one payment's row: its amount and the VAT it carried
    key, customer_eur = ledger.execute("SELECT payment_key, customer_eur FROM payments_posted WHERE company = ? "
                                       "AND payment_key = 'P70010'", (COMPANY,)).fetchone()
    page = next(text for text in (synced.client.get(f"/company/demo/receipts?{EVERYTHING}&page={number}").text
                                  for number in range(1, pages + 1)) if f'data-payment="{key}"' in text)
    row = grab(rf'<tr class="collection" data-payment="{key}">(.*?)</tr>', page)
    assert french(grab(r'<td class="num amount">([^<]+)</td>', row)) == Decimal(customer_eur)
    moved = sum((Decimal(amount) for (amount,) in ledger.execute(
        "SELECT amount FROM vat_transfers WHERE payment_key = ?", (key,))), Decimal(0))
    assert french(grab(r'<td class="num vat">([^<]+)</td>', row)) == moved > 0


def test_a_page_of_collections_is_a_slice_of_the_receipts_report(synced: Console) -> None:
    with Ledger(profile_paths("demo").ledger).connect() as connection:
        start, end = date(2024, 1, 1), date(2027, 12, 31)
        report = list(receipts.collected(connection, COMPANY, start, end))
        page, total = payment_views.collected_page(connection, COMPANY, start, end, limit=25, offset=50)
        totals = payment_views.collected_totals(connection, COMPANY, start, end)
    assert total == len(report) and page == report[50:75]
    assert totals.amount == sum((item.amount for item in report), Decimal(0))
    assert totals.vat == sum((item.vat for item in report), Decimal(0))
    assert totals.rates == ["20", "10", "5.5"]
    with Ledger(profile_paths("demo").ledger).connect() as connection:
        streamed = list(payment_views.iter_payments(connection, COMPANY, start, end, batch=7))
        paged, count = payment_views.payments_page(connection, COMPANY, start, end, limit=1000)
    assert streamed == paged and count == len(report) == len({item.payment_key for item in streamed})
    assert [item.payment_key for item in streamed] == [item.payment_key for item in report]


def test_the_period_is_the_current_year_by_default(synced: Console) -> None:
    assert receipts_routes.receipts_period("", "", today=date(2026, 5, 3)) == (date(2026, 1, 1), date(2026, 12, 31))
    assert receipts_routes.receipts_period("2025-12-31", "2025-01-01") == (date(2025, 1, 1), date(2025, 12, 31))
    this_year = date.today().year
    page = synced.client.get("/company/demo/receipts").text
    assert f'name="from" value="{this_year}-01-01"' in page and f'name="to" value="{this_year}-12-31"' in page


def test_the_vat_export_to_xlsx_and_csv_totals_like_the_ledger(synced: Console, ledger: sqlite3.Connection) -> None:
    expected = vat_sums(ledger, "2025-01-01", "2025-12-31")
    response = synced.client.get(f"/company/demo/receipts/vat.xlsx?{YEAR_2025}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vnd.openxml")
    assert 'filename="tva-encaissements-demo-20250101-20251231.xlsx"' in response.headers["content-disposition"]
    rows = workbook_rows(response.content)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == ("Month", "VAT rate", "Tax code", "VAT account (due)", "VAT on receipts made due")
    by_rate: dict[str, Decimal] = {}
    for _month, rate, _code, _account, vat in body:
        key = rate.removesuffix(" %").replace(",", ".")
        by_rate[key] = by_rate.get(key, Decimal(0)) + Decimal(str(vat))
    assert {rate: vat.quantize(Decimal("0.01")) for rate, vat in by_rate.items()} == expected
    assert total[0] == "Total" and Decimal(str(total[4])).quantize(Decimal("0.01")) == sum(expected.values())
    text = synced.client.get(f"/company/demo/receipts/vat.csv?{YEAR_2025}").text
    lines = csv_rows(text)
    assert lines[0][0] == "Month" and lines[-1][0] == "Total"
    assert french(lines[-1][4]) == sum(expected.values())
    assert sum((french(line[4]) for line in lines[1:-1]), Decimal(0)) == sum(expected.values())


def test_the_collections_export_has_every_payment_and_the_vat_per_rate(
        synced: Console, ledger: sqlite3.Connection) -> None:
    payments, amount = collected_sum(ledger, "2024-01-01", "2027-12-31")
    expected = vat_sums(ledger, "2024-01-01", "2027-12-31")
    rows = workbook_rows(synced.client.get(f"/company/demo/receipts/collections.xlsx?{EVERYTHING}").content)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == ("Collected on", "Invoice", "Client", "Client name", "Payment", "Amount collected", "VAT 20 %",
                      "VAT 10 %", "VAT 5,5 %", "VAT collected")
    assert len(body) == payments > 150  # every payment, not a page
    assert isinstance(body[0][0], datetime) and body[0][3]  # a date, and the client's name
    cent = Decimal("0.01")
    assert sum((Decimal(str(row[5])) for row in body), Decimal(0)).quantize(cent) == amount
    assert Decimal(str(total[5])).quantize(cent) == amount
    for column, rate in ((6, "20"), (7, "10"), (8, "5.5")):
        assert sum((Decimal(str(row[column])) for row in body), Decimal(0)).quantize(cent) == expected[rate]
        assert Decimal(str(total[column])).quantize(cent) == expected[rate]
    assert Decimal(str(total[9])).quantize(cent) == sum(expected.values())
    lines = csv_rows(synced.client.get(f"/company/demo/receipts/collections.csv?{EVERYTHING}").text)
    assert len(lines) == payments + 2 and lines[-1][1] == "Total"
    assert french(lines[-1][5]) == amount and french(lines[-1][9]) == sum(expected.values())
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", lines[1][0]) and lines[1][4].isdigit()  # 70008, the platform's id


def test_an_unknown_export_is_refused(synced: Console) -> None:
    assert synced.client.get("/company/demo/receipts/vat.pdf").status_code == 404
    assert synced.client.get("/company/demo/payments.ods").status_code == 404


def test_the_receipts_and_payments_pages_in_french(synced: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    page = synced.client.get(f"/company/demo/receipts?{YEAR_2025}").text
    assert "<h1>Encaissements</h1>" in page and "TVA sur les encaissements exigible, par mois et par taux" in page
    assert 'href="/company/demo/payments"' in page and ">Règlements</a>" in page  # the company's navigation
    assert "Encaissé le" in page and "Total de la TVA exigible" in page
    payments = synced.client.get(f"/company/demo/payments?{YEAR_2025}").text
    assert "<h1>Règlements</h1>" in payments and "À corriger" in payments and "trop-perçu" in payments
    assert "en attente de leur facture" in payments and "Règlements comptabilisés" in payments
    company = synced.client.get("/company/demo").text
    assert "Importer les règlements" in company and "Envoyer les règlements" in company
    assert "Importer les règlements" in synced.client.get("/company/demo/runs").text


# --- Règlements ---------------------------------------------------------------------------------------------


def test_the_payments_waiting_or_refused_are_listed_with_their_fix(
        synced: Console, ledger: sqlite3.Connection) -> None:
    found = ledger.execute("SELECT source_id, code, message, fix, severity FROM findings WHERE company = ? AND "
                           "kind = 'payment'", (COMPANY,)).fetchall()
    waiting = {row[0] for row in found if row[1] == "payment_waiting"}
    refused = {row[0] for row in found if row[1] != "payment_waiting" and row[4] == "blocking"}
    ignored = {row[0] for row in found if row[1] != "payment_waiting" and row[4] != "blocking"}
    assert waiting and refused
    page = synced.client.get("/company/demo/payments").text
    assert grab(r'id="count-waiting">(\d+)<', page) == str(len(waiting))
    assert grab(r'id="count-refused">(\d+)<', page) == str(len(refused))
    shown = dict(re.findall(r'<tr class="finding \w+" data-code="(\w+)" data-payment="(\w+)">', page))
    assert set(re.findall(r'data-payment="(\w+)">\s*<td class="document">payment #', page)) == (
        waiting | refused | ignored)
    assert ('id="count-ignored"' in page) == bool(ignored)
    assert "overpayment" in shown
    source_id, _code, message, fix, _severity = next(row for row in found if row[1] == "overpayment")
    row = grab(rf'data-payment="{source_id}">(.*?)</tr>', page)
    assert message.replace("'", "&#39;") in row and fix.replace("'", "&#39;") in row
    only_refused = synced.client.get("/company/demo/payments?show=refused").text
    assert set(re.findall(r'<tr class="finding \w+" data-code="\w+" data-payment="(\w+)">', only_refused)) == refused


def test_the_payments_posted_page_through_with_their_letter_and_vat(
        synced: Console, ledger: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(receipts_routes, "PAGE_SIZE", 50)
    expected = {key for (key,) in ledger.execute("SELECT payment_key FROM payments_posted WHERE company = ?",
                                                 (COMPANY,))}
    letters = dict(ledger.execute(
        "SELECT p.source_id, l.letter FROM postings p JOIN entry_lines l ON l.posting_id = p.id "
        "WHERE p.company = ? AND p.kind = 'payment' AND l.role = 'customer'", (COMPANY,)).fetchall())
    seen: dict[str, str] = {}
    number, pages = 1, 1
    while number <= pages:
        page = synced.client.get(f"/company/demo/payments?{EVERYTHING}&page={number}").text
        if number == 1:
            total = int(grab(r'<strong>(\d+)</strong> payments posted', page))
            assert total == len(expected)
            pages = (total + 49) // 50
        for key, row in re.findall(r'<tr class="payment" data-payment="(\w+)">(.*?)</tr>', page, re.S):
            assert key not in seen
            seen[key] = row
        number += 1
    assert set(seen) == expected
    lettered = [key for key, letter in letters.items() if letter]
    assert lettered and all(f'<span class="badge posted" title="matched (lettré)">{letters[key]}</span>' in seen[key]
                            for key in lettered)
    assert all("open" in seen[key] for key, letter in letters.items() if not letter)
    # a payment's row: its piece, invoice, amount and the VAT it moved
    key, customer_eur, document = ledger.execute(
        "SELECT payment_key, customer_eur, document_source_id FROM payments_posted WHERE payment_key = 'P70010'"
    ).fetchone()
    piece, invoice = ledger.execute("SELECT p.piece, d.number FROM postings p JOIN postings d ON d.source_id = ? "
                                    "WHERE p.source_id = ?", (document, key)).fetchone()
    row = seen[key]
    assert f">{piece}</a>" in row and invoice in row and "#70010" in row
    assert french(grab(r'<td class="num amount">([^<]+)</td>', row)) == Decimal(customer_eur)
    moved = sum((Decimal(amount) for (amount,) in ledger.execute(
        "SELECT amount FROM vat_transfers WHERE payment_key = ?", (key,))), Decimal(0))
    assert french(grab(r'<td class="num vat">([^<]+)</td>', row)) == moved


def test_the_payments_export_totals_like_the_ledger(synced: Console, ledger: sqlite3.Connection) -> None:
    payments, amount = collected_sum(ledger, "2025-01-01", "2025-12-31")
    vat = sum(vat_sums(ledger, "2025-01-01", "2025-12-31").values(), Decimal(0))
    response = synced.client.get(f"/company/demo/payments.xlsx?{YEAR_2025}")
    assert 'filename="reglements-demo-20250101-20251231.xlsx"' in response.headers["content-disposition"]
    rows = workbook_rows(response.content)
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header[:3] == ("Date", "Payment", "Piece") and header[8:11] == ("Amount", "VAT moved", "Letter")
    assert len(body) == payments
    cent = Decimal("0.01")
    assert sum((Decimal(str(row[8])) for row in body), Decimal(0)).quantize(cent) == amount
    assert sum((Decimal(str(row[9])) for row in body), Decimal(0)).quantize(cent) == vat
    assert Decimal(str(total[8])).quantize(cent) == amount and Decimal(str(total[9])).quantize(cent) == vat
    assert all(row[2].startswith("RG") and row[3] == "BQ1" for row in body)
    lines = csv_rows(synced.client.get(f"/company/demo/payments.csv?{YEAR_2025}").text)
    assert len(lines) == payments + 2 and french(lines[-1][8]) == amount and french(lines[-1][9]) == vat


def test_a_profile_without_payments_is_told_so(demo: Console) -> None:
    store = ProfileStore()
    table = store.table("demo")
    table.pop("payments")
    store.update(Profile.from_table("demo", table))
    page = demo.client.get("/company/demo/receipts").text
    assert 'id="receipts-notice"' in page and "leaves payments alone" in page
    assert "No payment posted in the period." in page
    assert 'id="payments-notice"' in demo.client.get("/company/demo/payments").text


def test_a_receipts_page_of_an_unknown_profile_is_not_found(console: Console, tmp_path: Path) -> None:
    assert console.client.get("/company/nobody/receipts").status_code == 404
    assert console.client.get("/company/nobody/payments").status_code == 404


def test_the_settlements_sent_back_to_the_platform_are_listed_with_their_state(demo: Console) -> None:
    store = ProfileStore()
    table = store.table("demo")
    table["payments"]["direction"] = "both"
    store.update(Profile.from_table("demo", table))
    assert "Settlements sent to the platform" in demo.client.get("/company/demo/payments").text
    found = [Settlement("40009", "F2025-0005", date(2025, 3, 11), Decimal("6067.78"), "EC724"),
             Settlement("40008", "F2025-0004", date(2025, 3, 12), Decimal("22800.00"), "EC728"),
             Settlement("40007", "F2025-0003", date(2025, 3, 20), Decimal("1080.00"), "EC732")]
    ledger = Ledger(profile_paths("demo").ledger)
    with ledger.engine.begin() as connection:
        cash.add_settlements(connection, COMPANY, 1, found)
        cash.settle_sent(connection, COMPANY, "EC724", platform_id="90001")
        cash.settle_sent(connection, COMPANY, "EC728", platform_id="80002", created=False)
        cash.settle_sent(connection, COMPANY, "EC732", error="HTTP 503 from the platform")
    ledger.dispose()
    page = demo.client.get("/company/demo/payments").text
    rows = re.findall(r'<tr class="settlement (\w+)">(.*?)</tr>', page, re.S)
    assert [state for state, _row in rows] == ["pending", "on_platform", "sent"]  # newest first
    assert "HTTP 503 from the platform" in rows[0][1] and "1\u202f080,00" in rows[0][1]
    assert "#80002" in rows[1][1] and "already on the platform" in rows[1][1]
    assert "#90001" in rows[2][1] and "sent to the platform" in rows[2][1]
    counts = grab(r'<ul class="chips" id="settlement-counts">(.*?)</ul>', page)
    assert "to send</span> <strong>1</strong>" in counts
