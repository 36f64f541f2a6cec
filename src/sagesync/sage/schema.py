"""The Sage 100 SQL tables the connector reads and the embedded company writes.

One ``MetaData`` written with SQLAlchemy Core, so the same table objects serve the
embedded SQLite company and a real Sage company on SQL Server. Table and column
names, sizes and codes follow shared/reference/sage100.md §3 (and §2 for codes):

- ``F_COMPTEG`` general accounts, ``F_COMPTET`` tiers, ``F_COMPTEA`` analytic sections;
- ``P_ANALYTIQUE`` the 11 analytic plans (``cbIndice`` is ``N_Analytique``), ``P_DEVISE``
  the 32 currency slots (``cbIndice`` is ``N_Devise``), ``P_DOSSIER`` the company itself;
- ``F_JOURNAUX`` journals, ``F_JMOUV`` journal-month state (how Sage closes a period
  per journal), ``F_TAXE`` tax codes;
- ``F_ECRITUREC`` entry lines and ``F_ECRITUREA`` their analytic allocations.

Only the columns the connector uses, plus every column §3 lists for ``F_ECRITUREC``.
Columns the connector never fills carry a server default (0, as Sage stores them),
so bulk inserts send only what matters. ``cbMarq`` is the technical key (an identity
on SQL Server, not stable across Sage updates: never refer to it); ``EC_No`` is the
entry-line number, unique but not an identity (Sage and integrators take MAX + 1).

Amounts use ``Money``: NUMERIC(24, 6) on SQL Server like Sage, and exact decimal
text on SQLite, whose NUMERIC affinity would turn them into binary floats.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

MONEY_SCALE = 6  # NUMERIC(24, 6): the scale of every Sage amount column
MONEY_PRECISION = 24
_SMALLEST_STEP = Decimal(1).scaleb(-MONEY_SCALE)
_LARGEST = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)

# Field limits (sage100.md §2.2-§2.5, §3); the row builders truncate or refuse with these.
ACCOUNT_LIMIT = 13  # CG_Num
TIERS_CODE_LIMIT = 17  # CT_Num
TIERS_NAME_LIMIT = 69  # CT_Intitule since v12 (older versions: 35)
SECTION_CODE_LIMIT = 13  # CA_Num
SECTION_NAME_LIMIT = 35  # CA_Intitule
JOURNAL_LIMIT = 6  # JO_Num
PIECE_LIMIT = 13  # EC_Piece
REFERENCE_LIMIT = 17  # EC_RefPiece, EC_Reference
ENTRY_LABEL_LIMIT = 69  # EC_Intitule
TAX_CODE_LIMIT = 5  # TA_Code
MONTH_CLOSED = 2  # F_JMOUV.JM_Cloture: 0 open, 1 partially closed, 2 closed
ANALYTIC_PLAN_SLOTS = 11  # P_ANALYTIQUE is a fixed table of 11 plans
CURRENCY_SLOTS = 32  # P_DEVISE is a fixed table of 32 currencies


class MoneyError(ValueError):
    """A value cannot be stored exactly in a Sage amount column."""


def _exact_money(value: object) -> Decimal:
    """The Decimal to store, refusing anything NUMERIC(24, 6) would round or overflow.

    SQL Server would silently round a seventh decimal; refusing it on both back ends
    keeps the embedded company and a real one giving the same cents.
    """
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise MoneyError(f"amount {value!r} ({type(value).__name__}) is not a Decimal; floats are never stored")
    amount = Decimal(value)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -MONEY_SCALE and abs(amount) < _LARGEST:
        return amount  # the common case, decided from the digits as written: no rounding can happen
    if not amount.is_finite() or abs(amount) >= _LARGEST:
        raise MoneyError(f"amount {amount} does not fit NUMERIC({MONEY_PRECISION}, {MONEY_SCALE})")
    try:
        exact = amount.quantize(_SMALLEST_STEP) == amount
    except InvalidOperation:
        exact = False
    if not exact:
        raise MoneyError(f"amount {amount} has more than {MONEY_SCALE} decimal places")
    return amount


class Money(TypeDecorator[Decimal]):
    """A Sage amount: NUMERIC(24, 6) on SQL Server, exact decimal text on SQLite; always Decimal."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            # TEXT affinity keeps the digits as written; NUMERIC affinity would store a REAL.
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite" and type(value) is Decimal:
            # The text stored is the check: at most 6 decimals and 18 integer digits as written, else the full rule
            # (which refuses with its message). Cheaper than the rule's quantize for the 100 000s of lines a run writes.
            text = format(value, "f")
            whole, _dot, decimals = text.lstrip("-").partition(".")
            if whole.isdigit() and len(decimals) <= MONEY_SCALE and len(whole) <= MONEY_PRECISION - MONEY_SCALE \
                    and (not decimals or decimals.isdigit()):
                return text
        amount = _exact_money(value)
        return format(amount, "f") if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):  # only a hand-edited SQLite file could hold one
            raise MoneyError(f"amount {value!r} was stored as a binary float")
        return Decimal(value)


