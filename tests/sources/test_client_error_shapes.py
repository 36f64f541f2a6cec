"""The client against transport fakes: the error shapes a live platform can produce."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from sagesync.core.model import Document
from sagesync.errors import LoginRefusedError, PlatformUnreachableError, SourceDataError
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryPolicy

PASSWORD = "s3cret-Passw0rd"
BASE = "https://ooti.test/api/"


def invoice(pk: int, with_items: bool = True) -> dict[str, Any]:
    row: dict[str, Any] = {
        "pk": pk, "type": 1, "code": f"F2025-{pk:04d}", "is_valid": True, "invoice_date": "10-03-2025",
        "client": 1, "project": 2, "currency": 1, "multi_tax_enabled": False, "tax_rate": 20,
        "amount": 100, "tax": 20, "total": 120}
    if with_items:
        row["items"] = [{"pk": pk * 10, "description": "ESQ", "amount": 100, "kind": "fees"}]
    return row


Handler = Callable[[httpx.Request], httpx.Response | None]


class FakeOoti:
    """The few routes the client needs; ``override`` answers first when it returns a response."""

    def __init__(self, pages: list[list[dict[str, Any]]], override: Handler | None = None) -> None:
        self.pages, self.override = pages, override
        self.requests: list[httpx.Request] = []
        self.token = "token-1"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.override is not None:
            answer = self.override(request)
            if answer is not None:
                return answer
        path = request.url.path
        if path == "/api/v1/token-auth/":
            return httpx.Response(200, json={"token": self.token, "refresh": "refresh-1"})
        if path == "/api/v1/token-refresh/":
            self.token = "token-2"
            return httpx.Response(200, json={"access": self.token})
        if request.headers.get("Authorization") != f"JWT {self.token}":
            return httpx.Response(401, json={"detail": "Signature has expired."})
        if path == "/api/v1/currencies/list/":
            return httpx.Response(200, json={"count": 1, "next": None, "results": [{"pk": 1, "name": "EUR"}]})
        if path == "/api/v1/invoices/list/7/":
            number = int(request.url.params["page"])
            more = number < len(self.pages)
            return httpx.Response(200, json={"count": sum(map(len, self.pages)),
                                             "next": f"{BASE}v1/invoices/list/7/?page={number + 1}" if more else None,
                                             "results": self.pages[number - 1]})
        if path.startswith("/api/v1/invoices/items/"):
            pk = int(path.rstrip("/").rsplit("/", 1)[1])
            return httpx.Response(200, json={"count": 1, "next": None, "results": invoice(pk)["items"]})
        return httpx.Response(404, json={"detail": "Not found."})

    def count(self, fragment: str) -> int:
        return sum(fragment in str(request.url) for request in self.requests)


class NoSleep:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def client(fake: FakeOoti, sleep: NoSleep | None = None, **options: Any) -> OotiClient:
    retry = RetryPolicy(max_attempts=4, base_delay=0.01, sleep=sleep or NoSleep(), uniform=lambda: 0.0)
    options.setdefault("page_size", 2)
    return OotiClient(BASE, "compta@atelier.test", PASSWORD, 7, 3, transport=httpx.MockTransport(fake),
                      retry=retry, **options)


def pks(documents: list[Any]) -> list[str]:
    return [document.source_id for document in documents]


def test_items_are_fetched_for_rows_that_lack_them_and_order_is_kept() -> None:
    fake = FakeOoti([[invoice(1, False), invoice(2)], [invoice(3, False)]])
    with client(fake) as ooti:
        documents = list(ooti.documents())
    assert pks(documents) == ["1", "2", "3"]
    assert all(isinstance(document, Document) and document.lines for document in documents)
    assert fake.count("/invoices/items/1/") == 1 and fake.count("/invoices/items/2/") == 0
    assert fake.count("/invoices/items/3/") == 1


def test_the_team_filter_and_page_size_are_sent() -> None:
    fake = FakeOoti([[invoice(1)]])
    with client(fake, validated_only=True) as ooti:
        list(ooti.documents())
    listing = next(r for r in fake.requests if "/invoices/list/" in str(r.url))
    assert dict(listing.url.params) == {"team": "3", "is_valid": "true", "page_size": "2", "page": "1"}


def test_429_with_retry_after_then_success() -> None:
    answered: list[int] = []

    def throttle_once(request: httpx.Request) -> httpx.Response | None:
        if "/invoices/list/" in str(request.url) and not answered:
            answered.append(1)
            return httpx.Response(429, headers={"Retry-After": "3"})
        return None

    sleep = NoSleep()
    with client(FakeOoti([[invoice(1)]], throttle_once), sleep) as ooti:
        assert pks(list(ooti.documents())) == ["1"]
    assert len(sleep.sleeps) == 1 and sleep.sleeps[0] >= 3


def test_5xx_then_success() -> None:
    failures = iter([True, True, False])

    def flaky(request: httpx.Request) -> httpx.Response | None:
        if "/invoices/list/" in str(request.url) and next(failures, False):
            return httpx.Response(502, text="<html>Bad gateway</html>")
        return None

    with client(FakeOoti([[invoice(1)]], flaky)) as ooti:
        assert pks(list(ooti.documents())) == ["1"]


def test_5xx_for_ever_is_unreachable_and_names_the_call() -> None:
    def down(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(503) if "/invoices/list/" in str(request.url) else None

    expected = r"invoices/list/7/\?.*page=1 after 4 attempt"
    with client(FakeOoti([[invoice(1)]], down)) as ooti, pytest.raises(PlatformUnreachableError, match=expected):
        list(ooti.documents())


def test_a_repeated_page_raises_after_the_complete_documents_before_it() -> None:
    fake = FakeOoti([[invoice(1), invoice(2)], [invoice(1), invoice(2)], [invoice(3)]])
    received: list[Any] = []
    with client(fake) as ooti, pytest.raises(SourceDataError, match=r"page 2 of .* repeats page 1"):
        for document in ooti.documents():
            received.append(document)
    assert pks(received) == ["1", "2"]  # nothing twice, nothing partial


def test_an_invoice_listed_twice_is_yielded_once() -> None:
    fake = FakeOoti([[invoice(1), invoice(2)], [invoice(2), invoice(3)]])
    with client(fake) as ooti:
        assert pks(list(ooti.documents())) == ["1", "2", "3"]


def test_malformed_json_names_the_url_and_the_page() -> None:
    def broken(request: httpx.Request) -> httpx.Response | None:
        if "/invoices/list/" in str(request.url) and request.url.params["page"] == "2":
            return httpx.Response(200, content=b'{"count": 3, "results": [{"pk": 3,')
        return None

    fake = FakeOoti([[invoice(1), invoice(2)], [invoice(3)]], broken)
    with client(fake) as ooti, pytest.raises(SourceDataError) as raised:
        list(ooti.documents())
    assert "page 2 of https://ooti.test/api/v1/invoices/list/7/" in str(raised.value)


def test_a_401_renews_the_token_once_even_with_calls_in_flight() -> None:
    fake = FakeOoti([[invoice(pk, with_items=False) for pk in range(1, 11)]])
    with client(fake, page_size=10) as ooti:
        assert len(list(ooti.documents())) == 10
        fake.token = "rotated-by-the-server"  # every token we hold is now refused ...

        def accept_refreshed(request: httpx.Request) -> httpx.Response | None:
            if request.url.path == "/api/v1/token-refresh/":  # ... until we refresh
                fake.token = "token-2"
            return None

        fake.override = accept_refreshed
        again = list(ooti.documents())
    assert pks(again) == [str(pk) for pk in range(1, 11)]
    assert fake.count("token-refresh") == 1 and fake.count("token-auth") == 1


def test_401_twice_is_login_refused_with_the_email_and_url_but_never_the_password() -> None:
    def always_401(request: httpx.Request) -> httpx.Response | None:
        return None if "token-" in request.url.path else httpx.Response(401, json={"detail": "no"})

    with client(FakeOoti([[invoice(1)]], always_401)) as ooti, pytest.raises(LoginRefusedError) as raised:
        list(ooti.documents())
    message = str(raised.value)
    assert "login refused for compta@atelier.test at https://ooti.test/api/" in message
    assert PASSWORD not in message and "token" not in message.lower().replace("token-auth", "")


@pytest.mark.parametrize("status", [400, 401, 403])
def test_bad_credentials_are_login_refused(status: int) -> None:
    def refuse(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/api/v1/token-auth/":
            return httpx.Response(status, json={"non_field_errors": ["Unable to log in with provided credentials."]})
        return None

    with client(FakeOoti([[]], refuse)) as ooti, pytest.raises(LoginRefusedError, match="login refused") as raised:
        list(ooti.customers())
    assert raised.value.exit_code == 3 and PASSWORD not in str(raised.value)


def test_a_403_on_a_list_is_login_refused() -> None:
    def forbid(request: httpx.Request) -> httpx.Response | None:
        return httpx.Response(403) if "/invoices/list/" in str(request.url) else None

    with client(FakeOoti([[invoice(1)]], forbid)) as ooti, pytest.raises(LoginRefusedError):
        list(ooti.documents())


def test_connection_errors_are_retried_then_reported_unreachable() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response | None:
        raise httpx.ConnectError("connection refused", request=request)

    with client(FakeOoti([[]], unreachable)) as ooti, pytest.raises(PlatformUnreachableError, match="ConnectError"):
        list(ooti.customers())


def test_the_password_is_sent_only_to_the_login_and_never_shown() -> None:
    fake = FakeOoti([[invoice(1)]])
    with client(fake) as ooti:
        list(ooti.documents())
        assert PASSWORD not in repr(ooti) and PASSWORD not in str(vars(ooti))
    carrying = [r.url.path for r in fake.requests if PASSWORD.encode() in r.content]
    assert carrying == ["/api/v1/token-auth/"]
    assert json.loads(fake.requests[0].content) == {"username": "compta@atelier.test", "password": PASSWORD}


API_TOKEN = "ooti-tok-5f1c0ffee5f1c0ffee"


def test_the_api_token_is_sent_as_the_authorization_header_and_never_shown(
        caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != f"Bearer {API_TOKEN}":
            return httpx.Response(401, json={"detail": "Invalid token."})
        if request.url.path == "/api/v1/clients/list/7/":
            return httpx.Response(200, json={"count": 1, "next": None,
                                             "results": [{"pk": 1, "name": "SCI Les Tilleuls", "number": "04217"}]})
        return httpx.Response(404, json={"detail": "Not found."})

    caplog.set_level("DEBUG")
    retry = RetryPolicy(max_attempts=2, base_delay=0.01, sleep=NoSleep())
    with OotiClient(BASE, "", None, 7, 3, api_token=API_TOKEN, transport=httpx.MockTransport(api),
                    retry=retry) as ooti:
        assert len(list(ooti.customers())) == 1
        assert API_TOKEN not in repr(ooti) and API_TOKEN not in str(vars(ooti))
        assert API_TOKEN not in repr(vars(ooti)["_session"]) and "api token" in repr(ooti)
    assert seen == [f"Bearer {API_TOKEN}"]  # no login: the token goes straight to the API
    assert API_TOKEN not in caplog.text
    with OotiClient(BASE, "", None, 7, 3, api_token="revoked-" + API_TOKEN, transport=httpx.MockTransport(api),
                    retry=retry) as ooti, pytest.raises(LoginRefusedError) as raised:
        list(ooti.customers())
    assert API_TOKEN not in f"{raised.value!s} {raised.value!r} {caplog.text}"


def test_no_secret_in_errors_or_logs_when_everything_fails(caplog: pytest.LogCaptureFixture) -> None:
    def down(request: httpx.Request) -> httpx.Response | None:
        if request.url.path == "/api/v1/token-auth/":
            return None
        raise httpx.ReadError("connection reset by peer", request=request)

    caplog.set_level("DEBUG")
    with client(FakeOoti([[invoice(1)]], down)) as ooti, pytest.raises(PlatformUnreachableError) as raised:
        list(ooti.documents())
    rendered = f"{raised.value!s} {raised.value!r} {raised.value.__context__!r} {caplog.text}"
    assert PASSWORD not in rendered and "token-1" not in rendered and "refresh-1" not in rendered
    assert "ReadError" in str(raised.value)


def test_an_expired_session_counts_as_a_renewal_not_a_refusal() -> None:
    fake = FakeOoti([[invoice(pk) for pk in range(1, 3)], [invoice(pk) for pk in range(3, 5)]])
    served = []

    def expire_after_first_page(request: httpx.Request) -> httpx.Response | None:
        served.append(request.url.path)
        if "/invoices/list/" in request.url.path and request.url.params["page"] == "2" and fake.token == "token-1":
            fake.token = "expired"  # the server forgets token-1; the refresh gives token-2
        return None

    fake.override = expire_after_first_page
    with client(fake) as ooti:
        assert pks(list(ooti.documents())) == ["1", "2", "3", "4"]
        assert ooti.counters.token_renewals == 1
    assert fake.count("token-refresh") == 1 and fake.count("token-auth") == 1
