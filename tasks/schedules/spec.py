"""What the plain-language form edits, and its exact translation to and from an RRULE.

Month ends are explicit because every peer tool gets them wrong silently. A day that some
months lack (29, 30, 31; 29 February for yearly rules) needs a ShortMonthPolicy:

* `last_day` clamps to the month's last day. RFC 5545 has no clamp, so it is spelt as "the
  last of the days 28…N that exist": `BYMONTHDAY=28,29,30,31;BYSETPOS=-1` for day 31, and
  `BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1` for 29 February (28 February in other years).
* `skip` leaves out months (or years) without that day, which is RFC 5545's own meaning of
  `BYMONTHDAY=31` and of `BYMONTH=2;BYMONTHDAY=29`.

For days that every month has, the policy means nothing and is normalized to None, so equal
schedules are equal specs. `spec_from_rrule` recognises exactly what `to_rrule` writes (plus
the equivalent forms RFC 5545 derives from the start date); anything else returns None and is
only editable as raw text.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar

from . import errors
from .errors import ScheduleError
from .parts import Freq, RuleParts, WeekdayNum, make_parts, parse_parts


class Kind(StrEnum):
    DAILY = "daily"
    EVERY_N_DAYS = "every_n_days"
    WEEKLY = "weekly"
    EVERY_N_WEEKS = "every_n_weeks"
    MONTHLY_ON_DAY = "monthly_on_day"
    MONTHLY_LAST_DAY = "monthly_last_day"
    MONTHLY_NTH_WEEKDAY = "monthly_nth_weekday"
    YEARLY = "yearly"


class ShortMonthPolicy(StrEnum):
    LAST_DAY = "last_day"  # clamp to the month's last day (28 February for a yearly 29 Feb)
    SKIP = "skip"  # skip months (years) without that day


_E = TypeVar("_E", bound=StrEnum)
NTH_CHOICES = (1, 2, 3, 4, 5, -1)  # -1 = last; a 5th weekday is skipped in months without one
_DAY_KINDS = frozenset({Kind.DAILY, Kind.EVERY_N_DAYS})
_WEEK_KINDS = frozenset({Kind.WEEKLY, Kind.EVERY_N_WEEKS})


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule as the form sees it. Validated and normalized on construction.

    Fields a kind does not use are cleared; `daily`/`every_n_days` (and the weekly pair) are
    picked by the interval, so a spec has one canonical form.
    """

    kind: Kind
    start: date
    time: time
    interval: int = 1
    weekdays: tuple[int, ...] = ()  # weekly kinds; 0 = Monday
    day: int | None = None  # monthly_on_day, yearly
    month: int | None = None  # yearly
    nth: int | None = None  # monthly_nth_weekday: 1..5 or -1
    weekday: int | None = None  # monthly_nth_weekday
    short_month: ShortMonthPolicy | None = None  # needed when `day` is missing in some months
    count: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        for name, value in _normalized_fields(self).items():
            object.__setattr__(self, name, value)


def to_rrule(spec: ScheduleSpec) -> str:
    """The canonical RRULE (no DTSTART) for a spec, e.g. `FREQ=WEEKLY;INTERVAL=2;BYDAY=MO`."""
    common = {"interval": spec.interval, "count": spec.count, "until": spec.until}
    if spec.kind in _DAY_KINDS:
        return make_parts(Freq.DAILY, **common).to_text()
    if spec.kind in _WEEK_KINDS:
        byday = tuple(WeekdayNum(w) for w in spec.weekdays)
        return make_parts(Freq.WEEKLY, byday=byday, **common).to_text()
    if spec.kind == Kind.MONTHLY_ON_DAY:
        days = _day_parts(spec.day, spec.short_month)
        return make_parts(Freq.MONTHLY, **days, **common).to_text()
    if spec.kind == Kind.MONTHLY_LAST_DAY:
        return make_parts(Freq.MONTHLY, bymonthday=(-1,), **common).to_text()
    if spec.kind == Kind.MONTHLY_NTH_WEEKDAY:
        byday = (WeekdayNum(spec.weekday, spec.nth),)
        return make_parts(Freq.MONTHLY, byday=byday, **common).to_text()
    days = _day_parts(spec.day, spec.short_month)
    return make_parts(Freq.YEARLY, bymonth=(spec.month,), **days, **common).to_text()


