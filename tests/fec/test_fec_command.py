"""``sagesync export fec``: the command a user types, through Typer, on real files."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sagesync.fec.check import check_fec
from sagesync.fec.writer import FecEntry, FecEntrySource
from sagesync.interfaces.cli.fec_command import register
from tests.builders import document, line
from tests.fec.fec_helpers import ACCOUNT_LABELS, TIERS_NAMES, entries_of

runner = CliRunner()


@dataclass
class MemorySource:
    """An FecEntrySource over entries in memory; records what it was asked."""

    entries: list[FecEntry]
    siren: str = ""
    asked: list[tuple[date, date]] = field(default_factory=list)
    closed: bool = False

    def close(self) -> None:
        self.closed = True

    def fec_entries(self, start: date, end: date) -> Iterator[FecEntry]:
        self.asked.append((start, end))
        return (item for item in self.entries if start <= item.entry.entry_date <= end)

    def account_labels(self) -> Mapping[str, str]:
        return ACCOUNT_LABELS

    def tiers_names(self) -> Mapping[str, str]:
        return TIERS_NAMES


def app_with(source: MemorySource | None, calls: list[tuple[str, str]] | None = None) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """sagesync"""

    def factory(profile: str, kind: str) -> FecEntrySource:
        if calls is not None:
            calls.append((profile, kind))
        assert source is not None
        return source

    register(app, fec_source_for=factory if source is not None else None)
    return app


def two_invoices() -> list[FecEntry]:
    return entries_of(
        document(line("1 000,00")), document(line("500,00"), number="F2025-0002", issue=date(2025, 3, 20))
    )


def test_export_writes_the_legal_file_name_and_checks_it(tmp_path: Path) -> None:
    source = MemorySource(two_invoices(), siren="552100554")
    calls: list[tuple[str, str]] = []
    result = runner.invoke(
        app_with(source, calls),
        ["export", "fec", "--profile", "acme", "--from", "2025-01-01", "--to", "2025-12-31", "--output", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    target = tmp_path / "552100554FEC20251231.txt"
    assert target.is_file() and check_fec(target) == []
    assert target.read_bytes().count(b"\r\n") == 7  # header + 2 x 3 lines
    assert calls == [("acme", "ledger")] and source.asked == [(date(2025, 1, 1), date(2025, 12, 31))]
    assert "6 lines, 2 entries, debit 1800,00, credit 1800,00" in result.output
    assert "no problem found" in result.output
    description = (tmp_path / "552100554FEC20251231-description.txt").read_bytes().decode("iso-8859-15")
    assert "Séparateur de zones : tabulation" in description and "Période : du 01/01/2025 au 31/12/2025" in description
    assert "18. Idevise" in description and "2 écritures, 6 lignes" in description
    assert source.closed  # the database handles are released


def test_export_options_pipe_utf8_siren_and_company_source(tmp_path: Path) -> None:
    calls: list[tuple[str, str]] = []
    result = runner.invoke(
        app_with(MemorySource(two_invoices()), calls),
        [
            "export",
            "fec",
            "--profile",
            "acme",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-15",
            "--separator",
            "pipe",
            "--encoding",
            "utf-8",
            "--siren",
            "732 829 320",
            "--output",
            str(tmp_path),
            "--source",
            "company",
        ],
    )
    assert result.exit_code == 0, result.output
    data = (tmp_path / "732829320FEC20250315.txt").read_bytes()
    assert data.startswith(b"JournalCode|JournalLib|") and data.count(b"\r\n") == 4  # March 14 only
    assert "collectée".encode() in data
    assert calls == [("acme", "company")]


def test_export_without_a_siren_says_where_to_give_it(tmp_path: Path) -> None:
    result = runner.invoke(
        app_with(MemorySource(two_invoices())),
        ["export", "fec", "--profile", "acme", "--from", "2025-01-01", "--to", "2025-12-31", "--output", str(tmp_path)],
    )
    assert result.exit_code == 2
    assert "--siren" in result.output and list(tmp_path.iterdir()) == []


def test_export_refuses_wrong_dates_and_missing_profile(tmp_path: Path) -> None:
    app = app_with(MemorySource(two_invoices(), siren="732829320"))
    for arguments, expected in [
        (["--profile", "acme", "--from", "2025-13-01", "--to", "2025-12-31"], "--from"),
        (["--profile", "acme", "--from", "2025-12-31", "--to", "2025-01-01"], "before"),
        (["--from", "2025-01-01", "--to", "2025-12-31"], "--profile"),
    ]:
        result = runner.invoke(app, ["export", "fec", *arguments, "--output", str(tmp_path)])
        assert result.exit_code == 2 and expected in result.output, result.output


def test_by_default_the_command_asks_the_jobs_factory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sagesync.jobs

    asked: list[tuple[str, str]] = []

    def factory(profile: str, kind: str) -> FecEntrySource:
        asked.append((profile, kind))
        return MemorySource(two_invoices(), siren="732829320")

    monkeypatch.setattr(sagesync.jobs, "fec_source_for", factory)
    app = typer.Typer()
    app.callback()(lambda: None)
    register(app)
    result = runner.invoke(
        app,
        ["export", "fec", "--profile", "acme", "--from", "2025-01-01", "--to", "2025-12-31", "--output", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert asked == [("acme", "ledger")]


def test_export_reports_problems_of_what_it_wrote(tmp_path: Path) -> None:
    entries = two_invoices()
    entries[1] = FecEntry(entries[1].entry, "VTE000005", entries[1].validated_on, "Ventes")  # a hole in the ledger
    result = runner.invoke(
        app_with(MemorySource(entries, siren="732829320")),
        ["export", "fec", "--profile", "acme", "--from", "2025-01-01", "--to", "2025-12-31", "--output", str(tmp_path)],
    )
    assert result.exit_code == 1
    assert "line 5 EcritureNum: entry VTE000005 follows VTE000001 in journal VTE: 3 numbers missing" in result.output


def test_check_a_good_file(tmp_path: Path) -> None:
    target = tmp_path / "good.txt"
    target.write_text(
        "\t".join(
            [
                "JournalCode",
                "JournalLib",
                "EcritureNum",
                "EcritureDate",
                "CompteNum",
                "CompteLib",
                "CompAuxNum",
                "CompAuxLib",
                "PieceRef",
                "PieceDate",
                "EcritureLib",
                "Debit",
                "Credit",
                "EcritureLet",
                "DateLet",
                "ValidDate",
                "Montantdevise",
                "Idevise",
            ]
        )
        + "\r\n",
        encoding="iso-8859-15",
    )
    result = runner.invoke(app_with(None), ["export", "fec", "--check", str(target)])
    assert result.exit_code == 0, result.output
    assert "encoding ascii, separator tab, 0 lines" in result.output and "No problem found." in result.output


def test_check_a_bad_file_prints_one_line_per_problem_and_exits_1(tmp_path: Path) -> None:
    target = tmp_path / "bad.txt"
    target.write_bytes("JournalCode;JournalLib\r\nVTE;Ventes\r\n".encode("iso-8859-15"))
    result = runner.invoke(app_with(None), ["export", "fec", "--check", str(target)])
    assert result.exit_code == 1
    assert "line 1: the header has no tab and no '|' separator (';' is a common cause of rejection)" in result.output
    assert "1 problem." in result.output


def test_check_a_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app_with(None), ["export", "fec", "--check", str(tmp_path / "nope.txt")])
    assert result.exit_code == 2 and "no such file" in result.output
