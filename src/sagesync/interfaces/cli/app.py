"""The `sagesync` command.

Exit codes: 0 ok, 1 documents blocked by findings, 2 usage or configuration
error (a damaged, foreign, read-only or full local file included), 3 platform or
Sage unreachable, 4 another run holds the company, 70 internal error (a bug: the
message gives the log file holding the traceback). No traceback ever reaches the
user: every command is wrapped by ``failures.guard_commands``, and ``--json``
answers ``{"error": {"code", "message", "exit_code"}}`` on every failure.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sagesync.core.labels import count_label, status_label
from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import LANGUAGE_VARIABLE, N_, _, ngettext, set_language
from sagesync.interfaces.cli.failures import error_code, guard_commands, print_failure
from sagesync.interfaces.cli.render import blocking_details, findings_table, headline, progress_sink, summary_table
from sagesync.interfaces.cli.translated import TranslatedGroup
from sagesync.profiles.model import LocationKind, Profile
from sagesync.steps.events import RunReport
from sagesync.steps.registry import STEPS

app = typer.Typer(help=N_("Post billing-platform invoices into Sage 100, balanced and exactly once."),
                  no_args_is_help=True, add_completion=False, cls=TranslatedGroup)
company_app = typer.Typer(help=N_("The embedded Sage company."), no_args_is_help=True)
app.add_typer(company_app, name="company")


class Language(StrEnum):
    FR = "fr"
    EN = "en"


@app.callback()
def choose_language(
    lang: Annotated[Language | None, typer.Option(
        "--lang", case_sensitive=False,
        help=N_("Language of messages and reports: fr (the default) or en. Also SAGESYNC_LANG."))] = None,
) -> None:
    # The language is chosen by TranslatedGroup before help is printed; this keeps it for the command.
    if lang is not None:
        set_language(lang.value)


assert LANGUAGE_VARIABLE == "SAGESYNC_LANG"  # the help text above names it

console = Console()
error_console = Console(stderr=True)

ProfileOption = Annotated[str, typer.Option("--profile", "-p", help=N_("Profile (company) name."))]
JsonOption = Annotated[bool, typer.Option("--json", help=N_("Print the run report as JSON."))]
# What a run wrote, in words: report_csv -> "check report (CSV)".
OUTPUT_LABELS = {"report_csv": N_("check report (CSV)"), "report_html": N_("check report (HTML)"),
                 "ledger of record": N_("ledger of record"), "Sage company": N_("Sage company"), "FEC": N_("FEC"),
                 "profile file": N_("profile file"), "import_file": N_("import file")}


def output_label(name: str) -> str:
    label = OUTPUT_LABELS.get(name)
    return _(label) if label else name.replace("_", " ")


def fail(error: SagesyncError, as_json: bool = False) -> typer.Exit:
    print_failure(error_code(error), str(error), error.exit_code, as_json=as_json)
    return typer.Exit(error.exit_code)


def print_reports(reports: Sequence[RunReport], as_json: bool, outputs: dict[str, Path] | None = None) -> int:
    """The runs' tables, what they wrote (and ``outputs``), then the run in a sentence; or the reports as JSON."""
    if as_json:
        sys.stdout.write(json.dumps([report.as_dict() for report in reports], indent=2, ensure_ascii=False) + "\n")
    else:
        console.print(summary_table(reports))
        for table in (findings_table(reports), blocking_details(reports)):
            if table is not None:
                console.print(table)
        for report in reports:
            for name, path in report.outputs.items():
                console.print(f"{output_label(name)}: {path}")
        for name, path in (outputs or {}).items():
            console.print(f"{output_label(name)}: {path}")
        for sentence in headline(reports):
            console.print(sentence)
    return max((report.exit_code for report in reports), default=0)