def spec_from_rrule(rrule: str, start: date, time: time) -> ScheduleSpec | None:
    """The form's view of an RRULE, or None when only the raw field can edit it.

    Raises ScheduleError when the text is not a valid RRULE at all.
    """
    parts = parse_parts(rrule)
    if parts.wkst != 0 or parts.byweekno or parts.byyearday:
        return None
    shape = _SHAPES[parts.freq](parts, start)
    until = _until_date(parts, time)
    if shape is None or until is _NOT_EDITABLE:
        return None
    try:
        return ScheduleSpec(
            start=start,
            time=time,
            interval=parts.interval,
            count=parts.count,
            until=until,
            **shape,
        )
    except ScheduleError:
        return None


# --- normalization ---------------------------------------------------------------------------


def _normalized_fields(spec: ScheduleSpec) -> dict[str, object]:
    kind = _choice(Kind, spec.kind, "schedule kind")
    if not isinstance(spec.interval, int) or spec.interval < 1:
        raise ScheduleError(errors.BAD_INTERVAL.format(value=spec.interval))
    _check_end(spec)
    fields = dict.fromkeys(("day", "month", "nth", "weekday", "short_month"))
    fields |= {"kind": kind, "weekdays": ()}
    if kind in _DAY_KINDS:
        return fields | {"kind": Kind.DAILY if spec.interval == 1 else Kind.EVERY_N_DAYS}
    if kind in _WEEK_KINDS:
        weekly = Kind.WEEKLY if spec.interval == 1 else Kind.EVERY_N_WEEKS
        return fields | {"kind": weekly, "weekdays": _weekdays(spec.weekdays)}
    if kind == Kind.MONTHLY_ON_DAY:
        day = _required(spec.day, "Day of month", kind)
        if not 1 <= day <= 31:
            raise ScheduleError(errors.BAD_DAY_OF_MONTH.format(value=day))
        return fields | {"day": day, "short_month": _month_policy(day, spec.short_month)}
    if kind == Kind.MONTHLY_NTH_WEEKDAY:
        return fields | {"nth": _nth(spec.nth), "weekday": _weekday(spec.weekday)}
    if kind == Kind.YEARLY:
        month, day = _yearly_date(spec)
        policy = _leap_policy(spec.short_month) if (month, day) == (2, 29) else None
        return fields | {"month": month, "day": day, "short_month": policy}
    return fields  # monthly_last_day needs nothing more


def _check_end(spec: ScheduleSpec) -> None:
    if spec.count is not None and spec.until is not None:
        raise ScheduleError(errors.COUNT_AND_UNTIL)
    if spec.count is not None and (not isinstance(spec.count, int) or spec.count < 1):
        raise ScheduleError(errors.BAD_COUNT.format(value=spec.count))
    if spec.until is not None and spec.until < spec.start:
        raise ScheduleError(
            errors.UNTIL_DATE_BEFORE_START.format(until=spec.until, start=spec.start)
        )


def _weekdays(values: tuple[int, ...]) -> tuple[int, ...]:
    if not values:
        raise ScheduleError(errors.NEED_WEEKDAYS)
    return tuple(sorted({_weekday(v) for v in values}))


def _weekday(value: int | None) -> int:
    if value not in range(7):
        raise ScheduleError(errors.BAD_WEEKDAY_INDEX.format(value=value))
    return value


def _nth(value: int | None) -> int:
    if value not in NTH_CHOICES:
        raise ScheduleError(errors.BAD_NTH.format(value=value))
    return value


def _yearly_date(spec: ScheduleSpec) -> tuple[int, int]:
    month = _required(spec.month, "Month", Kind.YEARLY)
    day = _required(spec.day, "Day", Kind.YEARLY)
    if month not in range(1, 13):
        raise ScheduleError(errors.BAD_MONTH.format(value=month))
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:  # 2000 is a leap year
        raise ScheduleError(errors.BAD_YEARLY_DATE.format(day=day, month=month))
    return month, day


def _month_policy(day: int, policy: object) -> ShortMonthPolicy | None:
    if day <= 28:
        return None
    if policy is None:
        raise ScheduleError(errors.NEED_SHORT_MONTH_POLICY.format(day=day))
    return _choice(ShortMonthPolicy, policy, "short-month policy")


def _leap_policy(policy: object) -> ShortMonthPolicy:
    if policy is None:
        raise ScheduleError(errors.NEED_LEAP_DAY_POLICY)
    return _choice(ShortMonthPolicy, policy, "leap-day policy")


