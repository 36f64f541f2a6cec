"""The sandbox's data: a firm file held in memory, indexed, filtered and paged like OOTI.

Rows are serialised once and kept as JSON text, so a page of 500 invoices is a
string join, not 500 encodings: the sandbox must not be the slow part of a
benchmark. A PATCH changes the data in memory only (the file is never written)
and is recorded in ``patches``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sagesync.sources.ooti import wirejson

Wire = dict[str, Any]

# What a validated invoice refuses to change ("Invoice cannot be changed once valid").
LOCKED_FIELDS = frozenset({"amount", "tax", "total", "items", "invoice_date", "client", "project", "currency",
                           "currency_rate", "tax_rate", "type", "code", "multi_tax_enabled"})


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
        """JSON of a client, project, item or payment row (never changed by a PATCH: cached)."""
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