def run_step(profile_name: str, step: str, as_json: bool, *, dry_run: bool = False,
             preview: Path | None = None) -> None:
    from sagesync.jobs import open_job
    from sagesync.profiles.store import ProfileStore
    from sagesync.steps.invoices import check_invoices
    from sagesync.steps.preview import read_preview

    try:
        profile = ProfileStore().get(profile_name)
        with progress_sink(error_console, enabled=not as_json) as sink, open_job(profile, events=sink,
                                                                                step=step) as job:
            if dry_run:  # nothing is written to Sage: the check, and what posting would write
                reports = [check_invoices(job.context, preview=True)]
            else:
                if preview is not None:
                    job.context.preview = read_preview(preview, profile.sage_company)
                reports = job.run(step)
    except SagesyncError as error:
        raise fail(error, as_json) from None
    code = print_reports(reports, as_json)
    if dry_run and not as_json:
        _print_preview(reports[0], profile_name)
    if not as_json:
        print_import_steps(profile, [str(path) for report in reports for name, path in report.outputs.items()
                                     if "import file" in name])
    raise typer.Exit(code)


def print_import_steps(profile: Profile, files: Sequence[str]) -> None:
    """What to do in Sage with the import files a run wrote, then how to tell sagesync that Sage holds them."""
    if not files:
        return
    console.print(_("To put them into the Sage company {company}:").format(company=profile.sage_company),
                  markup=False, soft_wrap=True)
    first = ngettext("In Sage 100 Comptabilité, open the company, choose Fichier > Importer > Format Sage… and import:",
                     "In Sage 100 Comptabilité, open the company, choose Fichier > Importer > Format Sage… and import, "
                     "in this order:", len(files))
    console.print("  1. " + first, markup=False, soft_wrap=True)
    for path in files:
        console.print(f"       {path}", markup=False, highlight=False, soft_wrap=True)
    step = 2
    if profile.location_kind is LocationKind.MAE_FILE:  # read through its export: a new one shows the pieces
        export = profile.sage_export or _("a file you then name with `{command}`").format(
            command=f"sagesync profile edit {profile.name} --sage-export FILE")
        console.print(f"  {step}. " + _("Export the company again, with its entries (Fichier > Exporter > Format "
                                        "Sage), to {export}").format(export=export),
                      markup=False, highlight=False, soft_wrap=True)
        step += 1
    console.print(f"  {step}. " + _("Then mark the imported pieces as in Sage (only then is the write-back sent): "
                                    "{command}").format(command=f"sagesync sage confirm --profile {profile.name}"),
                  markup=False, highlight=False, soft_wrap=True)


def _print_preview(report: RunReport, profile_name: str) -> None:
    data = report.preview or {}
    by_code = data.get("tva_by_code") or {}
    console.print(_("Preview, nothing posted: {entries} entries, HT {ht}, TVA {vat}, TTC {ttc}").format(
        entries=data.get("entries", 0), ht=_amount(data.get("ht")), vat=_amount(data.get("tva")),
        ttc=_amount(data.get("ttc"))))
    if isinstance(by_code, dict):
        for code, amount in by_code.items():
            console.print(_("  TVA {code}: {amount}").format(code=code, amount=_amount(amount)))
    console.print(_("To post exactly these versions: sagesync invoices --profile {profile} --preview {path}").format(
        profile=profile_name, path=report.outputs.get("preview", "")))


def _amount(value: object) -> str:
    from decimal import Decimal

    number = Decimal(str(value or "0"))
    return f"{number:,.2f}".replace(",", "\u202f").replace(".", ",")


def _step_command(step: str) -> Callable[..., None]:
    if step == "invoices":
        def invoices(profile: ProfileOption, as_json: JsonOption = False,
                     preview: Annotated[Path | None, typer.Option("--preview", help=N_(
                         "Post exactly the versions of this preview (made by sync --dry-run); a document changed "
                         "since is reported, not posted."))] = None) -> None:
            run_step(profile, step, as_json, preview=preview)

        return invoices

    def command(profile: ProfileOption, as_json: JsonOption = False) -> None:
        run_step(profile, step, as_json)

    return command


def sync_command(profile: ProfileOption, as_json: JsonOption = False,
                 dry_run: Annotated[bool, typer.Option("--dry-run", help=N_(
                     "Preview: check every document and show what would be posted (entries, HT, TVA per code, "
                     "TTC); nothing is written to Sage."))] = False) -> None:
    run_step(profile, "check" if dry_run else "sync", as_json, dry_run=dry_run)


