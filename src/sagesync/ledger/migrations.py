"""Upgrading a ledger written by an older sagesync, in place, inside the opening transaction.

Schema 1 (sagesync 0.1) -> 2: delivery states become one typed machine
(posted and in_sage -> confirmed, written -> delivered), postings carry the
source reference Sage keeps, customers and projects carry their delivery state,
and findings become one current set per record (the latest run's).

Schema 2 -> 3: postings keep their entry's client (tiers code) and totals HT / TVA / TTC (exact
Decimal text, signed: a credit note's are negative), so the documents list and the sales journal
show money without summing entry lines; existing postings get them from their lines here.

Schema 3 -> 4: the cash side. Customer lines carry their matching letter and date; payments,
the VAT on receipts they made due and the letters given per tiers get their own tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import Connection

from sagesync.core.delivery import source_reference
from sagesync.ledger.totals import totals_of


def _columns(connection: Connection, table: str) -> set[str]:
    return {row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table})")}


def _add(connection: Connection, table: str, column: str, declaration: str) -> None:
    if column not in _columns(connection, table):
        connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _to_2(connection: Connection) -> None:
    _add(connection, "postings", "reference", "VARCHAR(17) NOT NULL DEFAULT ''")
    connection.exec_driver_sql("UPDATE postings SET state = CASE state WHEN 'written' THEN 'delivered' "
                               "WHEN 'pending' THEN 'pending' ELSE 'confirmed' END")
    rows = connection.exec_driver_sql("SELECT id, source_id FROM postings").all()
    connection.exec_driver_sql("UPDATE postings SET reference = ? WHERE id = ?",
                               [(source_reference(source_id), row_id) for row_id, source_id in rows])
    _add(connection, "synced_records", "state", "VARCHAR(10) NOT NULL DEFAULT 'confirmed'")
    _add(connection, "synced_records", "delivered_to", "VARCHAR(200) NOT NULL DEFAULT ''")
    _add(connection, "synced_records", "payload", "TEXT NOT NULL DEFAULT ''")
    _add(connection, "findings", "kind", "VARCHAR(10) NOT NULL DEFAULT 'document'")
    connection.exec_driver_sql(
        "UPDATE findings SET kind = CASE (SELECT step FROM runs WHERE runs.id = findings.run_id) "
        "WHEN 'customers' THEN 'customer' WHEN 'projects' THEN 'project' ELSE 'document' END")
    connection.exec_driver_sql("UPDATE findings SET kind = 'setup' WHERE source_id = '' AND kind = 'document'")
    # Keep the latest run's findings of each record: what the pages showed as current.
    connection.exec_driver_sql(
        "DELETE FROM findings WHERE run_id < (SELECT MAX(f.run_id) FROM findings f WHERE f.company = findings.company "
        "AND f.kind = findings.kind AND f.source_id = findings.source_id)")


def _posting_totals(connection: Connection) -> Iterator[tuple[str, str, str, str, int]]:
    """(tiers, HT, TVA, TTC, posting id) of every posting with lines, read once in posting order."""
    cursor = connection.exec_driver_sql("SELECT posting_id, role, side, amount, tiers FROM entry_lines "
                                        "ORDER BY posting_id, line_no")
    current: int | None = None
    lines: list[tuple[str, str, Decimal, str]] = []
    for posting_id, role, side, amount, tiers in cursor:
        if posting_id != current and current is not None:
            totals = totals_of(lines)
            yield totals.tiers, str(totals.ht), str(totals.vat), str(totals.ttc), current
            lines = []
        current = int(posting_id)
        lines.append((str(role), str(side), Decimal(amount), str(tiers)))
    if current is not None:
        totals = totals_of(lines)
        yield totals.tiers, str(totals.ht), str(totals.vat), str(totals.ttc), current


def _to_3(connection: Connection) -> None:
    for column in ("client VARCHAR(17)", "total_ht VARCHAR(24)", "total_vat VARCHAR(24)", "total_ttc VARCHAR(24)"):
        name, declaration = column.split(" ")
        _add(connection, "postings", name, declaration)
    rows = list(_posting_totals(connection))  # read every line before writing (one cursor at a time)
    for start in range(0, len(rows), 5000):
        connection.exec_driver_sql("UPDATE postings SET client = ?, total_ht = ?, total_vat = ?, total_ttc = ? "
                                   "WHERE id = ?", rows[start:start + 5000])


def _to_4(connection: Connection) -> None:
    # The new tables (payments_posted, vat_transfers, letter_sequences) are created by the metadata.
    _add(connection, "entry_lines", "letter", "VARCHAR(3) NOT NULL DEFAULT ''")
    _add(connection, "entry_lines", "letter_date", "DATE")


STEPS = {1: _to_2, 2: _to_3, 3: _to_4}


def migrate(connection: Connection, found: int) -> None:
    for version in range(found, max(STEPS) + 1):
        STEPS[version](connection)
