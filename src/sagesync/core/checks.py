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
from sagesync.i18n import N_, _


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
        add("sales_journal", FindingCode.JOURNAL_MISSING,
            _("journal {journal} does not exist in the company").format(journal=mapping.journal),
            _("In Sage, Structure > Codes journaux: create {journal} as a sales journal, or fix the profile.").format(
                journal=mapping.journal))
    elif journal.journal_type != SALES_JOURNAL_TYPE:
        add("sales_journal", FindingCode.JOURNAL_NOT_SALES,
            _("journal {journal} is not a sales journal (type {type})").format(
                journal=mapping.journal, type=journal.journal_type),
            _("Pick the sales journal (type Ventes) in the profile."))
    if mapping.analytic_plan not in company.analytic_plans:
        add("analytic_plan", FindingCode.ANALYTIC_PLAN_MISSING,
            _("analytic plan {plan} does not exist in the company").format(plan=mapping.analytic_plan),
            _("In Sage, Paramètres société > Analytique: create the plan, or fix the profile."))
    for account in mapping.accounts_in_use():
        if account not in company.accounts:
            add("accounts", FindingCode.ACCOUNT_MISSING,
                _("account {account} does not exist in the company").format(account=account),
                _("Create account {account} in the Sage chart of accounts, or change the mapping.").format(
                    account=account))
    for vat in mapping.vat_rates.values():
        code = vat.code(mapping.vat_regime)
        known = company.vat_codes.get(code)
        if known is None:
            add("vat_codes", FindingCode.VAT_CODE_UNKNOWN,
                _("VAT code {code} ({rate} %) does not exist").format(code=code, rate=vat.rate),
                _("Create tax code {code} in Sage (Structure > Taux de taxes), or fix the profile's VAT mapping.")
                .format(code=code))
        elif known.rate != vat.rate:
            add("vat_codes", FindingCode.VAT_CODE_UNKNOWN,
                _("VAT code {code} is {company_rate} % in the company, the profile maps it to {rate} %").format(
                    code=code, company_rate=known.rate, rate=vat.rate),
                _("Map the rate to the Sage tax code that carries it."))
    return findings


# --- customers and projects -----------------------------------------------------------------



def check_customers(customers: Iterable[Customer]) -> list[Finding]:
    """A client needs a unique, non-empty code that Sage can hold; it is never guessed."""
    findings: list[Finding] = []
    by_code: dict[str, list[Customer]] = defaultdict(list)
    for customer in customers:
        name = _("client {name}").format(name=customer.name or customer.source_id)
        if not customer.code.strip():
            findings.append(Finding(name, customer.source_id, "number", FindingCode.CUSTOMER_CODE_EMPTY,
                                    _("the client has no client code"),
                                    _("On the platform, Billing > Clients: fill the Number column with a unique "
                                      "code.")))
        elif len(customer.code.strip()) > TIERS_CODE_LIMIT:
            findings.append(Finding(name, customer.source_id, "number", FindingCode.CUSTOMER_CODE_TOO_LONG,
                                    _("client code {code} is longer than the {limit} characters of a Sage tiers "
                                      "code").format(code=customer.code.strip(), limit=TIERS_CODE_LIMIT),
                                    _("Shorten the client's code on the platform to {limit} characters.").format(
                                        limit=TIERS_CODE_LIMIT)))
        else:
            by_code[customer.code.strip().upper()].append(customer)
    for code, same in by_code.items():
        if len(same) > 1:
            names = ", ".join(customer.name for customer in same)
            for customer in same:
                findings.append(Finding(_("client {name}").format(name=customer.name), customer.source_id, "number",
                                        FindingCode.CUSTOMER_CODE_DUPLICATE,
                                        _("client code {code} is used by {count} clients ({names})").format(
                                            code=code, count=len(same), names=names),
                                        _("Give each client its own code on the platform (Billing > Clients).")))
    return findings


