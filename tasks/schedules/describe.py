"""One English sentence for a schedule, e.g. "Every 2 weeks on Monday at 09:00, Europe/Berlin".

Rules the form can edit get a sentence from their spec; any other rule gets a literal but
readable reading of its parts ("Every month on Monday to Friday, only the last of these each
month at 18:00, Europe/Berlin"), never the raw RRULE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

from .parts import Freq, RuleParts, WeekdayNum, parse_parts
from .spec import Kind, ScheduleSpec, ShortMonthPolicy, spec_from_rrule

# Spelt out rather than taken from the `calendar` module, whose names follow the locale.
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August")
MONTH_NAMES += ("September", "October", "November", "December")
_UNIT = {Freq.DAILY: "day", Freq.WEEKLY: "week", Freq.MONTHLY: "month", Freq.YEARLY: "year"}
_WORKWEEK = (0, 1, 2, 3, 4)


def describe(rrule: str, *, time: time, tz: str, start: date | None = None) -> str:
    """The sentence for a rule. `start` fills in what RFC 5545 takes from the start date
    (FREQ=WEEKLY alone means "on the start's weekday"); without it that is said in words."""
    parts = parse_parts(rrule)
    spec = (
        None
        if _needs_start(parts) and start is None
        else spec_from_rrule(rrule, start or date.min, time)
    )
    pattern = _from_spec(spec) if spec is not None else _from_parts(parts, start)
    return f"{pattern} at {time:%H:%M}, {tz}{_ending(parts)}"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 11th, 22nd…; -1 is "last", -2 "2nd-to-last"."""
    if n == -1:
        return "last"
    if n < 0:
        return f"{ordinal(-n)}-to-last"
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _from_spec(spec: ScheduleSpec) -> str:
    if spec.kind in (Kind.DAILY, Kind.EVERY_N_DAYS):
        return _every(Freq.DAILY, spec.interval)
    if spec.kind == Kind.WEEKLY:
        return "Every " + _weekday_list(spec.weekdays)
    if spec.kind == Kind.EVERY_N_WEEKS:
        return f"{_every(Freq.WEEKLY, spec.interval)} on {_weekday_list(spec.weekdays)}"
    if spec.kind == Kind.YEARLY:
        leap = _leap_policy(spec.short_month) if (spec.month, spec.day) == (2, 29) else ""
        return f"{_every(Freq.YEARLY, spec.interval)} on {spec.day} {MONTH_NAMES[spec.month]}{leap}"
    return f"{_every(Freq.MONTHLY, spec.interval)} on {_day_in_month(spec)}"


def _day_in_month(spec: ScheduleSpec) -> str:
    if spec.kind == Kind.MONTHLY_ON_DAY:
        return f"day {spec.day}{_month_policy(spec.short_month)}"
    if spec.kind == Kind.MONTHLY_LAST_DAY:
        return "the last day"
    fifth = " (skipping months without one)" if spec.nth == 5 else ""
    return f"the {ordinal(spec.nth)} {WEEKDAY_NAMES[spec.weekday]}{fifth}"


def _every(freq: Freq, interval: int) -> str:
    if interval > 1:
        return f"Every {interval} {_UNIT[freq]}s"
    return {Freq.MONTHLY: "Monthly", Freq.YEARLY: "Every year"}.get(freq, f"Every {_UNIT[freq]}")


def _weekday_list(weekdays: tuple[int, ...]) -> str:
    if weekdays == _WORKWEEK:
        return "weekday (Monday to Friday)"
    if len(weekdays) == 7:
        return "day of the week"
    return _join([WEEKDAY_NAMES[w] for w in weekdays])


def _month_policy(policy: ShortMonthPolicy | None) -> str:
    if policy == ShortMonthPolicy.SKIP:
        return " (skipping shorter months)"
    if policy == ShortMonthPolicy.LAST_DAY:
        return " (or the last day of shorter months)"
    return ""


