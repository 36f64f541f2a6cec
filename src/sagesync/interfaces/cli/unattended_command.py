"""``sagesync schedule``, ``serve`` and ``alerts``: syncs that run by themselves, and who is told.

    sagesync schedule [--count 3] [--json]           the next runs of every profile, and the last one
    sagesync serve [--once] [--no-catch-up]          run the due syncs on this machine until Ctrl-C / SIGTERM
    sagesync alerts set-secret smtp|webhook [--profile NAME] [--stdin]
    sagesync alerts test --profile NAME              send a test message through every channel
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sagesync.errors import ConfigurationError, SagesyncError
from sagesync.i18n import N_, _
from sagesync.profiles.model import Profile

if TYPE_CHECKING:
    from sagesync.unattended.runner import RunResult

_console = Console()
_errors = Console(stderr=True)

STATUS_WORDS = {"ok": N_("ok"), "blocked": N_("to fix"), "failed": N_("failed"), "busy": N_("company busy")}


def status_word(status: str) -> str:
    label = STATUS_WORDS.get(status)
    return _(label) if label else status


def _local(moment: datetime, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%a %d/%m/%Y %H:%M}"


def _schedule_rows(count: int) -> list[dict[str, Any]]:
    from sagesync.profiles.store import ProfileStore
    from sagesync.unattended.notify import alert_settings_for
    from sagesync.unattended.schedule import describe, next_runs
    from sagesync.unattended.state import StateStore

    now = datetime.now(UTC)
    states = StateStore()
    rows: list[dict[str, Any]] = []
    for listing in ProfileStore().listing():
        profile = listing.profile
        if profile is None:
            rows.append({"profile": listing.name, "problem": listing.problem})
            continue
        row: dict[str, Any] = {"profile": profile.name, "company": profile.sage_company}
        schedule = profile.schedule
        row["schedule"] = describe(schedule) if schedule else None
        row["timezone"] = schedule.timezone if schedule else "Europe/Paris"
        row["next_runs"] = [moment.isoformat() for moment in next_runs(schedule, now, count)] if schedule else []
        last = states.load(profile.name).last
        row["last_run"] = ({"started_at": last.started_at.isoformat(), "status": last.status,
                            "posted": last.posted, "to_fix": last.to_fix, "changed": last.changed}
                           if last is not None else None)
        try:
            settings = alert_settings_for(profile)
            row["alerts"] = [name for name in ("email", "webhook") if getattr(settings, name, None) is not None]
        except SagesyncError as error:
            row["alerts"] = []
            row["problem"] = str(error)
        rows.append(row)
    return rows


def schedule(count: Annotated[int, typer.Option("--count", min=1, max=50, help=N_(
                 "How many next runs to show per profile."))] = 3,
             as_json: Annotated[bool, typer.Option("--json", help=N_("Print the schedules as JSON."))] = False) -> None:
    rows = _schedule_rows(count)
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    if not rows:
        _console.print(_("No profile yet: create one with `sagesync profile new NAME`."))
        return
    table = Table(title=_("Schedules"))
    for column in (_("profile"), _("schedule"), _("next runs"), _("last run"), _("alerts")):
        table.add_column(column)
    for row in rows:
        if "company" not in row:
            table.add_row(row["profile"], f"[red]{escape(row['problem'])}[/]", "", "", "")
            continue
        if row["schedule"] is None:
            schedule_text = _("none (add a [profiles.{profile}.schedule] table)").format(profile=row["profile"])
        else:
            schedule_text = row["schedule"]
        upcoming = "\n".join(_local(datetime.fromisoformat(moment), row["timezone"]) for moment in row["next_runs"])
        last = row["last_run"]
        last_text = "" if last is None else (
            f"{_local(datetime.fromisoformat(last['started_at']), row['timezone'])} "
            f"{status_word(last['status'])}")
        alerts = ", ".join(row["alerts"]) or "-"
        if row.get("problem"):
            alerts = f"[red]{escape(row['problem'])}[/]"
        table.add_row(f"{row['profile']}\n{row['company']}", escape(schedule_text), upcoming, last_text, alerts)
    _console.print(table)


def _install_stop(server_stop: Callable[[], None]) -> None:
    """Ctrl-C and SIGTERM (SIGBREAK on Windows) ask the loop to stop between runs; a second one stops at once."""
    asked = {"count": 0}

    def handler(signum: int, frame: object) -> None:
        asked["count"] += 1
        if asked["count"] > 1:
            raise KeyboardInterrupt
        _errors.print(_("Stopping after the run under way (press Ctrl-C again to stop now)."))
        server_stop()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, handler)


def said(result: RunResult) -> None:
    """One line per unattended run (and one per alert sent or not)."""
    outcome = result.outcome
    when = f"{outcome.started_at.astimezone():%d/%m/%Y %H:%M}"
    if outcome.status in ("failed", "busy"):
        _console.print(_("{when} {profile}: {status}: {error}").format(
            when=when, profile=outcome.profile, status=status_word(outcome.status),
            error=escape(outcome.error)))
    else:
        _console.print(_("{when} {profile}: {posted} entries posted, {to_fix} documents to fix, {changed} "
                         "changed after posting").format(when=when, profile=outcome.profile,
                                                         posted=outcome.posted, to_fix=outcome.to_fix,
                                                         changed=outcome.changed))
    for delivery in result.deliveries:
        if delivery.sent:
            _console.print(_("  alert sent by {channel}").format(channel=delivery.channel))
        else:
            _console.print(_("  alert NOT sent by {channel}: {problem}").format(
                channel=delivery.channel, problem=escape(delivery.problem)))
    if result.alert_problem:
        _console.print(f"  {escape(result.alert_problem)}")



def serve(once: Annotated[bool, typer.Option("--once", help=N_(
              "Run what is due now (and what was missed), then exit: for a scheduler that starts sagesync itself."))
          ] = False,
          catch_up: Annotated[bool, typer.Option("--catch-up/--no-catch-up", help=N_(
              "At start, run once a profile whose scheduled time passed while sagesync was not running."))] = True
          ) -> None:
    from sagesync.unattended.runner import Runner
    from sagesync.unattended.serve import Server

    def problem(name: str, text: str) -> None:
        _errors.print(_("profile {name} is skipped: {problem}").format(name=name, problem=escape(text)))

    server = Server(Runner(), on_result=said, on_problem=problem, catch_up=catch_up)
    if once:
        server.tick()
        return
    _install_stop(server.stop)
    _console.print(_("sagesync serve: running the schedules of every profile (`sagesync schedule` lists them); "
                     "Ctrl-C stops."))
    try:
        server.run_forever()
    except KeyboardInterrupt:
        _console.print(_("Stopped now; the next run carries on from the ledger."))
        raise typer.Exit(130) from None
    _console.print(_("Stopped."))


QueueUrlOption = Annotated[str | None, typer.Option("--queue-url", help=N_(
    "PostgreSQL URL of the job queue (default: SAGESYNC_QUEUE_URL); its password in PGPASSWORD or ~/.pgpass."))]


def worker(queue_url: QueueUrlOption = None,
           concurrency: Annotated[int, typer.Option(min=1, max=32, help=N_(
               "Company syncs this worker runs at once (each in its own thread)."))] = 1,
           name: Annotated[str | None, typer.Option(help=N_("Name of this worker in the queue (default: the "
                                                            "machine's name)."))] = None,
           heartbeat_seconds: Annotated[float, typer.Option(min=0.1, help=N_(
               "How often this worker says it is alive."))] = 10.0,
           stalled_after: Annotated[float, typer.Option(min=0.5, help=N_(
               "Seconds without news from a worker after which its job is given to another."))] = 30.0) -> None:
    from sagesync.unattended.queue import Queue
    from sagesync.unattended.queue import queue_url as resolve_url

    queue = Queue(resolve_url(queue_url), on_result=said)

    def started() -> None:
        _console.print(_("sagesync worker {name}: running company syncs from the queue; Ctrl-C stops after the sync "
                         "under way.").format(name=name or ""), highlight=False)

    queue.run_worker(name=name, concurrency=concurrency, heartbeat_seconds=heartbeat_seconds,
                     stalled_after=stalled_after, on_start=started)
    _console.print(_("Stopped."))


def enqueue(profile: Annotated[list[str] | None, typer.Option("--profile", "-p", help=N_(
                "Profile to queue (repeat it); without it, every profile with a schedule."))] = None,
            queue_url: QueueUrlOption = None) -> None:
    from sagesync.profiles.store import ProfileStore
    from sagesync.unattended.queue import Queue
    from sagesync.unattended.queue import queue_url as resolve_url
    from sagesync.unattended.serve import scheduled_profiles

    store = ProfileStore()
    profiles = [store.get(name) for name in profile] if profile else scheduled_profiles(store)[0]
    if not profiles:
        raise ConfigurationError(_("no profile to queue: name one with --profile, or give a profile a schedule"))
    queue = Queue(resolve_url(queue_url))
    queue.ensure_schema()
    for name, job in queue.enqueue(profiles):
        if job is None:
            _console.print(_("{profile}: already waiting in the queue").format(profile=name))
        else:
            _console.print(_("{profile}: queued (job {job})").format(profile=name, job=job))


class AlertSecret(StrEnum):
    SMTP = "smtp"
    WEBHOOK = "webhook"


def alerts_set_secret(
    which: Annotated[AlertSecret, typer.Argument(help=N_("smtp (the SMTP password) or webhook (the signing key)."))],
    profile: Annotated[str | None, typer.Option("--profile", "-p", help=N_(
        "The profile whose secret this is; without it, the global alerts file's."))] = None,
    stdin: Annotated[bool, typer.Option("--stdin", help=N_("Read it from standard input."))] = False,
) -> None:
    from sagesync.profiles.secrets import GLOBAL_OWNER, KeyringSecrets, Which, label
    from sagesync.profiles.store import ProfileStore

    kind: Which = "smtp" if which is AlertSecret.SMTP else "webhook"
    owner = profile if profile is not None else GLOBAL_OWNER
    if profile is not None:
        ProfileStore().table(profile)
    if stdin or not sys.stdin.isatty():
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = str(typer.prompt(label(kind).capitalize(), hide_input=True, confirmation_prompt=True, default="",
                                  show_default=False))
    if not secret:
        raise ConfigurationError(_("the {secret} is empty: nothing stored").format(secret=label(kind)))
    KeyringSecrets().set(owner, kind, secret)
    _console.print(_("{secret} stored in the OS keyring ({owner})").format(
        secret=label(kind), owner=profile or _("global alerts file")))


def alerts_test(profile: Annotated[str, typer.Option("--profile", "-p", help=N_("Profile (company) name."))]) -> None:
    from sagesync.profiles.store import ProfileStore
    from sagesync.unattended.compose import compose_run_alert
    from sagesync.unattended.notify import Notifier, alert_settings_for
    from sagesync.unattended.outcome import Outcome, Problem

    chosen: Profile = ProfileStore().get(profile)
    settings = alert_settings_for(chosen)
    if settings is None:
        raise ConfigurationError(_("profile {profile} has no alert settings: add [profiles.{profile}.alerts] to the "
                                   "profiles file, or an alerts.toml beside it").format(profile=profile))
    now = datetime.now(UTC)
    sample = Outcome(chosen.name, chosen.sage_company, now, now, "blocked", to_fix=1, problems=(Problem(
        "blocked", _("test message"), _("This is a test of the alerts of sagesync: nothing was run."),
        _("Nothing to do.")),))
    message = compose_run_alert(sample, settings.model_copy(update={"events": ("blocked",)}))
    assert message is not None
    failed = 0
    for delivery in Notifier().send(settings, message, chosen.name):
        if delivery.sent:
            _console.print(_("test message sent by {channel}").format(channel=delivery.channel))
        else:
            failed += 1
            _console.print(_("test message NOT sent by {channel}: {problem}").format(
                channel=delivery.channel, problem=escape(delivery.problem)))
    if failed:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    app.command("schedule", help=N_("The next runs of every profile's schedule, and how the last one went."))(schedule)
    app.command("serve", help=N_("Run every profile's scheduled syncs on this machine, until Ctrl-C (no other "
                                 "software needed)."))(serve)
    app.command("worker", help=N_("Run company syncs from the PostgreSQL job queue (many workers on many machines "
                                  "share it), and the schedules."))(worker)
    app.command("enqueue", help=N_("Queue a sync of profiles' companies for the workers (a company already waiting "
                                   "is not queued twice)."))(enqueue)
    alerts_app = typer.Typer(help=N_("The alerts sent after unattended runs (e-mail, webhook)."), no_args_is_help=True)
    alerts_app.command("set-secret", help=N_("Store the SMTP password or the webhook signing key in the OS "
                                             "keyring."))(alerts_set_secret)
    alerts_app.command("test", help=N_("Send a test message through every channel of a profile's alerts."))(
        alerts_test)
    app.add_typer(alerts_app, name="alerts")
