"""`--set key=value`: settings by TOML path, VAT entries found by their rate."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sagesync.errors import ConfigurationError
from sagesync.profiles.editing import apply_settings, parse_assignment
from sagesync.profiles.model import Profile
from tests.profiles.conftest import acme_table


def edited(*assignments: str) -> Profile:
    return Profile.from_table("acme", apply_settings(acme_table(), [parse_assignment(a) for a in assignments]))


def test_nested_settings_by_path() -> None:
    profile = edited("accounts.collective=411100", "platform.team_id=77", "period_start=01/07/2025")
    assert (profile.accounts.collective, profile.platform.team_id, profile.period_start.month) == ("411100", 77, 7)


def test_a_vat_entry_is_found_by_its_rate_even_with_a_dot_or_a_comma() -> None:
    profile = edited("vat.5.5.code_receipts=E99", "vat.5,5.account_receipts=445799")
    entry = next(vat for vat in profile.vat if vat.rate == Decimal("5.5"))
    assert (entry.code_receipts, entry.account_receipts) == ("E99", "445799")
    assert len(profile.vat) == 5


def test_a_new_rate_is_added_and_a_rate_removed() -> None:
    profile = edited("vat.8.5.code_receipts=E085", "vat.8.5.account_receipts=445746", "vat.2.1=")
    assert sorted(str(vat.rate) for vat in profile.vat) == ["0", "10", "20", "5.5", "8.5"]


def test_revenue_by_rate_keys_may_hold_a_dot() -> None:
    profile = edited("accounts.revenue_by_rate.5.5=706200", "accounts.revenue_by_rate.0=")
    assert profile.accounts.revenue_by_rate == {Decimal("5.5"): "706200"}


def test_an_empty_value_removes_an_optional_setting() -> None:
    assert edited("siren=732829320").siren == "732829320"
    table = apply_settings(acme_table(siren="732829320"), [("siren", "")])
    assert Profile.from_table("acme", table).siren is None


def test_the_original_table_is_not_changed() -> None:
    table = acme_table()
    apply_settings(table, [("accounts.collective", "411100"), ("vat.20.code_debits", "X")])
    assert table == acme_table()


@pytest.mark.parametrize(("assignment", "message"), [
    ("platform.password=hunter2", "passwords never go in the profile file"),
    ("name=other", "table key"),
    ("vat.abc.code_debits=C20", "'abc' is not a rate"),
    ("vat.20=C20", "name the field"),
    ("sales_journal.code=VTE", "single value"),
])
def test_refused_settings_say_why(assignment: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        apply_settings(acme_table(), [parse_assignment(assignment)])
    assert "hunter2" not in str(caught.value)


def test_an_assignment_needs_an_equals_sign() -> None:
    with pytest.raises(ConfigurationError, match="key=value"):
        parse_assignment("accounts.collective")