for _step in STEPS.values():
    app.command(_step.name, help=_step.help)(_step_command(_step.name))
SYNC_HELP = N_("The whole job: pull customers, pull projects, check invoices, pull invoices, pull payments and send "
               "settlements (as the profile's [payments] says), write back.")
app.command("sync", help=SYNC_HELP)(sync_command)


@app.command("status", help=N_("Where the company's documents stand (posted, written, in Sage, blocked...) and its "
                                "last runs."))
def status(profile: ProfileOption, as_json: JsonOption = False) -> None:
    from sagesync.jobs import ledger_url_for, open_ledger
    from sagesync.ledger import views
    from sagesync.ledger.receipts import payment_counts
    from sagesync.profiles.paths import profile_paths
    from sagesync.profiles.store import ProfileStore

    try:
        settings = ProfileStore().get(profile)
        company = settings.sage_company
        # A PostgreSQL ledger (ledger_url, SAGESYNC_LEDGER_URL) is read through its own engine; these reads are
        # plain counts, the same SQL on both databases.
        ledger = open_ledger(settings) if ledger_url_for(settings) is not None else None
    except SagesyncError as error:
        raise fail(error, as_json) from None
    readers = views.LedgerReaders()
    try:
        with (ledger.connect() if ledger is not None else readers.connect(profile_paths(profile).ledger)
              ) as connection:
            states = views.state_counts(connection, company)
            _rows, blocking = views.current_findings(connection, company, severity="blocking", limit=1)
            runs = views.run_history(connection, company, limit=5)
            payments = payment_counts(connection, company)
    finally:
        readers.dispose()
        if ledger is not None:
            ledger.dispose()
    if as_json:
        sys.stdout.write(json.dumps({"company": company, "documents": states, "blocking_findings": blocking,
                                     "payments": payments, "runs": runs}, default=str, indent=2) + "\n")
        return
    labels = dict(views.DOCUMENT_STATES)
    console.print(f"[b]{company}[/]: " + (", ".join(f"{_(labels[state]) if state in labels else state} {count}"
                                                     for state, count in sorted(states.items()))
                                           or _("no document yet")))
    console.print(_("current blocking findings: {count} (details: sagesync check --profile {profile})").format(
        count=blocking, profile=profile))
    if any(payments.values()):
        console.print(_("payments: {posted} posted, {waiting} waiting for their invoice, {to_fix} to fix, "
                        "{sent} matched in Sage sent to the platform").format(
            posted=payments["posted"], waiting=payments["waiting"], to_fix=payments["to_fix"],
            sent=payments["sent_to_platform"]))
    for run in runs:
        counts = ", ".join(f"{count_label(name)} {count}" for name, count in run["counts"].items() if count)
        status_text = status_label(run["status"])
        console.print(_("run {id}").format(id=f"{run['id']:>4}") + f"  {run['started_at']:%d/%m/%Y %H:%M}  "
                      f"{run['step']:<10} {status_text:<8} {counts}")


@company_app.command("init", help=N_("Create an embedded Sage company with a standard French chart, VAT codes, VTE and "
                                      "PROJET."))
def company_init(
    path: Annotated[Path, typer.Argument(help=N_("SQLite file to create."))],
    name: Annotated[str, typer.Option(help=N_("Company name."))] = "SOCIETE DEMO",
    close_month: Annotated[list[str] | None, typer.Option(help=N_("Close a journal month, e.g. VTE:2025-01."))] = None,
) -> None:
    from sagesync.sage.company import init_company

    try:
        closed = [_journal_month(text) for text in close_month or []]
        init_company(path, name, closed_months=closed).dispose()
    except SagesyncError as error:
        raise fail(error) from None
    console.print(_("Embedded Sage company {name} created at {path}").format(name=name, path=path))


def _journal_month(text: str) -> tuple[str, date]:
    journal, _colon, month = text.partition(":")
    try:
        year, number = month.split("-")
        return journal.upper(), date(int(year), int(number), 1)
    except ValueError:
        raise ConfigurationError(_("--close-month {text}: expected JOURNAL:YYYY-MM, e.g. VTE:2025-01").format(
            text=repr(text))) from None


