"""``sagesync ledger rebuild``: reconstruct a lost, emptied or restored ledger from the company."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console

from sagesync.errors import SagesyncError
from sagesync.i18n import N_, _

_console = Console()


def register(app: typer.Typer, fail: Callable[[SagesyncError], typer.Exit]) -> None:
    ledger_app = typer.Typer(help=N_("The ledger of record: what sagesync posted."), no_args_is_help=True)

    @ledger_app.command("rebuild", help=N_(
        "Reconstruct the ledger from the pieces sagesync left in the company (or, for a .mae company without SQL "
        "access, from the import files it wrote). Only adds what the ledger lacks; a ledger of another company is "
        "kept aside."))
    def rebuild(profile: Annotated[str, typer.Option("--profile", "-p", help=N_("Profile (company) name."))],
                as_json: Annotated[bool, typer.Option("--json", help=N_("Print the result as JSON."))] = False) -> None:
        from sagesync.jobs import rebuild_ledger
        from sagesync.profiles.store import ProfileStore

        try:
            result = rebuild_ledger(ProfileStore().get(profile))
        except SagesyncError as error:
            raise fail(error) from None
        if as_json:
            sys.stdout.write(json.dumps({"read_from": result.read_from, "pieces_seen": result.pieces_seen,
                                         "pieces_added": result.pieces_added, "already_known": result.already_known,
                                         "kept_aside": str(result.kept_aside or "")}) + "\n")
            return
        if result.kept_aside is not None:
            _console.print(_("The ledger was another company's: kept aside as {path}").format(path=result.kept_aside))
        read_from = _("the company") if result.read_from == "the company" else _("the import files")
        _console.print(_("Ledger rebuilt from {source}: {seen} piece(s) posted by sagesync found, {added} added, "
                         "{known} already known. Run `sagesync sync --profile {profile}`: nothing will be posted "
                         "twice.").format(source=read_from, seen=result.pieces_seen, added=result.pieces_added,
                                          known=result.already_known, profile=profile))

    app.add_typer(ledger_app, name="ledger")
