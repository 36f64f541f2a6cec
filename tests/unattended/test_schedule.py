"""Schedules: the pure computation of the next runs, on the wall clock of the schedule's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from sagesync.errors import ConfigurationError
from sagesync.i18n import language
from sagesync.profiles.model import Profile, defaults_table
from sagesync.profiles.unattended import ScheduleSettings
from sagesync.unattended.schedule import describe, due_between, next_run, next_runs

PARIS = ZoneInfo("Europe/Paris")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def schedule(**values: object) -> ScheduleSettings:
    return ScheduleSettings.model_validate(values)


def test_every_night_at_two_in_paris() -> None:
    nightly = schedule(every="daily", at="02:00")
    runs = next_runs(nightly, paris(2025, 6, 10, 14, 0), 3)
    assert runs == [paris(2025, 6, 11, 2, 0), paris(2025, 6, 12, 2, 0), paris(2025, 6, 13, 2, 0)]
    assert runs[0].astimezone(UTC).hour == 0  # summer: UTC+2
    assert next_run(nightly, paris(2025, 12, 10, 1, 59)) == paris(2025, 12, 10, 2, 0)
    assert next_run(nightly, paris(2025, 12, 10, 1, 59)).astimezone(UTC).hour == 1  # type: ignore[union-attr]
    assert next_run(nightly, paris(2025, 12, 10, 2, 0)) == paris(2025, 12, 11, 2, 0)  # strictly after


def test_weekdays_in_english_or_french_and_the_default_time() -> None:
    weekdays = schedule(every="daily", weekdays=["lun", "mar", "Mercredi", "thu", "fri"])
    assert weekdays.weekdays == ("mon", "tue", "wed", "thu", "fri")
    # Friday 2025-06-13 after 02:00: next is Monday 16 at 02:00 (the default time)
    assert next_runs(weekdays, paris(2025, 6, 13, 3, 0), 2) == [paris(2025, 6, 16, 2, 0), paris(2025, 6, 17, 2, 0)]


def test_every_hour_on_weekdays() -> None:
    hourly = schedule(every="hourly", at=":15", weekdays=["mon", "tue", "wed", "thu", "fri"])
    assert next_runs(hourly, paris(2025, 6, 13, 22, 20), 3) == [
        paris(2025, 6, 13, 23, 15), paris(2025, 6, 16, 0, 15), paris(2025, 6, 16, 1, 15)]


def test_a_cron_expression_is_read_in_the_zone() -> None:
    cron = schedule(cron="30 1 * * 1-5")
    assert next_runs(cron, paris(2025, 6, 13, 3, 0), 2) == [paris(2025, 6, 16, 1, 30), paris(2025, 6, 17, 1, 30)]
    other = schedule(cron="0 6 * * *", timezone="America/New_York")
    first = next_run(other, datetime(2025, 1, 15, 12, 0, tzinfo=UTC))
    assert first is not None and first.astimezone(UTC) == datetime(2025, 1, 16, 11, 0, tzinfo=UTC)


def test_a_time_the_spring_clock_skips_runs_once_after_the_jump() -> None:
    nightly = schedule(every="daily", at="02:30")
    runs = next_runs(nightly, paris(2025, 3, 29, 12, 0), 3)
    assert [run.astimezone(UTC) for run in runs] == [datetime(2025, 3, 30, 1, 30, tzinfo=UTC),
                                                     datetime(2025, 3, 31, 0, 30, tzinfo=UTC),
                                                     datetime(2025, 4, 1, 0, 30, tzinfo=UTC)]
    assert f"{runs[0]:%H:%M}" == "03:30"  # on the wall, once the clock has jumped


def test_a_time_the_autumn_clock_plays_twice_runs_once() -> None:
    nightly = schedule(every="daily", at="02:30")
    runs = next_runs(nightly, paris(2025, 10, 25, 12, 0), 3)
    assert [run.astimezone(UTC) for run in runs] == [datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
                                                     datetime(2025, 10, 27, 1, 30, tzinfo=UTC),
                                                     datetime(2025, 10, 28, 1, 30, tzinfo=UTC)]
    hourly = schedule(every="hourly", at=":15")
    night = due_between(hourly, datetime(2025, 10, 25, 23, 0, tzinfo=UTC), datetime(2025, 10, 26, 3, 0, tzinfo=UTC))
    assert [f"{run:%H:%M}" for run in night] == ["01:15", "02:15", "03:15"]  # 02:15 played once, not twice
    spring = due_between(hourly, datetime(2025, 3, 29, 23, 0, tzinfo=UTC), datetime(2025, 3, 30, 3, 0, tzinfo=UTC))
    assert [f"{run:%H:%M}" for run in spring] == ["00:15", "01:15", "03:15", "04:15"]  # 02:15 is 03:15, once


def test_due_between_is_what_a_tick_starts() -> None:
    nightly = schedule(every="daily", at="02:00")
    assert due_between(nightly, paris(2025, 6, 11, 1, 59), paris(2025, 6, 11, 2, 0)) == [paris(2025, 6, 11, 2, 0)]
    assert due_between(nightly, paris(2025, 6, 11, 2, 0), paris(2025, 6, 11, 2, 1)) == []
    assert due_between(nightly.model_copy(update={"enabled": False}), paris(2025, 6, 10), paris(2025, 6, 20)) == []
    assert next_runs(nightly.model_copy(update={"enabled": False}), paris(2025, 6, 10)) == []


def test_the_schedule_in_words_french_by_default() -> None:
    with language("fr"):
        assert describe(schedule(every="daily", at="02:00")) == "tous les jours à 02:00 (Europe/Paris)"
        assert describe(schedule(every="daily", weekdays=["mon", "tue", "wed", "thu", "fri"])) == \
            "du lundi au vendredi à 02:00 (Europe/Paris)"
        assert describe(schedule(every="hourly", at=":15")) == "toutes les heures à :15 (Europe/Paris)"
    assert describe(schedule(cron="0 2 * * 1-5")) == "cron 0 2 * * 1-5 (Europe/Paris)"


@pytest.mark.parametrize(("values", "expected"), [
    ({"every": "daily", "cron": "0 2 * * *"}, "either"),
    ({}, "either"),
    ({"every": "daily", "at": "25:00"}, "time of day"),
    ({"every": "hourly", "at": "2:00"}, "minute past each hour"),
    ({"every": "daily", "timezone": "Europe/Pariss"}, "not a time zone"),
    ({"every": "daily", "weekdays": ["mon", "funday"]}, "not a day"),
    ({"cron": "0 2 * *"}, "5 fields"),
    ({"cron": "0 99 * * *"}, "cron expression sagesync can read"),
    ({"cron": "0 2 * * *", "at": "02:00"}, "remove at"),
    ({"every": "daily", "alert_after_hours": 0}, "whole number of hours"),
    ({"every": "weekly"}, "weekly"),
])
def test_a_wrong_schedule_is_named_in_the_profile(values: dict[str, object], expected: str) -> None:
    table = {**defaults_table(), "sage_company": "ACME", "period_start": "2025-01-01",
             "sage_location": "embedded:acme.sqlite", "platform": {"email": "compta@acme.fr"}, "schedule": values}
    with pytest.raises(ConfigurationError, match=r"profiles\.acme\.schedule") as caught:
        Profile.from_table("acme", table)
    assert expected in str(caught.value)


def test_schedule_and_alerts_are_written_back_as_read() -> None:
    table = {**defaults_table(), "sage_company": "ACME", "period_start": "2025-01-01",
             "sage_location": "embedded:acme.sqlite", "platform": {"email": "compta@acme.fr"},
             "schedule": {"every": "daily", "at": "02:00", "weekdays": ["lun", "mar"], "alert_after_hours": 30},
             "alerts": {"console_url": "http://cabinet:8765/", "email": {"to": ["compta@acme.fr"]},
                        "webhook": {"url": "https://hooks.example.fr/x"}}}
    profile = Profile.from_table("acme", table)
    written = profile.to_table()
    assert written["schedule"] == {"every": "daily", "at": "02:00", "weekdays": ["mon", "tue"],
                                   "alert_after_hours": 30}
    assert written["alerts"] == {"console_url": "http://cabinet:8765", "email": {"to": ["compta@acme.fr"]},
                                 "webhook": {"url": "https://hooks.example.fr/x"}}
    assert Profile.from_table("acme", written) == profile
    plain = Profile.from_table("acme", {key: value for key, value in table.items()
                                        if key not in ("schedule", "alerts")})
    assert "schedule" not in plain.to_table() and "alerts" not in plain.to_table()
