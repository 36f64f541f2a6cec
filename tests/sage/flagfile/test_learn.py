"""learn-format on hand-made exports: #VER, line counts, defaults; then the writer uses them."""

from __future__ import annotations

import io
import tomllib
from pathlib import Path

import pytest
import tomli_w

from sagesync.core.delivery import source_reference
from sagesync.sage.flagfile import FORMAT_V31, FormatProfile, learn_format, parse_flag_file, pieces, write_import_file
from sagesync.sage.flagfile.layouts import MECG_V31
from tests.sage.flagfile.hand_made import entry_line, export_file, record
from tests.sage.flagfile.small_firm import CURRENCY_NUMBERS, entries

# The company keeps IFRS apart: Sage writes norme 1 (field 27) on most lines; a reference
# and a settlement date appear on some lines and must not become defaults for ours.
V31_EXPORT = export_file(
    record("MPCT", 133, {1: "DUPONT", 3: "0", 4: "411000", 45: "1", 126: "Calendrier standard"}, tail=["411000"]),
    record("MPCT", 133, {1: "MARTIN", 3: "0", 4: "411000", 45: "1", 126: "Calendrier standard"},
           tail=["411000", "411100"]),
    record("MPCA", 22, {1: "1", 2: "PRJ001", 7: "0", 8: "2"}),
    entry_line("VTE", "030325", "1", "411000", "0", "120,00", tiers="DUPONT", extra={27: "1", 33: "REF"}),
    entry_line("VTE", "030325", "1", "706000", "1", "100,00", vat_code="C20", extra={27: "1", 33: "REF"}),
    record("MECA", 4, {1: "1", 2: "PRJ001", 3: "100,00", 4: "0,00"}),
    entry_line("VTE", "030325", "1", "445712", "1", "20,00", vat_code="C20", extra={27: "1", 33: "REF"}),
    entry_line("BQ1", "150325", "2", "512000", "0", "120,00", extra={27: "2", 36: "150325"}),
    entry_line("BQ1", "150325", "2", "411000", "1", "120,00", tiers="DUPONT", extra={27: "1"}),
    record("MCJR", 16, {1: "VTE", 2: "Ventes", 4: "1"}),
    record("MBQE", 192, {1: "Banque"}),
    record("MCTB", 13, {1: "Contact"}),
)


def learned(tmp_path: Path, data: bytes) -> FormatProfile:
    path = tmp_path / "export.txt"
    path.write_bytes(data)
    return learn_format(path)


def test_version_and_line_counts_come_from_the_export(tmp_path: Path) -> None:
    fmt = learned(tmp_path, V31_EXPORT)
    assert (fmt.version, fmt.source) == (31, "learned from export.txt")
    counts = {flag: (layout.field_count, layout.learned) for flag, layout in fmt.records.items()}
    assert counts["MECG"] == (39, True)
    assert counts["MECA"] == (4, True)
    assert counts["MPCT"] == (133, True)  # 134 and 135 lines: the shortest less one attached account
    assert counts["MPCA"] == (22, True)
    assert counts["MCJR"] == (16, True)
    assert counts["MBQE"] == (192, True) and counts["MCTB"] == (13, True)  # kinds we neither write nor read
    assert counts["MPLG"] == (23, False)  # not in this export: the shipped layout, marked as such
    longer_bank = V31_EXPORT.replace(b"#MCTB", b"\r\n" * 45 + b"#MCTB")  # banks vary in length (192...237)
    assert len(parse_flag_file(longer_bank, fmt).records) == len(parse_flag_file(V31_EXPORT, fmt).records)


def test_defaults_are_the_most_common_value_at_each_position(tmp_path: Path) -> None:
    entry_layout = learned(tmp_path, V31_EXPORT).layout("MECG")
    assert entry_layout.default(27) == "1"  # 4 lines of 5 say norme 1
    assert entry_layout.default(33) == "REF"  # 3 of 5
    assert entry_layout.default(36) == ""  # 1 of 5
    assert entry_layout.fields == MECG_V31.fields  # same count as the shipped layout: all names hold
    tiers_layout = learned(tmp_path, V31_EXPORT).layout("MPCT")
    assert (tiers_layout.default(126), tiers_layout.default(133)) == ("Calendrier standard", "")


def test_the_writer_takes_learned_defaults_but_never_a_learned_reference_or_date(tmp_path: Path) -> None:
    fmt = learned(tmp_path, V31_EXPORT)
    stream = io.BytesIO()
    write_import_file(stream, entries=entries()[:1], new_customers=(), new_projects=(), collective_account="411000",
                      plan_number=1, currency_numbers=CURRENCY_NUMBERS, fmt=fmt)
    first = parse_flag_file(stream.getvalue(), fmt).records[0]
    assert first.flag == "MECG"
    # the reference is the document's own source identity, never one learned from another company's export
    assert (first.field(27), first.field(33), first.field(36)) == ("1", source_reference(entries()[0].source_id), "")


def test_an_unknown_version_with_other_counts_keeps_only_the_names_that_hold(tmp_path: Path) -> None:
    # A #VER 18 installation (S2 writes about 36 entry fields): 36 lines, names up to 26 kept.
    export = export_file(entry_line("VTE", "030325", "1", "411000", "0", "12,00", tiers="DUPONT", count=36),
                         entry_line("VTE", "030325", "1", "706000", "1", "12,00", vat_code="C20", count=36),
                         version=18)
    fmt = learned(tmp_path, export)
    entry_layout = fmt.layout("MECG")
    assert (fmt.version, entry_layout.field_count) == (18, 36)
    assert max(entry_layout.fields.values()) == 26 and "reference" not in entry_layout.fields
    assert fmt.layout("MPCT").field_count == 96  # nearest shipped layout below 18 is #VER 14
    stream = io.BytesIO()
    write_import_file(stream, entries=entries(), new_customers=(), new_projects=(), collective_account="411000",
                      plan_number=1, currency_numbers=CURRENCY_NUMBERS, fmt=fmt)
    data = stream.getvalue()
    assert data.startswith(b"#FLG 000\r\n#VER 18\r\n")
    parsed = parse_flag_file(data, fmt)  # every #MECG has exactly 36 lines
    assert all(piece.is_balanced for piece in pieces(parsed, fmt)) and len(pieces(parsed, fmt)) == 5


def test_the_learned_format_survives_the_profile_file(tmp_path: Path) -> None:
    fmt = learned(tmp_path, V31_EXPORT)
    stored = tomli_w.dumps({"sage_format": fmt.to_dict()})
    assert FormatProfile.from_dict(tomllib.loads(stored)["sage_format"]) == fmt
    assert FormatProfile.from_dict(FORMAT_V31.to_dict()) == FORMAT_V31


@pytest.mark.parametrize("damage", [{"version": "x"}, {"records": {"MECG": {"lines": 3, "fields": {"amount": 18}}}},
                                    {"records": {"MECG": {"lines": "many"}}}])
def test_a_damaged_stored_format_is_a_configuration_error(damage: dict[str, object]) -> None:
    from sagesync.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="learn-format"):
        FormatProfile.from_dict({**FORMAT_V31.to_dict(), **damage})


def test_learning_from_junk_is_a_file_error(tmp_path: Path) -> None:
    from sagesync.sage.flagfile import FlagFileError

    with pytest.raises(FlagFileError):
        learned(tmp_path, b"PK\x03\x04 not an export")
