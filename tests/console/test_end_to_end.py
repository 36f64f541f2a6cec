"""The console in a real headless Chromium, as an accountant uses it, with a screenshot of each page.

Debian's ``chromium`` is driven by Playwright's Python API (``executable_path``):
no browser is ever downloaded. The server is the real one (uvicorn on
127.0.0.1), the platform the bundled sample firm, the Sage company the embedded
one. Screenshots go to ``build/screenshots/`` on every run (git ignores it), and to
``docs/screenshots/`` (shown in the README) when ``SAGESYNC_UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.conftest import COMPANY, LiveConsole, sample_firm
from tests.fakes import MemoryKeyring

CHROMIUM = next((path for path in (shutil.which("chromium"), "/usr/bin/chromium") if path and Path(path).exists()),
                None)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ("docs" if os.environ.get("SAGESYNC_UPDATE_SCREENSHOTS") == "1" else "build") / "screenshots"

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (Debian package `chromium`): "
                                                         "the end-to-end tests need a real browser")

if CHROMIUM is not None:
    from playwright.sync_api import Browser, Page, expect, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def click_step(page: Page, title: str) -> None:
    """Click a step button and wait for its outcome to arrive by the page's event stream."""
    page.get_by_role("button", name=title, exact=True).click()
    expect(page.locator("#outcome")).to_contain_text(title)
    expect(page.locator("#running")).to_have_count(0)


def test_an_accountant_creates_a_profile_checks_and_posts_the_invoices(
        live_console: LiveConsole, page: Page, company_path: Path, memory_keyring: MemoryKeyring) -> None:
    problems: list[str] = []
    # The one refused save below answers 422 on purpose; any other error (a script or style the CSP blocks,
    # a missing file) is a fault.
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "status of 422" not in message.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    firm = sample_firm()
    planted = {mistake["pk"]: mistake["expected"] for mistake in firm["planted_mistakes"]}
    blocked = {pk for pk, code in planted.items() if code not in ("original_invoice_unknown", "draft_document")
               and any(row["pk"] == pk for row in firm["invoices"])}
    drafts = {pk for pk, code in planted.items() if code == "draft_document"}  # skipped, not blocked
    posted = len(firm["invoices"]) - len(blocked) - len(drafts) - len(firm["before_period_start"]["invoices"])

    # The address `sagesync console` prints: the key becomes a cookie and leaves the address bar.
    page.goto(live_console.login_url)
    expect(page).to_have_url(f"{live_console.base_url}/profiles")
    expect(page.get_by_text("No profile yet.")).to_be_visible()

    # New profile: the old connector's form, with a problem shown next to its field first.
    page.get_by_role("link", name="New profile").click()
    page.fill("#f-name", "demo")
    page.fill("#f-sage_company", COMPANY)
    page.fill("#f-period_start", "2025-01-01")
    page.fill("#f-sage_location", f"embedded:{company_path}")
    page.fill("[id='f-platform.email']", "demo@sagesync")
    page.fill("[id='f-platform.organization_id']", "1207")
    page.fill("[id='f-platform.team_id']", "3418")
    page.fill("#f-secret-platform", "atelier-lumiere-demo")
    page.get_by_role("button", name="Save").click()
    problem = page.locator("[id='error-platform.email']")
    expect(problem).to_contain_text("is not an e-mail address")
    page.locator("fieldset", has=problem).scroll_into_view_if_needed()
    shot(page, "profile-form.png")
    page.fill("[id='f-platform.email']", "demo@sagesync.test")
    page.fill("#f-secret-platform", "atelier-lumiere-demo")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    expect(page.get_by_text("stored in the OS keyring")).to_be_visible()
    assert memory_keyring.passwords[("sagesync", "demo:platform")] == "atelier-lumiere-demo"
    page.goto(f"{live_console.base_url}/profiles")
    expect(page.locator("#profiles")).to_contain_text(COMPANY)
    shot(page, "profiles.png")

    # The company: the buttons in the old connector's order, progress live on the page.
    page.get_by_role("link", name="Open").click()
    click_step(page, "Pull customers")
    click_step(page, "Pull projects")
    click_step(page, "Check invoices")
    expect(page.locator("#outcome")).to_contain_text(f"blocked {len(blocked)}")
    click_step(page, "Pull invoices")
    expect(page.locator("#outcome")).to_contain_text(f"posted {posted}")
    expect(page.locator("#summary")).to_contain_text(f"posted {posted}")  # reloaded when the run finished
    shot(page, "company.png")

    # Findings: the planted mistakes with their fix, filtered to what blocks.
    page.locator("nav.company-nav").get_by_role("link", name="Findings").click()
    page.select_option("select[name=severity]", "blocking")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tr.finding")
    expect(rows.first).to_be_visible()
    codes = set(rows.evaluate_all("rows => rows.map(row => row.dataset.code)"))
    assert {code for code in planted.values() if code not in ("original_invoice_unknown", "draft_document")} <= codes
    assert set(page.locator("tr.finding .badge").all_inner_texts()) == {"blocking"}
    shot(page, "findings.png")

    # Documents: the posted marks, then one piece and its lines.
    page.locator("nav.company-nav").get_by_role("link", name="Documents").click()
    expect(page.locator("#documents-count")).to_contain_text(str(len(firm["invoices"])))
    expect(page.locator(".badge.posted").first).to_be_visible()
    expect(page.locator("ul.chips a[href$='state=confirmed']")).to_contain_text(str(posted))
    assert page.locator("tr.document.confirmed .badge.posted").count() == page.locator("tr.document.confirmed").count() > 0
    shot(page, "documents.png")
    page.locator("tr.document.confirmed a[href*='/pieces/']").first.click()
    expect(page.locator("#entry-lines")).to_contain_text("411000")
    expect(page.locator("#entry-lines tfoot")).to_contain_text("balanced")
    shot(page, "piece.png")

    page.locator("nav.company-nav").get_by_role("link", name="Run history").click()
    expect(page.locator("#runs tbody tr")).to_have_count(4)
    shot(page, "runs.png")

    assert problems == [], f"the browser reported errors (a blocked script or style?): {problems}"
