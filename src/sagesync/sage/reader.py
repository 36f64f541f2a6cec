"""Read a Sage company's reference data into the snapshot the checks use.

Read-only and parameterized: every statement is a SQLAlchemy Core ``Select`` built
by a module-level function (tests compile each one for SQL Server and check that
values travel as bound parameters), and run on whatever Connection the caller
holds: the embedded SQLite company or a real Sage company on SQL Server.

Choices the checks depend on:
- accounts: only detail accounts that are not dormant. Sage takes no entry on a
  total account (CG_Type 1) or a dormant one (CG_Sommeil 1), so for the checks
  they are as good as missing;
- closed months: JM_Cloture 2 only. A partial closing (1) freezes the entries
  already there but still takes new ones, so it does not stop a post;
- currencies: the P_DEVISE slots in order, an empty slot kept as "" up to the last
  used one, so that position i+1 stays the N_Devise Sage writes on entries;
- tiers: every CT_Num whatever its type, since a supplier holding a code makes
  that code unusable for a client (CT_Num is unique).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, bindparam, func, or_, select

from sagesync.core.cash import LetteredGroups, LetteredInvoice, LetteredReceipt
from sagesync.core.delivery import HASHED_PREFIX, REFERENCE_PREFIX, HeldPiece, source_id_of
from sagesync.core.model import AnalyticSplit, DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.core.payments import PAYMENT_KEY_PREFIX
from sagesync.core.reference import AccountInfo, CompanyReference, JournalInfo, VatCodeInfo
from sagesync.sage.schema import (
    F_COMPTEA,
    F_COMPTEG,
    F_COMPTET,
    F_ECRITUREA,
    F_ECRITUREC,
    F_JMOUV,
    F_JOURNAUX,
    F_TAXE,
    MONTH_CLOSED,
    P_ANALYTIQUE,
    P_DEVISE,
    SAGE_TABLES,
)
from sagesync.storage_errors import guard_storage

DETAIL_ACCOUNT = 0  # F_COMPTEG.CG_Type
# SQL Server accepts at most 2 100 parameters per statement; stay far below.
PIECE_BATCH = 500


def accounts_select() -> Select[str, str | None, int, int, int | None]:
    return (
        select(F_COMPTEG.c.CG_Num, F_COMPTEG.c.CG_Intitule, F_COMPTEG.c.CG_Analytique, F_COMPTEG.c.CG_Devise,
               F_COMPTEG.c.N_Devise)
        .where(F_COMPTEG.c.CG_Type == DETAIL_ACCOUNT, F_COMPTEG.c.CG_Sommeil == 0)
        .order_by(F_COMPTEG.c.CG_Num)
    )


def vat_codes_select() -> Select[str, Decimal | None, str | None]:
    return select(F_TAXE.c.TA_Code, F_TAXE.c.TA_Taux, F_TAXE.c.CG_Num).order_by(F_TAXE.c.TA_Code)


def currencies_select() -> Select[int, str | None]:
    return select(P_DEVISE.c.cbIndice, P_DEVISE.c.D_CodeISO).order_by(P_DEVISE.c.cbIndice)


def journals_select() -> Select[str, str | None, int, int]:
    return select(F_JOURNAUX.c.JO_Num, F_JOURNAUX.c.JO_Intitule, F_JOURNAUX.c.JO_Type,
                  F_JOURNAUX.c.JO_Sommeil).order_by(F_JOURNAUX.c.JO_Num)


def analytic_plans_select() -> Select[str | None, int]:
    return (
        select(P_ANALYTIQUE.c.A_Intitule, P_ANALYTIQUE.c.cbIndice)
        .where(P_ANALYTIQUE.c.A_Intitule != "")
        .order_by(P_ANALYTIQUE.c.cbIndice)
    )


def closed_months_select() -> Select[str, datetime]:
    """The closed months of every journal: the sales journal's for the invoices, the bank's for the payments."""
    return (
        select(F_JMOUV.c.JO_Num, F_JMOUV.c.JM_Date)
        .where(F_JMOUV.c.JM_Cloture == MONTH_CLOSED)
        .order_by(F_JMOUV.c.JO_Num, F_JMOUV.c.JM_Date)
    )


def tiers_select() -> Select[str]:
    return select(F_COMPTET.c.CT_Num)


def sections_select(plan: str) -> Select[int, str]:
    """Sections of the plan named ``plan`` (only those the checks can need)."""
    return (
        select(F_COMPTEA.c.N_Analytique, F_COMPTEA.c.CA_Num)
        .join(P_ANALYTIQUE, P_ANALYTIQUE.c.cbIndice == F_COMPTEA.c.N_Analytique)
        .where(P_ANALYTIQUE.c.A_Intitule == plan)
    )


def existing_pieces_select() -> Select[str | None, str | None]:
    """Invoice numbers already in a journal, with the source reference of the piece that holds each (empty for
    a piece typed in Sage); run with ``journal`` and an expanding ``references`` list."""
    return (
        select(F_ECRITUREC.c.EC_RefPiece, F_ECRITUREC.c.EC_Reference)
        .where(F_ECRITUREC.c.JO_Num == bindparam("journal"),
               F_ECRITUREC.c.EC_RefPiece.in_(bindparam("references", expanding=True)))
        .distinct()
    )


def last_ec_no_select() -> Select[int]:
    return select(func.coalesce(func.max(F_ECRITUREC.c.EC_No), 0))


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _text(value: str | None) -> str:
    """A Sage text column as the checks compare it: NULL and padding read as nothing."""
    return (value or "").strip()


def read_company_reference(connection: Connection, *, journal: str, plan: str) -> CompanyReference:
    """The snapshot of what the company holds, for the sales ``journal`` and analytic ``plan``.

    Tolerates what real companies may hold and the embedded one never does (NULL
    labels, padded codes), since the same statements run on SQL Server. On an
    embedded (SQLite) company, a damaged file or tables that are not Sage's give a
    ``ConfigurationError`` naming the file; a SQL Server's errors are its caller's.
    """
    if connection.dialect.name != "sqlite":
        return _read_company_reference(connection, journal=journal, plan=plan)
    location = connection.engine.url.database or "(in memory)"
    with guard_storage(location, "Sage company", tables=[table.name for table in SAGE_TABLES]):
        return _read_company_reference(connection, journal=journal, plan=plan)


def _read_company_reference(connection: Connection, *, journal: str, plan: str) -> CompanyReference:
    currency_by_slot = {index: _text(iso).upper() for index, iso in connection.execute(currencies_select())}
    last = max((index for index, iso in currency_by_slot.items() if iso), default=0)
    currencies = tuple(currency_by_slot.get(index, "") for index in range(1, last + 1))

    def account_currency(position: int | None) -> str:
        if not position:
            return ""  # N_Devise 0: any currency
        # A slot that holds no currency matches no document, so the check refuses the account.
        return currency_by_slot.get(position) or f"N_Devise {position}"

    accounts = {
        _text(number): AccountInfo(_text(number), _text(label), analytic=bool(analytic),
                                   currency_entry=bool(currency_entry), currency=account_currency(position))
        for number, label, analytic, currency_entry, position in connection.execute(accounts_select())
    }
    vat_codes = {
        _text(code): VatCodeInfo(_text(code), rate if rate is not None else Decimal(0), _text(account))
        for code, rate, account in connection.execute(vat_codes_select())
    }
    journals = {
        _text(code): JournalInfo(_text(code), _text(label), journal_type, dormant=bool(dormant))
        for code, label, journal_type, dormant in connection.execute(journals_select())
    }
    plans: dict[str, int] = {}
    for name, index in connection.execute(analytic_plans_select()):
        plans.setdefault(_text(name), index)  # first slot wins if a name is repeated
    closed = frozenset(
        (_text(code), _as_date(month).replace(day=1))
        for code, month in connection.execute(closed_months_select())
    )
    tiers = frozenset(_text(code) for (code,) in connection.execute(tiers_select()))
    sections = frozenset((index, _text(code)) for index, code in connection.execute(sections_select(plan)))
    return CompanyReference(
        accounts=accounts, vat_codes=vat_codes, currencies=currencies, journals=journals,
        analytic_plans=plans, closed_months=closed, tiers=tiers, sections=sections,
    )


def existing_pieces(connection: Connection, journal: str, references: Sequence[str]) -> dict[str, str]:
    """The ``references`` (EC_RefPiece values) already in ``journal`` -> the source reference (EC_Reference)
    of a piece holding each ("" for a piece typed in Sage), looked up in batches."""
    wanted = list(dict.fromkeys(references))
    found: dict[str, str] = {}
    statement = existing_pieces_select()
    for start in range(0, len(wanted), PIECE_BATCH):
        batch = wanted[start:start + PIECE_BATCH]
        for number, holder in connection.execute(statement, {"journal": journal, "references": batch}):
            if number is not None:
                found.setdefault(_text(number).upper(), _text(holder))
    return found


def next_ec_no(connection: Connection) -> int:
    """The first free EC_No (MAX + 1, as Sage does: EC_No is not an identity column).

    Call it inside the transaction that inserts the lines, so no other writer slips in between.
    """
    last = connection.execute(last_ec_no_select()).scalar_one()
    return int(last) + 1


# --- what sagesync posted, as the company holds it (ledger cross-check and rebuild) -------------


def _sagesync_reference_range() -> ColumnElement[bool]:
    """EC_Reference starting with a sagesync prefix, as ranges an index can serve (LIKE may not)."""
    column = F_ECRITUREC.c.EC_Reference
    return or_(*(and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))
                 for prefix in (REFERENCE_PREFIX, HASHED_PREFIX)))


def held_references_select() -> Select[str | None]:
    """Which of an expanding ``references`` list the company holds, in any journal."""
    return (select(F_ECRITUREC.c.EC_Reference)
            .where(F_ECRITUREC.c.EC_Reference.in_(bindparam("references", expanding=True))).distinct())


def sagesync_references_select() -> Select[str | None]:
    """Every source reference sagesync left in the company."""
    return select(F_ECRITUREC.c.EC_Reference).where(_sagesync_reference_range()).distinct()


def sagesync_lines_select() -> Select[Any]:
    """The lines of every piece sagesync posted, in EC_No order (a piece's lines are consecutive)."""
    return (select(F_ECRITUREC.c.EC_No, F_ECRITUREC.c.JO_Num, F_ECRITUREC.c.EC_Date, F_ECRITUREC.c.EC_Piece,
                   F_ECRITUREC.c.EC_RefPiece, F_ECRITUREC.c.EC_Reference, F_ECRITUREC.c.CG_Num,
                   F_ECRITUREC.c.CT_Num, F_ECRITUREC.c.EC_Intitule, F_ECRITUREC.c.EC_Echeance,
                   F_ECRITUREC.c.EC_Sens, F_ECRITUREC.c.EC_Montant, F_ECRITUREC.c.N_Devise,
                   F_ECRITUREC.c.EC_Devise, F_ECRITUREC.c.TA_Code)
            .where(_sagesync_reference_range()).order_by(F_ECRITUREC.c.EC_No))


def analytic_of_select() -> Select[Any]:
    """Analytic splits of an expanding ``numbers`` list of EC_No, with their plan's name."""
    return (select(F_ECRITUREA.c.EC_No, P_ANALYTIQUE.c.A_Intitule, F_ECRITUREA.c.CA_Num, F_ECRITUREA.c.EA_Montant)
            .join(P_ANALYTIQUE, P_ANALYTIQUE.c.cbIndice == F_ECRITUREA.c.N_Analytique)
            .where(F_ECRITUREA.c.EC_No.in_(bindparam("numbers", expanding=True)))
            .order_by(F_ECRITUREA.c.EC_No, F_ECRITUREA.c.N_Analytique, F_ECRITUREA.c.EA_Ligne))


def held_references(connection: Connection, references: Collection[str]) -> set[str]:
    """The source references (EC_Reference) of ``references`` that the company holds."""
    wanted = list(dict.fromkeys(references))
    found: set[str] = set()
    statement = held_references_select()
    for start in range(0, len(wanted), PIECE_BATCH):
        rows = connection.execute(statement, {"references": wanted[start:start + PIECE_BATCH]})
        found.update(_text(reference) for (reference,) in rows if reference)
    return found


def sagesync_references(connection: Connection) -> set[str]:
    return {_text(reference) for (reference,) in connection.execute(sagesync_references_select()) if reference}


def line_role(account: str, tiers: str, vat_code: str) -> LineRole:
    """A line read back from Sage: the tiers line is the customer's, a 445 line with a tax code is VAT."""
    if tiers:
        return LineRole.CUSTOMER
    if vat_code and account.startswith("445"):
        return LineRole.VAT
    return LineRole.REVENUE


def is_cash_key(source_id: str) -> bool:
    """A payment's key (P + the platform's id) or a month's VAT entry (TVA + YYYYMM), never a document id."""
    return (source_id.startswith(PAYMENT_KEY_PREFIX) and source_id[1:].isdigit()) or (
        source_id.startswith("TVA") and source_id[3:].isdigit())


def cash_line_role(line: EntryLine) -> LineRole:
    """A line of a payment read back: the tiers line, VAT moved, the bank, or an exchange difference."""
    if line.tiers:
        return LineRole.CUSTOMER
    if line.account.startswith("445"):
        return LineRole.VAT_TRANSFER
    if line.account.startswith(("51", "53")):
        return LineRole.BANK
    return LineRole.EXCHANGE


def letters_in_use(connection: Connection, tiers: Collection[str]) -> dict[str, list[str]]:
    """The matching letters the company's lines of these tiers carry (Sage's own and sagesync's)."""
    wanted = sorted(set(tiers))
    found: dict[str, list[str]] = {}
    for start in range(0, len(wanted), PIECE_BATCH):
        rows = connection.execute(
            select(F_ECRITUREC.c.CT_Num, F_ECRITUREC.c.EC_Lettrage)
            .where(F_ECRITUREC.c.CT_Num.in_(wanted[start:start + PIECE_BATCH]),
                   F_ECRITUREC.c.EC_Lettrage.is_not(None), F_ECRITUREC.c.EC_Lettrage != "").distinct())
        for code, letter in rows:
            found.setdefault(_text(code), []).append(_text(letter))
    return found


TREASURY_JOURNAL = 2  # F_JOURNAUX.JO_Type


def lettered_receipts(connection: Connection) -> LetteredGroups:
    """Receipts matched in Sage with invoices sagesync posted: per (account, tiers, letter), the invoices'
    debit lines carrying a sagesync reference and the credit lines of treasury journals that do not (typed
    in Sage, not posted by sagesync). Read in full: the ledger keeps what was already sent."""
    invoice = F_ECRITUREC.alias("invoice")
    receipt = F_ECRITUREC.alias("receipt")
    column = invoice.c.EC_Reference
    ours = or_(*(and_(column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1))
                 for prefix in (REFERENCE_PREFIX, HASHED_PREFIX)))
    foreign = or_(receipt.c.EC_Reference.is_(None), ~or_(*(receipt.c.EC_Reference.startswith(prefix)
                                                           for prefix in (REFERENCE_PREFIX, HASHED_PREFIX))))
    query = (select(invoice.c.CG_Num, invoice.c.CT_Num, invoice.c.EC_Lettrage, invoice.c.EC_Reference,
                    invoice.c.EC_RefPiece, invoice.c.EC_Date, invoice.c.EC_Montant, receipt.c.EC_No,
                    receipt.c.EC_Date.label("receipt_date"), receipt.c.EC_Montant.label("receipt_amount"))
             .select_from(invoice.join(receipt, and_(receipt.c.CG_Num == invoice.c.CG_Num,
                                                     receipt.c.CT_Num == invoice.c.CT_Num,
                                                     receipt.c.EC_Lettrage == invoice.c.EC_Lettrage))
                          .join(F_JOURNAUX, F_JOURNAUX.c.JO_Num == receipt.c.JO_Num))
             .where(ours, invoice.c.EC_Sens == 0, invoice.c.EC_Lettrage.is_not(None), invoice.c.EC_Lettrage != "",
                    invoice.c.CT_Num.is_not(None), invoice.c.CT_Num != "", receipt.c.EC_Sens == 1, foreign,
                    F_JOURNAUX.c.JO_Type == TREASURY_JOURNAL))
    groups: LetteredGroups = {}
    seen: dict[tuple[str, str, str], tuple[set[str], set[str]]] = {}
    for row in connection.execute(query):
        key = (_text(row.CG_Num), _text(row.CT_Num), _text(row.EC_Lettrage))
        invoices, receipts = groups.setdefault(key, ([], []))
        known_invoices, known_receipts = seen.setdefault(key, (set(), set()))
        reference = _text(row.EC_Reference)
        if reference not in known_invoices:
            known_invoices.add(reference)
            invoices.append(LetteredInvoice(reference, _text(row.EC_RefPiece), _as_date(row.EC_Date),
                                            Decimal(row.EC_Montant)))
        receipt_key = f"EC{row.EC_No}"
        if receipt_key not in known_receipts:
            known_receipts.add(receipt_key)
            receipts.append(LetteredReceipt(receipt_key, _as_date(row.receipt_date), Decimal(row.receipt_amount)))
    return groups


