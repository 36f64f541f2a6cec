"""Fakes for what is out of reach in a test: the platform as lists in memory, the OS keyring."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from sagesync.core.model import Customer, Document, Project
from sagesync.core.payments import Payment
from sagesync.sources.base import Rejected


@dataclass
class ListSource:
    """A platform that answers from lists; ``documents`` can be edited between runs."""

    customer_list: list[Customer | Rejected] = field(default_factory=list)
    project_list: list[Project | Rejected] = field(default_factory=list)
    document_list: list[Document | Rejected] = field(default_factory=list)
    payment_list: list[Payment | Rejected] = field(default_factory=list)
    fail_after: int | None = None  # raise after yielding this many documents (a dropped connection)
    calls: list[tuple[datetime | None, frozenset[str]]] = field(default_factory=list)  # (since, include) asked

    def customers(self) -> Iterator[Customer | Rejected]:
        yield from self.customer_list

    def projects(self) -> Iterator[Project | Rejected]:
        yield from self.project_list

    def documents(self, since: datetime | None = None,
                  include: Collection[str] = ()) -> Iterator[Document | Rejected]:
        self.calls.append((since, frozenset(include)))
        for index, document in enumerate(self.document_list):
            if self.fail_after is not None and index >= self.fail_after:
                raise ConnectionError("platform went away")
            stamp = getattr(document, "updated_at", None)
            if stamp is not None and stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=UTC)
            if since is None or stamp is None or stamp > since or document.source_id in include:
                yield document

    def payment_records(self, since: datetime | None = None) -> Iterator[Payment | Rejected]:
        for payment in self.payment_list:
            stamp = getattr(payment, "updated_at", None)
            if since is None or stamp is None or stamp > since:
                yield payment

    def empty_scope_hint(self) -> str | None:
        return None  # one firm, one scope

    def close(self) -> None:
        return None


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps passwords in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)
