"""The console in French by default, English on request: every message translated, each request in its language."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from sagesync.i18n import language, set_language, translations
from sagesync.interfaces.console import catalog, formatting
from sagesync.interfaces.console.language import LANGUAGE_COOKIE
from tests.console.conftest import TOKEN, Console, MakeConsole

FRENCH_PAGES = ["/cabinet", "/profiles", "/profiles/new", "/profiles/demo/edit", "/company/demo",
                "/company/demo/findings", "/company/demo/documents", "/company/demo/runs", "/company/demo/downloads"]


@pytest.fixture(scope="module")
def sources() -> Catalog:
    return catalog.extracted()


def test_every_console_message_has_a_french_translation(sources: Catalog) -> None:
    assert len(sources) > 250, "the extraction found the templates' and the console Python's messages"
    missing = [catalog._text(message) for message in catalog.missing(catalog.read("fr"), sources)]
    assert missing == [], ("messages without a French translation (run `python -m sagesync.interfaces.console."
                           f"catalog update`, then translate them in locale/fr/LC_MESSAGES/console.po): {missing}")


def test_every_french_translation_keeps_the_fields_of_its_message() -> None:
    assert catalog.field_mismatches(catalog.read("fr")) == []


def test_the_extraction_reads_templates_python_constants_and_plurals(sources: Catalog) -> None:
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in sources}
    assert {"Findings", "Pull customers", "Sage company", "posted in Sage", "Request too large for the console.",
            "<strong>%(count)s</strong> document", "posted {count}",
            "{company} is busy: {holder}. Wait for it to finish; its progress is shown here."} <= ids


def test_the_catalogs_on_disk_are_in_step_with_the_sources(sources: Catalog) -> None:
    """Nothing obsolete left behind: `catalog update` was run after the last change of a text."""
    for code in ("fr", "en"):
        on_disk = {message.id if isinstance(message.id, str) else message.id[0] for message in catalog.read(code)
                   if message.id}
        extracted = {message.id if isinstance(message.id, str) else message.id[0] for message in sources
                     if message.id}
        assert on_disk == extracted, code


def test_counts_words_and_plurals_in_french() -> None:
    with language("fr"):
        assert formatting.counts_text({"posted": 207, "blocked": 1, "ignored_before_period": 1}) == (
            "207 comptabilisés, 1 à corriger, 1 ignoré (antérieur au début de période)")
        assert formatting.counts_text({}) == "rien à faire"
        assert formatting.status_word("blocking") == "bloquant"
        assert formatting.state_word("confirmed") == "comptabilisée dans Sage"
        assert formatting.amount("1234.5") == "1\u202f234,50"
    with language("en"):
        assert formatting.counts_text({"posted": 207, "blocked": 1}) == "posted 207, blocked 1"


def test_pages_are_french_by_default(make_console: MakeConsole, company_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGESYNC_LANG")
    console = make_console()
    assert console.create_profile(company_path).status_code == 303
    console.run("check")
    for path in FRENCH_PAGES:
        page = console.client.get(path)
        assert page.status_code == 200, path
        assert '<html lang="fr">' in page.text, path
    company = console.client.get("/company/demo").text
    assert "Contrôler les factures" in company and "Comptabiliser les factures" in company
    assert "Journal des ventes" in console.client.get("/profiles/demo/edit").text
    findings = console.client.get("/company/demo/findings").text
    assert "Anomalies" in findings and ">bloquant<" in findings
    assert 'value="blocking"' in findings  # the filters' values stay identifiers
    assert "à corriger" in console.client.get("/company/demo/documents").text


def test_sagesync_lang_en_gives_english_pages(console: Console) -> None:
    page = console.client.get("/profiles").text
    assert '<html lang="en">' in page and "New profile" in page


def test_the_process_language_is_the_default(make_console: MakeConsole, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sagesync --lang en` sets the process's language: the console's pages follow it."""
    monkeypatch.delenv("SAGESYNC_LANG")
    set_language("en")
    try:
        assert '<html lang="en">' in make_console().client.get("/profiles").text
    finally:
        set_language(None)


