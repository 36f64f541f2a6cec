"""The preview in a real headless Chromium: « Aperçu », then « Comptabiliser l'aperçu », as an accountant clicks them.

The console is served by uvicorn on 127.0.0.1, the company is the embedded one, the platform a copy
of the sample firm read from a file, so a document can change on "the platform" between the preview
and the posting. The walk runs in French (the console's default). It checks what the preview shows
(entries, HT, TVA per code, TTC) against the preview file, that nothing is posted by it, that posting
the preview posts exactly the documents it listed, and that the one changed since is reported, not
posted. Debian's ``chromium`` is driven through Playwright's ``executable_path``: nothing is downloaded.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sagesync.i18n import language, translations
from sagesync.interfaces.console import create_app, formatting
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.paths import profile_paths
from sagesync.profiles.store import ProfileStore
from sagesync.sources.files import FileSource
from sagesync.steps.preview import latest_preview
from tests.console.conftest import COMPANY, SAMPLE_FIRM, TOKEN, LiveConsole, served
from tests.console.test_end_to_end import (
    CHROMIUM,
    NEEDS_CHROMIUM,
    browser,
    click_step,
    french_console,
    on_a_phone,
    page,
    shot,
)

__all__ = ["browser", "page"]  # the browser and its page, shared with the walk of the other pages

pytestmark = NEEDS_CHROMIUM

if CHROMIUM is not None:
    from playwright.sync_api import Page, expect

CHANGED_PK = 40006  # an invoice the preview lists; its due date moves on the platform before posting


@pytest.fixture
def lang(monkeypatch: pytest.MonkeyPatch) -> str:
    return french_console(monkeypatch)


@pytest.fixture
def firm(tmp_path: Path) -> Path:
    """The platform's documents: a copy of the sample firm that the test may change."""
    path = tmp_path / "firm.json"
    shutil.copyfile(SAMPLE_FIRM, path)
    return path


@pytest.fixture
def preview_console(firm: Path, company_path: Path) -> Iterator[LiveConsole]:
    table = defaults_table()
    table.update(sage_company=COMPANY, period_start=date(2025, 1, 1), sage_location=f"embedded:{company_path}")
    table["platform"] = {**table["platform"], "email": "demo@sagesync.test", "organization_id": 1207,
                         "team_id": 3418}
    ProfileStore().add(Profile.from_table("demo", table))
    with served(create_app(token=TOKEN, source_factory=lambda _profile: FileSource(firm))) as live:
        yield live


def entries_in(company: Path) -> int:
    with sqlite3.connect(company) as connection:
        return int(connection.execute("select count(distinct EC_Piece) from F_ECRITUREC").fetchone()[0])


def move_due_date(firm: Path, pk: int) -> None:
    data: dict[str, Any] = json.loads(firm.read_text(encoding="utf-8"))
    invoice = next(row for row in data["invoices"] if row["pk"] == pk)
    invoice["due_date"] = "23-03-2025" if invoice["due_date"] != "23-03-2025" else "24-03-2025"
    firm.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_an_accountant_previews_the_posting_then_posts_exactly_the_preview(
        preview_console: LiveConsole, page: Page, lang: str, firm: Path, company_path: Path) -> None:
    def t(message: str) -> str:
        return translations(lang, "console").gettext(message)

    def counted(name: str, count: int) -> str:
        with language(lang):
            return formatting.count_phrase(name, count)

    def amount(value: str) -> str:
        with language(lang):
            return formatting.amount(value)

    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(preview_console.login_url)
    page.goto(f"{preview_console.base_url}/company/demo")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    assert t("Preview") == "Aperçu" and t("Post the preview") == "Comptabiliser l'aperçu"
    click_step(page, t("Pull customers"))
    click_step(page, t("Pull projects"))

    # « Aperçu »: what posting would write, and nothing written.
    click_step(page, t("Preview"))
    preview = json.loads(latest_preview(profile_paths("demo").reports).read_text(encoding="utf-8"))
    assert preview["entries"] > 200 and entries_in(company_path) == 0
    row = page.locator("#preview")
    expect(row).to_be_visible()
    expect(row).to_contain_text(f"{preview['entries']} écritures")
    for total in ("ht", "tva", "ttc"):
        expect(row).to_contain_text(amount(preview[total]))
    for code, vat in preview["tva_by_code"].items():
        expect(row).to_contain_text(f"TVA {code} : {amount(vat)}")
    expect(row).to_contain_text(t("Post the preview"))
    shot(page, "preview.png", lang)
    on_a_phone(page, "preview.png", lang, page.get_by_role("button", name=t("Post the preview")))
    assert any(row["source_id"] == str(CHANGED_PK) for row in preview["documents"])

    # The platform changes one previewed invoice; « Comptabiliser l'aperçu » posts the others, exactly as shown.
    move_due_date(firm, CHANGED_PK)
    click_step(page, t("Post the preview"))
    outcome = page.locator("#outcome")
    expect(outcome).to_contain_text(counted("posted", preview["entries"] - 1))
    expect(outcome).to_contain_text(counted("changed_since_preview", 1))
    assert entries_in(company_path) == preview["entries"] - 1
    expect(page.locator("#summary")).to_contain_text(counted("posted", preview["entries"] - 1))

    # The changed invoice is told, with what to do: not posted blind.
    page.goto(f"{preview_console.base_url}/company/demo/findings?q=F2025-0002")
    expect(page.locator("main")).to_contain_text("modifié sur la plateforme depuis l'aperçu")
    expect(page.locator("main")).to_contain_text("Faites un nouvel aperçu")
    assert problems == [], f"the browser reported errors: {problems}"