def _required(value: int | None, label: str, kind: Kind) -> int:
    if value is None:
        raise ScheduleError(errors.FIELD_REQUIRED.format(field=label, kind=kind.value))
    return value


def _choice(enum: type[_E], value: object, what: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum)
        raise ScheduleError(
            errors.UNKNOWN_CHOICE.format(value=value, what=what, choices=choices)
        ) from None


def _day_parts(day: int, policy: ShortMonthPolicy | None) -> dict[str, tuple[int, ...]]:
    if policy == ShortMonthPolicy.LAST_DAY:
        return {"bymonthday": tuple(range(28, day + 1)), "bysetpos": (-1,)}
    return {"bymonthday": (day,)}


# --- recognising RRULE shapes ----------------------------------------------------------------

_NOT_EDITABLE = object()
_CLAMPS = {tuple(range(28, last + 1)): last for last in (29, 30, 31)}


def _daily_shape(parts: RuleParts, start: date) -> dict | None:
    return None if parts.has_day_filters() or parts.bysetpos else {"kind": Kind.DAILY}


def _weekly_shape(parts: RuleParts, start: date) -> dict | None:
    if parts.bymonth or parts.bysetpos or any(d.n is not None for d in parts.byday):
        return None
    weekdays = tuple(d.weekday for d in parts.byday) or (start.weekday(),)
    return {"kind": Kind.WEEKLY, "weekdays": weekdays}


def _monthly_shape(parts: RuleParts, start: date) -> dict | None:
    if parts.bymonth:
        return None
    days, byday, setpos = parts.bymonthday, parts.byday, parts.bysetpos
    if not days and not byday:
        return _on_day(start.day, ShortMonthPolicy.SKIP)  # RFC 5545: the start's day
    if byday:
        only = byday[0]
        if days or setpos or len(byday) > 1 or only.n not in NTH_CHOICES:
            return None
        return {"kind": Kind.MONTHLY_NTH_WEEKDAY, "nth": only.n, "weekday": only.weekday}
    if setpos == (-1,) and days in _CLAMPS:
        return _on_day(_CLAMPS[days], ShortMonthPolicy.LAST_DAY)
    if setpos or len(days) != 1:
        return None
    if days == (-1,):
        return {"kind": Kind.MONTHLY_LAST_DAY}
    return _on_day(days[0], ShortMonthPolicy.SKIP) if days[0] > 0 else None


def _yearly_shape(parts: RuleParts, start: date) -> dict | None:
    days, setpos = parts.bymonthday, parts.bysetpos
    if parts.byday or len(parts.bymonth) > 1 or (days and not parts.bymonth):
        return None  # several months, weekdays, or a day in *every* month: raw only
    month = parts.bymonth[0] if parts.bymonth else start.month
    if (month, days, setpos) == (2, (28, 29), (-1,)):
        return _yearly(2, 29, ShortMonthPolicy.LAST_DAY)
    if setpos or len(days) > 1 or (days and days[0] < 0):
        return None
    day = days[0] if days else start.day  # RFC 5545: no day named means the start's day
    return _yearly(month, day, ShortMonthPolicy.SKIP)


def _on_day(day: int, policy: ShortMonthPolicy) -> dict:
    return {"kind": Kind.MONTHLY_ON_DAY, "day": day, "short_month": policy}


def _yearly(month: int, day: int, policy: ShortMonthPolicy) -> dict:
    return {"kind": Kind.YEARLY, "month": month, "day": day, "short_month": policy}


_SHAPES = {
    Freq.DAILY: _daily_shape,
    Freq.WEEKLY: _weekly_shape,
    Freq.MONTHLY: _monthly_shape,
    Freq.YEARLY: _yearly_shape,
}


def _until_date(parts: RuleParts, at: time) -> date | None | object:
    """UNTIL as the last included local date, or _NOT_EDITABLE for the UTC (`Z`) form.

    The form edits an end *date*. A floating date-time is the same thing once we know whether
    that day's occurrence, at `at`, falls before it; a UTC instant needs the zone, so raw.
    """
    until = parts.until
    if until is None or not isinstance(until, datetime):
        return until
    if until.tzinfo is not None:
        return _NOT_EDITABLE
    last = until.date()
    return last if until.time() >= at else last - timedelta(days=1)
