"""Core benchmark: check + post + ledger into the embedded company, against the raw SQLite limit.

    .venv/bin/python bench/bench_core.py [--invoices 100000] [--batch 2000]

1. Pull invoices: N synthetic invoices of 3 lines, streamed from local data (a generator of
   domain records, no HTTP, no file parsing), checked, posted and recorded in the ledger in one
   transaction per batch (company + ledger attached), in a child process whose peak RSS is read.
2. Raw limit: the very rows step 1 wrote (F_ECRITUREC, F_ECRITUREA and the ledger tables),
   inserted with plain sqlite3 executemany into empty copies of the same tables, with the same
   number of transactions.
3. Re-sync with no change: the same N documents again (nothing to post), with and without the
   platform's change stamp (updated_at), the latter hashing every document.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Collection, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sagesync.core.model import (  # noqa: E402
    Customer,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    Project,
    VatSubtotal,
)
from sagesync.core.money import to_cents  # noqa: E402

CUSTOMERS = 200
PROJECTS = 300
RATES = (Decimal("20"), Decimal("20"), Decimal("10"))


def customers() -> list[Customer]:
    return [Customer(str(i), f"C{i:05d}", f"Client {i}") for i in range(CUSTOMERS)]


def projects() -> list[Project]:
    return [Project(str(i), f"PRJ{i:05d}", f"Projet {i}", str(i % CUSTOMERS)) for i in range(PROJECTS)]


def documents(count: int, stamped: bool) -> Iterator[Document]:
    start = date(2025, 1, 2)
    stamp = datetime(2025, 6, 1, 12, 0)
    for index in range(count):
        amounts = [Decimal(1000 + (index * 7 + k * 13) % 90000) / 100 for k in range(3)]
        lines = tuple(DocumentLine(f"Phase {k}", amounts[k], RATES[k]) for k in range(3))
        subtotals = []
        for rate in (Decimal("20"), Decimal("10")):
            base = sum((line.amount for line in lines if line.vat_rate == rate), Decimal("0.00"))
            subtotals.append(VatSubtotal(rate, base, to_cents(base * rate / 100)))
        total = sum(amounts, Decimal("0.00"))
        vat = sum((s.vat for s in subtotals), Decimal("0.00"))
        yield Document(
            source_id=str(index), number=f"F{index:08d}", kind=DocumentKind.INVOICE, status=DocumentStatus.VALIDATED,
            issue_date=start + timedelta(days=index % 360), customer_source_id=str(index % CUSTOMERS),
            lines=lines, vat_subtotals=tuple(subtotals), total_excl_vat=total, total_vat=vat,
            total_incl_vat=total + vat, project_source_id=str(index % PROJECTS),
            updated_at=stamp if stamped else None)


class GeneratedSource:
    """Domain records made in Python: the cheapest local data."""

    def __init__(self, count: int, stamped: bool) -> None:
        self.count, self.stamped = count, stamped

    def customers(self) -> Iterator[Customer]:
        yield from customers()

    def projects(self) -> Iterator[Project]:
        yield from projects()

    def documents(self, since: datetime | None = None, include: Collection[str] = ()) -> Iterator[Document]:
        return documents(self.count, self.stamped)  # every document: what a full pass reads

    def empty_scope_hint(self) -> str | None:
        return None

    def close(self) -> None:
        return None


class TimedSource:
    """Counts the time spent producing documents, to show the pipeline's own share."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.seconds = 0.0

    def customers(self) -> Iterator[Any]:
        return self.source.customers()  # type: ignore[no-any-return]

    def projects(self) -> Iterator[Any]:
        return self.source.projects()  # type: ignore[no-any-return]

    def documents(self, since: datetime | None = None, include: Collection[str] = ()) -> Iterator[Any]:
        produced = self.source.documents(since, include)
        while True:
            started = time.perf_counter()
            document = next(produced, None)
            self.seconds += time.perf_counter() - started
            if document is None:
                return
            yield document

    def empty_scope_hint(self) -> str | None:
        return None

    def close(self) -> None:
        return None


def child(folder: Path, count: int, batch: int, phase: str, wire: bool) -> None:
    """One phase in this process; prints JSON {seconds, peak_rss_mb, counts}."""
    import resource

    from sagesync.ledger.delivery import DeliveryDesk
    from sagesync.ledger.store import Ledger
    from sagesync.profiles.defaults import default_mapping
    from sagesync.sage.company import init_company
    from sagesync.sage.embedded_port import EmbeddedCompany
    from sagesync.steps.context import StepContext
    from sagesync.steps.invoices import pull_invoices
    from sagesync.steps.referential import pull_customers, pull_projects

    company_path = folder / "company.sqlite"
    if phase == "post":
        init_company(company_path, "BENCH").dispose()
    ledger = Ledger(folder / "ledger.sqlite")
    desk = DeliveryDesk(ledger, EmbeddedCompany(company_path, default_mapping()), "BENCH", analytic_plan="PROJET")
    if wire:
        from sagesync.sources.files import synthetic_firm

        # Platform payloads (dicts as the OOTI JSON decodes) through the real payload mapping.
        source = TimedSource(synthetic_firm(count, 3, seed=7))
    else:
        source = TimedSource(GeneratedSource(count, stamped=phase != "resync-hash"))
    context = StepContext(company="BENCH", mapping=default_mapping(), period_start=date(2025, 1, 1), source=source,
                          desk=desk, reports_dir=folder / "reports", batch_size=batch)
    if phase == "post":
        pull_customers(context)
        pull_projects(context)
    started = time.perf_counter()
    report = pull_invoices(context)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "source_seconds": source.seconds, "peak_rss_mb": peak,
                      "counts": dict(report.counts)}))


