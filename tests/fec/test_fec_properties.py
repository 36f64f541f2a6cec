"""Properties: whatever valid documents are posted, the FEC we write passes our own validator."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sagesync.core.model import Document, DocumentKind, DocumentLine, RevenueKind
from sagesync.fec.check import inspect_fec, inspect_fec_stream
from sagesync.fec.writer import FEC_COLUMNS, FecOptions, assign_numbers, write_fec
from tests.builders import document
from tests.fec.fec_helpers import posted, rows

RATES = [Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("0")]
any_text = st.text(max_size=40)  # tabs, pipes, line breaks, emoji: the writer must cope


@st.composite
def document_lines(draw: st.DrawFn) -> DocumentLine:
    kind = draw(st.sampled_from(list(RevenueKind)))
    rate = None if kind is RevenueKind.DISBURSEMENTS else draw(st.sampled_from(RATES))
    cents = draw(st.integers(min_value=100, max_value=10**9))
    return DocumentLine(draw(any_text), Decimal(cents) / 100, rate, kind)


@st.composite
def documents(draw: st.DrawFn, index: int, issue: date) -> Document:
    foreign = draw(st.booleans())
    rate = str(Decimal(draw(st.integers(min_value=5000, max_value=20000))) / 10000) if foreign else None
    built = document(
        *draw(st.lists(document_lines(), min_size=1, max_size=6)),
        number=f"F{index:05d}",
        kind=draw(st.sampled_from(list(DocumentKind))),
        currency="USD" if foreign else "EUR",
        rate=rate,
        issue=issue,
        customer=draw(st.sampled_from(["c1", "c2"])),
        source_id=str(index),
    )
    return dataclasses.replace(built, label=draw(any_text))


@st.composite
def runs(draw: st.DrawFn) -> list[list[tuple[Document, date]]]:
    """Runs of (document, validation date): dates and validations never go back."""
    day, validated = date(2025, 1, 1), date(2025, 1, 1)
    result = []
    index = 0
    for _run in range(draw(st.integers(min_value=1, max_value=3))):
        run = []
        for _document in range(draw(st.integers(min_value=1, max_value=4))):
            day += timedelta(days=draw(st.integers(min_value=0, max_value=20)))
            validated = max(validated, day + timedelta(days=draw(st.integers(min_value=0, max_value=5))))
            run.append((draw(documents(index, day)), validated))
            index += 1
        result.append(run)
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    runs(),
    st.sampled_from([FecOptions(), FecOptions(separator="|"), FecOptions(encoding="utf-8")]),
    st.dictionaries(st.sampled_from(["411000", "706000", "445742", "708500"]), any_text),
    st.dictionaries(st.sampled_from(["DUPONT", "MARTIN"]), any_text),
)
def test_written_fec_passes_the_validator(
    runs: list[list[tuple[Document, date]]], options: FecOptions, labels: dict[str, str], names: dict[str, str]
) -> None:
    counters: dict[str, int] = {}
    numbered = []
    for run in runs:
        entries, counters = assign_numbers([(posted(doc), day) for doc, day in run], counters, {"VTE": "Ventes"})
        numbered.extend(entries)
    with TemporaryDirectory() as folder:
        target = Path(folder) / "732829320FEC20251231.txt"
        summary = write_fec(numbered, target, account_labels=labels, tiers_names=names, options=options)
        report = inspect_fec(target)
        data = target.read_bytes()
    # The validator's documented limit: an ISO-8859-15 line that is also valid UTF-8 is taken for UTF-8.
    assume(not (options.encoding == "iso-8859-15" and report.encoding == "utf-8"))
    assert [str(problem) for problem in report.problems] == []
    assert report.encoding in ("ascii", options.encoding)
    assert report.separator == options.separator
    assert (
        (report.lines, report.entries)
        == (summary.lines, summary.entries)
        == (sum(len(item.entry.lines) for item in numbered), len(numbered))
    )
    expected_total = sum((item.entry.total_debit for item in numbered), Decimal(0))
    assert report.total_debit == report.total_credit == summary.total_debit == expected_total
    # Every line keeps its account, side and amount, in order.
    written = [(row["CompteNum"], row["Debit"], row["Credit"]) for row in rows(data, options)]
    posted_lines = [
        (line.account, f"{line.debit:.2f}".replace(".", ","), f"{line.credit:.2f}".replace(".", ","))
        for item in numbered
        for line in item.entry.lines
    ]
    assert written == posted_lines


@given(st.text())
def test_labels_of_any_text_never_break_a_line(text: str) -> None:
    stream = io.BytesIO()
    entry = posted(dataclasses.replace(document(*[DocumentLine("x", Decimal("1.00"), Decimal("20"))]), label=text))
    numbered, _ = assign_numbers([(entry, date(2025, 3, 31))], {}, {"VTE": text})
    write_fec(numbered, stream, account_labels={"706000": text}, tiers_names={"DUPONT": text})
    for row in rows(stream.getvalue()):
        assert row["EcritureLib"] and row["CompteLib"] and row["JournalLib"]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from([b"", b"\xef\xbb\xbf"]))
def test_the_validator_reads_any_bytes_without_raising(data: bytes, prefix: bytes) -> None:
    report = inspect_fec_stream(io.BytesIO(prefix + data))
    assert all(problem.line >= 0 and problem.code and problem.message for problem in report.problems)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                [
                    "",
                    "VTE",
                    "VTE000001",
                    "VTE000002",
                    "20250314",
                    "2025-03-14",
                    "411000",
                    "X",
                    "1,00",
                    "0,00",
                    "1.00",
                    "-1,00",
                    "USD",
                    "é",
                ]
            ),
            min_size=17,
            max_size=19,
        ),
        max_size=8,
    ),
    st.sampled_from(["\t", "|"]),
)
def test_the_validator_reads_any_near_fec_without_raising(lines: list[list[str]], separator: str) -> None:
    text = "\r\n".join(separator.join(fields) for fields in [list(FEC_COLUMNS), *lines])
    report = inspect_fec_stream(io.BytesIO(text.encode("utf-8")))
    assert report.separator == separator
    assert [problem.line for problem in report.problems] == sorted(
        (problem.line for problem in report.problems), key=lambda line: (line == 0, line)
    )
