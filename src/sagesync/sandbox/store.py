"""The sandbox's data: a firm file held in memory, indexed, filtered and paged like OOTI.

Rows are serialised once and kept as JSON text, so a page of 500 invoices is a
string join, not 500 encodings: the sandbox must not be the slow part of a
benchmark. A PATCH changes the data in memory only (the file is never written)
and is recorded in ``patches``.

Payments are created as OOTI does (ooti-api.md §5.5): against a validated invoice
(or credit note) of the organization, with a positive amount and a ``DD-MM-YYYY``
date; then allocated to the invoice (``PATCH v1/payments/invoice/{pk}/``) and
updated (``PATCH v1/payments/{pk}/``). A refusal is a 400 with a ``detail`` and the
field's messages, DRF style. Every accepted write is recorded: ``created_payments``,
``allocations`` (payment pk -> amount) and ``payment_patches``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.reading import parse_wire_date

Wire = dict[str, Any]

# What a validated invoice refuses to change ("Invoice cannot be changed once valid").
LOCKED_FIELDS = frozenset({"amount", "tax", "total", "items", "invoice_date", "client", "project", "currency",
                           "currency_rate", "tax_rate", "type", "code", "multi_tax_enabled"})


# What a payment's PATCH may change (``invoice`` too, checked like on creation).
PAYMENT_FIELDS = frozenset({"date", "amount", "currency", "currency_rate", "type", "invoice", "team", "project"})
FIRST_PAYMENT_PK = 70_001


class FirmDataError(ValueError):
    """The firm file is not in the sample-firm format."""


def load_firm(data: Path | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(data, Path):
        try:
            firm = wirejson.loads(data.read_bytes())
        except (OSError, ValueError) as error:
            raise FirmDataError(f"cannot read the firm file {data}: {error}") from error
    else:
        firm = data
    if not isinstance(firm, Mapping):
        raise FirmDataError("the firm data is not an object")
    for key in ("credentials", "organization", "teams", "currencies", "clients", "projects", "invoices"):
        if key not in firm:
            raise FirmDataError(f"the firm data has no '{key}' (see sagesync.sandbox.samplefirm)")
    return dict(firm)


class FirmStore:
    def __init__(self, data: Path | Mapping[str, Any]) -> None:
        firm = load_firm(data)
        self.firm = firm
        self.organization: Wire = firm["organization"]
        self.teams: list[Wire] = firm["teams"]
        self.user: Wire = firm.get("user", {})
        self.currencies: list[Wire] = firm["currencies"]
        self.clients: list[Wire] = sorted(firm["clients"], key=lambda row: row["pk"])
        self.projects: list[Wire] = sorted(firm["projects"], key=lambda row: row["id"])
        self.payments: list[Wire] = sorted(firm.get("payments", []), key=lambda row: row["pk"])
        self.items: dict[int, list[Wire]] = {}
        self.invoices: list[Wire] = []
        for invoice in sorted(firm["invoices"], key=lambda row: row["pk"]):
            row = {key: value for key, value in invoice.items() if key != "items"}
            self.items[row["pk"]] = list(invoice.get("items") or [])
            self.invoices.append(row)
        self.invoice_by_pk = {row["pk"]: row for row in self.invoices}
        self.client_by_pk = {row["pk"]: row for row in self.clients}
        self.project_by_id = {row["id"]: row for row in self.projects}
        self.payment_by_pk = {row["pk"]: row for row in self.payments}
        self.patches: list[Wire] = []
        self.created_payments: list[Wire] = []  # each payment created through the API, as recorded
        self.allocations: dict[int, Decimal] = {}  # payment pk -> amount allocated to its invoice
        self.payment_patches: list[Wire] = []  # {"pk", "fields", "at"} of each PATCH of a payment
        self._lock = threading.Lock()
        self._text: dict[tuple[int, bool], str] = {}  # (invoice pk, with items) -> JSON
        self._row_texts: dict[int, str] = {}  # id of a row this store holds -> JSON
        self._filtered: dict[tuple[object, ...], list[Wire]] = {}

    @property
    def organization_id(self) -> int:
        return int(self.organization["id"])

    def team_ids(self) -> list[int]:
        return [int(team["id"] if "id" in team else team["pk"]) for team in self.teams]

    # --- JSON text of rows -------------------------------------------------------------

    def invoice_text(self, row: Wire, with_items: bool) -> str:
        key = (row["pk"], with_items)
        text = self._text.get(key)
        if text is None:
            value = {**row, "items": self.items[row["pk"]]} if with_items else row
            text = self._text[key] = wirejson.dumps(value)
        return text

    def row_text(self, row: Wire) -> str:
        """JSON of a client, project, item or payment row (cached; a payment's PATCH forgets it)."""
        text = self._row_texts.get(id(row))
        if text is None:
            text = self._row_texts[id(row)] = wirejson.dumps(row)
        return text

    # --- filters -----------------------------------------------------------------------

    def filter_invoices(self, team: int | None, kind: int | None, is_sent: bool | None, is_valid: bool | None,
                        query: str) -> list[Wire]:
        key: tuple[object, ...] = (team, kind, is_sent, is_valid, query)
        rows = self._filtered.get(key)
        if rows is not None:
            return rows
        needle = query.strip().lower()
        rows = [
            row for row in self.invoices
            if (team is None or row.get("team") == team)
            and (kind is None or row.get("type") == kind)
            and (is_sent is None or bool(row.get("is_sent")) == is_sent)
            and (is_valid is None or bool(row.get("is_valid")) == is_valid)
            and (not needle or needle in " ".join(str(row.get(name) or "") for name in
                                                  ("code", "client_name", "references", "purchase_order")).lower())
        ]
        self._filtered[key] = rows
        return rows

    def filter_payments(self, team: int | None, invoice: int | None) -> list[Wire]:
        with self._lock:
            return [row for row in self.payments
                    if (team is None or row.get("team") == team) and (invoice is None or row.get("invoice") == invoice)]

    # --- writes ------------------------------------------------------------------------

    def patch_invoice(self, pk: int, fields: Wire, base: str) -> tuple[int, Wire]:
        """Apply a PATCH; (status, body). Validating numbers a draft; closing issues a credit note."""
        with self._lock:
            row = self.invoice_by_pk.get(pk)
            if row is None:
                return 404, {"detail": "Not found."}
            locked = sorted(LOCKED_FIELDS.intersection(fields)) if row.get("is_valid") else []
            if locked:
                return 400, {"detail": "Invoice cannot be changed once valid", "fields": locked}
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.patches.append({"pk": pk, "fields": dict(fields), "at": now})
            closing = fields.get("is_closed") is True and not row.get("is_closed")
            validating = fields.get("is_valid") is True and not row.get("is_valid")
            row.update(fields)
            if validating:
                row["code"] = self._next_code("F", row)
            if closing:
                credit = self._credit_note_for(row, now)
                row["credit_note_url"] = f"{base}/invoices/{credit['pk']}/"
            row["updated_at"] = now
            self._text = {key: text for key, text in self._text.items() if key[0] != pk}
            self._filtered.clear()
            return 200, {**row, "items": self.items[pk]}

    def _next_code(self, prefix: str, row: Wire) -> str:
        year = str(row.get("invoice_date", ""))[-4:] or str(datetime.now(UTC).year)
        stem = f"{prefix}{year}-"
        used = [int(code[len(stem):]) for code in (r.get("code") for r in self.invoices)
                if isinstance(code, str) and code.startswith(stem) and code[len(stem):].isdigit()]
        return f"{stem}{max(used, default=0) + 1:04d}"

    def _credit_note_for(self, invoice: Wire, now: str) -> Wire:
        """What OOTI does on ``is_closed``: a validated credit note (type 9) reversing the invoice."""
        pk = max(self.invoice_by_pk) + 1
        next_item = max((item["pk"] for items in self.items.values() for item in items), default=0) + 1
        credit = {**invoice, "pk": pk, "type": 9, "is_closed": False, "credit_note_url": None,
                  "original_invoice": invoice["pk"], "created_at": now, "updated_at": now}
        credit["code"] = self._next_code("AV", credit)
        self.items[pk] = [{**item, "pk": next_item + index, "invoice": pk}
                          for index, item in enumerate(self.items[invoice["pk"]])]
        self.invoices.append(credit)
        self.invoice_by_pk[pk] = credit
        return credit

    # --- payments ----------------------------------------------------------------------

    def _payment_problems(self, fields: Wire, creating: bool) -> tuple[dict[str, list[str]], Wire]:
        """(field -> messages, cleaned values) of a payment's fields, as the platform would judge them."""
        problems: dict[str, list[str]] = {}
        clean: Wire = {}
        if creating:
            for name in ("date", "amount", "invoice"):
                if fields.get(name) in (None, ""):
                    problems[name] = ["This field is required."]
        if fields.get("date") not in (None, ""):
            day = parse_wire_date(fields["date"])
            if day is None:
                problems["date"] = ["Date has wrong format. Use one of these formats instead: DD-MM-YYYY."]
            else:
                clean["date"] = day.strftime("%d-%m-%Y")
        for name in ("amount", "currency_rate"):
            if fields.get(name) in (None, ""):
                if name == "currency_rate" and name in fields:
                    clean[name] = None
                continue
            number = _decimal(fields[name])
            if number is None:
                problems[name] = ["A valid number is required."]
            elif number <= 0:
                problems[name] = ["Ensure this value is greater than 0."]
            elif name == "amount" and _decimals(number) > 2:
                problems[name] = ["Ensure that there are no more than 2 decimal places."]
            else:
                clean[name] = number
        for name, table in (("invoice", self.invoice_by_pk), ("currency", {int(row["pk"]): row
                                                                           for row in self.currencies}),
                            ("team", {team_id: {} for team_id in self.team_ids()}),
                            ("project", self.project_by_id)):
            if fields.get(name) in (None, ""):
                continue
            key = _whole(fields[name])
            if key is None:
                problems[name] = ["Incorrect type. Expected pk value."]
            elif key not in table:
                problems[name] = [f'Invalid pk "{key}" - object does not exist.']
            else:
                clean[name] = key
        if "type" in fields:
            kind = fields["type"]
            if kind is not None and not isinstance(kind, str):
                problems["type"] = ["Not a valid string."]
            else:
                clean["type"] = kind or ""
        invoice = self.invoice_by_pk.get(clean.get("invoice", -1))
        if invoice is not None and not invoice.get("is_valid"):
            problems["invoice"] = ["Payments can only be recorded on a validated invoice."]
        return problems, clean

    @staticmethod
    def _refusal(problems: dict[str, list[str]]) -> tuple[int, Wire]:
        detail = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in problems.items())
        return 400, {"detail": detail, **problems}

    def create_payment(self, fields: Wire, team: int | None) -> tuple[int, Wire]:
        """``POST v1/payments/list/{org}/?team=``: (201, the payment) or (400, why)."""
        with self._lock:
            given = dict(fields)
            if given.get("team") in (None, ""):
                given["team"] = team  # the query's team, when the body names none
            if given["team"] is None:
                return self._refusal({"team": ["This field is required."]})
            problems, clean = self._payment_problems(given, creating=True)
            if problems:
                return self._refusal(problems)
            invoice = self.invoice_by_pk[clean["invoice"]]
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            pk = max(self.payment_by_pk, default=FIRST_PAYMENT_PK - 1) + 1
            row: Wire = {"pk": pk, "date": clean["date"], "amount": clean["amount"],
                         "currency": clean.get("currency", invoice.get("currency")),
                         "currency_rate": clean.get("currency_rate"), "type": clean.get("type", ""),
                         "invoice": clean["invoice"], "team": clean["team"],
                         "project": clean.get("project", invoice.get("project")), "created_at": now,
                         "updated_at": now}
            self.payments.append(row)
            self.payment_by_pk[pk] = row
            self.created_payments.append(dict(row))
            return 201, row

    def allocate_payment(self, pk: int, fields: Wire) -> tuple[int, Wire]:
        """``PATCH v1/payments/invoice/{pk}/`` ``{"amount": n}``: the amount the payment settles on its invoice."""
        with self._lock:
            row = self.payment_by_pk.get(pk)
            if row is None:
                return 404, {"detail": "Not found."}
            amount = _decimal(fields.get("amount"))
            if amount is None or amount <= 0:
                return self._refusal({"amount": ["A valid number greater than 0 is required."]})
            if amount > row["amount"]:
                return self._refusal({"amount": [f"Ensure this value is less than or equal to {row['amount']}."]})
            self.allocations[pk] = amount
            self.payment_patches.append({"pk": pk, "fields": {"invoice_amount": amount},
                                         "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
            return 200, {"pk": pk, "invoice": row["invoice"], "amount": amount}

    def patch_payment(self, pk: int, fields: Wire) -> tuple[int, Wire]:
        """``PATCH v1/payments/{pk}/``: change a payment's fields; (200, the payment) or (400, why)."""
        with self._lock:
            row = self.payment_by_pk.get(pk)
            if row is None:
                return 404, {"detail": "Not found."}
            unknown = sorted(set(fields) - PAYMENT_FIELDS)
            if unknown:
                return self._refusal({name: ["This field cannot be changed."] for name in unknown})
            problems, clean = self._payment_problems(fields, creating=False)
            if problems:
                return self._refusal(problems)
            now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.payment_patches.append({"pk": pk, "fields": dict(fields), "at": now})
            row.update(clean)
            row["updated_at"] = now
            self._row_texts.pop(id(row), None)
            return 200, row


def _decimal(value: object) -> Decimal | None:
    """A JSON number or a numeric string (a form) as a Decimal; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _whole(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    return None
