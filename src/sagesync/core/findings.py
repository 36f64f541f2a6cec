"""Findings: problems found by a check, returned as data and never raised.

Each finding names the document, the field, what is wrong and what a person
does to fix it. ``BLOCKING`` stops that document (and only that one) from
being posted; ``WARNING`` is posted but reported; ``INFO`` is counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCKING = "blocking"
    WARNING = "warning"
    INFO = "info"


class FindingCode(StrEnum):
    # Company set-up (the profile points at something the Sage company lacks)
    JOURNAL_MISSING = "journal_missing"
    JOURNAL_NOT_SALES = "journal_not_sales"
    ANALYTIC_PLAN_MISSING = "analytic_plan_missing"
    ACCOUNT_MISSING = "account_missing"
    VAT_CODE_UNKNOWN = "vat_code_unknown"
    VAT_RATE_UNMAPPED = "vat_rate_unmapped"
    CURRENCY_NOT_ALLOWED = "currency_not_allowed"
    CURRENCY_UNKNOWN = "currency_unknown"
    EXCHANGE_RATE_MISSING = "exchange_rate_missing"
    # Customers and projects
    CUSTOMER_CODE_EMPTY = "customer_code_empty"
    CUSTOMER_CODE_DUPLICATE = "customer_code_duplicate"
    CUSTOMER_CODE_TOO_LONG = "customer_code_too_long"
    CUSTOMER_NOT_SYNCED = "customer_not_synced"  # not pulled yet (or the reason is unknown)
    CUSTOMER_UNKNOWN = "customer_unknown"  # absent from the platform's client list
    CUSTOMER_REFUSED = "customer_refused"  # refused at Pull customers (empty, shared or too long code)
    PROJECT_CODE_EMPTY = "project_code_empty"
    PROJECT_CODE_DUPLICATE = "project_code_duplicate"
    PROJECT_CODE_TOO_LONG = "project_code_too_long"
    PROJECT_NOT_SYNCED = "project_not_synced"  # not pulled yet (or the reason is unknown)
    PROJECT_UNKNOWN = "project_unknown"  # absent from the platform's project list
    PROJECT_REFUSED = "project_refused"  # refused at Pull projects (empty, shared or too long code)
    # The document itself
    DRAFT_DOCUMENT = "draft_document"
    NUMBER_MISSING = "number_missing"
    NO_LINES = "no_lines"
    TOTALS_INCONSISTENT = "totals_inconsistent"
    VAT_INCONSISTENT = "vat_inconsistent"
    NEGATIVE_AMOUNT = "negative_amount"  # the document's net revenue (HT) or total (TTC) is zero or below
    NEGATIVE_REVENUE_GROUP = "negative_revenue_group"  # a revenue line nets negative: posted on the other side
    DUPLICATE_NUMBER = "duplicate_number"  # the number is already another document's piece in the books
    NUMBER_COLLISION = "number_collision"  # two different numbers shorten to the same Sage piece or reference
    BEFORE_PERIOD_START = "before_period_start"
    CLOSED_PERIOD = "closed_period"
    ORIGINAL_INVOICE_UNKNOWN = "original_invoice_unknown"
    NOT_POSTABLE = "not_postable"
    # Ledger of record and the company's own word
    CHANGED_AFTER_POSTING = "changed_after_posting"
    CHANGED_SINCE_PREVIEW = "changed_since_preview"  # posting from a preview: edited after it, not posted
    ALREADY_IN_SAGE = "already_in_sage"  # the company holds the document's piece though the ledger does not
    # Payments (the cash side)
    PAYMENT_WAITING = "payment_waiting"  # its document is not posted yet: the payment waits for it
    PAYMENT_UNKNOWN_DOCUMENT = "payment_unknown_document"  # the document it pays is unknown
    OVERPAYMENT = "overpayment"  # more than what remains due on the document
    PAYMENT_INVALID = "payment_invalid"  # amount, currency or rate the books cannot take
    REFUND_NOT_DUE = "refund_not_due"  # a refund on a credit note that still reduces an unpaid invoice
    LETTERS_EXHAUSTED = "letters_exhausted"  # the tiers used every matching letter (ZZZ)
    # Source payloads and target files
    SOURCE_FIELD_INVALID = "source_field_invalid"
    TEXT_TRANSLITERATED = "text_transliterated"
    TEXT_TRUNCATED = "text_truncated"
    TRUNCATED = "truncated"  # a number or code shortened to fit Sage (piece, reference, tiers, section, label)


@dataclass(frozen=True, slots=True)
class Finding:
    document: str  # what a person recognises: "invoice F2025-014", "client 04217 Dupont"
    source_id: str  # platform id of the record the finding is about
    field: str  # the field at fault, in the platform's words
    code: FindingCode
    message: str  # what is wrong, in plain language
    fix: str  # what to do about it
    severity: Severity = Severity.BLOCKING

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCKING
