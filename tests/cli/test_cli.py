"""The `sagesync` command through typer's runner: the demo, the steps, JSON reports and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sagesync.errors import LockHeldError
from sagesync.interfaces.cli.app import app
from sagesync.jobs import company_lock
from sagesync.profiles.store import ProfileStore
from sagesync.sandbox.server import start_sandbox

runner = CliRunner()


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SAGESYNC_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("SAGESYNC_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def by_step(output: str) -> dict[str, dict]:  # type: ignore[type-arg]
    return {report["step"]: report for report in json.loads(output)}


def test_demo_runs_every_step_over_http_exits_0_and_a_second_demo_posts_nothing(isolated: Path,
                                                                                 monkeypatch: pytest.MonkeyPatch
                                                                                 ) -> None:
    monkeypatch.chdir(isolated)
    first = runner.invoke(app, ["demo", "--json"])
    assert first.exit_code == 0, first.output
    reports = by_step(first.stdout)
    assert list(reports) == ["customers", "projects", "check", "invoices", "payments", "settlements", "writeback"]
    posted = reports["invoices"]["counts"]["posted"]
    assert posted > 200
    # the 4 planted mistakes are blocked; the planted draft is skipped, not blocked (issue 10)
    assert reports["check"]["counts"]["blocked"] == reports["invoices"]["counts"]["blocked"] >= 4
    assert reports["check"]["counts"]["draft"] == reports["invoices"]["counts"]["draft"] >= 1
    assert Path(reports["check"]["outputs"]["report_html"]).is_file()
    # the demo's FEC passes the FEC check: invoices, credit notes and the bank's payments, in number order
    from sagesync.fec.check import check_fec

    (fec,) = (isolated / "sagesync-demo" / "exports").glob("*FEC????????.txt")
    assert check_fec(fec) == []
    second = by_step(runner.invoke(app, ["demo", "--json"]).stdout)
    assert second["invoices"]["counts"].get("posted", 0) == 0
    # an incremental pass: the posted documents did not change, so they are not even read again;
    # the blocked ones are read again (their cause may be fixed) and are still blocked
    assert second["invoices"]["scope"].startswith("changed since")
    assert second["invoices"]["counts"]["blocked"] == reports["invoices"]["counts"]["blocked"]


def test_steps_on_a_profile_report_blocked_documents_with_exit_code_1(isolated: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated)
    assert runner.invoke(app, ["demo", "--json"]).exit_code == 0  # creates the demo profile and company
    with start_sandbox() as sandbox:
        assert runner.invoke(app, ["profile", "edit", "demo", "--set", f"platform.base_url={sandbox.base_url}"]
                             ).exit_code == 0
        result = runner.invoke(app, ["check", "--profile", "demo", "--json"])
    assert result.exit_code == 1
    (report,) = json.loads(result.stdout)
    assert report["counts"]["blocked"] >= 4 and report["counts"]["draft"] >= 1
    codes = {finding["code"] for finding in report["findings"]}
    assert {"closed_period", "vat_rate_unmapped", "currency_not_allowed", "totals_inconsistent"} <= codes


def test_a_second_run_on_a_busy_company_exits_4_and_names_the_holder(isolated: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated)
    assert runner.invoke(app, ["demo", "--json"]).exit_code == 0
    demo = ProfileStore().get("demo")
    with company_lock(demo, "sync"):
        result = runner.invoke(app, ["invoices", "--profile", "demo"])
    assert result.exit_code == 4
    assert "ATELIER LUMIERE" in result.output and "busy" in result.output


def test_two_profiles_naming_one_company_share_its_lock(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lock is the company's, not the profile's: a second profile on the same company waits its turn."""
    monkeypatch.chdir(isolated)
    assert runner.invoke(app, ["demo", "--json"]).exit_code == 0
    store = ProfileStore()
    demo = store.get("demo")
    location = str(demo.embedded_company_path())
    twin = demo.model_copy(update={"name": "twin", "sage_location": f"embedded:{location}"})
    with company_lock(twin, "sync", None) as held:
        with pytest.raises(LockHeldError, match="busy"):
            company_lock(demo, "invoices").acquire()
        assert held.holder()["profile"] == "twin"


def test_unknown_profile_is_a_configuration_error_exit_2(isolated: Path) -> None:
    result = runner.invoke(app, ["sync", "--profile", "nobody"])
    assert result.exit_code == 2
    assert "nobody" in result.output


def test_company_init_creates_a_company_and_refuses_to_overwrite_it(isolated: Path) -> None:
    path = isolated / "acme.sqlite"
    assert runner.invoke(app, ["company", "init", str(path), "--name", "ACME", "--close-month", "VTE:2025-01"]
                         ).exit_code == 0
    again = runner.invoke(app, ["company", "init", str(path)])
    assert again.exit_code == 2 and "acme.sqlite" in again.output
    bad = runner.invoke(app, ["company", "init", str(isolated / "b.sqlite"), "--close-month", "janvier"])
    assert bad.exit_code == 2 and "JOURNAL:YYYY-MM" in bad.output


