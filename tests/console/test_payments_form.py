"""The profile form's payments settings (``[payments]``): shown, checked against the company, saved, and kept as they
were when the form is saved without edits."""

from __future__ import annotations

import html as markup
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sagesync.interfaces.console import profile_form
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.store import ProfileStore
from tests.console.conftest import Console


def field_error(html: str, field: str) -> str:
    match = re.search(rf'<p class="field-error" id="error-{re.escape(field)}">(.*?)</p>', html, re.S)
    return markup.unescape(match.group(1)) if match else ""


def datalist(html: str, list_id: str) -> dict[str, str]:
    match = re.search(rf'<datalist id="{list_id}">(.*?)</datalist>', html, re.S)
    assert match, list_id
    options = re.findall(r'<option value="([^"]*)"(?: label="([^"]*)")?>', match.group(1))
    return dict(options)


def submitted(values: profile_form.FormValues) -> dict[str, str]:
    """What the browser sends for the form as drawn from ``values`` (every field, every table row)."""
    form = dict(values.fields)
    for index, row in enumerate(values.vat):
        form.update({f"vat-{index}-{column}": text for column, text in row.items()})
    for index, (rate, account) in enumerate(values.revenue_by_rate):
        form[f"rbr-{index}-rate"], form[f"rbr-{index}-account"] = rate, account
    for index, (method, account) in enumerate(values.bank_accounts):
        form[f"bank-{index}-method"], form[f"bank-{index}-account"] = method, account
    return form


def round_trip(table: dict[str, Any], base: dict[str, Any] | None = None) -> dict[str, Any]:
    form = submitted(profile_form.values_from_table(table))
    values = profile_form.values_from_form(lambda name: form.get(name, ""), list(form))
    return profile_form.table_from_values(table if base is None else base, values)


def a_table(**payments: Any) -> dict[str, Any]:
    table = defaults_table()
    table.update(sage_company="ATELIER DEMO", period_start=date(2025, 1, 1), sage_location="C:\\Sage\\DEMO.mae")
    table["platform"] = {**table["platform"], "email": "demo@sagesync.test"}
    if payments:
        table["payments"] = payments
    return table


@pytest.mark.parametrize("payments", [
    {"direction": "both", "bank_journal": "BQ2", "bank_account": "512100", "bank_accounts": {"V": "512100",
                                                                                             "C": "512200"},
     "vat_transfer": "month_end", "transfer_journal": "ODT", "exchange_loss": "666000", "exchange_gain": "766000",
     "closed_until": date(2025, 3, 31)},
    {"bank_account": "512000"},  # every other setting left to its default
    {"direction": "off", "bank_account": "512300"},
])
def test_the_payments_settings_saved_unchanged_are_the_same_profile(payments: dict[str, Any]) -> None:
    table = a_table(**payments)
    # Edited, the form starts from the file's table; from none, off means no table (a profile that never had one).
    for base in (table,) if payments.get("direction") == "off" else ({}, table):
        assert Profile.from_table("demo", round_trip(table, base)) == Profile.from_table("demo", table)


def test_a_profile_without_payments_shows_them_off_and_stays_without() -> None:
    table = a_table()
    table.pop("payments")
    values = profile_form.values_from_table(table)
    assert values.fields["payments.direction"] == "off"
    assert values.fields["payments.bank_journal"] == "BQ1"  # ready to be switched on
    saved = round_trip(table)
    assert "payments" not in saved and Profile.from_table("demo", saved).payments is None


def test_a_form_without_the_payments_fields_keeps_the_table_as_it_was() -> None:
    table = a_table(direction="both", bank_account="512100", bank_accounts={"V": "512100"})
    form = {name: text for name, text in submitted(profile_form.values_from_table(table)).items()
            if not name.startswith(("payments.", "bank-"))}
    values = profile_form.values_from_form(lambda name: form.get(name, ""), list(form))
    assert profile_form.table_from_values(table, values)["payments"] == table["payments"]


def edit_form(demo: Console, **changes: str) -> dict[str, str]:
    """The edit form as drawn for the saved profile, with ``changes`` typed in."""
    form = submitted(profile_form.values_from_table(ProfileStore().table("demo")))
    form.update(changes)
    return form


