"""How the console writes amounts, dates and counts: the way a French accountant reads them.

Amounts are Decimals formatted without ever becoming floats: ``1 234,56`` (a
narrow no-break space between thousands, a decimal comma), as Sage shows them.
Dates are day first (``25/11/2025``). Words (counts, statuses, severities, file
kinds) are the console's, translated when shown; the keys they stand for
(``posted``, ``blocking``...) are identifiers, never translated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from jinja2 import Environment

from sagesync.i18n import N_, console_gettext, console_ngettext

THOUSANDS = "\u202f"  # narrow no-break space, the French thousands separator

# The order counts are shown in, the most telling first (as the terminal summary does).
COUNT_ORDER = ("created", "linked_existing", "already_synced", "ready", "posted", "already_posted", "matched",
               "vat_month_entries", "found_in_sage", "sent_to_platform", "already_on_platform", "waiting", "blocked",
               "changed", "rejected", "ignored", "ignored_before_period", "setup_problems", "acknowledged",
               "kept_in_sagesync", "from_sage", "send_failed", "company_unreadable", "failed", "draft")
COUNT_WORDS = {
    "created": N_("created"), "linked_existing": N_("linked to existing"), "already_synced": N_("already synced"),
    "ready": N_("ready"), "posted": N_("posted"), "already_posted": N_("already posted"), "blocked": N_("blocked"),
    "changed": N_("changed after posting"), "rejected": N_("rejected"),
    "ignored_before_period": N_("ignored (before period start)"), "setup_problems": N_("set-up problems"),
    "acknowledged": N_("acknowledged by the platform"),
    "kept_in_sagesync": N_("status kept in sagesync only (write-back off)"), "failed": N_("failed"),
    "draft": N_("drafts skipped"),
    # The payments steps (Pull payments, Send settlements).
    "matched": N_("matched (lettrage)"), "vat_month_entries": N_("month-end VAT entries"),
    "found_in_sage": N_("matched in Sage"), "sent_to_platform": N_("sent to the platform"),
    "already_on_platform": N_("already on the platform"), "waiting": N_("waiting for their invoice"),
    "ignored": N_("ignored"), "from_sage": N_("created from Sage (not posted back)"),
    "send_failed": N_("not sent (tried again next run)"), "company_unreadable": N_("company unreadable"),
}


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Marks a message with a plural for extraction; translated where shown with ``console_ngettext``."""
    return singular, plural


# A count as a person reads it in a run's summary ("posted 207"), with its plural: the words agree with the count
# in French ("207 comptabilisés", "1 bloqué").
COUNT_PHRASES = {
    "created": N_plural("created {count}", "created {count}"),
    "linked_existing": N_plural("linked to existing {count}", "linked to existing {count}"),
    "already_synced": N_plural("already synced {count}", "already synced {count}"),
    "ready": N_plural("ready {count}", "ready {count}"),
    "posted": N_plural("posted {count}", "posted {count}"),
    "already_posted": N_plural("already posted {count}", "already posted {count}"),
    "blocked": N_plural("blocked {count}", "blocked {count}"),
    "changed": N_plural("changed after posting {count}", "changed after posting {count}"),
    "rejected": N_plural("rejected {count}", "rejected {count}"),
    "ignored_before_period": N_plural("ignored (before period start) {count}", "ignored (before period start) {count}"),
    "setup_problems": N_plural("set-up problems {count}", "set-up problems {count}"),
    "acknowledged": N_plural("acknowledged by the platform {count}", "acknowledged by the platform {count}"),
    "kept_in_sagesync": N_plural("status kept in sagesync only (write-back off) {count}",
                                 "status kept in sagesync only (write-back off) {count}"),
    "failed": N_plural("failed {count}", "failed {count}"),
    "draft": N_plural("drafts skipped {count}", "drafts skipped {count}"),
    "matched": N_plural("matched {count}", "matched {count}"),
    "vat_month_entries": N_plural("month-end VAT entries {count}", "month-end VAT entries {count}"),
    "found_in_sage": N_plural("matched in Sage {count}", "matched in Sage {count}"),
    "sent_to_platform": N_plural("sent to the platform {count}", "sent to the platform {count}"),
    "already_on_platform": N_plural("already on the platform {count}", "already on the platform {count}"),
    "waiting": N_plural("waiting for their invoice {count}", "waiting for their invoice {count}"),
    "ignored": N_plural("ignored {count}", "ignored {count}"),
    "from_sage": N_plural("created from Sage {count}", "created from Sage {count}"),
    "send_failed": N_plural("not sent {count}", "not sent {count}"),
    "company_unreadable": N_plural("company unreadable {count}", "company unreadable {count}"),
}
# A run's or a step's result, a finding's severity: the badge's words (its CSS class stays the key).
STATUS_WORDS = {
    "ok": N_("ok"), "blocked": N_("blocked"), "failed": N_("failed"), "running": N_("running"),
    "interrupted": N_("interrupted"),
    "blocking": N_("blocking"), "warning": N_("warning"), "info": N_("info"),
    "confirmed": N_("posted in Sage"), "delivered": N_("written to an import file"),
    "pending": N_("import file to write"),
    "ignored": N_("ignored"), "ready": N_("ready"), "changed": N_("changed after posting"), "draft": N_("draft"),
}
# The ledger's document states (``ledger.views.DOCUMENT_STATES``), in the console's words.
STATE_WORDS = {
    "confirmed": N_("posted in Sage"), "delivered": N_("written to an import file, not imported yet"),
    "pending": N_("decided, import file not written yet"), "ready": N_("ready (checked, not posted yet)"),
    "blocked": N_("blocked"), "changed": N_("changed after posting"),
    "ignored": N_("ignored (before the period start)"), "draft": N_("draft"),
}

