"""From a profile to a running job: the adapters a step needs, and the company lock.

This is the Python API the CLI and the console share::

    with open_job(profile) as job:
        reports = job.run("sync")

Opening a job takes the company lock (one run per company at a time) before
anything is read or written; closing it releases the lock and the connections.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, OperationalError

from sagesync.core.cash import CashSettings
from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError, SageUnreachableError
from sagesync.fec.writer import FecEntrySource, FecOptions
from sagesync.i18n import _, ngettext
from sagesync.ledger.delivery import DeliveryDesk, shared_transaction_refused
from sagesync.ledger.lock import CompanyLock
from sagesync.ledger.postgres import unreachable
from sagesync.ledger.rebuild import RebuildResult
from sagesync.ledger.store import Ledger
from sagesync.profiles import validation
from sagesync.profiles.check import CheckLine, PlatformAnswer
from sagesync.profiles.model import LocationKind, Profile
from sagesync.profiles.paths import ProfilePaths, data_dir, profile_paths
from sagesync.sage.identity import company_key
from sagesync.sage.port import SagePort
from sagesync.sources.base import Source
from sagesync.steps.context import LedgerOnlyWriteback, SettlementSender, StepContext, WritebackAction
from sagesync.steps.events import EventSink, RunReport, no_events
from sagesync.steps.registry import step_named
from sagesync.steps.sync import sync

SourceFactory = Callable[[Profile], Source]
PortFactory = Callable[[Profile, ProfilePaths, "Path | None"], SagePort]


def platform_source(profile: Profile) -> Source:
    """The OOTI client of the profile: API token or password from the keyring or the environment."""
    from sagesync.sources.ooti.factory import ooti_client_for

    return ooti_client_for(profile)


def writeback_action(profile: Profile, source: Source) -> WritebackAction:
    if profile.writeback.mode == "off":
        return LedgerOnlyWriteback()
    from sagesync.sources.ooti.client import OotiClient
    from sagesync.sources.ooti.writeback import PatchFieldWriteback

    if not isinstance(source, OotiClient):
        raise ConfigurationError(_("{setting} is patch_field but the source is not the platform: set it to "
                                   "off").format(setting=f"profiles.{profile.name}.writeback.mode"))
    action: WritebackAction = PatchFieldWriteback(source, profile.writeback.field)
    return action


# Sources by the profile's platform.kind, ports by its sage_target: a new platform or a new way into
# Sage (an Objets Métiers agent) is one more entry, not a change to the job.
SOURCES: dict[str, SourceFactory] = {"ooti": platform_source}


def source_for(profile: Profile) -> Source:
    return SOURCES[profile.platform.kind](profile)


def embedded_port(profile: Profile, paths: ProfilePaths, base: Path | None) -> SagePort:
    from sagesync.sage.embedded_port import EmbeddedCompany

    company_path = profile.embedded_company_path(base)
    if company_path is None:
        raise ConfigurationError(_("{setting} is embedded but sage_location is not an embedded company: set "
                                   "sage_target = \"file\"").format(setting=f"profiles.{profile.name}.sage_target"))
    return EmbeddedCompany(company_path, profile.mapping())


def import_file_port(profile: Profile, paths: ProfilePaths, base: Path | None) -> SagePort:
    from sagesync.sage.company import open_company
    from sagesync.sage.file_port import ImportFile
    from sagesync.sage.flagfile.layouts import FORMAT_V31, FormatProfile

    fmt = FormatProfile.from_dict(profile.sage_format) if profile.sage_format else FORMAT_V31
    company_path = profile.embedded_company_path(base)
    readable = company_path is not None or profile.location_kind is LocationKind.SQL_SERVER
    location = str(company_path) if company_path is not None else profile.sage_location
    port_class = ImportFile
    if not readable and profile.sage_export:
        class ReadThroughItsExport(ImportFile):
            """A .mae company: what Sage holds is read in its latest export (made after the import)."""

            def held(self, references: Collection[str], connection: Connection | None = None) -> set[str] | None:
                return export_held_references(profile, references)

        port_class = ReadThroughItsExport
    return port_class(profile.sage_company, profile.mapping(), paths.outbox,
                      lambda: company_reference_for(profile, base), fmt,
                      (lambda: open_company(location)) if readable else None)


PORTS: dict[str, PortFactory] = {"embedded": embedded_port, "file": import_file_port}


def port_for(profile: Profile, paths: ProfilePaths, base: Path | None = None) -> SagePort:
    return PORTS[profile.target](profile, paths, base)


def company_identity(profile: Profile, base: Path | None = None) -> str:
    return company_key(profile.sage_location, profile.embedded_company_path(base))


def company_lock(profile: Profile, step: str, base: Path | None = None) -> CompanyLock:
    """The lock of the profile's company, shared by every profile that names the same company."""
    return CompanyLock(data_dir() / "locks", profile.sage_company, step, key=company_identity(profile, base),
                       profile=profile.name)


