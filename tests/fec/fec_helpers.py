"""Shared helpers of the FEC tests: post documents, write them, read the file back as rows."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sagesync.core.model import Document, JournalEntry
from sagesync.core.posting import post_document
from sagesync.fec.writer import FEC_COLUMNS, FecEntry, FecOptions, FecSummary, format_entry_number, write_fec
from tests.builders import posting_context

ACCOUNT_LABELS = {
    "411000": "Clients",
    "706000": "Prestations de services",
    "708500": "Ports et frais accessoires facturés",
    "467000": "Débours",
    "445742": "TVA collectée sur encaissements 20 %",
    "445741": "TVA collectée sur encaissements 10 %",
}
TIERS_NAMES = {"DUPONT": "Dupont Architectes", "MARTIN": "Martin & Fils"}


def entries_of(*documents: Document, validated_on: date = date(2025, 3, 31), first: int = 1) -> list[FecEntry]:
    """Post each document and number it VTE000001... in the order given."""
    return [
        FecEntry(
            post_document(doc, posting_context()), format_entry_number("VTE", first + index), validated_on, "Ventes"
        )
        for index, doc in enumerate(documents)
    ]


def write(entries: Iterable[FecEntry], options: FecOptions | None = None) -> tuple[bytes, FecSummary]:
    stream = io.BytesIO()
    summary = write_fec(
        entries, stream, account_labels=ACCOUNT_LABELS, tiers_names=TIERS_NAMES, options=options or FecOptions()
    )
    return stream.getvalue(), summary


def rows(data: bytes, options: FecOptions | None = None) -> list[dict[str, str]]:
    """The data lines as {column: value}; asserts the header and the record ending on the way."""
    options = options or FecOptions()
    text = data.decode(options.encoding)
    assert text.endswith("\r\n")
    lines = text.removesuffix("\r\n").split("\r\n")
    assert lines[0].split(options.separator) == list(FEC_COLUMNS)
    result = []
    for line in lines[1:]:
        fields = line.split(options.separator)
        assert len(fields) == 18, line
        result.append(dict(zip(FEC_COLUMNS, fields, strict=True)))
    return result


def table(
    data: bytes, columns: Sequence[str] = ("CompteNum", "CompAuxNum", "Debit", "Credit")
) -> list[tuple[str, ...]]:
    return [tuple(row[column] for column in columns) for row in rows(data)]


def fec_file(
    tmp_path: Path, lines: Sequence[str], *, name: str = "fec.txt", encoding: str = "iso-8859-15", ending: str = "\r\n"
) -> Path:
    path = tmp_path / name
    path.write_bytes("".join(line + ending for line in lines).encode(encoding))
    return path


def posted(document: Document) -> JournalEntry:
    return post_document(document, posting_context())
