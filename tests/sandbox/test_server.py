"""The sandbox server's routes, envelope, auth and faults, seen from a plain HTTP client."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sagesync.sandbox.faults import Fault, FaultPlan, Faults
from sagesync.sandbox.samplefirm import DEMO_EMAIL, DEMO_PASSWORD, ORGANIZATION_ID, TEAM_ID
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sources.files import synthetic_firm

ORG = ORGANIZATION_ID


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


@pytest.fixture(scope="module")
def http(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, timeout=10) as client:
        token = client.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
        client.headers["Authorization"] = f"JWT {token['token']}"
        yield client


def get(http: httpx.Client, path: str, **params: Any) -> Any:
    response = http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_login_by_form_or_json_gives_access_and_refresh(sandbox: SandboxHandle) -> None:
    with httpx.Client(base_url=sandbox.base_url) as client:
        by_form = client.post("v1/token-auth/", data={"username": DEMO_EMAIL.upper(), "password": DEMO_PASSWORD})
        by_json = client.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD})
        wrong = client.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": "guess"})
        refreshed = client.post("v1/token-refresh/", json={"refresh": by_json.json()["refresh"]})
        bogus = client.post("v1/token-refresh/", json={"refresh": "made-up"})
    assert by_form.status_code == by_json.status_code == 200
    assert set(by_json.json()) == {"token", "access", "refresh"} and by_json.json()["token"] == by_json.json()["access"]
    assert wrong.status_code == 400 and "non_field_errors" in wrong.json()
    assert refreshed.status_code == 200 and refreshed.json()["access"] and bogus.status_code == 401


@pytest.mark.parametrize("header", [None, "JWT not-a-token", "Bearer {token}"])
def test_api_routes_need_a_jwt_token(sandbox: SandboxHandle, http: httpx.Client, header: str | None) -> None:
    token = http.headers["Authorization"].split()[1]
    headers = {"Authorization": header.format(token=token)} if header else {}
    response = httpx.get(f"{sandbox.base_url}v1/invoices/list/{ORG}/", headers=headers)
    assert response.status_code == 401 and "detail" in response.json()


def test_profile_and_membership(http: httpx.Client) -> None:
    profile = get(http, "v1/profiles/profile/")
    assert (profile["selected_org"], profile["selected_team"]) == (ORG, TEAM_ID)
    organization = get(http, "v1/organizations/membership/")["organizations"][0]
    assert organization["id"] == ORG and organization["teams"] == [{"id": TEAM_ID, "title": "Atelier Lumière — Paris"}]
    assert organization["orguser"]["pk"]


def test_the_list_envelope_and_its_links(http: httpx.Client, sandbox: SandboxHandle) -> None:
    first = get(http, f"v1/invoices/list/{ORG}/", page_size=100)
    assert set(first) == {"count", "next", "previous", "results"}
    assert first["count"] == 216 and len(first["results"]) == 100 and first["previous"] is None
    assert first["next"].startswith(f"{sandbox.base_url}v1/invoices/list/{ORG}/?") and "page=2" in first["next"]
    last = http.get(first["next"].replace("page=2", "page=3")).json()
    assert len(last["results"]) == 16 and last["next"] is None and "page=2" in last["previous"]
    assert "items" not in first["results"][0]  # list rows omit items by default (§12)


def test_page_size_is_capped_and_bad_pages_are_404(http: httpx.Client) -> None:
    firm = get(http, f"v1/invoices/list/{ORG}/", page_size=10_000)
    assert len(firm["results"]) == 216  # under the 500 cap
    assert len(get(http, f"v1/invoices/list/{ORG}/")["results"]) == 50  # default page size
    for page in ("4", "0", "x"):
        response = http.get(f"v1/invoices/list/{ORG}/", params={"page": page, "page_size": 100})
        assert response.status_code == 404 and response.json() == {"detail": "Invalid page."}


def test_page_size_cap_is_500() -> None:
    with start_sandbox(synthetic_firm(600, 1, seed=1).wire()) as sandbox, httpx.Client(
            base_url=sandbox.base_url) as client:
        token = client.post("v1/token-auth/", json=dict(zip(("username", "password"), sandbox.credentials,
                                                              strict=True))).json()["token"]
        page = client.get("v1/invoices/list/1/", params={"page_size": 1000},
                          headers={"Authorization": f"JWT {token}"}).json()
    assert len(page["results"]) == 500 and page["count"] == 600 and page["next"]


def test_invoice_filters(http: httpx.Client) -> None:
    def count(**params: Any) -> int:
        return int(get(http, f"v1/invoices/list/{ORG}/", **params)["count"])

    assert count(type=9) == 15 and count(is_valid="false") == 1 and count(is_valid="true") == 215
    assert count(team=TEAM_ID, is_sent="true", is_valid="true", q="") == 215
    assert count(team=999) == 0
    assert count(q="av2026") == len([1 for row in get(http, f"v1/invoices/list/{ORG}/", type=9, page_size=500)
                                     ["results"] if row["code"].startswith("AV2026")])
    assert count(q="harbor lane") == 1


def test_items_route_and_detail(http: httpx.Client, sandbox: SandboxHandle) -> None:
    items = get(http, "v1/invoices/items/40011/")
    assert [item["pk"] for item in items["results"]] == [item["pk"] for item in sandbox.store.items[40011]]
    detail = get(http, "v1/invoices/40011/")
    assert detail["items"] == items["results"] and detail["code"] == "F2025-0007"
    assert http.get("v1/invoices/items/1/").status_code == 404


def test_amounts_travel_as_json_numbers_with_their_cents(http: httpx.Client) -> None:
    text = http.get("v1/invoices/40011/").text
    assert '"amount":4750.00' in text and '"tax":665.00' in text


def test_clients_projects_currencies_teams_payments(http: httpx.Client) -> None:
    assert get(http, f"v1/clients/list/{ORG}/", team=TEAM_ID, page_size=100)["count"] == 23
    assert get(http, "v1/clients/301/")["number"] == "04217"
    assert get(http, f"v1/projects/list/{ORG}/")["count"] == 30
    assert get(http, f"v1/projects/list/{ORG}/{TEAM_ID}/")["count"] == 30
    assert get(http, "v1/projects/8801/")["code"].startswith("PRJ-")
    assert [c["name"] for c in get(http, "v1/currencies/list/")["results"]] == ["EUR", "USD", "CHF", "GBP"]
    assert get(http, f"v1/teams/list/{ORG}/")[0]["id"] == TEAM_ID  # a bare array
    assert get(http, f"v1/payments/list/{ORG}/")["count"] == 201
    assert get(http, "v1/payments/70001")["pk"] == get(http, "v1/payments/70001/")["pk"] == 70001
    assert http.get(f"v1/clients/list/{ORG + 1}/").status_code == 404
    assert http.get("v1/unknown/").status_code == 404


def test_patch_is_recorded_and_a_valid_invoice_is_locked() -> None:
    with start_sandbox() as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        token = http.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()
        http.headers["Authorization"] = f"JWT {token['token']}"
        numbers = [int(row["code"][6:]) for row in sandbox.store.invoices if str(row["code"]).startswith("F2026-")]
        next_number = f"F2026-{max(numbers) + 1:04d}"
        ok = http.patch("v1/invoices/40011/", json={"is_sent": True, "accounting_reference": "F2025-0007"})
        locked = http.patch("v1/invoices/40011/", json={"total": 1})
        draft = http.patch("v1/invoices/40214/", json={"is_valid": True})
        closed = http.patch("v1/invoices/40020/", json={"is_closed": True})
        listed = http.get(f"v1/invoices/list/{ORG}/", params={"q": "F2025-0007"}).json()["results"][0]
    assert ok.status_code == 200 and ok.json()["accounting_reference"] == "F2025-0007"
    assert listed["accounting_reference"] == "F2025-0007"  # later reads see the change
    assert locked.status_code == 400 and locked.json()["fields"] == ["total"]
    assert draft.json()["code"] == next_number  # validating numbers the draft
    credit_pk = int(closed.json()["credit_note_url"].split("/")[4])  # where the vendor SDK reads it
    assert sandbox.store.invoice_by_pk[credit_pk]["original_invoice"] == 40020
    assert [patch["pk"] for patch in sandbox.patches] == [40011, 40214, 40020]


def test_fault_decisions_depend_on_seed_url_and_count_only() -> None:
    faults = Faults(error_rate=0.3, rate_limit_rate=0.2, truncate_rate=0.1, cut_rate=0.1, reset_rate=0.1,
                    slow_rate=0.2, seed=3)
    urls = [f"/api/v1/invoices/list/1/?page={n}" for n in range(50)] * 3
    first, second = FaultPlan(faults), FaultPlan(faults)
    decisions = [first.decide("GET", url) for url in urls]
    assert decisions == [second.decide("GET", url) for url in urls]
    assert {decision.fault for decision in decisions} == set(Fault)
    other = FaultPlan(Faults(error_rate=0.3, rate_limit_rate=0.2, truncate_rate=0.1, seed=4))
    assert decisions != [other.decide("GET", url) for url in urls]
    assert FaultPlan(Faults(fail_first=2)).decide("GET", "/x").fault is Fault.SERVER_ERROR


def test_injected_faults_reach_the_wire() -> None:
    with start_sandbox(faults=Faults(fail_first=1)) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        login = http.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD})
        http.headers["Authorization"] = f"JWT {login.json()['token']}"
        assert login.status_code == 200  # the login is spared
        assert http.get("v1/profiles/profile/").status_code == 503
        assert http.get("v1/profiles/profile/").status_code == 200
    with start_sandbox(faults=Faults(rate_limit_rate=1, retry_after=7)) as sandbox:
        response = httpx.get(f"{sandbox.base_url}v1/profiles/profile/")
        assert response.status_code == 429 and response.headers["Retry-After"] == "7"


def test_a_truncated_body_is_cut_on_the_wire() -> None:
    with start_sandbox(faults=Faults(truncate_rate=1)) as sandbox:
        token = httpx.post(f"{sandbox.base_url}v1/token-auth/",
                           json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()["token"]
        host, port = sandbox.base_url.split("/")[2].split(":")
        with socket.create_connection((host, int(port)), timeout=5) as raw:
            raw.sendall(f"GET /api/v1/invoices/40011/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: JWT {token}\r\n"
                        "\r\n".encode())
            received = b""
            while chunk := raw.recv(65536):
                received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        promised = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length")))
        assert 0 < len(body) < promised
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)


# --- issue 11: the faults a flaky platform plays ------------------------------------------------


def _login(client: httpx.Client) -> None:
    token = client.post("v1/token-auth/", json={"username": DEMO_EMAIL, "password": DEMO_PASSWORD}).json()["token"]
    client.headers["Authorization"] = f"JWT {token}"


def test_a_5xx_with_or_without_retry_after_in_seconds_or_as_a_date() -> None:
    for faults, expected in ((Faults(fail_first=1), None), (Faults(fail_first=1, error_retry_after=3), "3"),
                             (Faults(fail_first=1, error_status=502), None)):
        with start_sandbox(faults=faults) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
            _login(http)
            response = http.get("v1/profiles/profile/")
            assert response.status_code == faults.error_status and response.headers.get("Retry-After") == expected
    with start_sandbox(faults=Faults(fail_first=1, error_retry_after=3, retry_after_as_date=True)) as sandbox:
        response = httpx.get(f"{sandbox.base_url}v1/profiles/profile/")
        assert response.headers["Retry-After"].endswith(" GMT")
        from sagesync.sources.ooti.retry import parse_retry_after
        assert 2 <= (parse_retry_after(response.headers["Retry-After"]) or 0) <= 4


def test_the_token_bucket_answers_429_with_the_wait() -> None:
    with start_sandbox(faults=Faults(requests_per_second=2, burst=3)) as sandbox, httpx.Client(
            base_url=sandbox.base_url) as http:
        _login(http)  # the login is spared
        statuses = [http.get("v1/profiles/profile/") for _ in range(4)]
        assert [response.status_code for response in statuses] == [200, 200, 200, 429]
        assert statuses[-1].headers["Retry-After"] == "1"
        assert sandbox.faults_played[Fault.RATE_LIMIT] == 1


def test_a_cut_body_keeps_a_matching_content_length_and_the_connection() -> None:
    with start_sandbox(faults=Faults(cut_rate=1)) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        _login(http)
        response = http.get("v1/invoices/40011/")
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(response.content) > 0
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
        assert http.get("v1/invoices/40011/").status_code == 200  # same kept-alive connection, still usable


def test_a_reset_drops_the_connection_before_any_answer() -> None:
    with start_sandbox(faults=Faults(reset_rate=1)) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        _login(http)
        with pytest.raises(httpx.TransportError):
            http.get("v1/profiles/profile/")


def test_access_tokens_expire_after_n_requests_or_n_seconds() -> None:
    with start_sandbox(faults=Faults(token_requests=2)) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        _login(http)
        assert [http.get("v1/profiles/profile/").status_code for _ in range(3)] == [200, 200, 401]
    with start_sandbox(faults=Faults(token_seconds=0.2)) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        _login(http)
        assert http.get("v1/profiles/profile/").status_code == 200
        time.sleep(0.3)
        assert http.get("v1/profiles/profile/").status_code == 401


def test_an_api_token_is_accepted_with_its_scheme_only() -> None:
    with start_sandbox(api_token="tok-123") as sandbox:
        url = f"{sandbox.base_url}v1/profiles/profile/"
        assert httpx.get(url, headers={"Authorization": "Bearer tok-123"}).status_code == 200
        assert httpx.get(url, headers={"Authorization": "Token tok-123"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": "Bearer tok-124"}).status_code == 401
        assert httpx.get(url, headers={"Authorization": "JWT tok-123"}).status_code == 401
    with start_sandbox() as sandbox:  # no API token configured: none accepted
        assert httpx.get(f"{sandbox.base_url}v1/profiles/profile/",
                         headers={"Authorization": "Bearer x"}).status_code == 401


def test_faults_describe_only_what_differs() -> None:
    assert Faults().describe() == "none" and not Faults().changed
    assert Faults(requests_per_second=5, seed=2).describe() == "requests_per_second=5, seed=2"
    assert Faults(token_requests=3).changed and not Faults(token_requests=3).active