metadata = MetaData()


def _flag(name: str) -> Column[int]:
    """A Sage small-integer code column that defaults to 0 when the connector leaves it out."""
    return Column(name, SmallInteger, nullable=False, server_default=text("0"))


def _money(name: str) -> Column[Decimal]:
    # TEXT affinity on SQLite turns the default into the text '0', NUMERIC on SQL Server into 0.
    return Column(name, Money(), nullable=False, server_default=text("0"))


def _marq() -> Column[int]:
    return Column("cbMarq", Integer, primary_key=True, autoincrement=True)


P_DOSSIER = Table(
    "P_DOSSIER", metadata,
    _marq(),
    Column("D_RaisonSoc", String(35), nullable=False),
    Column("D_CodeISO", String(3), nullable=False, server_default=text("'EUR'")),  # the company's own currency
)

F_COMPTEG = Table(
    "F_COMPTEG", metadata,
    _marq(),
    Column("CG_Num", String(ACCOUNT_LIMIT), nullable=False, unique=True),
    _flag("CG_Type"),  # 0 détail, 1 total (#MPLG field 2)
    Column("CG_Intitule", String(35), nullable=False),
    Column("CG_Classement", String(17)),
    _flag("N_Nature"),  # #MPLG field 5: 0 aucune, 1 client, 4 banque, 8 charge, 9 produit...
    _flag("CG_Report"),
    _flag("CG_Analytique"),  # 1: lines on this account take analytic allocations
    _flag("CG_Echeance"),
    _flag("CG_Lettrage"),
    _flag("CG_Tiers"),  # 1: a tiers account hangs on it (collective account)
    _flag("CG_Devise"),  # 1: foreign-currency amounts may be entered on it
    _flag("N_Devise"),  # 0 any currency, else its P_DEVISE position
    Column("TA_Code", String(TAX_CODE_LIMIT)),  # default tax code (#MPLG field 20)
    _flag("CG_Sommeil"),  # 1: dormant, takes no entries
    Column("CG_DateCreate", DateTime),
)

F_COMPTET = Table(
    "F_COMPTET", metadata,
    _marq(),
    Column("CT_Num", String(TIERS_CODE_LIMIT), nullable=False, unique=True),
    Column("CT_Intitule", String(TIERS_NAME_LIMIT), nullable=False),
    _flag("CT_Type"),  # 0 client, 1 fournisseur, 2 salarié, 3 autre
    Column("CG_NumPrinc", String(ACCOUNT_LIMIT), nullable=False),  # collective account, e.g. 411000
    Column("CT_Qualite", String(17)),
    Column("CT_Classement", String(17)),  # "abrégé", what Sage sorts lists by
    Column("CT_Contact", String(35)),
    Column("CT_Adresse", String(35)),
    Column("CT_Complement", String(35)),
    Column("CT_CodePostal", String(9)),
    Column("CT_Ville", String(35)),
    Column("CT_CodeRegion", String(25)),
    Column("CT_Pays", String(35)),
    _flag("N_Devise"),
    Column("CT_Identifiant", String(25)),  # intra-EU VAT number
    Column("CT_Siret", String(14)),
    Column("CT_NumPayeur", String(TIERS_CODE_LIMIT)),
    _flag("N_CatTarif"),
    _flag("N_CatCompta"),
    _flag("CO_No"),
    _flag("CT_Lettrage"),
    _flag("CT_Sommeil"),
    _flag("N_Analytique"),  # default analytic plan and section of the tiers
    Column("CA_Num", String(SECTION_CODE_LIMIT)),
    Column("CT_EMail", String(69)),
    Column("CT_DateCreate", DateTime),
)

