"""Which backups retention keeps: a pure decision, tested with dates alone.

Kept are the newest successful backup of each of the last `keep_daily` days and of each of
the last `keep_weekly` ISO weeks (today and this week count as the first), and always the
newest successful backup of all, however old: retention must never leave nothing behind.
Days and weeks are the organisation's, so the caller passes local times.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple


class Backup(NamedTuple):
    id: int
    started_at: datetime  # local time


def backups_to_keep(
    backups: Iterable[Backup], *, today: date, keep_daily: int, keep_weekly: int
) -> set[int]:
    """The ids among successful `backups` that retention keeps."""
    newest_first = sorted(backups, key=lambda b: (b.started_at, b.id), reverse=True)
    if not newest_first:
        return set()
    days = {today - timedelta(days=n) for n in range(keep_daily)}
    weeks = {_week(today - timedelta(weeks=n)) for n in range(keep_weekly)}
    kept = {newest_first[0].id}
    seen_days: set[date] = set()
    seen_weeks: set[tuple[int, int]] = set()
    for backup in newest_first:
        day, week = backup.started_at.date(), _week(backup.started_at.date())
        if day in days and day not in seen_days:
            kept.add(backup.id)
        if week in weeks and week not in seen_weeks:
            kept.add(backup.id)
        seen_days.add(day)
        seen_weeks.add(week)
    return kept


def _week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week