LEDGER_URL_VARIABLE = "SAGESYNC_LEDGER_URL"


def ledger_url_for(profile: Profile) -> str | None:
    """Where the profile's ledger lives: its ``ledger_url``, else ``SAGESYNC_LEDGER_URL``; None: the SQLite file."""
    if profile.ledger_url:
        return profile.ledger_url
    raw = os.environ.get(LEDGER_URL_VARIABLE, "").strip()
    if not raw:
        return None
    problem = validation.ledger_url_problem(raw)
    if problem is not None:
        raise ConfigurationError(f"{LEDGER_URL_VARIABLE} {problem}")
    return raw


def open_ledger(profile: Profile, paths: ProfilePaths | None = None) -> Ledger:
    """The profile's ledger: its SQLite file, or its schema in the PostgreSQL database of the ledger URL.

    An embedded company shares the ledger's SQLite transaction: with a PostgreSQL ledger it is refused here,
    before anything is opened.
    """
    url = ledger_url_for(profile)
    if url is not None and profile.target == "embedded":
        raise shared_transaction_refused(f"profiles.{profile.name}")
    path = (paths or profile_paths(profile.name)).ledger
    return Ledger(path, profile=profile.name, url=url)


def desk_for(profile: Profile, ledger: Ledger, port: SagePort, base: Path | None = None) -> DeliveryDesk:
    return DeliveryDesk(ledger, port, profile.sage_company, analytic_plan=profile.analytic_plan,
                        company_key=company_identity(profile, base), company_label=profile.sage_company)


@dataclass
class Job:
    profile: Profile
    paths: ProfilePaths
    context: StepContext

    def run(self, step: str) -> list[RunReport]:
        ledger = self.context.desk.ledger
        if not ledger.is_postgres:
            return self._run(step)
        try:
            return self._run(step)
        except DBAPIError as error:
            # The ledger's PostgreSQL went away mid-run (a restart, the network): each batch is one transaction,
            # so the run is tried again (exit 3, the queue's retry), never reported as a bug. Only the ledger
            # speaks psycopg here: the Sage company is SQLite or SQL Server.
            import psycopg

            lost = isinstance(error.orig, psycopg.OperationalError | psycopg.InterfaceError)
            if lost or error.connection_invalidated:
                raise unreachable(ledger.url or "", ledger.schema, error) from None
            raise

    def _run(self, step: str) -> list[RunReport]:
        if step == "sync":
            return sync(self.context)
        if step == "preview":  # the console's « Aperçu »: sync --dry-run
            from sagesync.steps.invoices import check_invoices

            return [check_invoices(self.context, preview=True)]
        if step == "post_preview":  # post exactly the latest preview
            from sagesync.steps.invoices import pull_invoices
            from sagesync.steps.preview import latest_preview, read_preview

            self.context.preview = read_preview(latest_preview(self.paths.reports), self.profile.sage_company)
            return [pull_invoices(self.context)]
        return [step_named(step).run(self.context)]