P_ANALYTIQUE = Table(
    "P_ANALYTIQUE", metadata,
    _marq(),
    Column("cbIndice", SmallInteger, nullable=False, unique=True),  # plan number = N_Analytique
    Column("A_Intitule", String(35), nullable=False, server_default=text("''")),  # empty slot: unused plan
)

F_COMPTEA = Table(
    "F_COMPTEA", metadata,
    _marq(),
    Column("N_Analytique", SmallInteger, nullable=False),
    Column("CA_Num", String(SECTION_CODE_LIMIT), nullable=False),
    Column("CA_Intitule", String(SECTION_NAME_LIMIT), nullable=False),
    _flag("CA_Type"),  # 0 détail, 1 total
    Column("CA_Classement", String(17)),
    _flag("CA_Report"),
    _flag("N_Analyse"),
    _flag("CA_Sommeil"),
    _flag("CA_Domaine"),  # 0 both, 1 vente, 2 achat
    _flag("CA_ModeFacturation"),  # 0 forfait, 1 avancement
    Column("CA_DateCreate", DateTime),
    UniqueConstraint("N_Analytique", "CA_Num", name="UQ_F_COMPTEA_PLAN_SECTION"),
)

F_JOURNAUX = Table(
    "F_JOURNAUX", metadata,
    _marq(),
    Column("JO_Num", String(JOURNAL_LIMIT), nullable=False, unique=True),
    Column("JO_Intitule", String(35), nullable=False),
    Column("CG_Num", String(ACCOUNT_LIMIT)),  # treasury account of a bank journal
    _flag("JO_Type"),  # 0 achat, 1 vente, 2 trésorerie, 3 général, 4 situation (#MCJR)
    _flag("JO_NumPiece"),
    _flag("JO_Contrepartie"),
    _flag("JO_SaisAnal"),
    _flag("JO_Sommeil"),
)

F_JMOUV = Table(
    "F_JMOUV", metadata,
    _marq(),
    Column("JO_Num", String(JOURNAL_LIMIT), nullable=False),
    Column("JM_Date", DateTime, nullable=False),  # first day of the month
    _flag("JM_Cloture"),  # 0 open, 1 partially closed (entries frozen, new ones allowed), 2 closed
    _flag("JM_Impression"),
    UniqueConstraint("JO_Num", "JM_Date", name="UQ_F_JMOUV_JOURNAL_MONTH"),
)

F_TAXE = Table(
    "F_TAXE", metadata,
    _marq(),
    Column("TA_No", Integer, nullable=False, unique=True),
    Column("TA_Code", String(TAX_CODE_LIMIT), nullable=False, unique=True),
    Column("TA_Intitule", String(35), nullable=False),
    _flag("TA_TTaux"),  # 0 percent, 1 fixed amount, 2 per quantity
    _money("TA_Taux"),
    _flag("TA_Type"),  # 0 TVA sur les débits, 1 TVA sur les encaissements [mem]
    Column("CG_Num", String(ACCOUNT_LIMIT)),  # the VAT account the tax is posted to
    _flag("TA_NP"),  # 1: non perçue
    _flag("TA_Sens"),  # 0 déductible, 1 collectée
    _flag("TA_Provenance"),  # 0 national, 1 intra-EU, 2 export...
    Column("TA_Regroup", String(3)),
    _flag("TA_Assujet"),
    Column("TA_GrilleBase", String(3)),
    Column("TA_GrilleTaxe", String(3)),
    Column("TA_EdiCode", String(5)),
)

P_DEVISE = Table(
    "P_DEVISE", metadata,
    _marq(),
    Column("cbIndice", SmallInteger, nullable=False, unique=True),  # position = N_Devise on entries
    Column("D_Intitule", String(35), nullable=False, server_default=text("''")),  # empty slot: unused
    Column("D_CodeISO", String(3), nullable=False, server_default=text("''")),
    Column("D_Sigle", String(5), nullable=False, server_default=text("''")),
    _money("D_Cours"),
)

