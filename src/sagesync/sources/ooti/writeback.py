"""Write-back actions: telling the platform a document is in the books.

OOTI documents no "synchronized" field (ooti-api.md §7), so the default is
``LedgerOnlyWriteback`` (``sagesync.steps.context``): the status lives in sagesync's
ledger. ``PatchFieldWriteback``
PATCHes a field the user names once the real contract is known, e.g. a custom
``accounting_reference``. ``is_valid``, ``is_sent`` and ``is_closed`` carry
business meaning (numbering, sending, *cancelling with a credit note*) and are
refused as write-back fields.

An action raises on any failure so the lead's outbox keeps the row and retries
it; it returns only once the platform acknowledged the value (the PATCH answer
holds the field with the value sent: a server that silently drops unknown fields
is caught here, not trusted).

``PaymentWriteback`` is the return flow of payments: a settlement matched in Sage
becomes a payment on the platform, unless the platform already has one for the same
document, date and amount (typed by hand, or sent by a run whose answer was lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sagesync.core.model import EURO
from sagesync.core.payments import Settlement
from sagesync.errors import ConfigurationError, SourceDataError
from sagesync.i18n import _

FORBIDDEN_FIELDS = frozenset({"is_valid", "is_sent", "is_closed", "pk", "code", "type"})


class InvoicePatcher(Protocol):
    def patch_invoice(self, pk: int | str, fields: dict[str, Any]) -> dict[str, Any]: ...


class WritebackValue(StrEnum):
    PIECE = "piece"  # the Sage piece number, e.g. F2025-0042
    POSTED_AT = "posted_at"  # ISO 8601 instant of the posting
    TRUE = "true"  # a boolean flag set to true


class PatchFieldWriteback:
    """``PATCH v1/invoices/{pk}/`` with ``{field_name: value}``, checked in the answer."""

    def __init__(self, client: InvoicePatcher, field_name: str, value: WritebackValue = WritebackValue.PIECE) -> None:
        name = field_name.strip()
        if not name or name in FORBIDDEN_FIELDS:
            raise ConfigurationError(
                _("write-back field {field} cannot be used: it is empty or carries business meaning on the platform "
                  "({fields}); name a field made for it").format(field=repr(field_name),
                                                                 fields=", ".join(sorted(FORBIDDEN_FIELDS))))
        self.client, self.field_name, self.value = client, name, value
        self.name = f"patch:{name}"

    def _value(self, piece: str, posted_at: datetime) -> object:
        if self.value is WritebackValue.PIECE:
            return piece
        if self.value is WritebackValue.POSTED_AT:
            return posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return True

    def send(self, document_source_id: str, piece: str, posted_at: datetime | None = None) -> None:
        if not document_source_id.isdigit():
            raise SourceDataError(f"document id {document_source_id!r} is not an OOTI invoice pk")
        value = self._value(piece, posted_at or datetime.now(UTC))
        answer = self.client.patch_invoice(int(document_source_id), {self.field_name: value})
        if answer.get(self.field_name) != value:
            raise SourceDataError(
                f"the platform accepted the PATCH of invoice {document_source_id} but does not hold "
                f"{self.field_name}={value!r} afterwards: the field probably does not exist; check its name")


class PaymentPoster(Protocol):
    def find_payment(self, document_source_id: str, payment_date: date, amount: Decimal,
                     currency_code: str = EURO) -> str | None: ...

    def create_payment(self, document_source_id: str, payment_date: date, amount: Decimal, currency_code: str,
                       method: str = "") -> str: ...


@dataclass(frozen=True, slots=True)
class PaymentSent:
    payment_id: str  # the platform's id of the payment
    created: bool  # False: the platform already had it (same document, date and amount), nothing was sent


class PaymentWriteback:
    """A settlement matched in Sage -> a payment on the platform, in euros, never doubled.

    Raises like ``OotiClient.create_payment`` (classified errors) so the outbox keeps the
    settlement and retries it; the look-up before each creation makes the retry safe.
    """

    name = "payments"

    def __init__(self, client: PaymentPoster, method: str = "") -> None:
        self.client, self.method = client, method  # method: the platform's payment type code, e.g. "V"

    def send(self, settlement: Settlement) -> PaymentSent:
        found = self.client.find_payment(settlement.document_source_id, settlement.settled_on, settlement.amount,
                                         EURO)
        if found is not None:
            return PaymentSent(found, created=False)
        created = self.client.create_payment(settlement.document_source_id, settlement.settled_on, settlement.amount,
                                             EURO, self.method)
        return PaymentSent(created, created=True)
