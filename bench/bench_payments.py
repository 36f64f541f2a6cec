"""Payments benchmark: platform payments posted with their VAT on receipts, against the raw SQLite limit.

    .venv/bin/python bench/bench_payments.py [--payments 100000] [--batch 1000]

1. Set-up (not timed): N/2 synthetic invoices of 3 lines at two rates posted into an embedded company
   (``bench_core``'s documents, VAT on receipts).
2. Pull payments: N payments, two per invoice (a partial one, then the one that settles it), streamed
   from domain records: each decided against its invoice's open item read from the ledger, its bank
   entry built with the VAT it makes due per rate, the settled invoices matched (lettrage), all
   recorded in the ledger and written into the company, one transaction per batch, in a child
   process whose peak RSS is read.
3. Raw limit: the very rows step 2 wrote (F_ECRITUREC of the bank journal, the payments' postings and
   entry lines, payments_posted, vat_transfers), inserted with plain sqlite3 executemany into empty
   copies of the same tables, in as many transactions.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_core import GeneratedSource, documents, raw_insert  # noqa: E402
from sagesync.core.payments import Payment  # noqa: E402


def payments(invoices: int) -> Iterator[Payment]:
    """Two payments per invoice: 40 % of the TTC on the invoice's date + 30 days, the rest 30 days later."""
    for document in documents(invoices, stamped=True):
        first = (document.total_incl_vat * Decimal("0.4")).quantize(Decimal("0.01"))
        day = document.issue_date + timedelta(days=30)
        yield Payment(f"{2 * int(document.source_id) + 1}", document.source_id, day, first)
        yield Payment(f"{2 * int(document.source_id) + 2}", document.source_id, day + timedelta(days=30),
                      document.total_incl_vat - first)


class PaymentSource(GeneratedSource):
    def payment_records(self, since: object = None) -> Iterator[Payment]:
        return payments(self.count)


def child(folder: Path, count: int, batch: int, phase: str) -> None:
    import resource

    from sagesync.core.cash import CashSettings
    from sagesync.ledger.delivery import DeliveryDesk
    from sagesync.ledger.store import Ledger
    from sagesync.profiles.defaults import default_mapping
    from sagesync.sage.company import init_company
    from sagesync.sage.embedded_port import EmbeddedCompany
    from sagesync.steps import payments as payment_step
    from sagesync.steps.context import StepContext
    from sagesync.steps.invoices import pull_invoices
    from sagesync.steps.referential import pull_customers, pull_projects

    company_path = folder / "company.sqlite"
    if phase == "invoices":
        init_company(company_path, "BENCH").dispose()
    ledger = Ledger(folder / "ledger.sqlite")
    desk = DeliveryDesk(ledger, EmbeddedCompany(company_path, default_mapping()), "BENCH", analytic_plan="PROJET")
    source = PaymentSource(count // 2, stamped=True)
    context = StepContext(company="BENCH", mapping=default_mapping(), period_start=date(2025, 1, 1), source=source,
                          desk=desk, reports_dir=folder / "reports", batch_size=2000,
                          cash=CashSettings(bank_journal="BQ1", bank_account="512000",
                                            exchange_loss_account="656000", exchange_gain_account="756000"))
    started = time.perf_counter()
    if phase == "invoices":
        pull_customers(context)
        pull_projects(context)
        report = pull_invoices(context)
    else:
        context.batch_size = batch
        report = payment_step.pull_payments(context)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "counts": dict(report.counts),
                      "amounts": {name: str(value) for name, value in report.amounts.items()}}))


def raw_limit(folder: Path, batch: int) -> dict[str, float]:
    """Insert the rows the payments step wrote, with plain sqlite3 executemany, same transaction count."""
    return raw_insert(folder, [
        ("company", "F_ECRITUREC", "select * from F_ECRITUREC where JO_Num = 'BQ1'"),
        ("ledger", "postings", "select * from postings where kind = 'payment'"),
        ("ledger", "entry_lines", "select l.* from entry_lines l join postings p on p.id = l.posting_id "
                                  "where p.kind = 'payment'"),
        ("ledger", "payments_posted", "select * from payments_posted"),
        ("ledger", "vat_transfers", "select * from vat_transfers"),
    ], "payments_posted", batch)


def run_phase(folder: Path, count: int, batch: int, phase: str) -> dict[str, object]:
    output = subprocess.run([sys.executable, __file__, "--child", phase, "--folder", str(folder),
                             "--payments", str(count), "--batch", str(batch)],
                            check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def balanced(folder: Path) -> tuple[bool, Decimal, Decimal]:
    """Every bank piece balances, and the VAT made due equals the invoices' VAT on receipts."""
    company = sqlite3.connect(folder / "company.sqlite")
    sums: dict[str, Decimal] = {}
    moved = waiting = Decimal("0.00")
    for journal, piece, side, account, amount in company.execute(
            "select JO_Num, EC_Piece, EC_Sens, CG_Num, CAST(EC_Montant AS TEXT) from F_ECRITUREC"):
        value = Decimal(amount).quantize(Decimal("0.01"))
        if journal == "BQ1":
            sums[piece] = sums.get(piece, Decimal(0)) + (value if side == 0 else -value)
            if account.startswith("44574") and side == 0:
                moved += value
        elif journal == "VTE" and account.startswith("44574") and side == 1:
            waiting += value
    unbalanced = sum(1 for total in sums.values() if total)
    company.close()
    return unbalanced == 0, Decimal(str(moved)), Decimal(str(waiting))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--child")
    parser.add_argument("--folder")
    arguments = parser.parse_args()
    if arguments.child:
        child(Path(arguments.folder), arguments.payments, arguments.batch, arguments.child)
        return
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        invoices = run_phase(folder, arguments.payments, arguments.batch, "invoices")
        posted = run_phase(folder, arguments.payments, arguments.batch, "payments")
        again = run_phase(folder, arguments.payments, arguments.batch, "payments")
        raw = raw_limit(folder, arguments.batch)
        ok, moved, waiting = balanced(folder)
    n = arguments.payments
    seconds = float(posted["seconds"])  # type: ignore[arg-type]
    print(f"payments: {n} (two per invoice, {n // 2} invoices of 3 lines at 20 % and 10 %, VAT on receipts), "
          f"batch {arguments.batch}")
    print(f"set-up, posting the invoices: {float(invoices['seconds']):.2f} s")  # type: ignore[arg-type]
    print(f"pull payments (decide + bank entry + VAT made due + lettrage + ledger + company): {seconds:.2f} s "
          f"({n / seconds:,.0f} payments/s), peak RSS {posted['peak_rss_mb']:.0f} MB, counts {posted['counts']}")
    print(f"raw sqlite3 executemany of the same {raw['rows']:,.0f} rows in {raw['transactions']:.0f} transactions: "
          f"{raw['seconds']:.2f} s")
    print(f"ratio pipeline / raw limit: {seconds / raw['seconds']:.2f}x (target <= 5x)")
    print(f"second run, nothing new: {float(again['seconds']):.2f} s, peak RSS {again['peak_rss_mb']:.0f} MB, "  # type: ignore[arg-type]
          f"counts {again['counts']}")
    print(f"every bank piece balanced: {ok}; VAT made due {moved} = VAT on receipts invoiced {waiting}: "
          f"{moved == waiting}")


if __name__ == "__main__":
    main()
