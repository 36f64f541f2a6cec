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
    export_app = typer.Typer(help="Export legal and accounting files.", no_args_is_help=True)

    @export_app.command("fec")
    def fec(
        profile: Annotated[str | None, typer.Option(help="Profile whose entries are exported.")] = None,
        start: Annotated[str | None, typer.Option("--from", help="First entry date, YYYY-MM-DD.")] = None,
        end: Annotated[
            str | None, typer.Option("--to", help="Last entry date, YYYY-MM-DD; also the date in the file name.")
        ] = None,
        separator: Annotated[SeparatorChoice, typer.Option(help="Field separator.")] = SeparatorChoice.TAB,
        encoding: Annotated[EncodingChoice, typer.Option(help="Character set.")] = EncodingChoice.ISO_8859_15,
        siren: Annotated[
            str | None, typer.Option(help=f"The company's SIREN (9 digits, e.g. {EXAMPLE_SIREN}), for the file name.")
        ] = None,
        output: Annotated[Path, typer.Option(help="Folder the FEC is written to.")] = Path("."),
        source: Annotated[SourceChoice, typer.Option(help="Entries of the ledger or of the whole company.")] = (
            SourceChoice.LEDGER
        ),
        check: Annotated[Path | None, typer.Option("--check", help="Check this FEC file instead of exporting.")] = None,
    ) -> None:
        """Write the FEC (art. A47 A-1 LPF) of a period, or check any FEC file with --check."""
        try:
            if check is not None:
                raise typer.Exit(check_command(check))
            options = FecOptions("\t" if separator is SeparatorChoice.TAB else "|", _encoding(encoding))
            raise typer.Exit(export_command(profile, start, end, options, siren, output, source.value, fec_source_for))
        except SagesyncError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(error.exit_code) from None

    app.add_typer(export_app, name="export")
    return export_app


def _encoding(choice: EncodingChoice) -> Encoding:
    return UTF_8 if choice is EncodingChoice.UTF_8 else ISO_8859_15


def check_command(path: Path) -> int:
    """Print the report on the FEC at ``path``; 1 when it has problems."""
    if not path.is_file():
        raise ConfigurationError(f"{path}: no such file; give the path of the FEC to check")
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
        raise ConfigurationError("export fec needs --profile NAME (or --check FILE to check an FEC)")
    start, end = _date(start_text, "--from"), _date(end_text, "--to")
    entry_source = (fec_source_for or _jobs_fec_source_for())(profile, source_name)
    try:
        if not (siren or entry_source.siren):
            _missing_siren(profile)
        exported = export_fec_file(entry_source, start, end, output, options=options, siren=siren)
    finally:
        entry_source.close()
    _print_summary(exported.path, exported.summary)
    typer.echo(f"Description of the file (art. A47 A-1 II LPF): {exported.description}")
    if exported.report.problems:
        typer.echo("The file was written, but the FEC check found problems:")
        _print_problems(exported.report)
        return 1
    typer.echo("FEC check: no problem found.")
    return 0


def _jobs_fec_source_for() -> FecSourceFactory:
    # Imported when an export runs, not when the CLI starts: --check stays free of the ledger.
    from sagesync.jobs import fec_source_for

    return fec_source_for


def _missing_siren(profile: str) -> str:
    raise ConfigurationError(
        f"profile {profile} has no SIREN for the FEC file name: pass --siren with its 9 digits (e.g. {EXAMPLE_SIREN}) "
        "or add siren to the profile"
    )


def _date(text: str | None, option: str) -> date:
    if not text:
        raise ConfigurationError(f"export fec needs {option} YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(f"{option} {text!r} is not a date: write it YYYY-MM-DD, e.g. 2025-12-31") from None


def _print_summary(target: Path, summary: FecSummary) -> None:
    typer.echo(
        f"Wrote {target}: {summary.lines} lines, {summary.entries} entries, "
        f"debit {fec_amount(summary.total_debit)}, credit {fec_amount(summary.total_credit)}."
    )
    if summary.zero_lines_skipped:
        typer.echo(f"Left out {summary.zero_lines_skipped} lines of zero amount (an FEC line states an amount).")
    if summary.accounts_without_label:
        accounts = ", ".join(sorted(summary.accounts_without_label))
        typer.echo(f"Accounts with no label, written with their number as label: {accounts}.")
    if summary.tiers_without_name:
        tiers = ", ".join(sorted(summary.tiers_without_name))
        typer.echo(f"Tiers with no name, written with their code as name: {tiers}.")


def _print_report(path: Path, report: FecReport) -> None:
    separator = {"\t": "tab", "|": "'|'"}.get(report.separator, "unknown")
    typer.echo(
        f"{path}: encoding {report.encoding or 'unknown'}, separator {separator}, {report.lines} lines, "
        f"{report.entries} entries, debit {fec_amount(report.total_debit)}, "
        f"credit {fec_amount(report.total_credit)}."
    )
    _print_problems(report)
    count = len(report.problems)
    typer.echo("No problem found." if not count else f"{count} problem{'s' if count > 1 else ''}.")


def _print_problems(report: FecReport) -> None:
    for problem in report.problems:
        typer.echo(str(problem))
