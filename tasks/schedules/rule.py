"""A validated rule and the engine that evaluates it with dateutil over local wall-clock time.

Two things here are not obvious and both are about cost, not meaning:

* **Jumping ahead.** dateutil always iterates from DTSTART, so a daily rule started five years
  ago walks 1,800 days before the preview can show tomorrow. `_evaluation_start` moves DTSTART
  forward by a whole number of *periods* (INTERVAL × day/week/month/year), landing on a period
  boundary, which yields exactly the same dates from there on. It needs the implicit parts
  that dateutil derives from DTSTART (weekday of a WEEKLY rule, day of a MONTHLY rule…) pinned
  from the real start first, and it is not allowed with COUNT (the count runs from the start).

* **Rules that never match.** dateutil stops only when a match passes UNTIL/COUNT or the year
  passes 9999, so a rule like `FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30` would spin for seconds.
  Validation refuses such rules with `has_occurrence_from`, which is exact and bounded: the
  Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks), so a rule
  repeats every lcm(400 years, one interval) and has a match from day D iff it has one in the
  same position of a cycle just before year 9999, where dateutil's own end bounds the search.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from math import lcm
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule as du

from .parts import Freq, RuleParts

_DATEUTIL_FREQ = {
    Freq.DAILY: du.DAILY,
    Freq.WEEKLY: du.WEEKLY,
    Freq.MONTHLY: du.MONTHLY,
    Freq.YEARLY: du.YEARLY,
}
# One 400-year Gregorian cycle in each frequency's unit.
_CYCLE_UNITS = {Freq.DAILY: 146_097, Freq.WEEKLY: 20_871, Freq.MONTHLY: 4_800, Freq.YEARLY: 400}
_LAST_YEAR = 9999  # dateutil's iteration ends after datetime.MAXYEAR


@dataclass(frozen=True)
class ParsedRule:
    """A rule that passed validation: RRULE parts, first day, local time of day, IANA zone.

    Build it with `parse_rrule` (validates); `rrule` is the canonical text to store.
    """

    parts: RuleParts
    start: date
    time: time
    tz: str

    @property
    def rrule(self) -> str:
        return self.parts.to_text()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @cached_property
    def until_local(self) -> datetime | None:
        """UNTIL as a naive local wall-clock bound (inclusive), comparable with occurrences."""
        until = self.parts.until
        if until is None:
            return None
        if not isinstance(until, datetime):
            # A DATE means "through that local day"; dateutil would read it as midnight and
            # drop that day's occurrence.
            return datetime.combine(until, time.max)
        if until.tzinfo is not None:
            return until.astimezone(self.zone).replace(tzinfo=None)
        return until

    @cached_property
    def dateutil_kwargs(self) -> dict[str, Any]:
        """dateutil arguments with the start-derived defaults made explicit (see module doc)."""
        parts = self.parts
        kwargs: dict[str, Any] = {
            "freq": _DATEUTIL_FREQ[parts.freq],
            "interval": parts.interval,
            "wkst": parts.wkst,
            "bymonth": parts.bymonth or None,
            "byweekno": parts.byweekno or None,
            "byyearday": parts.byyearday or None,
            "bymonthday": parts.bymonthday or None,
            "byweekday": [du.weekday(d.weekday, d.n) for d in parts.byday] or None,
            "bysetpos": parts.bysetpos or None,
        }
        kwargs.update(_implicit_parts(parts, self.start))
        return kwargs


def _implicit_parts(parts: RuleParts, start: date) -> dict[str, Any]:
    """RFC 5545 / dateutil defaults taken from DTSTART when a rule names no day at all."""
    if parts.byweekno or parts.byyearday or parts.bymonthday or parts.byday:
        return {}
    if parts.freq == Freq.YEARLY:
        return {"bymonth": parts.bymonth or (start.month,), "bymonthday": (start.day,)}
    if parts.freq == Freq.MONTHLY:
        return {"bymonthday": (start.day,)}
    if parts.freq == Freq.WEEKLY:
        return {"byweekday": [du.weekday(start.weekday())]}
    return {}


def iter_local(rule: ParsedRule, lower: date) -> Iterator[datetime]:
    """Occurrences as naive local datetimes on or after `lower`, honouring COUNT and UNTIL."""
    dtstart = datetime.combine(_evaluation_start(rule, lower), rule.time)
    until = rule.until_local
    evaluator = du.rrule(
        dtstart=dtstart,
        count=rule.parts.count,
        until=until.replace(microsecond=0) if until else None,
        **rule.dateutil_kwargs,
    )
    return evaluator.xafter(datetime.combine(lower, time.min), inc=True)


def has_occurrence_from(rule: ParsedRule, day: date) -> bool:
    """Whether the endless form of the rule (no COUNT/UNTIL) matches on or after `day`.

    Bounded work even for rules that never match; see the module docstring.
    """
    probe = _late_equivalent(rule, max(day, rule.start))
    dtstart = datetime.combine(_evaluation_start(rule, probe, counted=False), rule.time)
    evaluator = du.rrule(dtstart=dtstart, **rule.dateutil_kwargs)
    return evaluator.after(datetime.combine(probe, time.min), inc=True) is not None


def _late_equivalent(rule: ParsedRule, day: date) -> date:
    """`day` moved forward by whole rule cycles to the last cycle that ends before 9999."""
    cycle_units = _CYCLE_UNITS[rule.parts.freq]
    cycle_years = 400 * lcm(cycle_units, rule.parts.interval) // cycle_units
    cycles = (_LAST_YEAR - cycle_years - day.year) // cycle_years
    if cycles <= 0:
        return day
    # A whole number of 400-year cycles keeps 29 February valid.
    return day.replace(year=day.year + cycles * cycle_years)


def _evaluation_start(rule: ParsedRule, lower: date, *, counted: bool = True) -> date:
    """The latest period boundary ≤ `lower` in the rule's phase, or the start itself.

    `counted=False` evaluates the endless form, where COUNT does not pin the start.
    """
    start, n = rule.start, rule.parts.interval
    if (counted and rule.parts.count is not None) or lower <= start:
        return start
    freq = rule.parts.freq
    if freq == Freq.DAILY:
        return start + timedelta(days=(lower - start).days // n * n)
    if freq == Freq.WEEKLY:
        # dateutil's weeks begin on WKST; the first period is the week holding the start.
        week = start - timedelta(days=(start.weekday() - rule.parts.wkst) % 7)
        periods = (lower - week).days // (7 * n)
        return week + timedelta(weeks=periods * n) if periods >= 1 else start
    if freq == Freq.MONTHLY:
        months = (lower.year - start.year) * 12 + lower.month - start.month
        periods = months // n
        if periods < 1:
            return start
        year, month0 = divmod(start.year * 12 + start.month - 1 + periods * n, 12)
        return date(year, month0 + 1, 1)
    periods = (lower.year - start.year) // n
    return date(start.year + periods * n, 1, 1) if periods >= 1 else start
