"""Payment rows of v1/payments/list/{org}/ -> Payment records, and the rows that must be refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from sagesync.core.findings import FindingCode
from sagesync.core.payments import Payment
from sagesync.sources.base import Rejected
from sagesync.sources.ooti import wirejson
from sagesync.sources.ooti.payloads import DEFAULT_FIELDS, fields_with, payment_from_payload

CURRENCIES = {1: "EUR", 2: "USD"}

ROW = """{"pk": 70012, "date": "14-04-2025", "amount": 7840.45, "currency": 1, "currency_rate": null,
          "type": "V", "invoice": 40011, "team": 3418, "project": 8801, "updated_at": "2025-04-15T09:12:00Z"}"""


def row(**changes: object) -> dict[str, Any]:
    wire = wirejson.loads(ROW)
    assert isinstance(wire, dict)
    for name, value in changes.items():
        if value is DROP:
            wire.pop(name, None)
        else:
            wire[name] = value
    return wire


DROP = object()


def accepted(**changes: object) -> Payment:
    result = payment_from_payload(row(**changes), CURRENCIES)
    assert isinstance(result, Payment), result
    return result


def refused(**changes: object) -> Rejected:
    result = payment_from_payload(row(**changes), CURRENCIES)
    assert isinstance(result, Rejected), f"expected a refusal, got {result}"
    assert result.kind == "payment" and result.source_id == "70012"
    assert all(finding.code is FindingCode.SOURCE_FIELD_INVALID and finding.blocks for finding in result.findings)
    assert all(finding.fix and finding.document == result.label for finding in result.findings)
    return result


def test_a_payment_row_as_an_accountant_reads_it() -> None:
    payment = accepted()
    assert payment == Payment(source_id="70012", document_source_id="40011", payment_date=date(2025, 4, 14),
                              amount=Decimal("7840.45"), currency="EUR", exchange_rate=None, method="V",
                              updated_at=datetime(2025, 4, 15, 9, 12, tzinfo=UTC))
    assert isinstance(payment.amount, Decimal) and payment.key == "P70012"


def test_the_amount_keeps_the_digits_sent_and_never_goes_through_a_float() -> None:
    assert accepted(amount=Decimal("0.10")).amount == Decimal("0.10")
    assert accepted(amount="1 250,50").amount == Decimal("1250.50")  # a decimal string, French style
    assert accepted(amount=1200).amount == Decimal(1200)
    rejected = refused(amount=1250.5)  # a binary float: the JSON was parsed the wrong way
    assert [finding.field for finding in rejected.findings] == ["amount"]


def test_iso_dates_and_alternative_names_are_read() -> None:
    assert accepted(date="2025-04-14").payment_date == date(2025, 4, 14)
    renamed = row(date=DROP, invoice=DROP, type=DROP)
    renamed.update({"payment_date": "14-04-2025", "invoice_id": "40011", "method": "C"})
    payment = payment_from_payload(renamed, CURRENCIES)
    assert isinstance(payment, Payment)
    assert (payment.payment_date, payment.document_source_id, payment.method) == (date(2025, 4, 14), "40011", "C")


def test_a_foreign_currency_payment_keeps_its_rate_and_a_euro_payment_has_none() -> None:
    dollars = accepted(currency=2, currency_rate=Decimal("0.8613"), amount=Decimal("17208.00"))
    assert (dollars.currency, dollars.exchange_rate, dollars.amount) == ("USD", Decimal("0.8613"), Decimal("17208.00"))
    assert accepted(currency_rate=Decimal(1)).exchange_rate is None
    assert accepted(currency="usd", currency_rate=Decimal("0.9")).currency == "USD"  # an ISO code inline
    assert accepted(amount=Decimal("100.125"), currency=2, currency_rate=Decimal("0.9")).amount == Decimal("100.125")


def test_optional_fields_may_be_absent() -> None:
    payment = accepted(type=DROP, updated_at=DROP, team=DROP, project=DROP, currency_rate=DROP)
    assert payment.method == "" and payment.updated_at is None and payment.label == ""
    assert accepted(label="Virement reçu BNP").label == "Virement reçu BNP"


def test_a_default_currency_from_the_profile_fills_a_missing_one() -> None:
    fields = fields_with({}, default_currency="EUR")
    payment = payment_from_payload(row(currency=DROP), CURRENCIES, fields)
    assert isinstance(payment, Payment) and payment.currency == "EUR"


@pytest.mark.parametrize(("changes", "field"), [
    ({"pk": DROP}, "pk"),
    ({"pk": [70012]}, "pk"),
    ({"invoice": DROP}, "invoice"),
    ({"invoice": None}, "invoice"),
    ({"invoice": {"pk": 40011}}, "invoice"),
    ({"date": DROP}, "date"),
    ({"date": "2025/04/14"}, "date"),
    ({"date": "31-02-2025"}, "date"),
    ({"date": "14-04-1899"}, "date"),
    ({"date": ""}, "date"),
    ({"amount": DROP}, "amount"),
    ({"amount": None}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": True}, "amount"),
    ({"amount": Decimal(0)}, "amount"),
    ({"amount": Decimal("-150.00")}, "amount"),
    ({"amount": Decimal("12.345")}, "amount"),  # euros have cents, not thousandths
    ({"amount": Decimal("1e30")}, "amount"),  # beyond what Sage holds
    ({"currency": DROP}, "currency"),
    ({"currency": 99}, "currency"),
    ({"currency": "EURO"}, "currency"),
    ({"currency_rate": "n/a"}, "currency_rate"),
    ({"currency": 2, "currency_rate": Decimal(0)}, "currency_rate"),
    ({"type": ["V"]}, "type"),
    ({"updated_at": "yesterday"}, "updated_at"),
])
def test_a_malformed_field_refuses_the_payment_and_names_the_field(changes: dict[str, object], field: str) -> None:
    rejected = payment_from_payload(row(**changes), CURRENCIES)
    assert isinstance(rejected, Rejected) and rejected.kind == "payment"
    assert rejected.source_id == ("" if "pk" in changes else "70012")
    assert all(finding.code is FindingCode.SOURCE_FIELD_INVALID and finding.fix for finding in rejected.findings)
    assert [finding.field for finding in rejected.findings] == [field]
    assert field in rejected.findings[0].message


def test_a_negative_payment_is_refused_with_the_refund_rule_as_fix() -> None:
    [finding] = refused(amount=Decimal("-150.00")).findings
    assert "positive" in finding.message and "credit note" in finding.fix


def test_every_problem_of_a_row_is_reported_at_once() -> None:
    rejected = refused(date="someday", amount="x", currency=42, invoice=None)
    assert sorted(finding.field for finding in rejected.findings) == ["amount", "currency", "date", "invoice"]
    assert rejected.label == "payment #70012"


def test_the_refusal_names_the_payment_by_id_and_date() -> None:
    assert refused(amount="x").label == "payment #70012 of 14/04/2025"


@pytest.mark.parametrize("junk", [None, [], "70012", 70012])
def test_a_row_that_is_no_object_is_refused(junk: object) -> None:
    result = payment_from_payload(junk, CURRENCIES, DEFAULT_FIELDS)
    assert isinstance(result, Rejected) and result.kind == "payment" and result.findings
