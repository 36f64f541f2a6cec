"""The parser: records, parents, and one FlagFileError with a line number for any junk."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagesync.errors import ConfigurationError
from sagesync.sage.flagfile import FORMAT_V31, FlagFileError, parse_flag_file, pieces

GOLDEN = (Path(__file__).parent / "golden" / "small_firm_v31.txt").read_bytes()
GOLDEN_LINES = GOLDEN.split(b"\r\n")[:-1]


def file_of(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode("cp850")


def analytic(section: str, amount: str) -> list[str]:
    return ["#MECA", "1", section, amount, "0,00"]


def error_of(data: bytes, **options: object) -> FlagFileError:
    with pytest.raises(FlagFileError) as caught:
        pieces(parse_flag_file(data, **options))  # type: ignore[arg-type]
    return caught.value


def golden_without(index: int) -> bytes:
    return b"\r\n".join(GOLDEN_LINES[:index] + GOLDEN_LINES[index + 1:]) + b"\r\n"


def test_records_keep_their_flag_line_and_their_parent() -> None:
    parsed = parse_flag_file(GOLDEN, FORMAT_V31)
    assert (parsed.flg, parsed.version, parsed.currency) == ("000", 31, "EUR")
    assert [record.flag for record in parsed.records[:6]] == ["MPCT", "MPCT", "MPCA", "MPCA", "MECG", "MECG"]
    first_analytic = next(index for index, record in enumerate(parsed.records) if record.flag == "MECA")
    parent = parsed.records[first_analytic].parent
    assert parent is not None and parsed.records[parent].flag == "MECG"
    assert parsed.records[parent].field(7) == "706000"
    assert parsed.children(parent) == [parsed.records[first_analytic]]
    assert parsed.records[0].line == 4  # the physical line of the first #MPCT, header included


def test_lf_only_files_and_a_bare_dev_line_are_read_too() -> None:
    parsed = parse_flag_file(b"#FLG 000\n#VER 14\n#DEV\n#MPCA\n" + b"\n" * 22 + b"#FIN\n")
    assert (parsed.version, parsed.currency, len(parsed.records[0].fields)) == (14, "", 22)


def test_the_file_error_is_a_configuration_error_naming_line_and_cause() -> None:
    error = error_of(file_of("#FLG 000", "#VER 31", "#DEV EUR", "#MXYZ", "1", "#FIN"))
    assert isinstance(error, ConfigurationError)
    assert (error.line, str(error)) == (4, "line 4: unknown flag #MXYZ")


@pytest.mark.parametrize(("data", "line", "message"), [
    (b"", 1, "empty"),
    (b"\r\n  \r\n", 1, "empty"),
    (bytes(range(256)) * 3, 1, "not a Sage flag file"),
    (b"\x00\x01PK\x03\x04garbage", 1, "not a Sage flag file"),
    (file_of("#FLG 000", "#MECG"), 2, "#VER"),
    (file_of("#FLG 000", "#VER 31", "#DEV EUR", "VTE", "#FIN"), 4, "expected a flag line"),
    (file_of("#FLG 000", "#VER 31", "#DEV EUR", "#MPCA", *["x"] * 22), 26, "without #FIN"),
    (file_of("#FLG 000", "#VER 31", "#DEV EUR", "#FIN", "#MPCA"), 5, "text after #FIN"),
    (file_of("#FLG 000", "#VER 31", "#DEV EUR", "#MPCT", *[""] * 134, *analytic("PRJ", "1,00"), "#FIN"), 139,
     "#MECA must follow its #MECG, not #MPCT"),
    (file_of("#FLG 000", "#VER 31", "#DEV EUR", *analytic("PRJ", "1,00"), "#FIN"), 4,
     "#MECA must follow its #MECG, not the header"),
])
def test_junk_gives_one_error_with_its_line(data: bytes, line: int, message: str) -> None:
    error = error_of(data)
    assert error.line == line
    assert message in error.message


def test_no_fin_a_cut_file_is_refused_at_its_last_line() -> None:
    cut = GOLDEN[: len(GOLDEN) // 2]
    error = error_of(cut)
    assert "without #FIN" in error.message
    assert error.line == cut.count(b"\n") + 1


def test_a_missing_field_line_is_caught_at_its_record_when_the_format_is_given() -> None:
    # remove line 330 (the 10th field of the first #MECG, flag on line 320)
    error = error_of(golden_without(329), fmt=FORMAT_V31)
    assert error.line == 320
    assert "#MECG has 38 field lines; #VER 31 expects 39" in error.message


def test_an_extra_field_line_is_caught_too() -> None:
    lines = [*GOLDEN_LINES[:330], b"extra", *GOLDEN_LINES[330:]]
    error = error_of(b"\r\n".join(lines) + b"\r\n", fmt=FORMAT_V31)
    assert (error.line, "has 40 field lines" in error.message) == (320, True)


def test_a_tiers_needs_at_least_one_attached_account() -> None:
    error = error_of(golden_without(137), fmt=FORMAT_V31)  # line 138: DUPONT's attached account
    assert error.line == 4 and "at least 134" in error.message


def test_the_version_of_the_file_must_be_the_formats() -> None:
    error = error_of(GOLDEN.replace(b"#VER 31", b"#VER 14", 1), fmt=FORMAT_V31)
    assert error.line == 2


@pytest.mark.parametrize(("line", "value", "message"), [
    (337, "2", "field 17 (side): '2' is not a sens"),
    (338, "1 200,00", "field 18 (amount): '1 200,00' is not an amount"),
    (338, "1200.00", "is not an amount"),
    (322, "310225x", "field 2 (date): '310225x' is not a JJMMAA date"),
    (322, "320125", "is not a JJMMAA date"),
    (403, "abc", "field 3 (amount)"),
])
def test_bad_values_in_entries_point_at_the_field_line(line: int, value: str, message: str) -> None:
    lines = list(GOLDEN_LINES)
    lines[line - 1] = value.encode("cp850")
    error = error_of(b"\r\n".join(lines) + b"\r\n")
    assert error.line == line
    assert message in error.message


def test_an_unreadable_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(FlagFileError, match="cannot read"):
        parse_flag_file(tmp_path / "missing.txt")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_a_file_error(data: bytes) -> None:
    with contextlib.suppress(FlagFileError):
        pieces(parse_flag_file(data, FORMAT_V31))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_real_files_never_raise_anything_but_a_file_error(data: st.DataObject) -> None:
    lines = list(GOLDEN_LINES)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(lines) - 1))
        action = data.draw(st.sampled_from(["delete", "duplicate", "replace", "cut"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "replace":
            lines[index] = data.draw(st.sampled_from([b"", b"#MECG", b"#MECA", b"#FIN", b"-1", b"x", b"\xff\x00"]))
        else:
            lines = lines[:index]
        if not lines:
            break
    fmt = data.draw(st.sampled_from([FORMAT_V31, None]))
    try:
        pieces(parse_flag_file(b"\r\n".join(lines) + b"\r\n", fmt))
    except FlagFileError as error:
        assert 0 <= error.line <= len(lines) + 1


def test_commercial_files_have_no_dev_line_and_long_flags() -> None:
    parsed = parse_flag_file(file_of("#FLG 000", "#VER 33", "#CPROJHISTO", "a", "#M", "#CCLI", "C1", "#MCTT", "x",
                                     "#FIN"))
    assert parsed.currency is None
    assert [(record.flag, record.fields) for record in parsed.records] == [
        ("CPROJHISTO", ("a", "#M")), ("CCLI", ("C1",)), ("MCTT", ("x",))]  # "#M" is a value, not a flag
    assert parsed.records[2].parent == 1
