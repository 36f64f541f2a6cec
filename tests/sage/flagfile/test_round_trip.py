"""Round trips: posted documents -> import file -> parser -> the same pieces, balanced."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sagesync.core.model import Allocation, Document, DocumentKind, JournalEntry, RevenueKind, Side
from sagesync.core.posting import PostingError, post_document
from sagesync.sage.flagfile import FORMAT_V14, FORMAT_V31, FormatProfile, parse_flag_file, pieces, write_import_file
from sagesync.sage.flagfile.encoding import fit, to_cp850
from tests.builders import document, line, posting_context

CURRENCY_NUMBERS = {"USD": 1, "CHF": 2, "GBP": 3}

cents = st.integers(min_value=1, max_value=50_000_000).map(lambda value: f"{Decimal(value) / 100:.2f}")
rates = st.sampled_from(["20", "10", "5.5", "2.1", "0", None])
allocations = st.lists(st.tuples(st.sampled_from(["p1", "p2"]), st.integers(1, 5)), max_size=3).map(
    lambda pairs: tuple(Allocation(project, Decimal(weight)) for project, weight in pairs))


@st.composite
def documents(draw: st.DrawFn, number: int) -> Document:
    lines = []
    for _ in range(draw(st.integers(1, 5))):
        rate = draw(rates)
        kind = RevenueKind.DISBURSEMENTS if rate is None else draw(st.sampled_from([RevenueKind.FEES,
                                                                                    RevenueKind.EXPENSES]))
        lines.append(line(draw(cents).replace(".", ","), rate=rate, kind=kind, allocations=draw(allocations)))
    currency = draw(st.sampled_from(["EUR", "EUR", "USD", "GBP"]))
    return document(
        *lines, number=draw(st.sampled_from(["F", "AV", "FACTURE-2025-"])) + f"{number:05d}",
        kind=draw(st.sampled_from([DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE])), currency=currency,
        rate=None if currency == "EUR" else draw(st.sampled_from(["0,9137", "1,1712", "0,5"])),
        issue=draw(st.dates(date(2020, 1, 1), date(2035, 12, 31))), customer=draw(st.sampled_from(["c1", "c2"])),
        project=draw(st.sampled_from(["p1", "p2", ""])), source_id=str(number),
    )


@st.composite
def posted_entries(draw: st.DrawFn) -> list[JournalEntry]:
    result = []
    for number in range(draw(st.integers(1, 6))):
        try:
            result.append(post_document(draw(documents(number)), posting_context()))
        except PostingError:
            continue  # what the checks would have refused (e.g. a conversion to zero)
    assume(result)
    return result


def written_label(label: str, fmt: FormatProfile) -> str:
    return fit(to_cp850(label)[0], fmt.layout("MECG").limit("label", 35))[0]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posted_entries(), st.sampled_from([FORMAT_V31, FORMAT_V14]))
def test_write_then_parse_gives_back_the_same_balanced_pieces(entries: list[JournalEntry],
                                                                fmt: FormatProfile) -> None:
    stream = io.BytesIO()
    result = write_import_file(stream, entries=iter(entries), new_customers=(), new_projects=(),
                               collective_account="411000", plan_number=1, currency_numbers=CURRENCY_NUMBERS, fmt=fmt)
    parsed_pieces = pieces(parse_flag_file(stream.getvalue(), fmt))

    assert len(parsed_pieces) == len(entries) == result.entries
    for entry, piece in zip(entries, parsed_pieces, strict=True):
        # the piece keeps its 13 last characters (posting), n° facture its 17 last (the writer)
        assert (piece.journal, piece.entry_date, piece.piece, piece.invoice_number) == (
            entry.journal, entry.entry_date, entry.piece, entry.invoice_number[-17:])
        if len(entry.invoice_number) > 17:
            changed = {(finding.field, finding.code.value) for finding in result.findings
                       if finding.source_id == entry.source_id}
            assert ("invoice_number", "text_truncated") in changed
        assert piece.is_balanced
        assert (piece.total_debit, piece.total_credit) == (entry.total_debit, entry.total_credit)
        assert len(piece.lines) == len(entry.lines)
        for posted, read in zip(entry.lines, piece.lines, strict=True):
            assert (read.account, read.tiers, read.side, read.amount, read.vat_code, read.due_date) == (
                posted.account, posted.tiers, posted.side, posted.amount, posted.vat_code, posted.due_date)
            assert read.label == written_label(posted.label, fmt)
            assert read.currency_number == CURRENCY_NUMBERS.get(posted.currency, 0)
            assert read.currency_amount == posted.currency_amount
            assert [(split.plan_number, split.section, split.amount) for split in read.analytics] == [
                (1, split.section, split.amount) for split in posted.analytic]
            if read.analytics:
                assert sum(split.amount for split in read.analytics) == read.amount
    assert sum(piece.total_debit for piece in parsed_pieces) == result.total_debit == result.total_credit
    debit_lines = [line for piece in parsed_pieces for line in piece.lines if line.side is Side.DEBIT]
    assert all(line.amount > 0 for line in debit_lines)
