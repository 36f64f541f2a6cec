"""The entries of a Sage company as an FEC source: the whole company, for any period.

Reads ``F_ECRITUREC`` (entry lines) with the labels of ``F_COMPTEG`` (accounts),
``F_COMPTET`` (tiers) and ``F_JOURNAUX`` (journals), through the table objects of
``sagesync.sage.schema``: the embedded SQLite company and a real SQL Server company
share the code. Read-only.

What Sage does not store, decided here:
- **EcritureNum**: Sage numbers lines (``EC_No``), not entries. Pieces are numbered per
  journal from 1 within the exported period, in ``EC_No`` order (the order Sage received
  them), with ``format_entry_number``: an export of a financial year is one continuous
  sequence per journal. Lines are grouped into a piece while journal, ``EC_Piece`` and date
  stay the same.
- **ValidDate**: the company keeps no validation date, so it is the entry date.
  (``cbModification`` moves on any later change, matching included: not a validation date.)
- The entry date is ``JM_Date + EC_Jour - 1`` as Sage reads it (``EC_Date`` when
  ``EC_Jour`` is missing); the period is filtered on ``JM_Date`` in SQL (month bounds, which
  both back ends index) and to the day in Python.
- Montantdevise / Idevise come from ``EC_Devise`` and ``N_Devise`` (the P_DEVISE position)
  when the line is in a foreign currency.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, RowMapping, Select, select

from sagesync.core.model import DocumentKind, EntryLine, JournalEntry, LineRole, Side
from sagesync.fec.writer import FecEntry
from sagesync.ledger.numbering import format_entry_number
from sagesync.sage.schema import F_COMPTEG, F_COMPTET, F_ECRITUREC, F_JOURNAUX, P_DEVISE

CREDIT_SENS = 1  # EC_Sens: 0 débit, 1 crédit
FETCH_ROWS = 2000  # rows per fetch: memory stays flat however long the period
_E = F_ECRITUREC.c


class CompanyFecSource:
    """An FecEntrySource over the entry lines of a Sage company."""

    def __init__(self, engine: Engine, journal_codes: Collection[str] | None = None, siren: str = "") -> None:
        self.engine = engine
        self.journal_codes = sorted(journal_codes) if journal_codes is not None else None
        self._siren = siren

    @property
    def siren(self) -> str:
        return self._siren

    def close(self) -> None:
        self.engine.dispose()

    def account_labels(self) -> Mapping[str, str]:
        return self._labels(select(F_COMPTEG.c.CG_Num, F_COMPTEG.c.CG_Intitule))

    def tiers_names(self) -> Mapping[str, str]:
        return self._labels(select(F_COMPTET.c.CT_Num, F_COMPTET.c.CT_Intitule))

    def journal_labels(self) -> Mapping[str, str]:
        return self._labels(select(F_JOURNAUX.c.JO_Num, F_JOURNAUX.c.JO_Intitule))

    def _labels(self, query: Select[Any, Any]) -> dict[str, str]:
        # A real SQL company pads codes and may hold NULL labels.
        with self.engine.connect() as connection:
            return {str(code).strip(): (label or "").strip() for code, label in connection.execute(query) if code}

    def currencies(self) -> dict[int, str]:
        """N_Devise -> ISO code of the used P_DEVISE slots."""
        query = select(P_DEVISE.c.cbIndice, P_DEVISE.c.D_CodeISO)
        with self.engine.connect() as connection:
            return {int(index): code.strip() for index, code in connection.execute(query) if code and code.strip()}

    def lines_select(self, start: date, end: date) -> Select[Any]:
        query = (
            select(_E.JO_Num, _E.EC_No, _E.JM_Date, _E.EC_Jour, _E.EC_Date, _E.EC_Piece, _E.EC_RefPiece, _E.CG_Num,
                   _E.CT_Num, _E.EC_Intitule, _E.EC_Sens, _E.EC_Montant, _E.N_Devise, _E.EC_Devise)
            .where(_E.JM_Date >= datetime(start.year, start.month, 1), _E.JM_Date <= datetime(end.year, end.month, 1))
            .order_by(_E.JO_Num, _E.EC_No)
        )  # fmt: skip
        if self.journal_codes is not None:
            query = query.where(_E.JO_Num.in_(self.journal_codes))
        return query

    def fec_entries(self, start: date, end: date) -> Iterator[FecEntry]:
        """The pieces dated in [start, end], journal by journal, numbered per journal from 1."""
        journal_labels = self.journal_labels()
        currencies = self.currencies()
        sequences: dict[str, int] = {}
        piece: _PieceRows | None = None
        with self.engine.connect() as connection:
            result = connection.execution_options(stream_results=True, yield_per=FETCH_ROWS).execute(
                self.lines_select(start, end)
            )
            for row in result.mappings():
                day = _entry_date(row)
                if not start <= day <= end:
                    continue
                journal = str(row["JO_Num"]).strip()
                key = (journal, str(row["EC_Piece"] or "").strip(), day)
                if piece is None or piece.key != key:
                    if piece is not None:
                        yield piece.fec_entry(sequences, journal_labels)
                    piece = _PieceRows(key, str(row["EC_RefPiece"] or "").strip(), int(row["EC_No"]))
                piece.lines.append(_line(row, currencies))
        if piece is not None:
            yield piece.fec_entry(sequences, journal_labels)


class _PieceRows:
    """The lines of one piece while they are read."""

    def __init__(self, key: tuple[str, str, date], reference: str, first_ec_no: int) -> None:
        self.key = key
        self.reference = reference
        self.first_ec_no = first_ec_no
        self.lines: list[EntryLine] = []

    def fec_entry(self, sequences: dict[str, int], journal_labels: Mapping[str, str]) -> FecEntry:
        journal, piece, day = self.key
        sequence = sequences[journal] = sequences.get(journal, 0) + 1
        label = next((line.label for line in self.lines if line.label), "")
        entry = JournalEntry(
            journal=journal,
            entry_date=day,
            piece=piece,
            invoice_number=self.reference or piece,
            label=label,
            source_id=f"EC_No {self.first_ec_no}",
            kind=DocumentKind.INVOICE,  # Sage does not say; the FEC does not ask
            lines=tuple(self.lines),
        )
        return FecEntry(entry, format_entry_number(journal, sequence), day, journal_labels.get(journal, journal))


def _entry_date(row: RowMapping) -> date:
    journal_month, day_of_month = row["JM_Date"], row["EC_Jour"]
    if journal_month is not None and day_of_month:
        return _as_date(journal_month) + timedelta(days=int(day_of_month) - 1)
    return _as_date(row["EC_Date"])


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _line(row: RowMapping, currencies: Mapping[int, str]) -> EntryLine:
    account = str(row["CG_Num"]).strip()
    tiers = str(row["CT_Num"] or "").strip()
    role = LineRole.CUSTOMER if tiers else LineRole.VAT if account.startswith("445") else LineRole.REVENUE
    currency = currencies.get(int(row["N_Devise"] or 0), "")
    currency_amount: Decimal | None = row["EC_Devise"] if currency and row["EC_Devise"] else None
    return EntryLine(
        role=role,
        account=account,
        side=Side.CREDIT if row["EC_Sens"] == CREDIT_SENS else Side.DEBIT,
        amount=Decimal(row["EC_Montant"]),
        label=str(row["EC_Intitule"] or "").strip(),
        tiers=tiers,
        currency=currency if currency_amount is not None else "",
        currency_amount=currency_amount,
    )
