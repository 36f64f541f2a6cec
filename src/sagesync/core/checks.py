"""Preflight checks: everything that would make posting fail or be wrong.

Each check is a function ``(document, context) -> iterable of findings``; the
list ``DOCUMENT_CHECKS`` is the validation pass. Nothing here raises for a user
problem and nothing does I/O: the company is a ``CompanyReference`` snapshot and
the ledger's answer ("posted with version X") is passed in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sagesync.core.findings import Finding, FindingCode, Severity
from sagesync.core.mapping import AccountMapping
from sagesync.core.model import (
    EURO,
    Customer,
    Document,
    DocumentKind,
    DocumentStatus,
    JournalEntry,
    LineRole,
    Project,
    RevenueKind,
    Side,
)
from sagesync.core.money import AMOUNT_INTEGER_DIGITS, AMOUNT_LIMIT, ZERO, to_cents
from sagesync.core.numbers import SECTION_CODE_LIMIT, TIERS_CODE_LIMIT, number_clashes, truncation_findings
from sagesync.core.posting import PostingContext, PostingError, post_document
from sagesync.core.reference import SALES_JOURNAL_TYPE, CompanyReference


class Verdict(StrEnum):
    READY = "ready"  # clean: will be posted
    BLOCKED = "blocked"  # at least one blocking finding
    IGNORED = "ignored"  # dated before the period start: not an error, counted
    ALREADY_POSTED = "already_posted"  # same version already in the books
    CHANGED_AFTER_POSTING = "changed_after_posting"  # posted, then edited on the platform
    SKIPPED_DRAFT = "draft"  # a draft: not posted until validated, not a problem


class RefusalReason(StrEnum):
    """Why Pull customers / Pull projects refused a record (``CheckContext.*_refusals`` values)."""

    EMPTY_CODE = "empty_code"
    SHARED_CODE = "shared_code"
    TOO_LONG = "too_long"


_NOTHING: Mapping[str, str] = {}


@dataclass(frozen=True, slots=True)
class CheckContext:
    mapping: AccountMapping
    company: CompanyReference
    period_start: date
    tiers_by_customer: Mapping[str, str]  # synced customers
    section_by_project: Mapping[str, str]  # synced projects
    # Numbers already in the books (ledger and company), as Sage holds them: EC_Piece and
    # EC_RefPiece -> source id of the document that holds it (see ``numbers.numbers_in_use``).
    pieces_in_use: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    references_in_use: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    # Why a client or project is not synced, when the caller knows: source id -> RefusalReason
    # value (see ``refusal_reasons``), and the ids the platform listed (None: not known).
    customer_refusals: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    platform_customers: frozenset[str] | None = None
    project_refusals: Mapping[str, str] = field(default_factory=lambda: _NOTHING)
    platform_projects: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    verdict: Verdict
    findings: tuple[Finding, ...]
    entry: JournalEntry | None = None  # the entry a READY document posts: READY means postable


def _finding(document: Document, field: str, code: FindingCode, message: str, fix: str,
             severity: Severity = Severity.BLOCKING) -> Finding:
    return Finding(document.display_name, document.source_id, field, code, message, fix, severity)


def _money(value: Decimal) -> str:
    """French display of an amount: 1 293,41."""
    text = f"{value:,.2f}"
    return text.replace(",", "\u202f").replace(".", ",")


# --- set-up of the company (once per run) ---------------------------------------------------


def check_setup(mapping: AccountMapping, company: CompanyReference, where: str = "profile") -> list[Finding]:
    """What the old connector asked people to verify by hand in Sage."""
    findings: list[Finding] = []

    def add(field: str, code: FindingCode, message: str, fix: str) -> None:
        findings.append(Finding(where, "", field, code, message, fix))

    journal = company.journals.get(mapping.journal)
    if journal is None:
        add("sales_journal", FindingCode.JOURNAL_MISSING, f"journal {mapping.journal} does not exist in the company",
            f"In Sage, Structure > Codes journaux: create {mapping.journal} as a sales journal, or fix the profile.")
    elif journal.journal_type != SALES_JOURNAL_TYPE:
        add("sales_journal", FindingCode.JOURNAL_NOT_SALES,
            f"journal {mapping.journal} is not a sales journal (type {journal.journal_type})",
            "Pick the sales journal (type Ventes) in the profile.")
    if mapping.analytic_plan not in company.analytic_plans:
        add("analytic_plan", FindingCode.ANALYTIC_PLAN_MISSING,
            f"analytic plan {mapping.analytic_plan} does not exist in the company",
            "In Sage, Paramètres société > Analytique: create the plan, or fix the profile.")
    for account in mapping.accounts_in_use():
        if account not in company.accounts:
            add("accounts", FindingCode.ACCOUNT_MISSING, f"account {account} does not exist in the company",
                f"Create account {account} in the Sage chart of accounts, or change the mapping.")
    for vat in mapping.vat_rates.values():
        code = vat.code(mapping.vat_regime)
        known = company.vat_codes.get(code)
        if known is None:
            add("vat_codes", FindingCode.VAT_CODE_UNKNOWN, f"VAT code {code} ({vat.rate} %) does not exist",
                f"Create tax code {code} in Sage (Structure > Taux de taxes), or fix the profile's VAT mapping.")
        elif known.rate != vat.rate:
            add("vat_codes", FindingCode.VAT_CODE_UNKNOWN,
                f"VAT code {code} is {known.rate} % in the company, the profile maps it to {vat.rate} %",
                "Map the rate to the Sage tax code that carries it.")
    return findings


# --- customers and projects -----------------------------------------------------------------



def check_customers(customers: Iterable[Customer]) -> list[Finding]:
    """A client needs a unique, non-empty code that Sage can hold; it is never guessed."""
    findings: list[Finding] = []
    by_code: dict[str, list[Customer]] = defaultdict(list)
    for customer in customers:
        name = f"client {customer.name or customer.source_id}"
        if not customer.code.strip():
            findings.append(Finding(name, customer.source_id, "number", FindingCode.CUSTOMER_CODE_EMPTY,
                                    "the client has no client code",
                                    "On the platform, Billing > Clients: fill the Number column with a unique code."))
        elif len(customer.code.strip()) > TIERS_CODE_LIMIT:
            findings.append(Finding(name, customer.source_id, "number", FindingCode.CUSTOMER_CODE_TOO_LONG,
                                    f"client code {customer.code.strip()} is longer than the {TIERS_CODE_LIMIT} "
                                    "characters of a Sage tiers code",
                                    f"Shorten the client's code on the platform to {TIERS_CODE_LIMIT} characters."))
        else:
            by_code[customer.code.strip().upper()].append(customer)
    for code, same in by_code.items():
        if len(same) > 1:
            names = ", ".join(customer.name for customer in same)
            for customer in same:
                findings.append(Finding(f"client {customer.name}", customer.source_id, "number",
                                        FindingCode.CUSTOMER_CODE_DUPLICATE,
                                        f"client code {code} is used by {len(same)} clients ({names})",
                                        "Give each client its own code on the platform (Billing > Clients)."))
    return findings


def check_projects(projects: Iterable[Project]) -> list[Finding]:
    findings: list[Finding] = []
    by_code: dict[str, list[Project]] = defaultdict(list)
    for project in projects:
        if not project.code.strip():
            findings.append(Finding(f"project {project.title or project.source_id}", project.source_id, "code",
                                    FindingCode.PROJECT_CODE_EMPTY, "the project has no code for its analytic section",
                                    "On the platform, give the project a short unique code (at most 13 characters)."))
        elif len(project.code.strip()) > SECTION_CODE_LIMIT:
            findings.append(Finding(f"project {project.title or project.source_id}", project.source_id, "code",
                                    FindingCode.PROJECT_CODE_TOO_LONG,
                                    f"project code {project.code.strip()} is longer than the {SECTION_CODE_LIMIT} "
                                    "characters of a Sage analytic section",
                                    f"Shorten the project's code on the platform to {SECTION_CODE_LIMIT} characters."))
        else:
            by_code[project.code.strip().upper()].append(project)
    for code, same in by_code.items():
        if len(same) > 1:
            for project in same:
                findings.append(Finding(f"project {project.title}", project.source_id, "code",
                                        FindingCode.PROJECT_CODE_DUPLICATE,
                                        f"project code {code} is used by {len(same)} projects",
                                        "Give each project its own code on the platform."))
    return findings


# --- one document ---------------------------------------------------------------------------

DocumentCheck = Callable[[Document, CheckContext], Iterable[Finding]]


def _draft(document: Document) -> Finding:
    return _finding(document, "is_valid", FindingCode.DRAFT_DOCUMENT,
                    "the document is a draft: it is not posted until it is validated",
                    "Nothing to do now: once it is validated on the platform, the next run posts it.", Severity.INFO)


def check_state(document: Document, context: CheckContext) -> Iterator[Finding]:
    if document.status is DocumentStatus.DRAFT:
        yield _draft(document)  # check_document stops before: a draft is skipped, not checked
    elif not document.number.strip():
        yield _finding(document, "code", FindingCode.NUMBER_MISSING, "the validated document has no number",
                       "Check the invoice numbering settings on the platform.")
    if document.kind is DocumentKind.CREDIT_NOTE and not document.original_source_id:
        yield _finding(document, "original_invoice", FindingCode.ORIGINAL_INVOICE_UNKNOWN,
                       "the credit note does not say which invoice it reverses",
                       "It is posted on its own; link it to its invoice on the platform for matching.",
                       Severity.WARNING)
    if context.company.is_closed(context.mapping.journal, document.issue_date):
        yield _finding(document, "invoice_date", FindingCode.CLOSED_PERIOD,
                       f"{document.issue_date:%d/%m/%Y} falls in a closed period of journal {context.mapping.journal}",
                       "Sage refuses entries in a closed period: issue a credit note and a new invoice in an open one.")


def check_totals(document: Document, context: CheckContext) -> Iterator[Finding]:
    if not document.lines:
        yield _finding(document, "items", FindingCode.NO_LINES, "the document has no lines",
                       "Add its lines on the platform.")
        return
    # A negative line (a discount) is fine: it nets against the revenue of its account, section
    # and VAT code. Only a document whose revenue nets to zero or below cannot be posted.
    lines_total = sum((line.amount for line in document.lines), ZERO)
    credit_note = document.kind is DocumentKind.CREDIT_NOTE
    if lines_total <= 0 or document.total_incl_vat <= 0:
        what = f"{_money(lines_total)} HT" if lines_total <= 0 else f"{_money(document.total_incl_vat)} TTC"
        yield _finding(document, "items.amount", FindingCode.NEGATIVE_AMOUNT,
                       f"the lines net to {what}: a {'credit note' if credit_note else 'document'} must come "
                       "to more than zero",
                       "Correct the lines of the credit note on the platform: its amounts are what it reverses."
                       if credit_note else
                       "A reduction larger than what is billed is a credit note: correct the lines on the platform "
                       "and issue a credit note for the rest.")
    if lines_total != document.total_excl_vat:
        yield _finding(document, "amount", FindingCode.TOTALS_INCONSISTENT,
                       f"the lines add up to {_money(lines_total)} HT, "
                       f"the document says {_money(document.total_excl_vat)}",
                       "Correct the document on the platform (credit note and new invoice if it is validated).")
    vat_total = sum((subtotal.vat for subtotal in document.vat_subtotals), ZERO)
    if vat_total != document.total_vat:
        yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                       f"the VAT per rate adds up to {_money(vat_total)}, "
                       f"the document says {_money(document.total_vat)}",
                       "Correct the VAT on the platform.")
    if document.total_excl_vat + document.total_vat != document.total_incl_vat:
        yield _finding(document, "total", FindingCode.TOTALS_INCONSISTENT,
                       f"HT {_money(document.total_excl_vat)} + VAT {_money(document.total_vat)} "
                       f"is not the TTC {_money(document.total_incl_vat)}",
                       "Correct the document on the platform.")
    yield from _check_vat_per_rate(document)


def _check_vat_per_rate(document: Document) -> Iterator[Finding]:
    bases: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    counts: dict[Decimal, int] = defaultdict(int)
    for line in document.lines:
        if line.vat_rate is not None:
            bases[line.vat_rate.normalize()] += line.amount
            counts[line.vat_rate.normalize()] += 1
    stated = {subtotal.rate.normalize(): subtotal for subtotal in document.vat_subtotals}
    for rate, base in bases.items():
        subtotal = stated.get(rate)
        if subtotal is None:
            if rate != 0:
                yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                               f"lines at {rate} % have no VAT amount stated for that rate",
                               "Correct the VAT breakdown on the platform.")
            continue
        if subtotal.base != base:
            yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                           f"the base at {rate} % is {_money(subtotal.base)}, its lines add up to {_money(base)}",
                           "Correct the VAT breakdown on the platform.")
        # VAT stated per line then summed may differ from VAT per rate by half a cent a
        # line (accounting-fr.md §4.4): both are legal, more than that is a wrong rate.
        tolerance = Decimal("0.005") * (counts[rate] + 1)
        if abs(subtotal.vat - subtotal.base * rate / 100) > tolerance:
            yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                           f"VAT at {rate} % should be about {_money(to_cents(subtotal.base * rate / 100))}, "
                           f"the document states {_money(subtotal.vat)}",
                           "Check the VAT rate of the lines on the platform.")
    for rate in stated:
        if rate not in bases and stated[rate].vat != 0:
            yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                           f"VAT is stated at {rate} % but no line is taxed at that rate",
                           "Correct the VAT breakdown on the platform.")


def check_mapping(document: Document, context: CheckContext) -> Iterator[Finding]:
    mapping, company = context.mapping, context.company
    foreign = document.currency != EURO
    accounts: dict[str, str] = {mapping.collective_account: "client account"}
    rates_seen: set[Decimal] = set()
    for line in document.lines:
        account = mapping.revenue_account(line.kind, line.vat_rate)
        if not account:
            yield _finding(document, "items", FindingCode.ACCOUNT_MISSING,
                           f"no account is mapped for {line.kind.value} lines",
                           f"Set accounts.revenue.{line.kind.value} in the profile.")
        else:
            accounts.setdefault(account, "sales account")
        if line.vat_rate is None:
            if line.kind is not RevenueKind.DISBURSEMENTS:
                yield _finding(document, "items.tax_rate", FindingCode.VAT_RATE_UNMAPPED,
                               f"line '{line.description}' has no VAT rate", "Set the line's VAT rate on the platform.")
            continue
        if line.vat_rate.normalize() in rates_seen:
            continue
        rates_seen.add(line.vat_rate.normalize())
        vat = mapping.vat_for(line.vat_rate)
        if vat is None:
            yield _finding(document, "items.tax_rate", FindingCode.VAT_RATE_UNMAPPED,
                           f"VAT rate {line.vat_rate} % has no VAT code in the profile",
                           f"Add the rate {line.vat_rate} to the profile's VAT mapping (code and account).")
            continue
        code = vat.code(mapping.vat_regime)
        if code not in company.vat_codes:
            yield _finding(document, "items.tax_rate", FindingCode.VAT_CODE_UNKNOWN,
                           f"attached VAT code {code} ({line.vat_rate} %) does not exist in the company",
                           f"Create tax code {code} in Sage, or map {line.vat_rate} % to an existing code.")
        if line.vat_rate != 0:
            vat_account = vat.account(mapping.vat_regime)
            if not vat_account:
                yield _finding(document, "items.tax_rate", FindingCode.ACCOUNT_MISSING,
                               f"VAT rate {line.vat_rate} % has no VAT account in the profile",
                               "Set the VAT account for this rate in the profile.")
            else:
                accounts.setdefault(vat_account, "VAT account")
    for account, role in accounts.items():
        info = company.accounts.get(account)
        if info is None:
            yield _finding(document, "account", FindingCode.ACCOUNT_MISSING,
                           f"the {role} {account} does not exist in the company",
                           f"Create account {account} in Sage, or change the profile's mapping.")
        elif foreign and role != "VAT account" and (
            not info.currency_entry or info.currency not in ("", document.currency)
        ):
            yield _finding(document, "currency", FindingCode.CURRENCY_NOT_ALLOWED,
                           f"the {role} {account} has no associated currency {document.currency}",
                           f"In Sage, open account {account} and allow entries in {document.currency} (option Devise).")
    if foreign:
        if document.currency not in company.currencies:
            yield _finding(document, "currency", FindingCode.CURRENCY_UNKNOWN,
                           f"currency {document.currency} is not set up in the company",
                           f"Add {document.currency} to the Sage currency table (Paramètres société > Devises).")
        if document.exchange_rate is None or document.exchange_rate <= 0:
            yield _finding(document, "currency_rate", FindingCode.EXCHANGE_RATE_MISSING,
                           f"the {document.currency} document carries no exchange rate",
                           "Set the exchange rate printed on the invoice on the platform.")


_REFUSED_WHY: dict[tuple[str, str], tuple[str, str]] = {
    ("client", RefusalReason.EMPTY_CODE): ("it has no client code",
                                           "On the platform, Billing > Clients: fill the client's Number with a "
                                           "unique code, then run Pull customers."),
    ("client", RefusalReason.SHARED_CODE): ("its client code is shared with another client",
                                            "On the platform, Billing > Clients: give each client its own code, "
                                            "then run Pull customers."),
    ("client", RefusalReason.TOO_LONG): (f"its client code is longer than the {TIERS_CODE_LIMIT} characters of "
                                         "a Sage tiers code",
                                         f"Shorten the client's code on the platform to {TIERS_CODE_LIMIT} "
                                         "characters, then run Pull customers."),
    ("project", RefusalReason.EMPTY_CODE): ("it has no code for its analytic section",
                                            f"On the platform, give the project a short unique code (at most "
                                            f"{SECTION_CODE_LIMIT} characters), then run Pull projects."),
    ("project", RefusalReason.SHARED_CODE): ("its code is shared with another project",
                                             "On the platform, give each project its own code, then run Pull "
                                             "projects."),
    ("project", RefusalReason.TOO_LONG): (f"its code is longer than the {SECTION_CODE_LIMIT} characters of a Sage "
                                          "analytic section",
                                          f"Shorten the project's code on the platform to {SECTION_CODE_LIMIT} "
                                          "characters, then run Pull projects."),
}

_REFUSAL_OF = {
    FindingCode.CUSTOMER_CODE_EMPTY: RefusalReason.EMPTY_CODE,
    FindingCode.CUSTOMER_CODE_DUPLICATE: RefusalReason.SHARED_CODE,
    FindingCode.CUSTOMER_CODE_TOO_LONG: RefusalReason.TOO_LONG,
    FindingCode.PROJECT_CODE_EMPTY: RefusalReason.EMPTY_CODE,
    FindingCode.PROJECT_CODE_DUPLICATE: RefusalReason.SHARED_CODE,
    FindingCode.PROJECT_CODE_TOO_LONG: RefusalReason.TOO_LONG,
}


def refusal_reasons(findings: Iterable[Finding]) -> dict[str, str]:
    """Source id -> RefusalReason value, from the findings of ``check_customers`` or ``check_projects``.

    The result is what ``CheckContext.customer_refusals`` / ``project_refusals`` expect.
    """
    reasons: dict[str, str] = {}
    for finding in findings:
        reason = _REFUSAL_OF.get(finding.code)
        if reason is not None and finding.source_id:
            reasons.setdefault(finding.source_id, reason.value)
    return reasons


def _not_synced(document: Document, what: str, source_id: str, refusals: Mapping[str, str],
                listed: frozenset[str] | None) -> Finding:
    """The finding for a client or project that is not in Sage, naming the root cause when it is known."""
    client = what == "client"
    step = "Pull customers" if client else "Pull projects"
    codes = ((FindingCode.CUSTOMER_UNKNOWN, FindingCode.CUSTOMER_REFUSED, FindingCode.CUSTOMER_NOT_SYNCED) if client
             else (FindingCode.PROJECT_UNKNOWN, FindingCode.PROJECT_REFUSED, FindingCode.PROJECT_NOT_SYNCED))
    if listed is not None and source_id not in listed:
        return _finding(document, what, codes[0],
                        f"the {what} #{source_id} does not exist on the platform (it is not in its {what} list)",
                        f"On the platform, attach the document to an existing {what} (this one may have been "
                        "deleted or archived), then check again.")
    reason = refusals.get(source_id)
    if reason is not None:
        why, fix = _REFUSED_WHY.get((what, reason), (f"reason: {reason}",
                                                     f"Fix the {what} on the platform, then run {step}."))
        return _finding(document, what, codes[1], f"the {what} #{source_id} was refused at {step}: {why}", fix)
    if listed is None:  # the caller does not know the root cause: say both
        target = "a Sage tiers" if client else "an analytic section"
        return _finding(document, what, codes[2], f"the {what} #{source_id} is not {target} yet",
                        f"Run {step} first (and fix the {what}'s code if it was refused).")
    target = "a Sage tiers" if client else "an analytic section"
    return _finding(document, what, codes[2], f"the {what} #{source_id} is not {target} yet: it was not pulled",
                    f"Run {step}, then check again.")


def check_synced(document: Document, context: CheckContext) -> Iterator[Finding]:
    if document.customer_source_id not in context.tiers_by_customer:
        yield _not_synced(document, "client", document.customer_source_id, context.customer_refusals,
                          context.platform_customers)
    projects = {document.project_source_id} if document.project_source_id else set()
    for line in document.lines:
        projects.update(allocation.project_source_id for allocation in line.allocations)
    for project in sorted(projects):
        if project not in context.section_by_project:
            yield _not_synced(document, "project", project, context.project_refusals, context.platform_projects)
    if not projects:
        yield _finding(document, "project", FindingCode.PROJECT_NOT_SYNCED,
                       "the document has no project: its revenue gets no analytic allocation",
                       "Attach the document to a project on the platform if it should be allocated.",
                       Severity.WARNING)


def check_number(document: Document, context: CheckContext) -> Iterator[Finding]:
    """The number must not be another document's piece or reference in the books (``numbers.py``)."""
    if document.status is not DocumentStatus.DRAFT:
        clashes = number_clashes([document], context.pieces_in_use, context.references_in_use)
        yield from clashes.get(document.source_id, ())


