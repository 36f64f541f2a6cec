"""The small architecture firm of the golden files: 2 clients, 2 projects, 5 documents.

Posted through the real core rules (tests/builders.py + post_document), so the
golden file is what a run would hand to Sage for this firm.
"""

from __future__ import annotations

from datetime import date

from sagesync.core.model import Allocation, Customer, DocumentKind, JournalEntry, Project, RevenueKind
from sagesync.core.posting import post_document
from tests.builders import d, document, line, posting_context

CURRENCY_NUMBERS = {"USD": 1, "CHF": 2, "GBP": 3}  # tests.builders.company(): P_DEVISE positions
PLAN_NUMBER = 1  # PROJET
COLLECTIVE_ACCOUNT = "411000"

CUSTOMERS = (
    Customer("c1", "dupont", "Atelier Dupont & Fils", vat_number="FR 12 345678901",
             address="12, rue de l'Église\nBâtiment B", postal_code="69002", city="Lyon", country="France",
             email="compta@dupont.fr"),
    Customer("c2", "MARTIN", "Œuvres Martin — Architectes"),
)
PROJECTS = (
    Project("p1", "PRJ001", "Rénovation école Jules-Ferry", "c1"),
    Project("p2", "PRJ002", "Médiathèque “Les Halles”", "c2"),
)


def documents() -> list:  # type: ignore[type-arg]
    return [
        document(line("1 000,00"), number="F2025-0001", source_id="11", issue=date(2025, 3, 3)),
        document(line("2 000,00", allocations=(Allocation("p1", d("1")), Allocation("p2", d("1")))),
                 line("150,00", rate="10", description="Reprographie"),
                 line("80,00", rate=None, kind=RevenueKind.DISBURSEMENTS, description="Timbres"),
                 number="F2025-0002", source_id="12", customer="c2", project="p2", issue=date(2025, 3, 10)),
        document(line("0,33"), line("0,33"), line("0,33"), vat={"20": "0,20"}, number="F2025-0003",
                 source_id="13", project="p2", issue=date(2025, 3, 14)),
        document(line("500,00"), kind=DocumentKind.CREDIT_NOTE, number="AV2025-0001", source_id="14",
                 original="11", issue=date(2025, 3, 20)),
        document(line("1 000,00"), currency="USD", rate="0,9137", number="F2025-0004", source_id="15",
                 customer="c2", issue=date(2025, 3, 31)),
    ]


def entries() -> list[JournalEntry]:
    context = posting_context()
    return [post_document(item, context) for item in documents()]
