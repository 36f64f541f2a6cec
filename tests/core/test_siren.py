"""One SIREN rule for the profile and the FEC export: 9 digits with a valid Luhn checksum."""

from __future__ import annotations

from datetime import date

import pytest

from sagesync.core.siren import EXAMPLE_SIREN, compact_siren, is_valid_siren, luhn_ok, siren_problem
from sagesync.errors import ConfigurationError
from sagesync.fec.writer import fec_file_name
from sagesync.profiles import validation

VALID = ["732829320", "552100554", "542065479", "443061841", "356000000"]  # 356000000: La Poste
INVALID = ["123456789", "732829321", "552100555"]


def test_the_example_in_every_help_text_is_a_valid_siren() -> None:
    assert EXAMPLE_SIREN == "732829320" and is_valid_siren(EXAMPLE_SIREN)
    assert EXAMPLE_SIREN in validation.EXPECTED["siren"]


@pytest.mark.parametrize("siren", VALID)
def test_valid_sirens_pass_both_the_profile_and_the_fec_export(siren: str) -> None:
    assert luhn_ok(siren) and siren_problem(siren) is None
    assert validation.siren(siren) == siren
    assert fec_file_name(siren, date(2025, 12, 31)) == f"{siren}FEC20251231.txt"


@pytest.mark.parametrize("siren", INVALID)
def test_a_wrong_check_digit_is_refused_by_both(siren: str) -> None:
    assert "check digit" in (siren_problem(siren) or "")
    with pytest.raises(ConfigurationError, match="check digit"):
        fec_file_name(siren, date(2025, 12, 31))
    with pytest.raises(Exception, match="check digit"):
        validation.siren(siren)


def test_separators_people_type_are_ignored_and_anything_else_is_not_9_digits() -> None:
    assert compact_siren(" 732 829\u202f320 ") == compact_siren("732.829.320") == "732829320"
    for wrong in ("73282932", "7328293200", "73282932A", "", "٧٣٢٨٢٩٣٢٠"):
        assert "not 9 digits" in (siren_problem(wrong) or "")
