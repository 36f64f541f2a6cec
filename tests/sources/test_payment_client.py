"""Payments through the real client: read from the sandbox over HTTP on loopback, created once, never doubled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sagesync.core.payments import Payment, Settlement
from sagesync.errors import PaymentNotAllocatedError, PlatformUnreachableError, SourceDataError
from sagesync.sandbox.faults import Decision, Fault, FaultPlan, Faults
from sagesync.sandbox.samplefirm import ORGANIZATION_ID, TEAM_ID, sample_firm_path
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sources.base import Rejected
from sagesync.sources.files import FileSource
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryPolicy
from sagesync.sources.ooti.writeback import PaymentWriteback

FAST = RetryPolicy(max_attempts=3, base_delay=0.01)


def sample() -> dict[str, Any]:
    firm = wirejson.loads(sample_firm_path().read_bytes())
    assert isinstance(firm, dict)
    return firm


FIRM = sample()
CASES = {case["case"]: case for case in FIRM["payment_cases"]}


@pytest.fixture(scope="module")
def shared() -> Iterator[SandboxHandle]:
    """A sandbox only read from (tests that create payments start their own)."""
    with start_sandbox() as handle:
        yield handle


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def connect(sandbox: SandboxHandle, **options: Any) -> OotiClient:
    options.setdefault("retry", FAST)
    return OotiClient(sandbox.base_url, *sandbox.credentials, None, None, **options)


# --- reading ------------------------------------------------------------------------------


def test_the_client_reads_the_payments_the_file_holds_page_by_page(shared: SandboxHandle) -> None:
    expected = list(FileSource(sample_firm_path()).payment_records())
    with connect(shared, page_size=7, max_in_flight=3) as ooti:
        payments = list(ooti.payment_records())
    assert payments == expected and len(payments) == 201
    assert all(isinstance(payment, Payment) and isinstance(payment.amount, Decimal) for payment in payments)
    assert len({payment.source_id for payment in payments}) == 201
    assert shared.hits["payments"] >= 29  # 201 rows in pages of 7


def test_the_currency_pk_is_resolved_and_the_dollar_payment_keeps_its_rate(shared: SandboxHandle) -> None:
    with connect(shared) as ooti:
        payments = {p.source_id: p for p in ooti.payment_records() if isinstance(p, Payment)}
    dollars = payments[str(CASES["foreign_currency"]["payments"][0])]
    assert (dollars.currency, dollars.exchange_rate, dollars.document_source_id) == (
        "USD", Decimal("0.8613"), str(CASES["foreign_currency"]["invoice"]))
    assert {p.currency for key, p in payments.items() if key != dollars.source_id} == {"EUR"}
    assert all(p.exchange_rate is None for key, p in payments.items() if key != dollars.source_id)


def test_since_keeps_only_the_payments_changed_after_it(shared: SandboxHandle) -> None:
    since = datetime(2026, 9, 1, tzinfo=UTC)
    with connect(shared) as ooti:
        recent = list(ooti.payment_records(since))
    stamps = [row["updated_at"] for row in FIRM["payments"]]
    assert len(recent) == sum(stamp > "2026-09-01T00:00:00Z" for stamp in stamps) > 0
    assert all(isinstance(p, Payment) and p.updated_at is not None and p.updated_at > since for p in recent)


def junk_firm() -> dict[str, Any]:
    firm = sample()
    payments = firm["payments"][:3]
    payments[1] = {**payments[1], "amount": "trois cents", "date": "2025-13-45"}
    payments.append({**payments[0], "pk": 79_001, "team": TEAM_ID + 1})  # another team's payment
    firm["payments"] = payments
    return firm


def test_a_malformed_row_is_refused_alone_and_the_others_come() -> None:
    with start_sandbox(junk_firm()) as junk, connect(junk, page_size=2) as ooti:
        records = list(ooti.payment_records())
    assert [type(record).__name__ for record in records] == ["Payment", "Rejected", "Payment"]
    rejected = records[1]
    assert isinstance(rejected, Rejected) and rejected.kind == "payment"
    assert sorted(finding.field for finding in rejected.findings) == ["amount", "date"]
    assert "79001" not in {record.source_id for record in records}  # another team's


def platform_ignoring_filters(rows: list[dict[str, Any]], seen: list[dict[str, list[str]]]) -> httpx.MockTransport:
    """A platform that lists every payment whatever ``team`` or ``invoice`` asks (what OOTI may do)."""
    def answer(request: httpx.Request) -> httpx.Response:
        path = urlsplit(str(request.url)).path
        query = parse_qs(urlsplit(str(request.url)).query)
        if path.endswith("v1/currencies/list/"):
            return httpx.Response(200, json={"count": 2, "next": None, "previous": None,
                                             "results": [{"pk": 1, "name": "EUR"}, {"pk": 2, "name": "USD"}]})
        if path.endswith(f"v1/payments/list/{ORGANIZATION_ID}/"):
            seen.append(query)
            return httpx.Response(200, text=wirejson.dumps({"count": len(rows), "next": None, "previous": None,
                                                            "results": rows}))
        return httpx.Response(404, json={"detail": "Not found."})
    return httpx.MockTransport(answer)


def test_the_team_and_the_invoice_are_checked_on_each_row_when_the_platform_does_not_filter() -> None:
    rows = [{**row, "team": TEAM_ID + 1} if index % 2 else row for index, row in enumerate(FIRM["payments"][:20])]
    rows.append({**rows[0], "pk": 79_002, "team": None})  # no team: the organization's, so this team's too
    seen: list[dict[str, list[str]]] = []
    with OotiClient("http://platform.test/api/", "", None, ORGANIZATION_ID, TEAM_ID, api_token="t",
                    transport=platform_ignoring_filters(rows, seen), retry=FAST) as ooti:
        mine = list(ooti.payment_records())
        of_invoice = ooti.payments_of(str(rows[3]["invoice"]))
    assert [p.source_id for p in mine] == [str(row["pk"]) for row in rows[:20:2]] + ["79002"]
    assert seen[0]["team"] == [str(TEAM_ID)]
    assert [p.source_id for p in of_invoice] == [str(rows[3]["pk"])]  # whatever its team
    assert seen[1]["invoice"] == [str(rows[3]["invoice"])]


def test_payments_of_an_invoice_paid_in_parts_and_find_payment(shared: SandboxHandle) -> None:
    partial = next(case for case in FIRM["payment_cases"] if case["case"] == "partial" and case["parts"] == 3)
    rows = {row["pk"]: row for row in FIRM["payments"]}
    with connect(shared) as ooti:
        found = ooti.payments_of(str(partial["invoice"]))
        assert sorted(int(p.source_id) for p in found) == partial["payments"]
        second = rows[partial["payments"][1]]
        day = datetime.strptime(second["date"], "%d-%m-%Y").date()
        assert ooti.find_payment(str(partial["invoice"]), day, second["amount"]) == str(second["pk"])
        assert ooti.find_payment(str(partial["invoice"]), day, second["amount"] + Decimal("0.01")) is None
        assert ooti.find_payment(str(partial["invoice"]), date(2020, 1, 1), second["amount"]) is None
        assert ooti.find_payment(str(partial["invoice"]), day, second["amount"], "USD") is None
        assert ooti.payments_of("40214") == []  # the draft: no payment


# --- creating -----------------------------------------------------------------------------


def test_a_payment_is_created_allocated_and_then_listed(sandbox: SandboxHandle) -> None:
    with connect(sandbox) as ooti:
        pk = ooti.create_payment("40010", date(2026, 1, 5), Decimal("1500.50"), "EUR", "V", project_source_id="8802")
        assert ooti.find_payment("40010", date(2026, 1, 5), Decimal("1500.50")) == pk
        listed = [p for p in ooti.payment_records() if isinstance(p, Payment) and p.source_id == pk]
    [created] = sandbox.created_payments
    assert str(created["pk"]) == pk == "70202"
    assert {key: created[key] for key in ("date", "amount", "currency", "type", "invoice", "team", "project")} == {
        "date": "05-01-2026", "amount": Decimal("1500.50"), "currency": 1, "type": "V", "invoice": 40010,
        "team": TEAM_ID, "project": 8802}
    assert sandbox.store.allocations == {70202: Decimal("1500.50")}
    assert listed == [Payment(source_id=pk, document_source_id="40010", payment_date=date(2026, 1, 5),
                              amount=Decimal("1500.50"), method="V", updated_at=listed[0].updated_at)]
    assert sandbox.hits["payment-create"] == sandbox.hits["payment-allocate"] == 1


def test_the_amount_travels_as_a_json_number_with_its_digits(sandbox: SandboxHandle) -> None:
    bodies: list[bytes] = []

    class Spy(httpx.HTTPTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.method != "GET":
                bodies.append(request.read())
            return super().handle_request(request)

    with connect(sandbox, transport=Spy()) as ooti:
        ooti.create_payment("40010", date(2026, 1, 5), Decimal("0.10"), "EUR")
    post, patch = (json.loads(body, parse_float=Decimal) for body in bodies[-2:])
    assert b'"amount":0.10' in bodies[-2] and post["amount"] == Decimal("0.10") and "type" not in post
    assert patch == {"amount": Decimal("0.10")}


def test_a_refund_is_created_on_a_credit_note(sandbox: SandboxHandle) -> None:
    with connect(sandbox) as ooti:
        pk = ooti.create_payment("40100", date(2026, 1, 5), Decimal("4320.00"), "eur")
    assert sandbox.store.payment_by_pk[int(pk)]["invoice"] == 40100


@pytest.mark.parametrize(("invoice", "word"), [("40214", "validated"), ("99999", "does not exist")])
def test_the_platform_refuses_a_draft_or_unknown_invoice(sandbox: SandboxHandle, invoice: str, word: str) -> None:
    with connect(sandbox) as ooti, pytest.raises(SourceDataError) as refused:
        ooti.create_payment(invoice, date(2026, 1, 5), Decimal("100.00"), "EUR")
    assert "HTTP 400" in str(refused.value) and word in str(refused.value) and invoice in str(refused.value)
    assert sandbox.created_payments == [] and sandbox.hits["payment-allocate"] == 0


def test_what_the_client_refuses_before_sending(sandbox: SandboxHandle) -> None:
    with connect(sandbox) as ooti:
        with pytest.raises(SourceDataError, match="JPY"):
            ooti.create_payment("40010", date(2026, 1, 5), Decimal("100.00"), "JPY")
        with pytest.raises(SourceDataError, match="not a platform invoice id"):
            ooti.create_payment("F2025-0042", date(2026, 1, 5), Decimal("100.00"), "EUR")
        with pytest.raises(TypeError):
            ooti.create_payment("40010", date(2026, 1, 5), 100.0, "EUR")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="positive"):
            ooti.create_payment("40010", date(2026, 1, 5), Decimal("-5.00"), "EUR")
    assert sandbox.hits["payment-create"] == 0


class FaultsOn(FaultPlan):
    """Plays ``fault`` on the first ``times`` requests of ``method`` whose path holds ``where``."""

    def __init__(self, method: str, where: str, fault: Fault, times: int, status: int = 503) -> None:
        super().__init__(Faults(fail_first=1, error_status=status))  # active: the server asks this plan
        self.method, self.where, self.fault, self.left = method, where, fault, times

    def decide(self, method: str, target: str) -> Decision:
        if method == self.method and self.where in target and self.left > 0:
            self.left -= 1
            self.played[self.fault] += 1
            return Decision(self.fault, slow=False)
        return Decision(Fault.NONE, slow=False)


def play(sandbox: SandboxHandle, plan: FaultPlan) -> None:
    sandbox._server.faults = plan


def test_a_503_on_creation_is_replayed_and_the_payment_is_created_once(sandbox: SandboxHandle) -> None:
    play(sandbox, FaultsOn("POST", "payments/list", Fault.SERVER_ERROR, 2))
    with connect(sandbox) as ooti:
        ooti.create_payment("40010", date(2026, 1, 5), Decimal("100.00"), "EUR")
    assert len(sandbox.created_payments) == 1 and sandbox.hits["payment-create"] == 3


def test_a_500_on_creation_is_not_replayed_and_the_next_run_creates_it(sandbox: SandboxHandle) -> None:
    play(sandbox, FaultsOn("POST", "payments/list", Fault.SERVER_ERROR, 1, status=500))
    settlement = Settlement("40010", "F2025-0010", date(2026, 1, 5), Decimal("100.00"), "EC123")
    with connect(sandbox) as ooti:
        with pytest.raises(PlatformUnreachableError, match="may have been applied"):
            PaymentWriteback(ooti, "V").send(settlement)
        assert sandbox.hits["payment-create"] == 1 and sandbox.created_payments == []
        sent = PaymentWriteback(ooti, "V").send(settlement)
    assert sent.created and [row["pk"] for row in sandbox.created_payments] == [int(sent.payment_id)]


def test_an_answer_lost_after_creation_never_doubles_the_payment(sandbox: SandboxHandle) -> None:
    play(sandbox, FaultsOn("POST", "payments/list", Fault.TRUNCATE, 1))
    settlement = Settlement("40010", "F2025-0010", date(2026, 1, 5), Decimal("100.00"), "EC123")
    writeback = PaymentWriteback(connect(sandbox), "V")
    with pytest.raises(PlatformUnreachableError):
        writeback.send(settlement)  # the platform recorded it, the answer was cut
    assert len(sandbox.created_payments) == 1
    again = writeback.send(settlement)  # the outbox retries: the look-up finds it
    assert not again.created and again.payment_id == str(sandbox.created_payments[0]["pk"])
    assert len(sandbox.created_payments) == 1 and sandbox.hits["payment-create"] == 1
    writeback.client.close()  # type: ignore[attr-defined]


def test_a_flaky_allocation_is_replayed(sandbox: SandboxHandle) -> None:
    play(sandbox, FaultsOn("PATCH", "payments/invoice", Fault.SERVER_ERROR, 2, status=500))
    with connect(sandbox) as ooti:
        pk = ooti.create_payment("40010", date(2026, 1, 5), Decimal("100.00"), "EUR")
    assert sandbox.store.allocations == {int(pk): Decimal("100.00")} and sandbox.hits["payment-allocate"] == 3


def test_a_failed_allocation_names_the_payment_created(sandbox: SandboxHandle) -> None:
    play(sandbox, FaultsOn("PATCH", "payments/invoice", Fault.SERVER_ERROR, 10, status=500))
    with connect(sandbox) as ooti:
        with pytest.raises(PaymentNotAllocatedError) as failed:
            ooti.create_payment("40010", date(2026, 1, 5), Decimal("100.00"), "EUR")
        pk = failed.value.payment_id
        assert pk == str(sandbox.created_payments[0]["pk"]) and pk in str(failed.value)
        assert sandbox.store.allocations == {}
        play(sandbox, FaultPlan(Faults()))
        ooti.allocate_payment(pk, Decimal("100.00"))  # what retrying only the allocation does
    assert sandbox.store.allocations == {int(pk): Decimal("100.00")} and len(sandbox.created_payments) == 1


def test_the_writeback_does_not_double_a_payment_typed_by_hand(sandbox: SandboxHandle) -> None:
    typed = FIRM["payments"][0]
    day = datetime.strptime(typed["date"], "%d-%m-%Y").date()
    settlement = Settlement(str(typed["invoice"]), "F2024-0187", day, typed["amount"], "EC9")
    with connect(sandbox) as ooti:
        writeback = PaymentWriteback(ooti)
        sent = writeback.send(settlement)
        assert (sent.payment_id, sent.created) == (str(typed["pk"]), False)
        other = writeback.send(Settlement(str(typed["invoice"]), "F2024-0187", day, Decimal("10.00"), "EC10"))
        assert other.created and writeback.send(Settlement(str(typed["invoice"]), "F2024-0187", day,
                                                           Decimal("10.00"), "EC10")).created is False
    assert len(sandbox.created_payments) == 1
