"""Seed data of the embedded Sage company: a standard French chart and its settings.

Covers every account and tax code of ``sagesync.profiles.defaults`` (a test pins
it), plus the usual neighbours an accountant expects to find (bank, exchange and
rounding differences, EU and export revenue). Account numbers have 6 digits; a
real company pads them to its own length and `profile check` says what it lacks.

Currency options (``CG_Devise``) decide what a foreign-currency document may post
to: the customer account and the fee accounts take currencies, expenses billed on
(708500) and disbursements (467000) do not, so a USD document with expenses is
refused by the checks before it reaches Sage, as a real company set up that way would.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sagesync.profiles.defaults import DEFAULT_VAT_RATES


class Nature:
    """``N_Nature`` codes of a general account (#MPLG field 5, sage100.md §2.5)."""

    NONE = 0
    CUSTOMER = 1
    SUPPLIER = 2
    EMPLOYEE = 3
    BANK = 4
    CASH = 5
    DEPRECIATION = 6
    BALANCE_RESULT = 7
    EXPENSE = 8
    INCOME = 9
    OPERATING_RESULT = 10
    FIXED_ASSET = 11
    EQUITY = 12
    STOCK = 13
    SECURITIES = 14


class JournalType:
    """``JO_Type`` codes (#MCJR)."""

    PURCHASES = 0
    SALES = 1
    TREASURY = 2
    GENERAL = 3
    SITUATION = 4


class TaxType:
    """``TA_Type`` codes used here: which moment the VAT falls due [mem]."""

    ON_DEBITS = 0
    ON_RECEIPTS = 1


@dataclass(frozen=True, slots=True)
class ChartAccount:
    number: str
    label: str
    nature: int = Nature.NONE
    analytic: bool = False  # CG_Analytique
    tiers: bool = False  # CG_Tiers: a collective account tiers hang on
    currency_entry: bool = False  # CG_Devise


STANDARD_CHART: tuple[ChartAccount, ...] = (
    ChartAccount("101000", "Capital", Nature.EQUITY),
    ChartAccount("106800", "Autres réserves", Nature.EQUITY),
    ChartAccount("120000", "Résultat de l'exercice (bénéfice)", Nature.BALANCE_RESULT),
    ChartAccount("129000", "Résultat de l'exercice (perte)", Nature.BALANCE_RESULT),
    ChartAccount("164000", "Emprunts auprès des établissements de crédit", Nature.EQUITY),
    ChartAccount("218300", "Matériel de bureau et informatique", Nature.FIXED_ASSET),
    ChartAccount("281830", "Amortissements du matériel de bureau", Nature.DEPRECIATION),
    ChartAccount("401000", "Fournisseurs", Nature.SUPPLIER, tiers=True),
    ChartAccount("411000", "Clients", Nature.CUSTOMER, tiers=True, currency_entry=True),
    ChartAccount("411700", "Clients - retenues de garantie", Nature.CUSTOMER, tiers=True),
    ChartAccount("416000", "Clients douteux ou litigieux", Nature.CUSTOMER, tiers=True),
    ChartAccount("419100", "Clients - avances et acomptes reçus", Nature.CUSTOMER, tiers=True),
    ChartAccount("421000", "Personnel - rémunérations dues", Nature.EMPLOYEE),
    ChartAccount("431000", "Sécurité sociale", Nature.NONE),
    ChartAccount("445510", "TVA à décaisser"),
    ChartAccount("445660", "TVA déductible sur autres biens et services"),
    ChartAccount("445711", "TVA collectée 10 % (débits)"),
    ChartAccount("445712", "TVA collectée 20 % (débits)"),
    ChartAccount("445713", "TVA collectée 2,1 % (débits)"),
    ChartAccount("445715", "TVA collectée 5,5 % (débits)"),
    ChartAccount("445741", "TVA sur encaissements 10 %"),
    ChartAccount("445742", "TVA sur encaissements 20 %"),
    ChartAccount("445743", "TVA sur encaissements 2,1 %"),
    ChartAccount("445745", "TVA sur encaissements 5,5 %"),
    ChartAccount("467000", "Autres comptes débiteurs ou créditeurs (débours)"),
    ChartAccount("471000", "Compte d'attente"),
    ChartAccount("512000", "Banque", Nature.BANK),
    ChartAccount("530000", "Caisse", Nature.CASH),
    ChartAccount("580000", "Virements internes"),
    ChartAccount("604000", "Achats d'études et prestations de services", Nature.EXPENSE, analytic=True),
    ChartAccount("606400", "Fournitures administratives", Nature.EXPENSE),
    ChartAccount("613200", "Locations immobilières", Nature.EXPENSE),
    ChartAccount("622600", "Honoraires", Nature.EXPENSE),
    ChartAccount("625100", "Voyages et déplacements", Nature.EXPENSE, analytic=True),
    ChartAccount("626000", "Frais postaux et de télécommunications", Nature.EXPENSE),
    ChartAccount("627000", "Services bancaires et assimilés", Nature.EXPENSE),
    ChartAccount("641000", "Rémunérations du personnel", Nature.EXPENSE),
    ChartAccount("645000", "Charges de sécurité sociale", Nature.EXPENSE),
    ChartAccount("656000", "Pertes de change sur créances commerciales", Nature.EXPENSE),
    ChartAccount("658000", "Charges diverses de gestion courante", Nature.EXPENSE),
    ChartAccount("681100", "Dotations aux amortissements", Nature.EXPENSE),
    ChartAccount("704000", "Travaux", Nature.INCOME, analytic=True),
    ChartAccount("706000", "Honoraires", Nature.INCOME, analytic=True, currency_entry=True),
    ChartAccount("706100", "Honoraires - missions complémentaires", Nature.INCOME, analytic=True),
    # EU and export services are billed in foreign currencies too, so they take currencies.
    ChartAccount("706200", "Prestations de services UE", Nature.INCOME, analytic=True, currency_entry=True),
    ChartAccount("706300", "Prestations de services export", Nature.INCOME, analytic=True, currency_entry=True),
    ChartAccount("708500", "Ports et frais accessoires facturés", Nature.INCOME, analytic=True),
    ChartAccount("709000", "Rabais, remises et ristournes accordés", Nature.INCOME, analytic=True),
    ChartAccount("756000", "Gains de change sur créances commerciales", Nature.INCOME),
    ChartAccount("758000", "Produits divers de gestion courante", Nature.INCOME),
)


@dataclass(frozen=True, slots=True)
class ChartTaxCode:
    code: str
    label: str
    rate: Decimal
    account: str  # empty: a zero rate writes no VAT line
    tax_type: int


def _tax_codes() -> tuple[ChartTaxCode, ...]:
    """One code per rate and regime, from the default mapping so the two cannot drift."""
    codes: dict[str, ChartTaxCode] = {}
    for rate_text, code_debits, account_debits, code_receipts, account_receipts in DEFAULT_VAT_RATES:
        rate = Decimal(rate_text)
        shown = rate_text.replace(".", ",")
        if rate == 0:
            codes.setdefault(code_debits, ChartTaxCode(code_debits, "Exonéré / hors champ (0 %)", rate, "",
                                                       TaxType.ON_DEBITS))
            continue
        codes[code_debits] = ChartTaxCode(code_debits, f"TVA collectée {shown} % (débits)", rate,
                                          account_debits, TaxType.ON_DEBITS)
        codes[code_receipts] = ChartTaxCode(code_receipts, f"TVA collectée {shown} % (encaissements)", rate,
                                            account_receipts, TaxType.ON_RECEIPTS)
    return tuple(codes.values())


TAX_CODES: tuple[ChartTaxCode, ...] = _tax_codes()

# (JO_Num, JO_Intitule, JO_Type, treasury account)
JOURNALS: tuple[tuple[str, str, int, str], ...] = (
    ("VTE", "Ventes", JournalType.SALES, ""),
    ("ACH", "Achats", JournalType.PURCHASES, ""),
    ("BQ1", "Banque", JournalType.TREASURY, "512000"),
    ("OD", "Opérations diverses", JournalType.GENERAL, ""),
)

PROJECT_PLAN = "PROJET"  # plan 1; the other ten slots stay empty

# (ISO code, D_Intitule, D_Sigle) in P_DEVISE order: position 1 is N_Devise 1.
# The euro is the company's own currency, so it has no slot.
CURRENCIES: tuple[tuple[str, str, str], ...] = (
    ("USD", "Dollar US", "$"),
    ("CHF", "Franc suisse", "CHF"),
    ("GBP", "Livre sterling", "£"),
)
