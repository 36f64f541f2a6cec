"""« Cabinet » in a real headless Chromium, in French, as the firm's manager opens it in the morning.

The console is served by uvicorn on 127.0.0.1. Two companies: the demo one (the embedded company, the
sample firm read from a file), never run, and a second whose small ledger holds a failed run. The page
lists the failed one first, the demo one as « jamais lancé »; « Lancer maintenant » on the demo row
runs every step and the row follows the run until it shows its outcome, counted as its ledger holds
it. The page fits a phone's screen (390 px: nothing wider than it, the button on it). Debian's
``chromium`` is driven through Playwright's ``executable_path``: nothing is downloaded.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from sagesync.i18n import translations
from sagesync.interfaces.console import create_app
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.paths import profile_paths
from sagesync.profiles.store import ProfileStore
from tests.console.conftest import COMPANY, TOKEN, LiveConsole, file_source, served
from tests.console.test_cabinet_pages import write_ledger
from tests.console.test_end_to_end import CHROMIUM, NEEDS_CHROMIUM, browser, french_console, on_a_phone, page, shot

__all__ = ["browser", "page"]  # the browser and its page, shared with the walk of the other pages

pytestmark = NEEDS_CHROMIUM

if CHROMIUM is not None:
    from playwright.sync_api import Page, expect


@pytest.fixture
def lang(monkeypatch: pytest.MonkeyPatch) -> str:
    return french_console(monkeypatch)


def profile_table(company: str, location: Path) -> dict[str, object]:
    table = defaults_table()  # with its [payments] table: the sync pulls the payments too
    table.update(sage_company=company, period_start=date(2025, 1, 1), sage_location=f"embedded:{location}")
    table["platform"] = {**table["platform"], "email": "demo@sagesync.test", "organization_id": 1207,
                         "team_id": 3418}
    return table


@pytest.fixture
def cabinet_console(company_path: Path, tmp_path: Path) -> Iterator[LiveConsole]:
    ProfileStore().add(Profile.from_table("demo", profile_table(COMPANY, company_path)))
    nightly = profile_table("CABINET DUPONT", tmp_path / "dupont.sqlite")
    nightly["schedule"] = {"every": "daily", "at": "02:00"}
    ProfileStore().add(Profile.from_table("dupont", nightly))
    write_ledger("dupont", "CABINET DUPONT", runs=(("customers", "ok"), ("invoices", "failed")), posted=4)
    with served(create_app(token=TOKEN, source_factory=file_source)) as live:
        yield live


def ledger_counts() -> tuple[int, int]:
    """The demo ledger's documents posted and to fix (blocked, or changed after posting)."""
    with sqlite3.connect(profile_paths("demo").ledger) as ledger:
        posted = ledger.execute("SELECT count(*) FROM document_states d JOIN postings p ON p.company = d.company "
                                "AND p.source_id = d.source_id WHERE d.verdict != 'changed_after_posting'"
                                ).fetchone()[0]
        to_fix = ledger.execute("SELECT count(*) FROM document_states d WHERE d.verdict = 'changed_after_posting' "
                                "OR (d.verdict = 'blocked' AND NOT EXISTS (SELECT 1 FROM postings p WHERE "
                                "p.company = d.company AND p.source_id = d.source_id))").fetchone()[0]
    return int(posted), int(to_fix)


def test_the_manager_runs_a_company_from_the_cabinet_and_its_row_follows(
        cabinet_console: LiveConsole, page: Page, lang: str) -> None:
    def t(message: str) -> str:
        return translations(lang, "console").gettext(message)

    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(cabinet_console.login_url)
    page.locator("header.top nav").get_by_role("link", name=t("Cabinet")).click()
    expect(page).to_have_url(f"{cabinet_console.base_url}/cabinet")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Cabinet : tous les dossiers")
    rows = page.locator("#cabinet tbody tr.company-row")
    expect(rows).to_have_count(2)
    # The failed company first, with its next run from its schedule; the demo company never run.
    assert rows.evaluate_all("rows => rows.map(row => row.dataset.profile)") == ["dupont", "demo"]
    dupont, demo = page.locator("#company-dupont"), page.locator("#company-demo")
    expect(dupont.locator(".badge.state")).to_have_text("en échec")
    expect(dupont.locator("td.next-run")).to_contain_text("tous les jours à 02:00 (Europe/Paris)")
    expect(demo.locator("td.last-run")).to_contain_text("jamais lancé")
    expect(demo.locator("td.next-run")).to_contain_text("pas de planification")

    # « Lancer maintenant »: the company page's « Tout synchroniser »; the row follows the run to its outcome.
    demo.get_by_role("button", name="Lancer maintenant").click()
    expect(demo.locator("td.last-run .badge")).not_to_have_text("jamais lancé", timeout=30_000)
    expect(demo).to_have_attribute("data-state", "to_fix", timeout=90_000)  # the sample firm's planted mistakes
    expect(demo.locator("td.last-run .badge")).to_have_text(t("blocked"))
    expect(demo.get_by_role("button", name="Lancer maintenant")).to_be_enabled()
    # The counts per state follow the row.
    expect(page.locator("#cabinet-states a[data-state=to_fix] strong")).to_have_text("1")
    expect(page.locator("#cabinet-states a[data-state=never] strong")).to_have_text("0")
    posted, to_fix = ledger_counts()
    assert posted > 0 and to_fix > 0
    expect(demo.locator("td.posted a")).to_have_text(str(posted))
    expect(demo.locator("td.to-fix a")).to_have_text(str(to_fix))
    expect(demo.locator("td.last-run a.runs-link")).to_have_attribute("href", "/company/demo/runs")
    shot(page, "cabinet.png", lang)

    # The filter by state and the search.
    page.select_option("#cabinet-filters select[name=state]", "to_fix")
    page.get_by_role("button", name=t("Filter")).click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-profile", "demo")
    page.goto(f"{cabinet_console.base_url}/cabinet?q=dupont")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-profile", "dupont")

    # On a phone: one card a company, nothing wider than the screen, « Lancer maintenant » on it.
    page.goto(f"{cabinet_console.base_url}/cabinet")
    on_a_phone(page, "cabinet.png", lang, page.locator("#company-demo button.run-now"),
               page.get_by_role("button", name=t("Filter")))
    assert re.fullmatch(r"\d+", page.locator("#cabinet-states a[data-state=all] strong").inner_text())
    assert problems == [], f"the browser reported errors: {problems}"
