"""The sample firm: two years of billing of a Paris architecture practice, with planted mistakes.

Atelier Lumière Architectes bills about twenty clients for some thirty projects,
phase by phase (ESQ, APS, APD, PRO, DCE, ACT, VISA, DET, AOR), from December 2024
to November 2026: about 200 validated invoices and 15 credit notes, mostly at 20 %,
some at 10 % and 5,5 %, mixed-use projects billed at two rates, one export at 0 %,
expenses and a few débours, one invoice in US dollars. A handful of records carry
the mistakes a real firm makes; they are listed under ``planted_mistakes`` with the
finding each must raise, and the invoices dated December 2024 under
``before_period_start`` (the demo profile starts on 2025-01-01; the demo company has
closed January 2025).

The firm's clients pay, as the platform records it (``payments``): most invoices in
full, some in two or three parts (a few still partly open at the end), one too much,
a credit note refunded, invoices reduced by a credit note paid net, one payment in US
dollars, one on a blocked invoice and one on an invoice the platform does not know.
``payment_cases`` lists which payment is which, for tests and the demo. The payments
are made last: the clients, projects and invoices do not depend on them.

Deterministic: ``generate(seed)`` is the same firm for the same seed, and the bundled
``data/sample_firm.json`` is ``generate(SEED)`` (a test pins it). Regenerate with
``python -m sagesync.sandbox.samplefirm``.

Sandbox login: ``demo@sagesync.test`` with ``DEMO_PASSWORD`` below. It is a public
demo password, not a secret; the client never prints it all the same.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from sagesync.core.findings import FindingCode
from sagesync.core.money import to_cents
from sagesync.sandbox import firm_tables as cast
from sagesync.sources.ooti import wirejson

SEED = 2025
FORMAT = "sagesync-ooti-firm/1"
DEMO_EMAIL = "demo@sagesync.test"
DEMO_PASSWORD = "atelier-lumiere-demo"
ORGANIZATION_ID = 1207
TEAM_ID = 3418
FIRST_DAY, LAST_DAY = date(2024, 12, 1), date(2026, 11, 20)
CLOSED_MONTH = date(2025, 1, 1)  # closed in the demo company: only the planted invoice falls in it
VALIDATED_INVOICES, CREDIT_NOTES, DECEMBER_INVOICES = 200, 15, 4
CURRENCIES = ((1, "EUR", "Euro", "€"), (2, "USD", "US Dollar", "$"), (3, "CHF", "Franc suisse", "CHF"),
              (4, "GBP", "Pound sterling", "£"))
EUR, USD = 1, 2
Wire = dict[str, Any]
FIRST_PAYMENT = 70_001
UNKNOWN_INVOICE = 49_999  # no such invoice: a payment typed against a wrong invoice id
OVERPAYMENT = Decimal("240.00")  # what the overpaid invoice received beyond its total
USD_RATE_ON_PAYMENT = Decimal("0.8613")  # euros for one dollar the day the dollar invoice is paid (0.8547 issued)
FIRST_PART_SHARES = (Decimal("0.3"), Decimal("0.4"), Decimal("0.5"), Decimal("0.6"))  # of an invoice paid in two parts
THREE_PART_SHARES = (Decimal("0.3"), Decimal("0.3"))  # the first two of three parts; the third is the rest


def sample_firm_path() -> Path:
    """The bundled sample firm (shipped in the wheel)."""
    return Path(str(resources.files("sagesync.sandbox").joinpath("data", "sample_firm.json")))


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return to_cents(Decimal(rng.randint(low * 100, high * 100)) / 100)


def _wire_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


class _FirmBuilder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clients: list[Wire] = []
        self.projects: list[Wire] = []
        self.documents: list[Wire] = []  # invoices and credit notes, numbered at the end
        self.planted: list[Wire] = []
        self.planted_documents: dict[int, Wire] = {}  # id(document) -> its planted entry, pk set when numbered
        self.credit_links: list[tuple[Wire, Wire, bool]] = []  # (credit note, original, full reversal)
        self.next_item = 900_001
        self.steps: dict[int, list[tuple[str, str, int]]] = {}  # project id -> fee steps still to bill

    # --- clients and projects ---------------------------------------------------------

    def add_client(self, name: str, number: str, address: str, postal_code: str, city: str, country: str,
                   vat_number: str, email: str) -> Wire:
        client: Wire = {
            "pk": 301 + len(self.clients), "name": name, "number": number, "currency": EUR, "team": TEAM_ID,
            "address": address, "billing_address": f"{address}, {postal_code} {city}", "postal_code": postal_code,
            "city": city, "country": country, "business_vat_id": vat_number, "email": email, "tags": [],
            "group": None,
        }
        self.clients.append(client)
        return client

    def build_clients(self) -> None:
        numbers = self.rng.sample(range(1000, 9999), len(cast.CLIENTS))
        numbers[0] = 4217  # the client code shape of the vendor's own tests
        for (name, address, postal, city, country, vat, email), number in zip(cast.CLIENTS, numbers, strict=True):
            self.add_client(name, f"{number:05d}", address, postal, city, country, vat, email)
        name, address, postal, city, email = cast.CLIENT_WITHOUT_CODE
        client = self.add_client(name, "", address, postal, city, "FR", "", email)
        self.plant("client", client["pk"], FindingCode.CUSTOMER_CODE_EMPTY, "client with an empty client code")
        for name, address, postal, city, email in cast.CLIENTS_SHARING_A_CODE:
            client = self.add_client(name, cast.SHARED_CODE, address, postal, city, "FR", "", email)
            self.plant("client", client["pk"], FindingCode.CUSTOMER_CODE_DUPLICATE,
                       f"two clients share the client code {cast.SHARED_CODE}")

    def add_project(self, spec: tuple[int, str, str, str, int], code: str) -> Wire:
        client_index, title, city, vat, year = spec
        project: Wire = {
            "id": 8801 + len(self.projects), "project_title": title, "code": code,
            "client": self.clients[client_index]["pk"], "currency": USD if client_index == cast.USD_CLIENT else EUR,
            "team": TEAM_ID, "start_date": _wire_date(date(year, 1, 1) + timedelta(days=self.rng.randint(0, 300))),
            "end_date": None, "city": city, "country": "CH" if client_index == cast.SWISS_CLIENT else "FR",
            "tax_rate": None if vat == "multi" else Decimal(vat), "vat_profile": vat,
        }
        self.projects.append(project)
        fee = Decimal(self.rng.choice([18, 35, 60, 95, 140, 220, 380])) * 1000
        steps = []
        for phase, phase_name, share in cast.PHASES:
            chunks = self.rng.choice([(100,), (50, 100), (40, 70, 100)])
            previous = 0
            for done in chunks:
                amount = to_cents(fee * share / 100 * (done - previous) / 100)
                steps.append((f"{phase} {phase_name} : situation à {done} %", str(amount), done))
                previous = done
        self.steps[project["id"]] = steps
        return project

    def build_projects(self) -> None:
        per_year: dict[int, int] = {}
        for spec in cast.PROJECTS:
            per_year[spec[4]] = per_year.get(spec[4], 0) + 1
            self.add_project(spec, f"PRJ-{spec[4]}-{per_year[spec[4]] * 7 % 100:03d}")
        project = self.add_project(cast.PROJECT_WITHOUT_CODE, "")
        self.plant("project", project["id"], FindingCode.PROJECT_CODE_EMPTY, "project without a code")

    def plant(self, record: str, pk: int, code: FindingCode, what: str) -> Wire:
        entry: Wire = {"record": record, "pk": pk, "expected": code.value, "what": what}
        self.planted.append(entry)
        return entry

    def plant_document(self, document: Wire, code: FindingCode, what: str) -> None:
        self.planted_documents[id(document)] = self.plant("invoice", 0, code, what)

    # --- documents ---------------------------------------------------------------------

    def fee_lines(self, project: Wire) -> list[tuple[str, Decimal, str, Decimal | None]]:
        """(description, amount, kind, item rate) of the next billing steps of a project."""
        steps = self.steps[project["id"]]
        lines: list[tuple[str, Decimal, str, Decimal | None]] = []
        for _ in range(min(len(steps), self.rng.choice([1, 1, 2, 3]))):
            description, amount, _done = steps.pop(0)
            if project["vat_profile"] == "multi":  # mixed-use: housing at 10 %, shops at 20 %
                housing = to_cents(Decimal(amount) * Decimal("0.6"))
                lines.append((f"{description} (part logements)", housing, "fees", Decimal(10)))
                lines.append((f"{description} (part commerces)", Decimal(amount) - housing, "fees", Decimal(20)))
            else:
                lines.append((description, Decimal(amount), "fees", None))
        if not lines:
            lines.append(("Mission complémentaire : assistance au maître d'ouvrage", _money(self.rng, 600, 4000),
                          "fees", Decimal(20) if project["vat_profile"] == "multi" else None))
        if self.rng.random() < 0.25:
            rate = Decimal(20) if project["vat_profile"] == "multi" else None
            lines.append((self.rng.choice(cast.EXPENSES), _money(self.rng, 45, 680), "expenses", rate))
        if self.rng.random() < 0.06:
            lines.append((self.rng.choice(cast.DISBURSEMENTS), _money(self.rng, 60, 950), "disbursements", None))
        return lines

    def document(self, project: Wire, day: date, lines: list[tuple[str, Decimal, str, Decimal | None]],
                 **overrides: Any) -> Wire:
        multi = project["vat_profile"] == "multi"
        rate = project["tax_rate"]
        items: list[Wire] = []
        for description, amount, kind, item_rate in lines:
            taxed = kind != "disbursements"
            items.append({
                "pk": self.next_item, "description": description, "subtitle": "", "amount": amount, "kind": kind,
                "tax_rate": item_rate if multi and taxed else None,
                "tax": to_cents(amount * item_rate / 100) if multi and taxed and item_rate is not None else None,
            })
            self.next_item += 1
        amount = sum((item["amount"] for item in items), Decimal("0.00"))
        if multi:
            tax = sum((item["tax"] for item in items if item["tax"] is not None), Decimal("0.00"))
        else:
            tax = to_cents(sum((i["amount"] for i in items if i["kind"] != "disbursements"), Decimal(0)) * rate / 100)
        created = datetime(day.year, day.month, day.day, self.rng.randint(8, 18), self.rng.randint(0, 59))
        public = project["client"] in [self.clients[index]["pk"] for index in cast.PUBLIC_CLIENTS]
        document: Wire = {
            "pk": 0, "type": 1, "code": None, "project": project["id"], "client": project["client"],
            "client_name": next(c["name"] for c in self.clients if c["pk"] == project["client"]),
            "team": TEAM_ID, "invoice_date": _wire_date(day),
            "due_date": _wire_date(day + timedelta(45 if public else 30)),
            "is_valid": True, "is_sent": True, "is_closed": False, "references": "", "purchase_order": "",
            "multi_tax_enabled": multi, "bank": 1, "billing_option": 0, "currency": project["currency"],
            "currency_rate": None, "tax_rate": None if multi else rate, "amount": amount, "tax": tax,
            "total": amount + tax, "original_invoice": None, "credit_note_url": None,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:00Z"),
            "updated_at": (created + timedelta(hours=self.rng.randint(1, 70))).strftime("%Y-%m-%dT%H:%M:00Z"),
            "items": items,
        }
        document.update(overrides)
        self.documents.append(document)
        return document

    def invoice_days(self) -> list[date]:
        december = [date(2024, 12, day) for day in sorted(self.rng.sample(range(2, 24), DECEMBER_INVOICES))]
        open_days = [FIRST_DAY + timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
        open_days = [day for day in open_days if day >= date(2025, 2, 1) and day.weekday() < 5]
        planted = 5  # closed period, 8,5 %, totals, USD, export (the draft is not a validated invoice)
        return december + sorted(self.rng.sample(open_days, VALIDATED_INVOICES - DECEMBER_INVOICES - planted))

    def pick_project(self, day: date) -> Wire:
        special = {"0", "8.5"}  # the export and La Réunion get one invoice each, planted below
        usable = [p for p in self.projects if p["code"] and p["vat_profile"] not in special
                  and p["currency"] == EUR and int(p["start_date"][-4:]) <= day.year]
        with_steps = [p for p in usable if self.steps[p["id"]]]
        return self.rng.choice(with_steps or usable)

    def build_documents(self) -> None:
        days = self.invoice_days()
        for day in days:
            project = self.pick_project(day)
            self.document(project, day, self.fee_lines(project))
        by_title = {p["project_title"]: p for p in self.projects}
        self.build_planted(by_title)
        self.build_credit_notes()

    def build_planted(self, by_title: dict[str, Wire]) -> None:
        usd = next(p for p in self.projects if p["currency"] == USD)
        paris_hotel = by_title["Rénovation des chambres et du lobby"]
        document = self.document(usd, date(2025, 9, 16), [
            ("ESQ Esquisse : situation à 100 %", Decimal("12500.00"), "fees", None),
            ("Frais de déplacement et d'hébergement", Decimal("1840.00"), "expenses", None)],
            currency_rate=Decimal("0.8547"))
        self.plant_document(document, FindingCode.CURRENCY_NOT_ALLOWED,
                   "USD invoice with an expenses line: account 708500 takes no foreign currency")
        reunion = next(p for p in self.projects if p["vat_profile"] == "8.5")
        document = self.document(reunion, date(2025, 6, 10), self.fee_lines(reunion))
        self.plant_document(document, FindingCode.VAT_RATE_UNMAPPED,
                   "VAT at 8,5 % (La Réunion), a rate the default mapping does not know")
        document = self.document(paris_hotel, date(2025, 10, 7), [
            ("Mission complémentaire : suivi des levées de réserves", Decimal("9800.00"), "fees", None),
            ("Frais de reprographie (tirages de plans)", Decimal("212.40"), "expenses", None)])
        document["amount"] += Decimal("500.00")  # a line was removed after the total was keyed
        document["total"] = document["amount"] + document["tax"]
        self.plant_document(document, FindingCode.TOTALS_INCONSISTENT,
                   "the lines add up to 500,00 less than the invoice's total excl. VAT")
        document = self.document(by_title["Extension de l'école maternelle Paul-Bert"], date(2025, 1, 15), [
            ("Relevés et diagnostic de l'existant", Decimal("6300.00"), "fees", None)])
        self.plant_document(document, FindingCode.CLOSED_PERIOD,
                   "dated 15-01-2025, a month the demo company has closed")
        geneva = next(p for p in self.projects if p["vat_profile"] == "0")
        self.document(geneva, date(2025, 11, 3), self.fee_lines(geneva))  # clean: export at 0 %
        document = self.document(by_title["Second point de vente, rue de Belleville"], date(2026, 11, 18), [
            ("Étude de capacité du local", Decimal("2750.00"), "fees", None)],
            is_valid=False, is_sent=False)
        self.plant_document(document, FindingCode.DRAFT_DOCUMENT,
                   "a draft (not validated, no number) in the list")

    def build_credit_notes(self) -> None:
        candidates = [d for d in self.documents if id(d) not in self.planted_documents and d["is_valid"]
                      and d["invoice_date"][-4:] != "2024" and d["currency"] == EUR]
        for original in self.rng.sample(candidates, CREDIT_NOTES - 1):
            day = datetime.strptime(original["invoice_date"], "%d-%m-%Y").date() + timedelta(self.rng.randint(4, 40))
            day = min(day, LAST_DAY)
            full = self.rng.random() < 0.5
            chosen = original["items"] if full else original["items"][:1]
            lines = [(f"Avoir : {i['description']}", i["amount"], i["kind"], i["tax_rate"]) for i in chosen]
            project = next(p for p in self.projects if p["id"] == original["project"])
            credit = self.document(project, day, lines, type=9)
            self.credit_links.append((credit, original, full))
        project = next(p for p in self.projects if p["project_title"].startswith("Restructuration du plateau"))
        credit = self.document(project, date(2026, 3, 12), [
            ("Geste commercial : remise sur honoraires DET", Decimal("1500.00"), "fees", None)], type=9)
        self.plant_document(credit, FindingCode.ORIGINAL_INVOICE_UNKNOWN,
                   "credit note that does not say which invoice it reverses")

    def number(self) -> None:
        """pk in date order, then invoice and credit-note numbers per year; resolve the planted pks."""
        self.documents.sort(key=lambda d: (datetime.strptime(d["invoice_date"], "%d-%m-%Y").date(), d["created_at"]))
        sequences: dict[str, int] = {"F2024": 186}  # December 2024 continues that year's numbering
        for pk, document in enumerate(self.documents, start=40_001):
            document["pk"] = pk
            if id(document) in self.planted_documents:
                self.planted_documents[id(document)]["pk"] = pk
            for item in document["items"]:
                item["invoice"] = pk
            if document["is_valid"]:
                prefix = ("AV" if document["type"] == 9 else "F") + document["invoice_date"][-4:]
                sequences[prefix] = sequences.get(prefix, 0) + 1
                document["code"] = f"{prefix}-{sequences[prefix]:04d}"
            else:
                document["updated_at"] = document["created_at"]
        for credit, original, full in self.credit_links:
            credit["original_invoice"] = original["pk"]
            if full:  # cancelling an invoice is what makes OOTI issue a full credit note
                original["is_closed"] = True
                original["credit_note_url"] = f"https://app.ooti.co/invoices/{credit['pk']}/"

    # --- payments (made last: nothing above depends on their draws) ----------------------

    def payments(self) -> tuple[list[Wire], list[Wire]]:
        """(payments as the platform lists them, the cases they exercise).

        An invoice is paid 20 to 75 days after its date, unless that falls after the last day
        (still open). Invoices cancelled by a full credit note are not paid; the 8,5 % and
        closed-period invoices are left unpaid; the blocked one with wrong totals is paid (its
        payment waits for it). Of the clean invoices in euros, some are paid in two or three parts
        (one multi-rate invoice among the three-part ones; the last one paid has its second part
        still to come) and one too much. An invoice reduced by a partial credit note is paid net
        of it, except two: one paid in full before its credit note, which the firm then refunds (a
        payment on the credit note), and one paid in part before its credit note, the balance after.
        """
        rng = self.rng
        payments: list[Wire] = []
        cases: list[Wire] = []
        planted = {entry["pk"]: entry["expected"] for entry in self.planted if entry["record"] == "invoice"}
        partial_credit = {original["pk"]: credit for credit, original, full in self.credit_links if not full}
        public = {self.clients[index]["pk"] for index in cast.PUBLIC_CLIENTS}
        methods: dict[int | None, str] = {}

        def issued(document: Wire) -> date:
            return datetime.strptime(document["invoice_date"], "%d-%m-%Y").date()

        def pay(document: Wire, day: date, amount: Decimal, rate: Decimal | None = None) -> int:
            """Record one payment; the method is the client's habit (public buyers pay by transfer)."""
            client = document.get("client")
            if client not in methods:
                methods[client] = "V" if client in public or rng.random() < 0.7 else "C"
            typed = datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randint(0, 59)) + timedelta(
                rng.randint(0, 3))
            pk = FIRST_PAYMENT + len(payments)
            payments.append({"pk": pk, "date": _wire_date(day), "amount": amount, "currency": document["currency"],
                             "currency_rate": rate, "type": methods[client], "invoice": document["pk"],
                             "team": TEAM_ID, "project": document.get("project"),
                             "created_at": typed.strftime("%Y-%m-%dT%H:%M:00Z"),
                             "updated_at": typed.strftime("%Y-%m-%dT%H:%M:00Z")})
            return pk

        def case(name: str, document: Wire, paid: list[int], what: str, **extra: Any) -> None:
            cases.append({"case": name, "invoice": document["pk"], "payments": paid, "what": what, **extra})

        def whole_euros(amount: Decimal) -> Decimal:
            return to_cents(Decimal(int(amount)))

        first_paid = {document["pk"]: issued(document) + timedelta(rng.randint(20, 75)) for document in self.documents}
        invoices = [d for d in self.documents if d["type"] != 9 and d["is_valid"] and not d["is_closed"]]
        clean = [d for d in invoices if d["pk"] not in planted and d["pk"] not in partial_credit
                 and d["currency"] == EUR and issued(d) >= date(2025, 2, 1) and first_paid[d["pk"]] <= LAST_DAY]
        multi_rate = rng.choice([d for d in clean if d["multi_tax_enabled"]])
        picked = rng.sample([d for d in clean if d is not multi_rate], 14)
        parts = {multi_rate["pk"]: 3, **{d["pk"]: 3 for d in picked[:5]}, **{d["pk"]: 2 for d in picked[5:13]}}
        overpaid = picked[13]["pk"]
        # The last invoice paid before the last day gets a first part only: still partly open at the end.
        still_open = max((d for d in clean if d["pk"] not in parts and d["pk"] != overpaid),
                         key=lambda d: (first_paid[d["pk"]], d["pk"]))
        parts[still_open["pk"]] = 2
        by_gap = sorted((d for d in invoices if d["pk"] in partial_credit),
                        key=lambda d: ((issued(partial_credit[d["pk"]]) - issued(d)).days, d["pk"]), reverse=True)
        refunded, paid_around_credit = by_gap[0]["pk"], by_gap[1]["pk"]

        for document in invoices:
            pk, total, paid_on = document["pk"], document["total"], first_paid[document["pk"]]
            if planted.get(pk) in (FindingCode.VAT_RATE_UNMAPPED.value, FindingCode.CLOSED_PERIOD.value):
                continue
            credit = partial_credit.get(pk)
            if credit is not None:
                credit_day = issued(credit)
                gap = (credit_day - issued(document)).days
                before_credit = issued(document) + timedelta(rng.randint(max(1, gap // 2), max(1, gap - 1)))
                if pk == refunded:
                    paid = [pay(document, before_credit, total)]
                    back = credit_day + timedelta(rng.randint(7, 30))
                    refund = [pay(credit, back, credit["total"])] if back <= LAST_DAY else []
                    case("paid_before_credit_note", document, paid, "paid in full before its credit note",
                         credit_note=credit["pk"])
                    case("refund", credit, refund, "the credit note's amount paid back to the client",
                         original_invoice=pk)
                elif pk == paid_around_credit:
                    part = whole_euros((total - credit["total"]) / 2)
                    paid = [pay(document, before_credit, part)]
                    balance_day = credit_day + timedelta(rng.randint(10, 40))
                    if balance_day <= LAST_DAY:
                        paid.append(pay(document, balance_day, total - credit["total"] - part))
                    case("credit_note_after_partial_payment", document, paid,
                         "paid in part, then reduced by a credit note, then the balance paid",
                         credit_note=credit["pk"], settled=len(paid) == 2)
                else:
                    day = max(paid_on, credit_day + timedelta(rng.randint(3, 20)))
                    if day <= LAST_DAY:
                        case("net_of_credit_note", document, [pay(document, day, total - credit["total"])],
                             "paid net of its partial credit note", credit_note=credit["pk"])
                continue
            if paid_on > LAST_DAY:
                continue  # not paid yet
            if planted.get(pk) == FindingCode.CURRENCY_NOT_ALLOWED.value:
                case("foreign_currency", document, [pay(document, paid_on, total, USD_RATE_ON_PAYMENT)],
                     "paid in US dollars at another rate than the invoice's; the invoice itself is blocked",
                     currency="USD", invoice_finding=planted[pk])
            elif pk in planted:
                case("blocked_invoice", document, [pay(document, paid_on, total)],
                     "paid in full, but the invoice is blocked (not posted): the payment waits for it",
                     invoice_finding=planted[pk])
            elif pk == overpaid:
                case("overpayment", document, [pay(document, paid_on, total + OVERPAYMENT)],
                     f"the client paid {OVERPAYMENT} more than the invoice's total", excess=OVERPAYMENT)
            elif pk in parts:
                shares = [rng.choice(FIRST_PART_SHARES)] if parts[pk] == 2 else list(THREE_PART_SHARES)
                amounts = [whole_euros(total * share) for share in shares]
                amounts.append(total - sum(amounts, Decimal("0.00")))
                paid, day = [], paid_on
                for amount in amounts:
                    if day > LAST_DAY:
                        break
                    paid.append(pay(document, day, amount))
                    day += timedelta(rng.randint(15, 45))
                    if document is still_open:
                        day = max(day, LAST_DAY + timedelta(1))
                case("partial", document, paid, f"invoiced once, paid in {parts[pk]} parts",
                     parts=parts[pk], settled=len(paid) == parts[pk], multi_rate=document["multi_tax_enabled"])
            else:
                paid = [pay(document, paid_on, total)]
                if issued(document) < date(2025, 1, 1):
                    case("invoice_before_period_start", document, paid,
                         "paid in 2025, for an invoice dated before the demo's period start")
        stray = {"pk": UNKNOWN_INVOICE, "currency": EUR, "client": None, "project": None}
        case("unknown_invoice", stray, [pay(stray, date(2026, 3, 16), Decimal("1850.00"))],
             "a payment on an invoice id the platform does not list")
        return payments, cases


def generate(seed: int = SEED) -> Wire:
    """The whole firm as OOTI wire objects (amounts as Decimal)."""
    firm = _FirmBuilder(seed)
    firm.build_clients()
    firm.build_projects()
    firm.build_documents()
    firm.number()
    for project in firm.projects:
        del project["vat_profile"]
    december = [d["pk"] for d in firm.documents if d["invoice_date"].endswith("12-2024")]
    payments, payment_cases = firm.payments()
    return {
        "format": FORMAT,
        "description": "Atelier Lumière Architectes: sample firm of sagesync (fictitious data).",
        "credentials": {"username": DEMO_EMAIL, "password": DEMO_PASSWORD},
        "organization": {"id": ORGANIZATION_ID, "name": "Atelier Lumière Architectes", "country": "FR",
                         "currency": EUR, "can_manage_vat": True, "accounting_exports_enabled": True},
        "teams": [{"id": TEAM_ID, "pk": TEAM_ID, "title": "Atelier Lumière — Paris", "name": "Atelier Lumière — Paris",
                   "city": "Paris", "currency": EUR}],
        "user": {"pk": 5120, "email": DEMO_EMAIL, "first_name": "Camille", "last_name": "Moreau", "orguser": 7781},
        "currencies": [{"pk": pk, "name": name, "longname": longname, "symbol": symbol, "decimal_points": 2}
                       for pk, name, longname, symbol in CURRENCIES],
        "clients": firm.clients,
        "projects": firm.projects,
        "invoices": firm.documents,
        "payments": payments,
        "planted_mistakes": firm.planted,
        "before_period_start": {"period_start": "2025-01-01", "expected": FindingCode.BEFORE_PERIOD_START.value,
                                "invoices": december},
        "payment_cases": payment_cases,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write the sample firm as OOTI wire JSON.")
    parser.add_argument("--out", type=Path, default=sample_firm_path())
    parser.add_argument("--seed", type=int, default=SEED)
    arguments = parser.parse_args(argv)
    arguments.out.write_text(wirejson.dumps(generate(arguments.seed), indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
