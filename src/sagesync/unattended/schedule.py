"""When a profile runs by itself: pure computation on its ``ScheduleSettings``, no clock, no I/O.

Times are read on the wall clock of the schedule's time zone (Europe/Paris by default), so
"02:00" stays 02:00 across daylight saving. The two days a year the clock jumps:

- a time that does not exist (02:30 on the last Sunday of March) runs when the clock has jumped,
  one hour later on the wall (03:30), once;
- a time that happens twice (02:30 on the last Sunday of October) runs once, the first time.

Every answer is an aware ``datetime`` in the schedule's zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from sagesync.i18n import N_, _
from sagesync.profiles.unattended import WEEKDAYS, ScheduleSettings

# Far enough back that a time pushed forward by a clock jump is not missed.
_MARGIN = timedelta(hours=3)
_DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
              N_("Sunday"))


def zone(settings: ScheduleSettings) -> ZoneInfo:
    return ZoneInfo(settings.timezone)


def on_the_wall(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant a wall-clock time names: a missing time moves forward by the jump, a doubled one is the first."""
    first = naive.replace(tzinfo=tz, fold=0)
    back = first.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != naive:  # in the spring gap: fold=0 read it with the winter offset
        return back
    return first


def _wall_times(settings: ScheduleSettings, start: datetime) -> Iterator[datetime]:
    """Naive wall-clock times of the schedule from ``start`` (naive, in the zone) on, increasing."""
    if settings.cron is not None:
        from croniter import croniter

        cron = croniter(settings.cron, start - timedelta(minutes=1))
        while True:
            value = cron.get_next(datetime)
            assert isinstance(value, datetime)
            yield value
    days = {WEEKDAYS.index(day) for day in settings.weekdays}
    hour, minute = settings.time_of_day()
    if settings.every == "hourly":
        moment = start.replace(minute=minute, second=0, microsecond=0)
        if moment < start:
            moment += timedelta(hours=1)
        while True:
            if moment.weekday() in days:
                yield moment
            moment += timedelta(hours=1)
    moment = start.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment < start:
        moment += timedelta(days=1)
    while True:
        if moment.weekday() in days:
            yield moment
        moment += timedelta(days=1)


def runs_after(settings: ScheduleSettings, after: datetime) -> Iterator[datetime]:
    """Every run strictly after ``after`` (aware), in order, each instant once."""
    if after.tzinfo is None:
        raise ValueError("after must be an aware datetime")
    tz = zone(settings)
    start = (after.astimezone(tz) - _MARGIN).replace(tzinfo=None)
    last: datetime | None = None
    for wall in _wall_times(settings, start):
        moment = on_the_wall(wall, tz)
        if moment <= after or (last is not None and moment <= last):
            continue
        last = moment
        yield moment


def next_runs(settings: ScheduleSettings, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` runs after ``after``; none for a schedule turned off."""
    if not settings.enabled:
        return []
    return list(islice(runs_after(settings, after), count))


def next_run(settings: ScheduleSettings, after: datetime) -> datetime | None:
    found = next_runs(settings, after, 1)
    return found[0] if found else None


def due_between(settings: ScheduleSettings, start: datetime, end: datetime) -> list[datetime]:
    """The runs in ``(start, end]``: what a tick at ``end`` must start, the previous tick having been at ``start``."""
    if not settings.enabled:
        return []
    found: list[datetime] = []
    for moment in runs_after(settings, start):
        if moment > end:
            break
        found.append(moment)
    return found


def describe(settings: ScheduleSettings) -> str:
    """The schedule in words: "every day at 02:00 (Europe/Paris)"."""
    if not settings.enabled:
        return _("turned off")
    if settings.cron is not None:
        text = _("cron {cron}").format(cron=settings.cron)
    else:
        hour, minute = settings.time_of_day()
        if settings.weekdays == WEEKDAYS:
            days = ""
        elif settings.weekdays == WEEKDAYS[:5]:
            days = _("Monday to Friday")
        else:
            days = ", ".join(_(_DAY_NAMES[WEEKDAYS.index(day)]) for day in settings.weekdays)
        if settings.every == "hourly":
            text = (_("every hour at :{minute}").format(minute=f"{minute:02d}") if not days else
                    _("every hour at :{minute}, {days}").format(minute=f"{minute:02d}", days=days))
        else:
            time_text = f"{hour:02d}:{minute:02d}"
            text = (_("every day at {time}").format(time=time_text) if not days else
                    _("{days} at {time}").format(days=days, time=time_text))
    return f"{text} ({settings.timezone})"
