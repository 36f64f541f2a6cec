"""How the console writes amounts, dates and counts: the way a French accountant reads them.

Amounts are Decimals formatted without ever becoming floats: ``1 234,56`` (a
narrow no-break space between thousands, a decimal comma), as Sage shows them.
Dates are day first (``25/11/2025``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from jinja2 import Environment

THOUSANDS = "\u202f"  # narrow no-break space, the French thousands separator

# The order counts are shown in, the most telling first (as the terminal summary does).
COUNT_ORDER = ("created", "linked_existing", "already_synced", "ready", "posted", "already_posted", "blocked",
               "changed", "rejected", "ignored_before_period", "setup_problems", "acknowledged", "kept_in_sagesync",
               "failed", "draft")
COUNT_WORDS = {
    "linked_existing": "linked to existing", "already_synced": "already synced", "already_posted": "already posted",
    "changed": "changed after posting", "ignored_before_period": "ignored (before period start)",
    "setup_problems": "set-up problems",
    "acknowledged": "acknowledged by the platform",
    "kept_in_sagesync": "status kept in sagesync only (write-back off)",
    "draft": "drafts skipped",
}


def amount(value: Decimal | str | None) -> str:
    """Decimal("1234.5") -> "1 234,50"; None -> ""."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(value)
    text = f"{number:,.2f}"
    return text.replace(",", THOUSANDS).replace(".", ",")


def day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return value.strftime("%d/%m/%Y")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def whole_seconds(seconds: float | None) -> str:
    """A duration from the ledger's stamps, which keep whole seconds."""
    if seconds is None:
        return ""
    return "under 1 s" if seconds < 1 else duration(seconds)


OUTPUT_WORDS = {"report_csv": "check report (CSV)", "report_html": "check report (web page)"}


def output_word(name: str) -> str:
    return OUTPUT_WORDS.get(name, name.replace("_", " "))


def count_word(name: str) -> str:
    return COUNT_WORDS.get(name, name.replace("_", " "))


def ordered_counts(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Non-zero counts in the order a person reads them, each with its words."""
    items = counts.items() if isinstance(counts, Mapping) else counts
    kept = [(name, count) for name, count in items if count]
    return sorted(kept, key=lambda item: (COUNT_ORDER.index(item[0]) if item[0] in COUNT_ORDER else 99, item[0]))


def counts_text(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{count_word(name)} {count}" for name, count in ordered_counts(counts)) or "nothing to do"


def install(environment: Environment) -> None:
    environment.filters.update(amount=amount, day=day, duration=duration, whole_seconds=whole_seconds,
                               count_word=count_word, counts_text=counts_text, output_word=output_word)
