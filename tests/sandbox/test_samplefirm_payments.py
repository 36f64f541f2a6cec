"""The sample firm's payments: what its clients paid, each rule exercised, and ``payment_cases`` telling which."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest

from sagesync.core.findings import FindingCode
from sagesync.core.payments import Payment
from sagesync.sandbox import samplefirm
from sagesync.sources.files import FileSource
from sagesync.sources.ooti import wirejson


@pytest.fixture(scope="module")
def firm() -> dict[str, Any]:
    loaded = wirejson.loads(samplefirm.sample_firm_path().read_bytes())
    assert isinstance(loaded, dict)
    return loaded


def day(text: str) -> date:
    return datetime.strptime(text, "%d-%m-%Y").date()


def cases(firm: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [case for case in firm["payment_cases"] if case["case"] == name]


def paid(firm: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    by_invoice: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for payment in firm["payments"]:
        by_invoice[payment["invoice"]].append(payment)
    return by_invoice


def total_paid(payments: list[dict[str, Any]]) -> Decimal:
    return sum((payment["amount"] for payment in payments), Decimal("0.00"))


def test_payments_are_well_formed_and_read_as_records(firm: dict[str, Any]) -> None:
    payments = firm["payments"]
    assert len(payments) == 201 and [p["pk"] for p in payments] == list(range(70_001, 70_202))
    for payment in payments:
        assert isinstance(payment["amount"], Decimal) and payment["amount"] > 0
        assert payment["amount"] == payment["amount"].quantize(Decimal("0.01"))
        assert payment["team"] == samplefirm.TEAM_ID and payment["type"] in ("V", "C")
        assert day(payment["date"]) <= samplefirm.LAST_DAY and payment["updated_at"] >= payment["created_at"]
    records = list(FileSource(samplefirm.sample_firm_path()).payment_records())
    assert len(records) == 201 and all(isinstance(record, Payment) for record in records)


def test_every_payment_settles_a_validated_document_after_its_date_but_the_stray_one(firm: dict[str, Any]) -> None:
    invoices = {row["pk"]: row for row in firm["invoices"]}
    [stray] = cases(firm, "unknown_invoice")
    assert stray["invoice"] == samplefirm.UNKNOWN_INVOICE and stray["invoice"] not in invoices
    for payment in firm["payments"]:
        if payment["pk"] in stray["payments"]:
            continue
        document = invoices[payment["invoice"]]
        assert document["is_valid"] and not document["is_closed"]
        assert day(payment["date"]) > day(document["invoice_date"])
        assert payment["currency"] == document["currency"] and payment["project"] == document["project"]


def test_each_rule_is_exercised_by_the_bundled_firm(firm: dict[str, Any]) -> None:
    names = {case["case"] for case in firm["payment_cases"]}
    assert names == {"partial", "overpayment", "blocked_invoice", "foreign_currency", "refund",
                     "paid_before_credit_note", "credit_note_after_partial_payment", "net_of_credit_note",
                     "unknown_invoice", "invoice_before_period_start"}
    listed = [pk for case in firm["payment_cases"] for pk in case["payments"]]
    assert len(listed) == len(set(listed)) and set(listed) <= {p["pk"] for p in firm["payments"]}


def test_partial_payments_add_up_to_the_invoice_once_settled(firm: dict[str, Any]) -> None:
    invoices = {row["pk"]: row for row in firm["invoices"]}
    by_invoice = paid(firm)
    partial = cases(firm, "partial")
    assert len(partial) == 15 and {case["parts"] for case in partial} == {2, 3}
    assert any(case["multi_rate"] and case["parts"] == 3 and case["settled"] for case in partial)
    for case in partial:
        payments = by_invoice[case["invoice"]]
        assert [p["pk"] for p in payments] == case["payments"]
        dates = [day(p["date"]) for p in payments]
        assert dates == sorted(dates) and len(set(dates)) == len(dates)
        if case["settled"]:
            assert len(payments) == case["parts"] and total_paid(payments) == invoices[case["invoice"]]["total"]
        else:
            assert len(payments) < case["parts"] and total_paid(payments) < invoices[case["invoice"]]["total"]
    assert [case["invoice"] for case in partial if not case["settled"]] == [40202]  # still partly open at the end


def test_one_invoice_is_paid_too_much(firm: dict[str, Any]) -> None:
    [over] = cases(firm, "overpayment")
    invoice = next(row for row in firm["invoices"] if row["pk"] == over["invoice"])
    assert over["excess"] == samplefirm.OVERPAYMENT == Decimal("240.00")
    assert total_paid(paid(firm)[over["invoice"]]) == invoice["total"] + over["excess"]
    assert (over["invoice"], over["payments"]) == (40028, [70027])


def test_one_payment_waits_for_a_blocked_invoice_and_the_dollar_one_too(firm: dict[str, Any]) -> None:
    planted = {entry["pk"]: entry["expected"] for entry in firm["planted_mistakes"] if entry["record"] == "invoice"}
    [blocked] = cases(firm, "blocked_invoice")
    [dollars] = cases(firm, "foreign_currency")
    assert (blocked["invoice"], blocked["payments"], blocked["invoice_finding"]) == (
        40090, [70090], FindingCode.TOTALS_INCONSISTENT.value)
    assert planted[blocked["invoice"]] == blocked["invoice_finding"]
    assert planted[dollars["invoice"]] == dollars["invoice_finding"] == FindingCode.CURRENCY_NOT_ALLOWED.value
    [payment] = paid(firm)[dollars["invoice"]]
    assert (payment["pk"], payment["currency"], payment["currency_rate"]) == (70082, samplefirm.USD,
                                                                              samplefirm.USD_RATE_ON_PAYMENT)
    unpaid = {pk for pk, code in planted.items() if code in ("vat_rate_unmapped", "closed_period", "draft_document")}
    assert unpaid and not unpaid & set(paid(firm))


def test_credit_notes_are_refunded_or_deducted(firm: dict[str, Any]) -> None:
    invoices = {row["pk"]: row for row in firm["invoices"]}
    by_invoice = paid(firm)
    [refund] = cases(firm, "refund")
    credit = invoices[refund["invoice"]]
    assert credit["type"] == 9 and credit["original_invoice"] == refund["original_invoice"]
    assert [p["amount"] for p in by_invoice[credit["pk"]]] == [credit["total"]] and refund["payments"] == [70063]
    original = invoices[refund["original_invoice"]]
    [before] = by_invoice[original["pk"]]
    assert before["amount"] == original["total"] and day(before["date"]) < day(credit["invoice_date"])
    for case in [*cases(firm, "net_of_credit_note"), *cases(firm, "credit_note_after_partial_payment")]:
        note = invoices[case["credit_note"]]
        assert note["original_invoice"] == case["invoice"]
        assert total_paid(by_invoice[case["invoice"]]) == invoices[case["invoice"]]["total"] - note["total"]
    [around] = cases(firm, "credit_note_after_partial_payment")
    first, balance = by_invoice[around["invoice"]]
    note_day = day(invoices[around["credit_note"]]["invoice_date"])
    assert day(first["date"]) < note_day < day(balance["date"])
    credit_notes = {row["pk"] for row in firm["invoices"] if row["type"] == 9}
    assert {pk for pk in by_invoice if pk in credit_notes} == {refund["invoice"]}  # the one refund


def test_the_other_paid_invoices_are_paid_in_full_once(firm: dict[str, Any]) -> None:
    special = {case["invoice"] for case in firm["payment_cases"]
               if case["case"] not in ("invoice_before_period_start",)}
    invoices = {row["pk"]: row for row in firm["invoices"]}
    full = {pk: payments for pk, payments in paid(firm).items() if pk not in special}
    assert len(full) > 150
    for pk, payments in full.items():
        assert len(payments) == 1 and payments[0]["amount"] == invoices[pk]["total"] and invoices[pk]["type"] == 1
    december = set(firm["before_period_start"]["invoices"])
    assert {case["invoice"] for case in cases(firm, "invoice_before_period_start")} == december
