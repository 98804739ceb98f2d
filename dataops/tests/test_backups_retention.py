"""Retention as a pure decision (dates in, ids out) and the backup schedule's time zone."""

import pickle
from datetime import UTC, date, datetime, timedelta

import pytest

from dataops.portability.retention import Backup, backups_to_keep
from dataops.portability.schedule import cron_schedule

TODAY = date(2026, 12, 9)  # a Wednesday, ISO week 50


def daily(*offsets: int, hour: int = 2) -> list[Backup]:
    """One backup per offset (days before TODAY), its id the offset."""
    return [
        Backup(
            n, datetime.combine(TODAY - timedelta(days=n), datetime.min.time()).replace(hour=hour)
        )
        for n in offsets
    ]


@pytest.mark.parametrize(
    ("backups", "keep_daily", "keep_weekly", "kept"),
    [
        pytest.param([], 14, 8, set(), id="nothing to keep"),
        pytest.param(daily(100), 14, 8, {100}, id="the only backup survives however old"),
        pytest.param(daily(5), 3, 0, {5}, id="the newest survives outside every window"),
        pytest.param(daily(*range(20)), 14, 0, set(range(14)), id="the last 14 days"),
        pytest.param(
            daily(*range(70)), 7, 4, {*range(7), 10, 17}, id="7 days, then the newest of 4 weeks"
        ),
        pytest.param(daily(*range(70)), 0, 8, {0, 3, 10, 17, 24, 31, 38, 45}, id="weeks only"),
        pytest.param(daily(0, 1, 2), 0, 0, {0}, id="no windows: only the newest"),
    ],
)
def test_backups_to_keep(backups, keep_daily, keep_weekly, kept):
    assert (
        backups_to_keep(backups, today=TODAY, keep_daily=keep_daily, keep_weekly=keep_weekly)
        == kept
    )


def test_of_two_backups_on_one_day_the_later_one_is_kept():
    morning = Backup(1, datetime(2026, 12, 8, 2, 30))
    evening = Backup(2, datetime(2026, 12, 8, 18, 0))
    today = Backup(3, datetime(2026, 12, 9, 2, 30))
    kept = backups_to_keep([evening, today, morning], today=TODAY, keep_daily=2, keep_weekly=0)
    assert kept == {2, 3}


def test_weeks_are_iso_weeks_across_the_new_year():
    # Mon 2027-01-04 starts ISO week 1 of 2027; Sun 2027-01-03 ends week 53 of 2026.
    sunday = Backup(1, datetime(2027, 1, 3, 2, 30))
    saturday = Backup(2, datetime(2027, 1, 2, 2, 30))
    monday = Backup(3, datetime(2027, 1, 4, 2, 30))
    kept = backups_to_keep(
        [sunday, saturday, monday], today=date(2027, 1, 4), keep_daily=0, keep_weekly=2
    )
    assert kept == {1, 3}


def _due(schedule, now: datetime, last: datetime) -> bool:
    schedule.nowfun = lambda: now
    return schedule.is_due(last).is_due


def test_the_backup_cron_line_is_read_in_the_organisation_time_zone():
    schedule = cron_schedule("30 2 * * *", zone="Europe/Berlin")
    yesterday = datetime(2026, 12, 5, 1, 30, tzinfo=UTC)
    # 02:30 in Berlin is 01:30 UTC in winter and 00:30 UTC in summer.
    assert not _due(schedule, datetime(2026, 12, 6, 1, 29, tzinfo=UTC), yesterday)
    assert _due(schedule, datetime(2026, 12, 6, 1, 30, 5, tzinfo=UTC), yesterday)
    summer_last = datetime(2026, 7, 5, 0, 30, tzinfo=UTC)
    assert _due(schedule, datetime(2026, 7, 6, 0, 30, 5, tzinfo=UTC), summer_last)


def test_the_schedule_keeps_its_zone_through_beats_schedule_file():
    schedule = pickle.loads(pickle.dumps(cron_schedule("0 3 * * 1", zone="America/New_York")))
    assert schedule.zone == "America/New_York"
    assert str(schedule.tz) == "America/New_York"
    assert schedule.hour == {3} and schedule.day_of_week == {1}


@pytest.mark.parametrize("line", ["30 2 * *", "every night", "61 2 * * *"])
def test_a_bad_cron_line_is_refused(line):
    with pytest.raises(ValueError):
        cron_schedule(line, zone="UTC")


def test_settings_schedule_the_backup_job():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["backup"]
    assert entry["task"] == "dataops.portability.backup_tasks.backup"
    assert entry["schedule"].zone == settings.TIME_ZONE
