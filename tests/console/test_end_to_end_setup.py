"""The profile form's pick-lists in a real headless Chromium: the platform's organizations and teams, a .mae company.

« Lire la plateforme » logs in to the sandbox platform (loopback) with what the form holds and offers its
organizations and teams; a .mae location brings up the Sage export field, which an embedded one hides.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagesync.i18n import translations
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from tests.console.conftest import LiveConsole
from tests.console.test_end_to_end import CHROMIUM, NEEDS_CHROMIUM, browser, french_console, page

__all__ = ["browser", "page"]

pytestmark = NEEDS_CHROMIUM

if CHROMIUM is not None:
    from playwright.sync_api import Page, expect


@pytest.fixture
def lang(monkeypatch: pytest.MonkeyPatch) -> str:
    return french_console(monkeypatch)


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def test_the_form_lists_the_platforms_organizations_and_asks_a_mae_company_for_its_export(
        live_console: LiveConsole, page: Page, lang: str, sandbox: SandboxHandle) -> None:
    def t(message: str) -> str:
        return translations(lang, "console").gettext(message)

    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    email, password = sandbox.credentials
    page.goto(live_console.login_url)
    page.goto(f"{live_console.base_url}/profiles/new")
    export_field = page.locator("[data-mae-only]")
    login_fields = page.locator("[data-sage-login]")
    page.fill("#f-sage_location", "C:\\Sage\\ACME.mae")
    expect(export_field).to_be_visible()
    page.fill("#f-sage_location", "embedded:atelier.sqlite")
    expect(export_field).to_be_hidden()
    expect(login_fields.first).to_be_hidden()

    page.fill("[id='f-platform.base_url']", sandbox.base_url)
    page.fill("[id='f-platform.email']", email)
    page.get_by_role("button", name=t("Read the platform")).click()
    expect(page.locator("#platform-notice")).to_contain_text("Tapez le mot de passe de la plateforme")
    page.fill("#f-secret-platform", password)
    page.get_by_role("button", name=t("Read the platform")).click()
    expect(page.locator("#platform-notice")).to_contain_text(f"Lu sur la plateforme pour {email}")
    expect(page.locator("#picks-organizations option[value='1207']")).to_have_count(1)
    expect(page.locator("#picks-teams option[value='3418']")).to_have_count(1)
    assert page.get_attribute("[id='f-platform.organization_id']", "list") == "picks-organizations"
    assert page.get_attribute("[id='f-platform.team_id']", "list") == "picks-teams"
    assert problems == [], f"the browser reported errors: {problems}"
