"""Everything a person reads goes through here: French by default, English on request.

Messages are written in English in the code (the msgid) and translated in gettext catalogs,
``locale/<lang>/LC_MESSAGES/<domain>.po``, read at run time with Babel (no compiled .mo to keep
in step). Two domains, one per audience: ``sagesync`` (CLI, findings and fixes, reports, errors)
and ``console`` (the web console's pages).

The language is, in order: ``set_language()`` (``--lang``, the console's switch), the
``SAGESYNC_LANG`` environment variable, then French. A message without a translation is shown
in English (a test fails on any such message, so that never ships).

Use::

    from sagesync.i18n import _, ngettext
    raise ConfigurationError(_("the ledger {path} is not a SQLite file").format(path=path))

Format with ``str.format`` and named fields, after translation, so a translator can move them.
"""

from __future__ import annotations

import gettext
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
LANGUAGE_VARIABLE = "SAGESYNC_LANG"
DOMAINS = ("sagesync", "console")
LOCALE_DIR = Path(__file__).parent / "locale"

# A context variable, not a thread-local: each thread still has its own, and so does each asyncio task (one
# console request), and it follows a request into the worker thread that runs its route (``run_in_threadpool``).
_chosen: ContextVar[str | None] = ContextVar("sagesync_language", default=None)
_process_language: str | None = None


def _normalise(language: str | None) -> str | None:
    if not language:
        return None
    short = language.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return short if short in LANGUAGES else None


def set_language(language: str | None, *, this_thread_only: bool = False) -> str:
    """Choose the language (``fr`` or ``en``; None goes back to the default); returns the one in force."""
    global _process_language
    chosen = _normalise(language)
    if this_thread_only:
        _chosen.set(chosen)
    else:
        _process_language = chosen
    return current_language()


def current_language() -> str:
    return (_chosen.get() or _process_language
            or _normalise(os.environ.get(LANGUAGE_VARIABLE)) or DEFAULT_LANGUAGE)


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Translate in ``code`` within the block, in this thread or asyncio task only (a console request, a test);
    None: the process's language (``set_language``, ``SAGESYNC_LANG``, French)."""
    token = _chosen.set(_normalise(code))
    try:
        yield
    finally:
        _chosen.reset(token)


class Catalog(gettext.NullTranslations):
    """One language's messages of one domain: msgid -> text, (msgid, form) -> text for plurals."""

    def __init__(self, language_code: str) -> None:
        super().__init__()
        self.language_code = language_code
        self.messages: dict[str, str] = {}
        self.plurals: dict[tuple[str, int], str] = {}

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # French: 0 and 1 are singular; English: only 1.
        form = (0 if n <= 1 else 1) if self.language_code == "fr" else (0 if n == 1 else 1)
        return self.plurals.get((singular, form)) or (singular if form == 0 else plural)


@cache
def translations(language_code: str, domain: str = "sagesync") -> Catalog:
    """The catalog of ``domain`` in ``language_code``, read once from its .po file."""
    result = Catalog(language_code)
    path = LOCALE_DIR / language_code / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return result
    from babel.messages.pofile import read_po

    with path.open("rb") as stream:
        catalog = read_po(stream, locale=language_code, domain=domain)
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            for form, text in enumerate(strings):
                if text:
                    result.plurals[(str(message.id[0]), form)] = str(text)
        else:
            result.messages[str(message.id)] = str(message.string)
    return result


def _(message: str) -> str:
    """``message`` (English, as written in the code) in the current language."""
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language()).ngettext(singular, plural, count)


def console_gettext(message: str) -> str:
    return translations(current_language(), "console").gettext(message)


def console_ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language(), "console").ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Marks a message for extraction where it cannot be translated yet (a module constant): translate it
    where it is shown, with ``_(constant)``."""
    return message
