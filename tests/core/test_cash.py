"""The cash side's rules: worked examples an accountant can check, and properties over any payments."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from sagesync.core.cash import (
    CashSettings,
    OpenItem,
    WaitingVat,
    letter_of,
    letter_rank,
    month_end_transfer,
    next_letter,
    payment_problems,
    post_payment,
)
from sagesync.core.findings import FindingCode
from sagesync.core.model import DocumentKind, LineRole, Side
from sagesync.core.money import ZERO
from sagesync.core.payments import Payment

D = Decimal
SETTINGS = CashSettings(bank_journal="BQ1", bank_account="512000", exchange_loss_account="656000",
                        exchange_gain_account="756000", bank_accounts={"V": "512100"})


def waiting(rate: str, amount: str, moved: str = "0") -> WaitingVat:
    code = {"20": "C20", "10": "C10", "5.5": "C55"}[rate]
    suffix = {"20": "2", "10": "1", "5.5": "5"}[rate]
    return WaitingVat(D(rate), code, f"44574{suffix}", f"44571{suffix}", D(amount), D(moved))


def invoice(total: str, *vat: WaitingVat, total_eur: str | None = None, currency: str = "EUR",
            kind: DocumentKind = DocumentKind.INVOICE) -> OpenItem:
    return OpenItem("101", kind, "F2025-0001", "CDUPONT", "411000", D(total), D(total_eur or total), currency,
                    tuple(vat))


def pay(amount: str, pk: str = "1", day: int = 10, **more: object) -> Payment:
    return Payment(pk, "101", date(2025, 3, day), D(amount), **more)  # type: ignore[arg-type]


def apply(item: OpenItem, posting_amount: Decimal, customer_eur: Decimal, moved: dict[Decimal, Decimal]) -> OpenItem:
    """The open item after a payment: what the ledger does between two payments."""
    return replace(item, settled=item.settled + posting_amount, settled_eur=item.settled_eur + customer_eur,
                   waiting_vat=tuple(replace(w, moved=w.moved + moved.get(w.rate, ZERO)) for w in item.waiting_vat))


def run(item: OpenItem, *amounts: str) -> list:
    postings = []
    for number, amount in enumerate(amounts, start=1):
        payment = pay(amount, str(number))
        assert payment_problems(payment, item, SETTINGS) == []
        posting = post_payment(payment, item, SETTINGS)
        assert posting.entry.is_balanced, posting.entry
        postings.append(posting)
        item = apply(item, posting.amount, posting.customer_eur, {t.rate: abs(t.amount) for t in posting.transfers})
    return postings


def lines(posting, role: LineRole) -> list[tuple[str, Side, Decimal]]:
    return [(line.account, line.side, line.amount) for line in posting.entry.lines if line.role is role]


# --- worked examples ----------------------------------------------------------------------------------

def test_invoice_of_1200_paid_700_then_500_moves_116_67_then_83_33() -> None:
    first, second = run(invoice("1200.00", waiting("20", "200.00")), "700.00", "500.00")
    assert [t.amount for t in first.transfers] == [D("116.67")]  # 700 × 200 / 1200 = 116,666...
    assert [t.amount for t in second.transfers] == [D("83.33")]  # the rest: 200 - 116,67
    assert not first.settles and second.settles
    assert lines(first, LineRole.BANK) == [("512000", Side.DEBIT, D("700.00"))]
    assert lines(first, LineRole.CUSTOMER) == [("411000", Side.CREDIT, D("700.00"))]
    assert lines(first, LineRole.VAT_TRANSFER) == [("445742", Side.DEBIT, D("116.67")),
                                                  ("445712", Side.CREDIT, D("116.67"))]
    assert first.entry.journal == "BQ1" and first.entry.kind is DocumentKind.PAYMENT
    assert first.entry.source_id == "P1" and first.entry.piece == "RG1"


def test_multi_rate_invoice_paid_in_three_parts_moves_each_rate_exactly() -> None:
    # 1 000 HT at 20 % (200) + 300 HT at 10 % (30) + 100 HT at 5,5 % (5,50): TTC 1 635,50.
    # 500 x 200 / 1 635,50 = 61,143 -> 61,14; 635,50 x 200 / 1 635,50 = 77,713 -> 77,71; the last takes 61,15.
    item = invoice("1635.50", waiting("20", "200.00"), waiting("10", "30.00"), waiting("5.5", "5.50"))
    postings = run(item, "500.00", "635.50", "500.00")
    by_payment = [{t.rate: t.amount for t in p.transfers} for p in postings]
    assert by_payment[0] == {D(20): D("61.14"), D(10): D("9.17"), D("5.5"): D("1.68")}
    assert by_payment[1] == {D(20): D("77.71"), D(10): D("11.66"), D("5.5"): D("2.14")}
    assert by_payment[2] == {D(20): D("61.15"), D(10): D("9.17"), D("5.5"): D("1.68")}  # the remainders
    for rate, total in ((D(20), D("200.00")), (D(10), D("30.00")), (D("5.5"), D("5.50"))):
        assert sum(p[rate] for p in by_payment) == total


def test_credit_note_after_a_partial_payment_reduces_what_remains() -> None:
    item = invoice("1200.00", waiting("20", "200.00"))
    (first,) = run(item, "700.00")
    # A credit note of 300 TTC (50 of VAT, taken back out of 44574 by the credit note itself) corrects it.
    item = apply(item, first.amount, first.customer_eur, {D(20): D("116.67")})
    item = apply(item, D("300.00"), D("300.00"), {D(20): D("50.00")})
    assert item.remaining == D("200.00")
    last = post_payment(pay("200.00", "2"), item, SETTINGS)
    assert last.settles and [t.amount for t in last.transfers] == [D("33.33")]  # 200 - 116,67 - 50
    assert payment_problems(pay("200.01", "3"), item, SETTINGS)[0].code is FindingCode.OVERPAYMENT


def test_refund_of_a_credit_note_reverses_the_sides_and_the_vat() -> None:
    note = invoice("120.00", waiting("20", "20.00"), kind=DocumentKind.CREDIT_NOTE)
    posting = post_payment(pay("120.00"), note, SETTINGS)
    assert posting.entry.is_balanced and posting.settles
    assert lines(posting, LineRole.BANK) == [("512000", Side.CREDIT, D("120.00"))]
    assert lines(posting, LineRole.CUSTOMER) == [("411000", Side.DEBIT, D("120.00"))]
    assert lines(posting, LineRole.VAT_TRANSFER) == [("445742", Side.CREDIT, D("20.00")),
                                                    ("445712", Side.DEBIT, D("20.00"))]
    assert [t.amount for t in posting.transfers] == [D("-20.00")]  # VAT due goes down
    assert posting.entry.label.startswith("Remboursement")


def test_invoice_on_debits_moves_no_vat() -> None:
    (posting,) = run(invoice("1200.00"), "1200.00")
    assert posting.transfers == () and lines(posting, LineRole.VAT_TRANSFER) == []


def test_payment_method_picks_its_bank_account() -> None:
    posting = post_payment(pay("100.00", method="V"), invoice("1200.00", waiting("20", "200.00")), SETTINGS)
    assert lines(posting, LineRole.BANK) == [("512100", Side.DEBIT, D("100.00"))]


def test_foreign_currency_payment_clears_411_at_the_invoice_rate_and_books_the_difference() -> None:
    # 1 000 USD invoiced at 0,90 (900 EUR, VAT 150 EUR), paid at 0,95: the bank gets 950 EUR, a gain of 50.
    item = invoice("1000.00", waiting("20", "150.00"), total_eur="900.00", currency="USD")
    posting = post_payment(pay("1000.00", currency="USD", exchange_rate=D("0.95")), item, SETTINGS)
    assert posting.entry.is_balanced
    assert lines(posting, LineRole.BANK) == [("512000", Side.DEBIT, D("950.00"))]
    assert lines(posting, LineRole.CUSTOMER) == [("411000", Side.CREDIT, D("900.00"))]
    assert lines(posting, LineRole.EXCHANGE) == [("756000", Side.CREDIT, D("50.00"))]
    loss = post_payment(pay("1000.00", currency="USD", exchange_rate=D("0.85")), item, SETTINGS)
    assert lines(loss, LineRole.EXCHANGE) == [("656000", Side.DEBIT, D("50.00"))] and loss.entry.is_balanced
    refund = post_payment(pay("1000.00", currency="USD", exchange_rate=D("0.95")),
                          replace(item, kind=DocumentKind.CREDIT_NOTE), SETTINGS)
    assert refund.entry.is_balanced
    assert lines(refund, LineRole.EXCHANGE) == [("656000", Side.DEBIT, D("50.00"))]  # paid back more euros


def test_findings_name_the_payment_and_the_fix() -> None:
    item = invoice("1200.00", waiting("20", "200.00"))
    assert payment_problems(pay("1200.01"), item, SETTINGS)[0].code is FindingCode.OVERPAYMENT
    assert payment_problems(pay("0"), item, SETTINGS)[0].code is FindingCode.PAYMENT_INVALID
    assert payment_problems(pay("10", currency="USD"), item, SETTINGS)[0].field == "currency"
    usd = invoice("100.00", total_eur="90.00", currency="USD")
    assert payment_problems(pay("10", currency="USD"), usd, SETTINGS)[0].field == "currency_rate"
    assert payment_problems(pay("10"), None, SETTINGS)[0].code is FindingCode.PAYMENT_UNKNOWN_DOCUMENT
    closed = replace(SETTINGS, closed_until=date(2025, 3, 31))
    found = payment_problems(pay("10"), item, closed)
    assert found[0].code is FindingCode.CLOSED_PERIOD and "31/03/2025" in found[0].message
    matched = replace(item, letter="A")
    assert payment_problems(pay("10"), matched, SETTINGS)[0].code is FindingCode.OVERPAYMENT
    assert all(f.source_id == "P1" and f.fix for f in payment_problems(pay("1200.01"), item, SETTINGS))


def test_month_end_entry_sums_the_month_per_rate() -> None:
    postings = run(invoice("1635.50", waiting("20", "200.00"), waiting("10", "30.00")), "500.00")
    entry = month_end_transfer("OD", date(2025, 3, 31), "TVA20250301", [t for p in postings for t in p.transfers])
    assert entry is not None and entry.is_balanced and entry.entry_date == date(2025, 3, 31)
    assert {(line.account, line.side) for line in entry.lines} == {
        ("445742", Side.DEBIT), ("445712", Side.CREDIT), ("445741", Side.DEBIT), ("445711", Side.CREDIT)}


def test_letters_follow_sages_sequence() -> None:
    assert next_letter("") == "A" and next_letter("A") == "B" and next_letter("Z") == "AA"
    assert next_letter("AZ") == "BA" and next_letter("ZZ") == "AAA" and next_letter("ZZZ") is None
    assert all(letter_rank(letter_of(rank)) == rank for rank in range(1, 18_279))
    assert letter_rank("a1") == 0


# --- properties ------------------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=5_000_000).map(lambda n: Decimal(n) / 100)


@st.composite
def invoice_and_payments(draw: st.DrawFn) -> tuple[OpenItem, list[Decimal]]:
    rates = draw(st.lists(st.sampled_from(["20", "10", "5.5"]), min_size=1, max_size=3, unique=True))
    bases = [draw(cents) for _ in rates]
    vats = [(base * Decimal(rate) / 100).quantize(Decimal("0.01")) for base, rate in zip(bases, rates, strict=True)]
    total = sum(bases, ZERO) + sum(vats, ZERO)
    item = invoice(str(total), *(waiting(rate, str(vat)) for rate, vat in zip(rates, vats, strict=True)))
    # Any split of the TTC into 1 to 8 payments of at least one cent.
    count = draw(st.integers(min_value=1, max_value=8))
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=int(total * 100) - 1), min_size=0,
                                max_size=count - 1, unique=True))) if total > Decimal("0.01") else []
    points = [0, *cuts, int(total * 100)]
    return item, [Decimal(b - a) / 100 for a, b in itertools.pairwise(points)]


@settings(max_examples=300, deadline=None)
@given(invoice_and_payments())
def test_payments_summing_to_the_ttc_move_exactly_the_invoices_vat_per_rate(case: tuple[OpenItem, list[Decimal]]
                                                                            ) -> None:
    item, amounts = case
    postings = run(item, *(str(amount) for amount in amounts))
    assert postings[-1].settles and not any(p.settles for p in postings[:-1])
    for waiting_vat in item.waiting_vat:
        moved = [t.amount for p in postings for t in p.transfers if t.rate == waiting_vat.rate]
        assert all(amount > 0 for amount in moved)
        assert sum(moved, ZERO) == waiting_vat.amount
    assert sum((p.customer_eur for p in postings), ZERO) == item.total_eur
    for posting in postings:
        assert posting.entry.is_balanced
        assert all(line.amount > 0 for line in posting.entry.lines)
