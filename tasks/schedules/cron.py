"""Import the previous tool's cron strings (`0 9 * * 1`) as an RRULE plus a time of day.

Supported: the five standard fields `minute hour day-of-month month day-of-week` in the
rule's own time zone; minute and hour as single numbers (a schedule runs once a day); the
day fields and month with numbers, `*`, lists `1,15`, ranges `1-5`, steps `*/N` and `A-B/N`,
and names (`MON`, `JAN`; day-of-week 0 and 7 are Sunday); and the macros @daily, @midnight,
@weekly, @monthly, @yearly, @annually.

Decisions:

* A day-of-month step is expanded, not turned into INTERVAL: cron's `*/2` means days
  1, 3, 5 … 31 of *each* month (restarting at 1, so the 31st and the 1st follow each other),
  which `BYMONTHDAY=1,3,…,31` reproduces exactly and `FREQ=DAILY;INTERVAL=2` would not.
  Steps in the hour or minute field mean several runs a day and are refused.
* Day-of-month *and* day-of-week both restricted: cron (Vixie/cronie) runs when *either*
  matches. One RRULE can only say "and", so this is refused with the two rules to import
  instead. As in cron, a field that starts with `*` (including `*/2`) does not count as
  restricted, and then both fields must match, which an RRULE can express.
* Quartz extensions (`L`, `W`, `#`, `?`), a seconds or year field, `@reboot` and `@hourly`
  are refused naming the part.
"""

from __future__ import annotations

import re
from datetime import time

from . import errors
from .errors import ScheduleError
from .parts import Freq, RuleParts, WeekdayNum, make_parts

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {name: n for n, name in enumerate(_MONTH_NAMES, 1)}
_DAYS = {name: n for n, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}
_MACROS = {
    "@DAILY": "0 0 * * *",
    "@MIDNIGHT": "0 0 * * *",
    "@WEEKLY": "0 0 * * 0",
    "@MONTHLY": "0 0 1 * *",
    "@YEARLY": "0 0 1 1 *",
    "@ANNUALLY": "0 0 1 1 *",
}
_ITEM_RE = re.compile(r"^(\*|\w+(?:-\w+)?)(?:/(\d+))?$")
_QUARTZ = ("L", "W", "#", "?")
_NAMES_RE = re.compile("|".join([*_MONTHS, *_DAYS]))


def cron_to_rrule(expr: str) -> tuple[str, time]:
    """`("FREQ=WEEKLY;BYDAY=MO", time(9, 0))` for `"0 9 * * 1"`, or ScheduleError."""
    text = " ".join(expr.split())
    if not text:
        raise ScheduleError(errors.CRON_EMPTY)
    if text.startswith("@"):
        if text.upper() not in _MACROS:
            raise ScheduleError(errors.CRON_MACRO.format(macro=text))
        text = _MACROS[text.upper()]
    fields = text.split(" ")
    if len(fields) != 5:
        hint = errors.CRON_SECONDS_HINT if len(fields) in (6, 7) else ""
        message = errors.CRON_FIELD_COUNT
        raise ScheduleError(message.format(expr=expr.strip(), count=len(fields), hint=hint))
    minute, hour, dom, month, dow = fields
    at = time(_single(hour, "hour", 23), _single(minute, "minute", 59))
    for value, field in ((dom, "day of month"), (month, "month"), (dow, "day of week")):
        _refuse_quartz(value, field)
    _refuse_day_or_weekday(text, dom, dow)
    days = _values(dom, "day of month", 1, 31, {})
    months = _values(month, "month", 1, 12, _MONTHS)
    weekdays = _values(dow, "day of week", 0, 7, _DAYS)
    return _rule(days, months, weekdays).to_text(), at


