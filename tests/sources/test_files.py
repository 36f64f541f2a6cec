"""The file source and the synthetic firm: same mapping as the platform, no network."""

from __future__ import annotations

import re
import tracemalloc
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sagesync.core.checks import CheckContext, Verdict, check_document
from sagesync.core.model import Customer, Document, DocumentStatus, Project
from sagesync.core.versioning import content_version
from sagesync.errors import SourceDataError
from sagesync.profiles.defaults import default_mapping
from sagesync.sandbox.samplefirm import sample_firm_path
from sagesync.sources.files import FileSource, synthetic_firm
from sagesync.sources.ooti import wirejson
from tests.builders import company


def test_the_sample_firm_reads_without_a_refusal() -> None:
    source = FileSource(sample_firm_path())
    kinds = Counter(type(record).__name__ for record in [*source.customers(), *source.projects(),
                                                           *source.documents()])
    assert kinds == {"Customer": 23, "Project": 30, "Document": 216}


def test_since_keeps_the_documents_changed_after_it() -> None:
    source = FileSource(sample_firm_path())
    since = datetime(2026, 6, 1, tzinfo=UTC)
    recent = list(source.documents(since))
    assert recent and all(isinstance(d, Document) and d.updated_at and d.updated_at > since for d in recent)
    assert len(recent) < 216


def test_validated_only_drops_drafts() -> None:
    documents = list(FileSource(sample_firm_path(), validated_only=True).documents())
    assert len(documents) == 215
    assert all(isinstance(d, Document) and d.status is DocumentStatus.VALIDATED for d in documents)


@pytest.mark.parametrize(("content", "message"), [(b"{", "not valid JSON"), (b"[]", "holds no firm object"),
                                                  (b'{"invoices": 3}', "'invoices' should be a list")])
def test_a_broken_file_is_a_source_error(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "firm.json"
    path.write_bytes(content)
    with pytest.raises(SourceDataError, match=message):
        list(FileSource(path).documents())


def test_a_missing_file_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceDataError, match="cannot read the firm file"):
        FileSource(tmp_path / "nowhere.json")


def test_the_synthetic_firm_is_deterministic_and_clean() -> None:
    firm = synthetic_firm(300, 3, seed=5)
    documents = list(firm.documents())
    assert documents == list(synthetic_firm(300, 3, seed=5).documents())
    assert documents != list(synthetic_firm(300, 3, seed=6).documents())
    customers = {c.source_id: c.code for c in firm.customers() if isinstance(c, Customer)}
    projects = {p.source_id: p.code for p in firm.projects() if isinstance(p, Project)}
    context = CheckContext(default_mapping(), company(), date(2025, 1, 1), customers, projects)
    verdicts = Counter(check_document(d, context, content_version(d)).verdict for d in documents
                       if isinstance(d, Document))
    assert verdicts == {Verdict.READY: 300}
    assert all(len(d.lines) == 3 for d in documents if isinstance(d, Document))


def test_the_synthetic_firm_streams_in_flat_memory() -> None:
    def peak(invoices: int) -> int:
        tracemalloc.start()
        for _ in synthetic_firm(invoices, 3, seed=1).documents():
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    assert peak(4000) < 2 * peak(400) + 200_000  # ten times the invoices, not ten times the memory


def test_the_synthetic_wire_reads_back_through_the_file_source(tmp_path: Path) -> None:
    firm = synthetic_firm(50, 2, seed=3)
    path = tmp_path / "firm.json"
    path.write_text(wirejson.dumps(firm.wire()), encoding="utf-8")
    assert list(FileSource(path).documents()) == list(firm.documents())
    text = path.read_text(encoding="utf-8")
    assert re.search(r'"amount":[0-9]+\.[0-9]{2}[,}]', text)  # amounts are JSON numbers, cents written
    assert not re.search(r'"amount":"', text)