@app.command("demo", help=N_("Run the whole job on the embedded parts: a sandbox platform and an embedded Sage "
                              "company."))
def demo(
    workspace: Annotated[Path, typer.Option(help=N_("Folder for the demo company, ledger and reports."))] = Path(
        "sagesync-demo"),
    fresh: Annotated[bool, typer.Option(help=N_("Start again from an empty company and ledger."))] = False,
    open_console: Annotated[bool, typer.Option("--console", help=N_(
        "Then open the workspace in the web console, the sandbox platform running behind it (Ctrl+C stops "
        "both)."))] = False,
    as_json: JsonOption = False,
) -> None:
    from sagesync.interfaces.cli.demo import console_command, run_demo

    def browse(reports: list[RunReport], outputs: dict[str, Path]) -> None:
        from sagesync.interfaces.cli.console_command import serve_console

        print_reports(reports, as_json, outputs)
        serve_console()

    try:
        reports, outputs = run_demo(workspace, fresh=fresh, console=None if as_json else console,
                                    progress_console=error_console, then=browse if open_console else None)
    except SagesyncError as error:
        raise fail(error, as_json) from None
    if not open_console:
        print_reports(reports, as_json, outputs)
        if not as_json:
            console.print(_("To browse this workspace in the web console: {command}").format(
                command=console_command(workspace)))
    raise typer.Exit(0)  # blocked documents are part of the demo's story, not a failure


def sage_confirm(profile: ProfileOption) -> None:
    from sagesync.jobs import confirm_written
    from sagesync.profiles.store import ProfileStore

    try:
        chosen = ProfileStore().get(profile)
        confirmed, waiting = confirm_written(chosen)
    except SagesyncError as error:
        raise fail(error) from None
    console.print(_("{confirmed} piece(s) found in Sage and marked in Sage; {waiting} in an import file, not imported "
                    "yet").format(confirmed=confirmed, waiting=waiting))
    if waiting and chosen.location_kind is LocationKind.MAE_FILE:
        console.print(_("Imported them already? Export the company again, with its entries (Fichier > Exporter > "
                        "Format Sage), to {export}, then run this again.").format(export=chosen.sage_export),
                      markup=False, highlight=False, soft_wrap=True)


def sage_reissue(run: Annotated[int, typer.Argument(help=N_("Run number whose import file to write again."))],
                 profile: ProfileOption) -> None:
    from sagesync.jobs import reissue_file
    from sagesync.profiles.store import ProfileStore

    try:
        chosen = ProfileStore().get(profile)
        path = reissue_file(chosen, run)
    except SagesyncError as error:
        raise fail(error) from None
    console.print(_("Import file of run {run} written again: {path}").format(run=run, path=path))
    print_import_steps(chosen, [str(path)])


def _mount_features() -> None:
    """Commands that live with their own feature register themselves; the hooks come from jobs."""
    from sagesync import jobs
    from sagesync.interfaces.cli import (
        console_command,
        fec_command,
        ledger_command,
        profile_commands,
        receipts_command,
        sage_command,
        sandbox_command,
        unattended_command,
    )

    profile_commands.register(app, check_hooks=profile_commands.CheckHooks(
        company_reference=jobs.company_reference_for, platform_probe=jobs.platform_probe_for))
    export_app = fec_command.register(app, fec_source_for=jobs.fec_source_for)
    receipts_command.register(export_app, receipts_command.receipts_for_profile)
    sage_app = sage_command.register(app, store_learned_format=jobs.store_learned_format)
    sage_app.command("confirm", help=N_("Mark the pieces of import files that Sage now holds (read by SQL, by their "
                                        "reference) as in Sage."))(sage_confirm)
    sage_app.command("reissue", help=N_("Write a run's import file again, identical, from the ledger (only when the "
                                        "first one was lost)."))(sage_reissue)
    sandbox_command.register(app)
    console_command.register(app)
    ledger_command.register(app, fail)
    unattended_command.register(app)
    guard_commands(app)  # last: every command, its own or a feature's, fails without a traceback


_mount_features()


def main() -> None:
    app()
