"""Failing pages and items: no document is lost, none is handed over twice, none half-read."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sagesync.core.model import Document
from sagesync.errors import PlatformUnreachableError
from sagesync.sandbox.faults import Fault, Faults
from sagesync.sandbox.samplefirm import sample_firm_path
from sagesync.sandbox.server import start_sandbox
from sagesync.sources.base import Rejected
from sagesync.sources.files import FileSource
from sagesync.sources.ooti.client import OotiClient
from sagesync.sources.ooti.retry import RetryPolicy

PATIENT = RetryPolicy(max_attempts=12, base_delay=0.001, max_delay=0.01, max_total=30)


@pytest.fixture(scope="module")
def clean() -> dict[str, Document | Rejected]:
    return {document.source_id: document for document in FileSource(sample_firm_path()).documents()}


def test_every_kind_of_fault_is_retried_and_the_result_is_the_clean_one(
        clean: dict[str, Document | Rejected]) -> None:
    faults = Faults(error_rate=0.12, rate_limit_rate=0.08, retry_after=0, truncate_rate=0.08, slow_rate=0.01,
                    slow_seconds=0.3, seed=7)
    with start_sandbox(faults=faults) as sandbox, OotiClient(
            sandbox.base_url, *sandbox.credentials, None, None, page_size=25, retry=PATIENT, timeout=0.15) as ooti:
        documents = list(ooti.documents())
        played = sandbox.faults_played
    assert [document.source_id for document in documents] == list(clean)
    assert documents == list(clean.values())
    assert played[Fault.SERVER_ERROR] and played[Fault.RATE_LIMIT] and played[Fault.TRUNCATE]


def runs_until_complete(faults: Faults, attempts: int) -> Iterator[list[Document | Rejected]]:
    """Sync runs against a platform too flaky for the retry budget: each yields what it received."""
    impatient = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.001)
    with start_sandbox(faults=faults) as sandbox:
        for _ in range(attempts):
            received: list[Document | Rejected] = []
            with OotiClient(sandbox.base_url, *sandbox.credentials, None, None, page_size=20, max_in_flight=3,
                            retry=impatient) as ooti:
                try:
                    for document in ooti.documents():
                        received.append(document)
                except PlatformUnreachableError:
                    yield received
                    continue
            yield received
            return


def test_runs_that_fail_half_way_lose_nothing_and_duplicate_nothing(clean: dict[str, Document | Rejected]) -> None:
    posted: dict[str, Document | Rejected] = {}  # what a ledger keyed by document would hold
    failed_runs = 0
    for received in runs_until_complete(Faults(error_rate=0.08, seed=3), attempts=40):
        ids = [document.source_id for document in received]
        assert len(ids) == len(set(ids)), "a run handed the same document twice"
        for document in received:
            assert document == clean[document.source_id], "a document was handed over incomplete or altered"
            posted.setdefault(document.source_id, document)
        failed_runs += len(received) < len(clean)
    assert failed_runs > 0, "the faults were meant to break some runs"
    assert posted == clean
