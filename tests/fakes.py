"""Fakes for what is out of reach in a test: here only the platform, as lists in memory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

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
