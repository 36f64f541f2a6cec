"""The client against the real sandbox playing each fault a platform and network produce (issue 11).

No mocks: a real HTTP server on 127.0.0.1, the real client. Every read under faults
must give exactly the documents of a fault-free read.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from sagesync.core.model import Document
from sagesync.errors import ConfigurationError, LoginRefusedError, PlatformUnreachableError, SourceDataError
from sagesync.sandbox.faults import Fault, Faults
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sources.base import Rejected
from sagesync.sources.files import synthetic_firm
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryCause, RetryPolicy

FIRM = synthetic_firm(60, 2, seed=11).wire()
BIG_FIRM = synthetic_firm(300, 2, seed=12).wire()
# Quick retries, but a real budget: what a test of "it gets through" needs.
QUICK = RetryPolicy(base_delay=0.005, max_delay=2.0, budget=20.0)


def read(sandbox: SandboxHandle, **options: Any) -> list[Document | Rejected]:
    options.setdefault("retry", QUICK)
    options.setdefault("page_size", 10)
    with OotiClient(sandbox.base_url, *sandbox.credentials, None, None, **options) as ooti:
        return list(ooti.documents())


@pytest.fixture(scope="module")
def clean() -> list[Document | Rejected]:
    with start_sandbox(FIRM) as sandbox:
        documents = read(sandbox)
    assert len(documents) == 60 and all(isinstance(document, Document) for document in documents)
    return documents


SINGLE_FAULTS = {
    "503": (Faults(error_rate=0.3, seed=1), Fault.SERVER_ERROR, RetryCause.SERVER_ERROR),
    "500": (Faults(error_rate=0.3, error_status=500, seed=1), Fault.SERVER_ERROR, RetryCause.SERVER_ERROR),
    "503 + Retry-After": (Faults(error_rate=0.3, error_retry_after=0, seed=2), Fault.SERVER_ERROR,
                          RetryCause.SERVER_ERROR),
    "429 drawn": (Faults(rate_limit_rate=0.3, retry_after=0, seed=3), Fault.RATE_LIMIT, RetryCause.THROTTLED),
    "connection closed mid-body": (Faults(truncate_rate=0.3, seed=4), Fault.TRUNCATE, RetryCause.CONNECTION),
    "cut JSON, Content-Length matching": (Faults(cut_rate=0.3, seed=5), Fault.CUT_BODY, RetryCause.MALFORMED),
    "connection reset": (Faults(reset_rate=0.3, seed=6), Fault.RESET, RetryCause.CONNECTION),
    "slow answers past the timeout": (Faults(slow_rate=0.1, slow_seconds=0.4, seed=7), Fault.NONE,
                                      RetryCause.TIMEOUT),
}


@pytest.mark.parametrize("name", list(SINGLE_FAULTS))
def test_each_fault_alone_is_survived(name: str, clean: list[Document | Rejected]) -> None:
    faults, fault, cause = SINGLE_FAULTS[name]
    with start_sandbox(FIRM, faults=faults) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, None, None, retry=QUICK, page_size=10, timeout=0.2) as ooti:
        documents = list(ooti.documents())
        counters = ooti.counters
        assert sandbox.faults_played[fault] > 0
    assert documents == clean
    assert counters.retries_by_cause.get(cause, 0) > 0, counters
    assert counters.retries == sum(counters.retries_by_cause.values())


def test_the_token_bucket_is_survived_and_lowers_the_requests_in_flight(clean: list[Document | Rejected]) -> None:
    # ~70 requests against 40 a second (30 at once), 6 at a time: the client meets 429s and cuts its limit.
    with start_sandbox(FIRM, faults=Faults(requests_per_second=40, burst=30)) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, None, None, retry=QUICK, page_size=10) as ooti:
        documents = list(ooti.documents())
        counters = ooti.counters
        throttled = sandbox.faults_played[Fault.RATE_LIMIT]
    assert documents == clean
    assert throttled > 0 and counters.retries_by_cause[RetryCause.THROTTLED] == throttled
    assert 1 <= counters.throttle_events <= throttled  # a burst of 429s for requests sent together is one event
    assert counters.lowest_in_flight_limit < 6
    assert f"{throttled} throttled" in counters.summary()


def test_the_combined_profile_of_issue_11_reads_exactly_the_clean_documents() -> None:
    """20 % server errors, 5 requests a second, 5 % truncated bodies (both forms), 50 ms answers."""
    faults = Faults(error_rate=0.2, requests_per_second=5, truncate_rate=0.025, cut_rate=0.025, seed=11)
    with start_sandbox(BIG_FIRM, items_in_list=True) as sandbox:
        expected = read(sandbox, page_size=25)
    started = time.monotonic()
    with start_sandbox(BIG_FIRM, faults=faults, items_in_list=True, latency=0.05) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, None, None, page_size=25,
            retry=RetryPolicy(base_delay=0.05, budget=60)) as ooti:
        documents = list(ooti.documents())
        counters = ooti.counters
        played = sandbox.faults_played
    assert len(documents) == 300 and documents == expected
    assert played[Fault.SERVER_ERROR] and played[Fault.RATE_LIMIT]
    assert counters.retries >= played[Fault.SERVER_ERROR] + played[Fault.RATE_LIMIT]
    assert time.monotonic() - started < 20


@pytest.mark.parametrize("expiry", [Faults(token_requests=7), Faults(token_seconds=0.1)],
                         ids=["after 7 requests", "after 0.1 s"])
def test_a_token_that_expires_mid_run_is_renewed(expiry: Faults, clean: list[Document | Rejected]) -> None:
    with start_sandbox(FIRM, faults=expiry, latency=0.02) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, None, None, retry=QUICK, page_size=10) as ooti:
        documents = list(ooti.documents())
        renewals = ooti.counters.token_renewals
        refreshes = sandbox.hits["token-refresh"]
    assert documents == clean
    assert renewals >= 1 and refreshes == renewals


def test_a_wrong_password_is_still_login_refused_on_a_flaky_platform() -> None:
    faults = Faults(error_rate=0.3, truncate_rate=0.1, seed=3, spare_login=False)
    refused = r"login refused for .* check the platform e-mail and password"
    with start_sandbox(FIRM, faults=faults) as sandbox, OotiClient(
            sandbox.base_url, sandbox.credentials[0], "not-the-password", None, None, retry=QUICK) as ooti, \
            pytest.raises(LoginRefusedError, match=refused) as raised:
        list(ooti.documents())
    assert raised.value.exit_code == 3 and "not-the-password" not in str(raised.value)


@pytest.mark.parametrize(("faults", "error"), [(Faults(error_rate=1), PlatformUnreachableError),
                                               (Faults(reset_rate=1), PlatformUnreachableError),
                                               (Faults(cut_rate=1), SourceDataError)],
                         ids=["always 503", "always reset", "always cut (reported as a malformed answer)"])
def test_a_platform_that_always_fails_is_given_up_after_the_budget(faults: Faults, error: type[Exception]) -> None:
    budget = 0.6
    policy = RetryPolicy(base_delay=0.05, max_delay=0.2, budget=budget)
    with start_sandbox(FIRM, faults=faults) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, 1, 1, retry=policy) as ooti:
        started = time.monotonic()
        with pytest.raises(error) as raised:
            list(ooti.customers())
        elapsed = time.monotonic() - started
    assert raised.value.exit_code == 3  # type: ignore[attr-defined]
    assert f"{sandbox.base_url}v1/clients/list/1/" in str(raised.value)
    assert budget * 0.5 <= elapsed <= budget + 1.0


def test_a_cut_body_that_never_heals_is_a_malformed_answer_after_the_budget() -> None:
    policy = RetryPolicy(base_delay=0.05, max_delay=0.2, budget=0.5)
    with start_sandbox(FIRM, faults=Faults(cut_rate=1)) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, 1, 1, retry=policy) as ooti, pytest.raises(
            SourceDataError, match=r"malformed answer for page 1 of .*v1/clients/list/1/.*after \d+ attempt"):
        list(ooti.customers())


def test_retry_after_on_a_503_is_honoured_in_seconds_and_as_a_date() -> None:
    for as_date in (False, True):
        faults = Faults(fail_first=1, error_retry_after=1, retry_after_as_date=as_date)
        with start_sandbox(FIRM, faults=faults) as sandbox, OotiClient(
                sandbox.base_url, *sandbox.credentials, 1, 1, retry=QUICK, page_size=500) as ooti:
            started = time.monotonic()
            assert len(list(ooti.customers())) > 0
            elapsed = time.monotonic() - started
        # Waited for the platform, not the 5 ms backoff (an HTTP date has one-second precision).
        assert elapsed >= (0.3 if as_date else 0.95), (as_date, elapsed)


# --- writes ----------------------------------------------------------------------------------


def test_a_patch_whose_answer_is_lost_is_reported_not_replayed() -> None:
    with start_sandbox(FIRM, faults=Faults(truncate_rate=1)) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, 1, 1, retry=QUICK) as ooti:
        pk = sandbox.store.invoices[0]["pk"]
        with pytest.raises(PlatformUnreachableError, match=rf"PATCH .*v1/invoices/{pk}/ was sent but its answer "
                                                           "was lost.*not repeated"):
            ooti.patch_invoice(pk, {"accounting_reference": "F-1"})
        assert [patch["pk"] for patch in sandbox.patches] == [pk]  # applied once, never twice


@pytest.mark.parametrize("faults", [Faults(fail_first=2), Faults(fail_first=1, error_retry_after=0),
                                    Faults(requests_per_second=2, burst=1)],
                         ids=["503", "503 + Retry-After", "429"])
def test_a_patch_turned_away_unprocessed_is_replayed(faults: Faults) -> None:
    with start_sandbox(FIRM, faults=faults) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, 1, 1, retry=RetryPolicy(base_delay=0.005, budget=5)) as ooti:
        pk = sandbox.store.invoices[0]["pk"]
        # Twice: with a bucket of one request, the second PATCH meets a 429 first.
        assert ooti.patch_invoice(pk, {"accounting_reference": "F-1"})["accounting_reference"] == "F-1"
        assert ooti.patch_invoice(pk, {"accounting_reference": "F-2"})["accounting_reference"] == "F-2"
        assert [patch["fields"] for patch in sandbox.patches] == [{"accounting_reference": "F-1"},
                                                                   {"accounting_reference": "F-2"}]
        assert ooti.counters.retries >= 1


def test_a_patch_whose_server_failed_mid_way_is_not_replayed() -> None:
    with start_sandbox(FIRM, faults=Faults(fail_first=1, error_status=500)) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, 1, 1, retry=QUICK) as ooti:
        pk = sandbox.store.invoices[0]["pk"]
        with pytest.raises(PlatformUnreachableError, match=r"HTTP 500.*not repeated"):
            ooti.patch_invoice(pk, {"accounting_reference": "F-1"})
        assert sandbox.hits["invoice-patch"] == 1


# --- API tokens ------------------------------------------------------------------------------

API_TOKEN = "ooti-api-token-0123456789abcdef"


def test_an_api_token_reads_without_a_login(clean: list[Document | Rejected]) -> None:
    with start_sandbox(FIRM, api_token=API_TOKEN) as sandbox, OotiClient(
            sandbox.base_url, "", None, None, None, api_token=API_TOKEN, retry=QUICK, page_size=10) as ooti:
        assert list(ooti.documents()) == clean
        assert API_TOKEN not in repr(ooti) and API_TOKEN not in str(vars(ooti))
        assert sandbox.hits["token-auth"] == 0


def test_the_api_token_scheme_is_a_setting() -> None:
    with start_sandbox(FIRM, api_token=API_TOKEN, api_token_scheme="Token") as sandbox:
        with OotiClient(sandbox.base_url, "", None, 1, 1, api_token=API_TOKEN, api_token_scheme="Token",
                        retry=QUICK) as ooti:
            assert len(list(ooti.customers())) > 0
        with OotiClient(sandbox.base_url, "", None, 1, 1, api_token=API_TOKEN, retry=QUICK) as ooti, \
                pytest.raises(LoginRefusedError, match=r"API token was refused .*'Authorization: Bearer …'.*"
                                                       "api_token_scheme"):
            list(ooti.customers())


def test_a_wrong_api_token_is_refused_without_showing_it() -> None:
    with start_sandbox(FIRM, api_token=API_TOKEN) as sandbox, OotiClient(
            sandbox.base_url, "", None, 1, 1, api_token="wrong-token-42", retry=QUICK) as ooti, \
            pytest.raises(LoginRefusedError, match="Settings > Integrations > API tokens") as raised:
        list(ooti.customers())
    assert raised.value.exit_code == 3 and "wrong-token-42" not in str(raised.value)


def test_a_password_or_a_token_not_both_nor_neither() -> None:
    with pytest.raises(ConfigurationError, match="not both"):
        OotiClient("http://127.0.0.1:1/api/", "a@b.fr", "pw", 1, 1, api_token="t")
    with pytest.raises(ConfigurationError, match="not neither"):
        OotiClient("http://127.0.0.1:1/api/", "a@b.fr", None, 1, 1)
