"""The file target: one Sage import file per run, for a person to import in Sage.

Exactly-once without a shared transaction, by an intent record:

1. while the run checks and posts, each batch records its postings in the
   ledger in state ``pending`` (with their entry lines and EcritureNum);
2. at the end of the run the file is written from those ledger rows to
   ``<name>.part`` and renamed (atomic), then the postings become ``written``;
3. a run that died between 1 and 2 leaves ``pending`` postings: the next run
   first writes their file from the ledger and marks them ``written``.

So a document is in exactly one file, and its entry number is never lost or
reused. Nothing is re-written to another file unless the user re-issues that
run's file (``reissue``). ``confirm`` finds written pieces in F_ECRITUREC once
Sage imported them and marks them ``in_sage``; only then is the write-back sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, select, update

from sagesync.core.mapping import AccountMapping
from sagesync.core.model import Customer, JournalEntry, Project
from sagesync.core.reference import CompanyReference
from sagesync.ledger import store
from sagesync.ledger.schema import postings
from sagesync.ledger.store import Ledger
from sagesync.sage.flagfile.layouts import FormatProfile
from sagesync.sage.flagfile.writer import WriteResult, new_records, write_import_file
from sagesync.sage.reader import existing_pieces
from sagesync.sage.rows import reference_piece

PENDING = "pending"
WRITTEN = "written"
IN_SAGE = "in_sage"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "company"


class FileTarget:
    name = "file"
    posted_state = PENDING

    def __init__(self, company: str, mapping: AccountMapping, ledger: Ledger, outbox: Path,
                 read_reference: Callable[[], CompanyReference], fmt: FormatProfile) -> None:
        self.company = company
        self.mapping = mapping
        self.ledger = ledger
        self.outbox = outbox
        self.fmt = fmt
        self._read_reference = read_reference
        self._reference: CompanyReference | None = None
        self._customers: list[Customer] = []
        self._projects: list[Project] = []

    def file_path(self, run_id: int) -> Path:
        return self.outbox / f"{_slug(self.company)}-run{run_id:05d}.txt"

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.ledger.engine.begin() as connection:
            yield connection

    def reference(self, connection: Connection) -> CompanyReference:
        return self._company()

    def _company(self) -> CompanyReference:
        """Read once per job: the company (SQL or export file) is not the ledger."""
        if self._reference is None:
            self._reference = self._read_reference()
        return self._reference

    def create_tiers(self, connection: Connection, customers: Sequence[Customer]) -> None:
        self._customers += customers

    def create_sections(self, connection: Connection, projects: Sequence[Project], plan_number: int) -> None:
        self._projects += projects

    def post_entries(self, connection: Connection, entries: Sequence[JournalEntry],
                     reference: CompanyReference) -> list[str]:
        return [""] * len(entries)  # the file is written from the ledger when the run ends

    # --- run boundaries -------------------------------------------------------------------------

    def start_run(self, run_id: int) -> dict[str, Path]:
        """Finish what a run that died left pending: write its file, from the ledger."""
        with self.ledger.connect() as connection:
            runs = connection.execute(select(postings.c.run_id).distinct().where(
                postings.c.company == self.company, postings.c.state == PENDING,
                postings.c.run_id != run_id)).scalars().all()
        return {f"recovered import file (run {old})": self._write_run(old) for old in runs}

    def finish_run(self, run_id: int) -> dict[str, Path]:
        with self.ledger.connect() as connection:
            pending = connection.execute(select(postings.c.id).where(
                postings.c.company == self.company, postings.c.run_id == run_id,
                postings.c.state == PENDING).limit(1)).first()
        if pending is None and not self._customers and not self._projects:
            return {}
        return {"import file": self._write_run(run_id)}

    def _write_run(self, run_id: int, states: tuple[str, ...] = (PENDING,)) -> Path:
        reference = self._company()
        plan_number = reference.analytic_plans.get(self.mapping.analytic_plan, 0)
        customers, projects = new_records(self._customers, self._projects, reference, plan_number)
        self.outbox.mkdir(parents=True, exist_ok=True)
        path = self.file_path(run_id)
        with self.ledger.connect() as connection:
            entries = (entry for entry, _number, _validated in store.posted_entries(
                connection, self.company, date.min, date.max, states=states, run_id=run_id))
            self.last_result: WriteResult = write_import_file(
                path, entries=entries, new_customers=customers, new_projects=projects,
                collective_account=self.mapping.collective_account, plan_number=plan_number,
                currency_numbers={code: index + 1 for index, code in enumerate(reference.currencies) if code},
                fmt=self.fmt)
        with self.ledger.engine.begin() as connection:
            connection.execute(update(postings).where(
                postings.c.company == self.company, postings.c.run_id == run_id,
                postings.c.state.in_(states)).values(state=WRITTEN, target_ref=path.name))
        self._customers, self._projects = [], []
        return path

    def reissue(self, run_id: int) -> Path:
        """Write that run's file again from the ledger, on the user's explicit request.

        Only the pieces Sage does not hold yet (``written``): a piece ``confirm`` found
        in Sage is left out, so re-importing the file cannot post it twice.
        """
        return self._write_run(run_id, states=(WRITTEN,))

    def dispose(self) -> None:
        return None


def confirm_in_sage(ledger: Ledger, company: str, sage: Connection, journal: str) -> tuple[int, int]:
    """Mark written pieces that Sage now holds (F_ECRITUREC) as in_sage: (confirmed, still waiting)."""
    with ledger.connect() as connection:
        written = [dict(row) for row in connection.execute(select(
            postings.c.source_id, postings.c.number).where(
            postings.c.company == company, postings.c.state == WRITTEN)).mappings()]
    if not written:
        return 0, 0
    found = existing_pieces(sage, journal, [reference_piece(row["number"]) for row in written])
    confirmed = [row["source_id"] for row in written if reference_piece(row["number"]) in found]
    with ledger.engine.begin() as connection:
        store.set_state(connection, company, confirmed, IN_SAGE)
    return len(confirmed), len(written) - len(confirmed)
