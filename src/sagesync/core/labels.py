"""What a person reads for the names the code keeps: severities, finding kinds, run statuses and counts.

The names stay English in data (JSON, the ledger, CSV codes); these are their labels, translated
where they are shown (``severity_label("blocking")`` -> "bloquant" in French).
"""

from __future__ import annotations

from sagesync.core.findings import FindingCode
from sagesync.i18n import N_, _

SEVERITY_LABELS = {"blocking": N_("blocking"), "warning": N_("warning"), "info": N_("info")}

COUNT_LABELS = {
    "created": N_("created"),
    "linked_existing": N_("linked to existing"),
    "already_synced": N_("already synced"),
    "ready": N_("ready"),
    "posted": N_("posted"),
    "already_posted": N_("already posted"),
    "blocked": N_("blocked"),
    "changed": N_("changed after posting"),
    "rejected": N_("rejected"),
    "ignored_before_period": N_("ignored (before period start)"),
    "setup_problems": N_("set-up problems"),
    "acknowledged": N_("acknowledged"),
    "kept_in_sagesync": N_("kept in sagesync"),
    "failed": N_("failed"),
    "draft": N_("draft"),
    "not_in_preview": N_("not in the preview (wait for the next one)"),
    "changed_since_preview": N_("changed since the preview"),
    "waiting": N_("waiting for their invoice"),
    "matched": N_("invoices matched (lettrage)"),
    "from_sage": N_("created from Sage (not posted back)"),
    "ignored": N_("ignored"),
    "vat_month_entries": N_("monthly VAT entries"),
    "found_in_sage": N_("receipts matched in Sage"),
    "sent_to_platform": N_("sent to the platform"),
    "already_on_platform": N_("already on the platform"),
    "send_failed": N_("not sent (tried again at the next run)"),
    "company_unreadable": N_("company not readable from here"),
}


# A run's status, as the ledger and --json keep it ("ok", "blocked", "failed", "running").
STATUS_LABELS = {"ok": N_("ok"), "blocked": N_("to fix"), "failed": N_("step failed"), "running": N_("running")}

FINDING_LABELS: dict[FindingCode, str] = {
    FindingCode.JOURNAL_MISSING: N_("journal missing in Sage"),
    FindingCode.JOURNAL_NOT_SALES: N_("journal is not a sales journal"),
    FindingCode.ANALYTIC_PLAN_MISSING: N_("analytic plan missing in Sage"),
    FindingCode.ACCOUNT_MISSING: N_("account missing in Sage"),
    FindingCode.VAT_CODE_UNKNOWN: N_("unknown VAT code"),
    FindingCode.VAT_RATE_UNMAPPED: N_("VAT rate without a tax code"),
    FindingCode.CURRENCY_NOT_ALLOWED: N_("currency not allowed on the account"),
    FindingCode.CURRENCY_UNKNOWN: N_("unknown currency"),
    FindingCode.EXCHANGE_RATE_MISSING: N_("exchange rate missing"),
    FindingCode.CUSTOMER_CODE_EMPTY: N_("client without a code"),
    FindingCode.CUSTOMER_CODE_DUPLICATE: N_("client code used twice"),
    FindingCode.CUSTOMER_CODE_TOO_LONG: N_("client code too long"),
    FindingCode.CUSTOMER_NOT_SYNCED: N_("client not imported yet"),
    FindingCode.CUSTOMER_UNKNOWN: N_("unknown client"),
    FindingCode.CUSTOMER_REFUSED: N_("client refused"),
    FindingCode.PROJECT_CODE_EMPTY: N_("project without a code"),
    FindingCode.PROJECT_CODE_DUPLICATE: N_("project code used twice"),
    FindingCode.PROJECT_CODE_TOO_LONG: N_("project code too long"),
    FindingCode.PROJECT_NOT_SYNCED: N_("project not imported yet"),
    FindingCode.PROJECT_UNKNOWN: N_("unknown project"),
    FindingCode.PROJECT_REFUSED: N_("project refused"),
    FindingCode.DRAFT_DOCUMENT: N_("draft document"),
    FindingCode.NUMBER_MISSING: N_("document without a number"),
    FindingCode.NO_LINES: N_("document without lines"),
    FindingCode.TOTALS_INCONSISTENT: N_("totals do not add up"),
    FindingCode.VAT_INCONSISTENT: N_("VAT does not add up"),
    FindingCode.NEGATIVE_AMOUNT: N_("zero or negative amount"),
    FindingCode.NEGATIVE_REVENUE_GROUP: N_("negative revenue line"),
    FindingCode.DUPLICATE_NUMBER: N_("number already in the books"),
    FindingCode.NUMBER_COLLISION: N_("numbers shortened to the same piece"),
    FindingCode.BEFORE_PERIOD_START: N_("before the period start"),
    FindingCode.CLOSED_PERIOD: N_("closed period"),
    FindingCode.ORIGINAL_INVOICE_UNKNOWN: N_("original invoice unknown"),
    FindingCode.NOT_POSTABLE: N_("cannot be posted"),
    FindingCode.CHANGED_AFTER_POSTING: N_("document changed after posting"),
    FindingCode.ALREADY_IN_SAGE: N_("already in Sage"),
    FindingCode.CHANGED_SINCE_PREVIEW: N_("changed since the preview"),
    FindingCode.SOURCE_FIELD_INVALID: N_("invalid platform field"),
    FindingCode.TEXT_TRANSLITERATED: N_("characters replaced"),
    FindingCode.TEXT_TRUNCATED: N_("text shortened"),
    FindingCode.TRUNCATED: N_("number or code shortened"),
    FindingCode.PAYMENT_WAITING: N_("payment waiting for its invoice"),
    FindingCode.PAYMENT_UNKNOWN_DOCUMENT: N_("payment on an unknown invoice"),
    FindingCode.OVERPAYMENT: N_("payment above what remains due"),
    FindingCode.PAYMENT_INVALID: N_("payment that cannot be posted"),
    FindingCode.REFUND_NOT_DUE: N_("refund not due"),
    FindingCode.LETTERS_EXHAUSTED: N_("no matching letter left"),
}


def finding_label(code: str) -> str:
    """A finding kind in words (``closed_period`` -> "période clôturée"); the code stays in data and JSON."""
    try:
        label = FINDING_LABELS.get(FindingCode(code))
    except ValueError:
        label = None
    return _(label) if label else str(code).replace("_", " ")


def status_label(status: str) -> str:
    """A run's status in words: "ok", "to fix" (documents blocked), "step failed"."""
    label = STATUS_LABELS.get(str(status))
    return _(label) if label else str(status)


def severity_label(severity: str) -> str:
    label = SEVERITY_LABELS.get(str(severity))
    return _(label) if label else str(severity)


def count_label(name: str) -> str:
    """A run's count in words; an unknown name (a finding code, a VAT rate) shows as it is, underscores as spaces."""
    label = COUNT_LABELS.get(name)
    return _(label) if label else name.replace("_", " ")
