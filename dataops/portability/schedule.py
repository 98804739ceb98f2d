"""The backup schedule: a cron line read in the organisation's time zone.

Celery runs in UTC; "30 2 * * *" must mean half past two where the team works, also across
daylight-saving changes. No Django imports: the settings module builds the entry.
"""

from __future__ import annotations

from functools import cached_property
from zoneinfo import ZoneInfo

from celery.schedules import crontab


class ZonedCrontab(crontab):
    """A crontab whose fields are matched in `zone`; it pickles with its zone (beat's file)."""

    def __init__(self, *args, zone: str = "UTC", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self._orig_kwargs = {**self._orig_kwargs, "zone": zone}

    def __setstate__(self, state) -> None:
        state = dict(state)
        self.zone = state.pop("zone", "UTC")
        super().__setstate__(state)
        self._orig_kwargs = {**self._orig_kwargs, "zone": self.zone}

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)


def cron_schedule(line: str, *, zone: str) -> ZonedCrontab:
    """`minute hour day-of-month month day-of-week`, as in crontab(5). ValueError if not."""
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {line!r}")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    return ZonedCrontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
        zone=zone,
    )
