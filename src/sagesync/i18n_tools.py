"""Keep the gettext catalogs in step with the code (a developer's tool, not used at run time).

    python -m sagesync.i18n_tools extract   # the code's messages -> locale/sagesync.pot
    python -m sagesync.i18n_tools update    # .pot -> locale/{fr,en}/LC_MESSAGES/sagesync.po, translations kept
    python -m sagesync.i18n_tools check     # every message translated in French, placeholders alike

Messages are found with Babel's extractor (keywords ``_``, ``N_`` and ``ngettext``) in every module of
``src/sagesync`` except the web console (``interfaces/console``), which has its own ``console`` domain.
``update`` keeps existing translations, marks a changed message fuzzy (shown in English until a
translator clears the flag) and drops messages the code no longer has. ``check`` is what the test
``tests/test_translations_sagesync.py`` runs.
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

from sagesync.i18n import LANGUAGES, LOCALE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
DOMAIN = "sagesync"
KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "N_": None, "ngettext": (1, 2)}
# The web console translates in its own domain (``console_gettext``), maintained separately.
EXCLUDED = (PACKAGE_DIR / "interfaces" / "console",)
POT_PATH = LOCALE_DIR / f"{DOMAIN}.pot"
PO_WIDTH = 120
HEADER = {"fr": "Plural-Forms: nplurals=2; plural=(n > 1);", "en": "Plural-Forms: nplurals=2; plural=(n != 1);"}


def source_files() -> list[Path]:
    """The modules whose messages belong to the ``sagesync`` domain."""
    return sorted(path for path in PACKAGE_DIR.rglob("*.py")
                  if not any(path.is_relative_to(excluded) for excluded in EXCLUDED))


def extract() -> Catalog:
    """Every message of the domain, as a template catalog (msgid only)."""
    template = Catalog(project="sagesync", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for path in source_files():
        location = path.relative_to(PACKAGE_DIR.parent).as_posix()
        for lineno, message, comments, context in extract_from_file(
            "python", str(path), keywords=KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True,
        ):
            template.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    return template


def literal_problems() -> Iterator[str]:
    """Calls that could never be translated: ``_(f"...")``, ``_("a {x}".format(x=x))``, ``_("a" + b)``.

    ``_(CONSTANT)`` stays allowed: it translates a message marked with ``N_()`` where it was written.
    """
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in KEYWORDS):
                continue
            wanted = KEYWORDS[node.func.id] or (1,)
            for position in wanted:
                argument = node.args[position - 1] if len(node.args) >= position else None
                literal = isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                marked = node.func.id == "_" and isinstance(argument, ast.Name | ast.Attribute | ast.Subscript)
                if not (literal or marked):
                    where = f"{path.relative_to(PACKAGE_DIR.parent).as_posix()}:{node.lineno}"
                    yield (f"{where}: {node.func.id}() needs a plain string literal (no f-string, no format before "
                           "the translation)")


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(language: str) -> Catalog:
    path = po_path(language)
    if not path.is_file():
        return Catalog(locale=language, domain=DOMAIN, project="sagesync", charset="utf-8", fuzzy=False)
    with path.open("rb") as stream:
        return read_po(stream, locale=language, domain=DOMAIN)


def write_catalog(catalog: Catalog, path: Path, *, omit_header: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as stream:
        write_po(stream, catalog, width=PO_WIDTH, omit_header=omit_header, ignore_obsolete=True,
                 include_lineno=False, sort_output=False)


def update(template: Catalog | None = None) -> dict[str, int]:
    """Bring every language's .po in step with the code; returns the messages left untranslated per language."""
    template = template or extract()
    write_catalog(template, POT_PATH)
    left: dict[str, int] = {}
    for language in LANGUAGES:
        catalog = read_catalog(language)
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        catalog.fuzzy = False
        write_catalog(catalog, po_path(language))
        left[language] = sum(1 for message in catalog if message.id and not _translated(message))
    return left


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return not message.fuzzy and all(strings)


def fields(text: str) -> set[str]:
    """The named fields of a str.format template: ``"{journal} ({rate} %)"`` -> {"journal", "rate"}."""
    found: set[str] = set()
    try:
        for _literal, name, _spec, _conversion in string.Formatter().parse(text):
            if name is not None:
                found.add(name.split(".")[0].split("[")[0])
    except ValueError:
        found.add("<unbalanced braces>")
    return found


def check(language: str = "fr", template: Catalog | None = None) -> list[str]:
    """What stops ``language`` from being complete: missing, empty or fuzzy translations, different placeholders."""
    template = template or extract()
    catalog = read_catalog(language)
    problems = list(literal_problems())
    for message in template:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        translated = catalog.get(key, context=message.context)
        if translated is None or not _translated(translated):
            state = "fuzzy" if translated is not None and translated.fuzzy else "not translated"
            problems.append(f"{state}: {key!r}")
            continue
        originals = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
        strings = list(translated.string) if isinstance(translated.string, tuple | list) else [translated.string]
        if len(originals) != len(strings) and len(originals) > 1:
            problems.append(f"plural forms missing: {key!r}")
            continue
        for index, text in enumerate(strings):
            english = originals[min(index, len(originals) - 1)]
            if fields(str(text)) != fields(str(english)):
                problems.append(f"placeholders differ: {key!r} {sorted(fields(str(english)))} -> "
                                f"{str(text)!r} {sorted(fields(str(text)))}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sagesync.i18n_tools", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("extract", "update", "check"))
    parser.add_argument("--lang", default="fr", choices=LANGUAGES, help="the language `check` verifies")
    arguments = parser.parse_args(argv)
    template = extract()
    if arguments.command == "extract":
        write_catalog(template, POT_PATH)
        print(f"{sum(1 for message in template if message.id)} messages -> {POT_PATH}")
        return 0
    if arguments.command == "update":
        for language, count in update(template).items():
            print(f"{po_path(language)}: {count} message(s) without a translation")
        return 0
    problems = check(arguments.lang, template)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {po_path(arguments.lang)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