@contextmanager
def open_job(profile: Profile, *, events: EventSink = no_events, source_factory: SourceFactory = source_for,
             step: str = "sync", base: Path | None = None) -> Iterator[Job]:
    """Lock the company, open the ledger and the way into Sage, and check that they agree before any write."""
    paths = profile_paths(profile.name).create()
    with ExitStack() as stack:
        stack.enter_context(company_lock(profile, step, base))
        ledger = open_ledger(profile, paths)
        stack.callback(ledger.dispose)
        port = port_for(profile, paths, base)
        stack.callback(port.close)
        desk = desk_for(profile, ledger, port, base)
        desk.verify()
        source = source_factory(profile)
        stack.callback(source.close)
        context = StepContext(company=profile.sage_company, mapping=profile.mapping(),
                              period_start=profile.period_start, source=source, desk=desk,
                              reports_dir=paths.reports, writeback=writeback_action(profile, source), events=events,
                              cash=cash_settings_for(profile),
                              settlement_sender=settlement_sender_for(profile, source))
        yield Job(profile, paths, context)


def settlement_sender_for(profile: Profile, source: Source) -> SettlementSender | None:
    """The return flow's sender when the profile sends settlements matched in Sage to the platform."""
    if profile.payments is None or not profile.payments.to_platform:
        return None
    from sagesync.sources.ooti.client import OotiClient
    from sagesync.sources.ooti.writeback import PaymentWriteback

    if not isinstance(source, OotiClient):
        raise ConfigurationError(_("payments.direction sends settlements to the platform, but the source of profile "
                                   "{profile} cannot create payments").format(profile=profile.name))
    return PaymentWriteback(source)


def cash_settings_for(profile: Profile) -> CashSettings | None:
    """The cash side's settings when the profile posts the platform's payments; None otherwise."""
    payments = profile.payments
    if payments is None or not payments.to_sage:
        return None
    return CashSettings(bank_journal=payments.bank_journal, bank_account=payments.bank_account,
                        exchange_loss_account=payments.exchange_loss, exchange_gain_account=payments.exchange_gain,
                        bank_accounts=dict(payments.bank_accounts),
                        vat_in_payment_entry=payments.vat_transfer == "in_payment",
                        transfer_journal=payments.transfer_journal,
                        period_start=profile.period_start, closed_until=payments.closed_until)


# --- reading the company and exporting, outside a run ----------------------------------------


def company_reference_for(profile: Profile, base: Path | None = None) -> CompanyReference:
    """The company's reference data through the profile's reader (embedded or SQL Server)."""
    from sagesync.sage.company import open_company
    from sagesync.sage.reader import read_company_reference

    path = profile.embedded_company_path(base)
    if path is None and profile.location_kind is LocationKind.MAE_FILE:
        if not profile.sage_export:
            raise ConfigurationError(
                _("{setting} is empty: a .mae company cannot be read from here, so sagesync reads a Sage export of "
                  "its settings instead (in Sage: Fichier > Exporter > Format Sage, with the chart of accounts, tax "
                  "codes, journals, analytic plans, tiers and sections)").format(
                    setting=f"profiles.{profile.name}.sage_export"))
        from sagesync.sage.export_reader import read_export_reference

        return read_export_reference(Path(profile.sage_export), journal=profile.sales_journal,
                                     plan=profile.analytic_plan)
    engine = open_company(str(path) if path is not None else profile.sage_location)
    try:
        with engine.connect() as connection:
            return read_company_reference(connection, journal=profile.sales_journal, plan=profile.analytic_plan)
    except OperationalError as error:
        raise SageUnreachableError(_("Sage company {company} cannot be read at {place}: {error}").format(
            company=profile.sage_company, place=path or _("its SQL Server"),
            error=type(error.orig).__name__)) from None
    finally:
        engine.dispose()


