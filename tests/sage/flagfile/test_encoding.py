"""CP850 text, transliteration findings, truncation, amounts and dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sagesync.core.findings import FindingCode, Severity
from sagesync.sage.flagfile.encoding import FieldCleaner, fit, format_amount, format_date, sage_code, to_cp850


@pytest.mark.parametrize(("text", "written"), [
    ("L’atelier", "L'atelier"),
    ("“Les Halles”", '"Les Halles"'),
    ("Phase 1 – APS — APD", "Phase 1 - APS - APD"),
    ("Honoraires…", "Honoraires..."),
    ("Forfait 100 €", "Forfait 100 EUR"),
    ("Cœur de ville, ŒUVRE", "Coeur de ville, OEUVRE"),
    ("Dupont\u00a0SA", "Dupont SA"),
    ("1\u202f437,12", "1 437,12"),
    ("Bravo 🎉 l'équipe", "Bravo l'équipe"),
    ("Łódź Gdańsk", "Lódz Gdansk"),
    ("ligne 1\r\nligne 2\tfin", "ligne 1 ligne 2 fin"),
    ("北京 office", "?? office"),
    ("#FIN", "N°FIN"),
])
def test_what_cp850_cannot_hold_is_transliterated_and_flagged(text: str, written: str) -> None:
    assert to_cp850(text) == (written, True)
    written.encode("cp850")  # and the result is really CP850


@pytest.mark.parametrize("text", ["Rénovation école", "Gérard Ça-va Où ÿ ß Æ ø «citation»", "  padded  ",
                                  "e\u0301cole (decomposed)", "#12 rue"[1:]])
def test_text_cp850_holds_is_unchanged(text: str) -> None:
    cleaned, changed = to_cp850(text)
    assert not changed
    assert cleaned.encode("cp850").decode("cp850") == cleaned


def test_french_accents_are_the_oem_bytes_sage_exports() -> None:
    assert to_cp850("é")[0].encode("cp850") == b"\x82"
    assert to_cp850("è à ç ù É")[0].encode("cp850") == b"\x8a \x85 \x87 \x97 \x90"


@given(st.text())
def test_any_text_becomes_one_cp850_line(text: str) -> None:
    cleaned, _ = to_cp850(text)
    cleaned.encode("cp850")
    assert "\r" not in cleaned and "\n" not in cleaned
    assert not cleaned.startswith("#")
    assert to_cp850(cleaned) == (cleaned, False)  # idempotent: a second pass changes nothing


def test_truncation_is_deterministic_and_drops_the_space_left_by_the_cut() -> None:
    assert fit("Mission de maîtrise d'oeuvre", 11) == ("Mission de", True)
    assert fit("court", 11) == ("court", False)


def test_codes_are_upper_case_cp850_and_cut_at_their_limit() -> None:
    assert sage_code(" dupont & fils ", 17) == "DUPONT & FILS"
    assert sage_code("chantier-école-2025", 13) == "CHANTIER-ÉCOL"
    assert sage_code("ÿ", 5) == "Y"  # Ÿ is not CP850: its capital is transliterated


def test_cleaner_reports_each_change_once_per_record_and_field() -> None:
    cleaner = FieldCleaner()
    for _ in range(3):  # the same label on every line of a piece
        cleaner.text("Étude “APS”", 69, document="invoice F1", source_id="1", field_name="label")
    cleaner.text("A" * 80, 69, document="invoice F1", source_id="1", field_name="label")
    cleaner.text("Étude “APS”", 69, document="invoice F2", source_id="2", field_name="label")
    assert [(finding.document, finding.field, finding.code) for finding in cleaner.findings] == [
        ("invoice F1", "label", FindingCode.TEXT_TRANSLITERATED),
        ("invoice F1", "label", FindingCode.TEXT_TRUNCATED),
        ("invoice F2", "label", FindingCode.TEXT_TRANSLITERATED),
    ]
    assert all(finding.severity is Severity.WARNING and not finding.blocks for finding in cleaner.findings)
    truncated = cleaner.findings[1]
    assert "69" in truncated.message and truncated.source_id == "1"


def test_amounts_have_a_decimal_comma_two_decimals_and_no_thousands_separator() -> None:
    assert format_amount(Decimal("1200")) == "1200,00"
    assert format_amount(Decimal("1437.1")) == "1437,10"
    assert format_amount(Decimal("1234567.89")) == "1234567,89"
    assert format_amount(Decimal("0.05")) == "0,05"


def test_an_amount_with_fractions_of_a_cent_is_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="fractions of a cent"):
        format_amount(Decimal("10.005"))


def test_dates_are_jjmmaa() -> None:
    assert format_date(date(2025, 3, 4)) == "040325"
    assert format_date(date(2031, 12, 31)) == "311231"
    assert format_date(None) == ""
