"""The console in a real headless Chromium, as an accountant uses it, with a screenshot of each page.

Debian's ``chromium`` is driven by Playwright's Python API (``executable_path``):
no browser is ever downloaded. The server is the real one (uvicorn on
127.0.0.1), the platform the bundled sample firm, the Sage company the embedded
one. The walk runs in French (the default, no ``SAGESYNC_LANG``) and in English
(``SAGESYNC_LANG=en``, then the FR / EN switch). Each page is also checked on a
phone's screen (390 × 844): nothing wider than the screen, its main buttons on it.
The French walk's screenshots go to ``build/screenshots/`` on every run (git ignores
it), and to ``docs/screenshots/`` (shown in the README) when
``SAGESYNC_UPDATE_SCREENSHOTS=1``; the English walk's and the phone's go to
``build/screenshots/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sagesync.i18n import language, translations
from sagesync.interfaces.console import formatting
from tests.console.conftest import COMPANY, LiveConsole, sample_firm
from tests.fakes import MemoryKeyring

CHROMIUM = next((path for path in (shutil.which("chromium"), "/usr/bin/chromium") if path and Path(path).exists()),
                None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ("docs" if os.environ.get("SAGESYNC_UPDATE_SCREENSHOTS") == "1" else "build") / "screenshots"
BUILD_SCREENSHOTS = ROOT / "build" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}

NEEDS_CHROMIUM = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (Debian package `chromium`): "
                                                             "the end-to-end tests need a real browser")
pytestmark = NEEDS_CHROMIUM


def french_console(monkeypatch: pytest.MonkeyPatch) -> str:
    """French, the console's default (no SAGESYNC_LANG): the end-to-end tests of one page use it."""
    monkeypatch.delenv("SAGESYNC_LANG", raising=False)
    return "fr"

if CHROMIUM is not None:
    from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

    expect.set_options(timeout=20_000)  # the default 5 s is short on a loaded 2-core machine


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(params=["fr", "en"])
def lang(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The console's language for the walk: French by default (no SAGESYNC_LANG), English with SAGESYNC_LANG=en."""
    code: str = request.param
    if code == "fr":
        monkeypatch.delenv("SAGESYNC_LANG", raising=False)
    else:
        monkeypatch.setenv("SAGESYNC_LANG", code)
    return code


@pytest.fixture
def page(browser: Browser, lang: str) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="fr-FR" if lang == "fr" else "en-GB")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def shot(page: Page, name: str, lang: str) -> None:
    folder = SCREENSHOTS if lang == "fr" else BUILD_SCREENSHOTS / lang
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name))


# The innermost elements that reach past the screen's right edge, outside any box that scrolls: what to fix.
WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width && !el.closest('.scroll'))
    .filter(el => ![...el.children].some(child => child.getBoundingClientRect().right > width))
    .slice(0, 8).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                      + (el.className ? '.' + el.className : '') + ' ' + Math.round(el.getBoundingClientRect().right)
                      + 'px')"""


def on_a_phone(page: Page, name: str, lang: str, *buttons: Locator) -> None:
    """At 390 × 844: the document is no wider than the screen (wide tables scroll in their own box) and the page's
    main buttons are on the screen, not cut at its right edge."""
    page.set_viewport_size(PHONE)
    try:
        page.wait_for_function(f"window.innerWidth === {PHONE['width']}")
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = [] if width <= PHONE["width"] else page.evaluate(WIDER_THAN_THE_SCREEN, PHONE["width"])
        assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px screen: {wide}"
        for button in buttons:
            expect(button).to_be_visible()
            box = button.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
                f"{name}: {button} is off the screen ({box})")
        folder = BUILD_SCREENSHOTS / "phone" / lang
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / name), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)
        page.wait_for_function(f"window.innerWidth === {DESKTOP['width']}")


def click_step(page: Page, title: str) -> None:
    """Click a step button and wait for its outcome to arrive by the page's event stream."""
    page.get_by_role("button", name=title, exact=True).click()
    # Generous: on a loaded machine a run can take seconds to start and to report (assertions time out at 5 s).
    expect(page.locator("#outcome")).to_contain_text(title, timeout=60_000)
    expect(page.locator("#running")).to_have_count(0, timeout=60_000)


