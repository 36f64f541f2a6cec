"""The SIREN rule, in one place: 9 digits whose Luhn checksum is valid.

Used by the profile validation and by the FEC export (the file is named after the SIREN),
so a SIREN the profile accepts is one the export accepts, and every example in the help
texts passes it (``EXAMPLE_SIREN``).
"""

from __future__ import annotations

EXAMPLE_SIREN = "732829320"  # a valid SIREN (Luhn checksum), for help texts and messages

_SEPARATORS = (" ", "\u00a0", "\u202f", ".")


def compact_siren(value: str) -> str:
    """A SIREN as people write it ("732 829 320", "732.829.320") without its separators."""
    text = value.strip()
    for separator in _SEPARATORS:
        text = text.replace(separator, "")
    return text


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum of a string of digits (every second digit from the right doubled)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def siren_problem(value: str) -> str | None:
    """What is wrong with ``value`` as a SIREN, in plain words, or None when it is a valid SIREN."""
    compact = compact_siren(value)
    if not (len(compact) == 9 and compact.isascii() and compact.isdigit()):
        return (f"{value!r} is not 9 digits: give the company's SIREN (the first 9 digits of its SIRET), "
                f"e.g. {EXAMPLE_SIREN}")
    if not luhn_ok(compact):
        return f"{compact} fails the SIREN check digit: copy it again from the Kbis or an invoice"
    return None


def is_valid_siren(value: str) -> bool:
    return siren_problem(value) is None
