"""The command's help in the reader's language.

Help texts are written in English and marked with ``N_()`` where commands and options are declared
(at import, before anyone chose a language). The root group below translates the whole command
tree when the command line is read: after ``--lang`` is seen (it is read first, so
``sagesync --lang en --help`` is English) and before any help is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from typer import _click as click  # typer carries its own click: its classes are the ones built
from typer.core import TyperGroup

from sagesync.i18n import _, set_language

_ORIGINAL = "_sagesync_msgid"


def language_from_arguments(arguments: Sequence[str]) -> str | None:
    """The value of ``--lang`` on a command line (``--lang en`` or ``--lang=en``), or None."""
    for index, argument in enumerate(arguments):
        if argument == "--":
            break
        if argument == "--lang" and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith("--lang="):
            return argument.partition("=")[2]
    return None


def _translated(holder: object, attribute: str) -> None:
    key = f"{_ORIGINAL}_{attribute}"
    original = getattr(holder, key, None) if hasattr(holder, key) else getattr(holder, attribute, None)
    if not hasattr(holder, key):
        setattr(holder, key, original)
    if isinstance(original, str) and original:
        setattr(holder, attribute, _(original))


def translate_help(command: click.Command) -> None:
    """Every help text of ``command`` and its subcommands, from its English original, in the current language."""
    for attribute in ("help", "short_help", "epilog"):
        _translated(command, attribute)
    for parameter in command.params:
        if hasattr(parameter, "help"):
            _translated(parameter, "help")
    if isinstance(command, TyperGroup):
        for subcommand in command.commands.values():
            translate_help(subcommand)


class TranslatedGroup(TyperGroup):
    """The `sagesync` group: chooses the language from ``--lang`` first, then translates every help text."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        if parent is None:
            chosen = language_from_arguments(args)
            if chosen:
                set_language(chosen)
            translate_help(self)
        return super().make_context(info_name, args, parent=parent, **extra)
