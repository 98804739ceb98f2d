"""Working days: weekends, public holidays of a country (the `holidays` package), closures."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

import holidays

from . import errors
from .errors import ScheduleError

# A shift that finds no working day this far away is a configuration mistake (closures
# covering a month), not something to search on for ever.
MAX_SHIFT_DAYS = 31
DEFAULT_WEEKEND = frozenset({5, 6})


class ShiftMode(StrEnum):
    NONE = "none"  # due on the occurrence date, working day or not
    NEXT = "next"  # due on the first working day on or after it
    PREVIOUS = "previous"  # due on the last working day on or before it


class WorkingCalendar:
    """Which local dates are working days for one organisation.

    Holiday tables are built once per year and cached on the instance; an instance is cheap
    to keep for a generator run and safe to share (the cache only ever gains whole years).
    """

    def __init__(
        self,
        country: str | None = None,
        subdivision: str | None = None,
        closures: Iterable[date] = frozenset(),
        weekend: Iterable[int] = DEFAULT_WEEKEND,
    ) -> None:
        self.country = country.strip().upper() if country else None
        self.subdivision = subdivision.strip() if subdivision else None
        self.closures = frozenset(closures)
        self.weekend = frozenset(weekend)
        if not self.weekend <= set(range(7)) or len(self.weekend) == 7:
            raise ScheduleError(errors.BAD_WEEKEND)
        self._years: dict[int, frozenset[date]] = {}
        self._check_country()

    def holidays_in(self, year: int) -> frozenset[date]:
        if year not in self._years:
            self._years[year] = self._load(year)
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() not in self.weekend
            and day not in self.closures
            and day not in self.holidays_in(day.year)
        )

    def shift(self, day: date, mode: ShiftMode | str) -> date:
        """`day` itself, or the nearest working day in the mode's direction."""
        mode = ShiftMode(mode)
        if mode == ShiftMode.NONE:
            return day
        step = timedelta(days=1 if mode == ShiftMode.NEXT else -1)
        candidate = day
        for _ in range(MAX_SHIFT_DAYS + 1):
            if self.is_working_day(candidate):
                return candidate
            candidate += step
        direction = "after" if mode == ShiftMode.NEXT else "before"
        message = errors.NO_WORKING_DAY.format(days=MAX_SHIFT_DAYS, direction=direction, day=day)
        raise ScheduleError(message)

    def _load(self, year: int) -> frozenset[date]:
        if self.country is None:
            return frozenset()
        table = holidays.country_holidays(self.country, subdiv=self.subdivision, years=year)
        return frozenset(table)

    def _check_country(self) -> None:
        if self.country is None:
            if self.subdivision:
                raise ScheduleError(errors.SUBDIVISION_WITHOUT_COUNTRY)
            return
        if self.country not in holidays.list_supported_countries():
            raise ScheduleError(errors.UNKNOWN_COUNTRY.format(country=self.country))
        try:
            holidays.country_holidays(self.country, subdiv=self.subdivision, years=())
        except NotImplementedError:
            message = errors.UNKNOWN_SUBDIVISION
            raise ScheduleError(
                message.format(subdivision=self.subdivision, country=self.country)
            ) from None