def check_projects(projects: Iterable[Project]) -> list[Finding]:
    findings: list[Finding] = []
    by_code: dict[str, list[Project]] = defaultdict(list)
    for project in projects:
        name = _("project {title}").format(title=project.title or project.source_id)
        if not project.code.strip():
            findings.append(Finding(name, project.source_id, "code",
                                    FindingCode.PROJECT_CODE_EMPTY,
                                    _("the project has no code for its analytic section"),
                                    _("On the platform, give the project a short unique code (at most {limit} "
                                      "characters).").format(limit=SECTION_CODE_LIMIT)))
        elif len(project.code.strip()) > SECTION_CODE_LIMIT:
            findings.append(Finding(name, project.source_id, "code",
                                    FindingCode.PROJECT_CODE_TOO_LONG,
                                    _("project code {code} is longer than the {limit} characters of a Sage analytic "
                                      "section").format(code=project.code.strip(), limit=SECTION_CODE_LIMIT),
                                    _("Shorten the project's code on the platform to {limit} characters.").format(
                                        limit=SECTION_CODE_LIMIT)))
        else:
            by_code[project.code.strip().upper()].append(project)
    for code, same in by_code.items():
        if len(same) > 1:
            for project in same:
                findings.append(Finding(_("project {title}").format(title=project.title), project.source_id, "code",
                                        FindingCode.PROJECT_CODE_DUPLICATE,
                                        _("project code {code} is used by {count} projects").format(
                                            code=code, count=len(same)),
                                        _("Give each project its own code on the platform.")))
    return findings


# --- one document ---------------------------------------------------------------------------

DocumentCheck = Callable[[Document, CheckContext], Iterable[Finding]]


def _draft(document: Document) -> Finding:
    return _finding(document, "is_valid", FindingCode.DRAFT_DOCUMENT,
                    _("the document is a draft: it is not posted until it is validated"),
                    _("Nothing to do now: once it is validated on the platform, the next run posts it."), Severity.INFO)


def check_state(document: Document, context: CheckContext) -> Iterator[Finding]:
    if document.status is DocumentStatus.DRAFT:
        yield _draft(document)  # check_document stops before: a draft is skipped, not checked
    elif not document.number.strip():
        yield _finding(document, "code", FindingCode.NUMBER_MISSING, _("the validated document has no number"),
                       _("Check the invoice numbering settings on the platform."))
    if document.kind is DocumentKind.CREDIT_NOTE and not document.original_source_id:
        yield _finding(document, "original_invoice", FindingCode.ORIGINAL_INVOICE_UNKNOWN,
                       _("the credit note does not say which invoice it reverses"),
                       _("It is posted on its own; link it to its invoice on the platform for matching."),
                       Severity.WARNING)
    if context.company.is_closed(context.mapping.journal, document.issue_date):
        yield _finding(document, "invoice_date", FindingCode.CLOSED_PERIOD,
                       _("{date} falls in a closed period of journal {journal}").format(
                           date=f"{document.issue_date:%d/%m/%Y}", journal=context.mapping.journal),
                       _("Sage refuses entries in a closed period: issue a credit note and a new invoice in an open "
                         "one."))


def check_totals(document: Document, context: CheckContext) -> Iterator[Finding]:
    if not document.lines:
        yield _finding(document, "items", FindingCode.NO_LINES, _("the document has no lines"),
                       _("Add its lines on the platform."))
        return
    # A negative line (a discount) is fine: it nets against the revenue of its account, section
    # and VAT code. Only a document whose revenue nets to zero or below cannot be posted.
    lines_total = sum((line.amount for line in document.lines), ZERO)
    credit_note = document.kind is DocumentKind.CREDIT_NOTE
    if lines_total <= 0 or document.total_incl_vat <= 0:
        what = (_("{amount} HT").format(amount=_money(lines_total)) if lines_total <= 0
                else _("{amount} TTC").format(amount=_money(document.total_incl_vat)))
        yield _finding(document, "items.amount", FindingCode.NEGATIVE_AMOUNT,
                       (_("the lines net to {amount}: a credit note must come to more than zero") if credit_note
                        else _("the lines net to {amount}: a document must come to more than zero")).format(
                           amount=what),
                       _("Correct the lines of the credit note on the platform: its amounts are what it reverses.")
                       if credit_note else
                       _("A reduction larger than what is billed is a credit note: correct the lines on the platform "
                         "and issue a credit note for the rest."))
    if lines_total != document.total_excl_vat:
        yield _finding(document, "amount", FindingCode.TOTALS_INCONSISTENT,
                       _("the lines add up to {lines} HT, the document says {stated}").format(
                           lines=_money(lines_total), stated=_money(document.total_excl_vat)),
                       _("Correct the document on the platform (credit note and new invoice if it is validated)."))
    vat_total = sum((subtotal.vat for subtotal in document.vat_subtotals), ZERO)
    if vat_total != document.total_vat:
        yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                       _("the VAT per rate adds up to {rates}, the document says {stated}").format(
                           rates=_money(vat_total), stated=_money(document.total_vat)),
                       _("Correct the VAT on the platform."))
    if document.total_excl_vat + document.total_vat != document.total_incl_vat:
        yield _finding(document, "total", FindingCode.TOTALS_INCONSISTENT,
                       _("HT {excl} + VAT {vat} is not the TTC {incl}").format(
                           excl=_money(document.total_excl_vat), vat=_money(document.total_vat),
                           incl=_money(document.total_incl_vat)),
                       _("Correct the document on the platform."))
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
                               _("lines at {rate} % have no VAT amount stated for that rate").format(rate=rate),
                               _("Correct the VAT breakdown on the platform."))
            continue
        if subtotal.base != base:
            yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                           _("the base at {rate} % is {base}, its lines add up to {lines}").format(
                               rate=rate, base=_money(subtotal.base), lines=_money(base)),
                           _("Correct the VAT breakdown on the platform."))
        # VAT stated per line then summed may differ from VAT per rate by half a cent a
        # line (accounting-fr.md §4.4): both are legal, more than that is a wrong rate.
        tolerance = Decimal("0.005") * (counts[rate] + 1)
        if abs(subtotal.vat - subtotal.base * rate / 100) > tolerance:
            yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                           _("VAT at {rate} % should be about {expected}, the document states {stated}").format(
                               rate=rate, expected=_money(to_cents(subtotal.base * rate / 100)),
                               stated=_money(subtotal.vat)),
                           _("Check the VAT rate of the lines on the platform."))
    for rate in stated:
        if rate not in bases and stated[rate].vat != 0:
            yield _finding(document, "tax", FindingCode.VAT_INCONSISTENT,
                           _("VAT is stated at {rate} % but no line is taxed at that rate").format(rate=rate),
                           _("Correct the VAT breakdown on the platform."))