def raw_limit(folder: Path, batch_docs: int) -> dict[str, float]:
    """Insert the rows the pipeline wrote, with plain sqlite3 executemany, same transaction count."""
    tables = [(database, name, f"select * from {name}") for database, names in (
        ("company", ["F_ECRITUREC", "F_ECRITUREA"]),
        ("ledger", ["postings", "entry_lines", "outbox", "document_states"])) for name in names]
    return raw_insert(folder, tables, "postings", batch_docs)


def raw_insert(folder: Path, tables: list[tuple[str, str, str]], counted: str, batch: int) -> dict[str, float]:
    """The raw limit: the rows ``tables`` select ((database, table, query) each, from ``<database>.sqlite`` in
    ``folder``) inserted again with plain sqlite3 executemany into empty copies of the same tables, in as many
    transactions as ``counted``'s rows make batches of ``batch``."""
    rows: dict[str, list[tuple[object, ...]]] = {}
    ddl: list[tuple[str, str, str]] = []
    for database, name, query in tables:
        source = sqlite3.connect(folder / f"{database}.sqlite")
        ddl.append((database, name, source.execute(
            "select sql from sqlite_master where type='table' and name=?", (name,)).fetchone()[0]))
        rows[name] = source.execute(query).fetchall()
        source.close()
    target = sqlite3.connect(folder / "raw_company.sqlite", isolation_level=None)
    target.execute("attach database ? as ledger", (str(folder / "raw_ledger.sqlite"),))
    for database, name, sql in ddl:
        prefix = "ledger." if database == "ledger" else ""
        target.execute(sql.replace(f"CREATE TABLE {name}", f"CREATE TABLE {prefix}{name}", 1))
    transactions = max(1, len(rows[counted]) // batch)
    total_rows = sum(len(r) for r in rows.values())
    started = time.perf_counter()
    for t in range(transactions):
        target.execute("begin immediate")
        for database, name, _sql in ddl:
            chunk_size = -(-len(rows[name]) // transactions)
            chunk = rows[name][t * chunk_size:(t + 1) * chunk_size]
            if chunk:
                prefix = "ledger." if database == "ledger" else ""
                marks = ",".join("?" * len(chunk[0]))
                target.executemany(f"insert into {prefix}{name} values ({marks})", chunk)
        target.execute("commit")
    seconds = time.perf_counter() - started
    target.close()
    return {"seconds": seconds, "rows": total_rows, "transactions": transactions}


def run_phase(folder: Path, count: int, batch: int, phase: str, wire: bool) -> dict[str, object]:
    output = subprocess.run([sys.executable, __file__, "--child", phase, "--folder", str(folder),
                             "--invoices", str(count), "--batch", str(batch), *(["--wire"] if wire else [])],
                            check=True, capture_output=True, text=True).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--child")
    parser.add_argument("--folder")
    parser.add_argument("--wire", action="store_true",
                        help="read platform payloads through the payload mapping instead of ready domain records")
    arguments = parser.parse_args()
    if arguments.child:
        child(Path(arguments.folder), arguments.invoices, arguments.batch, arguments.child, arguments.wire)
        return
    wire = arguments.wire
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        post = run_phase(folder, arguments.invoices, arguments.batch, "post", wire)
        resync = run_phase(folder, arguments.invoices, arguments.batch, "resync", wire)
        resync_hash = post if wire else run_phase(folder, arguments.invoices, arguments.batch, "resync-hash", wire)
        raw = raw_limit(folder, arguments.batch)
    n = arguments.invoices
    print(f"invoices: {n} x 3 lines, batch {arguments.batch} documents per transaction, "
          f"source: {'platform payloads through the payload mapping' if wire else 'domain records'}")
    own = float(post["seconds"]) - float(post["source_seconds"])  # type: ignore[arg-type]
    print(f"producing the documents: {post['source_seconds']:.2f} s of it; pipeline alone {own:.2f} s")
    print(f"check + post + ledger : {post['seconds']:.2f} s  ({n / float(post['seconds']):,.0f} invoices/s), "  # type: ignore[arg-type]
          f"peak RSS {post['peak_rss_mb']:.0f} MB, counts {post['counts']}")
    print(f"raw sqlite3 executemany of the same {raw['rows']:,.0f} rows in {raw['transactions']:.0f} transactions: "
          f"{raw['seconds']:.2f} s")
    print(f"ratio pipeline / raw limit: {float(post['seconds']) / raw['seconds']:.2f}x (target <= 5x)")  # type: ignore[arg-type]
    resyncs = [("re-sync, no change (updated_at)", resync)]
    if not wire:
        resyncs.append(("re-sync, no change (hash every document)", resync_hash))
    for label, result in resyncs:
        seconds = float(result["seconds"])  # type: ignore[arg-type]
        own = seconds - float(result["source_seconds"])  # type: ignore[arg-type]
        print(f"{label}: {seconds:.2f} s = {seconds * 100_000 / n:.2f} s per 100 000 documents "
              f"({own * 100_000 / n:.2f} s without producing the documents), "
              f"peak RSS {result['peak_rss_mb']:.0f} MB, counts {result['counts']}")


if __name__ == "__main__":
    main()