def _leap_policy(policy: ShortMonthPolicy | None) -> str:
    if policy == ShortMonthPolicy.SKIP:
        return " (only in leap years)"
    return " (28 February in other years)"


# --- the literal reading, for rules the form cannot edit --------------------------------------


def _needs_start(parts: RuleParts) -> bool:
    return parts.freq != Freq.DAILY and not (
        parts.byweekno or parts.byyearday or parts.bymonthday or parts.byday
    )


def _from_parts(parts: RuleParts, start: date | None) -> str:
    parts = _with_start_defaults(parts, start)
    unit = _UNIT[parts.freq]
    head = f"Every {unit}" if parts.interval == 1 else f"Every {parts.interval} {unit}s"
    days = _weekday_days(parts.byday)
    if parts.freq == Freq.DAILY and parts.interval == 1 and days:
        head, days = f"Every {days[3:]}", ""  # "Every Monday", not "Every day on Monday"
    clauses = [
        _month_days(parts.bymonthday),
        days,
        _clause("on", parts.byyearday, lambda d: _nth_day(d, "of the year")),
        _clause("in", parts.byweekno, lambda w: f"week {w}" if w > 0 else f"the {ordinal(w)} week"),
        _clause("in", parts.bymonth, lambda m: MONTH_NAMES[m]),
    ]
    text = " ".join([head, *(c for c in clauses if c)])
    if _needs_start(parts):
        text += {
            Freq.WEEKLY: " on the start date's weekday",
            Freq.MONTHLY: " on the start date's day",
            Freq.YEARLY: " on the start date",
        }[parts.freq]
    if parts.bysetpos:
        picks = _join([ordinal(p) for p in parts.bysetpos])
        text += f", only the {picks} of these each {unit}"
    if parts.wkst != 0 and (parts.freq == Freq.WEEKLY or parts.byweekno):
        text += f" (weeks start on {WEEKDAY_NAMES[parts.wkst]})"
    return text


def _with_start_defaults(parts: RuleParts, start: date | None) -> RuleParts:
    if start is None or not _needs_start(parts):
        return parts
    if parts.freq == Freq.WEEKLY:
        return replace(parts, byday=(WeekdayNum(start.weekday()),))
    if parts.freq == Freq.YEARLY and not parts.bymonth:
        return replace(parts, bymonth=(start.month,), bymonthday=(start.day,))
    return replace(parts, bymonthday=(start.day,))


def _clause(word: str, values: tuple, phrase: Callable[[Any], str]) -> str:
    return f"{word} {_join([phrase(v) for v in values])}" if values else ""


def _month_days(days: tuple[int, ...]) -> str:
    if days and all(d > 0 for d in days):
        return f"on day{'s' if len(days) > 1 else ''} {_join([str(d) for d in days])}"
    return _clause("on", days, lambda d: f"day {d}" if d > 0 else _nth_day(d, ""))


def _weekday_days(byday: tuple[WeekdayNum, ...]) -> str:
    if tuple(d.weekday for d in byday if d.n is None) == _WORKWEEK and len(byday) == 5:
        return "on Monday to Friday"
    return _clause("on", byday, _weekday_phrase)


def _nth_day(day: int, of: str) -> str:
    text = f"day {day}" if day > 0 else f"the {'last' if day == -1 else ordinal(day)} day"
    return f"{text} {of}".strip()


def _weekday_phrase(day: WeekdayNum) -> str:
    name = WEEKDAY_NAMES[day.weekday]
    return name if day.n is None else f"the {ordinal(day.n)} {name}"


def _ending(parts: RuleParts) -> str:
    if parts.count is not None:
        return " (once)" if parts.count == 1 else f" ({parts.count} times)"
    until = parts.until
    if until is None:
        return ""
    if not isinstance(until, datetime):
        return f" (until {until.day} {MONTH_NAMES[until.month]} {until.year})"
    if until.tzinfo is not None:
        return f" (until {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
    return f" (until {until:%Y-%m-%d %H:%M})"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
