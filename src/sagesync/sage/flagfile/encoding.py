"""Field values as Sage reads them: CP850 text, comma decimals, JJMMAA dates.

Sage 100 reads its import files in the OEM code page (CP850; a real export shows
``é`` as byte 0x82, sage100.md §2.1). Anything CP850 cannot hold is
transliterated here, deterministically, and a field that changed (or had to be
cut at its Sage length) is reported as a finding naming the record and the
field, so the accountant knows which name in Sage differs from the platform.

A field is one line of the file: a line break inside a value would shift every
later field of the record, and a value that looks like a flag (``#MECG``)
would start a record. Both are neutralised here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.money import CENT
from sagesync.i18n import _

ENCODING = "cp850"
LINE_END = "\r\n"

# What CP850 lacks but French billing text is full of; the rest falls back to
# Unicode decomposition (ő -> o) and then to "?".
_REPLACEMENTS: dict[str, str] = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2039": "<", "\u203a": ">",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u20ac": "EUR", "\u0153": "oe", "\u0152": "OE", "\u2122": "TM", "\u2022": "-",
    "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D",
    # CP850 holds U+00A0 (0xFF), but Sage's searches treat it as a letter: plain space.
    "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2008": " ", "\u3000": " ",
    "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
}
_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Mc", "Cf", "Cs", "Co", "Cn"})  # emoji, marks, invisibles
_FLAG_LIKE = re.compile(r"^#")
_SPACES = re.compile(r" {2,}")
# The characters written as they are: CP850's printable ones not replaced above. One regex
# match per field instead of one encode per character: the writer cleans millions of fields.
_AS_IS_CHARACTERS = "".join(character for character in bytes(range(32, 256)).decode(ENCODING)
                            if character not in _REPLACEMENTS and unicodedata.category(character) != "Cc")
_AS_IS = re.compile(f"[{re.escape(_AS_IS_CHARACTERS)}]*")


def _encodable(character: str) -> bool:
    try:
        character.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _transliterate_character(character: str) -> str:
    if character in _REPLACEMENTS:
        return _REPLACEMENTS[character]
    if unicodedata.category(character) == "Cc":
        return " "  # CR, LF, TAB and friends would split the field
    if _encodable(character):
        return character
    decomposed = "".join(part for part in unicodedata.normalize("NFKD", character) if _encodable(part)
                         and unicodedata.category(part) not in _DROPPED_CATEGORIES)
    if decomposed:
        return decomposed
    if unicodedata.category(character) in _DROPPED_CATEGORIES:
        return ""
    return "?"


@lru_cache(maxsize=8192)  # labels, accounts and codes repeat on every line of a piece
def to_cp850(text: str) -> tuple[str, bool]:
    """``text`` made writable in CP850 on one line, and whether anything had to change.

    Leading and trailing spaces and Unicode normal forms are not changes worth
    telling anyone about; everything else is.
    """
    baseline = unicodedata.normalize("NFC", text).strip()
    if _AS_IS.fullmatch(baseline) and not _FLAG_LIKE.match(baseline):
        return baseline, False
    result = "".join(_transliterate_character(character) for character in baseline)
    result = _SPACES.sub(" ", result).strip()
    if _FLAG_LIKE.match(result):
        result = "N°" + result[1:]  # a field "#FIN" would end the file for Sage
    return result, result != baseline


def fit(text: str, limit: int, keep_end: bool = False) -> tuple[str, bool]:
    """Cut ``text`` to ``limit`` characters and drop the spaces the cut leaves at the edge.

    ``keep_end`` keeps the last characters instead: an invoice number's sequence
    is at its end (as ``EC_RefPiece`` and the piece number keep it).
    """
    if len(text) <= limit:
        return text, False
    if keep_end:
        return text[-limit:].lstrip(), True
    return text[:limit].rstrip(), True


def sage_code(text: str, limit: int) -> str:
    """A code as it will be written: CP850, upper case, at most ``limit`` characters.

    Used both to write codes and to compare them with the company's, so a code
    that Sage would store truncated is recognised as the existing one.
    """
    return fit(to_cp850(text.upper())[0], limit)[0]


def format_amount(amount: Decimal) -> str:
    """``Decimal('1200.5')`` -> ``'1200,50'``: two decimals, comma, no thousands separator.

    An amount with fractions of a cent is refused (a bug upstream): rounding
    here would unbalance the piece.
    """
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise ValueError(f"amount {amount} has fractions of a cent; the Sage file carries cents only")
    return f"{rounded:f}".replace(".", ",")


def format_date(day: date | None) -> str:
    """JJMMAA, or an empty field."""
    return "" if day is None else day.strftime("%d%m%y")


@dataclass(slots=True)
class FieldCleaner:
    """Cleans the text fields of one file and keeps the findings of what changed."""

    findings: list[Finding] = field(default_factory=list)
    _seen: set[tuple[str, str, str, FindingCode]] = field(default_factory=set)

    def text(self, value: str, limit: int, *, document: str, source_id: str, field_name: str,
             upper: bool = False, keep_end: bool = False) -> str:
        """Free text (label, name, address): transliterated, then cut at ``limit``."""
        # Upper case first: a few CP850 letters have capitals CP850 lacks (ÿ -> Ÿ).
        cleaned, changed = to_cp850(value.upper() if upper else value)
        if changed:
            self._report(document, source_id, field_name, FindingCode.TEXT_TRANSLITERATED,
                         _("{field} '{value}' is written to Sage as '{written}' (the Sage file holds CP850 text "
                           "only)").format(field=field_name, value=value, written=cleaned),
                         _("Nothing to do, or use plain characters on the platform if the Sage text must match."))
        fitted, truncated = fit(cleaned, limit, keep_end)
        if truncated:
            self._report(document, source_id, field_name, FindingCode.TEXT_TRUNCATED,
                         _("{field} '{value}' is longer than the {limit} characters Sage keeps; written as "
                           "'{written}'").format(field=field_name, value=cleaned, limit=limit, written=fitted),
                         _("Shorten it on the platform to {limit} characters if the Sage text must be "
                           "complete.").format(limit=limit))
        return fitted

    def code(self, value: str, limit: int, *, document: str, source_id: str, field_name: str) -> str:
        """A code (tiers, section, account, piece): like ``text``, then upper case."""
        return self.text(value, limit, document=document, source_id=source_id, field_name=field_name, upper=True)

    def _report(self, document: str, source_id: str, field_name: str, code: FindingCode, message: str,
                fix: str) -> None:
        key = (document, source_id, field_name, code)
        if key in self._seen:  # one finding per record and field, not one per entry line
            return
        self._seen.add(key)
        self.findings.append(Finding(document, source_id, field_name, code, message, fix, Severity.WARNING))
