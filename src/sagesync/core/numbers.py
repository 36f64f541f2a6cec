"""Invoice numbers in Sage: one piece per document, and every shortening said out loud.

Sage knows a posted document by two short fields: ``EC_Piece`` (13 characters) and
``EC_RefPiece`` (17), both compared as Sage compares text: spaces stripped, case ignored.
Two documents that land on the same piece or reference merge in the import file, so:

- a number already held by another document (in the books, or earlier in the same batch)
  is a blocking ``DUPLICATE_NUMBER``: the first document posted keeps it;
- two *different* numbers that shorten to the same piece or reference are a blocking
  ``NUMBER_COLLISION``, never a merge;
- every number, code or label shortened to fit Sage is listed (``TRUNCATED``), with its full
  and its short form, so a report says what the books will hold.

Pure functions over domain records; the numbers in use are read by the caller (ledger,
company) and passed in, keyed by piece and by reference.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.model import Document, JournalEntry, LineRole
from sagesync.core.posting import (
    LABEL_LIMIT,
    PIECE_LIMIT,
    REFERENCE_LIMIT,
    full_label,
    number_key,
    piece_number,
    reference_piece,
)
from sagesync.i18n import N_, _

TIERS_CODE_LIMIT = 17  # CT_Num
SECTION_CODE_LIMIT = 13  # CA_Num

_EMPTY: Mapping[str, str] = {}


def reference_key(number: str) -> str:
    """The reference (EC_RefPiece) of a number as Sage compares it."""
    return number_key(reference_piece(number))


def numbers_in_use(posted: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str]]:
    """``(pieces_in_use, references_in_use)`` from ``(number, source id)`` pairs already in the books.

    The first pair that holds a piece or a reference keeps it, as the first document posted did.
    Keys are in the form Sage compares (stripped, upper case): pieces and references read straight
    from the company are merged in through ``number_key``.
    """
    pieces: dict[str, str] = {}
    references: dict[str, str] = {}
    for number, source_id in posted:
        if number.strip():
            pieces.setdefault(piece_number(number), source_id)
            references.setdefault(reference_key(number), source_id)
    return pieces, references


@dataclass(frozen=True, slots=True)
class _Slot:
    """One Sage field a number is stored in."""

    name: str  # "piece", "reference"
    limit: int

    def short(self, number: str) -> str:
        return piece_number(number) if self.name == "piece" else reference_key(number)

    def shortened(self, number: str) -> bool:
        return len(number_key(number)) > self.limit

    @property
    def label(self) -> str:
        """The field's name in the reader's language: "piece" -> "pièce"."""
        return _(_SLOT_LABELS[self.name])


_SLOT_LABELS = {"piece": N_("piece"), "reference": N_("reference")}


_PIECE = _Slot("piece", PIECE_LIMIT)
_REFERENCE = _Slot("reference", REFERENCE_LIMIT)


def number_clashes(documents: Iterable[Document], pieces_in_use: Mapping[str, str] = _EMPTY,
                   references_in_use: Mapping[str, str] = _EMPTY) -> dict[str, tuple[Finding, ...]]:
    """Blocking findings, by document source id, for every number Sage would not keep apart.

    ``documents`` come in the order they would be posted (the first keeps its number); pass the
    documents that are about to be posted. ``pieces_in_use`` and ``references_in_use`` map a piece
    (EC_Piece) and a reference (EC_RefPiece) already in the books to the source id of the document
    that holds it: a document is never in clash with itself, so re-checking a posted one is quiet.
    Documents without a number are left to the other checks. The maps' keys are in the form Sage
    compares (``number_key``: stripped, upper case), as ``numbers_in_use`` builds them: they are looked
    up, never rebuilt, so checking a document costs the same whatever the size of the books.
    """
    books = {_PIECE: pieces_in_use, _REFERENCE: references_in_use}
    claimed: dict[_Slot, dict[str, Document]] = {_PIECE: {}, _REFERENCE: {}}
    result: dict[str, tuple[Finding, ...]] = {}
    for document in documents:
        if not document.number.strip():
            continue
        finding = None
        for slot in (_PIECE, _REFERENCE):
            short = slot.short(document.number)
            owner = books[slot].get(short)
            if owner is not None and owner != document.source_id:
                finding = _in_books(document, slot, short, owner)
                break
            first = claimed[slot].get(short)
            if first is not None and first.source_id != document.source_id:
                finding = _in_batch(document, slot, short, first)
                break
        if finding is not None:
            result[document.source_id] = (finding,)
            continue
        for slot in (_PIECE, _REFERENCE):
            claimed[slot].setdefault(slot.short(document.number), document)
    return result


def _name(document: Document) -> str:
    return f"{document.display_name} (#{document.source_id})"


def _in_books(document: Document, slot: _Slot, short: str, owner: str) -> Finding:
    number = document.number.strip()
    if not slot.shortened(number):
        return Finding(
            document.display_name, document.source_id, "code", FindingCode.DUPLICATE_NUMBER,
            _("number {number} is already used in the books by document #{owner} (its Sage {field} {short}); "
              "posting {document} would merge it into that piece").format(
                number=number, owner=owner, field=slot.label, short=short, document=_name(document)),
            _("The first document posted (#{owner}) keeps the number. Check the platform's invoice numbering "
              "(two documents, or two organizations posting into this company, got the same number) and give "
              "this one a number of its own.").format(owner=owner))
    return Finding(
        document.display_name, document.source_id, "code", FindingCode.NUMBER_COLLISION,
        _("number {number} is shortened to the Sage {field} {short} ({limit} characters), which "
          "document #{owner} already holds in the books").format(
            number=number, field=slot.label, short=short, limit=slot.limit, owner=owner),
        _("Sage keeps only the last {limit} characters of a number as its {field}, so the two would "
          "merge; the first posted (#{owner}) keeps it. Use a shorter numbering scheme on the platform (a "
          "shorter prefix) so numbers differ within their last {piece_limit} characters.").format(
            limit=slot.limit, field=slot.label, owner=owner, piece_limit=PIECE_LIMIT))


def _in_batch(document: Document, slot: _Slot, short: str, first: Document) -> Finding:
    number, other = document.number.strip(), first.number.strip()
    if number_key(number) == number_key(other):
        return Finding(
            document.display_name, document.source_id, "code", FindingCode.DUPLICATE_NUMBER,
            _("{document} and {first} have the same number {number}; both would be posted as "
              "Sage {field} {short}").format(
                document=_name(document), first=_name(first), number=number, field=slot.label, short=short),
            _("The first one ({first}) is posted and keeps the number. On the platform, check the invoice "
              "numbering and give this document a number of its own (a credit note and a new invoice if it is "
              "validated).").format(first=_name(first)))
    return Finding(
        document.display_name, document.source_id, "code", FindingCode.NUMBER_COLLISION,
        _("numbers {number} ({document}) and {other} ({first}) differ but both shorten to the Sage "
          "{field} {short} ({limit} characters)").format(
            number=number, document=_name(document), other=other, first=_name(first), field=slot.label, short=short,
            limit=slot.limit),
        _("The first one ({first}) is posted and keeps the {field}. Use a shorter numbering scheme on "
          "the platform (a shorter prefix) so numbers differ within their last {piece_limit} characters.").format(
            first=_name(first), field=slot.label, piece_limit=PIECE_LIMIT))


def truncation_findings(document: Document, entry: JournalEntry, *, label_limit: int = LABEL_LIMIT) -> list[Finding]:
    """Every number, code or label of ``entry`` that Sage holds shortened, full and short form side by side.

    INFO when nothing is lost for finding the document back (the full number still fits the
    reference, a label); WARNING when the full value is in no Sage field. ``label_limit`` is the
    target's EC_Intitule length (69 since v12, 35 on older versions).
    """
    findings: list[Finding] = []

    def add(field: str, message: str, fix: str, severity: Severity) -> None:
        findings.append(Finding(document.display_name, document.source_id, field, FindingCode.TRUNCATED,
                                message, fix, severity))

    number = document.number.strip()
    if len(number_key(number)) > PIECE_LIMIT:
        whole_in_reference = len(number) <= REFERENCE_LIMIT
        add("code", _("number {number} is shortened to the Sage piece {piece} ({limit} characters)").format(
                number=number, piece=piece_number(number), limit=PIECE_LIMIT),
            _("Nothing to do: the full number stays in the reference (N° facture) {reference}.").format(
                reference=reference_piece(number))
            if whole_in_reference else
            _("The reference is shortened too (see below); a shorter numbering scheme on the platform keeps "
              "the full number in Sage."),
            Severity.INFO if whole_in_reference else Severity.WARNING)
    if len(number) > REFERENCE_LIMIT:
        add("code", _("number {number} is shortened to the Sage reference (N° facture) {reference} ({limit} "
                      "characters): the full number is in no Sage field").format(
                number=number, reference=reference_piece(number), limit=REFERENCE_LIMIT),
            _("Use numbers of at most {limit} characters on the platform to keep them whole in Sage; "
              "two numbers that share their last characters are refused, never merged.").format(limit=REFERENCE_LIMIT),
            Severity.WARNING)
    seen: set[tuple[str, str]] = set()
    for line in entry.lines:
        if line.role is LineRole.CUSTOMER and len(line.tiers) > TIERS_CODE_LIMIT and ("tiers", line.tiers) not in seen:
            seen.add(("tiers", line.tiers))
            add("client", _("client code {code} is shortened to the Sage tiers {short} ({limit} characters)").format(
                    code=line.tiers, short=line.tiers[:TIERS_CODE_LIMIT].upper(), limit=TIERS_CODE_LIMIT),
                _("Shorten the client's code on the platform to {limit} characters.").format(limit=TIERS_CODE_LIMIT),
                Severity.WARNING)
        for split in line.analytic:
            if len(split.section) > SECTION_CODE_LIMIT and ("section", split.section) not in seen:
                seen.add(("section", split.section))
                add("project", _("project code {code} is shortened to the Sage section {short} ({limit} "
                                 "characters)").format(code=split.section,
                                                       short=split.section[:SECTION_CODE_LIMIT].upper(),
                                                       limit=SECTION_CODE_LIMIT),
                    _("Shorten the project's code on the platform to {limit} characters.").format(
                        limit=SECTION_CODE_LIMIT),
                    Severity.WARNING)
    label = full_label(document)
    if len(label) > label_limit:
        add("label", _("the entry label is shortened to {limit} characters: '{short}' (full: '{label}')").format(
                limit=label_limit, short=label[:label_limit], label=label),
            _("Nothing to do: the label is only a description; a shorter one on the platform shows in full in "
              "Sage."),
            Severity.INFO)
    return findings
