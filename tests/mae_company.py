"""A .mae company for tests: its settings as Sage exports them, and its next export after an import.

The company cannot be read from here, so its Sage export stands in for it: the embedded
company's chart, VAT codes, journals, plan and currencies written as Sage's "Format Sage"
export writes them; "importing" an import file is simulated by adding its records to the
export, as Sage's next export of the company would hold them.
"""

from __future__ import annotations

from pathlib import Path

from sagesync.sage import chart
from tests.sage.flagfile.hand_made import export_file, record, slots
from tests.sage.flagfile.test_export_reader import account, journal, tax


def chart_export() -> bytes:
    """The embedded company's settings as Sage exports them (Fichier > Exporter > Format Sage)."""
    currencies = {slot: {1: label, 7: iso} for slot, (iso, label, _sign) in enumerate(chart.CURRENCIES, start=1)}
    return export_file(
        record("MDEV", 640, slots(32, 20, currencies)),
        record("MANA", 253, slots(11, 23, {1: {1: chart.PROJECT_PLAN}})),
        *(journal(code, label, str(kind)) for code, label, kind, _account in chart.JOURNALS),
        *(account(item.number, item.label, str(item.nature), analytic=item.analytic,
                  currency_option=item.currency_entry) for item in chart.STANDARD_CHART),
        *(tax(code.code, f"{code.rate:.4f}".replace(".", ","), code.account) for code in chart.TAX_CODES))


def imported(export: bytes, import_files: list[Path]) -> bytes:
    """The next export of a company that imported ``import_files``: its records, then the files'."""
    lines = export.decode("cp850").split("\r\n")
    end = lines.index("#FIN")
    for path in import_files:
        added = path.read_bytes().decode("cp850").split("\r\n")
        start = next(index for index, line in enumerate(added) if line.startswith("#M"))
        lines[end:end] = added[start:added.index("#FIN")]
        end = lines.index("#FIN")
    return "\r\n".join(lines).encode("cp850")
