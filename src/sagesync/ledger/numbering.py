"""Entry numbers (EcritureNum): the ledger gives them, the FEC prints them."""

from __future__ import annotations

ENTRY_NUMBER_DIGITS = 6


def format_entry_number(journal: str, sequence: int) -> str:
    """EcritureNum: the journal code then the sequence on 6 digits, ``("VTE", 123)`` -> ``VTE000123``.

    The sequence is the ledger's per-journal counter, 1 for the first entry ever validated in
    that journal and +1 per entry in validation order, never reset and never reused (not even
    after an aborted export), so numbers run without a gap across runs and across files.
    The zero padding keeps text order equal to number order up to 999 999 entries; beyond,
    the number simply grows a digit.
    """
    if sequence < 1:
        raise ValueError(f"entry sequence must start at 1, got {sequence}")
    if not journal:
        raise ValueError("an entry number needs a journal code")
    return f"{journal}{sequence:0{ENTRY_NUMBER_DIGITS}d}"
