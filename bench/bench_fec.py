"""FEC benchmark: export (and check) 1 000 000 lines, time and peak memory at two sizes.

    .venv/bin/python bench/bench_fec.py [--lines 1000000] [--small 250000] [--no-check]

Entries are generated on the fly (4 lines each: customer, two revenue lines, VAT; one in ten
in USD; labels with accents and typographic quotes to transliterate), so nothing but the
writer holds them. Each size is run twice: once for the time (no tracing), once under
tracemalloc for the peak of Python allocations. The export streams: the peak must stay the
same at both sizes. The validator (``check_fec``) is measured the same way on the file written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sagesync.core.model import DocumentKind, EntryLine, JournalEntry, LineRole, Side  # noqa: E402
from sagesync.fec.check import inspect_fec  # noqa: E402
from sagesync.fec.fields import parse_fec_date  # noqa: E402
from sagesync.fec.writer import FecEntry, FecOptions, format_entry_number, write_fec  # noqa: E402

LINES_PER_ENTRY = 4
CUSTOMERS = 500
ACCOUNT_LABELS = {"411000": "Clients", "706000": "Prestations de services", "708500": "Ports et frais accessoires",
                  "445742": "TVA collectée sur encaissements 20 %"}
TIERS_NAMES = {f"C{index:05d}": f"Client “{index}” – Société d’études" for index in range(CUSTOMERS)}


def entries(count: int) -> Iterator[FecEntry]:
    """``count`` balanced entries, built one at a time."""
    start = date(2025, 1, 1)
    for index in range(count):
        fees = Decimal(100_00 + (index * 7919) % 9_000_00) / 100
        expenses = Decimal(1_00 + (index * 104729) % 500_00) / 100
        vat = ((fees + expenses) * Decimal("0.2")).quantize(Decimal("0.01"))
        foreign = index % 10 == 0
        currency = "USD" if foreign else ""

        def in_currency(amount: Decimal, foreign: bool = foreign) -> Decimal | None:
            return (amount * Decimal("1.1")).quantize(Decimal("0.01")) if foreign else None

        number = f"F2025-{index + 1:07d}"
        label = f"Facture {number} — phase “APD”"
        day = start + timedelta(days=index * 365 // count)
        lines = (
            EntryLine(LineRole.CUSTOMER, "411000", Side.DEBIT, fees + expenses + vat, label,
                      tiers=f"C{index % CUSTOMERS:05d}", currency=currency,
                      currency_amount=in_currency(fees + expenses + vat)),
            EntryLine(LineRole.REVENUE, "706000", Side.CREDIT, fees, label, currency=currency,
                      currency_amount=in_currency(fees)),
            EntryLine(LineRole.REVENUE, "708500", Side.CREDIT, expenses, label, currency=currency,
                      currency_amount=in_currency(expenses)),
            EntryLine(LineRole.VAT, "445742", Side.CREDIT, vat, label, currency=currency,
                      currency_amount=in_currency(vat)),
        )  # fmt: skip
        entry = JournalEntry("VTE", day, number[-13:], number, label, str(index), DocumentKind.INVOICE, lines)
        yield FecEntry(entry, format_entry_number("VTE", index + 1), day, "Ventes")


def export(lines: int, target: Path) -> None:
    summary = write_fec(entries(lines // LINES_PER_ENTRY), target, account_labels=ACCOUNT_LABELS,
                        tiers_names=TIERS_NAMES, options=FecOptions())  # fmt: skip
    assert summary.lines == lines and summary.total_debit == summary.total_credit


def check(target: Path) -> None:
    report = inspect_fec(target)
    assert report.problems == [], report.problems[:5]


def measure(run: Callable[[], None]) -> tuple[float, int]:
    """(seconds without tracing, peak bytes allocated under tracemalloc)."""
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    parse_fec_date.cache_clear()  # the validator's bounded date cache counts in the peak too
    tracemalloc.start()
    run()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=250_000)
    parser.add_argument("--no-check", action="store_true", help="measure the export only")
    arguments = parser.parse_args()
    print(f"{'step':<8} {'lines':>10} {'seconds':>8} {'lines/s':>9} {'peak MiB':>9} {'file MiB':>9}")
    with tempfile.TemporaryDirectory() as folder:
        for lines in (arguments.small, arguments.lines):
            target = Path(folder) / f"732829320FEC20251231-{lines}.txt"
            steps: list[tuple[str, Callable[[], None]]] = [("export", partial(export, lines, target))]
            if not arguments.no_check:
                steps.append(("check", partial(check, target)))
            for name, run in steps:
                seconds, peak = measure(run)
                size = target.stat().st_size / 2**20
                print(f"{name:<8} {lines:>10,} {seconds:>8.2f} {lines / seconds:>9,.0f} {peak / 2**20:>9.2f} "
                      f"{size:>9.1f}", flush=True)  # fmt: skip
    rss = peak_rss_mib()
    if rss is not None:
        print(f"process peak RSS over all runs: {rss:.1f} MiB")


def peak_rss_mib() -> float | None:
    """The process's peak resident memory where the OS tells it (not on Windows)."""
    try:
        import resource
    except ImportError:
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


if __name__ == "__main__":
    main()
