"""The message an unattended run sends: pure, from its outcome and the alert settings.

One message per run (or per silence, for a schedule that has not succeeded for too long), in the
alerts' language (French by default): what happened, what to fix (each document with its fix,
or the error with what to do), and the link to the console. The same message goes by e-mail
(subject and text) and by webhook (the JSON ``payload``, which holds the text too).

Never a secret: the outcome holds none by construction (classified messages, no settings), and
``scrub`` removes what looks like one anyway (a password in a URL, a ``token=`` in a query).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sagesync.i18n import _, language, ngettext
from sagesync.profiles.unattended import DEFAULT_TIMEZONE, AlertSettings, ScheduleSettings
from sagesync.unattended.outcome import Outcome
from sagesync.unattended.schedule import describe

FORMAT = "sagesync-alert/1"
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
_SECRET_PARAMETER = re.compile(r"(?i)\b([\w-]*(?:password|passwd|pwd|secret|token|key|signature)[\w-]*=)[^&\s\"']+")
_BEARER = re.compile(r"(?i)\b(bearer|jwt|basic)\s+[A-Za-z0-9._~+/=-]{8,}")


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str
    payload: dict[str, Any]


def scrub(text: str) -> str:
    """``text`` with anything shaped like a secret replaced by ``***``."""
    text = _USERINFO.sub(r"\1***@", text)
    text = _SECRET_PARAMETER.sub(r"\1***", text)
    return _BEARER.sub(r"\1 ***", text)


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _scrubbed(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item) for item in value]
    return value


def _when(moment: datetime, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%d/%m/%Y %H:%M}"


def console_link(settings: AlertSettings, profile: str, page: str = "findings") -> str | None:
    if settings.console_url is None:
        return None
    return f"{settings.console_url}/company/{profile}" + (f"/{page}" if page else "")


def _where_to_look(settings: AlertSettings, profile: str, page: str) -> str:
    link = console_link(settings, profile, page)
    if link is not None:
        return _("Open the console: {link}").format(link=link)
    return _("Open the console (`sagesync console`), company {profile}, or run `sagesync check --profile "
             "{profile}` for the report.").format(profile=profile)


def _failure_advice(outcome: Outcome) -> str:
    if outcome.error_code == "configuration":
        return _("Correct the profile (`sagesync profile edit {profile}` or the console), then run `sagesync sync "
                 "--profile {profile}` once to check; the schedule goes on by itself.").format(profile=outcome.profile)
    if outcome.error_code == "unreachable":
        return _("The platform or the Sage company could not be reached. Nothing was posted twice; the next scheduled "
                 "run tries again. If it lasts, check the network, the Sage server and the platform login.")
    if outcome.error_code == "internal":
        return _("This is a bug in sagesync, not a problem with your data: send the log file named above to "
                 "support. The next scheduled run tries again.")
    return _("The next scheduled run tries again; if this message comes back, run `sagesync sync --profile {profile}` "
             "by hand and read what it says.").format(profile=outcome.profile)


def _subject(outcome: Outcome) -> str:
    parts: list[str] = []
    if outcome.status == "failed":
        parts.append(_("sync failed"))
    if outcome.changed:
        parts.append(ngettext("{count} posted document changed", "{count} posted documents changed",
                              outcome.changed).format(count=outcome.changed))
    if outcome.to_fix:
        parts.append(ngettext("{count} document to fix", "{count} documents to fix", outcome.to_fix).format(
            count=outcome.to_fix))
    if outcome.records_to_fix:
        parts.append(ngettext("{count} client or project to fix", "{count} clients or projects to fix",
                              outcome.records_to_fix).format(count=outcome.records_to_fix))
    return f"[sagesync] {outcome.company} ({outcome.profile}): " + ", ".join(parts)


def compose_run_alert(outcome: Outcome, settings: AlertSettings, *,
                      schedule: ScheduleSettings | None = None) -> Message | None:
    """The message after ``outcome``, or None when nothing in it is an event the settings ask for."""
    events = [event for event in outcome.events if event in settings.events]
    if not events:
        return None
    timezone = schedule.timezone if schedule is not None else DEFAULT_TIMEZONE
    with language(settings.language):
        subject = _subject(outcome)
        lines = [_("Company {company} (profile {profile}), run of {when}.").format(
            company=outcome.company, profile=outcome.profile, when=_when(outcome.started_at, timezone))]
        if schedule is not None:
            lines.append(_("Schedule: {schedule}.").format(schedule=describe(schedule)))
        lines.append("")
        if outcome.status == "failed":
            lines += [_("The run stopped: {error}").format(error=outcome.error), "", _failure_advice(outcome), ""]
        else:
            lines.append(ngettext("{count} entry posted.", "{count} entries posted.", outcome.posted).format(
                count=outcome.posted))
        changed = [problem for problem in outcome.problems if problem.kind == "changed"]
        blocked = [problem for problem in outcome.problems if problem.kind == "blocked"]
        if outcome.changed and "changed" in events:
            lines += ["", ngettext(
                "{count} document changed on the platform after it was posted: the books keep the posted piece.",
                "{count} documents changed on the platform after they were posted: the books keep the posted pieces.",
                outcome.changed).format(count=outcome.changed)]
            lines += _listed(changed, settings.max_listed)
        if (outcome.to_fix or outcome.records_to_fix) and "blocked" in events:
            lines += ["", ngettext("{count} document is not posted until you fix it:",
                                   "{count} documents are not posted until you fix them:",
                                   outcome.to_fix + outcome.records_to_fix).format(
                count=outcome.to_fix + outcome.records_to_fix)]
            lines += _listed(blocked, settings.max_listed)
            lines.append(_("Once fixed, the next run posts them by itself."))
        page = "runs" if outcome.status == "failed" else "findings"
        lines += ["", _where_to_look(settings, outcome.profile, page)]
        text = scrub("\n".join(lines).strip() + "\n")
        payload = _scrubbed({
            "format": FORMAT, "kind": "run", "events": events, "profile": outcome.profile,
            "company": outcome.company, "status": outcome.status, "trigger": outcome.trigger,
            "started_at": outcome.started_at.isoformat(), "finished_at": outcome.finished_at.isoformat(),
            "posted": outcome.posted, "to_fix": outcome.to_fix, "records_to_fix": outcome.records_to_fix,
            "changed": outcome.changed, "run_ids": list(outcome.run_ids),
            "problems": [{"kind": problem.kind, "document": problem.document, "message": problem.message,
                          "fix": problem.fix} for problem in outcome.problems[:settings.max_listed]],
            "error": ({"code": outcome.error_code, "message": outcome.error, "exit_code": outcome.exit_code}
                      if outcome.status == "failed" else None),
            "console_url": console_link(settings, outcome.profile, page),
            "subject": subject, "text": text, "language": settings.language,
        })
    return Message(scrub(subject), text, payload)


def _listed(problems: list[Any], limit: int) -> list[str]:
    lines = [f"- {problem.document}: {problem.message}\n  " + _("Fix: {fix}").format(fix=problem.fix)
             for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(_("... and {count} more (all of them in the console and the check report).").format(
            count=len(problems) - limit))
    return lines


def compose_stale_alert(profile: str, company: str, since: datetime, hours: int, last: Outcome | None,
                        settings: AlertSettings, now: datetime, *,
                        schedule: ScheduleSettings | None = None) -> Message | None:
    """The message for a schedule that has not succeeded for more than ``hours``."""
    if "stale" not in settings.events:
        return None
    timezone = schedule.timezone if schedule is not None else DEFAULT_TIMEZONE
    with language(settings.language):
        subject = "[sagesync] " + _("{company} ({profile}): no successful sync for more than {hours} h").format(
            company=company, profile=profile, hours=hours)
        lines = [_("No scheduled sync of company {company} (profile {profile}) has succeeded since {since}.").format(
            company=company, profile=profile, since=_when(since, timezone))]
        if schedule is not None:
            lines.append(_("Schedule: {schedule}.").format(schedule=describe(schedule)))
        lines.append("")
        if last is None:
            lines.append(_("No run at all: check that `sagesync serve` (or `sagesync worker`) is running on the "
                           "machine that should run it, and that it starts with the machine (see the README)."))
        elif last.status in ("failed", "busy"):
            lines += [_("The last run, {when}, stopped: {error}").format(when=_when(last.started_at, timezone),
                                                                        error=last.error), "",
                      _failure_advice(last)]
        else:
            lines.append(_("The last run was {when}. Check that `sagesync serve` (or `sagesync worker`) is still "
                           "running.").format(when=_when(last.started_at, timezone)))
        lines += ["", _where_to_look(settings, profile, "runs")]
        text = scrub("\n".join(lines).strip() + "\n")
        payload = _scrubbed({
            "format": FORMAT, "kind": "stale", "events": ["stale"], "profile": profile, "company": company,
            "since": since.isoformat(), "alert_after_hours": hours, "checked_at": now.isoformat(),
            "last": ({"status": last.status, "started_at": last.started_at.isoformat(), "error": last.error or None}
                     if last is not None else None),
            "console_url": console_link(settings, profile, "runs"), "subject": subject, "text": text,
            "language": settings.language,
        })
    return Message(scrub(subject), text, payload)