# The kinds of findings (``core.findings.FindingCode``), for the findings page's filter; an unknown code is shown
# as it is.
FINDING_WORDS = {
    "journal_missing": N_("journal missing in Sage"), "journal_not_sales": N_("journal is not a sales journal"),
    "analytic_plan_missing": N_("analytic plan missing in Sage"), "account_missing": N_("account missing in Sage"),
    "vat_code_unknown": N_("VAT code unknown to Sage"), "vat_rate_unmapped": N_("VAT rate not mapped"),
    "currency_not_allowed": N_("currency not allowed on the account"), "currency_unknown": N_("currency unknown"),
    "exchange_rate_missing": N_("exchange rate missing"), "customer_code_empty": N_("client code empty"),
    "customer_code_duplicate": N_("client code shared"), "customer_code_too_long": N_("client code too long"),
    "customer_not_synced": N_("client not pulled yet"), "customer_unknown": N_("client unknown to the platform"),
    "customer_refused": N_("client refused"), "project_code_empty": N_("project code empty"),
    "project_code_duplicate": N_("project code shared"), "project_code_too_long": N_("project code too long"),
    "project_not_synced": N_("project not pulled yet"), "project_unknown": N_("project unknown to the platform"),
    "project_refused": N_("project refused"), "draft_document": N_("draft document"),
    "number_missing": N_("number missing"), "no_lines": N_("no lines"),
    "totals_inconsistent": N_("totals do not add up"), "vat_inconsistent": N_("VAT does not add up"),
    "negative_amount": N_("zero or negative amount"), "negative_revenue_group": N_("negative revenue line"),
    "duplicate_number": N_("number already in the books"), "number_collision": N_("numbers collide once shortened"),
    "before_period_start": N_("before the period start"), "closed_period": N_("closed period"),
    "original_invoice_unknown": N_("credit note: original invoice unknown"), "not_postable": N_("cannot be posted"),
    "changed_after_posting": N_("changed after posting"), "already_in_sage": N_("already in Sage"),
    "source_field_invalid": N_("invalid platform field"), "text_transliterated": N_("text transliterated"),
    "text_truncated": N_("text shortened"), "truncated": N_("shortened to fit Sage"),
    "changed_since_preview": N_("changed since the preview"),
    "payment_waiting": N_("payment waiting for its invoice"),
    "payment_unknown_document": N_("payment on an unknown document"), "overpayment": N_("overpayment"),
    "payment_invalid": N_("payment the books cannot take"), "refund_not_due": N_("refund not due"),
    "letters_exhausted": N_("matching letters used up"),
}
# Where the Sage company lives (``profiles.model.LocationKind``), as a person says it.
LOCATION_WORDS = {"mae_file": N_("Sage company file (.mae)"), "sql_server": N_("SQL Server company"),
                  "embedded": N_("embedded company")}


def amount(value: Decimal | str | None) -> str:
    """Decimal("1234.5") -> "1 234,50"; None -> ""."""
    if value is None or value == "":
        return ""
    number = value if isinstance(value, Decimal) else Decimal(value)
    text = f"{number:,.2f}"
    return text.replace(",", THOUSANDS).replace(".", ",")


def day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return value.strftime("%d/%m/%Y")


def minute(value: date | datetime | None) -> str:
    """A moment to the minute, day first: ``25/11/2025 02:00`` (a schedule's next run, the last run of a row)."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y %H:%M")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def whole_seconds(seconds: float | None) -> str:
    """A duration from the ledger's stamps, which keep whole seconds."""
    if seconds is None:
        return ""
    return console_gettext("under 1 s") if seconds < 1 else duration(seconds)


OUTPUT_WORDS = {"report_csv": N_("check report (CSV)"), "report_html": N_("check report (web page)")}


def _word(words: dict[str, str], name: str) -> str:
    """The console's word for a code, translated; a code it has no word for is shown as it is, readably."""
    return console_gettext(words[name]) if name in words else name.replace("_", " ")


def output_word(name: str) -> str:
    return _word(OUTPUT_WORDS, name)


def count_word(name: str) -> str:
    return _word(COUNT_WORDS, name)


def status_word(name: str) -> str:
    return _word(STATUS_WORDS, name)


def state_word(name: str) -> str:
    return _word(STATE_WORDS, name)


def finding_word(code: str) -> str:
    return _word(FINDING_WORDS, code)


def location_word(name: str) -> str:
    return _word(LOCATION_WORDS, name)


def translate(message: str) -> str:
    """A message kept untranslated in a constant (``N_``), in the current language: ``{{ label|t }}``."""
    return console_gettext(message) if message else message


def ordered_counts(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Non-zero counts in the order a person reads them, each with its words."""
    items = counts.items() if isinstance(counts, Mapping) else counts
    kept = [(name, count) for name, count in items if count]
    return sorted(kept, key=lambda item: (COUNT_ORDER.index(item[0]) if item[0] in COUNT_ORDER else 99, item[0]))


def counts_text(counts: Mapping[str, int] | Iterable[tuple[str, int]]) -> str:
    return (", ".join(count_phrase(name, count) for name, count in ordered_counts(counts))
            or console_gettext("nothing to do"))


def count_phrase(name: str, count: int) -> str:
    """``posted 207`` in the current language."""
    if name not in COUNT_PHRASES:
        return f"{count_word(name)} {count}"
    singular, plural = COUNT_PHRASES[name]
    return console_ngettext(singular, plural, count).format(count=count)


def install(environment: Environment) -> None:
    environment.filters.update(amount=amount, day=day, minute=minute, duration=duration, whole_seconds=whole_seconds,
                               count_word=count_word, counts_text=counts_text, output_word=output_word,
                               status_word=status_word, state_word=state_word, location_word=location_word,
                               finding_word=finding_word, t=translate)
