"""The cabinet view: every company of the firm on one page, read from each ledger, those needing someone first.

The demo company is synced for real (the embedded company, the sample firm read from a file) and its
row is compared with its ledger; other companies get small ledgers written here (the schema from
``Ledger``, rows inserted with ``sqlite3``) to put each state on the page: failed, to fix, never run,
up to date, a damaged ledger, a profile that cannot be read.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sagesync.errors import UnreachableError
from sagesync.i18n import language, translations
from sagesync.interfaces.console import cabinet
from sagesync.ledger import cabinet_views, receipts, views
from sagesync.ledger.cabinet_views import LastRun, last_batch
from sagesync.ledger.store import Ledger
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.paths import profile_paths, profiles_file
from sagesync.profiles.store import ProfileStore
from sagesync.sources.files import FileSource
from sagesync.unattended.outcome import Outcome
from sagesync.unattended.state import ProfileState, StateStore
from tests.console.conftest import COMPANY, Console, MakeConsole

STAMP = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite DateTime text


def add_profile(name: str, company: str, location: Path, **changes: Any) -> Profile:
    table = defaults_table()
    table.update(sage_company=company, period_start=date(2025, 1, 1), sage_location=f"embedded:{location}")
    table["platform"] = {**table["platform"], "email": "demo@sagesync.test", "organization_id": 1207,
                         "team_id": 3418}
    table.update(changes)
    profile = Profile.from_table(name, table)
    ProfileStore().add(profile)
    return profile


def write_ledger(name: str, company: str, *, runs: tuple[tuple[str, str], ...] = (("sync", "ok"),),
                 posted: int = 0, blocked: int = 0, changed: int = 0, waiting: int = 0, refused: int = 0,
                 setup_findings: int = 0, finished: datetime | None = None) -> Path:
    """A ledger whose runs (step, status) follow each other, with documents posted, blocked and changed, payments
    waiting and refused, and set-up findings."""
    path = profile_paths(name).ledger
    path.parent.mkdir(parents=True, exist_ok=True)
    Ledger(path).dispose()
    end = finished or datetime.now().replace(microsecond=0) - timedelta(hours=1)
    moment = end - timedelta(seconds=10 * len(runs))
    with sqlite3.connect(path) as db:
        for step, status in runs:
            started, moment = moment, moment + timedelta(seconds=10)
            db.execute("INSERT INTO runs (company, step, started_at, finished_at, status, counts, outputs, pid) "
                       "VALUES (?, ?, ?, ?, ?, '{}', '{}', 4242)",
                       (company, step, started.strftime(STAMP), None if status == "running" else
                        moment.strftime(STAMP), status))
        seen = end.strftime(STAMP)
        for index in range(posted + changed):
            source = f"P{index}"
            db.execute("INSERT INTO document_states VALUES (?, ?, ?, 'invoice', '2025-03-01', ?, 'v1', 1, ?)",
                       (company, source, f"F{index:04d}", "posted" if index < posted else "changed_after_posting",
                        seen))
            db.execute("INSERT INTO postings (company, source_id, version, number, kind, journal, entry_number, "
                       "piece, entry_date, original_source_id, state, target, target_ref, reference, run_id, "
                       "validated_at) VALUES (?, ?, 'v1', ?, 'invoice', 'VTE', ?, ?, '2025-03-01', '', 'confirmed', "
                       "'embedded', '', '', 1, ?)",
                       (company, source, f"F{index:04d}", f"VTE{index:06d}", f"F{index:04d}", seen))
        for index in range(blocked):
            db.execute("INSERT INTO document_states VALUES (?, ?, ?, 'invoice', '2025-03-02', 'blocked', 'v1', 1, ?)",
                       (company, f"B{index}", f"FB{index:04d}", seen))
        rows = [("document", f"B{index}", "account_missing", "blocking") for index in range(blocked)]
        rows += [("document", f"P{posted + index}", "changed_after_posting", "blocking") for index in range(changed)]
        rows += [("payment", f"W{index}", "payment_waiting", "warning") for index in range(waiting)]
        rows += [("payment", f"R{index}", "overpayment", "blocking") for index in range(refused)]
        rows += [("setup", "", "vat_rate_unmapped", "blocking") for _index in range(setup_findings)]
        rows += [("document", "P0", "text_truncated", "warning")]  # a warning: never counted as blocking
        db.executemany("INSERT INTO findings (run_id, company, kind, source_id, document, field, code, severity, "
                       "message, fix) VALUES (1, ?, ?, ?, ?, 'x', ?, ?, 'what', 'fix')",
                       [(company, kind, source, f"document {source}", code, severity)
                        for kind, source, code, severity in rows])
    return path


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr id="company-[^"]+" class="company-row[^"]*" data-profile="([^"]+)"', html)


def row_html(html: str, name: str) -> str:
    start = html.index(f'<tr id="company-{name}"')
    return html[start:html.index("</tr>", start)]


def cell(row: str, css: str) -> str:
    match = re.search(rf'<td class="[^"]*\b{css}\b[^"]*"[^>]*>(.*?)</td>', row, re.S)
    assert match, css
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def number(row: str, css: str) -> int:
    return int(cell(row, css).split()[0])


@pytest.fixture
def firm(console: Console, tmp_path: Path) -> Console:
    """Six companies, one of each kind: failed, to fix (twice), never run, up to date, a damaged ledger."""
    location = tmp_path / "nowhere.sqlite"  # never opened: the cabinet reads ledgers, not Sage
    add_profile("alpha", "ALPHA CONSEIL", location)
    write_ledger("alpha", "ALPHA CONSEIL", runs=(("customers", "ok"), ("projects", "ok"), ("invoices", "ok")),
                 posted=12)
    add_profile("bravo", "BRAVO ARCHITECTES", location)
    write_ledger("bravo", "BRAVO ARCHITECTES", runs=(("customers", "ok"), ("invoices", "blocked"),
                                                     ("writeback", "ok")), posted=5, blocked=2, waiting=1)
    add_profile("charlie", "CHARLIE & FILS", location)
    write_ledger("charlie", "CHARLIE & FILS", runs=(("customers", "ok"), ("invoices", "failed")), posted=3)
    add_profile("delta", "Société Delta", location)  # no ledger: never run
    add_profile("echo", "ECHO INGÉNIERIE", location)
    write_ledger("echo", "ECHO INGÉNIERIE", posted=40, blocked=7, changed=1, refused=2, setup_findings=1)
    add_profile("foxtrot", "FOXTROT", location)
    damaged = profile_paths("foxtrot").ledger
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"this is not a SQLite database, a backup tool cut it in half" * 50)
    return console


def test_every_company_is_listed_those_needing_someone_first(firm: Console) -> None:
    page = firm.client.get("/cabinet")
    assert page.status_code == 200
    # Failed first (the damaged ledger, the failed run), then to fix (most to do first), never run, up to date.
    assert rows_of(page.text) == ["charlie", "foxtrot", "echo", "bravo", "delta", "alpha"]
    states = dict(re.findall(r'data-profile="([^"]+)" data-state="([^"]+)"', page.text))
    assert states == {"charlie": "failed", "foxtrot": "failed", "echo": "to_fix", "bravo": "to_fix",
                      "delta": "never", "alpha": "up_to_date"}
    chips = dict(re.findall(r'data-state="(\w+)"(?: aria-current="true")?><span class="badge[^"]*">[^<]+</span> '
                            r"<strong>(\d+)</strong>", page.text))
    assert chips == {"all": "6", "to_fix": "2", "failed": "2", "up_to_date": "1", "never": "1"}
    assert 'href="/cabinet"' in page.text.split("<main>")[0], "the cabinet is in the main navigation"


def test_a_row_counts_what_its_ledger_holds(firm: Console) -> None:
    page = firm.client.get("/cabinet").text
    echo = row_html(page, "echo")
    assert number(echo, "posted") == 40
    assert number(echo, "to-fix") == 8 and "1 changed after posting" in cell(echo, "to-fix")
    assert number(echo, "payments") == 2 and "0 waiting for their invoice, 2 to fix" in cell(echo, "payments")
    assert number(echo, "findings") == 7 + 1 + 2 + 1  # blocked, changed, refused payments, set-up; not the warning
    bravo = row_html(page, "bravo")
    assert (number(bravo, "posted"), number(bravo, "to-fix"), number(bravo, "payments"),
            number(bravo, "findings")) == (5, 2, 1, 2)
    # The last run: the batch of runs that followed each other, with its worst result, and the run history's link.
    assert cell(bravo, "last-run").startswith("blocked")
    assert 'href="/company/bravo/runs"' in bravo
    assert cell(row_html(page, "alpha"), "last-run").startswith("ok")
    assert cell(row_html(page, "charlie"), "last-run").startswith("failed")
    assert cell(row_html(page, "alpha"), "next-run") == "no schedule"


def test_a_company_never_run_and_a_damaged_ledger_say_so_on_their_row(firm: Console) -> None:
    page = firm.client.get("/cabinet").text
    delta = row_html(page, "delta")
    assert "never run" in cell(delta, "last-run") and cell(delta, "posted") == "–"
    assert not profile_paths("delta").ledger.exists(), "reading the cabinet never creates a ledger"
    foxtrot = row_html(page, "foxtrot")
    assert "the ledger cannot be read" in foxtrot
    assert "is not a SQLite database" in foxtrot and "sagesync ledger rebuild --profile foxtrot" in foxtrot
    assert "Traceback" not in page
    # The other rows are whole: one damaged ledger does not hide the others.
    assert number(row_html(page, "echo"), "posted") == 40


def test_a_damaged_ledger_is_told_in_french(firm: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    page = firm.client.get("/cabinet").text
    foxtrot = html.unescape(row_html(page, "foxtrot"))
    assert "le registre ne peut pas être lu" in foxtrot
    assert "n'est pas une base SQLite (fichier endommagé" in foxtrot
    assert "`sagesync ledger rebuild --profile foxtrot` le reconstruit" in foxtrot
    assert "en échec" in foxtrot and "jamais lancé" not in foxtrot
    assert "dont 1 modifié après comptabilisation" in row_html(page, "echo")
    assert "jamais lancé" in row_html(page, "delta")
    assert "pas de planification" in row_html(page, "alpha")
    assert "Lancer maintenant" in row_html(page, "alpha")
    for state, words in (("to_fix", "à corriger"), ("failed", "en échec"), ("up_to_date", "à jour"),
                         ("never", "jamais lancé")):
        assert re.search(rf'data-state="{state}"[^>]*><span class="badge[^"]*">{words}</span>', page), state


def test_the_state_filter_and_the_search(firm: Console) -> None:
    def shown(query: str) -> list[str]:
        return rows_of(firm.client.get(f"/cabinet?{query}").text)

    assert shown("state=to_fix") == ["echo", "bravo"]
    assert shown("state=failed") == ["charlie", "foxtrot"]
    assert shown("state=never") == ["delta"]
    assert shown("state=up_to_date") == ["alpha"]
    assert shown("state=") == shown("state=nonsense") == ["charlie", "foxtrot", "echo", "bravo", "delta", "alpha"]
    # A part of the company's name, without case or accents; the profile's name too.
    assert shown("q=societe") == ["delta"]
    assert shown("q=ingenierie") == ["echo"]
    assert shown("q=ARCHI") == ["bravo"]
    assert shown("q=foxt") == ["foxtrot"]
    assert shown("q=o&state=to_fix") == ["echo", "bravo"]
    assert shown("q=archi&state=up_to_date") == []
    page = firm.client.get("/cabinet?q=zzz").text
    assert "No company matches." in page
    # The chips count what the search keeps, and keep the search.
    counts = firm.client.get("/cabinet?q=archi").text
    assert 'href="/cabinet?state=to_fix&amp;q=archi"' in counts


def test_run_now_posts_the_company_pages_sync_and_the_row_follows_the_run(
        demo: Console, company_path: Path) -> None:
    page = demo.client.get("/cabinet").text
    row = row_html(page, "demo")
    # The company page's « Sync all », with the CSRF header every htmx request of the page sends.
    assert re.search(r'<button type="button" class="primary run-now" hx-post="/company/demo/run/sync"', row)
    assert f'hx-headers=\'{{"X-CSRF-Token": "{demo.csrf}"}}\'' in page
    assert 'hx-get="/cabinet/row/demo?was=never"' in row and 'hx-trigger="run-started"' in row
    assert "never run" in row
    refused = demo.client.post("/company/demo/run/sync")  # no CSRF token: refused, nothing runs
    assert refused.status_code == 403
    answer = demo.run("sync")
    assert answer.headers["HX-Trigger"] == "run-started"
    again = demo.client.get("/cabinet/row/demo?was=never")
    assert again.status_code == 200 and again.text.lstrip().startswith('<tr id="company-demo"')
    assert "never run" not in again.text and "every 2s" not in again.text
    assert again.headers["HX-Trigger"] == "cabinet-changed", "the page draws its counts per state again"
    assert "HX-Trigger" not in demo.client.get("/cabinet/row/demo?was=to_fix").headers
    assert demo.client.get("/cabinet/row/nobody").status_code == 404


def test_the_demo_row_is_its_ledger_after_a_sync(demo: Console) -> None:
    demo.run("sync")
    row = row_html(demo.client.get("/cabinet").text, "demo")
    with sqlite3.connect(profile_paths("demo").ledger) as db:
        posted = db.execute("SELECT count(*) FROM document_states d JOIN postings p ON p.company = d.company AND "
                            "p.source_id = d.source_id WHERE d.verdict != 'changed_after_posting'").fetchone()[0]
        blocked = db.execute("SELECT count(*) FROM document_states d WHERE d.verdict = 'blocked' AND NOT EXISTS "
                             "(SELECT 1 FROM postings p WHERE p.company = d.company AND p.source_id = d.source_id)"
                             ).fetchone()[0]
        changed = db.execute("SELECT count(*) FROM document_states WHERE verdict = 'changed_after_posting'"
                             ).fetchone()[0]
        blocking = db.execute("SELECT count(*) FROM findings WHERE severity = 'blocking'").fetchone()[0]
        waiting = db.execute("SELECT count(*) FROM findings WHERE code = 'payment_waiting'").fetchone()[0]
        refused = db.execute("SELECT count(*) FROM findings WHERE kind = 'payment' AND severity = 'blocking'"
                             ).fetchone()[0]
        steps = [step for (step,) in db.execute("SELECT step FROM runs ORDER BY id")]
    assert posted > 0 and blocked > 0 and blocking > 0
    assert number(row, "posted") == posted
    assert number(row, "to-fix") == blocked + changed
    assert number(row, "findings") == blocking
    if waiting + refused:
        assert number(row, "payments") == waiting + refused
    else:
        assert cell(row, "payments") == "0"
    assert 'data-state="to_fix"' in row
    assert cell(row, "last-run").startswith("blocked")  # the invoices step blocked documents: the batch says so
    assert len(steps) >= 4  # one run per step, read as one batch
    with demo.app.state.console.readers.connect(profile_paths("demo").ledger) as connection:
        glance = cabinet_views.glance(connection, COMPANY)
        assert glance.last_run is not None and glance.last_run.steps == tuple(steps)
        assert glance.documents == views.state_counts(connection, COMPANY)
        assert glance.payments == receipts.payment_counts(connection, COMPANY)


def test_the_next_run_comes_from_the_profiles_schedule(console: Console, tmp_path: Path) -> None:
    location = tmp_path / "nowhere.sqlite"
    add_profile("nightly", "NIGHTLY", location, schedule={"every": "daily", "at": "02:00"})
    add_profile("paused", "PAUSED", location, schedule={"every": "hourly", "at": ":15", "enabled": False})
    page = console.client.get("/cabinet").text
    nightly = cell(row_html(page, "nightly"), "next-run")
    assert re.fullmatch(r"\d\d/\d\d/20\d\d 02:00 every day at 02:00 \(Europe/Paris\)", nightly), nightly
    assert cell(row_html(page, "paused"), "next-run") == "schedule turned off"
    with language("fr"):
        profile = ProfileStore().get("nightly")
        described = cabinet.schedule_of(profile, datetime(2025, 6, 10, 12, 0, tzinfo=UTC))
    assert described.text == "tous les jours à 02:00 (Europe/Paris)"
    assert described.next_at is not None and described.next_at.isoformat() == "2025-06-11T02:00:00+02:00"


def test_a_schedule_that_has_not_succeeded_for_too_long_is_failed(console: Console, tmp_path: Path) -> None:
    location = tmp_path / "nowhere.sqlite"
    add_profile("late", "LATE", location, schedule={"every": "daily", "at": "02:00", "alert_after_hours": 36})
    write_ledger("late", "LATE", finished=datetime.now().replace(microsecond=0) - timedelta(days=3))
    add_profile("fresh", "FRESH", location, schedule={"every": "daily", "at": "02:00", "alert_after_hours": 36})
    write_ledger("fresh", "FRESH")
    page = console.client.get("/cabinet").text
    assert 'data-state="failed"' in row_html(page, "late")
    assert "no successful run for more than 36 h" in row_html(page, "late")
    assert 'data-state="up_to_date"' in row_html(page, "fresh")


def test_a_scheduled_run_that_failed_before_the_ledger_is_the_last_run(console: Console, tmp_path: Path) -> None:
    """The unattended side remembers a run the ledger never saw (Sage unreachable, the profile broken): its message
    is on the row."""
    add_profile("night", "NIGHT", tmp_path / "nowhere.sqlite")
    write_ledger("night", "NIGHT", finished=datetime.now().replace(microsecond=0) - timedelta(days=1))
    now = datetime.now(UTC)
    StateStore().save("night", ProfileState().with_outcome(Outcome(
        "night", "NIGHT", now - timedelta(minutes=2), now - timedelta(minutes=1), "failed",
        error="cannot reach the Sage company: check the network share", error_code="unreachable")))
    row = row_html(console.client.get("/cabinet").text, "night")
    assert 'data-state="failed"' in row
    assert cell(row, "last-run").startswith("failed")
    assert "cannot reach the Sage company" in row


def test_a_run_of_another_process_and_a_run_that_was_killed(console: Console, tmp_path: Path) -> None:
    """The ledger says « running »: another process's run (the command line, a worker) is followed on the page; one
    started hours ago was stopped (killed, the machine shut down) and needs someone."""
    location = tmp_path / "nowhere.sqlite"
    add_profile("busy", "BUSY", location)
    write_ledger("busy", "BUSY", runs=(("customers", "ok"), ("invoices", "running")),
                 finished=datetime.now().replace(microsecond=0))
    add_profile("killed", "KILLED", location)
    write_ledger("killed", "KILLED", runs=(("customers", "ok"), ("invoices", "running")),
                 finished=datetime.now().replace(microsecond=0) - timedelta(hours=5))
    page = console.client.get("/cabinet").text
    busy, killed = row_html(page, "busy"), row_html(page, "killed")
    assert cell(busy, "last-run").startswith("running") and "every 2s" in busy
    assert " disabled" not in busy, "another process's run: a click is told who holds the company"
    assert 'data-state="failed"' in killed and cell(killed, "last-run").startswith("interrupted")
    assert "every 2s" not in killed


def test_a_run_of_this_console_that_failed_before_the_ledger_shows_why(
        make_console: MakeConsole, company_path: Path) -> None:
    def unreachable(_profile: Profile) -> FileSource:
        raise UnreachableError("the platform does not answer: check the connection, then run again")

    console = make_console(source_factory=unreachable)
    assert console.create_profile(company_path).status_code == 303
    console.run("sync")
    row = row_html(console.client.get("/cabinet").text, "demo")
    assert 'data-state="failed"' in row and cell(row, "last-run").startswith("failed")
    assert "the platform does not answer" in row


def test_a_profile_that_cannot_be_read_has_its_row(console: Console, tmp_path: Path) -> None:
    add_profile("good", "GOOD", tmp_path / "nowhere.sqlite")
    path = profiles_file()
    path.write_text(path.read_text(encoding="utf-8") + '\n[profiles.broken]\nsage_company = "BROKEN"\n',
                    encoding="utf-8")
    page = console.client.get("/cabinet").text
    broken = row_html(page, "broken")
    assert 'data-state="failed"' in broken and "the profile cannot be read" in broken
    assert 'href="/profiles/broken/edit"' in broken and "run-now" not in broken
    assert rows_of(page) == ["broken", "good"]


def test_an_empty_firm_then_its_first_profile(console: Console, tmp_path: Path) -> None:
    page = console.client.get("/cabinet")
    assert page.status_code == 200 and "No profile yet." in page.text
    add_profile("first", "FIRST", tmp_path / "nowhere.sqlite")
    assert rows_of(console.client.get("/cabinet").text) == ["first"]
    add_profile("second", "A SECOND ONE", tmp_path / "nowhere.sqlite")  # the profiles file is read again
    assert rows_of(console.client.get("/cabinet").text) == ["second", "first"]


def test_a_ledger_is_read_again_only_when_it_changed(firm: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    real = cabinet_views.glance

    def counting(connection: Any, company: str) -> Any:
        read.append(company)
        return real(connection, company)

    monkeypatch.setattr(cabinet_views, "glance", counting)
    firm.client.get("/cabinet")
    assert sorted(read) == ["ALPHA CONSEIL", "BRAVO ARCHITECTES", "CHARLIE & FILS", "ECHO INGÉNIERIE", "FOXTROT"]
    read.clear()
    firm.client.get("/cabinet")
    assert read == ["FOXTROT"], "only the damaged ledger (never kept) is read again"
    with sqlite3.connect(profile_paths("alpha").ledger) as db:
        db.execute("INSERT INTO document_states VALUES ('ALPHA CONSEIL', 'X1', 'FX1', 'invoice', '2025-04-01', "
                   "'blocked', 'v1', 1, '2025-04-01 10:00:00.000000')")
    read.clear()
    page = firm.client.get("/cabinet").text
    assert sorted(read) == ["ALPHA CONSEIL", "FOXTROT"]
    assert number(row_html(page, "alpha"), "to-fix") == 1


def _run(run_id: int, step: str, status: str, started: datetime, seconds: int, pid: int = 7) -> Any:
    from types import SimpleNamespace

    return SimpleNamespace(id=run_id, step=step, status=status, started_at=started, pid=pid,
                           finished_at=None if status == "running" else started + timedelta(seconds=seconds))


def test_the_last_batch_is_the_runs_that_followed_each_other() -> None:
    at = datetime(2025, 6, 1, 2, 0, 0)
    sync = [_run(4, "writeback", "ok", at + timedelta(seconds=31), 1), _run(3, "invoices", "blocked",
                                                                           at + timedelta(seconds=10), 20),
            _run(2, "projects", "ok", at + timedelta(seconds=5), 4), _run(1, "customers", "ok", at, 5)]
    batch = last_batch(sync)
    assert batch == LastRun(4, ("customers", "projects", "invoices", "writeback"), at, at + timedelta(seconds=32),
                            "blocked", 7)
    # A run an hour later is its own batch; another process's run is too.
    later = _run(5, "check", "ok", at + timedelta(hours=1), 3)
    assert last_batch([later, *sync]) == LastRun(5, ("check",), later.started_at, later.finished_at, "ok", 7)
    other = _run(5, "check", "ok", at + timedelta(seconds=33), 3, pid=8)
    assert last_batch([other, *sync]).steps == ("check",)  # type: ignore[union-attr]
    # A failed step fails the batch; a running one makes it running.
    failed = [_run(2, "invoices", "failed", at + timedelta(seconds=6), 2), _run(1, "customers", "ok", at, 5)]
    assert last_batch(failed).status == "failed"  # type: ignore[union-attr]
    running = [_run(2, "invoices", "running", at + timedelta(seconds=6), 0), _run(1, "customers", "ok", at, 5)]
    assert last_batch(running) == LastRun(2, ("customers", "invoices"), at, None, "running", 7)
    assert last_batch([]) is None


def test_the_cabinet_words_are_french_by_default() -> None:
    french = translations("fr", "console")
    assert [french.gettext(words) for _state, words in cabinet.STATES] == [
        "tout", "à corriger", "en échec", "à jour", "jamais lancé"]
    assert french.gettext("Run now") == "Lancer maintenant"
    assert french.gettext("no schedule") == "pas de planification"
    assert json.dumps(cabinet.state_counts([])) == '{"": 0, "to_fix": 0, "failed": 0, "up_to_date": 0, "never": 0}'