def held_pieces(connection: Connection, currencies: Sequence[str]) -> Iterator[HeldPiece]:
    """Every piece sagesync posted, read back from F_ECRITUREC / F_ECRITUREA, streamed piece by piece."""
    rows: list[Any] = []
    for row in connection.execution_options(stream_results=True).execute(sagesync_lines_select()):
        if rows and (_text(row.EC_Reference), row.JO_Num) != (_text(rows[0].EC_Reference), rows[0].JO_Num):
            yield _held_piece(connection, rows, currencies)
            rows = []
        rows.append(row)
    if rows:
        yield _held_piece(connection, rows, currencies)


def _held_piece(connection: Connection, rows: Sequence[Any], currencies: Sequence[str]) -> HeldPiece:
    splits: dict[int, list[AnalyticSplit]] = {}
    for number, plan, section, amount in connection.execute(analytic_of_select(),
                                                            {"numbers": [row.EC_No for row in rows]}):
        splits.setdefault(number, []).append(AnalyticSplit(_text(plan), _text(section), Decimal(amount)))
    first = rows[0]
    lines = []
    for row in rows:
        currency = currencies[row.N_Devise - 1] if 0 < row.N_Devise <= len(currencies) else ""
        lines.append(EntryLine(
            role=line_role(_text(row.CG_Num), _text(row.CT_Num), _text(row.TA_Code)), account=_text(row.CG_Num),
            side=Side.DEBIT if row.EC_Sens == 0 else Side.CREDIT, amount=Decimal(row.EC_Montant),
            label=_text(row.EC_Intitule), tiers=_text(row.CT_Num), vat_code=_text(row.TA_Code),
            due_date=_as_date(row.EC_Echeance) if row.EC_Echeance is not None else None, currency=currency,
            currency_amount=Decimal(row.EC_Devise) if currency else None,
            analytic=tuple(splits.get(row.EC_No, ()))))
    return held_piece(_text(first.EC_Reference), _text(first.JO_Num), _as_date(first.EC_Date),
                      _text(first.EC_Piece), _text(first.EC_RefPiece), lines,
                      where=f"EC_No {rows[0].EC_No}-{rows[-1].EC_No}")


def held_piece(reference: str, journal: str, entry_date: date, piece: str, invoice_number: str,
               lines: Sequence[EntryLine], *, where: str, in_company: bool = True) -> HeldPiece:
    """A piece read back (from the company or an import file) as the entry sagesync posted."""
    customer = next((line for line in lines if line.role is LineRole.CUSTOMER), None)
    source_id = source_id_of(reference) or reference
    if is_cash_key(source_id):  # a payment (P + id) or a month's VAT on receipts (TVA + month): the bank's side
        kind = DocumentKind.PAYMENT
        lines = [replace(line, role=cash_line_role(line)) for line in lines]
    else:
        kind = (DocumentKind.CREDIT_NOTE if customer is not None and customer.side is Side.CREDIT
                else DocumentKind.INVOICE)
    entry = JournalEntry(journal=journal, entry_date=entry_date, piece=piece, invoice_number=invoice_number,
                         label=lines[0].label if lines else "", source_id=source_id,
                         kind=kind, lines=tuple(lines))
    return HeldPiece(reference, journal, piece, invoice_number, entry, where=where, in_company=in_company)
