"""Contract tests: our client against the real sandbox server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from sagesync.core.model import Customer, Document, DocumentKind, DocumentStatus, Project
from sagesync.errors import LoginRefusedError, SourceDataError
from sagesync.sandbox.samplefirm import DEMO_EMAIL, ORGANIZATION_ID, TEAM_ID, sample_firm_path
from sagesync.sandbox.server import SandboxHandle, start_sandbox
from sagesync.sources.base import Rejected
from sagesync.sources.files import FileSource, synthetic_firm
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryPolicy
from tests.builders import d

FAST = RetryPolicy(max_attempts=3, base_delay=0.01)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    with start_sandbox() as handle:
        yield handle


def connect(sandbox: SandboxHandle, **options: object) -> OotiClient:
    return OotiClient(sandbox.base_url, *sandbox.credentials, None, None, retry=FAST, **options)  # type: ignore[arg-type]


def by_number(documents: list[Document | Rejected]) -> dict[str, Document]:
    return {document.number or document.source_id: document for document in documents
            if isinstance(document, Document)}


def test_the_client_reads_what_the_file_holds(sandbox: SandboxHandle) -> None:
    """Over HTTP or from the file, the same records: the wire format round-trips exactly."""
    from_file = FileSource(sample_firm_path())
    with connect(sandbox, page_size=37) as ooti:
        assert list(ooti.customers()) == list(from_file.customers())
        assert list(ooti.projects()) == list(from_file.projects())
        documents = list(ooti.documents())
    assert documents == list(from_file.documents())
    assert len(documents) == 216 and not any(isinstance(document, Rejected) for document in documents)


def test_organization_and_team_are_discovered_from_the_profile(sandbox: SandboxHandle) -> None:
    with connect(sandbox) as ooti:
        profile, organizations = ooti.whoami()
        list(ooti.projects())
        assert (ooti.organization_id, ooti.team_id) == (ORGANIZATION_ID, TEAM_ID)
    assert profile["selected_org"] == ORGANIZATION_ID and profile["user"]["email"] == DEMO_EMAIL
    assert organizations[0]["id"] == ORGANIZATION_ID and organizations[0]["teams"][0]["id"] == TEAM_ID


def test_paging_in_small_pages_gives_every_invoice_once(sandbox: SandboxHandle) -> None:
    with connect(sandbox, page_size=7, max_in_flight=3) as ooti:
        numbers = [document.source_id for document in ooti.documents()]
    assert len(numbers) == len(set(numbers)) == 216
    assert numbers == sorted(numbers)


def test_items_are_fetched_when_list_rows_omit_them(sandbox: SandboxHandle) -> None:
    before = sandbox.hits["invoice-items"]
    with connect(sandbox) as ooti:
        documents = list(ooti.documents())
    assert sandbox.hits["invoice-items"] - before == len(documents)
    assert all(document.lines for document in documents if isinstance(document, Document))


def test_items_in_list_rows_need_no_further_call() -> None:
    with start_sandbox(items_in_list=True) as sandbox, connect(sandbox) as ooti:
        documents = list(ooti.documents())
        assert len(documents) == 216 and sandbox.hits["invoice-items"] == 0


def test_validated_only_leaves_the_draft_on_the_platform(sandbox: SandboxHandle) -> None:
    with connect(sandbox, validated_only=True) as ooti:
        documents = list(ooti.documents())
    assert len(documents) == 215
    assert all(isinstance(d, Document) and d.status is DocumentStatus.VALIDATED for d in documents)


def test_usd_credit_note_and_multi_rate_map_from_the_wire(sandbox: SandboxHandle) -> None:
    with connect(sandbox) as ooti:
        documents = by_number(list(ooti.documents()))
    usd = next(document for document in documents.values() if document.currency == "USD")
    assert usd.exchange_rate == d("0,8547") and usd.total_incl_vat == d("17 208,00")
    credit = next(document for document in documents.values()
                  if document.kind is DocumentKind.CREDIT_NOTE and document.original_source_id)
    original = next(document for document in documents.values() if document.source_id == credit.original_source_id)
    assert credit.number.startswith("AV") and credit.issue_date > original.issue_date
    assert credit.total_incl_vat > 0 and credit.total_incl_vat <= original.total_incl_vat
    multi = [document for document in documents.values() if len(document.vat_subtotals) == 2]
    assert multi and {s.rate for s in multi[0].vat_subtotals} == {Decimal(10), Decimal(20)}


def test_customers_and_projects(sandbox: SandboxHandle) -> None:
    with connect(sandbox, page_size=5) as ooti:
        customers = list(ooti.customers())
        projects = list(ooti.projects())
    first = customers[0]
    assert all(isinstance(c, Customer) for c in customers) and len(customers) == 23
    assert isinstance(first, Customer) and (first.code, first.name) == ("04217", "SCI Les Tilleuls")
    assert all(isinstance(p, Project) for p in projects) and len(projects) == 30
    assert sum(1 for p in projects if isinstance(p, Project) and not p.code) == 1


def test_an_expired_token_is_refreshed_in_the_middle_of_a_listing(sandbox: SandboxHandle) -> None:
    before = sandbox.hits["token-refresh"]
    with connect(sandbox, page_size=20) as ooti:
        documents = ooti.documents()
        seen = [next(documents).source_id]
        sandbox.expire_tokens()
        seen += [document.source_id for document in documents]
    assert len(seen) == len(set(seen)) == 216
    assert sandbox.hits["token-refresh"] - before == 1


def test_a_wrong_password_is_login_refused(sandbox: SandboxHandle) -> None:
    with OotiClient(sandbox.base_url, DEMO_EMAIL, "wrong", None, None, retry=FAST) as ooti, pytest.raises(
            LoginRefusedError, match=f"login refused for {DEMO_EMAIL} at {sandbox.base_url}"):
        list(ooti.customers())


def test_a_wrong_organization_is_reported_with_the_url(sandbox: SandboxHandle) -> None:
    with OotiClient(sandbox.base_url, *sandbox.credentials, 999, TEAM_ID, retry=FAST) as ooti, pytest.raises(
            SourceDataError, match=r"v1/clients/list/999/.*404.*organization and team ids"):
        list(ooti.customers())


def test_the_team_filter_keeps_other_teams_out() -> None:
    firm = synthetic_firm(30, 2, seed=4).wire()
    firm["teams"].append({"id": 2, "pk": 2, "title": "Lyon"})
    for invoice in firm["invoices"][20:]:
        invoice["team"] = 2
    with start_sandbox(firm) as sandbox:
        with OotiClient(sandbox.base_url, *sandbox.credentials, 1, 1, retry=FAST) as ooti:
            assert len(list(ooti.documents())) == 20
        with OotiClient(sandbox.base_url, *sandbox.credentials, 1, 2, retry=FAST) as ooti:
            assert [document.source_id for document in ooti.documents()] == [str(pk) for pk in range(21, 31)]


def test_patch_invoice_is_recorded_by_the_sandbox() -> None:
    with start_sandbox() as sandbox, connect(sandbox) as ooti:
        answer = ooti.patch_invoice(40011, {"accounting_reference": "F2025-0007"})
        assert answer["accounting_reference"] == "F2025-0007"
        assert sandbox.patches[-1]["pk"] == 40011
        assert sandbox.patches[-1]["fields"] == {"accounting_reference": "F2025-0007"}


def test_payments_are_listed(sandbox: SandboxHandle) -> None:
    with connect(sandbox) as ooti:
        payments = list(ooti.payments())
    assert len(payments) == 201 and all(isinstance(p["amount"], Decimal) for p in payments)


def test_a_team_with_no_invoice_names_the_teams_that_have_some() -> None:
    firm = synthetic_firm(12, 2, seed=5).wire()
    firm["teams"].append({"id": 2, "pk": 2, "title": "Lyon"})
    with start_sandbox(firm) as sandbox:
        with OotiClient(sandbox.base_url, *sandbox.credentials, 1, 2, retry=FAST) as ooti:
            assert list(ooti.documents()) == []
            hint = ooti.empty_scope_hint()
        with OotiClient(sandbox.base_url, *sandbox.credentials, 1, 1, retry=FAST) as ooti:
            assert ooti.empty_scope_hint() is None  # the other team has nothing either
    assert hint is not None and "team 1" in hint and "12 document" in hint and "platform.team_id" in hint