F_ECRITUREC = Table(
    "F_ECRITUREC", metadata,
    _marq(),
    Column("JO_Num", String(JOURNAL_LIMIT), nullable=False),
    Column("EC_No", Integer, nullable=False, unique=True, autoincrement=False),
    Column("JM_Date", DateTime, nullable=False),  # first day of the journal month
    Column("EC_Jour", SmallInteger, nullable=False),  # day of the month: date = JM_Date + EC_Jour - 1
    Column("EC_Date", DateTime, nullable=False),
    Column("EC_Piece", String(PIECE_LIMIT), nullable=False),
    Column("EC_RefPiece", String(REFERENCE_LIMIT)),  # the invoice number (#MECG field 5)
    Column("EC_TresoPiece", String(REFERENCE_LIMIT)),
    Column("CG_Num", String(ACCOUNT_LIMIT), nullable=False),
    Column("CG_NumCont", String(ACCOUNT_LIMIT)),
    Column("CT_Num", String(TIERS_CODE_LIMIT)),  # the tiers, on the customer line only
    Column("CT_NumCont", String(TIERS_CODE_LIMIT)),
    Column("EC_Intitule", String(ENTRY_LABEL_LIMIT), nullable=False),
    _flag("N_Reglement"),
    Column("EC_Echeance", DateTime),
    _money("EC_Parite"),
    _money("EC_Quantite"),
    _flag("N_Devise"),  # 0 company currency, else the P_DEVISE position
    Column("EC_Sens", SmallInteger, nullable=False),  # 0 débit, 1 crédit
    Column("EC_Montant", Money(), nullable=False),  # positive, in the company currency
    _flag("EC_Lettre"),
    Column("EC_Lettrage", String(3)),
    _flag("EC_Point"),
    Column("EC_Pointage", String(3)),
    _flag("EC_LettreQ"),
    Column("EC_LettrageQ", String(3)),
    _flag("EC_Impression"),
    _flag("EC_Cloture"),
    _flag("EC_CType"),
    _flag("EC_Rappel"),
    _flag("EC_ANType"),
    _flag("EC_RType"),
    _money("EC_Devise"),  # amount in the line's foreign currency
    Column("EC_Remise", String(17)),
    _flag("EC_ExportExpert"),
    Column("TA_Code", String(TAX_CODE_LIMIT)),
    _flag("EC_Norme"),
    _flag("TA_Provenance"),
    _flag("EC_PenalType"),
    Column("EC_DatePenal", DateTime),
    Column("EC_DateRelance", DateTime),
    Column("EC_DateRappro", DateTime),
    Column("EC_Reference", String(REFERENCE_LIMIT)),
    _flag("EC_StatusRegle"),
    _money("EC_MontantRegle"),
    Column("EC_DateRegle", DateTime),
    Column("EC_RIB", SmallInteger),
    Column("EC_DateOp", DateTime),
    _flag("EC_NoCloture"),
    _flag("cbProt"),
    Column("cbCreateur", String(4)),
    Column("cbModification", DateTime),
    _flag("cbReplication"),
    _flag("cbFlag"),
    # Duplicate detection looks pieces up by journal and invoice number.
    Index("IX_F_ECRITUREC_REFPIECE", "JO_Num", "EC_RefPiece"),
    # What sagesync posted is found back by its source reference (ledger cross-check and rebuild).
    Index("IX_F_ECRITUREC_REFERENCE", "EC_Reference"),
)

F_ECRITUREA = Table(
    "F_ECRITUREA", metadata,
    _marq(),
    Column("EC_No", Integer, nullable=False),  # the F_ECRITUREC line it splits
    Column("N_Analytique", SmallInteger, nullable=False),  # plan number (P_ANALYTIQUE.cbIndice)
    Column("EA_Ligne", SmallInteger, nullable=False),
    Column("CA_Num", String(SECTION_CODE_LIMIT), nullable=False),
    Column("EA_Montant", Money(), nullable=False),  # same side as its line
    _money("EA_Quantite"),
    UniqueConstraint("EC_No", "N_Analytique", "EA_Ligne", name="UQ_F_ECRITUREA_LINE"),
)

SAGE_TABLES: tuple[Table, ...] = (
    P_DOSSIER, F_COMPTEG, F_COMPTET, P_ANALYTIQUE, F_COMPTEA, F_JOURNAUX, F_JMOUV, F_TAXE, P_DEVISE,
    F_ECRITUREC, F_ECRITUREA,
)
