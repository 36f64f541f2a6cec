"""Tables of the ledger of record: the single source of truth for "posted".

The tables carry the symbolic schema ``ledger``. When the ledger is used on
its own, the schema is translated away; when posting into the embedded Sage
company, the ledger file is ATTACHed to the company's connection under that
name, so the Sage rows and the ledger rows commit in one SQLite transaction.

Exactly-once is enforced here, by the database, not by callers being careful:
``postings`` has one row per (company, source document) ever, and its natural
key (company, source document, content version) is unique too.

Every item that must reach Sage (tiers, sections, entries) carries its delivery
state (``sagesync.core.delivery.DeliveryState``: pending, delivered, confirmed).
A pending tiers or section keeps the record it was decided from (``payload``), so
a run that dies before its import file is written loses nothing: the next run
delivers it from here.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    literal_column,
)
from sqlalchemy.sql.elements import Grouping

SCHEMA = "ledger"
SCHEMA_VERSION = 4  # raise it with a migration (ledger/migrations.py) when a table changes
metadata = MetaData(schema=SCHEMA)

ledger_info = Table(
    "ledger_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company", String(80), nullable=False),
    Column("step", String(20), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(12), nullable=False),  # running, ok, blocked, failed
    Column("counts", Text, nullable=False, default="{}"),  # JSON object step -> count
    Column("outputs", Text, nullable=False, default="{}"),  # JSON object name -> path
    Column("pid", Integer, nullable=False),
    Column("error", Text),
    Index("ix_runs_company", "company", "id"),  # the run history, newest first
)

# A customer or project of the platform and the Sage record it is linked to.
synced_records = Table(
    "synced_records",
    metadata,
    Column("company", String(80), primary_key=True),
    Column("kind", String(10), primary_key=True),  # customer, project
    Column("source_id", String(40), primary_key=True),
    Column("sage_code", String(17), nullable=False),
    Column("name", String(120), nullable=False),
    Column("how", String(10), nullable=False),  # created (by us) or existing (found in Sage, untouched)
    Column("run_id", Integer, nullable=False),
    Column("synced_at", DateTime, nullable=False),
    Column("state", String(10), nullable=False, default="confirmed"),  # DeliveryState
    Column("delivered_to", String(200), nullable=False, default=""),  # F_COMPTET row or import file name
    Column("payload", Text, nullable=False, default=""),  # the record as decided (JSON), while pending
)

postings = Table(
    "postings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company", String(80), nullable=False),
    Column("source_id", String(40), nullable=False),
    Column("version", String(32), nullable=False),
    Column("updated_at", String(40)),  # the platform's change stamp when it gives one (fast re-sync)
    Column("number", String(40), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("journal", String(6), nullable=False),
    Column("entry_number", String(20), nullable=False),  # EcritureNum: continuous per journal
    Column("piece", String(13), nullable=False),
    Column("entry_date", Date, nullable=False),
    Column("original_source_id", String(40), nullable=False, default=""),
    Column("state", String(10), nullable=False),  # DeliveryState: pending, delivered, confirmed
    Column("target", String(10), nullable=False),  # the port: embedded, file
    Column("target_ref", String(200), nullable=False, default=""),  # EC_No range or file name
    Column("reference", String(17), nullable=False, default=""),  # EC_Reference: the identity Sage keeps
    Column("run_id", Integer, nullable=False),
    Column("validated_at", DateTime, nullable=False),
    # What the entry says, kept with it at posting time so the lists never sum entry lines: the client's tiers
    # code (its customer line; not named ``tiers``, which a join with entry_lines would make ambiguous) and the
    # totals, exact Decimal text signed by side (a credit note's are negative): HT the revenue lines, TVA the VAT
    # lines, TTC the customer line. NULL only on a row no entry line backs.
    Column("client", String(17)),
    Column("total_ht", String(24)),
    Column("total_vat", String(24)),
    Column("total_ttc", String(24)),
    UniqueConstraint("company", "source_id", "version", name="uq_posting_version"),
    UniqueConstraint("company", "source_id", name="uq_posting_once"),
    UniqueConstraint("company", "journal", "entry_number", name="uq_entry_number"),
    Index("ix_postings_state", "company", "state"),
    Index("ix_postings_reference", "company", "reference"),
    Index("ix_postings_number", "company", "number"),
    Index("ix_postings_client", "company", "client"),  # the documents of a client
    Index("ix_postings_date", "company", "entry_date"),  # the sales journal of a period
)

entry_lines = Table(
    "entry_lines",
    metadata,
    Column("posting_id", Integer, ForeignKey("postings.id"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("role", String(10), nullable=False),
    Column("account", String(13), nullable=False),
    Column("tiers", String(17), nullable=False),
    Column("label", String(69), nullable=False),
    Column("side", String(6), nullable=False),
    Column("amount", String(24), nullable=False),  # exact Decimal text: SQLite has no decimal type
    Column("vat_code", String(5), nullable=False),
    Column("due_date", Date),
    Column("currency", String(3), nullable=False),
    Column("currency_amount", String(24), nullable=False),
    Column("analytic", Text, nullable=False),  # "PLAN|SECTION|AMOUNT" joined by ";"
    # Matching (lettrage) of a customer line, once its invoice, credit notes and payments balance.
    Column("letter", String(3), nullable=False, default="", server_default=""),
    Column("letter_date", Date),
)

# What each posted payment settled: the document, in its currency and in euros (the 411 line), and
# whether it settled it. The postings row (kind "payment") holds its entry and delivery state.
payments_posted = Table(
    "payments_posted",
    metadata,
    Column("company", String(80), primary_key=True),
    Column("payment_key", String(40), primary_key=True),  # postings.source_id: P + the platform's id
    Column("document_source_id", String(40), nullable=False),
    Column("payment_date", Date, nullable=False),
    Column("amount", String(24), nullable=False),  # document currency, exact Decimal text
    Column("customer_eur", String(24), nullable=False),
    Column("bank_eur", String(24), nullable=False),
    Column("settles", Integer, nullable=False),
    Column("run_id", Integer, nullable=False),
    Index("ix_payments_document", "company", "document_source_id"),
)

# The VAT on receipts each payment made due, per rate: signed (a refund's is negative). The figures
# of the VAT return (per month and rate) and of the 212 "Encaissée" status (per invoice and date).
vat_transfers = Table(
    "vat_transfers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company", String(80), nullable=False),
    Column("payment_key", String(40), nullable=False),
    Column("document_source_id", String(40), nullable=False),
    Column("transfer_date", Date, nullable=False),
    Column("rate", String(12), nullable=False),
    Column("vat_code", String(5), nullable=False),
    Column("account_waiting", String(13), nullable=False),
    Column("account_due", String(13), nullable=False),
    Column("amount", String(24), nullable=False),
    # Where it is posted: the payment's own entry (its key), or the month's entry (TVA + month) once
    # posted; "" while it waits for its month's entry.
    Column("posted_in", String(40), nullable=False, default=""),
    Index("ix_vat_transfers_document", "company", "document_source_id"),
    Index("ix_vat_transfers_date", "company", "transfer_date"),
)

# Receipts matched in Sage (typed there, not posted by sagesync) sent to the platform as payments: the
# outbox of the return flow. One row per (receipt line, invoice): sent once, retried until acknowledged.
settlements_sent = Table(
    "settlements_sent",
    metadata,
    Column("company", String(80), primary_key=True),
    Column("sage_key", String(60), primary_key=True),  # EC<EC_No> of the receipt line, + the invoice when split
    Column("document_source_id", String(40), nullable=False),
    Column("invoice_number", String(40), nullable=False),
    Column("settled_on", Date, nullable=False),
    Column("amount", String(24), nullable=False),  # euros, exact Decimal text
    Column("state", String(12), nullable=False),  # pending, sent, on_platform (it had it already)
    Column("platform_id", String(40), nullable=False, default=""),  # the platform's payment: never posted back
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("run_id", Integer, nullable=False),
    Index("ix_settlements_state", "company", "state"),
)

# The last matching letter sagesync gave each tiers' lines.
letter_sequences = Table(
    "letter_sequences",
    metadata,
    Column("company", String(80), primary_key=True),
    Column("tiers", String(17), primary_key=True),
    Column("last_letter", String(3), nullable=False),
)

journal_sequences = Table(
    "journal_sequences",
    metadata,
    Column("company", String(80), primary_key=True),
    Column("journal", String(6), primary_key=True),
    Column("last_number", Integer, nullable=False),
)

# Last verdict per document, for the status views (posted, blocked, ignored, changed...).
document_states = Table(
    "document_states",
    metadata,
    Column("company", String(80), primary_key=True),
    Column("source_id", String(40), primary_key=True),
    Column("number", String(40), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("verdict", String(24), nullable=False),
    Column("version", String(32), nullable=False),
    Column("run_id", Integer, nullable=False),
    Column("seen_at", DateTime, nullable=False),
    Index("ix_document_states_date", "company", "issue_date", "number"),
    # The documents page filtered on a verdict (blocked, ready...), in page order.
    Index("ix_document_states_verdict", "company", "verdict", "issue_date", "number"),
    # What the state counts and a text search read, from this index alone: in source_id order, the
    # look-ups into the postings' (company, source_id) key come in that key's order, a cached walk.
    Index("ix_document_states_source", "company", "source_id", "verdict", "issue_date", "number"),
)

# The current findings of each record: replaced when the record is checked again, never appended
# per run, so what the pages read stays the size of the books, not of their history.
findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, nullable=False),
    Column("company", String(80), nullable=False),
    Column("kind", String(10), nullable=False, default="document"),  # document, customer, project, setup
    Column("source_id", String(40), nullable=False),
    Column("document", String(120), nullable=False),
    Column("field", String(60), nullable=False),
    Column("code", String(40), nullable=False),
    Column("severity", String(10), nullable=False),
    Column("message", Text, nullable=False),
    Column("fix", Text, nullable=False),
    Index("ix_findings_run", "run_id"),
    Index("ix_findings_record", "company", "kind", "source_id"),
    Index("ix_findings_code", "company", "code"),
)

# The findings page's order: blocking first, then warnings, then the rest. Literal SQL (no bound
# parameters), so the query's expression is the index's own and the page is read in index order.
SEVERITY_RANK = case((findings.c.severity == literal_column("'blocking'"), literal_column("0")),
                     (findings.c.severity == literal_column("'warning'"), literal_column("1")),
                     else_=literal_column("2"))
SEVERITY_RANKS = {"blocking": 0, "warning": 1}  # any other severity ranks 2
Index("ix_findings_page", findings.c.company, SEVERITY_RANK, findings.c.document, findings.c.field).ddl_if(
    dialect="sqlite")
# PostgreSQL wants an expression of an index in parentheses (it matches the query's CASE all the same).
Index("ix_findings_page", findings.c.company, Grouping(SEVERITY_RANK), findings.c.document, findings.c.field).ddl_if(
    dialect="postgresql")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("company", String(80), nullable=False),
    Column("source_id", String(40), nullable=False),
    Column("piece", String(13), nullable=False),
    Column("posted_at", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("failed_run_id", Integer),  # the run that last failed to send it: not retried in that run
    Column("acknowledged_at", DateTime),
    Column("acknowledged_by", String(40), nullable=False, default=""),
    UniqueConstraint("company", "source_id", name="uq_outbox_document"),
)


def _unbounded_on_postgresql() -> None:
    """SQLite ignores the lengths above and the ledger relies on it (a file name list, a long label kept as
    given); PostgreSQL would refuse a longer value mid-run. There every String column is VARCHAR without a
    length (the same storage as TEXT), so both databases keep what the other keeps."""
    for table in metadata.tables.values():
        for column in table.columns:
            if type(column.type) is String and column.type.length is not None:
                column.type = column.type.with_variant(String(), "postgresql")


_unbounded_on_postgresql()