DOCUMENT_CHECKS: tuple[DocumentCheck, ...] = (check_state, check_totals, check_mapping, check_synced, check_number)


def _other_side_findings(document: Document, entry: JournalEntry) -> Iterator[Finding]:
    """A revenue group or VAT rate that nets negative is posted on the customer's side: say so."""
    customer_side = entry.lines[0].side
    natural = "credit" if customer_side is Side.DEBIT else "debit"
    flipped = "debit" if customer_side is Side.DEBIT else "credit"
    for line in entry.lines[1:]:
        if line.side is not customer_side:
            continue
        where = f"account {line.account}"
        details = [f"VAT code {line.vat_code}"] if line.vat_code else []
        details += [f"section {split.section}" for split in line.analytic]
        if details:
            where += f" ({', '.join(details)})"
        what = "revenue" if line.role is LineRole.REVENUE else "VAT"
        yield _finding(document, "items.amount", FindingCode.NEGATIVE_REVENUE_GROUP,
                       f"the {what} on {where} nets to -{_money(line.amount)}: its negative lines exceed its "
                       f"positive ones, so it is posted as a {flipped} of {_money(line.amount)} instead of a "
                       f"{natural}",
                       "Nothing to do if the discount is right. To reduce the revenue it belongs to, give the "
                       "discount line the same kind, VAT rate and project as that revenue on the platform.",
                       Severity.WARNING)


