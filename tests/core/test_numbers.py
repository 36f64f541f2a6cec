"""Invoice numbers in Sage: never two documents in one piece, and every shortening reported."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from sagesync.core.checks import Verdict, check_document
from sagesync.core.findings import FindingCode, Severity
from sagesync.core.model import Document
from sagesync.core.numbers import number_clashes, numbers_in_use, reference_key, truncation_findings
from sagesync.core.posting import PostingContext, piece_number, post_document, reference_piece
from tests.builders import check_context, document, line, posting_context


def invoice(number: str, source_id: str) -> Document:
    return document(line("100,00"), number=number, source_id=source_id)


# --- duplicates ------------------------------------------------------------------------------------


def test_a_number_already_in_the_books_for_another_document_is_blocked_naming_both() -> None:
    context = replace(check_context(), pieces_in_use={"F2025-0001": "77"}, references_in_use={"F2025-0001": "77"})
    result = check_document(invoice("F2025-0001", "1"), context, "v")
    assert result.verdict is Verdict.BLOCKED
    [finding] = result.findings
    assert (finding.code, finding.field, finding.source_id) == (FindingCode.DUPLICATE_NUMBER, "code", "1")
    assert "#77" in finding.message and "F2025-0001" in finding.message and "invoice F2025-0001" in finding.document
    assert "#77" in finding.fix and "keeps the number" in finding.fix


def test_the_document_that_holds_the_number_is_not_in_clash_with_itself() -> None:
    context = replace(check_context(), pieces_in_use={"F2025-0001": "1"}, references_in_use={"F2025-0001": "1"})
    assert check_document(invoice("F2025-0001", "1"), context, "v").verdict is Verdict.READY


def test_numbers_are_compared_as_sage_compares_them_stripped_and_upper_cased() -> None:
    found = number_clashes([invoice(" f2025-0001 ", "1")], {"F2025-0001": "77"})
    assert [f.code for f in found["1"]] == [FindingCode.DUPLICATE_NUMBER]
    # the books are keyed as Sage compares (numbers_in_use builds them so): the document's side is normalised
    _pieces, references = numbers_in_use([(" f2025-0001", "77")])
    found = number_clashes([invoice("F2025-0001", "1")], {}, references)
    assert [f.code for f in found["1"]] == [FindingCode.DUPLICATE_NUMBER]


def test_two_documents_of_a_batch_with_the_same_number_the_first_keeps_it() -> None:
    first, second, third = invoice("F2025-0007", "10"), invoice("f2025-0007", "11"), invoice("F2025-0007", "12")
    found = number_clashes([first, second, third, invoice("F2025-0008", "13")])
    assert sorted(found) == ["11", "12"]
    [finding] = found["11"]
    assert finding.code is FindingCode.DUPLICATE_NUMBER and finding.severity is Severity.BLOCKING
    assert "#10" in finding.message and "#11" in finding.message and "#10" in finding.fix
    assert "#10" in found["12"][0].message  # the third one also names the first, which keeps the number


def test_the_same_document_twice_in_a_batch_is_no_clash_and_drafts_are_left_to_the_other_checks() -> None:
    assert number_clashes([invoice("F1", "1"), invoice("F1", "1"), invoice("", "2"), invoice("", "3")]) == {}


def test_different_long_numbers_that_shorten_to_the_same_piece_collide_instead_of_merging() -> None:
    paris, lyon = "PARIS-FAC-2025-000123", "LYON-FAC-2025-000123"
    assert piece_number(paris) == piece_number(lyon)  # the last 13 characters are the same
    found = number_clashes([invoice(paris, "1"), invoice(lyon, "2")])
    assert list(found) == ["2"]
    [finding] = found["2"]
    assert finding.code is FindingCode.NUMBER_COLLISION
    assert paris in finding.message and lyon in finding.message and piece_number(lyon) in finding.message
    # against the books: the piece is held by another document
    found = number_clashes([invoice(lyon, "2")], {piece_number(paris): "1"})
    assert [f.code for f in found["2"]] == [FindingCode.NUMBER_COLLISION] and "#1" in found["2"][0].message


def test_a_reference_held_in_the_books_by_another_document_is_a_clash_too() -> None:
    number = "AGENCE-F2025-000123"  # 19 characters: reference AENCE-F2025-000123 (17)
    found = number_clashes([invoice(number, "2")], {}, {reference_piece(number): "1"})
    assert [f.code for f in found["2"]] == [FindingCode.NUMBER_COLLISION]


def test_numbers_in_use_from_the_ledgers_numbers_first_holder_kept() -> None:
    pieces, references = numbers_in_use([("F2025-0001", "1"), ("f2025-0001", "2"), ("", "3"),
                                         ("PARIS-FAC-2025-000123", "4")])
    assert pieces == {"F2025-0001": "1", piece_number("PARIS-FAC-2025-000123"): "4"}
    assert references == {"F2025-0001": "1", reference_key("PARIS-FAC-2025-000123"): "4"}


# The pool mixes short numbers, case variants and long numbers sharing their last 13 or 17 characters.
POOL = ["F1", "f1", " F1", "F2", "PARIS-FAC-2025-000123", "LYON-FAC-2025-000123", "LYON-FAC-2025-000124",
        "AGENCE-PARIS-FAC-2025-000123", "X-AGENCE-PARIS-FAC-2025-000123", "A2025-000123"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(POOL), min_size=1, max_size=12),
       st.dictionaries(st.sampled_from(POOL), st.sampled_from(["1", "2", "90", "91"]), max_size=3))
def test_documents_with_repeated_numbers_never_share_a_piece_or_a_reference(numbers: list[str],
                                                                            posted: dict[str, str]) -> None:
    documents = [invoice(number, str(index)) for index, number in enumerate(numbers)]
    pieces, references = numbers_in_use(posted.items())
    found = number_clashes(documents, pieces, references)
    kept = [doc for doc in documents if doc.source_id not in found]
    assert all(len(findings) == 1 and findings[0].blocks for findings in found.values())
    # never two documents in one piece or reference, counting those already in the books
    holders: dict[str, str] = dict(pieces)
    reference_holders: dict[str, str] = dict(references)
    for doc in kept:
        assert holders.setdefault(piece_number(doc.number), doc.source_id) == doc.source_id
        assert reference_holders.setdefault(reference_key(doc.number), doc.source_id) == doc.source_id
    # a repeated number is kept by its first document when the books do not hold it already
    first_of: dict[str, Document] = {}
    for doc in documents:
        first_of.setdefault(piece_number(doc.number), doc)
    for piece, doc in first_of.items():
        if piece not in pieces and reference_key(doc.number) not in references:
            assert doc in kept


# --- truncations -----------------------------------------------------------------------------------


def test_a_24_character_number_reports_its_short_piece_and_reference() -> None:
    number = "OOTI-AGENCE-PARIS-F00123"
    assert len(number) == 24
    result = check_document(invoice(number, "1"), check_context(), "v")
    assert result.verdict is Verdict.READY and result.entry is not None
    truncated = [f for f in result.findings if f.code is FindingCode.TRUNCATED]
    assert [(f.field, f.severity) for f in truncated] == [("code", Severity.WARNING), ("code", Severity.WARNING)]
    piece, reference = truncated
    assert number in piece.message and result.entry.piece in piece.message and len(result.entry.piece) == 13
    assert reference_piece(number) in reference.message and len(reference_piece(number)) == 17
    assert all(f.fix for f in truncated)


def test_a_number_that_only_loses_its_piece_is_info_the_reference_keeps_it_whole() -> None:
    number = "AGENCE-F2025-0001"  # 17 characters
    [finding] = truncation_findings(invoice(number, "1"), post_document(invoice(number, "1"), posting_context()))
    assert finding.severity is Severity.INFO and number in finding.fix


def test_short_numbers_and_labels_report_nothing() -> None:
    doc = invoice("F2025-0001", "1")
    assert truncation_findings(doc, post_document(doc, posting_context())) == []


def test_long_label_tiers_and_section_codes_are_reported_with_full_and_short_forms() -> None:
    doc = replace(invoice("F2025-0001", "1"), label="Mission de maîtrise d'œuvre complète, phases ESQ à AOR, "
                                                      "lot unique, avenant n° 3")
    context = PostingContext(posting_context().mapping, {"c1": "DUPONT-ET-ASSOCIES-PARIS"},
                             {"p1": "PROJET-ECOLE-PAUL-BERT"})
    entry = post_document(doc, context)
    found = {f.field: f for f in truncation_findings(doc, entry)}
    assert set(found) == {"label", "client", "project"}
    assert found["label"].severity is Severity.INFO and doc.label in found["label"].message
    assert "DUPONT-ET-ASSOCIES-PARIS" in found["client"].message  # full form
    assert "DUPONT-ET-ASSOCIE " in found["client"].message  # the 17 characters Sage holds
    assert "PROJET-ECOLE-" in found["project"].message
    assert all(f.code is FindingCode.TRUNCATED for f in found.values())
    assert [f.field for f in truncation_findings(doc, entry, label_limit=35)].count("label") == 1
    short = replace(doc, label="Court")
    assert "label" not in {f.field for f in truncation_findings(short, post_document(short, context))}
