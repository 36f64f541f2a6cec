"""``sagesync export receipts``: the VAT on receipts per month and rate, and the collections per invoice.

    sagesync export receipts --profile NAME --from 2025-01-01 --to 2025-12-31 [--format xlsx|csv] [--output DIR]

Reads the ledger (what sagesync posted); prints the month-by-rate table a VAT return (CA3) needs, and
writes it with the per-invoice collections (the 212 "Encaissée" facts) as .xlsx or CSV.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sagesync.core.payments import MonthRate
from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.exports.receipts_report import ReceiptsFiles, write_receipts_report
from sagesync.fec.writer import fec_amount
from sagesync.i18n import N_, _

ReceiptsReader = Callable[[str, date, date, Path, str], tuple[list[MonthRate], ReceiptsFiles]]


class FormatChoice(StrEnum):
    XLSX = "xlsx"
    CSV = "csv"


def _date(text: str | None, option: str) -> date:
    if not text:
        raise ConfigurationError(_("export receipts needs {option} YYYY-MM-DD").format(option=option))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(_("{option} {value} is not a date (expected YYYY-MM-DD)").format(
            option=option, value=repr(text))) from None


def register(export_app: typer.Typer, receipts_for: ReceiptsReader) -> None:
    @export_app.command("receipts", help=N_("Write the VAT on receipts per month and rate, and the collections per "
                                            "invoice (the facts of a 212 status), as .xlsx or CSV."))
    def receipts(
        profile: Annotated[str | None, typer.Option(help=N_("Profile whose payments are reported."))] = None,
        start: Annotated[str | None, typer.Option("--from", help=N_("First payment date, YYYY-MM-DD."))] = None,
        end: Annotated[str | None, typer.Option("--to", help=N_("Last payment date, YYYY-MM-DD."))] = None,
        output_format: Annotated[FormatChoice, typer.Option("--format", help=N_("File format."))] = FormatChoice.XLSX,
        output: Annotated[Path, typer.Option(help=N_("Folder the files are written to."))] = Path("."),
    ) -> None:
        try:
            if not profile:
                raise ConfigurationError(_("export receipts needs --profile NAME"))
            first, last = _date(start, "--from"), _date(end, "--to")
            if last < first:
                raise ConfigurationError(_("--to {end} is before --from {start}").format(end=last, start=first))
            months, files = receipts_for(profile, first, last, output, output_format.value)
        except SagesyncError as error:
            typer.echo(f"{_('error:')} {error}", err=True)
            raise typer.Exit(error.exit_code) from None
        typer.echo(_("VAT on receipts made due, per month and rate:"))
        for row in months:
            typer.echo(f"  {row.month:%m/%Y}  {(row.rate or '?').replace('.', ','):>5} %  {row.account_due:<8} "
                       f"{fec_amount(row.vat):>14}")
        typer.echo(_("Total VAT made due: {vat} ({payments} payments, {amount} collected)").format(
            vat=fec_amount(files.total_vat), payments=files.payments, amount=fec_amount(files.total_collected)))
        typer.echo(_("Written: {path}").format(path=files.vat_by_month))
        typer.echo(_("Written: {path}").format(path=files.collections))


def receipts_for_profile(profile_name: str, start: date, end: date, output: Path, output_format: str
                         ) -> tuple[list[MonthRate], ReceiptsFiles]:
    from sagesync.jobs import ledger_url_for, open_ledger
    from sagesync.ledger.receipts import collected, vat_by_month
    from sagesync.profiles.paths import profile_paths
    from sagesync.profiles.store import ProfileStore

    profile = ProfileStore().get(profile_name)
    path = profile_paths(profile.name).ledger
    if ledger_url_for(profile) is None and not path.is_file():  # a PostgreSQL ledger is opened as it is
        raise ConfigurationError(_("profile {profile} has no ledger yet ({path}): run `sagesync sync --profile "
                                   "{profile}` first").format(profile=profile_name, path=path))
    ledger = open_ledger(profile)
    try:
        with ledger.connect() as connection:
            months = vat_by_month(connection, profile.sage_company, start, end)
            files = write_receipts_report(output, start, end, months,
                                          collected(connection, profile.sage_company, start, end),
                                          "csv" if output_format == "csv" else "xlsx")
        return months, files
    finally:
        ledger.dispose()