def test_the_switch_sets_a_strict_cookie_and_comes_back_to_the_page(console: Console,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGESYNC_LANG")
    assert "Nouveau profil" in console.client.get("/profiles").text
    response = console.post("/language", {"lang": "en", "next": "/profiles/new?x=1"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/profiles/new?x=1"
    cookie = response.headers["set-cookie"].lower()
    assert f"{LANGUAGE_COOKIE}=en" in cookie and "samesite=strict" in cookie and "httponly" in cookie
    console.client.cookies.set(LANGUAGE_COOKIE, "en")
    page = console.client.get("/profiles/new").text
    assert '<html lang="en">' in page and "New profile" in page
    back = console.post("/language", {"lang": "fr", "next": "/profiles"}, follow_redirects=False)
    console.client.cookies.set(LANGUAGE_COOKIE, back.cookies[LANGUAGE_COOKIE])
    assert '<html lang="fr">' in console.client.get("/profiles").text


@pytest.mark.parametrize("target", ["https://example.org/", "//example.org/x", "javascript:alert(1)", "/\\x"])
def test_the_switch_never_sends_the_browser_elsewhere(console: Console, target: str) -> None:
    response = console.post("/language", {"lang": "en", "next": target}, follow_redirects=False)
    assert response.headers["location"] == "/profiles"


def test_the_switch_needs_the_session_and_its_csrf_token(console: Console) -> None:
    refused = console.client.post("/language", data={"lang": "en", "next": "/profiles"})
    assert refused.status_code == 403
    assert "set-cookie" not in refused.headers


def test_the_guards_refusal_speaks_the_browsers_language(make_console: MakeConsole,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAGESYNC_LANG")
    client = make_console().client
    client.cookies.delete("sagesync_console")
    refused = client.get("/profiles")
    assert refused.status_code == 403 and "Accès refusé" in refused.text and "`sagesync console`" in refused.text
    client.cookies.set(LANGUAGE_COOKIE, "en")
    assert "Forbidden" in client.get("/profiles").text


def test_two_browsers_in_two_languages_at_once(make_console: MakeConsole, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request translates in its own language, even when requests overlap."""
    monkeypatch.delenv("SAGESYNC_LANG")
    console = make_console()
    french, english = console.client, _second_session(console)
    english.cookies.set(LANGUAGE_COOKIE, "en")
    seen: dict[str, set[str]] = {"fr": set(), "en": set()}

    def read(client: object, code: str) -> None:
        for _ in range(15):
            text = client.get("/profiles/new").text  # type: ignore[attr-defined]
            seen[code].add(re.search(r'<html lang="(\w+)">', text).group(1))  # type: ignore[union-attr]
            seen[code].add("Nouveau profil" if "Nouveau profil" in text else "New profile")

    threads = [threading.Thread(target=read, args=(french, "fr")), threading.Thread(target=read, args=(english, "en"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert seen == {"fr": {"fr", "Nouveau profil"}, "en": {"en", "New profile"}}


def test_a_busy_company_is_told_in_the_language_of_the_page_that_reads_it(
        demo: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner's thread keeps its words untranslated: each page draws them in its own language."""
    from sagesync.interfaces.console.runner import Holder

    channel = demo.app.state.console.runner.channel("demo")
    from sagesync.interfaces.console.language import console_lazy

    holder = Holder("invoices", "2025-11-25T10:00:00", 4242, here=False)
    channel.refuse(holder, console_lazy("{company} is busy: {holder}. Wait for it to finish, then run the step "
                                        "again.", company="ATELIER DEMO", holder=holder))
    english = demo.client.get("/company/demo").text
    assert "ATELIER DEMO is busy: Pull invoices, started 2025-11-25 10:00:00 by process 4242" in english
    monkeypatch.delenv("SAGESYNC_LANG")
    french = demo.client.get("/company/demo").text
    assert "Le dossier ATELIER DEMO est occupé : Comptabiliser les factures, lancé le 2025-11-25 10:00:00" in french


def test_french_catalog_is_read_with_its_plural_rule() -> None:
    french = translations("fr", "console")
    assert french.ngettext("<strong>%(count)s</strong> finding", "<strong>%(count)s</strong> findings", 0) == (
        "<strong>%(count)s</strong> anomalie")
    assert french.ngettext("posted {count}", "posted {count}", 2) == "{count} comptabilisés"


def _second_session(console: Console) -> object:
    from fastapi.testclient import TestClient

    from tests.console.conftest import log_in

    client = TestClient(console.app, base_url="http://127.0.0.1")
    client.__enter__()
    log_in(client)
    assert TOKEN
    return client