def fec_source_for(profile_name: str, source: str) -> FecEntrySource:
    """What `sagesync export fec` reads: the ledger of record, or the whole embedded company."""
    from sagesync.fec.ledger_source import LedgerFecSource
    from sagesync.profiles.store import ProfileStore

    profile = ProfileStore().get(profile_name)
    if source == "company":
        from sagesync.fec.company_source import CompanyFecSource
        from sagesync.sage.company import open_company

        path = profile.embedded_company_path()
        if path is None:
            raise ConfigurationError(_("--source company exports the embedded company only; profile {profile} "
                                       "points at {location}").format(profile=profile_name,
                                                                      location=profile.sage_location))
        return CompanyFecSource(open_company(str(path)), siren=profile.siren or "")
    ledger = open_ledger(profile)
    return LedgerFecSource(ledger, profile.sage_company, company_reference_for(profile), profile.siren or "")


def export_fec(profile: Profile, start: date, end: date, *, output: Path | None = None,
               options: FecOptions | None = None) -> Path:
    """Write the FEC (and its description) of what sagesync posted for ``profile`` between two dates."""
    from sagesync.fec.export import export_fec_file

    if not profile.siren:
        raise ConfigurationError(_("{setting} is empty: the FEC file is named after the company's SIREN (9 "
                                   "digits)").format(setting=f"profiles.{profile.name}.siren"))
    folder = output or profile_paths(profile.name).folder / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    source = fec_source_for(profile.name, "ledger")
    try:
        return export_fec_file(source, start, end, folder, options=options).path
    finally:
        source.close()


def platform_probe_for(profile: Profile) -> PlatformAnswer:
    """Log in to the platform and list the organizations and teams the login sees."""
    from sagesync.profiles.check import platform_answer_from_whoami
    from sagesync.sources.ooti.factory import ooti_client_for

    client = ooti_client_for(profile)
    try:
        me, organizations = client.whoami()
        answer = platform_answer_from_whoami(me, organizations, profile.platform.email)
        if profile.platform.organization_id is not None and profile.platform.team_id is not None:
            answer = replace(answer, sample=_sample_document(client))
        return answer
    finally:
        client.close()


def _sample_document(source: Source) -> tuple[bool, str] | None:
    """Read one document as a sync would, and say what came out: the proof that the field names fit."""
    from sagesync.sources.base import Rejected

    first = next(iter(source.documents()), None)
    if first is None:
        return None
    if isinstance(first, Rejected):
        return False, f"{first.label}: " + "; ".join(f"{finding.field} {finding.message}" for finding in first.findings)
    return True, (_("{document} of {date}: HT {net}, TVA {vat}, TTC {gross} {currency}").format(
        document=first.display_name, date=f"{first.issue_date:%d/%m/%Y}", net=first.total_excl_vat,
        vat=first.total_vat, gross=first.total_incl_vat, currency=first.currency)
        + (", " + ngettext("{count} line", "{count} lines", len(first.lines)).format(count=len(first.lines))
           if first.lines else "")
        + (", " + _("changed {when}").format(when=f"{first.updated_at:%d/%m/%Y %H:%M}") if first.updated_at else ""))


def check_connections(profile: Profile) -> list[CheckLine]:
    """`profile check`: the Sage company's set-up and the platform login, organization and team."""
    from sagesync.profiles.check import check_profile

    return check_profile(profile, company_reference=lambda: company_reference_for(profile),
                         platform_probe=lambda: platform_probe_for(profile))


# --- the file target's follow-up: learned format, confirmation, re-issue ------------------------


def store_learned_format(profile_name: str, learned: dict[str, object]) -> None:
    """`sage learn-format --profile`: keep the format learned from the user's own Sage export."""
    from sagesync.profiles.store import ProfileStore

    store = ProfileStore()
    store.update(store.get(profile_name).model_copy(update={"sage_format": learned}))


