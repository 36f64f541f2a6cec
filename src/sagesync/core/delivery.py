"""What must reach Sage, in domain terms: the items, their delivery states, the port.

Everything sagesync sends to Sage (new tiers, new sections, journal entries, and
later payments) goes through one life:

    decided ──▶ pending ──▶ delivered ──▶ confirmed
    (checked)   (in the     (the adapter   (Sage holds it: the embedded company
                 ledger)     has it: an     in the same transaction, or a
                             import file)   piece found in F_ECRITUREC)

The ledger alone records these states (``sagesync.ledger.delivery``); an adapter
of the port below (the embedded company, an import file, later an Objets Métiers
agent) is handed pending items and returns receipts. It imports nothing from the
ledger.

Sage keeps each piece's source identity in ``EC_Reference`` (17 characters), so
the company itself can say what sagesync posted (``source_reference``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from sagesync.core.model import Customer, JournalEntry, Project


class DeliveryState(StrEnum):
    PENDING = "pending"  # recorded in the ledger, not handed to Sage yet
    DELIVERED = "delivered"  # handed over (an import file written), Sage has not confirmed it
    CONFIRMED = "confirmed"  # Sage holds it


class ItemKind(StrEnum):
    TIERS = "customer"
    SECTION = "project"
    ENTRY = "entry"


# EC_Reference holds at most 17 characters. "OOTI-" + the platform's id keeps a readable
# reference for ids of up to 12 characters; a longer id is hashed (the ledger keeps the link).
REFERENCE_LIMIT = 17
REFERENCE_PREFIX = "OOTI-"
HASHED_PREFIX = "OOTI~"


def source_reference(source_id: str) -> str:
    """The identity of a source document as Sage keeps it in EC_Reference (and the import file's Référence)."""
    text = source_id.strip()
    if len(REFERENCE_PREFIX) + len(text) <= REFERENCE_LIMIT and text.isascii() and text.isprintable():
        return REFERENCE_PREFIX + text
    digest = base64.b32encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return HASHED_PREFIX + digest[:REFERENCE_LIMIT - len(HASHED_PREFIX)]


def source_id_of(reference: str) -> str | None:
    """The source id a reference names, when it is not hashed; None for a hashed or foreign one."""
    text = reference.strip()
    if text.startswith(REFERENCE_PREFIX):
        return text[len(REFERENCE_PREFIX):]
    return None


def is_sagesync_reference(reference: str | None) -> bool:
    text = (reference or "").strip()
    return text.startswith((REFERENCE_PREFIX, HASHED_PREFIX))


@dataclass(frozen=True, slots=True)
class Matching:
    """A letter (lettrage) given to the customer lines of pieces that balance: an invoice, its credit notes
    and its payments. ``keys`` are the ledger's source ids of the pieces, ``references`` their EC_Reference."""

    letter: str
    account: str  # the collective account of the customer lines (411...)
    tiers: str
    matched_on: date
    keys: tuple[str, ...]
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one hand-over carries: new tiers and sections first, then entries that may use them, then the
    letters of entries that now balance (entries delivered earlier, or in this very hand-over)."""

    tiers: Sequence[Customer] = ()
    sections: Sequence[Project] = ()
    entries: Iterable[JournalEntry] = ()  # streamed: an import file of 100 000 pieces is never all in memory
    batch: str = ""  # the run whose items these are: names the import file
    matchings: Sequence[Matching] = ()


@dataclass(frozen=True, slots=True)
class Receipt:
    """The adapter's word for one item: its new state and where it went (EC_No range, file name)."""

    kind: ItemKind
    key: str  # source id
    state: DeliveryState
    where: str = ""


@dataclass(frozen=True, slots=True)
class HeldPiece:
    """A piece the company holds under a sagesync reference, read back for a ledger rebuild."""

    reference: str
    journal: str
    piece: str
    invoice_number: str
    entry: JournalEntry
    where: str = ""
    in_company: bool = True  # read from the company itself; False: from an import file sagesync wrote


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    receipts: tuple[Receipt, ...] = ()
    outputs: dict[str, str] = field(default_factory=dict)
