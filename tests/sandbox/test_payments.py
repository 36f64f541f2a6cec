"""The sandbox's payment routes seen from a plain HTTP client: create, allocate, change, refuse, record."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from sagesync.sandbox.faults import Fault, Faults
from sagesync.sandbox.samplefirm import DEMO_EMAIL, DEMO_PASSWORD, ORGANIZATION_ID, TEAM_ID
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sources.ooti import wirejson

ORG = ORGANIZATION_ID
CREATE = f"v1/payments/list/{ORG}/?team={TEAM_ID}"
GOOD = {"date": "05-01-2026", "amount": 1500.50, "currency": 1, "currency_rate": None, "type": "V", "invoice": 40010,
        "team": TEAM_ID, "project": 8802}


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def login(client: httpx.Client) -> httpx.Client:
    token = client.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
    client.headers["Authorization"] = f"JWT {token['token']}"
    return client


@pytest.fixture
def http(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        yield login(client)


def body(response: httpx.Response) -> Any:
    return wirejson.loads(response.content)


def test_a_payment_is_created_listed_and_recorded(sandbox: SandboxHandle, http: httpx.Client) -> None:
    before = body(http.get(f"v1/payments/list/{ORG}/"))["count"]
    created = http.post(CREATE, json=GOOD)
    assert created.status_code == 201, created.text
    payment = body(created)
    assert payment["pk"] == 70202 and payment["amount"] == Decimal("1500.50") and payment["invoice"] == 40010
    assert payment["created_at"] == payment["updated_at"]
    assert body(http.get(f"v1/payments/list/{ORG}/"))["count"] == before + 1
    assert body(http.get("v1/payments/70202/"))["date"] == "05-01-2026"
    listed = body(http.get(f"v1/payments/list/{ORG}/", params={"invoice": 40010}))["results"]
    assert [row["pk"] for row in listed][-1] == 70202 and {row["invoice"] for row in listed} == {40010}
    assert [row["pk"] for row in sandbox.created_payments] == [70202]


def test_the_team_comes_from_the_query_and_the_currency_and_project_from_the_invoice(
        sandbox: SandboxHandle, http: httpx.Client) -> None:
    created = http.post(CREATE, json={"date": "2026-01-05", "amount": "250", "invoice": 40010})
    assert created.status_code == 201, created.text
    payment = body(created)
    assert (payment["team"], payment["currency"], payment["project"], payment["date"]) == (TEAM_ID, 1, 8802,
                                                                                           "05-01-2026")
    assert payment["amount"] == Decimal(250) and payment["type"] == ""


def test_a_form_body_as_the_vendor_sdk_posts_it(sandbox: SandboxHandle, http: httpx.Client) -> None:
    created = http.post(CREATE, data={"date": "05-01-2026", "amount": "99.90", "invoice": "40010", "type": "C"})
    assert created.status_code == 201, created.text
    assert sandbox.created_payments[0]["amount"] == Decimal("99.90") and sandbox.created_payments[0]["type"] == "C"


def test_a_refund_on_a_credit_note_is_accepted(http: httpx.Client) -> None:
    assert http.post(CREATE, json={**GOOD, "invoice": 40100, "amount": 4320}).status_code == 201


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"invoice": 99999}, "invoice", "does not exist"),
    ({"invoice": 40214}, "invoice", "validated"),  # the draft
    ({"invoice": "F2025-0010"}, "invoice", "pk"),
    ({"invoice": None}, "invoice", "required"),
    ({"date": None}, "date", "required"),
    ({"date": "2026/01/05"}, "date", "DD-MM-YYYY"),
    ({"date": "31-02-2026"}, "date", "DD-MM-YYYY"),
    ({"amount": None}, "amount", "required"),
    ({"amount": 0}, "amount", "greater than 0"),
    ({"amount": -10}, "amount", "greater than 0"),
    ({"amount": "abc"}, "amount", "number"),
    ({"amount": True}, "amount", "number"),
    ({"amount": 12.345}, "amount", "2 decimal places"),
    ({"currency": 99}, "currency", "does not exist"),
    ({"currency_rate": 0}, "currency_rate", "greater than 0"),
    ({"team": 1}, "team", "does not exist"),
    ({"project": 1}, "project", "does not exist"),
    ({"type": 3}, "type", "string"),
])
def test_a_bad_payment_is_refused_with_a_detail(sandbox: SandboxHandle, http: httpx.Client,
                                                changes: dict[str, Any], field: str, words: str) -> None:
    refused = http.post(CREATE, json={**GOOD, **changes})
    assert refused.status_code == 400
    answer = refused.json()
    assert words in answer["detail"] and field in answer["detail"] and words in " ".join(answer[field])
    assert sandbox.created_payments == [] and body(http.get(f"v1/payments/list/{ORG}/"))["count"] == 201


def test_missing_fields_are_all_named(http: httpx.Client) -> None:
    answer = http.post(CREATE, json={"type": "V"}).json()
    assert {"date", "amount", "invoice"} <= set(answer) and "required" in answer["detail"]


def test_without_a_team_or_in_another_organization_or_without_json(http: httpx.Client) -> None:
    assert http.post(f"v1/payments/list/{ORG}/", json={**GOOD, "team": None}).json()["team"] == [
        "This field is required."]
    assert http.post(f"v1/payments/list/{ORG}/", json={**GOOD, "team": None}).status_code == 400
    assert http.post(f"v1/payments/list/{ORG + 1}/?team={TEAM_ID}", json=GOOD).status_code == 404
    garbled = http.post(CREATE, content=b"{not json", headers={"Content-Type": "application/json"})
    assert garbled.status_code == 400 and "detail" in garbled.json()
    assert http.post(CREATE, json=[GOOD]).status_code == 400


def test_writing_needs_a_token(sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=sandbox.base_url) as anonymous:
        assert anonymous.post(CREATE, json=GOOD).status_code == 401
        assert anonymous.patch("v1/payments/invoice/70001/", json={"amount": 1}).status_code == 401
        assert anonymous.patch("v1/payments/70001/", json={"type": "C"}).status_code == 401
    assert sandbox.created_payments == [] and sandbox.store.payment_patches == []


def test_the_allocation_is_recorded_and_checked(sandbox: SandboxHandle, http: httpx.Client) -> None:
    pk = body(http.post(CREATE, json=GOOD))["pk"]
    allocated = http.patch(f"v1/payments/invoice/{pk}/", json={"amount": 1500.50})
    assert allocated.status_code == 200 and body(allocated) == {"pk": pk, "invoice": 40010,
                                                                 "amount": Decimal("1500.50")}
    assert sandbox.store.allocations == {pk: Decimal("1500.50")}
    assert http.patch(f"v1/payments/invoice/{pk}/", json={"amount": 1600}).status_code == 400  # more than paid
    assert http.patch(f"v1/payments/invoice/{pk}/", json={"amount": "x"}).status_code == 400
    assert http.patch(f"v1/payments/invoice/{pk}/", json={}).status_code == 400
    assert http.patch("v1/payments/invoice/12345/", json={"amount": 1}).status_code == 404
    assert sandbox.store.allocations == {pk: Decimal("1500.50")} and len(sandbox.store.payment_patches) == 1


def test_a_payment_is_changed_and_the_list_shows_the_change(sandbox: SandboxHandle, http: httpx.Client) -> None:
    before = body(http.get("v1/payments/70001/"))
    http.get(f"v1/payments/list/{ORG}/")  # the row's text is cached: the PATCH must refresh it
    changed = http.patch("v1/payments/70001/", json={"type": "C", "date": "2025-01-08", "amount": 25100})
    assert changed.status_code == 200, changed.text
    after = body(changed)
    assert (after["type"], after["date"], after["amount"]) == ("C", "08-01-2025", Decimal(25100))
    assert after["updated_at"] != before.get("updated_at") and after["invoice"] == before["invoice"]
    listed = body(http.get(f"v1/payments/list/{ORG}/"))["results"][0]
    assert listed["pk"] == 70001 and listed["type"] == "C" and listed["amount"] == Decimal(25100)
    assert sandbox.store.payment_patches[0]["pk"] == 70001


@pytest.mark.parametrize(("fields", "status"), [
    ({"pk": 1}, 400), ({"invoice": 99999}, 400), ({"invoice": 40214}, 400), ({"date": "soon"}, 400),
    ({"amount": -1}, 400), ({"colour": "blue"}, 400),
])
def test_a_bad_change_is_refused(sandbox: SandboxHandle, http: httpx.Client, fields: dict[str, Any],
                                 status: int) -> None:
    assert http.patch("v1/payments/70001/", json=fields).status_code == status
    assert http.patch("v1/payments/99999/", json={"type": "C"}).status_code == 404
    assert sandbox.store.payment_patches == [] and body(http.get("v1/payments/70001/"))["invoice"] == 40001


def test_faults_apply_to_the_payment_routes() -> None:
    with start_sandbox(faults=Faults(fail_first=1)) as sandbox, httpx.Client(base_url=sandbox.base_url) as client:
        login(client)
        first, second = client.post(CREATE, json=GOOD), client.post(CREATE, json=GOOD)
        pk = body(second)["pk"]
        allocations = [client.patch(f"v1/payments/invoice/{pk}/", json={"amount": 1}).status_code for _ in range(2)]
        changes = [client.patch(f"v1/payments/{pk}/", json={"type": "C"}).status_code for _ in range(2)]
        played = sandbox.faults_played
    assert (first.status_code, second.status_code) == (503, 201)
    assert allocations == [503, 200] and changes == [503, 200]
    assert played[Fault.SERVER_ERROR] == 3 and len(sandbox.created_payments) == 1
