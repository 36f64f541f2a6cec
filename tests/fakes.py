"""Fakes for what is out of reach in a test: the platform as lists in memory, the OS keyring."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

from sagesync.core.model import Customer, Document, Project
from sagesync.sources.base import Rejected


@dataclass
class ListSource:
    """A platform that answers from lists; ``documents`` can be edited between runs."""

    customer_list: list[Customer | Rejected] = field(default_factory=list)
    project_list: list[Project | Rejected] = field(default_factory=list)
    document_list: list[Document | Rejected] = field(default_factory=list)
    fail_after: int | None = None  # raise after yielding this many documents (a dropped connection)

    def customers(self) -> Iterator[Customer | Rejected]:
        yield from self.customer_list

    def projects(self) -> Iterator[Project | Rejected]:
        yield from self.project_list

    def documents(self, since: datetime | None = None) -> Iterator[Document | Rejected]:
        for index, document in enumerate(self.document_list):
            if self.fail_after is not None and index >= self.fail_after:
                raise ConnectionError("platform went away")
            yield document

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
