"""The company page: step buttons, one run at a time per company, and who holds it when busy."""

from __future__ import annotations

import asyncio
import html as markup
import os
import re
import threading
from collections.abc import Collection, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from sagesync.core.model import Document
from sagesync.core.payments import Payment
from sagesync.interfaces.console.app import close
from sagesync.jobs import company_lock
from sagesync.profiles.model import Profile
from sagesync.profiles.store import ProfileStore
from sagesync.sources.base import Rejected
from sagesync.sources.files import FileSource
from tests.console.conftest import COMPANY, SAMPLE_FIRM, Console, MakeConsole, sample_firm
from tests.mae_company import chart_export, imported


def html_text(html: str) -> str:
    """The words of an HTML fragment, entities decoded and spaces collapsed."""
    return " ".join(markup.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_the_company_page_has_the_old_connectors_buttons_and_more(demo: Console) -> None:
    html = demo.client.get("/company/demo").text
    buttons = re.findall(r'hx-post="/company/demo/run/(\w+)"[^>]*>\s*([^<]+)</button>', html)
    assert buttons == [("customers", "Pull customers"), ("projects", "Pull projects"), ("check", "Check invoices"),
                       ("invoices", "Pull invoices"), ("payments", "Pull payments"),
                       ("settlements", "Send settlements"), ("writeback", "Write back"), ("sync", "Sync all"),
                       ("preview", "Preview"), ("post_preview", "Post the preview")]
    assert 'sse-connect="/company/demo/events"' in html
    assert "No run yet." in html


def test_check_invoices_from_the_console_finds_the_planted_mistakes(demo: Console) -> None:
    demo.run("customers")
    demo.run("projects")
    panel = demo.run("check").text
    assert "Running:" in panel  # the click answers as soon as the run holds the lock
    snapshot = demo.app.state.console.runner.channel("demo").snapshot()
    assert snapshot.error == "" and snapshot.running is None
    (report,) = snapshot.reports
    blocking = {mistake["pk"] for mistake in sample_firm()["planted_mistakes"]
                if mistake["record"] == "invoice"
                and mistake["expected"] not in ("original_invoice_unknown", "draft_document")}
    assert dict(report.counts)["blocked"] == len(blocking)
    page = demo.client.get("/company/demo").text
    assert "Last run, finished" in page and f"blocked {len(blocking)}" in page


def test_an_unknown_step_or_profile_is_a_plain_answer(demo: Console) -> None:
    assert demo.client.post("/company/demo/run/delete", headers={"X-CSRF-Token": demo.csrf}).status_code == 404
    missing = demo.client.get("/company/nobody")
    assert missing.status_code == 404
    assert "no profile named &#39;nobody&#39;" in missing.text


def test_a_company_held_by_another_process_says_by_whom_and_since_when(demo: Console) -> None:
    profile = ProfileStore().get("demo")
    with company_lock(profile, "invoices"):
        holder = company_lock(profile, "invoices").holder()
        panel = demo.run("sync").text
    assert "Not started" in panel
    assert f"{COMPANY} is busy: Pull invoices, started {holder['started_at'].replace('T', ' ')}" in panel
    assert f"by {holder['user']} (process {holder['pid']})" in panel
    assert demo.app.state.console.runner.channel("demo").snapshot().reports == ()  # nothing ran
    assert "No run yet." in demo.client.get("/company/demo").text  # and nothing was recorded


class HeldSource:
    """The sample firm, whose invoices wait until the test lets them go: a run that stays running."""

    def __init__(self, release: threading.Event) -> None:
        self.release = release
        self.files = FileSource(SAMPLE_FIRM)
        self.customers, self.projects = self.files.customers, self.files.projects

    def documents(self, since: datetime | None = None,
                  include: Collection[str] = ()) -> Iterator[Document | Rejected]:
        assert self.release.wait(30)
        return self.files.documents(since, include)

    def payment_records(self, since: datetime | None = None) -> Iterator[Payment | Rejected]:
        return self.files.payment_records(since)

    def empty_scope_hint(self) -> str | None:
        return None

    def close(self) -> None:
        self.files.close()


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


def test_a_second_click_while_this_console_runs_the_company_shows_the_run_instead(
        make_console: MakeConsole, company_path: Path, release: threading.Event) -> None:
    console = make_console(lambda _profile: HeldSource(release))
    assert console.create_profile(company_path).status_code == 303
    first = console.client.post("/company/demo/run/check", headers={"X-CSRF-Token": console.csrf}).text
    assert "Running: Check invoices, started" in first
    assert 'id="idle"' not in first
    second = console.client.post("/company/demo/run/invoices", headers={"X-CSRF-Token": console.csrf}).text
    assert f"{COMPANY} is busy: Check invoices, started" in second
    assert f"in this console (process {os.getpid()})" in second
    assert "Running: Check invoices" in second  # the run in progress stays on the page
    assert "demo" in console.app.state.console.runner.running()
    assert '<span class="badge running">running</span>' in console.client.get("/profiles").text
    release.set()
    console.app.state.console.runner.channel("demo").thread.join(30)
    snapshot = console.app.state.console.runner.channel("demo").snapshot()
    assert [report.step for report in snapshot.reports] == ["check"]


def test_a_run_that_cannot_start_shows_why_with_the_fix(demo: Console, make_console: MakeConsole) -> None:
    def no_password(profile: Profile) -> FileSource:
        from sagesync.profiles.secrets import resolve_secret

        resolve_secret(profile.name, "platform")  # raises: no password anywhere
        raise AssertionError("unreachable")

    console = make_console(no_password)
    console.run("check")
    panel = console.client.get("/company/demo").text
    assert "platform password of profile &#39;demo&#39; is not set" in panel
    assert "SAGESYNC_DEMO_PLATFORM_PASSWORD" in panel


def test_closing_the_app_wakes_every_event_stream(demo: Console) -> None:
    channel = demo.app.state.console.runner.channel("demo")
    loop = asyncio.new_event_loop()
    try:
        subscription = channel.subscribe(loop)
        close(demo.app)
        assert loop.run_until_complete(asyncio.wait_for(subscription.queue.get(), 5)) == "closing"
    finally:
        loop.close()
    assert demo.app.state.console.closing.is_set()


def test_the_preview_shows_what_posting_would_write_and_posting_it_writes_exactly_that(demo: Console) -> None:
    demo.run("customers")
    demo.run("projects")
    panel = demo.run("preview").text
    snapshot = demo.app.state.console.runner.channel("demo").snapshot()
    (report,) = snapshot.reports
    assert report.preview is not None and report.preview["entries"] > 200
    assert "posted" not in dict(report.counts)  # a preview writes nothing
    page = demo.client.get("/company/demo").text
    assert "Preview, nothing posted" in page and "Post the preview" in page, panel
    demo.run("post_preview")
    (posted,) = demo.app.state.console.runner.channel("demo").snapshot().reports
    assert dict(posted.counts)["posted"] == report.preview["entries"]


def test_a_mae_company_is_told_the_import_steps_after_a_run_and_confirms_the_import_from_its_next_export(
        console: Console, tmp_path: Path, company_path: Path) -> None:
    export = tmp_path / "ACME-export.txt"
    export.write_bytes(chart_export())
    created = console.create_profile(company_path, sage_location="C:\\Sage\\ACME.mae", sage_export=str(export))
    assert created.status_code == 303, created.text
    page = console.client.get("/company/demo").text
    assert 'id="confirm-import"' in page and "Confirm the import" in page
    assert "export it again after the import" in page

    console.run("sync")
    panel = console.client.get("/company/demo").text
    files = sorted((tmp_path / "data").rglob("outbox/*.txt"))
    assert len(files) == 4  # new tiers, new sections, the invoices, the payments: one file per run that has any
    steps = re.search(r'<div class="import-steps" id="import-steps">(.*?)</div>', panel, re.S)
    assert steps, "the run's outcome says what to do in Sage"
    text = html_text(steps.group(1))
    assert "Fichier > Importer > Format Sage… and import, in this order:" in text
    assert all(str(path) in text for path in files)
    assert f"Export the company again, with its entries (Fichier > Exporter > Format Sage), to {export}." in text
    assert "sagesync sage confirm --profile demo" in text

    confirm = console.client.post("/company/demo/confirm", headers={"X-CSRF-Token": console.csrf})
    assert confirm.headers["HX-Trigger"] == "confirmed"
    assert "0 pieces found in Sage" in html_text(confirm.text) and "Imported them already?" in confirm.text
    export.write_bytes(imported(export.read_bytes(), files))  # imported in Sage, then exported again
    confirmed = html_text(console.client.post("/company/demo/confirm", headers={"X-CSRF-Token": console.csrf}).text)
    found = int(re.search(r"(\d+) pieces found in Sage", confirmed).group(1))  # type: ignore[union-attr]
    assert found > 200 and "0 still in import files" in confirmed
    summary = console.client.get("/company/demo/summary").text
    assert "state=confirmed" in summary and "state=delivered" not in summary


def test_confirming_an_embedded_company_or_a_busy_one_says_why_not(demo: Console) -> None:
    assert 'id="confirm-import"' not in demo.client.get("/company/demo").text  # posted directly: nothing to confirm
    profile = ProfileStore().get("demo")
    with company_lock(profile, "invoices"):
        answer = demo.client.post("/company/demo/confirm", headers={"X-CSRF-Token": demo.csrf}).text
    assert 'id="confirm-error"' in answer