_CLIENT_ACCOUNT = N_("client account")
_SALES_ACCOUNT = N_("sales account")
_VAT_ACCOUNT = N_("VAT account")


def check_mapping(document: Document, context: CheckContext) -> Iterator[Finding]:
    mapping, company = context.mapping, context.company
    foreign = document.currency != EURO
    accounts: dict[str, str] = {mapping.collective_account: _CLIENT_ACCOUNT}
    rates_seen: set[Decimal] = set()
    for line in document.lines:
        account = mapping.revenue_account(line.kind, line.vat_rate)
        if not account:
            yield _finding(document, "items", FindingCode.ACCOUNT_MISSING,
                           _("no account is mapped for {kind} lines").format(kind=line.kind.value),
                           _("Set accounts.revenue.{kind} in the profile.").format(kind=line.kind.value))
        else:
            accounts.setdefault(account, _SALES_ACCOUNT)
        if line.vat_rate is None:
            if line.kind is not RevenueKind.DISBURSEMENTS:
                yield _finding(document, "items.tax_rate", FindingCode.VAT_RATE_UNMAPPED,
                               _("line '{description}' has no VAT rate").format(description=line.description),
                               _("Set the line's VAT rate on the platform."))
            continue
        if line.vat_rate.normalize() in rates_seen:
            continue
        rates_seen.add(line.vat_rate.normalize())
        vat = mapping.vat_for(line.vat_rate)
        if vat is None:
            yield _finding(document, "items.tax_rate", FindingCode.VAT_RATE_UNMAPPED,
                           _("VAT rate {rate} % has no VAT code in the profile").format(rate=line.vat_rate),
                           _("Add the rate {rate} to the profile's VAT mapping (code and account).").format(
                               rate=line.vat_rate))
            continue
        code = vat.code(mapping.vat_regime)
        if code not in company.vat_codes:
            yield _finding(document, "items.tax_rate", FindingCode.VAT_CODE_UNKNOWN,
                           _("attached VAT code {code} ({rate} %) does not exist in the company").format(
                               code=code, rate=line.vat_rate),
                           _("Create tax code {code} in Sage, or map {rate} % to an existing code.").format(
                               code=code, rate=line.vat_rate))
        if line.vat_rate != 0:
            vat_account = vat.account(mapping.vat_regime)
            if not vat_account:
                yield _finding(document, "items.tax_rate", FindingCode.ACCOUNT_MISSING,
                               _("VAT rate {rate} % has no VAT account in the profile").format(rate=line.vat_rate),
                               _("Set the VAT account for this rate in the profile."))
            else:
                accounts.setdefault(vat_account, _VAT_ACCOUNT)
    for account, role in accounts.items():
        info = company.accounts.get(account)
        if info is None:
            yield _finding(document, "account", FindingCode.ACCOUNT_MISSING,
                           _("the {role} {account} does not exist in the company").format(
                               role=_(role), account=account),
                           _("Create account {account} in Sage, or change the profile's mapping.").format(
                               account=account))
        elif foreign and role != _VAT_ACCOUNT and (
            not info.currency_entry or info.currency not in ("", document.currency)
        ):
            yield _finding(document, "currency", FindingCode.CURRENCY_NOT_ALLOWED,
                           _("the {role} {account} has no associated currency {currency}").format(
                               role=_(role), account=account, currency=document.currency),
                           _("In Sage, open account {account} and allow entries in {currency} (option Devise).").format(
                               account=account, currency=document.currency))
    if foreign:
        if document.currency not in company.currencies:
            yield _finding(document, "currency", FindingCode.CURRENCY_UNKNOWN,
                           _("currency {currency} is not set up in the company").format(currency=document.currency),
                           _("Add {currency} to the Sage currency table (Paramètres société > Devises).").format(
                               currency=document.currency))
        if document.exchange_rate is None or document.exchange_rate <= 0:
            yield _finding(document, "currency_rate", FindingCode.EXCHANGE_RATE_MISSING,
                           _("the {currency} document carries no exchange rate").format(currency=document.currency),
                           _("Set the exchange rate printed on the invoice on the platform."))


