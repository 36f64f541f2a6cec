"""``sagesync sage learn-format``: learn the Sage file format from the user's own export.

    sagesync sage learn-format EXPORT.txt [--profile NAME] [--json]

Prints ``#VER`` and the line count of each record kind. With ``--profile`` the
learned format is handed to ``learned_format_hook`` (profile name, plain dict
from ``FormatProfile.to_dict()``), which the lead wires to the profile store;
``register`` returns the ``sage`` sub-app so other Sage commands can join it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import N_, _
from sagesync.interfaces.cli.failures import error_code, print_failure
from sagesync.sage.flagfile.layouts import FormatProfile
from sagesync.sage.flagfile.learn import WRITTEN_FLAGS, learn_format

LearnedFormatHook = Callable[[str, dict[str, Any]], None]  # (profile name, FormatProfile.to_dict())
learned_format_hook: LearnedFormatHook | None = None

_console = Console()
_error_console = Console(stderr=True)


def format_table(fmt: FormatProfile) -> Table:
    """The record kinds we write or read, then every other kind the export showed."""
    table = Table(title=_("Sage format #VER {version} ({source})").format(version=fmt.version, source=fmt.source))
    table.add_column(_("record"))
    table.add_column(_("lines"), justify="right")
    table.add_column(_("from"))
    table.add_column(_("used for"))
    ordered = sorted(fmt.records.values(), key=lambda layout: (not layout.fields, layout.flag))
    for layout in ordered:
        lines = f"{layout.field_count}" + (" + " + _("accounts") if layout.tail is not None else "")
        use = _("write") if layout.flag in WRITTEN_FLAGS else _("read") if layout.fields else ""
        table.add_row(f"#{layout.flag}", lines, _("export") if layout.learned else _("built-in"), use)
    return table


def learn_format_command(
    export: Annotated[Path, typer.Argument(help=N_("A full accounting export of the company, in Sage format."))],
    profile: Annotated[
        str | None, typer.Option("--profile", "-p", help=N_("Store the format in this profile."))
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=N_("Print the learned format as JSON."))] = False,
) -> None:
    try:
        fmt = learn_format(export)
        if profile is not None:
            if learned_format_hook is None:
                raise ConfigurationError(_("storing a learned format in a profile is not available in this build; "
                                           "run without --profile and keep the --json output"))
            learned_format_hook(profile, fmt.to_dict())
    except SagesyncError as error:
        print_failure(error_code(error), str(error), error.exit_code, as_json=as_json)
        raise typer.Exit(error.exit_code) from None
    if as_json:
        sys.stdout.write(json.dumps(fmt.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        _console.print(format_table(fmt))
        if profile is not None:
            _console.print(_("Stored in profile {profile}: import files for it will use #VER {version}.").format(
                profile=profile, version=fmt.version))


def register(app: typer.Typer, store_learned_format: LearnedFormatHook | None = None) -> typer.Typer:
    """Add the ``sage`` sub-app with ``learn-format``; returns it so other Sage commands can join."""
    global learned_format_hook
    if store_learned_format is not None:
        learned_format_hook = store_learned_format
    sage_app = typer.Typer(help=N_("The Sage 100 file format: learn it from an export."), no_args_is_help=True)
    sage_app.command("learn-format", help=N_("Learn #VER, the lines of each record and their default values from a "
                                             "Sage export."))(learn_format_command)
    app.add_typer(sage_app, name="sage")
    return sage_app
