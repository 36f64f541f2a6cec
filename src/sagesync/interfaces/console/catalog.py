"""The console's message catalog (gettext domain ``console``): extract, update, check, with Babel.

Every text a person reads in the console is written in English in the templates
(``{% trans %}...{% endtrans %}``, ``_("...")``) and in the console's Python
(``console_gettext``, ``console_ngettext``, ``N_`` and ``N_plural`` for constants
translated when shown, ``console_lazy`` for what the step runner says), and translated in
``src/sagesync/locale/<lang>/LC_MESSAGES/console.po``.

After changing a text of the console::

    python -m sagesync.interfaces.console.catalog update   # add new messages to fr and en, drop the gone ones
    # translate the new entries (empty msgstr) in locale/fr/LC_MESSAGES/console.po
    python -m sagesync.interfaces.console.catalog check    # lists what has no French translation; exit 1 if any

``update`` keeps every existing translation, marks none fuzzy (a changed text is
a new message, translated again), and writes the messages in source order.
The English catalog holds the messages untranslated: English is the msgid.
``tests/console/test_translations_console.py`` fails on any message without a
French translation, or whose translation lost or added a ``{field}`` or ``%(field)s``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract
from babel.messages.pofile import read_po, write_po

from sagesync.i18n import LANGUAGES, LOCALE_DIR

DOMAIN = "console"
HERE = Path(__file__).parent
SOURCE_ROOT = HERE.parents[2]  # src/, so the catalog names files as src-relative paths
PYTHON_KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "console_gettext": None, "console_ngettext": (1, 2), "N_": None, "N_plural": (1, 2), "console_lazy": None}
TEMPLATE_KEYWORDS: dict[str, tuple[int, ...] | None] = {"_": None, "gettext": None, "ngettext": (1, 2)}
# The options the console's Jinja environment has (``app.environment``): trimmed {% trans %} blocks.
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true", "newstyle_gettext": "true"}
HEADER = f"sagesync: {DOMAIN} messages"
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}
FIELD = re.compile(r"\{[a-z_][a-z_0-9]*\}|%\([a-z_][a-z_0-9]*\)[sd]")


def sources() -> Iterator[tuple[Path, str]]:
    """The console's files holding messages, with the extraction method of each."""
    for path in sorted(HERE.rglob("*.py")):
        if path.name != "catalog.py":
            yield path, "python"
    for path in sorted((HERE / "templates").glob("*.html")):
        yield path, "jinja2.ext:babel_extract"


def extracted() -> Catalog:
    """Every message of the console's templates and Python, as a template catalog (no translations)."""
    catalog = Catalog(domain=DOMAIN, project="sagesync", charset="utf-8")
    for path, method in sources():
        keywords = PYTHON_KEYWORDS if method == "python" else TEMPLATE_KEYWORDS
        options = {} if method == "python" else TEMPLATE_OPTIONS
        location = path.relative_to(SOURCE_ROOT).as_posix()
        with path.open("rb") as stream:
            for lineno, message, comments, context in extract(method, stream, keywords=keywords,  # type: ignore[arg-type]
                                                              options=options, strip_comment_tags=True):
                catalog.add(message, None, [(location, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(language_code: str) -> Path:
    return LOCALE_DIR / language_code / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language_code: str) -> Catalog:
    path = po_path(language_code)
    if not path.is_file():
        return Catalog(locale=language_code, domain=DOMAIN)
    with path.open("rb") as stream:
        return read_po(stream, locale=language_code, domain=DOMAIN)


def update(languages: Sequence[str] = LANGUAGES) -> dict[str, list[str]]:
    """Bring each language's catalog in step with the sources; returns, per language, the messages still untranslated
    (for English: none, the msgid is the text)."""
    template = extracted()
    untranslated: dict[str, list[str]] = {}
    for code in languages:
        catalog = read(code)
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.obsolete.clear()
        catalog.header_comment = f"# {HEADER}, {code}."
        catalog.project, catalog.version = "sagesync", "0.2"
        catalog.language_team = catalog.last_translator = ""
        path = po_path(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as stream:
            write_po(stream, catalog, width=120, omit_header=False, ignore_obsolete=True, include_previous=False,
                     sort_output=False)
        _tidy_header(path, code)
        untranslated[code] = [] if code == "en" else [_text(message) for message in missing(catalog, template)]
    return untranslated


def _tidy_header(path: Path, code: str) -> None:
    """Keep the header to what a reader of the catalog needs (no dates that change at every update)."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition('\n\n')
    lines = [line for line in head.splitlines()
             if not line.startswith(('"POT-Creation-Date', '"PO-Revision-Date', '"Last-Translator', '"Language-Team',
                                     '"Report-Msgid-Bugs-To', '"Generated-By', '"Plural-Forms'))]
    lines = [line for line in lines if not line.startswith("#,")]
    lines.insert(next(i for i, line in enumerate(lines) if line.startswith('"Content-Transfer-Encoding')) + 1,
                 f'"Plural-Forms: {PLURAL_FORMS.get(code, PLURAL_FORMS["en"])}\\n"')
    path.write_text("\n".join(lines) + "\n\n" + body, encoding="utf-8")


def _text(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def missing(catalog: Catalog, template: Catalog | None = None) -> list[Message]:
    """The messages of ``template`` (the sources) that ``catalog`` does not translate (absent, empty or fuzzy)."""
    found = []
    for message in template if template is not None else extracted():
        if not message.id:
            continue
        translated = catalog.get(message.id, message.context)
        strings = translated.string if translated is not None else None
        texts = list(strings) if isinstance(strings, tuple | list) else [strings]
        if translated is None or translated.fuzzy or not all(texts):
            found.append(message)
    return found


def field_mismatches(catalog: Catalog) -> list[str]:
    """Translations whose ``{field}`` / ``%(field)s`` names differ from their message's: the format would fail."""
    wrong = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        expected = set().union(*(FIELD.findall(str(text)) for text in ids))
        for text in strings:
            if text and set(FIELD.findall(str(text))) != expected:
                wrong.append(f"{_text(message)!r}: {text!r}")
    return wrong


def main(arguments: Sequence[str]) -> int:
    command = arguments[0] if arguments else ""
    if command == "update":
        for code, texts in update().items():
            print(f"{po_path(code)}: {len(texts)} untranslated")
            for text in texts:
                print(f"  {text}")
        return 0
    if command == "check":
        french = read("fr")
        texts = [_text(message) for message in missing(french)]
        for text in texts:
            print(f"untranslated: {text}")
        for problem in field_mismatches(french):
            print(f"fields differ: {problem}")
        return 1 if texts or field_mismatches(french) else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
