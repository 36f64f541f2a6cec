"""Payload mapping: OOTI wire objects as an accountant would read them, and junk that must be refused."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sagesync.core.findings import FindingCode
from sagesync.core.model import Customer, Document, DocumentKind, DocumentStatus, RevenueKind
from sagesync.sources.base import Rejected
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.payloads import (
    DEFAULT_FIELDS,
    customer_from_payload,
    document_from_payload,
    project_from_payload,
)
from sagesync.sources.ooti.reading import parse_wire_date
from tests.builders import d

CURRENCIES = {1: "EUR", 2: "USD"}


def wire(text: str) -> Any:
    """Wire JSON as the platform sends it (numbers parsed as Decimal)."""
    return wirejson.loads(text)


SINGLE_RATE = """{
  "pk": 40011, "type": 1, "code": "F2025-0042", "is_valid": true, "invoice_date": "14-03-2025",
  "due_date": "13-04-2025", "client": 301, "project": 8801, "currency": 1, "currency_rate": null,
  "multi_tax_enabled": false, "tax_rate": 20, "amount": 6547.04, "tax": 1293.41, "total": 7840.45,
  "original_invoice": null, "updated_at": "2025-03-14T09:12:00Z",
  "items": [
    {"pk": 1, "description": "ESQ Esquisse", "amount": 1437.12, "kind": "fees", "tax_rate": null, "tax": null},
    {"pk": 2, "description": "APS Avant-projet sommaire", "amount": 1676.64, "kind": "fees"},
    {"pk": 3, "description": "APD Avant-projet définitif", "amount": 3353.28, "kind": "fees"},
    {"pk": 4, "description": "Débours : timbres fiscaux", "amount": 80.00, "kind": "disbursements"}
  ]
}"""

MULTI_RATE = """{
  "pk": 40012, "type": 1, "code": "F2025-0043", "is_valid": true, "invoice_date": "2025-03-20",
  "client": 302, "project": 8802, "currency": 1, "multi_tax_enabled": true, "tax_rate": null,
  "amount": 1350.00, "tax": 250.00, "total": 1600.00,
  "items": [
    {"description": "PRO logements", "amount": 1000.00, "kind": "fees", "tax_rate": 10, "tax": 100.00},
    {"description": "PRO commerces", "amount": 200.00, "kind": "fees", "tax_rate": 20, "tax": 40.00},
    {"description": "Tirages", "amount": 50.00, "kind": "expenses", "tax_rate": 20, "tax": 10.00},
    {"description": "Débours", "amount": 100.00, "kind": "disbursements", "tax_rate": null, "tax": null}
  ]
}"""


def document(text: str, **changes: object) -> Document | Rejected:
    invoice = wire(text)
    invoice.update(changes)
    return document_from_payload(invoice, invoice.get("items"), CURRENCIES)


def accepted(text: str, **changes: object) -> Document:
    result = document(text, **changes)
    assert isinstance(result, Document), result
    return result


def fields_at_fault(result: object) -> list[str]:
    assert isinstance(result, Rejected), f"expected a refusal, got {result}"
    assert all(finding.code is FindingCode.SOURCE_FIELD_INVALID for finding in result.findings)
    return [finding.field for finding in result.findings]


def test_single_rate_invoice_states_its_vat_once_for_the_taxable_lines() -> None:
    invoice = accepted(SINGLE_RATE)
    assert (invoice.number, invoice.kind, invoice.status) == ("F2025-0042", DocumentKind.INVOICE,
                                                             DocumentStatus.VALIDATED)
    assert (invoice.issue_date, invoice.due_date) == (date(2025, 3, 14), date(2025, 4, 13))
    assert (invoice.customer_source_id, invoice.project_source_id, invoice.currency) == ("301", "8801", "EUR")
    assert [(line.amount, line.vat_rate, line.kind) for line in invoice.lines] == [
        (d("1437,12"), d("20"), RevenueKind.FEES), (d("1676,64"), d("20"), RevenueKind.FEES),
        (d("3353,28"), d("20"), RevenueKind.FEES), (d("80,00"), None, RevenueKind.DISBURSEMENTS)]
    # The stated VAT, never recomputed: 6 467,04 at 20 % gives 1 293,41 as the document says.
    assert [(s.rate, s.base, s.vat) for s in invoice.vat_subtotals] == [(d("20"), d("6467,04"), d("1293,41"))]
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (
        d("6547,04"), d("1293,41"), d("7840,45"))
    assert invoice.updated_at == datetime(2025, 3, 14, 9, 12, tzinfo=UTC)


def test_amounts_keep_the_digits_the_platform_sent() -> None:
    invoice = accepted(SINGLE_RATE)
    assert str(invoice.lines[0].amount) == "1437.12"
    assert all(isinstance(line.amount, Decimal) for line in invoice.lines)


def test_multi_rate_invoice_sums_the_item_taxes_per_rate() -> None:
    invoice = accepted(MULTI_RATE)
    assert invoice.issue_date == date(2025, 3, 20)  # ISO dates are accepted too
    assert [(s.rate, s.base, s.vat) for s in invoice.vat_subtotals] == [
        (d("10"), d("1000,00"), d("100,00")), (d("20"), d("250,00"), d("50,00"))]
    assert invoice.lines[3].vat_rate is None and invoice.lines[3].kind is RevenueKind.DISBURSEMENTS
    assert invoice.lines[2].kind is RevenueKind.EXPENSES


def test_credit_note_with_positive_amounts_reverses_its_invoice() -> None:
    credit = accepted(SINGLE_RATE, type=9, code="AV2025-0003", original_invoice=40001)
    assert credit.kind is DocumentKind.CREDIT_NOTE and credit.original_source_id == "40001"
    assert credit.total_incl_vat == d("7840,45") and credit.lines[0].amount == d("1437,12")
    assert credit.display_name == "credit note AV2025-0003"


def test_credit_note_with_negative_amounts_takes_its_sign_from_the_type() -> None:
    invoice = wire(MULTI_RATE)
    for name in ("amount", "tax", "total"):
        invoice[name] = -invoice[name]
    for item in invoice["items"]:
        item["amount"] = -item["amount"]
        item["tax"] = -item["tax"] if item["tax"] is not None else None
    credit = document_from_payload({**invoice, "type": 9}, invoice["items"], CURRENCIES)
    assert isinstance(credit, Document)
    assert credit.total_incl_vat == d("1600,00") and credit.total_vat == d("250,00")
    assert [line.amount for line in credit.lines] == [d("1000"), d("200"), d("50"), d("100")]
    assert [s.vat for s in credit.vat_subtotals] == [d("100"), d("50")]


def test_an_invoice_with_negative_amounts_stays_negative_for_the_checks_to_refuse() -> None:
    invoice = accepted(SINGLE_RATE, amount=Decimal("-10.00"))
    assert invoice.total_excl_vat == d("-10,00") and invoice.kind is DocumentKind.INVOICE


def test_usd_invoice_carries_its_currency_and_rate() -> None:
    invoice = accepted(SINGLE_RATE, currency=2, currency_rate=Decimal("0.8547"))
    assert (invoice.currency, invoice.exchange_rate) == ("USD", d("0,8547"))
    inline = accepted(SINGLE_RATE, currency="usd", currency_rate="0,8547")
    assert (inline.currency, inline.exchange_rate) == ("USD", d("0,8547"))


def test_a_euro_invoice_ignores_a_rate_of_one() -> None:
    assert accepted(SINGLE_RATE, currency_rate=Decimal("1")).exchange_rate is None


def test_draft_has_no_number_and_is_marked_draft() -> None:
    draft = accepted(SINGLE_RATE, is_valid=False, code=None)
    assert draft.status is DocumentStatus.DRAFT and draft.number == ""
    assert draft.display_name == "invoice #40011 (draft)"


def test_alternative_field_names_are_read() -> None:
    invoice = wire(SINGLE_RATE)
    for old, new in (("code", "invoice_number"), ("amount", "subtotal"), ("tax", "tax_amount"),
                     ("total", "total_with_tax"), ("updated_at", "modified")):
        invoice[new] = invoice.pop(old)
    result = document_from_payload(invoice, invoice["items"], CURRENCIES)
    assert isinstance(result, Document)
    assert (result.number, result.total_excl_vat, result.total_vat, result.total_incl_vat) == (
        "F2025-0042", d("6547,04"), d("1293,41"), d("7840,45"))


def test_amounts_as_decimal_strings_are_read() -> None:
    invoice = accepted(SINGLE_RATE, amount="6547.04", tax="1 293,41", total="7840.45")
    assert invoice.total_vat == d("1293,41")


def test_missing_line_kind_is_refused_unless_the_profile_says_what_it_is() -> None:
    invoice = wire(SINGLE_RATE)
    del invoice["items"][0]["kind"]
    assert fields_at_fault(document_from_payload(invoice, invoice["items"], CURRENCIES)) == ["items[0].kind"]
    fees = replace(DEFAULT_FIELDS, missing_line_kind=RevenueKind.FEES)
    result = document_from_payload(invoice, invoice["items"], CURRENCIES, fees)
    assert isinstance(result, Document) and result.lines[0].kind is RevenueKind.FEES


def test_french_words_for_the_line_kind_are_accepted() -> None:
    invoice = wire(SINGLE_RATE)
    invoice["items"][0]["kind"] = "Débours"
    invoice["items"][1]["kind"] = "frais"
    result = document_from_payload(invoice, invoice["items"], CURRENCIES)
    assert isinstance(result, Document)
    assert [line.kind for line in result.lines][:2] == [RevenueKind.DISBURSEMENTS, RevenueKind.EXPENSES]


@pytest.mark.parametrize(("changes", "field"), [
    ({"amount": None}, "amount"),
    ({"tax": "douze"}, "tax"),
    ({"total": 7840.45}, "total"),  # a binary float: the JSON was parsed without Decimal
    ({"total": True}, "total"),
    ({"invoice_date": "2025/03/14"}, "invoice_date"),
    ({"invoice_date": "31-02-2025"}, "invoice_date"),
    ({"due_date": "demain"}, "due_date"),
    ({"client": None}, "client"),
    ({"client": {"pk": 3}}, "client"),
    ({"type": "avoir"}, "type"),
    ({"is_valid": "yes"}, "is_valid"),
    ({"currency": 99}, "currency"),
    ({"currency": "euro"}, "currency"),
    ({"currency_rate": "n/a"}, "currency_rate"),
    ({"multi_tax_enabled": False, "tax_rate": None}, "tax_rate"),
    ({"updated_at": "hier"}, "updated_at"),
    ({"items": "none"}, "items"),
    ({"pk": None}, "pk"),
])
def test_a_bad_field_refuses_the_document_and_names_the_field(changes: dict[str, object], field: str) -> None:
    result = document(SINGLE_RATE, **changes)
    assert field in fields_at_fault(result)
    assert isinstance(result, Rejected) and result.kind == "document"


@pytest.mark.parametrize("name", ["pk", "type", "is_valid", "invoice_date", "client", "currency", "amount", "tax",
                                  "total", "tax_rate"])
def test_a_missing_field_refuses_the_document(name: str) -> None:
    invoice = wire(SINGLE_RATE)
    del invoice[name]
    assert name in fields_at_fault(document_from_payload(invoice, invoice["items"], CURRENCIES))


def test_a_missing_currency_may_be_set_by_the_profile() -> None:
    invoice = wire(SINGLE_RATE)
    del invoice["currency"]
    result = document_from_payload(invoice, invoice["items"], CURRENCIES, replace(DEFAULT_FIELDS,
                                                                                 default_currency="EUR"))
    assert isinstance(result, Document) and result.currency == "EUR"


def test_multi_rate_line_without_its_tax_is_refused() -> None:
    invoice = wire(MULTI_RATE)
    invoice["items"][1]["tax"] = None
    assert fields_at_fault(document_from_payload(invoice, invoice["items"], CURRENCIES)) == ["items[1].tax"]


def test_every_problem_is_reported_at_once() -> None:
    result = document(SINGLE_RATE, amount="x", client=None, invoice_date="?")
    assert sorted(fields_at_fault(result)) == ["amount", "client", "invoice_date"]
    assert isinstance(result, Rejected) and result.label == "invoice F2025-0042"


def test_customer_payload() -> None:
    customer = customer_from_payload(wire('{"pk": 301, "company_name": "SCI Les Tilleuls", "number": "04217", '
                                          '"zip_code": "93100", "city": "Montreuil", "country": "fr", '
                                          '"business_vat_id": "FR40831245671"}'))
    assert customer == Customer(source_id="301", code="04217", name="SCI Les Tilleuls", vat_number="FR40831245671",
                                postal_code="93100", city="Montreuil", country="FR")


def test_customer_with_an_empty_code_is_left_for_the_checks() -> None:
    customer = customer_from_payload({"pk": 5, "name": "Brasserie des Canaux", "number": None})
    assert not isinstance(customer, Rejected) and customer.code == ""


def test_customer_without_a_code_field_is_refused() -> None:
    assert fields_at_fault(customer_from_payload({"pk": 5, "name": "Brasserie"})) == ["number"]


def test_project_payload() -> None:
    project = project_from_payload({"id": 8801, "project_title": "Extension école", "code": "PRJ-2025-014",
                                    "client": 302})
    assert not isinstance(project, Rejected)
    assert (project.source_id, project.code, project.title, project.customer_source_id) == (
        "8801", "PRJ-2025-014", "Extension école", "302")
    assert fields_at_fault(project_from_payload({"id": 1, "project_title": "Sans code"})) == ["code"]


@pytest.mark.parametrize("text", ["14-03-2025", "2025-03-14"])
def test_both_date_layouts(text: str) -> None:
    assert parse_wire_date(text) == date(2025, 3, 14)


@pytest.mark.parametrize("text", ["14/03/2025", "2025-3-14", "", "14-03-25", None, 20250314])
def test_other_date_layouts_are_not_guessed(text: object) -> None:
    assert parse_wire_date(text) is None


# --- junk: whatever arrives, a record or a refusal, never an exception ---------------------

JUNK = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                 st.text(max_size=12), st.lists(st.integers(), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
                 st.decimals(allow_nan=True, allow_infinity=True))
INVOICE_KEYS = sorted(wire(SINGLE_RATE))
ITEM_KEYS = ["amount", "kind", "description", "tax_rate", "tax"]


@settings(max_examples=300, deadline=None)
@given(base=st.sampled_from([SINGLE_RATE, MULTI_RATE]),
       changes=st.dictionaries(st.sampled_from(INVOICE_KEYS), JUNK, max_size=4),
       removed=st.sets(st.sampled_from(INVOICE_KEYS), max_size=3),
       item_changes=st.dictionaries(st.sampled_from(ITEM_KEYS), JUNK, max_size=2))
def test_junk_invoices_give_a_document_or_a_refusal(base: str, changes: dict[str, object], removed: set[str],
                                                    item_changes: dict[str, object]) -> None:
    invoice = wire(base)
    invoice.update(changes)
    for name in removed:
        invoice.pop(name, None)
    items = copy.deepcopy(invoice.get("items"))
    if isinstance(items, list) and items and isinstance(items[0], dict):
        items[0].update(item_changes)
    result = document_from_payload(invoice, items, CURRENCIES)
    assert isinstance(result, Document | Rejected)
    money_touched = {"amount", "tax", "total"} & (set(changes) | removed)
    if money_touched and isinstance(result, Document):  # money is never defaulted: it must be readable as sent
        for name in money_touched:
            assert name in invoice and isinstance(invoice[name], int | str | Decimal)


@settings(max_examples=200, deadline=None)
@given(payload=st.one_of(JUNK, st.dictionaries(st.sampled_from(["pk", "id", "name", "number", "code",
                                                                 "project_title", "client", "country"]), JUNK)))
def test_junk_customers_and_projects_never_raise(payload: object) -> None:
    assert customer_from_payload(payload) is not None
    assert project_from_payload(payload) is not None
    assert isinstance(document_from_payload(payload, payload, {}), Document | Rejected)


def test_field_names_set_in_the_profile_are_read_instead_of_the_defaults() -> None:
    from sagesync.profiles.validation import FIELD_SETTINGS
    from sagesync.sources.ooti.payloads import CONFIGURABLE_FIELDS, fields_with

    assert FIELD_SETTINGS == CONFIGURABLE_FIELDS  # the profile accepts exactly what the mapping can rename
    fields = fields_with({"invoice_number": ["legal_number"], "total_incl_vat": ["total_ttc"]})
    assert fields.invoice_number == ("legal_number",) and fields.total_incl_vat == ("total_ttc",)
    assert fields.total_vat == ("tax", "tax_amount")  # untouched facts keep the defaults
    import pytest

    with pytest.raises(ValueError, match="unknown field setting"):
        fields_with({"colour": ["x"]})