# (client or project, reason) -> (why, fix); the code limits are filled in where shown.
_REFUSED_WHY: dict[tuple[str, str], tuple[str, str]] = {
    ("client", RefusalReason.EMPTY_CODE): (N_("it has no client code"),
                                           N_("On the platform, Billing > Clients: fill the client's Number with a "
                                              "unique code, then run Pull customers.")),
    ("client", RefusalReason.SHARED_CODE): (N_("its client code is shared with another client"),
                                            N_("On the platform, Billing > Clients: give each client its own code, "
                                               "then run Pull customers.")),
    ("client", RefusalReason.TOO_LONG): (N_("its client code is longer than the {limit} characters of a Sage tiers "
                                            "code"),
                                         N_("Shorten the client's code on the platform to {limit} characters, then "
                                            "run Pull customers.")),
    ("project", RefusalReason.EMPTY_CODE): (N_("it has no code for its analytic section"),
                                            N_("On the platform, give the project a short unique code (at most "
                                               "{limit} characters), then run Pull projects.")),
    ("project", RefusalReason.SHARED_CODE): (N_("its code is shared with another project"),
                                             N_("On the platform, give each project its own code, then run Pull "
                                                "projects.")),
    ("project", RefusalReason.TOO_LONG): (N_("its code is longer than the {limit} characters of a Sage analytic "
                                             "section"),
                                          N_("Shorten the project's code on the platform to {limit} characters, then "
                                             "run Pull projects.")),
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
    codes = ((FindingCode.CUSTOMER_UNKNOWN, FindingCode.CUSTOMER_REFUSED, FindingCode.CUSTOMER_NOT_SYNCED) if client
             else (FindingCode.PROJECT_UNKNOWN, FindingCode.PROJECT_REFUSED, FindingCode.PROJECT_NOT_SYNCED))
    if listed is not None and source_id not in listed:
        if client:
            return _finding(document, what, codes[0],
                            _("the client #{id} does not exist on the platform (it is not in its client list)").format(
                                id=source_id),
                            _("On the platform, attach the document to an existing client (this one may have been "
                              "deleted or archived), then check again."))
        return _finding(document, what, codes[0],
                        _("the project #{id} does not exist on the platform (it is not in its project list)").format(
                            id=source_id),
                        _("On the platform, attach the document to an existing project (this one may have been "
                          "deleted or archived), then check again."))
    reason = refusals.get(source_id)
    if reason is not None:
        limit = TIERS_CODE_LIMIT if client else SECTION_CODE_LIMIT
        known = _REFUSED_WHY.get((what, reason))
        if known is not None:
            why, fix = _(known[0]).format(limit=limit), _(known[1]).format(limit=limit)
        elif client:
            why = _("reason: {reason}").format(reason=reason)
            fix = _("Fix the client on the platform, then run Pull customers.")
        else:
            why = _("reason: {reason}").format(reason=reason)
            fix = _("Fix the project on the platform, then run Pull projects.")
        text = (_("the client #{id} was refused at Pull customers: {why}") if client
                else _("the project #{id} was refused at Pull projects: {why}"))
        return _finding(document, what, codes[1], text.format(id=source_id, why=why), fix)
    if listed is None:  # the caller does not know the root cause: say both
        if client:
            return _finding(document, what, codes[2],
                            _("the client #{id} is not a Sage tiers yet").format(id=source_id),
                            _("Run Pull customers first (and fix the client's code if it was refused)."))
        return _finding(document, what, codes[2],
                        _("the project #{id} is not an analytic section yet").format(id=source_id),
                        _("Run Pull projects first (and fix the project's code if it was refused)."))
    if client:
        return _finding(document, what, codes[2],
                        _("the client #{id} is not a Sage tiers yet: it was not pulled").format(id=source_id),
                        _("Run Pull customers, then check again."))
    return _finding(document, what, codes[2],
                    _("the project #{id} is not an analytic section yet: it was not pulled").format(id=source_id),
                    _("Run Pull projects, then check again."))


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
                       _("the document has no project: its revenue gets no analytic allocation"),
                       _("Attach the document to a project on the platform if it should be allocated."),
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
    for line in entry.lines[1:]:
        if line.side is not customer_side:
            continue
        where = _("account {account}").format(account=line.account)
        details = [_("VAT code {code}").format(code=line.vat_code)] if line.vat_code else []
        details += [_("section {section}").format(section=split.section) for split in line.analytic]
        if details:
            where += f" ({', '.join(details)})"
        revenue = line.role is LineRole.REVENUE
        if customer_side is Side.DEBIT:
            text = (_("the revenue on {where} nets to -{amount}: its negative lines exceed its positive ones, so it "
                      "is posted as a debit of {amount} instead of a credit") if revenue else
                    _("the VAT on {where} nets to -{amount}: its negative lines exceed its positive ones, so it is "
                      "posted as a debit of {amount} instead of a credit"))
        else:
            text = (_("the revenue on {where} nets to -{amount}: its negative lines exceed its positive ones, so it "
                      "is posted as a credit of {amount} instead of a debit") if revenue else
                    _("the VAT on {where} nets to -{amount}: its negative lines exceed its positive ones, so it is "
                      "posted as a credit of {amount} instead of a debit"))
        yield _finding(document, "items.amount", FindingCode.NEGATIVE_REVENUE_GROUP,
                       text.format(where=where, amount=_money(line.amount)),
                       _("Nothing to do if the discount is right. To reduce the revenue it belongs to, give the "
                         "discount line the same kind, VAT rate and project as that revenue on the platform."),
                       Severity.WARNING)


def check_document(document: Document, context: CheckContext, version: str,
                   posted_version: str | None = None) -> CheckResult:
    """Run the validation pass on one document, given what the ledger holds for it."""
    if document.issue_date < context.period_start:
        finding = _finding(document, "invoice_date", FindingCode.BEFORE_PERIOD_START,
                           _("dated {date}, before the period start {start}").format(
                               date=f"{document.issue_date:%d/%m/%Y}", start=f"{context.period_start:%d/%m/%Y}"),
                           _("Nothing to do: it is ignored."), Severity.INFO)
        return CheckResult(Verdict.IGNORED, (finding,))
    if posted_version is not None:
        if posted_version == version:
            return CheckResult(Verdict.ALREADY_POSTED, ())
        finding = _finding(document, "document", FindingCode.CHANGED_AFTER_POSTING,
                           _("the document was changed on the platform after it was posted; the books keep "
                             "the posted version"),
                           _("A posted document is final: issue a credit note and a new invoice instead of editing "
                             "it."))
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
        problem = _finding(document, "document", FindingCode.NOT_POSTABLE,
                           _("cannot be posted: {error}").format(error=error),
                           _("Correct the document on the platform."))
        return CheckResult(Verdict.BLOCKED, (*findings, problem))
    except ArithmeticError:
        return CheckResult(Verdict.BLOCKED, (*findings, _too_large(document)))
    if any(abs(line.amount) >= AMOUNT_LIMIT for line in entry.lines):
        return CheckResult(Verdict.BLOCKED, (*findings, _too_large(document)))
    findings += (*_other_side_findings(document, entry), *truncation_findings(document, entry))
    return CheckResult(Verdict.READY, findings, entry)


def _too_large(document: Document) -> Finding:
    return _finding(document, "amount", FindingCode.NOT_POSTABLE,
                    _("cannot be posted: an amount (or its value in euros) is beyond the {digits} digits a Sage amount "
                      "holds").format(digits=AMOUNT_INTEGER_DIGITS),
                    _("Correct the amounts or the exchange rate on the platform."))
