"""``sagesync export fec``: write the FEC of a profile's entries, or check any FEC file.

    sagesync export fec --profile NAME --from 2025-01-01 --to 2025-12-31 [--separator tab|pipe]
                        [--encoding iso-8859-15|utf-8] [--siren 732829320] [--output DIR]
                        [--source ledger|company]
    sagesync export fec --check FILE

Where the entries come from is not this module's business: a factory
``(profile name, source) -> FecEntrySource`` does it, ``sagesync.jobs.fec_source_for`` unless
``register(app, fec_source_for=...)`` is given another (tests, embedding). ``--check`` needs
no factory and imports nothing of the ledger. The
export checks the file it wrote with the validator, so a user never hands over an FEC that
our own checker would refuse without being told. Exit codes: 0 clean, 1 problems found,
2 a wrong option or setting (``ConfigurationError``), 3 the data could not be reached.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sagesync.core.siren import EXAMPLE_SIREN
from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.fec.check import FecReport, inspect_fec
from sagesync.fec.export import export_fec_file
from sagesync.fec.writer import (
    ISO_8859_15,
    UTF_8,
    Encoding,
    FecEntrySource,
    FecOptions,
    FecSummary,
    fec_amount,
)
from sagesync.i18n import N_, _, ngettext

FecSourceFactory = Callable[[str, str], FecEntrySource]  # (profile name, "ledger" | "company")


class SeparatorChoice(StrEnum):
    TAB = "tab"
    PIPE = "pipe"


class EncodingChoice(StrEnum):
    ISO_8859_15 = ISO_8859_15
    UTF_8 = UTF_8


class SourceChoice(StrEnum):
    LEDGER = "ledger"  # what sagesync posted for the profile
    COMPANY = "company"  # every entry of the embedded Sage company


def register(app: typer.Typer, fec_source_for: FecSourceFactory | None = None) -> typer.Typer:
    """Add ``export fec`` to ``app``; returns the ``export`` sub-app so other exports can join it."""
    export_app = typer.Typer(help=N_("Export legal and accounting files."), no_args_is_help=True)

    @export_app.command("fec", help=N_("Write the FEC (art. A47 A-1 LPF) of a period, or check any FEC file with "
                                       "--check."))
    def fec(
        profile: Annotated[str | None, typer.Option(help=N_("Profile whose entries are exported."))] = None,
        start: Annotated[str | None, typer.Option("--from", help=N_("First entry date, YYYY-MM-DD."))] = None,
        end: Annotated[
            str | None, typer.Option("--to", help=N_("Last entry date, YYYY-MM-DD; also the date in the file name."))
        ] = None,
        separator: Annotated[SeparatorChoice, typer.Option(help=N_("Field separator."))] = SeparatorChoice.TAB,
        encoding: Annotated[EncodingChoice, typer.Option(help=N_("Character set."))] = EncodingChoice.ISO_8859_15,
        siren: Annotated[
            str | None, typer.Option(help=N_("The company's SIREN (9 digits, e.g. 732829320), for the file name."))
        ] = None,
        output: Annotated[Path, typer.Option(help=N_("Folder the FEC is written to."))] = Path("."),
        source: Annotated[SourceChoice, typer.Option(help=N_("Entries of the ledger or of the whole company."))] = (
            SourceChoice.LEDGER
        ),
        check: Annotated[
            Path | None, typer.Option("--check", help=N_("Check this FEC file instead of exporting."))
        ] = None,
    ) -> None:
        try:
            if check is not None:
                raise typer.Exit(check_command(check))
            options = FecOptions("\t" if separator is SeparatorChoice.TAB else "|", _encoding(encoding))
            raise typer.Exit(export_command(profile, start, end, options, siren, output, source.value, fec_source_for))
        except SagesyncError as error:
            typer.echo(f"{_('error:')} {error}", err=True)
            raise typer.Exit(error.exit_code) from None

    app.add_typer(export_app, name="export")
    return export_app


def _encoding(choice: EncodingChoice) -> Encoding:
    return UTF_8 if choice is EncodingChoice.UTF_8 else ISO_8859_15


def check_command(path: Path) -> int:
    """Print the report on the FEC at ``path``; 1 when it has problems."""
    if not path.is_file():
        raise ConfigurationError(_("{path}: no such file; give the path of the FEC to check").format(path=path))
    report = inspect_fec(path)
    _print_report(path, report)
    return 1 if report.problems else 0


def export_command(
    profile: str | None,
    start_text: str | None,
    end_text: str | None,
    options: FecOptions,
    siren: str | None,
    output: Path,
    source_name: str,
    fec_source_for: FecSourceFactory | None,
) -> int:
    if not profile:
        raise ConfigurationError(_("export fec needs --profile NAME (or --check FILE to check an FEC)"))
    start, end = _date(start_text, "--from"), _date(end_text, "--to")
    entry_source = (fec_source_for or _jobs_fec_source_for())(profile, source_name)
    try:
        if not (siren or entry_source.siren):
            _missing_siren(profile)
        exported = export_fec_file(entry_source, start, end, output, options=options, siren=siren)
    finally:
        entry_source.close()
    _print_summary(exported.path, exported.summary)
    typer.echo(_("Description of the file (art. A47 A-1 II LPF): {path}").format(path=exported.description))
    if exported.report.problems:
        typer.echo(_("The file was written, but the FEC check found problems:"))
        _print_problems(exported.report)
        return 1
    typer.echo(_("FEC check: no problem found."))
    return 0


def _jobs_fec_source_for() -> FecSourceFactory:
    # Imported when an export runs, not when the CLI starts: --check stays free of the ledger.
    from sagesync.jobs import fec_source_for

    return fec_source_for


def _missing_siren(profile: str) -> str:
    raise ConfigurationError(
        _("profile {profile} has no SIREN for the FEC file name: pass --siren with its 9 digits (e.g. {example}) or "
          "add siren to the profile").format(profile=profile, example=EXAMPLE_SIREN)
    )


def _date(text: str | None, option: str) -> date:
    if not text:
        raise ConfigurationError(_("export fec needs {option} YYYY-MM-DD").format(option=option))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(_("{option} {text} is not a date: write it YYYY-MM-DD, e.g. 2025-12-31").format(
            option=option, text=repr(text))) from None


def _print_summary(target: Path, summary: FecSummary) -> None:
    typer.echo(_("Wrote {path}: {lines} lines, {entries} entries, debit {debit}, credit {credit}.").format(
        path=target, lines=summary.lines, entries=summary.entries, debit=fec_amount(summary.total_debit),
        credit=fec_amount(summary.total_credit)))
    if summary.zero_lines_skipped:
        typer.echo(ngettext("Left out {count} line of zero amount (an FEC line states an amount).",
                            "Left out {count} lines of zero amount (an FEC line states an amount).",
                            summary.zero_lines_skipped).format(count=summary.zero_lines_skipped))
    if summary.accounts_without_label:
        accounts = ", ".join(sorted(summary.accounts_without_label))
        typer.echo(_("Accounts with no label, written with their number as label: {accounts}.").format(
            accounts=accounts))
    if summary.tiers_without_name:
        tiers = ", ".join(sorted(summary.tiers_without_name))
        typer.echo(_("Tiers with no name, written with their code as name: {tiers}.").format(tiers=tiers))


def _print_report(path: Path, report: FecReport) -> None:
    separator = {"\t": _("tab"), "|": "'|'"}.get(report.separator, _("unknown"))
    typer.echo(_("{path}: encoding {encoding}, separator {separator}, {lines} lines, {entries} entries, debit {debit}, "
                 "credit {credit}.").format(path=path, encoding=report.encoding or _("unknown"), separator=separator,
                                            lines=report.lines, entries=report.entries,
                                            debit=fec_amount(report.total_debit),
                                            credit=fec_amount(report.total_credit)))
    _print_problems(report)
    count = len(report.problems)
    typer.echo(_("No problem found.") if not count else ngettext("{count} problem.", "{count} problems.", count).format(
        count=count))


def _print_problems(report: FecReport) -> None:
    for problem in report.problems:
        typer.echo(str(problem))
