"""Amounts as a French accountant reads them, and the profile form's round trip to the file's table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from sagesync.interfaces.console import formatting, profile_form
from sagesync.profiles.model import Profile, defaults_table

CENTS = st.decimals(min_value=Decimal("-99999999999.99"), max_value=Decimal("99999999999.99"), places=2,
                    allow_nan=False, allow_infinity=False)


def test_amounts_have_a_decimal_comma_and_narrow_spaces_between_thousands() -> None:
    assert formatting.amount(Decimal("1234567.5")) == "1\u202f234\u202f567,50"
    assert formatting.amount(Decimal("-0.05")) == "-0,05"
    assert formatting.amount("420.00") == "420,00"
    assert formatting.amount(None) == ""


@given(CENTS)
def test_an_amount_shown_reads_back_as_the_same_decimal(value: Decimal) -> None:
    shown = formatting.amount(value)
    assert Decimal(shown.replace("\u202f", "").replace(",", ".")) == value


def test_counts_are_told_in_the_order_a_person_reads_them() -> None:
    assert formatting.counts_text({"ignored_before_period": 4, "blocked": 5, "posted": 207, "failed": 0}) == (
        "posted 207, blocked 5, ignored (before period start) 4")
    assert formatting.counts_text({}) == "nothing to do"


def test_durations_from_the_ledger_never_claim_a_precision_it_does_not_keep() -> None:
    assert formatting.whole_seconds(0.0) == "under 1 s"
    assert formatting.whole_seconds(75.0) == "1 min 15 s"
    assert formatting.duration(0.43) == "0.4 s"


def demo_table() -> dict[str, object]:
    table = defaults_table()
    table.update(sage_company="ATELIER DEMO", period_start=date(2025, 1, 1), sage_location="C:\\Sage\\DEMO.mae",
                 siren="732829320")
    table["platform"] = {**table["platform"], "email": "demo@sagesync.test", "team_id": 3418}
    return table


def test_a_table_shown_in_the_form_and_saved_unchanged_is_the_same_profile() -> None:
    table = demo_table()
    values = profile_form.values_from_table(table)
    assert values.fields["sage_target"] == "auto"
    assert values.fields["platform.organization_id"] == ""
    submitted = dict(values.fields)
    for index, row in enumerate(values.vat):
        submitted.update({f"vat-{index}-{column}": text for column, text in row.items()})
    for index, (rate, account) in enumerate(values.revenue_by_rate):
        submitted[f"rbr-{index}-rate"], submitted[f"rbr-{index}-account"] = rate, account
    read = profile_form.values_from_form(lambda name: submitted.get(name, ""), list(submitted))
    saved = profile_form.table_from_values({}, read)
    assert Profile.from_table("demo", saved) == Profile.from_table("demo", table)


def test_problems_are_put_next_to_the_field_their_toml_path_names() -> None:
    message = ("profile 'demo' has 3 problems (fix profiles.toml or run `sagesync profile edit demo`):\n"
               "  - profiles.demo.vat[2].code_receipts: is empty\n"
               "  - profiles.demo.accounts.revenue_by_rate: key 'x': is not a rate\n"
               "  - profiles.demo.sage_format.columns: is a float")
    problems = profile_form.problems_from_error(message, "demo")
    assert problems.by_field == {"vat-2-code_receipts": "is empty",
                                 "accounts.revenue_by_rate": "key 'x': is not a rate"}
    assert problems.general == ["profiles.demo.sage_format.columns: is a float"]