def check_document(document: Document, context: CheckContext, version: str,
                   posted_version: str | None = None) -> CheckResult:
    """Run the validation pass on one document, given what the ledger holds for it."""
    if document.issue_date < context.period_start:
        finding = _finding(document, "invoice_date", FindingCode.BEFORE_PERIOD_START,
                           f"dated {document.issue_date:%d/%m/%Y}, before the period start "
                           f"{context.period_start:%d/%m/%Y}", "Nothing to do: it is ignored.", Severity.INFO)
        return CheckResult(Verdict.IGNORED, (finding,))
    if posted_version is not None:
        if posted_version == version:
            return CheckResult(Verdict.ALREADY_POSTED, ())
        finding = _finding(document, "document", FindingCode.CHANGED_AFTER_POSTING,
                           "the document was changed on the platform after it was posted; the books keep "
                           "the posted version",
                           "A posted document is final: issue a credit note and a new invoice instead of editing it.")
        return CheckResult(Verdict.CHANGED_AFTER_POSTING, (finding,))
    if document.status is DocumentStatus.DRAFT:
        return CheckResult(Verdict.SKIPPED_DRAFT, (_draft(document),))
    try:
        findings = tuple(finding for check in DOCUMENT_CHECKS for finding in check(document, context))
    except ArithmeticError:  # decimal.InvalidOperation / Overflow: amounts beyond any computation
        return CheckResult(Verdict.BLOCKED, (_too_large(document),))
    if any(finding.blocks for finding in findings):
        return CheckResult(Verdict.BLOCKED, findings)
    # The last check is the posting itself, so READY guarantees a balanced entry exists
    # (e.g. a tiny foreign-currency line that converts to 0,00 EUR is caught here).
    posting = PostingContext(context.mapping, context.tiers_by_customer, context.section_by_project)
    try:
        entry = post_document(document, posting)
    except PostingError as error:
        problem = _finding(document, "document", FindingCode.NOT_POSTABLE, f"cannot be posted: {error}",
                           "Correct the document on the platform.")
        return CheckResult(Verdict.BLOCKED, (*findings, problem))
    except ArithmeticError:
        return CheckResult(Verdict.BLOCKED, (*findings, _too_large(document)))
    if any(abs(line.amount) >= AMOUNT_LIMIT for line in entry.lines):
        return CheckResult(Verdict.BLOCKED, (*findings, _too_large(document)))
    findings += (*_other_side_findings(document, entry), *truncation_findings(document, entry))
    return CheckResult(Verdict.READY, findings, entry)


def _too_large(document: Document) -> Finding:
    return _finding(document, "amount", FindingCode.NOT_POSTABLE,
                    f"cannot be posted: an amount (or its value in euros) is beyond the {AMOUNT_INTEGER_DIGITS} digits "
                    "a Sage amount holds", "Correct the amounts or the exchange rate on the platform.")
