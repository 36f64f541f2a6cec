"""« Encaissements » and « Règlements » in a real headless Chromium, in French, as a finance admin reads them.

The console is served by uvicorn on 127.0.0.1, the company is the embedded one, the platform the
sample firm read from a file. After « Tout synchroniser » (which pulls the payments), the receipts
page shows the VAT on receipts per month and rate and the collections of a year, its workbook
totals like the ledger, and the payments page shows what waits, what was refused and what was
matched; both fit a phone's screen (390 px: nothing wider than it). Debian's ``chromium`` is driven
through Playwright's ``executable_path``: nothing is downloaded.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sagesync.i18n import language, translations
from sagesync.interfaces.console import create_app, formatting
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.paths import profile_paths
from sagesync.profiles.store import ProfileStore
from tests.console.conftest import COMPANY, TOKEN, LiveConsole, file_source, served
from tests.console.test_end_to_end import CHROMIUM, NEEDS_CHROMIUM, browser, french_console, on_a_phone, page, shot

__all__ = ["browser", "page"]  # the browser and its page, shared with the walk of the other pages

pytestmark = NEEDS_CHROMIUM

if CHROMIUM is not None:
    from playwright.sync_api import Page, expect


@pytest.fixture
def lang(monkeypatch: pytest.MonkeyPatch) -> str:
    return french_console(monkeypatch)


@pytest.fixture
def receipts_console(company_path: Path) -> Iterator[LiveConsole]:
    table = defaults_table()  # with its [payments] table: BQ1, 512000, VAT made due in each payment's entry
    table.update(sage_company=COMPANY, period_start=date(2025, 1, 1), sage_location=f"embedded:{company_path}")
    table["platform"] = {**table["platform"], "email": "demo@sagesync.test", "organization_id": 1207,
                         "team_id": 3418}
    ProfileStore().add(Profile.from_table("demo", table))
    with served(create_app(token=TOKEN, source_factory=file_source)) as live:
        yield live


def ledger_sums(start: str, end: str) -> tuple[Decimal, Decimal, int, int]:
    """The VAT made due and the amount collected in [start, end], the payments waiting and refused (blocking): the
    ledger's."""
    with sqlite3.connect(profile_paths("demo").ledger) as ledger:
        vat = sum((Decimal(amount) for (amount,) in ledger.execute(
            "SELECT amount FROM vat_transfers WHERE transfer_date BETWEEN ? AND ?", (start, end))), Decimal(0))
        rows = ledger.execute("SELECT pp.customer_eur, d.kind FROM payments_posted pp JOIN postings d ON d.source_id = "
                              "pp.document_source_id WHERE pp.payment_date BETWEEN ? AND ?", (start, end))
        collected = sum((-Decimal(amount) if kind == "credit_note" else Decimal(amount) for amount, kind in rows),
                        Decimal(0))
        found = ledger.execute("SELECT code, severity FROM findings WHERE kind = 'payment'").fetchall()
    return (vat, collected, sum(code == "payment_waiting" for code, _ in found),
            sum(code != "payment_waiting" and severity == "blocking" for code, severity in found))


def test_a_finance_admin_reads_the_vat_on_receipts_and_the_payments_to_fix(
        receipts_console: LiveConsole, page: Page, lang: str) -> None:
    def t(message: str) -> str:
        return translations(lang, "console").gettext(message)

    def amount(value: Decimal) -> str:
        with language(lang):
            return formatting.amount(value)

    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(receipts_console.login_url)
    page.goto(f"{receipts_console.base_url}/company/demo")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert t("Pull payments") == "Importer les règlements" and t("Receipts") == "Encaissements"
    expect(page.get_by_role("button", name=t("Pull payments"), exact=True)).to_be_visible()
    # « Tout synchroniser »: every step, the payments' among them, told in the outcome when the run ends.
    page.get_by_role("button", name=t("Sync all"), exact=True).click()
    expect(page.locator("#outcome")).to_contain_text(t("Pull payments"), timeout=60_000)
    expect(page.locator("#running")).to_have_count(0, timeout=60_000)

    # « Encaissements »: the current year by default, then 2025, the VAT return's figures per month and rate.
    page.locator("nav.company-nav").get_by_role("link", name=t("Receipts"), exact=True).click()
    expect(page.locator("h1")).to_have_text("Encaissements")
    expect(page.locator("input[name=from]")).to_have_value(f"{date.today().year}-01-01")
    page.fill("input[name=from]", "2025-01-01")
    page.fill("input[name=to]", "2025-12-31")
    page.get_by_role("button", name=t("Show")).click()
    vat, collected, waiting, refused = ledger_sums("2025-01-01", "2025-12-31")
    expect(page.locator("#vat-total")).to_have_text(amount(vat))
    expect(page.locator("#collected-total")).to_have_text(amount(collected))
    expect(page.locator("#vat-by-month tbody.month").first).to_contain_text("20 %")
    expect(page.locator("#collections-table thead")).to_contain_text("TVA 5,5 %")
    expect(page.locator("#collections-table thead")).to_contain_text("Encaissé le")
    shot(page, "receipts.png", lang)
    on_a_phone(page, "receipts.png", lang, page.get_by_role("button", name=t("Show")),
               page.locator("#vat-xlsx"), page.locator("#collections-csv"))
    with page.expect_download() as download_info:
        page.locator("#vat-xlsx").click()
    assert download_info.value.suggested_filename == "tva-encaissements-demo-20250101-20251231.xlsx"
    with download_info.value.path().open("rb") as downloaded:
        rows = list(load_workbook(downloaded).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Mois" and rows[-1][0] == "Total"
    assert Decimal(str(rows[-1][4])).quantize(Decimal("0.01")) == vat

    # « Règlements »: what waits for its invoice, what was refused and why, and the payments matched.
    page.locator("#receipts-period a").click()
    expect(page.locator("h1")).to_have_text("Règlements")
    expect(page.locator("#count-waiting")).to_have_text(str(waiting))
    expect(page.locator("#count-refused")).to_have_text(str(refused))
    overpayment = page.locator("tr.finding[data-code='overpayment']")
    expect(overpayment).to_contain_text("trop-perçu")
    expect(overpayment).to_contain_text("dépasse le reste dû")
    expect(page.locator("#payments-amount")).to_have_text(amount(collected))
    expect(page.locator("#payments-table td.letter .badge.posted").first).to_be_visible()
    shot(page, "payments.png", lang)
    on_a_phone(page, "payments.png", lang, page.get_by_role("button", name=t("Show")),
               page.locator("#payments-xlsx"))
    page.get_by_role("link", name=t("refused")).click()
    expect(page.locator("tr.finding")).to_have_count(refused)
    assert problems == [], f"the browser reported errors: {problems}"
