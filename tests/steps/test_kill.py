"""kill -9 in the middle of a run, again and again: every document and payment ends up in Sage exactly once.

A child process posts 1 200 invoices in batches of 7, then the payments of the first 600 (two each),
into the embedded company or import files; the parent kills it at a random instant, several times,
then lets a last run finish. Afterwards every document and every payment is in exactly one piece
(embedded) or one import file (file mode), the ledger has one posting each, the entry numbers run
without a gap in each journal, and the paid invoices' VAT on receipts was moved exactly once.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from sagesync.core.delivery import source_reference
from sagesync.ledger import schema as ledger_schema
from sagesync.sage import schema
from sagesync.sage.flagfile.layouts import FORMAT_V31
from sagesync.sage.flagfile.parser import parse_flag_file, pieces

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

COUNT = 1200
CHILD = r"""
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from sagesync.core.cash import CashSettings
from sagesync.core.payments import Payment
from sagesync.ledger.delivery import DeliveryDesk
from sagesync.ledger.store import Ledger
from sagesync.profiles.defaults import default_mapping
from sagesync.sage.company import open_company
from sagesync.sage.embedded_port import EmbeddedCompany
from sagesync.sage.file_port import ImportFile
from sagesync.sage.flagfile.layouts import FORMAT_V31
from sagesync.sage.reader import read_company_reference
from sagesync.steps.context import StepContext
from sagesync.steps.sync import sync
from tests.builders import customer, document, line, project
from tests.fakes import ListSource

folder, mode = Path(sys.argv[1]), sys.argv[2]
company_path = folder / "company.sqlite"
ledger = Ledger(folder / "ledger.sqlite")
if mode == "embedded":
    port = EmbeddedCompany(company_path, default_mapping())
else:
    engine = open_company(str(company_path))

    def reference():
        with engine.connect() as connection:
            return read_company_reference(connection, journal="VTE", plan="PROJET")

    port = ImportFile("ACME", default_mapping(), folder / "outbox", reference, FORMAT_V31, lambda: engine)
desk = DeliveryDesk(ledger, port, "ACME", analytic_plan="PROJET", company_key="embedded:kill-test")
desk.verify()
print("working", flush=True)
source = ListSource(
    customer_list=[customer("c1", "DUPONT", "Dupont SA")], project_list=[project("p1", "PRJ001", "Musée")],
    document_list=[document(line(f"{100 + n},00"), number=f"F2025-{n:04d}", source_id=str(n),
                            issue=date(2025, 2, 1 + n % 27)) for n in range(1, int(sys.argv[3]) + 1)])
for n in range(1, int(sys.argv[3]) // 2 + 1):
    ttc = (Decimal(100 + n) * Decimal("1.2")).quantize(Decimal("0.01"))
    first = (ttc * Decimal("0.4")).quantize(Decimal("0.01"))
    source.payment_list += [Payment(str(2 * n - 1), str(n), date(2025, 3, 1), first),
                            Payment(str(2 * n), str(n), date(2025, 4, 1), ttc - first)]
context = StepContext(company="ACME", mapping=default_mapping(), period_start=date(2025, 1, 1), source=source,
                      desk=desk, reports_dir=folder / "reports", batch_size=7,
                      cash=CashSettings(bank_journal="BQ1", bank_account="512000", exchange_loss_account="656000",
                                        exchange_gain_account="756000"))
sync(context)
print("done", flush=True)
"""


def _run(folder: Path, mode: str, kill_after: float | None) -> bool:
    root = Path(__file__).resolve().parents[2]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder), mode, str(COUNT)], cwd=root,
                             env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None
    if kill_after is not None:
        child.stdout.readline()  # the child is past its imports and about to post: kill it while it works
        time.sleep(kill_after)
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
    out, err = child.communicate(timeout=120)
    assert child.returncode in (0, -signal.SIGKILL), err.decode()[-2000:]
    return b"done" in out


@pytest.mark.parametrize("mode", ["embedded", "file"])
def test_kill_9_at_random_instants_never_posts_twice_nor_loses_a_document(tmp_path: Path, mode: str) -> None:
    from sagesync.sage.company import init_company

    init_company(tmp_path / "company.sqlite", "ACME").dispose()
    chance = random.Random(f"kill-{mode}")
    kills = 0
    for _ in range(6):
        if not _run(tmp_path, mode, chance.uniform(0.02, 0.6)):
            kills += 1
    assert _run(tmp_path, mode, None)
    wanted = {source_reference(str(n)) for n in range(1, COUNT + 1)}
    wanted |= {source_reference(f"P{n}") for n in range(1, COUNT + 1)}  # two payments for each of the first half
    if mode == "embedded":
        engine = create_engine(f"sqlite:///{tmp_path / 'company.sqlite'}")
        with engine.connect() as connection:
            rows = connection.execute(select(schema.F_ECRITUREC.c.EC_Reference, schema.F_ECRITUREC.c.EC_Piece)
                                      .distinct()).all()
        engine.dispose()
        delivered = Counter(reference for reference, _piece in rows)
    else:
        delivered = Counter(piece.reference for path in sorted((tmp_path / "outbox").glob("*.txt"))
                            for piece in pieces(parse_flag_file(path, FORMAT_V31)))
    assert set(delivered) == wanted and set(delivered.values()) == {1}, (kills, delivered.most_common(3))
    ledger = create_engine(f"sqlite:///{tmp_path / 'ledger.sqlite'}",
                           execution_options={"schema_translate_map": {"ledger": None}})
    with ledger.connect() as connection:
        numbers = sorted(connection.execute(select(ledger_schema.postings.c.entry_number)).scalars().all())
        moved = sum((Decimal(amount) for amount in connection.execute(
            select(ledger_schema.vat_transfers.c.amount)).scalars()), Decimal(0))
    ledger.dispose()
    assert numbers == sorted([f"VTE{n:06d}" for n in range(1, COUNT + 1)] +
                             [f"BQ1{n:06d}" for n in range(1, COUNT + 1)])
    # each paid invoice's VAT (20 % of 100 + n), moved exactly once over its two payments
    assert moved == sum((Decimal(100 + n) * Decimal("0.2") for n in range(1, COUNT // 2 + 1)), Decimal(0))
    assert kills >= 3  # the runs were really cut short (else the test proves nothing)
