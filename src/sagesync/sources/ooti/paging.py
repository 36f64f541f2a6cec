"""Paging through OOTI lists: read an envelope, decide whether there is more, refuse loops.

Lists answer ``{"count", "next", "previous", "results"}`` (ooti-api.md §3 and §12);
a few routes answer a bare array. The client asks for pages by number, as the
vendor SDK does, which lets it fetch a few pages ahead when ``count`` says how
many there are. The paginator checks each page in order:

- the list ends on an empty page, a null ``next``, or (no ``next`` key) a short page;
- a page that repeats an earlier one (same rows, or the same ``next`` link) raises
  ``SourceDataError``: a server that ignores ``page`` would otherwise loop forever,
  or hand the same invoices twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sagesync.errors import SourceDataError
from sagesync.i18n import _

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    rows: list[Row]
    has_next: bool
    count: int | None  # what the envelope says the whole list holds, when it says


def read_page(body: object, number: int, requested_size: int, url: str) -> Page:
    """The rows of one page and whether more follow; a malformed envelope names the URL and page."""
    count: int | None
    if isinstance(body, list):  # bare array (teams list): the whole list at once
        rows, has_next, count = body, False, len(body)
    elif isinstance(body, dict) and isinstance(body.get("results"), list):
        rows = body["results"]
        if "next" in body:
            next_link = body["next"]
            if next_link is not None and not isinstance(next_link, str):
                raise SourceDataError(_("page {number} of {url}: 'next' should be a link or null, got {found}").format(
                    number=number, url=url, found=repr(next_link)))
            has_next = bool(next_link) and bool(rows)
        else:
            has_next = len(rows) >= requested_size
        raw_count = body.get("count")
        count = raw_count if isinstance(raw_count, int) and not isinstance(raw_count, bool) else None
    else:
        found = type(body).__name__ if not isinstance(body, dict) else _("an object with keys {keys}").format(
            keys=sorted(body)[:8])
        raise SourceDataError(_("page {number} of {url}: expected a list envelope with 'results', got {found}").format(
            number=number, url=url, found=found))
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise SourceDataError(_("page {number} of {url}: row {index} is {kind}, not an object").format(
                number=number, url=url, index=index, kind=type(row).__name__))
    return Page(number, rows, has_next, count)


def _row_key(row: Row) -> object:
    return row.get("pk", row.get("id"))


class Paginator:
    """Walks one list page by page; knows which page numbers may exist."""

    def __init__(self, url: str, page_size: int) -> None:
        self.url = url
        self.page_size = page_size
        self.expected = 1  # the next page number to accept
        self.finished = False
        self.last_page: int | None = None  # from count and the size the server really used
        self._fingerprints: dict[int, int] = {}  # hash of a page's row ids -> page number
        self._next_links: set[str] = set()

    def may_exist(self, number: int) -> bool:
        """Whether asking for page ``number`` now is sensible (for fetching ahead)."""
        if self.finished:
            return False
        if self.last_page is None:
            return number == self.expected
        return number <= self.last_page

    def accept(self, body: object) -> Page:
        """Check the next page in order; raises ``SourceDataError`` on a malformed or repeated page."""
        page = read_page(body, self.expected, self.page_size, self.url)
        keys = tuple(_row_key(row) for row in page.rows)
        if page.rows and all(key is not None for key in keys):
            fingerprint = hash(keys)
            if fingerprint in self._fingerprints:
                raise SourceDataError(
                    _("page {number} of {url} repeats page {other}: the platform does not seem to honour 'page'; "
                      "stopped before using it").format(number=page.number, url=self.url,
                                                        other=self._fingerprints[fingerprint]))
            self._fingerprints[fingerprint] = page.number
        next_link = body.get("next") if isinstance(body, dict) else None
        if isinstance(next_link, str):
            if next_link in self._next_links:
                raise SourceDataError(_("page {number} of {url} points again to {link}: paging loops").format(
                    number=page.number, url=self.url, link=next_link))
            self._next_links.add(next_link)
        if page.number == 1 and page.has_next and page.count is not None and page.rows:
            self.last_page = math.ceil(page.count / len(page.rows))
        elif self.last_page is not None and page.number >= self.last_page and page.has_next:
            self.last_page = None  # the list grew while we read it: go on one page at a time
        self.expected += 1
        if not page.rows or not page.has_next:
            self.finished = True
        return page