def _single(value: str, field: str, high: int) -> int:
    if value.isdigit() and int(value) <= high:
        return int(value)
    _refuse_quartz(value, field)
    if re.fullmatch(r"[\d*,/-]+", value) and not value.isdigit():
        raise ScheduleError(errors.CRON_ONCE_A_DAY.format(field=field, value=value))
    raise ScheduleError(
        errors.CRON_BAD_VALUE.format(field=field, value=value, lo=0, hi=high, names="")
    )


def _refuse_day_or_weekday(text: str, dom: str, dow: str) -> None:
    if dom.startswith("*") or dow.startswith("*"):
        return
    minute, hour, _, month, _ = text.split(" ")
    raise ScheduleError(
        errors.CRON_DAY_OR_WEEKDAY.format(
            expr=text,
            dom=dom,
            dow=dow,
            first=f"{minute} {hour} {dom} {month} *",
            second=f"{minute} {hour} * {month} {dow}",
        )
    )


def _values(field_text: str, field: str, lo: int, hi: int, names: dict[str, int]) -> set[int]:
    """The set of values a field selects, or an empty set for "every value"."""
    selected: set[int] = set()
    for item in field_text.upper().split(","):
        selected |= _item(item, field, lo, hi, names)
    everything = set(range(lo, hi + 1))
    if field == "day of week":
        selected = {d % 7 for d in selected}  # 7 is Sunday too
        everything = set(range(7))
    return set() if selected == everything else selected


def _item(item: str, field: str, lo: int, hi: int, names: dict[str, int]) -> set[int]:
    match = _ITEM_RE.match(item)
    if match is None:
        raise _bad(item, field, lo, hi, names)
    span, step = match.group(1), int(match.group(2) or 1)
    if span == "*":
        first, last = lo, hi
    else:
        first_text, _, last_text = span.partition("-")
        first = _number(first_text, item, field, lo, hi, names)
        last = _number(last_text, item, field, lo, hi, names) if last_text else first
        if match.group(2) and not last_text:
            raise _bad(item, field, lo, hi, names)  # "5/2" is not standard cron
    if first > last or step < 1:
        raise _bad(item, field, lo, hi, names)
    return set(range(first, last + 1, step))


def _number(text: str, item: str, field: str, lo: int, hi: int, names: dict[str, int]) -> int:
    value = names.get(text, int(text) if text.isdigit() else None)
    if value is None or not lo <= value <= hi:
        raise _bad(item, field, lo, hi, names)
    return value


def _bad(item: str, field: str, lo: int, hi: int, names: dict[str, int]) -> ScheduleError:
    listed = f" or names like {next(iter(names))}" if names else ""
    message = errors.CRON_BAD_VALUE
    return ScheduleError(message.format(field=field, value=item, lo=lo, hi=hi, names=listed))


def _refuse_quartz(value: str, field: str) -> None:
    residue = _NAMES_RE.sub("", value.upper())  # JUL has an L and WED a W: not Quartz
    for token in _QUARTZ:
        if token in residue:
            message = errors.CRON_QUARTZ
            raise ScheduleError(message.format(field=field, value=value, token=token))


def _rule(days: set[int], months: set[int], cron_weekdays: set[int]) -> RuleParts:
    """The most natural RRULE for the selected sets (cron Sunday 0 → RRULE SU)."""
    bymonth, bymonthday = tuple(months), tuple(days)
    byday = tuple(WeekdayNum((d - 1) % 7) for d in cron_weekdays)
    if days and byday:
        return make_parts(Freq.DAILY, bymonth=bymonth, bymonthday=bymonthday, byday=byday)
    if days and len(months) == 1 and len(days) == 1:
        return make_parts(Freq.YEARLY, bymonth=bymonth, bymonthday=bymonthday)
    if days:
        return make_parts(Freq.MONTHLY, bymonth=bymonth, bymonthday=bymonthday)
    if byday:
        return make_parts(Freq.WEEKLY, bymonth=bymonth, byday=byday)
    return make_parts(Freq.DAILY, bymonth=bymonth)
