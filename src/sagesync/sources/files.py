"""Sources without a platform: a firm JSON file, or a synthetic firm made on the fly.

``FileSource`` reads the sample-firm format (OOTI wire objects, see
``sagesync.sandbox.samplefirm``) through the same payload mapping as the HTTP
client, so a file and the platform give the same records (its ``payments`` too). The file is parsed
once (JSON has no cheap streaming parse in the standard library); the records
are then made one at a time as they are consumed.

``synthetic_firm`` is for benchmarks: it makes wire payloads one at a time from
a seed and maps them through the same payload mapping, so 100 000 invoices cost
no file and flat memory (one invoice alive at a time). ``SyntheticFirm.wire()``
gives the same firm as a sample-firm dict, for the sandbox server.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sagesync.core.model import Customer, Document, DocumentStatus, Project
from sagesync.core.money import to_cents
from sagesync.core.payments import Payment
from sagesync.errors import SourceDataError
from sagesync.sources.base import Rejected
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.payloads import (
    DEFAULT_FIELDS,
    FieldNames,
    customer_from_payload,
    document_from_payload,
    payment_from_payload,
    project_from_payload,
)

Wire = dict[str, Any]


def _changed_since(document: Document | Payment | Rejected, since: datetime | None) -> bool:
    if since is None or isinstance(document, Rejected) or document.updated_at is None:
        return True  # without a change date the ledger's content version decides
    return document.updated_at > since


class FileSource:
    """A firm JSON file (sample-firm format) as a ``Source``."""

    def __init__(self, path: Path, fields: FieldNames = DEFAULT_FIELDS, *, validated_only: bool = False) -> None:
        self.path = path
        self.fields = fields
        self.validated_only = validated_only
        try:
            firm = wirejson.loads(path.read_bytes())
        except OSError as error:
            raise SourceDataError(f"cannot read the firm file {path}: {error.strerror}") from error
        except ValueError as error:
            raise SourceDataError(f"the firm file {path} is not valid JSON: {error}") from error
        except (RecursionError, MemoryError):
            raise SourceDataError(f"the firm file {path} cannot be read: it nests values thousands deep or is "
                                  "too large (damaged, or not a firm file); see sagesync.sandbox.samplefirm") from None
        if not isinstance(firm, dict):
            raise SourceDataError(f"the firm file {path} holds no firm object; see sagesync.sandbox.samplefirm")
        self._firm: Mapping[str, Any] = firm
        self.currencies = {
            row["pk"]: row["name"] for row in self._list("currencies")
            if isinstance(row, dict) and isinstance(row.get("pk"), int) and isinstance(row.get("name"), str)
        }

    def _list(self, key: str) -> list[Any]:
        rows = self._firm.get(key, [])
        if not isinstance(rows, list):
            raise SourceDataError(f"the firm file {self.path}: '{key}' should be a list")
        return rows

    def customers(self) -> Iterator[Customer | Rejected]:
        for row in self._list("clients"):
            yield customer_from_payload(row, self.fields)

    def projects(self) -> Iterator[Project | Rejected]:
        for row in self._list("projects"):
            yield project_from_payload(row, self.fields)

    def documents(self, since: datetime | None = None,
                  include: Collection[str] = ()) -> Iterator[Document | Rejected]:
        for row in self._list("invoices"):
            items = row.get("items") if isinstance(row, dict) else None
            document = document_from_payload(row, items, self.currencies, self.fields)
            if self.validated_only and isinstance(document, Document) and document.status is DocumentStatus.DRAFT:
                continue
            if _changed_since(document, since) or document.source_id in include:
                yield document

    def payment_records(self, since: datetime | None = None) -> Iterator[Payment | Rejected]:
        for row in self._list("payments"):
            payment = payment_from_payload(row, self.currencies, self.fields)
            if _changed_since(payment, since):
                yield payment

    def empty_scope_hint(self) -> str | None:
        return None  # one firm, one scope

    def close(self) -> None:
        return None


class SyntheticFirm:
    """A large, clean firm made from a seed: every invoice posts (benchmarks, property tests)."""

    def __init__(self, invoices: int, lines: int, seed: int, *, clients: int = 200, projects: int = 600,
                 first_day: date = date(2025, 2, 1), days: int = 600) -> None:
        self.invoice_count, self.line_count, self.seed = invoices, lines, seed
        self.client_count, self.project_count = clients, projects
        self.first_day, self.days = first_day, days

    def client_wire(self) -> Iterator[Wire]:
        for index in range(self.client_count):
            yield {"pk": 1 + index, "name": f"Client synthétique {index + 1}", "number": f"S{index + 1:05d}",
                   "currency": 1, "team": 1, "address": f"{index + 1} rue des Essais", "postal_code": "75011",
                   "city": "Paris", "country": "FR", "business_vat_id": "", "email": ""}

    def project_wire(self) -> Iterator[Wire]:
        for index in range(self.project_count):
            yield {"id": 1 + index, "project_title": f"Projet synthétique {index + 1}", "code": f"PS{index + 1:06d}",
                   "client": 1 + index % self.client_count, "currency": 1, "team": 1, "tax_rate": 20}

    def invoice_wire(self) -> Iterator[Wire]:
        """One invoice at a time, items inline; 1 in 10 at 10 %, 1 in 7 with an expenses line."""
        rng = random.Random(self.seed)
        created = datetime.combine(self.first_day, datetime.min.time(), UTC)
        for index in range(self.invoice_count):
            day = self.first_day + timedelta(days=index * self.days // max(self.invoice_count, 1))
            rate = Decimal(10) if index % 10 == 9 else Decimal(20)
            amounts = [to_cents(Decimal(rng.randint(5_000, 2_500_000)) / 100) for _ in range(self.line_count)]
            items = [
                {"pk": index * self.line_count + n + 1, "description": f"Honoraires phase {n + 1}",
                 "amount": line_amount, "kind": "expenses" if n == 1 and index % 7 == 3 else "fees",
                 "tax_rate": None, "tax": None}
                for n, line_amount in enumerate(amounts)
            ]
            amount = sum(amounts, Decimal("0.00"))
            tax = to_cents(amount * rate / 100)
            project = 1 + index % self.project_count
            stamp = (created + timedelta(minutes=index)).strftime("%Y-%m-%dT%H:%M:%SZ")
            yield {"pk": 1 + index, "type": 1, "code": f"S{day.year}-{index + 1:06d}", "project": project,
                   "client": 1 + (project - 1) % self.client_count, "team": 1, "invoice_date": day.strftime("%d-%m-%Y"),
                   "due_date": (day + timedelta(days=30)).strftime("%d-%m-%Y"), "is_valid": True, "is_sent": True,
                   "is_closed": False, "multi_tax_enabled": False, "currency": 1, "currency_rate": None,
                   "tax_rate": rate, "amount": amount, "tax": tax, "total": amount + tax, "original_invoice": None,
                   "created_at": stamp, "updated_at": stamp, "items": items}

    def customers(self) -> Iterator[Customer | Rejected]:
        return (customer_from_payload(row) for row in self.client_wire())

    def projects(self) -> Iterator[Project | Rejected]:
        return (project_from_payload(row) for row in self.project_wire())

    def documents(self, since: datetime | None = None,
                  include: Collection[str] = ()) -> Iterator[Document | Rejected]:
        currencies = {1: "EUR"}
        for row in self.invoice_wire():
            document = document_from_payload(row, row["items"], currencies)
            if _changed_since(document, since) or document.source_id in include:
                yield document

    def payment_records(self, since: datetime | None = None) -> Iterator[Payment | Rejected]:
        return iter(())  # a synthetic firm holds no payment

    def empty_scope_hint(self) -> str | None:
        return None  # one firm, one scope

    def close(self) -> None:
        return None

    def wire(self) -> Wire:
        """The whole firm in the sample-firm format (in memory: for tens of thousands of invoices)."""
        return {"format": "sagesync-ooti-firm/1", "credentials": {"username": "bench@sagesync.test",
                                                                   "password": "bench-password"},
                "organization": {"id": 1, "name": "Synthetic firm"}, "teams": [{"id": 1, "pk": 1, "title": "Bench"}],
                "user": {"pk": 1, "email": "bench@sagesync.test"},
                "currencies": [{"pk": 1, "name": "EUR", "longname": "Euro", "symbol": "€", "decimal_points": 2}],
                "clients": list(self.client_wire()), "projects": list(self.project_wire()),
                "invoices": list(self.invoice_wire()), "payments": []}


def synthetic_firm(invoices: int, lines: int, seed: int) -> SyntheticFirm:
    """A clean synthetic firm of ``invoices`` invoices of ``lines`` lines, made on the fly (flat memory)."""
    return SyntheticFirm(invoices, lines, seed)
