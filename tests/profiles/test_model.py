"""The profile model: TOML round trip, the account mapping, and problems named by TOML path."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from sagesync.core.mapping import VatRegime
from sagesync.core.model import RevenueKind
from sagesync.errors import ConfigurationError
from sagesync.profiles.defaults import default_mapping
from sagesync.profiles.model import LocationKind, Profile
from tests.profiles.conftest import acme_table


def problems_of(table: dict[str, Any], name: str = "acme") -> list[str]:
    with pytest.raises(ConfigurationError) as caught:
        Profile.from_table(name, table)
    return [line.strip()[2:] for line in str(caught.value).splitlines()[1:]]


def with_change(path: str, value: Any) -> dict[str, Any]:
    """acme_table() with one value replaced, by a path such as "vat.0.rate"."""
    table = copy.deepcopy(acme_table())
    node: Any = table
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node[part]
    last = parts[-1]
    if value is _REMOVE:
        del node[last]
    else:
        node[last] = value
    return table


_REMOVE = object()


def test_a_profile_reads_back_from_its_own_toml_text() -> None:
    profile = Profile.from_table("acme", acme_table())
    text = tomli_w.dumps({"profiles": {"acme": profile.to_table()}})
    again = Profile.from_table("acme", tomllib.loads(text)["profiles"]["acme"])
    assert again == profile
    assert 'rate = "5.5"' in text  # rates travel as strings, never floats


def test_the_mapping_of_a_new_profile_is_the_embedded_default() -> None:
    profile = Profile.from_table("acme", acme_table())
    assert profile.mapping() == default_mapping(VatRegime.RECEIPTS)


def test_the_mapping_follows_the_profile() -> None:
    table = acme_table()
    table["accounts"] = {**table["accounts"], "vat_regime": "debits", "collective": "411100",
                         "revenue_by_rate": {"0": "706300", "5,5": "706200"}}
    mapping = Profile.from_table("acme", table).mapping()
    assert mapping.vat_regime is VatRegime.DEBITS
    assert mapping.collective_account == "411100"
    assert mapping.revenue_account(RevenueKind.FEES, Decimal("5.50")) == "706200"
    vat = mapping.vat_for(Decimal("20.00"))
    assert vat is not None and vat.code(mapping.vat_regime) == "C20" and vat.account(mapping.vat_regime) == "445712"


def test_what_a_person_types_is_read_the_way_they_mean_it() -> None:
    table = acme_table(period_start="31/12/2024", sales_journal="vte", siren="732 829 320")
    table["platform"] = {**table["platform"], "base_url": "app.ooti.co", "organization_id": "12"}
    table["vat"] = [{"rate": "5,5", "code_receipts": "e055", "account_receipts": 445745}]
    profile = Profile.from_table("acme", table)
    assert profile.period_start == date(2024, 12, 31)
    assert profile.sales_journal == "VTE"
    assert profile.siren == "732829320"
    assert profile.platform.base_url == "https://app.ooti.co/api/"
    assert profile.platform.organization_id == 12
    assert profile.vat[0].rate == Decimal("5.5") and profile.vat[0].account_receipts == "445745"


@pytest.mark.parametrize(("location", "kind", "target"), [
    ("C:\\Sage\\ACME.MAE", LocationKind.MAE_FILE, "file"),
    ("mssql+pyodbc://sage-srv/ACME?driver=ODBC+Driver+18+for+SQL+Server", LocationKind.SQL_SERVER, "file"),
    ("embedded:companies/acme.sqlite", LocationKind.EMBEDDED, "embedded"),
    ("/srv/acme.sqlite", LocationKind.EMBEDDED, "embedded"),
])
def test_the_target_follows_the_location_unless_given(location: str, kind: LocationKind, target: str) -> None:
    table = acme_table(sage_location=location)  # no sage_target in the table
    profile = Profile.from_table("acme", table)
    assert (profile.location_kind, profile.target, profile.sage_target) == (kind, target, target)


def test_an_embedded_company_path_is_taken_from_the_base_folder_when_relative(tmp_path: Any) -> None:
    profile = Profile.from_table("acme", acme_table(sage_location="embedded:acme.sqlite"))
    assert profile.embedded_company_path(tmp_path) == tmp_path / "acme.sqlite"
    assert Profile.from_table("acme", acme_table()).embedded_company_path(tmp_path) is None


# Each case: the change, the TOML path the message must name, words of the expected form.
BAD_VALUES = [
    ("sage_company", _REMOVE, "profiles.acme.sage_company", "is missing"),
    ("sage_company", "  ", "profiles.acme.sage_company", "empty"),
    ("period_start", "2025-13-01", "profiles.acme.period_start", "2025-01-01"),
    ("sage_location", "ACME", "profiles.acme.sage_location", ".mae"),
    ("sage_target", "sql", "profiles.acme.sage_target", '"embedded" or "file"'),
    ("sales_journal", "VENTES-2025", "profiles.acme.sales_journal", "1 to 6"),
    ("platform.email", "compta", "profiles.acme.platform.email", "e-mail"),
    ("platform.base_url", "ftp://app.ooti.co", "profiles.acme.platform.base_url", "https://app.ooti.co/api/"),
    ("platform.organization_id", "twelve", "profiles.acme.platform.organization_id", "whole number"),
    ("platform.team_id", -4, "profiles.acme.platform.team_id", "whole number"),
    ("platform.kind", "sellsy", "profiles.acme.platform.kind", '"ooti"'),
    ("accounts.collective", "706000", "profiles.acme.accounts.collective", "class 41"),
    ("accounts.revenue.fees", "706 000", "profiles.acme.accounts.revenue.fees", "13 digits or capitals"),
    ("accounts.revenue.expenses", _REMOVE, "profiles.acme.accounts.revenue.expenses", "708500"),
    ("accounts.vat_regime", "monthly", "profiles.acme.accounts.vat_regime", '"debits"'),
    ("accounts.revenue_by_rate", {"zero": "706300"}, "profiles.acme.accounts.revenue_by_rate", "'zero'"),
    ("vat.1.rate", "ten", "profiles.acme.vat[1].rate", '"20" or "5.5"'),
    ("vat.1.rate", "120", "profiles.acme.vat[1].rate", "between 0 and 100"),
    ("vat.2.code_debits", "C-055", "profiles.acme.vat[2].code_debits", "1 to 5"),
    ("vat.0.account_receipts", "4457-42", "profiles.acme.vat[0].account_receipts", "no spaces"),
    ("vat", [], "profiles.acme.vat", "one per VAT rate"),
    ("writeback.mode", "push", "profiles.acme.writeback.mode", "patch_field"),
    ("writeback.field", "accounting ref", "profiles.acme.writeback.field", "accounting_reference"),
    ("siren", "73282932", "profiles.acme.siren", "9 digits"),
    ("siren", "732829321", "profiles.acme.siren", "check digit"),
]


@pytest.mark.parametrize(("path", "value", "named", "expected"), BAD_VALUES,
                         ids=[f"{case[0]}={case[1]!r}" for case in BAD_VALUES])
def test_every_validation_error_names_the_field_and_the_expected_form(path: str, value: Any, named: str,
                                                                      expected: str) -> None:
    problems = problems_of(with_change(path, value))
    assert len(problems) == 1, problems
    assert problems[0].startswith(named + ": ")
    assert expected in problems[0]


def test_all_problems_are_listed_at_once() -> None:
    table = with_change("platform.email", "nobody")
    table["accounts"]["collective"] = "512000"
    table["vat"][3]["rate"] = "lots"
    del table["sage_company"]
    problems = problems_of(table)
    assert [problem.split(":")[0] for problem in problems] == [
        "profiles.acme.sage_company", "profiles.acme.platform.email", "profiles.acme.accounts.collective",
        "profiles.acme.vat[3].rate"]


def test_a_misspelt_setting_is_named_with_the_likely_one() -> None:
    table = acme_table(sales_jounral="VTE")
    assert problems_of(table) == ["profiles.acme.sales_jounral: is not a setting sagesync knows "
                                  "(did you mean sales_journal?)"]


@pytest.mark.parametrize(("path", "named"), [
    ("vat.2.rate", "profiles.acme.vat[2].rate"),
    ("platform.organization_id", "profiles.acme.platform.organization_id"),
])
def test_a_float_is_refused_with_its_field(path: str, named: str) -> None:
    problems = problems_of(with_change(path, 5.5))
    assert len(problems) == 1 and problems[0].startswith(named + ": ")
    assert "float" in problems[0]


def test_a_float_inside_the_learned_sage_format_is_refused_with_its_place() -> None:
    problems = problems_of(acme_table(sage_format={"version": 31, "records": {"MECG": {"amount_width": 14.2}}}))
    assert problems == [problems[0]] and "records.MECG.amount_width" in problems[0] and "float" in problems[0]


def test_rules_across_fields_name_the_field_to_change() -> None:
    table = acme_table(sage_target="embedded")
    table["vat"][1] = {**table["vat"][1], "rate": "20.0"}
    table["vat"][2] = {**table["vat"][2], "code_receipts": ""}
    table["vat"][3] = {**table["vat"][3], "account_receipts": ""}
    table["writeback"] = {"mode": "patch_field"}
    problems = problems_of(table)
    assert [problem.split(":")[0] for problem in problems] == [
        "profiles.acme.sage_target", "profiles.acme.vat[1].rate", "profiles.acme.vat[2].code_receipts",
        "profiles.acme.vat[3].account_receipts", "profiles.acme.writeback.field"]
    assert "mapped twice" in problems[1]


def test_the_other_regime_may_stay_empty() -> None:
    table = acme_table()
    table["vat"] = [{"rate": "20", "code_receipts": "E20", "account_receipts": "445742"}]
    assert Profile.from_table("acme", table).vat[0].code_debits == ""


def test_a_sql_server_url_with_a_password_is_refused_without_echoing_it() -> None:
    problems = problems_of(acme_table(sage_location="mssql+pyodbc://sa:Tr0ub4dor@sage-srv/ACME"))
    assert problems[0].startswith("profiles.acme.sage_location: holds a password")
    assert "Tr0ub4dor" not in " ".join(problems)


def test_a_bad_profile_name_is_refused_with_a_valid_one_suggested() -> None:
    with pytest.raises(ConfigurationError, match=r"e\.g\. acme-sa"):
        Profile.from_table("ACME SA", acme_table())


account_numbers = st.from_regex(r"[1-9][0-9]{5,12}", fullmatch=True)
rates = st.decimals(min_value=Decimal(0), max_value=Decimal("99.99"), places=2)


@settings(max_examples=60, deadline=None)
@given(rates=st.lists(rates, min_size=1, max_size=6, unique_by=lambda rate: rate.normalize()),
       accounts=st.lists(account_numbers, min_size=6, max_size=6), regime=st.sampled_from(["debits", "receipts"]),
       organization=st.none() | st.integers(min_value=1, max_value=10**9))
def test_any_valid_profile_survives_the_toml_round_trip(rates: list[Decimal], accounts: list[str], regime: str,
                                                        organization: int | None) -> None:
    table = acme_table()
    table["accounts"] = {"collective": "411" + accounts[0][3:], "vat_regime": regime,
                         "revenue": {"fees": accounts[1], "expenses": accounts[2], "disbursements": accounts[3]},
                         "revenue_by_rate": {str(rates[0]): accounts[4]}}
    table["vat"] = [{"rate": str(rate), f"code_{regime}": f"T{index}", f"account_{regime}": accounts[5]}
                    for index, rate in enumerate(rates)]
    table["platform"] = {"email": "compta@acme.fr", "organization_id": organization}
    if organization is None:
        del table["platform"]["organization_id"]
    profile = Profile.from_table("acme", table)
    text = tomli_w.dumps({"profiles": {"acme": profile.to_table()}})
    again = Profile.from_table("acme", tomllib.loads(text)["profiles"]["acme"])
    assert again == profile
    assert again.mapping() == profile.mapping()
    assert [vat.rate for vat in again.vat] == rates  # the digits typed, not a float's