def test_the_form_shows_the_payments_settings_with_the_companys_treasury_journals(
        demo: Console, monkeypatch: pytest.MonkeyPatch) -> None:
    html = demo.client.get("/profiles/demo/edit").text
    assert '<option value="to_sage" selected>Payments from the platform into Sage</option>' in html
    assert 'id="f-payments.bank_journal" name="payments.bank_journal" value="BQ1" list="picks-bank-journals"' in html
    journals = datalist(html, "picks-bank-journals")
    assert "BQ1" in journals and "VTE" not in journals and "OD" not in journals  # JO_Type 2 only
    assert "512000" in datalist(html, "picks-bank-accounts") and "411000" not in datalist(html, "picks-bank-accounts")
    assert "656000" in datalist(html, "picks-exchange-loss") and "756000" in datalist(html, "picks-exchange-gain")
    assert re.search(r'<div class="field" data-payments>\s*<label for="f-payments.bank_account">', html)
    closed = re.search(r'<input id="f-payments.closed_until"[^>]*>', html)
    assert closed and 'type="date"' in closed.group(0)
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    html = demo.client.get("/profiles/demo/edit").text
    for words in ("Règlements de la plateforme vers Sage", "Règlements lettrés dans Sage vers la plateforme",
                  "Les deux", "Désactivé", "Journal de banque", "Compte de banque par mode de paiement"):
        assert f">{words}<" in html, words


def test_the_payments_settings_are_saved(demo: Console) -> None:
    form = edit_form(demo, **{"payments.direction": "both", "payments.bank_account": "512000",
                              "bank-0-method": "V", "bank-0-account": "512000", "payments.vat_transfer": "month_end",
                              "payments.transfer_journal": "OD", "payments.closed_until": "2025-03-31"})
    response = demo.post("/profiles/demo", form, follow_redirects=False)
    assert response.status_code == 303, field_error(response.text, "payments.bank_journal") or response.text[-3000:]
    payments = ProfileStore().get("demo").payments
    assert payments is not None
    assert (payments.direction, payments.bank_accounts, payments.vat_transfer, payments.closed_until) == (
        "both", {"V": "512000"}, "month_end", date(2025, 3, 31))
    html = demo.client.get("/profiles/demo/edit").text  # shown back as saved
    assert 'name="bank-0-method" value="V"' in html and 'value="2025-03-31"' in html
    assert '<option value="month_end" selected>' in html


def test_a_bank_journal_or_account_the_company_does_not_hold_is_refused(demo: Console,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = ProfileStore().table("demo")
    response = demo.post("/profiles/demo", edit_form(demo, **{"payments.bank_journal": "VTE",
                                                              "payments.bank_account": "512999",
                                                              "bank-0-method": "C", "bank-0-account": "513000"}))
    assert response.status_code == 422
    problem = field_error(response.text, "payments.bank_journal")
    assert "the journal « VTE » (Ventes) is not a treasury journal" in problem
    assert "« 512999 »" in field_error(response.text, "payments.bank_account")
    assert "« 513000 »" in field_error(response.text, "payments.bank_accounts")
    assert ProfileStore().table("demo") == before  # nothing written
    html = demo.post("/profiles/demo", edit_form(demo, **{"payments.bank_journal": "BQ9"})).text
    assert "the journal « BQ9 » does not exist in the company" in field_error(html, "payments.bank_journal")
    # the profile's own rules first: a code that cannot be a journal
    html = demo.post("/profiles/demo", edit_form(demo, **{"payments.bank_journal": "B Q"})).text
    assert "is not a journal code" in field_error(html, "payments.bank_journal")
    monkeypatch.setenv("SAGESYNC_LANG", "fr")
    html = demo.post("/profiles/demo", edit_form(demo, **{"payments.bank_journal": "VTE"})).text
    assert field_error(html, "payments.bank_journal") == (
        "le journal « VTE » (Ventes) n'est pas un journal de trésorerie ; choisissez un journal de banque dans la "
        "liste")


def test_payments_off_hides_their_settings_and_keeps_them(demo: Console) -> None:
    response = demo.post("/profiles/demo", edit_form(demo, **{"payments.direction": "off",
                                                              "payments.bank_journal": "VTE"}),
                         follow_redirects=False)
    assert response.status_code == 303  # off: nothing is posted, so the bank journal is not checked against Sage
    payments = ProfileStore().get("demo").payments
    assert payments is not None and payments.direction == "off" and payments.bank_account == "512000"
    html = demo.client.get("/profiles/demo/edit").text
    assert '<option value="off" selected>' in html
    assert re.search(r'<div class="field" data-payments hidden>\s*<label for="f-payments.bank_account">', html)
    assert not re.search(r'data-payments[^>]*>\s*<label for="f-payments.direction">', html)  # the choice stays
    # a problem in a hidden setting shows it
    html = demo.post("/profiles/demo", edit_form(demo, **{"payments.bank_account": ""})).text
    assert field_error(html, "payments.bank_account")
    assert re.search(r'<div class="field invalid" data-payments>\s*<label for="f-payments.bank_account">', html)


def test_a_new_profile_through_the_form_gets_the_payments_settings(console: Console, company_path: Path) -> None:
    html = console.client.get("/profiles/new").text
    assert '<option value="to_sage" selected>' in html and 'name="payments.bank_account" value="512000"' in html
    assert console.create_profile(company_path).status_code == 303
    payments = ProfileStore().get("demo").payments
    assert payments is not None and payments.to_sage and payments.bank_journal == "BQ1"
