"""What the demo's accountant does in Sage between two syncs: bank receipts typed and matched (lettrage).

The sample firm's platform leaves a few posted invoices unpaid; here, as a firm that matches its bank
statement in Sage would, the demo types a bank receipt for three of them in the embedded company's bank
journal and letters it with the invoice. The next step (Send settlements) finds them and records the
payments on the platform. Done once per workspace: a second demo finds them already there.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, select, update

from sagesync.core.cash import letter_rank, next_letter
from sagesync.core.model import DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.sage import schema
from sagesync.sage.company import open_company
from sagesync.sage.reader import next_ec_no
from sagesync.sage.rows import entry_rows

RECEIPT_PIECE = "RELEVE"  # EC_Piece of the receipts the demo types: how it knows it did it already
BANK_JOURNAL, BANK_ACCOUNT = "BQ1", "512000"


def match_receipts_in_sage(company_path: Path, count: int = 3) -> int:
    """Type and letter ``count`` receipts for unpaid posted invoices; 0 when done before. Returns how many."""
    engine = open_company(str(company_path))
    lines = schema.F_ECRITUREC.c
    try:
        with engine.begin() as connection:
            if connection.execute(select(lines.EC_No).where(lines.EC_Piece.startswith(RECEIPT_PIECE))).first():
                return 0
            open_invoices = connection.execute(
                select(lines.EC_Reference, lines.CG_Num, lines.CT_Num, lines.EC_Montant, lines.EC_Date,
                       lines.EC_RefPiece)
                .where(lines.JO_Num == "VTE", lines.EC_Sens == 0, lines.CT_Num.is_not(None), lines.CT_Num != "",
                       lines.EC_Reference.startswith("OOTI-"),
                       and_(lines.EC_Lettrage.is_(None) | (lines.EC_Lettrage == "")))
                .order_by(lines.EC_Date.desc(), lines.EC_No.desc()).limit(count)).all()
            typed = 0
            for number, invoice in enumerate(open_invoices, start=1):
                amount = Decimal(invoice.EC_Montant).quantize(Decimal("0.01"))
                label = f"Virement reçu {invoice.EC_RefPiece}"[:69]
                day = invoice.EC_Date.date() + timedelta(days=21)
                entry = JournalEntry(BANK_JOURNAL, day, f"{RECEIPT_PIECE}{number}", invoice.EC_RefPiece, label, "",
                                     DocumentKind.PAYMENT, (
                                         EntryLine(LineRole.BANK, BANK_ACCOUNT, Side.DEBIT, amount, label),
                                         EntryLine(LineRole.CUSTOMER, invoice.CG_Num, Side.CREDIT, amount, label,
                                                   tiers=invoice.CT_Num)))
                used = connection.execute(select(lines.EC_Lettrage).where(
                    lines.CT_Num == invoice.CT_Num, lines.EC_Lettrage.is_not(None))).scalars().all()
                letter = next_letter(max((text for text in used if text), key=letter_rank, default="")) or "A"
                rows, _analytic = entry_rows(entry, first_ec_no=next_ec_no(connection), plan_numbers={},
                                             currency_numbers={})
                for row in rows:  # typed in Sage: no sagesync reference; the client's line is matched
                    row["EC_Reference"] = None
                    row["EC_Lettrage"], row["EC_Lettre"] = (letter, 1) if row["CT_Num"] else (None, 0)
                connection.execute(schema.F_ECRITUREC.insert(), rows)
                connection.execute(update(schema.F_ECRITUREC).where(
                    lines.EC_Reference == invoice.EC_Reference, lines.CT_Num == invoice.CT_Num,
                    lines.CG_Num == invoice.CG_Num).values(EC_Lettrage=letter, EC_Lettre=1))
                typed += 1
            return typed
    finally:
        engine.dispose()