def confirm_written(profile: Profile) -> tuple[int, int]:
    """`sage confirm`: mark delivered pieces Sage now holds as confirmed; returns (confirmed, still waiting).

    Sage is read by SQL (the embedded company, SQL Server); a .mae company through a Sage export made after
    the import, with its entries (``sage_export``): the pieces it holds carry their source reference.
    """
    path = profile.embedded_company_path()
    if profile.location_kind is LocationKind.MAE_FILE:
        if not profile.sage_export:
            raise ConfigurationError(_("{setting} is empty: a .mae company cannot be read from here, so the imported "
                                       "pieces are found in a Sage export made after the import (in Sage: Fichier > "
                                       "Exporter > Format Sage, with the entries); name it with `{command}`").format(
                setting=f"profiles.{profile.name}.sage_export",
                command=f"sagesync profile edit {profile.name} --sage-export FILE"))
    elif path is None and profile.location_kind is not LocationKind.SQL_SERVER:
        raise ConfigurationError(_("{setting}: confirming needs read access to the company's SQL database "
                                   "(sage_location = mssql+pyodbc://...); without it, check the import in "
                                   "Sage").format(setting=f"profiles.{profile.name}"))
    paths = profile_paths(profile.name).create()
    with company_lock(profile, "confirm"), _desk(profile, paths) as desk:
        try:
            answer = desk.confirm()
        except OperationalError as error:
            raise SageUnreachableError(_("Sage company {company} cannot be read: {error}").format(
                company=profile.sage_company, error=type(error.orig).__name__)) from None
        return answer if answer is not None else (0, 0)


def export_held_references(profile: Profile, references: Collection[str]) -> set[str]:
    """The ``references`` whose pieces the profile's Sage export holds (a .mae company, after its import)."""
    from sagesync.sage.flagfile.layouts import FormatProfile
    from sagesync.sage.flagfile.parser import parse_flag_file, pieces

    export = Path(profile.sage_export or "")
    try:
        parsed = parse_flag_file(export)
    except OSError as error:
        raise ConfigurationError(_("the Sage export {path} cannot be read ({error}): export the company again "
                                   "(Fichier > Exporter > Format Sage, with the entries) or fix {setting}").format(
            path=export, error=type(error).__name__, setting=f"profiles.{profile.name}.sage_export")) from None
    learned = FormatProfile.from_dict(profile.sage_format) if profile.sage_format else None
    fmt = learned if learned is not None and learned.version == parsed.version else None
    held = {piece.reference for piece in pieces(parsed, fmt, str(export)) if piece.reference}
    return held & set(references)


@contextmanager
def _desk(profile: Profile, paths: ProfilePaths) -> Iterator[DeliveryDesk]:
    ledger = open_ledger(profile, paths)
    try:
        port = port_for(profile, paths)
        try:
            yield desk_for(profile, ledger, port)
        finally:
            port.close()
    finally:
        ledger.dispose()


def reissue_file(profile: Profile, run_id: int) -> Path:
    """`sage reissue RUN`: write a run's import file again from the ledger, on explicit request.

    Only the pieces Sage does not hold yet (delivered, not confirmed): a piece confirmed in
    Sage is left out, so re-importing the file cannot post it twice.
    """
    if profile.target != "file":
        raise ConfigurationError(_("{setting} posts into the embedded company: there is no import file to "
                                   "re-issue").format(setting=f"profiles.{profile.name}"))
    paths = profile_paths(profile.name).create()
    with company_lock(profile, "reissue"), _desk(profile, paths) as desk:
        return Path(desk.redeliver(run_id).outputs["import file"])


def rebuild_ledger(profile: Profile, base: Path | None = None) -> RebuildResult:
    """`sagesync ledger rebuild`: reconstruct the profile's ledger from the company (or its import files)."""
    from sagesync.ledger.rebuild import rebuild

    paths = profile_paths(profile.name).create()
    url = ledger_url_for(profile)
    if url is not None and profile.target == "embedded":
        raise shared_transaction_refused(f"profiles.{profile.name}")
    with company_lock(profile, "ledger rebuild", base):
        port = port_for(profile, paths, base)
        try:
            return rebuild(paths.ledger, port, profile.sage_company, company_identity(profile, base),
                           profile.sage_company, url=url, profile=profile.name)
        finally:
            port.close()
