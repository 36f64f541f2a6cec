"""The OOTI REST client: login, paging, items, retries; yields domain records.

Wire contract: ooti-api.md §2-§5, §10 and §12. In short:

- Either the e-mail and password (``POST v1/token-auth/``, then ``Authorization: JWT
  <token>``, renewed on a 401 and the call replayed) or a long-lived API token
  (``Authorization: Bearer <token>`` by default): see ``session.py``.
- Lists are read page by page (``page`` / ``page_size``); with ``count`` known, a few
  pages are fetched ahead. Invoice rows without ``items`` get them from
  ``v1/invoices/items/{pk}/``. At most ``max_in_flight`` requests run at once, fewer
  while the platform answers 429 (``throttle.py``).
- Every call rides out what a flaky platform and network do (``retry.py``, ``calls.py``)
  within a time budget per request; ``counters`` says what had to be retried.
- A document is yielded only once it is complete (row and every page of its items);
  an invoice seen twice in one listing is yielded once.
- Payments (§5.5) are read from ``v1/payments/list/{org}/`` like the other lists and
  created with ``POST`` there, then allocated to their invoice with ``PATCH
  v1/payments/invoice/{pk}/``; ``find_payment`` tells whether the platform already has one
  for the same invoice, date and amount, so a settlement is never sent twice.

The password and tokens live only in the session's private attributes and request
headers: never in this object's repr, a log line or an exception message.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from sagesync.core.model import EURO, Customer, Document, Project
from sagesync.core.payments import Payment
from sagesync.errors import ConfigurationError, PaymentNotAllocatedError, SagesyncError, SourceDataError
from sagesync.i18n import _
from sagesync.sources.base import Rejected
from sagesync.sources.ooti.calls import ApiCaller
from sagesync.sources.ooti.counters import CounterBoard, RetryCounters
from sagesync.sources.ooti.paging import Paginator, Row
from sagesync.sources.ooti.payloads import (
    DEFAULT_FIELDS,
    FieldNames,
    customer_from_payload,
    document_from_payload,
    payment_from_payload,
    project_from_payload,
)
from sagesync.sources.ooti.reading import parse_wire_instant
from sagesync.sources.ooti.retry import RetryPolicy
from sagesync.sources.ooti.session import DEFAULT_API_TOKEN_SCHEME, ApiTokenSession, PasswordSession, Session
from sagesync.sources.ooti.throttle import AdaptiveLimit

DEFAULT_BASE_URL = "https://app.ooti.co/api/"
T = TypeVar("T")
R = TypeVar("R")


# Requests at once to the platform: what a browser opens per host. Enough to hide the
# network's round trips (10 ms each: 6.4x the vendor SDK), few enough to stay polite.
# Under 429 the client goes down to one (``throttle.py``).
DEFAULT_IN_FLIGHT = 6


class OotiClient:
    """A ``Source`` over the OOTI API, plus ``whoami`` and ``patch_invoice``.

    Give the ``password`` of ``email``, or ``password=None`` and an ``api_token``.
    """

    def __init__(self, base_url: str, email: str, password: str | None, organization_id: int | None,
                 team_id: int | None, *, api_token: str | None = None,
                 api_token_scheme: str = DEFAULT_API_TOKEN_SCHEME, page_size: int = 500,
                 max_in_flight: int = DEFAULT_IN_FLIGHT, transport: httpx.BaseTransport | None = None,
                 retry: RetryPolicy | None = None, fields: FieldNames = DEFAULT_FIELDS, timeout: float = 30.0,
                 validated_only: bool = False) -> None:
        if (password is None) == (api_token is None):
            raise ConfigurationError(_("the platform client needs the login password or an API token, not both")
                                     if password is not None else
                                     _("the platform client needs the login password or an API token, not neither"))
        self.base_url = base_url.rstrip("/") + "/"
        self.email = email
        self.organization_id = organization_id
        self.team_id = team_id
        self.page_size = page_size
        self.max_in_flight = max(1, max_in_flight)
        self.retry = retry or RetryPolicy()
        self.fields = fields
        self.validated_only = validated_only  # False: drafts come too, and the checks report them
        self._http = httpx.Client(
            base_url=self.base_url, transport=transport, timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={"Accept": "application/json"},
            limits=httpx.Limits(max_connections=self.max_in_flight, max_keepalive_connections=self.max_in_flight),
        )
        self._pool: ThreadPoolExecutor | None = None
        self._stop = threading.Event()
        self._limiter = AdaptiveLimit(self.max_in_flight)
        self._board = CounterBoard()
        self._caller = ApiCaller(self._http, self.base_url, self.retry, self._limiter, self._board, self._stop)
        self._session: Session = (
            PasswordSession(self.base_url, email, password, self._caller.post_unauthenticated)
            if password is not None else ApiTokenSession(self.base_url, api_token or "", api_token_scheme))
        self._scope_known = organization_id is not None and team_id is not None
        self._currencies: dict[int, str] | None = None

    def __repr__(self) -> str:
        login = "api token" if isinstance(self._session, ApiTokenSession) else repr(self.email)
        return (f"OotiClient({self.base_url!r}, {login}, "
                f"organization={self.organization_id}, team={self.team_id})")

    @property
    def counters(self) -> RetryCounters:
        """What had to be retried so far (a snapshot): for "N requests retried" in a step's report."""
        return self._board.snapshot(self._limiter.limit, self._limiter.lowest, self._session.renewals)

    # --- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        # Wake the threads waiting to retry or for a slot, so closing never waits out a backoff.
        self._stop.set()
        self._limiter.close()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="ooti")
        return self._pool

    # --- one call ----------------------------------------------------------------------------

    def _get_json(self, path: str, params: dict[str, Any] | None = None, page: int | None = None) -> Any:
        return self._caller.call(self._session, "GET", path, params, page=page)

    # --- lists -------------------------------------------------------------------------------

    def _rows(self, path: str, params: dict[str, Any] | None = None, *, in_worker: bool = False) -> Iterator[Row]:
        """Every row of a paged list, fetching up to ``max_in_flight - 1`` pages ahead.

        ``in_worker``: called from a pool thread, which must never wait on the pool
        (it could wait for itself): pages are then fetched one by one in that thread.
        """
        paginator = Paginator(f"{self.base_url}{path}", self.page_size)
        ahead = max(1, self.max_in_flight - 1)
        pending: deque[tuple[int, Future[Any]]] = deque()
        next_number = 1

        def fetch(number: int) -> Any:
            return self._get_json(path, {**(params or {}), "page_size": self.page_size, "page": number}, number)

        if in_worker:
            while not paginator.finished:
                yield from paginator.accept(fetch(paginator.expected)).rows
            return
        try:
            while not paginator.finished:
                while len(pending) < ahead and paginator.may_exist(next_number):
                    pending.append((next_number, self._executor().submit(fetch, next_number)))
                    next_number += 1
                _request, future = pending.popleft()
                yield from paginator.accept(future.result()).rows
        finally:
            for _request, future in pending:
                future.cancel()

    def _ordered(self, work: Callable[[T], R], items: Iterable[T], window: int,
                 inline: Callable[[T], bool]) -> Iterator[R]:
        """``work`` over ``items`` on the pool, results in input order, at most ``window`` queued.

        Items for which ``inline`` is true are cheap: done in this thread, no hand-off.
        """
        pending: deque[Future[R]] = deque()
        iterator = iter(items)
        try:
            while True:
                try:
                    item = next(iterator)
                except StopIteration:
                    break
                except Exception:
                    # The listing failed further on: hand over what is already complete, then fail.
                    while pending:
                        yield pending.popleft().result()
                    raise
                if inline(item):
                    done: Future[R] = Future()
                    done.set_result(work(item))
                    pending.append(done)
                else:
                    pending.append(self._executor().submit(work, item))
                if len(pending) >= window:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()

    def _scope(self) -> tuple[int, int | None]:
        """Organization and team from the profile, else the user's selected ones on the platform."""
        if not self._scope_known:
            profile = self._get_json("v1/profiles/profile/")
            if self.organization_id is None:
                organization = profile.get("selected_org") if isinstance(profile, dict) else None
                if not isinstance(organization, int):
                    raise SourceDataError(_("{url} names no selected organization: set the organization id in the "
                                            "profile").format(url=f"{self.base_url}v1/profiles/profile/"))
                self.organization_id = organization
            if self.team_id is None and isinstance(profile, dict) and isinstance(profile.get("selected_team"), int):
                self.team_id = profile["selected_team"]
            self._scope_known = True
        assert self.organization_id is not None
        return self.organization_id, self.team_id

    def currencies(self) -> dict[int, str]:
        """Currency pk -> ISO code (``v1/currencies/list/``), read once."""
        if self._currencies is None:
            self._currencies = {row["pk"]: row["name"] for row in self._rows("v1/currencies/list/")
                                if isinstance(row.get("pk"), int) and isinstance(row.get("name"), str)}
        return self._currencies

    def customers(self) -> Iterator[Customer | Rejected]:
        organization, team = self._scope()
        params = {"team": team} if team is not None else {}
        for row in self._rows(f"v1/clients/list/{organization}/", params):
            yield customer_from_payload(row, self.fields)

    def projects(self) -> Iterator[Project | Rejected]:
        organization, team = self._scope()
        path = f"v1/projects/list/{organization}/{team}/" if team is not None else f"v1/projects/list/{organization}/"
        for row in self._rows(path):
            yield project_from_payload(row, self.fields)

    # --- payments ------------------------------------------------------------------------------

    def payments(self, params: dict[str, Any] | None = None) -> Iterator[Row]:
        """Payment rows as the platform sends them: the whole organization's, unless ``params`` filter."""
        organization, _team = self._scope()
        yield from self._rows(f"v1/payments/list/{organization}/", params)

    @staticmethod
    def _of_team(row: Row, team: int | None) -> bool:
        """Whether a row belongs to ``team``; a row that names no team belongs to every team."""
        value = row.get("team")
        if isinstance(value, dict):
            value = value.get("pk", value.get("id"))
        if team is None or value is None or value == "":
            return True
        return str(value).strip() == str(team)

    def payment_records(self, since: datetime | None = None) -> Iterator[Payment | Rejected]:
        """The team's payments as records; a row that cannot be read comes as ``Rejected``.

        The team goes in the query (as for clients) and is checked on each row too, in
        case the platform does not filter payments by team. ``since`` is applied to each
        row's ``updated_at``, as for documents; rows without it always come.
        """
        organization, team = self._scope()
        currencies = self.currencies()
        params: dict[str, Any] = {"team": team} if team is not None else {}
        seen: set[int | str] = set()
        for row in self._rows(f"v1/payments/list/{organization}/", params):
            key = row.get("pk", row.get("id"))
            if isinstance(key, int | str):
                if key in seen:
                    continue  # the listing shifted between pages: this payment was already handled
                seen.add(key)
            if self._of_team(row, team) and self._changed(row, since):
                yield payment_from_payload(row, currencies, self.fields)

    def payments_of(self, document_source_id: str) -> list[Payment]:
        """The payments the platform holds for one invoice (or credit note), whatever their team.

        Asks the list with ``invoice=`` and keeps only that document's rows, so a platform that
        ignores the filter costs a full read, never a wrong answer. Rows that cannot be read are left out.
        """
        wanted = str(document_source_id).strip()
        currencies = self.currencies()
        found: dict[str, Payment] = {}
        for row in self.payments({"invoice": wanted}):
            record = payment_from_payload(row, currencies, self.fields)
            if isinstance(record, Payment) and record.document_source_id == wanted:
                found.setdefault(record.source_id, record)
        return list(found.values())

    def find_payment(self, document_source_id: str, payment_date: date, amount: Decimal,
                     currency_code: str = EURO) -> str | None:
        """The id of a payment the platform already has for this document, date and amount, or None.

        What keeps a settlement typed by hand on the platform, or sent by a run whose answer
        was lost, from being created twice.
        """
        code = currency_code.strip().upper()
        for payment in self.payments_of(document_source_id):
            if payment.payment_date == payment_date and payment.amount == amount and payment.currency == code:
                return payment.source_id
        return None

    def _currency_pk(self, currency_code: str) -> int:
        code = currency_code.strip().upper()
        for pk, name in self.currencies().items():
            if name.strip().upper() == code:
                return pk
        raise SourceDataError(_("the platform's currency list ({url}) holds no {code}: add the currency on the "
                                "platform").format(url=f"{self.base_url}v1/currencies/list/", code=code))

    def create_payment(self, document_source_id: str, payment_date: date, amount: Decimal, currency_code: str,
                       method: str = "", *, project_source_id: str = "",
                       exchange_rate: Decimal | None = None) -> str:
        """Record a payment on the platform and allocate it to its invoice; returns the new payment's id.

        ``POST v1/payments/list/{org}/?team={team}`` (201 with ``pk``), then ``PATCH
        v1/payments/invoice/{pk}/`` with the amount. The POST is sent once: replayed only when the
        platform turned it away unprocessed (429, 503, no connection); a lost answer raises
        ``PlatformUnreachableError`` (look with ``find_payment`` before trying again). The allocation
        sets a value, so it is replayed; if it still fails, ``PaymentNotAllocatedError`` names the
        payment created. A refusal (unknown or draft invoice, bad field) is ``SourceDataError``.
        Call ``find_payment`` first: this method does not look for an existing payment.
        """
        invoice = str(document_source_id).strip()
        if not invoice.isascii() or not invoice.isdigit():
            raise SourceDataError(_("document id {id} is not a platform invoice id").format(
                id=repr(document_source_id)))
        amount = _payment_amount(amount)
        organization, team = self._scope()
        if team is None:
            raise ConfigurationError(_("creating a payment on the platform needs the team id: set platform.team_id "
                                       "in the profile"))
        body: dict[str, Any] = {"date": payment_date.strftime("%d-%m-%Y"), "amount": amount,
                                "currency": self._currency_pk(currency_code), "invoice": int(invoice), "team": team}
        if method:
            body["type"] = method
        if project_source_id:
            project = project_source_id.strip()
            body["project"] = int(project) if project.isascii() and project.isdigit() else project
        if exchange_rate is not None:
            body["currency_rate"] = exchange_rate
        path = f"v1/payments/list/{organization}/"
        answer = self._caller.call(self._session, "POST", path, {"team": team}, body=body,
                                   hint=_("check that invoice {invoice} exists on the platform and is validated, "
                                          "and the payment's fields").format(invoice=invoice))
        key = answer.get("pk", answer.get("id")) if isinstance(answer, dict) else None
        if not (isinstance(key, int) and not isinstance(key, bool)) and not (isinstance(key, str) and key.isdigit()):
            raise SourceDataError(_("{request} was accepted but answered no payment id: the payment may have been "
                                    "created; check invoice {invoice} on the platform before sending it again").format(
                request=f"POST {self.base_url}{path}", invoice=invoice))
        payment_id = str(key)
        try:
            self.allocate_payment(payment_id, amount)
        except SagesyncError as error:
            raise PaymentNotAllocatedError(
                _("payment {payment} was created on the platform for invoice {invoice}, but allocating it to the "
                  "invoice failed ({error}): allocate {amount} to the invoice on the platform, or retry the "
                  "allocation; do not create the payment again").format(
                    payment=payment_id, invoice=invoice, error=error, amount=amount), payment_id) from error
        return payment_id

    def allocate_payment(self, payment_id: str, amount: Decimal) -> None:
        """``PATCH v1/payments/invoice/{pk}/`` ``{"amount": n}``: the amount the payment settles on its invoice.

        Sets a value, so it is replayed after a lost answer; the answer, when it states the amount, must agree.
        """
        amount = _payment_amount(amount)
        path = f"v1/payments/invoice/{str(payment_id).strip()}/"
        answer = self._caller.call(self._session, "PATCH", path, body={"amount": amount}, idempotent=True,
                                   hint=_("check the payment on the platform"))
        held = answer.get("amount") if isinstance(answer, dict) else None
        if held is not None and not (isinstance(held, int | Decimal | str) and _same_amount(held, amount)):
            raise SourceDataError(_("{request} was accepted but the platform holds {held} instead of {amount}").format(
                request=f"PATCH {self.base_url}{path}", held=held, amount=amount))

    def invoice_items(self, invoice_pk: int | str, *, in_worker: bool = False) -> list[Row]:
        return list(self._rows(f"v1/invoices/items/{invoice_pk}/", in_worker=in_worker))

    def _changed(self, row: Row, since: datetime | None) -> bool:
        if since is None:
            return True
        for name in self.fields.updated_at:
            if name in row:
                changed = parse_wire_instant(row[name])
                return changed is None or changed > since  # unreadable: let the mapping report it
        return True

    def documents(self, since: datetime | None = None,
                  include: Collection[str] = ()) -> Iterator[Document | Rejected]:
        """Invoices and credit notes of the team (drafts too unless ``validated_only``), each complete.

        OOTI documents no date filter, so ``since`` is applied here to each list row's
        ``updated_at``: an unchanged invoice costs no items request. Rows without that
        field always come (the ledger's content version then decides).
        """
        organization, team = self._scope()
        currencies = self.currencies()
        params: dict[str, Any] = {"team": team} if team is not None else {}
        if self.validated_only:
            params["is_valid"] = "true"
        seen: set[object] = set()

        def wanted(rows: Iterable[Row]) -> Iterator[Row]:
            for row in rows:
                key = row.get("pk", row.get("id"))
                if key is not None and key in seen:
                    continue  # the listing shifted between pages: this invoice was already handled
                seen.add(key)
                if self._changed(row, since) or str(key) in include:
                    yield row

        def needs_items(row: Row) -> bool:
            key = row.get("pk", row.get("id"))
            return row.get("items") is None and isinstance(key, int | str) and str(key).isdigit()

        def complete(row: Row) -> tuple[Row, object]:
            if needs_items(row):
                return row, self.invoice_items(row.get("pk", row.get("id")), in_worker=True)  # type: ignore[arg-type]
            return row, row.get("items")

        rows = wanted(self._rows(f"v1/invoices/list/{organization}/", params))
        in_order = self._ordered(complete, rows, self.max_in_flight * 8, inline=lambda row: not needs_items(row))
        for row, items in in_order:
            yield document_from_payload(row, items, currencies, self.fields)

    def empty_scope_hint(self) -> str | None:
        """When the profile's team lists no document: the other teams of the organization that have some.

        A wrong team id otherwise gives a silent, empty sync. One short request per team.
        """
        organization, team = self._scope()
        _login, organizations = self.whoami()
        found = next((item for item in organizations if item.get("id", item.get("pk")) == organization), None)
        teams = [item for item in (found or {}).get("teams") or () if isinstance(item, dict)]
        busy: list[str] = []
        for other in teams:
            other_id = other.get("id", other.get("pk"))
            if other_id == team or not isinstance(other_id, int):
                continue
            answer = self._get_json(f"v1/invoices/list/{organization}/", {"team": other_id, "page_size": 1, "page": 1})
            count = answer.get("count") if isinstance(answer, dict) else None
            if isinstance(count, int) and count > 0:
                busy.append(_("{title} (team {id}, {count} document(s))").format(
                    title=other.get("title") or other.get("name") or "", id=other_id, count=count))
        if not busy:
            return None
        return _("team {team} of organization {organization} lists no invoice, but the organization has invoices in "
                 "{teams}: set platform.team_id in the profile to the team whose invoices go to this company "
                 "(`sagesync profile check` lists the teams)").format(team=team, organization=organization,
                                                                      teams=", ".join(busy))

    # --- profile check and write-back --------------------------------------------------------

    def whoami(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """(profile, organizations with their teams): what ``profile check`` shows the user."""
        profile = self._get_json("v1/profiles/profile/")
        membership = self._get_json("v1/organizations/membership/")
        organizations = membership.get("organizations") if isinstance(membership, dict) else None
        if not isinstance(profile, dict) or not isinstance(organizations, list):
            raise SourceDataError(_("{url} did not list organizations").format(
                url=f"{self.base_url}v1/organizations/membership/"))
        return profile, [organization for organization in organizations if isinstance(organization, dict)]

    def patch_invoice(self, pk: int | str, fields: dict[str, Any]) -> dict[str, Any]:
        """``PATCH v1/invoices/{pk}/``; returns the invoice as the platform now holds it.

        Replayed only when the platform turned it away unprocessed (429, 503, no connection):
        a PATCH whose answer was lost is reported, never sent twice blindly.
        """
        body = self._caller.call(self._session, "PATCH", f"v1/invoices/{pk}/", body=fields)
        if not isinstance(body, dict):
            raise SourceDataError(_("{request} answered no invoice object").format(
                request=f"PATCH {self.base_url}v1/invoices/{pk}/"))
        return body


def _payment_amount(amount: object) -> Decimal:
    """A payment amount as sent: a positive, finite Decimal (never a float: money is exact)."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise TypeError(f"a payment amount is a Decimal, not {type(amount).__name__}")
    value = Decimal(amount)
    if not value.is_finite() or value <= 0:
        raise ValueError(f"a payment amount is positive, got {value}")
    return value


def _same_amount(held: object, amount: Decimal) -> bool:
    try:
        return Decimal(str(held)) == amount
    except ArithmeticError:
        return False
