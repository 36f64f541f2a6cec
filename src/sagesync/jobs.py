"""From a profile to a running job: the adapters a step needs, and the company lock.

This is the Python API the CLI and the console share::

    with open_job(profile) as job:
        reports = job.run("sync")

Opening a job takes the company lock (one run per company at a time) before
anything is read or written; closing it releases the lock and the connections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy.exc import OperationalError

from sagesync.core.reference import CompanyReference
from sagesync.errors import ConfigurationError, SageUnreachableError
from sagesync.exports.fec import FecEntrySource, FecOptions
from sagesync.ledger.lock import CompanyLock
from sagesync.ledger.store import Ledger
from sagesync.profiles.check import CheckLine, PlatformAnswer
from sagesync.profiles.model import LocationKind, Profile
from sagesync.profiles.paths import ProfilePaths, profile_paths
from sagesync.sage.embedded_target import EmbeddedTarget
from sagesync.sources.base import Source
from sagesync.steps.context import LedgerOnlyWriteback, StepContext, Target, WritebackAction
from sagesync.steps.events import EventSink, RunReport, no_events
from sagesync.steps.sync import STEPS, sync

SourceFactory = Callable[[Profile], Source]


def platform_source(profile: Profile) -> Source:
    """The OOTI client of the profile, with its password from the keyring or the environment."""
    from sagesync.profiles.secrets import resolve_secret
    from sagesync.sources.ooti.client import OotiClient
    from sagesync.sources.ooti.payloads import DEFAULT_FIELDS

    platform = profile.platform
    if not platform.email:
        raise ConfigurationError(f"profiles.{profile.name}.platform.email is empty: set the platform login e-mail")

    fields = replace(DEFAULT_FIELDS, missing_line_kind=platform.line_kind_when_missing)
    return OotiClient(platform.base_url, platform.email, resolve_secret(profile.name, "platform"),
                      platform.organization_id, platform.team_id, fields=fields)


def writeback_action(profile: Profile, source: Source) -> WritebackAction:
    if profile.writeback.mode == "off":
        return LedgerOnlyWriteback()
    from sagesync.sources.ooti.client import OotiClient
    from sagesync.sources.ooti.writeback import PatchFieldWriteback

    if not isinstance(source, OotiClient):
        raise ConfigurationError(f"profiles.{profile.name}.writeback.mode is patch_field but the source "
                                 "is not the platform: set it to off")
    action: WritebackAction = PatchFieldWriteback(source, profile.writeback.field)
    return action


def make_target(profile: Profile, ledger: Ledger, paths: ProfilePaths, base: Path | None) -> Target:
    company_path = profile.embedded_company_path(base)
    if profile.target == "embedded" and company_path is not None:
        return EmbeddedTarget(company_path, ledger, profile.mapping())
    from sagesync.sage.file_target import FileTarget
    from sagesync.sage.flagfile.layouts import FORMAT_V31, FormatProfile

    fmt = FormatProfile.from_dict(profile.sage_format) if profile.sage_format else FORMAT_V31
    return FileTarget(profile.sage_company, profile.mapping(), ledger, paths.outbox,
                      lambda: company_reference_for(profile, base), fmt)


@dataclass
class Job:
    profile: Profile
    paths: ProfilePaths
    context: StepContext

    def run(self, step: str) -> list[RunReport]:
        if step == "sync":
            return sync(self.context)
        try:
            return [STEPS[step](self.context)]
        except KeyError:
            raise ConfigurationError(f"unknown step {step}: expected one of sync, {', '.join(STEPS)}") from None


@contextmanager
def open_job(profile: Profile, *, events: EventSink = no_events, source_factory: SourceFactory = platform_source,
             step: str = "sync", base: Path | None = None) -> Iterator[Job]:
    paths = profile_paths(profile.name).create()
    with ExitStack() as stack:
        stack.enter_context(CompanyLock(paths.folder, profile.sage_company, step))
        ledger = Ledger(paths.ledger)
        stack.callback(ledger.dispose)
        target = make_target(profile, ledger, paths, base)
        stack.callback(target.dispose)
        source = source_factory(profile)
        stack.callback(source.close)
        context = StepContext(company=profile.sage_company, mapping=profile.mapping(),
                              period_start=profile.period_start, source=source, ledger=ledger, target=target,
                              reports_dir=paths.reports, writeback=writeback_action(profile, source), events=events)
        yield Job(profile, paths, context)


# --- reading the company and exporting, outside a run ----------------------------------------


def company_reference_for(profile: Profile, base: Path | None = None) -> CompanyReference:
    """The company's reference data through the profile's reader (embedded or SQL Server)."""
    from sagesync.sage.company import open_company
    from sagesync.sage.reader import read_company_reference

    path = profile.embedded_company_path(base)
    if path is None and profile.location_kind is LocationKind.MAE_FILE:
        if not profile.sage_export:
            raise ConfigurationError(
                f"profiles.{profile.name}.sage_export is empty: a .mae company cannot be read from here, so "
                "sagesync reads a Sage export of its settings instead (in Sage: Fichier > Exporter > Format "
                "Sage, with the chart of accounts, tax codes, journals, analytic plans, tiers and sections)")
        from sagesync.sage.export_reader import read_export_reference

        return read_export_reference(Path(profile.sage_export), journal=profile.sales_journal,
                                     plan=profile.analytic_plan)
    engine = open_company(str(path) if path is not None else profile.sage_location)
    try:
        with engine.connect() as connection:
            return read_company_reference(connection, journal=profile.sales_journal, plan=profile.analytic_plan)
    except OperationalError as error:
        raise SageUnreachableError(f"Sage company {profile.sage_company} cannot be read at "
                                   f"{path or 'its SQL Server'}: {type(error.orig).__name__}") from None
    finally:
        engine.dispose()


def fec_source_for(profile_name: str, source: str) -> FecEntrySource:
    """What `sagesync export fec` reads: the ledger of record, or the whole embedded company."""
    from sagesync.ledger.fec_source import LedgerFecSource
    from sagesync.profiles.store import ProfileStore

    profile = ProfileStore().get(profile_name)
    if source == "company":
        from sagesync.exports.fec_company import CompanyFecSource
        from sagesync.sage.company import open_company

        path = profile.embedded_company_path()
        if path is None:
            raise ConfigurationError("--source company exports the embedded company only; "
                                     f"profile {profile_name} points at {profile.sage_location}")
        return CompanyFecSource(open_company(str(path)), siren=profile.siren or "")
    ledger = Ledger(profile_paths(profile.name).ledger)
    return LedgerFecSource(ledger, profile.sage_company, company_reference_for(profile), profile.siren or "")


def export_fec(profile: Profile, start: date, end: date, *, output: Path | None = None,
               options: FecOptions | None = None) -> Path:
    """Write the FEC (and its description) of what sagesync posted for ``profile`` between two dates."""
    from sagesync.exports.fec_export import export_fec_file

    if not profile.siren:
        raise ConfigurationError(f"profiles.{profile.name}.siren is empty: the FEC file is named after the "
                                 "company's SIREN (9 digits)")
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
    from sagesync.profiles.secrets import resolve_secret
    from sagesync.sources.ooti.client import OotiClient

    client = OotiClient(profile.platform.base_url, profile.platform.email, resolve_secret(profile.name, "platform"),
                        profile.platform.organization_id, profile.platform.team_id)
    try:
        me, organizations = client.whoami()
        return platform_answer_from_whoami(me, organizations, profile.platform.email)
    finally:
        client.close()


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
    """`sage confirm`: mark written pieces Sage now holds as in Sage; returns (confirmed, still waiting)."""
    from sagesync.sage.company import open_company
    from sagesync.sage.file_target import confirm_in_sage

    path = profile.embedded_company_path()
    if path is None and profile.location_kind is not LocationKind.SQL_SERVER:
        raise ConfigurationError(f"profiles.{profile.name}: confirming needs read access to the company's SQL "
                                 "database (sage_location = mssql+pyodbc://...); without it, check the import in Sage")
    paths = profile_paths(profile.name)
    engine = open_company(str(path) if path is not None else profile.sage_location)
    with CompanyLock(paths.folder, profile.sage_company, "confirm"):
        ledger = Ledger(paths.ledger)
        try:
            with engine.connect() as sage:
                return confirm_in_sage(ledger, profile.sage_company, sage, profile.sales_journal)
        except OperationalError as error:
            raise SageUnreachableError(f"Sage company {profile.sage_company} cannot be read: "
                                       f"{type(error.orig).__name__}") from None
        finally:
            ledger.dispose()
            engine.dispose()


def reissue_file(profile: Profile, run_id: int) -> Path:
    """`sage reissue RUN`: write a run's import file again from the ledger, on explicit request."""
    from sagesync.sage.file_target import FileTarget

    paths = profile_paths(profile.name).create()
    with CompanyLock(paths.folder, profile.sage_company, "reissue"):
        ledger = Ledger(paths.ledger)
        try:
            target = make_target(profile, ledger, paths, None)
            if not isinstance(target, FileTarget):
                raise ConfigurationError(f"profiles.{profile.name} posts into the embedded company: "
                                         "there is no import file to re-issue")
            return target.reissue(run_id)
        finally:
            ledger.dispose()
