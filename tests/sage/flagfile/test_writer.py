"""The writer refuses what must never reach Sage, streams, and never re-emits what exists."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from sagesync.core.model import AnalyticSplit, Customer, JournalEntry, Project
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError
from sagesync.sage.flagfile import FORMAT_V31, FormatProfile, new_records, write_import_file
from sagesync.sage.flagfile.layouts import MECG_V31
from tests.builders import d
from tests.sage.flagfile.small_firm import COLLECTIVE_ACCOUNT, CURRENCY_NUMBERS, PLAN_NUMBER, entries


def write(target: io.BytesIO | Path, posted: object, fmt: FormatProfile = FORMAT_V31,
          customers: tuple[Customer, ...] = (), projects: tuple[Project, ...] = ()) -> object:
    return write_import_file(target, entries=posted, new_customers=customers,  # type: ignore[arg-type]
                             new_projects=projects, collective_account=COLLECTIVE_ACCOUNT, plan_number=PLAN_NUMBER,
                             currency_numbers=CURRENCY_NUMBERS, fmt=fmt)


def with_line(entry: JournalEntry, index: int, **changes: object) -> JournalEntry:
    lines = list(entry.lines)
    lines[index] = dataclasses.replace(lines[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(entry, lines=tuple(lines))


def test_an_unbalanced_piece_is_refused_and_nothing_of_it_is_written() -> None:
    first, second = entries()[:2]
    unbalanced = with_line(second, 0, amount=second.lines[0].amount + Decimal("0.01"))
    stream = io.BytesIO()
    with pytest.raises(ValueError, match=r"F2025-0002.*does not balance"):
        write(stream, iter([first, unbalanced]))
    assert b"F2025-0001" in stream.getvalue()
    assert b"F2025-0002" not in stream.getvalue()


def test_analytic_splits_must_add_up_to_their_line() -> None:
    entry = entries()[0]
    revenue = entry.lines[1]
    wrong = with_line(entry, 1, analytic=(AnalyticSplit("PROJET", "PRJ001", revenue.amount - d("0,01")),))
    with pytest.raises(ValueError, match=r"analytic splits of line 706000 sum to 999\.99"):
        write(io.BytesIO(), [wrong])


@pytest.mark.parametrize(("changes", "message"), [
    ({"amount": Decimal("-1200.00")}, "Sage amounts are positive"),
    ({"amount": Decimal("0")}, "Sage amounts are positive"),
    ({"currency": "JPY", "currency_amount": Decimal("1")}, "JPY has no position"),
    ({"currency": "USD", "currency_amount": None}, "has no currency amount"),
])
def test_lines_sage_cannot_take_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        write(io.BytesIO(), [with_line(entries()[0], 0, **changes)])


def test_fractions_of_a_cent_are_refused() -> None:
    entry = entries()[0]
    broken = with_line(with_line(entry, 0, amount=Decimal("1200.005")), 1, amount=Decimal("1000.005"),
                       analytic=(AnalyticSplit("PROJET", "PRJ001", Decimal("1000.005")),))
    with pytest.raises(ValueError, match="fractions of a cent"):
        write(io.BytesIO(), [broken])


def test_a_failed_file_target_leaves_neither_the_file_nor_a_partial_one(tmp_path: Path) -> None:
    target = tmp_path / "VTE-run-1.txt"
    first = entries()[0]
    with pytest.raises(ValueError):
        write(target, [first, with_line(first, 0, amount=Decimal("1"))])
    assert list(tmp_path.iterdir()) == []


def test_a_file_target_is_complete_when_it_appears(tmp_path: Path) -> None:
    target = tmp_path / "VTE-run-1.txt"
    write(target, entries())
    assert target.read_bytes().endswith(b"#FIN\r\n")
    assert [path.name for path in tmp_path.iterdir()] == ["VTE-run-1.txt"]


def test_entries_are_written_as_they_come_not_collected_first() -> None:
    stream = io.BytesIO()
    seen_before: list[bool] = []

    def generator() -> Iterator[JournalEntry]:
        for entry in entries():
            seen_before.append(entry.invoice_number.encode() in stream.getvalue())
            yield entry
            # by the time the next entry is asked for, this one is already in the stream
            assert entry.invoice_number.encode() in stream.getvalue()

    write(stream, generator())
    assert seen_before == [False] * 5


def test_a_layout_without_a_needed_field_is_a_configuration_error() -> None:
    fields = {name: position for name, position in MECG_V31.fields.items() if name != "vat_code"}
    fmt = dataclasses.replace(FORMAT_V31, records={**FORMAT_V31.records,
                                                   "MECG": dataclasses.replace(MECG_V31, fields=fields)})
    with pytest.raises(ConfigurationError, match="no field 'vat_code'"):
        write(io.BytesIO(), entries(), fmt=fmt)


def test_long_label_is_cut_at_the_layout_limit_with_a_finding() -> None:
    entry = entries()[0]
    long_label = "Honoraires de maîtrise d'oeuvre, mission complète, phase études de projet et assistance"
    labelled = dataclasses.replace(entry, lines=tuple(dataclasses.replace(line, label=long_label)
                                                      for line in entry.lines))
    stream = io.BytesIO()
    result = write(stream, [labelled])
    written = stream.getvalue().decode("cp850").split("\r\n")
    assert long_label[:69].rstrip() in written and long_label not in written
    assert [(finding.document, finding.field, finding.code.value) for finding in result.findings] == [  # type: ignore[attr-defined]
        ("invoice F2025-0001", "label", "text_truncated")]


# --- never re-emit an existing tiers or section ------------------------------------------------

def test_new_records_leaves_out_what_the_company_holds_and_repeats() -> None:
    reference = CompanyReference(tiers=frozenset({"DUPONT"}), sections=frozenset({(1, "PRJ001"), (2, "PRJ002")}))
    customers = [Customer("c1", "dupont", "Dupont"), Customer("c2", "MARTIN", "Martin"),
                 Customer("c3", "martin ", "Martin bis"), Customer("c4", "", "Sans code")]
    projects = [Project("p1", "prj001", "École"), Project("p2", "PRJ002", "Médiathèque")]
    new_customers, new_projects = new_records(customers, projects, reference, plan_number=1)
    assert [customer.source_id for customer in new_customers] == ["c2"]
    assert [project.source_id for project in new_projects] == ["p2"]  # PRJ002 exists in plan 2 only


def test_a_code_sage_would_cut_onto_an_existing_tiers_is_not_new() -> None:
    reference = CompanyReference(tiers=frozenset({"CLIENT-NUMERO-012"}))  # 17 characters
    customers = [Customer("c1", "client-numero-0123", "Trop long")]  # 18: Sage would store CLIENT-NUMERO-012
    assert new_records(customers, [], reference, plan_number=1) == ([], [])
