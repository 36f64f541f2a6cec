"""The vendor's own SDK (ooti-api 1.0.3 on PyPI) as an independent client of the sandbox.

If the SDK, written against the live API, reads the sandbox as it reads OOTI, the
sandbox speaks the wire format our client is tested against. The SDK fetches a
CSRF cookie from https://app.ooti.co first: that one call is redirected to the
sandbox's ``/accounts/login/``, and the loopback guard fails the test if anything
else tries to leave the machine. Its base URL is a plain attribute, set after
construction (``ENVIRONMENT=LOCAL`` would mean a fixed port 8000).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from sagesync.sandbox.samplefirm import ORGANIZATION_ID, TEAM_ID
from sagesync.sandbox.server import SandboxHandle, start_sandbox

ooti = pytest.importorskip("resources.ooti", reason="the test extra installs ooti-api==1.0.3")
requests = pytest.importorskip("requests")

LIVE_LOGIN_PAGE = "https://app.ooti.co/accounts/login/"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


@pytest.fixture
def sdk(sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A connected ``OotiAPI`` pointed at the sandbox."""
    local_login_page = sandbox.base_url.replace("/api/", "/accounts/login/")

    class LocalSession(requests.Session):  # type: ignore[misc, name-defined]
        def get(self, url: str, **options: Any) -> Any:
            assert url == LIVE_LOGIN_PAGE, f"unexpected SDK session call to {url}"
            return super().get(local_login_page, **options)

    monkeypatch.setattr(ooti.requests, "session", LocalSession)
    email, password = sandbox.credentials
    api = ooti.OotiAPI(email, password, pagination=100)
    api.base_url = sandbox.base_url
    api.connect()
    return api


def test_the_sdk_logs_in_and_finds_the_organization_and_team(sdk: Any, sandbox: SandboxHandle) -> None:
    assert sdk.org_pk == ORGANIZATION_ID
    assert sdk.teams_pk == [{"id": TEAM_ID, "title": "Atelier Lumière — Paris"}]
    assert sdk.headers["Authorization"].startswith("JWT ") and sdk._csrf_token
    assert sandbox.hits["token-auth"] == 1  # the SDK posts a form: the sandbox takes form or JSON


def test_the_sdk_pages_through_invoices_as_the_sandbox_serves_them(sdk: Any, sandbox: SandboxHandle) -> None:
    rows: list[dict[str, Any]] = []
    for page in range(1, 4):
        answer = sdk.Invoices.get_invoices_list(page)
        assert answer["status"] == 200
        rows += answer["data"]
    assert [row["pk"] for row in rows] == [row["pk"] for row in sandbox.store.invoices]
    assert sdk.Invoices.get_invoices_list(4)["status"] == 404  # DRF: "Invalid page."


def test_the_sdk_filters_sent_valid_invoices_and_credit_notes(sdk: Any, sandbox: SandboxHandle) -> None:
    valid = sdk.Invoices.get_invoices_sent_valid_list(TEAM_ID)["data"]
    valid += sdk.Invoices.get_invoices_sent_valid_list(TEAM_ID, 2)["data"]
    valid += sdk.Invoices.get_invoices_sent_valid_list(TEAM_ID, 3)["data"]
    assert len(valid) == 215 and all(row["is_valid"] and row["is_sent"] for row in valid)
    credit_notes = sdk.Invoices.get_credit_notes_list()["data"]
    assert len(credit_notes) == 15 and {row["type"] for row in credit_notes} == {9}


def test_invoice_detail_and_items_carry_the_same_amounts(sdk: Any, sandbox: SandboxHandle) -> None:
    detail = sdk.Invoices.get_invoice_details(40011)
    items = sdk.Invoices.get_invoice_items(40011)
    assert detail["status"] == items["status"] == 200
    stored = sandbox.store.items[40011]
    assert [item["pk"] for item in items["data"]["results"]] == [item["pk"] for item in stored]
    assert [Decimal(repr(item["amount"])) for item in detail["data"]["items"]] == [item["amount"] for item in stored]
    assert Decimal(repr(detail["data"]["total"])) == sandbox.store.invoice_by_pk[40011]["total"]


def test_the_sdk_reads_clients_projects_currencies_teams_payments(sdk: Any, sandbox: SandboxHandle) -> None:
    clients = sdk.Clients.get_clients_list(TEAM_ID)
    assert clients["status"] == 200 and clients["data"][0]["number"] == "04217"
    projects = sdk.Projects.get_projects_list()
    assert projects["status"] == 200 and projects["data"][0]["code"].startswith("PRJ-")
    currencies = sdk.Currencies.get_currencies_list()["data"]
    assert [currency["name"] for currency in currencies] == ["EUR", "USD", "CHF", "GBP"]
    teams = sdk.Teams.get_teams_list()
    assert teams["status"] == 200 and teams["data"][0]["pk"] == TEAM_ID  # a bare array, no 'results'
    payment = sdk.Payments.get_payment_details(70001)  # the SDK's one route without a trailing slash
    assert payment["status"] == 200 and payment["data"]["pk"] == 70001


def test_the_sdk_patches_and_cancels_an_invoice(sdk: Any, sandbox: SandboxHandle) -> None:
    assert sdk.Invoices.update_invoice(40011, {"references": "BC-2025-118"})["status"] == 200
    assert sandbox.patches[-1]["fields"] == {"references": "BC-2025-118"}
    locked = sdk.Invoices.update_invoice(40011, {"amount": 1})
    assert locked["status"] == 400 and locked["data"]["detail"] == "Invoice cannot be changed once valid"
    cancelled = sdk.Invoices.cancel_invoice(40012)  # the SDK reads the credit note pk out of credit_note_url
    credit_note = sandbox.store.invoice_by_pk[int(cancelled["data"])]
    assert credit_note["type"] == 9 and credit_note["original_invoice"] == 40012
    assert credit_note["code"].startswith("AV")


def test_without_a_token_the_sandbox_answers_401(sandbox: SandboxHandle) -> None:
    response = requests.get(f"{sandbox.base_url}v1/profiles/profile/", headers={"Accept": "application/json"},
                            timeout=5)
    assert response.status_code == 401