def test_an_accountant_creates_a_profile_checks_and_posts_the_invoices(
        live_console: LiveConsole, page: Page, lang: str, company_path: Path, memory_keyring: MemoryKeyring) -> None:
    def t(message: str) -> str:
        return translations(lang, "console").gettext(message)

    def counted(name: str, count: int) -> str:
        with language(lang):
            return formatting.count_phrase(name, count)

    problems: list[str] = []
    # The one refused save below answers 422 on purpose; any other error (a script or style the CSP blocks,
    # a missing file) is a fault.
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "status of 422" not in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    firm = sample_firm()
    planted = {mistake["pk"]: mistake["expected"] for mistake in firm["planted_mistakes"]}
    blocked = {pk for pk, code in planted.items()
               if code != "original_invoice_unknown" and any(row["pk"] == pk for row in firm["invoices"])}
    posted = len(firm["invoices"]) - len(blocked) - len(firm["before_period_start"]["invoices"])
    drafts = {pk for pk, code in planted.items() if code == "draft_document"}  # skipped and counted apart, not blocked

    # The address `sagesync console` prints: the key becomes a cookie and leaves the address bar.
    page.goto(live_console.login_url)
    expect(page).to_have_url(f"{live_console.base_url}/profiles")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_text({"fr": "Aucun profil pour l’instant.", "en": "No profile yet."}[lang])).to_be_visible()

    # New profile: the old connector's form, with a problem shown next to its field first.
    page.get_by_role("link", name=t("New profile")).click()
    page.fill("#f-name", "demo")
    page.fill("#f-sage_company", COMPANY)
    page.fill("#f-period_start", "2025-01-01")
    page.fill("#f-sage_location", f"embedded:{company_path}")
    page.fill("[id='f-platform.email']", "demo@sagesync")
    page.fill("[id='f-platform.organization_id']", "1207")
    page.fill("[id='f-platform.team_id']", "3418")
    page.fill("#f-secret-platform", "atelier-lumiere-demo")
    save = page.get_by_role("button", name=t("Save"))
    save.click()
    problem = page.locator("[id='error-platform.email']")
    expect(problem).to_be_visible()
    if lang == "en":  # the core's words (the `sagesync` domain, translated apart)
        expect(problem).to_contain_text("is not an e-mail address")
    page.locator("fieldset", has=problem).scroll_into_view_if_needed()
    shot(page, "profile-form.png", lang)
    page.fill("[id='f-platform.email']", "demo@sagesync.test")
    page.fill("#f-secret-platform", "atelier-lumiere-demo")
    page.get_by_role("button", name=t("Save")).click()
    expect(page.get_by_text(t("Saved."), exact=True)).to_be_visible()
    expect(page.get_by_text(t("stored in the OS keyring"))).to_be_visible()
    assert memory_keyring.passwords[("sagesync", "demo:platform")] == "atelier-lumiere-demo"
    on_a_phone(page, "profile-form.png", lang, page.get_by_role("button", name=t("Save")),
               page.get_by_role("link", name=t("Open the company")))
    page.goto(f"{live_console.base_url}/profiles")
    expect(page.locator("#profiles")).to_contain_text(COMPANY)
    shot(page, "profiles.png", lang)
    on_a_phone(page, "profiles.png", lang, page.get_by_role("link", name=t("New profile")))

    # The company: the buttons in the old connector's order, progress live on the page.
    page.get_by_role("link", name=t("Open"), exact=True).click()
    click_step(page, t("Pull customers"))
    click_step(page, t("Pull projects"))
    click_step(page, t("Check invoices"))
    expect(page.locator("#outcome")).to_contain_text(counted("blocked", len(blocked - drafts)))
    click_step(page, t("Pull invoices"))
    expect(page.locator("#outcome")).to_contain_text(counted("posted", posted))
    expect(page.locator("#summary")).to_contain_text(counted("posted", posted))  # reloaded when the run finished
    shot(page, "company.png", lang)
    on_a_phone(page, "company.png", lang, *page.locator("button.step").all())

    # Findings: the planted mistakes with their fix, filtered to what blocks.
    page.locator("nav.company-nav").get_by_role("link", name=t("Findings")).click()
    page.select_option("select[name=severity]", "blocking")
    page.get_by_role("button", name=t("Filter")).click()
    rows = page.locator("tr.finding")
    expect(rows.first).to_be_visible()
    codes = set(rows.evaluate_all("rows => rows.map(row => row.dataset.code)"))
    assert {code for code in planted.values() if code not in ("original_invoice_unknown", "draft_document")} <= codes
    assert set(page.locator("tr.finding .badge").all_inner_texts()) == {t("blocking")}
    shot(page, "findings.png", lang)
    on_a_phone(page, "findings.png", lang, page.get_by_role("button", name=t("Filter")),
               page.get_by_role("link", name=t("Download CSV")))

    # Documents: the posted marks, then one piece and its lines.
    page.locator("nav.company-nav").get_by_role("link", name=t("Documents")).click()
    expect(page.locator("#documents-count")).to_contain_text(str(len(firm["invoices"])))
    expect(page.locator(".badge.posted").first).to_be_visible()
    expect(page.locator("ul.chips a[href$='state=confirmed']")).to_contain_text(str(posted))
    confirmed = page.locator("tr.document.confirmed")
    assert page.locator("tr.document.confirmed .badge.posted").count() == confirmed.count() > 0
    shot(page, "documents.png", lang)
    on_a_phone(page, "documents.png", lang, page.get_by_role("button", name=t("Search")))
    page.locator("tr.document.confirmed a[href*='/pieces/']").first.click()
    expect(page.locator("#entry-lines")).to_contain_text("411000")
    expect(page.locator("#entry-lines tfoot")).to_contain_text(t("balanced"))
    shot(page, "piece.png", lang)
    on_a_phone(page, "piece.png", lang, page.get_by_role("link", name=t("Back to the documents")))

    # The sales journal of the period: balanced to the cent, its totals downloaded as a workbook, its brouillard.
    page.locator("nav.company-nav").get_by_role("link", name=t("Sales journal")).click()
    expect(page.locator("#journal-check")).to_have_class(re.compile(r"\bbalanced\b"))
    expect(page.locator("#journal-check")).to_contain_text(t("in balance"))
    expect(page.locator("#journal-debit")).to_have_text(page.locator("#journal-credit").inner_text())
    shot(page, "journal.png", lang)
    on_a_phone(page, "journal.png", lang, page.get_by_role("button", name=t("Show")))
    with page.expect_download() as download_info:
        page.locator("#journal-xlsx").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")
    with download_info.value.path().open("rb") as downloaded:
        workbook = load_workbook(downloaded)
    checks = [row for row in workbook.worksheets[0].iter_rows(values_only=True) if row[0] == t("check")]
    assert checks and checks[0][1] == t("in balance")
    page.locator("#brouillard-link").click()
    expect(page.locator("table.brouillard tbody.entry").first).to_be_visible()
    on_a_phone(page, "brouillard.png", lang)

    page.locator("nav.company-nav").get_by_role("link", name=t("Run history")).click()
    expect(page.locator("#runs tbody tr")).to_have_count(4)
    shot(page, "runs.png", lang)
    on_a_phone(page, "runs.png", lang, page.get_by_role("button", name="FR"), page.get_by_role("button", name="EN"))

    # The FR / EN switch: the same page again, in the other language, and the choice kept for the next pages.
    other = "en" if lang == "fr" else "fr"
    page.get_by_role("button", name=other.upper()).click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("h1")).to_have_text(translations(other, "console").gettext("Run history"))
    page.locator("nav.company-nav").get_by_role("link", name=translations(other, "console").gettext("Findings")).click()
    expect(page.locator("html")).to_have_attribute("lang", other)

    assert problems == [], f"the browser reported errors (a blocked script or style?): {problems}"
