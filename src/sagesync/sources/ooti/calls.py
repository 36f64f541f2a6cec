"""One API call, done properly: authenticated, within the in-flight limit, retried, counted.

``ApiCaller.call`` is the only place the OOTI client sends a request from. Per call:

- a slot from the ``AdaptiveLimit`` for each attempt (released before any wait);
- the body of a 2xx read and parsed inside the attempt, so a cut or non-JSON body is
  retried like a 5xx (a GET only: a write that was answered was applied);
- a 401 renews the session (``session.py``) and replays the call; a 403 is
  ``LoginRefusedError``; another 4xx is ``SourceDataError`` naming the URL.

A body is written with ``wirejson``, so a ``Decimal`` amount goes out as a JSON number with
its own digits. A write is replayed only when the platform cannot have acted on it, unless
the caller says it is idempotent (a PATCH that sets a value: sending it twice is sending it once).
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlencode

import httpx

from sagesync.errors import SourceDataError
from sagesync.i18n import _
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.counters import CounterBoard
from sagesync.sources.ooti.retry import (
    RetryableFailure,
    RetryPolicy,
    Stopped,
    failure_of_status,
    malformed,
    run_with_retries,
)
from sagesync.sources.ooti.session import Session
from sagesync.sources.ooti.throttle import AdaptiveLimit, Closed


class ApiCaller:
    def __init__(self, http: httpx.Client, base_url: str, policy: RetryPolicy, limiter: AdaptiveLimit,
                 board: CounterBoard, stop: threading.Event) -> None:
        self.http, self.base_url, self.policy = http, base_url, policy
        self.limiter, self.board, self.stop = limiter, board, stop

    def _attempt(self, method: str, target: str, body: dict[str, Any] | None, headers: dict[str, str],
                 page: int | None) -> tuple[httpx.Response, Any]:
        """One try: (response, parsed body of a 2xx with content, else None); raises to be retried."""
        try:
            slot = self.limiter.acquire()
        except Closed:
            raise Stopped(_("{request} was abandoned: the platform client was closed").format(
                request=f"{method} {self.base_url}{target}")) from None
        throttled, succeeded, retry_after = False, False, None
        try:
            if body is None:
                response = self.http.request(method, target, headers=headers)
            else:
                response = self.http.request(method, target, content=wirejson.dumps(body).encode("utf-8"),
                                             headers={**headers, "Content-Type": "application/json"})
            failure = failure_of_status(response)
            if failure is not None:
                throttled, retry_after = response.status_code == 429, failure.retry_after
                response.close()
                raise RetryableFailure(failure)
            data: Any = None
            if 200 <= response.status_code < 300 and response.content:
                try:
                    data = wirejson.loads(response.content)
                except ValueError as error:
                    where = _("page {page} of {url}").format(page=page, url=response.request.url) \
                        if page is not None else str(response.request.url)
                    raise malformed(_("the platform sent a malformed answer for {where} (HTTP {status}, {size} bytes): "
                                      "{error}").format(where=where, status=response.status_code,
                                                        size=len(response.content), error=str(error)[:120]),
                                    response.content) from None
            succeeded = True
            return response, data
        finally:
            if self.limiter.release(slot, throttled=throttled, succeeded=succeeded, retry_after=retry_after):
                self.board.throttled()

    def _send(self, method: str, target: str, body: dict[str, Any] | None, headers: dict[str, str],
              page: int | None, replayable: bool) -> tuple[httpx.Response, Any]:
        return run_with_retries(lambda: self._attempt(method, target, body, headers, page), self.policy,
                                f"{method} {self.base_url}{target}", replayable=replayable,
                                on_retry=self.board.retried, stop=self.stop)

    def post_unauthenticated(self, path: str, body: dict[str, str], what: str) -> tuple[int, object]:
        """The login and token refresh: no side effect on the platform, so retried like a read."""
        response, data = run_with_retries(lambda: self._attempt("POST", path, dict(body), {}, None), self.policy,
                                          what, on_retry=self.board.retried, stop=self.stop)
        return response.status_code, data

    def call(self, session: Session, method: str, path: str, params: dict[str, Any] | None = None,
             body: dict[str, Any] | None = None, page: int | None = None, *, idempotent: bool = False,
             hint: str | None = None) -> Any:
        """The parsed answer of one API call (None for an empty 2xx).

        ``idempotent``: a write that may be replayed after a lost answer (it sets a value).
        ``hint``: what to check when the platform refuses the call (4xx), instead of the ids.
        """
        session.ensure()
        # The query is written here rather than passed as params: httpx would parse the URL once more.
        target = f"{path}?{urlencode(params)}" if params else path
        renewals = 0
        while True:
            authorization, generation = session.authorization()
            response, data = self._send(method, target, body, {"Authorization": authorization}, page,
                                        replayable=method == "GET" or idempotent)
            if response.status_code != 401:
                break
            if not session.may_renew(generation, renewals):
                raise session.refused(401)
            session.renew(generation)
            renewals += 1
        if response.status_code == 403:
            raise session.refused(403)
        if response.status_code >= 400:
            detail = response.text[:200].replace("\n", " ")
            if hint is not None:
                raise SourceDataError(_("{request} answered HTTP {status}: {detail} ({hint})").format(
                    request=f"{method} {response.request.url}", status=response.status_code, detail=detail,
                    hint=hint))
            raise SourceDataError(_("{request} answered HTTP {status}: {detail} (check the organization and team ids "
                                    "in the profile)").format(request=f"{method} {response.request.url}",
                                                              status=response.status_code, detail=detail))
        session.worked(generation)
        return data