def test_file_target_writes_import_files_then_confirm_and_reissue(isolated: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated)
    assert runner.invoke(app, ["demo", "--json", "--workspace", "ws"]).exit_code == 0
    # Another company, read by SQL (here an embedded one) and fed through import files.
    company = isolated / "fichier.sqlite"
    assert runner.invoke(app, ["company", "init", str(company), "--name", "ATELIER FICHIER"]).exit_code == 0
    with start_sandbox() as sandbox:
        assert runner.invoke(app, ["profile", "edit", "demo", "--set", f"platform.base_url={sandbox.base_url}",
                                   "--set", "sage_target=file", "--set", "sage_company=ATELIER FICHIER",
                                   "--set", f"sage_location=embedded:{company}"]).exit_code == 0
        # The profile's ledger is the book of the demo's company: refused for another, until rebuilt.
        refused = runner.invoke(app, ["sync", "--profile", "demo", "--json"])
        assert refused.exit_code == 2 and "another company" in refused.output
        rebuilt = runner.invoke(app, ["ledger", "rebuild", "--profile", "demo"])
        assert rebuilt.exit_code == 0 and "kept aside" in rebuilt.output, rebuilt.output
        result = runner.invoke(app, ["sync", "--profile", "demo", "--json"])
    report = by_step(result.stdout)["invoices"]
    assert report["counts"]["posted"] > 200
    import_file = Path(report["outputs"]["import file"])
    content = import_file.read_bytes()
    assert content.startswith(b"#FLG 000\r\n#VER 31\r\n") and content.rstrip().endswith(b"#FIN")
    confirm = runner.invoke(app, ["sage", "confirm", "--profile", "demo"])
    assert confirm.exit_code == 0, confirm.output
    assert "0 piece(s) found in Sage" in confirm.output  # nothing is imported into ATELIER FICHIER yet
    import_file.unlink()
    run = int(import_file.stem.rsplit("run", 1)[1])
    reissued = runner.invoke(app, ["sage", "reissue", str(run), "--profile", "demo"])
    assert reissued.exit_code == 0, reissued.output
    assert import_file.read_bytes() == content


def test_status_tells_where_the_documents_stand(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated)
    reports = by_step(runner.invoke(app, ["demo", "--json"]).stdout)
    result = runner.invoke(app, ["status", "--profile", "demo", "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.stdout)
    assert status["documents"]["confirmed"] == reports["invoices"]["counts"]["posted"]
    assert status["documents"]["blocked"] == reports["invoices"]["counts"]["blocked"]
    assert status["blocking_findings"] >= reports["invoices"]["counts"]["blocked"]
    # the latest five runs, newest first: the demo's receipts matched in Sage were sent after the sync
    assert [run["step"] for run in status["runs"]] == ["settlements", "writeback", "settlements", "payments",
                                                       "invoices"]
    payments = status["payments"]
    assert payments["posted"] == reports["payments"]["counts"]["posted"] > 150
    assert payments["waiting"] == reports["payments"]["counts"]["waiting"]
    assert payments["to_fix"] >= reports["payments"]["counts"]["blocked"] and payments["sent_to_platform"] == 3
    text = runner.invoke(app, ["status", "--profile", "demo"]).output
    assert "ATELIER LUMIERE" in text and "posted" in text


def test_profile_check_shows_what_it_read_from_one_real_document_with_the_field_names(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated)
    assert runner.invoke(app, ["demo", "--json"]).exit_code == 0
    store = ProfileStore()
    with start_sandbox() as sandbox:
        assert runner.invoke(app, ["profile", "edit", "demo", "--set", f"platform.base_url={sandbox.base_url}"]
                             ).exit_code == 0
        good = runner.invoke(app, ["profile", "check", "demo"])
        assert "platform document" in good.output and "TTC" in good.output, good.output
        demo = store.get("demo")
        renamed = demo.platform.model_copy(update={"fields": {"total_incl_vat": ["total_ttc"]}})
        store.update(demo.model_copy(update={"platform": renamed}))
        bad = runner.invoke(app, ["profile", "check", "demo"])
    assert bad.exit_code == 2
    assert "total_ttc" in bad.output and "platform.fields" in bad.output, bad.output


def test_the_demo_ends_with_the_command_that_opens_it_in_the_console_and_that_command_works(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    from sagesync.interfaces.cli import console_command

    monkeypatch.chdir(isolated)
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0 and "sagesync demo --console" in first.output
    seen: list[int] = []

    def fake_console(host: str = "127.0.0.1", port: int = 0, no_browser: bool = False) -> None:
        # While the console would run: the demo's profile points at a sandbox that answers.
        profile = ProfileStore().get("demo")
        seen.append(httpx.get(profile.platform.base_url.replace("/api/", "/accounts/login/")).status_code)

    monkeypatch.setattr(console_command, "serve_console", fake_console)
    browsed = runner.invoke(app, ["demo", "--console"])
    assert browsed.exit_code == 0, browsed.output
    assert seen == [200]


def test_sync_dry_run_previews_and_posts_nothing_then_invoices_posts_exactly_the_preview(
        isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(isolated)
    assert runner.invoke(app, ["demo", "--json", "--fresh"]).exit_code == 0
    company = ProfileStore().get("demo").embedded_company_path()
    assert company is not None
    import sqlite3

    with start_sandbox() as sandbox:
        assert runner.invoke(app, ["profile", "edit", "demo", "--set", f"platform.base_url={sandbox.base_url}"]
                             ).exit_code == 0
        before = sqlite3.connect(company).execute("select count(*) from F_ECRITUREC").fetchone()
        dry = runner.invoke(app, ["sync", "--profile", "demo", "--dry-run"])
        assert "Preview, nothing posted" in dry.output and "--preview" in dry.output, dry.output
        (report,) = json.loads(runner.invoke(app, ["sync", "--profile", "demo", "--dry-run", "--json"]).stdout)
        after = sqlite3.connect(company).execute("select count(*) from F_ECRITUREC").fetchone()
        assert before == after  # a preview writes nothing to Sage
        assert report["preview"]["entries"] == 0  # the demo already posted everything it could
        posted = runner.invoke(app, ["invoices", "--profile", "demo", "--preview", report["outputs"]["preview"],
                                     "--json"])
    assert posted.exit_code in (0, 1), posted.output
    assert by_step(posted.stdout)["invoices"]["counts"].get("posted", 0) == 0
