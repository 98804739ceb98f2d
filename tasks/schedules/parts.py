"""RFC 5545 RRULE parts: a strict tokenizer and one canonical serializer.

Schedules repeat by *day* at one local time of day, so only the day-level subset of RFC 5545
is accepted: FREQ (DAILY, WEEKLY, MONTHLY, YEARLY), INTERVAL, COUNT, UNTIL, BYMONTH,
BYWEEKNO, BYYEARDAY, BYMONTHDAY, BYDAY, BYSETPOS and WKST. Everything else is refused with a
message naming the part, so an advanced user learns exactly what to change.

Input is forgiving about presentation (lowercase, an `RRULE:` prefix, spaces around `;`, `=`
and `,`) and strict about meaning (RFC 5545 §3.3.10 combinations, value ranges). Output is
canonical: one fixed part order, sorted de-duplicated values, INTERVAL=1 and WKST=MO left out,
so the same schedule is always stored as the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from . import errors
from .errors import ScheduleError

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Freq(StrEnum):
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    YEARLY = "YEARLY"


@dataclass(frozen=True)
class WeekdayNum:
    """A BYDAY entry: `MO` (every Monday) or `2MO` / `-1FR` (2nd Monday, last Friday)."""

    weekday: int  # 0 = Monday … 6 = Sunday, like date.weekday()
    n: int | None = None

    def to_text(self) -> str:
        return f"{'' if self.n is None else self.n}{WEEKDAY_CODES[self.weekday]}"


# UNTIL keeps its RFC 5545 form: a DATE (inclusive local day), a floating local date-time,
# or an aware UTC date-time (the `Z` form).
Until = date | datetime


@dataclass(frozen=True)
class RuleParts:
    freq: Freq
    interval: int = 1
    count: int | None = None
    until: Until | None = None
    bymonth: tuple[int, ...] = ()
    byweekno: tuple[int, ...] = ()
    byyearday: tuple[int, ...] = ()
    bymonthday: tuple[int, ...] = ()
    byday: tuple[WeekdayNum, ...] = ()
    bysetpos: tuple[int, ...] = ()
    wkst: int = 0

    def to_text(self) -> str:
        """The canonical RRULE text (without `RRULE:` and without DTSTART)."""
        fields = [f"FREQ={self.freq}"]
        if self.interval != 1:
            fields.append(f"INTERVAL={self.interval}")
        for name, values in (
            ("BYMONTH", self.bymonth),
            ("BYWEEKNO", self.byweekno),
            ("BYYEARDAY", self.byyearday),
            ("BYMONTHDAY", self.bymonthday),
        ):
            if values:
                fields.append(f"{name}={_join(values)}")
        if self.byday:
            fields.append("BYDAY=" + ",".join(d.to_text() for d in self.byday))
        if self.bysetpos:
            fields.append(f"BYSETPOS={_join(self.bysetpos)}")
        if self.wkst != 0:
            fields.append(f"WKST={WEEKDAY_CODES[self.wkst]}")
        if self.count is not None:
            fields.append(f"COUNT={self.count}")
        if self.until is not None:
            fields.append(f"UNTIL={format_until(self.until)}")
        return ";".join(fields)

    def has_day_filters(self) -> bool:
        return bool(
            self.bymonth or self.byweekno or self.byyearday or self.bymonthday or self.byday
        )


def make_parts(freq: Freq, **values: Any) -> RuleParts:
    """RuleParts with canonical value order, for code that builds rules (spec, cron)."""
    return canonical(RuleParts(freq, **values))


def canonical(parts: RuleParts) -> RuleParts:
    return replace(
        parts,
        bymonth=_sorted(parts.bymonth),
        byweekno=_sorted(parts.byweekno),
        byyearday=_sorted(parts.byyearday),
        bymonthday=_sorted(parts.bymonthday),
        byday=tuple(sorted(set(parts.byday), key=_byday_key)),
        bysetpos=_sorted(parts.bysetpos),
    )


def format_until(until: Until) -> str:
    if isinstance(until, datetime):
        suffix = "Z" if until.tzinfo is not None else ""
        return until.strftime("%Y%m%dT%H%M%S") + suffix
    return until.strftime("%Y%m%d")


# --- parsing ---------------------------------------------------------------------------------

_SUPPORTED = frozenset(
    {
        "FREQ",
        "INTERVAL",
        "COUNT",
        "UNTIL",
        "BYMONTH",
        "BYWEEKNO",
        "BYYEARDAY",
        "BYMONTHDAY",
        "BYDAY",
        "BYSETPOS",
        "WKST",
    }
)
_TIME_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
_SUB_DAILY = frozenset({"HOURLY", "MINUTELY", "SECONDLY"})
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_RE = re.compile(r"^(\d{8})(?:T(\d{6})(Z?))?$")
_INT_RE = re.compile(r"^[+-]?\d+$")


def parse_parts(text: str) -> RuleParts:
    """Parse RRULE text into RuleParts or raise ScheduleError naming the bad part."""
    raw = _split(_rrule_body(text))
    if "FREQ" not in raw:
        raise ScheduleError(errors.MISSING_FREQ)
    freq = _freq(raw["FREQ"])
    parts = canonical(
        RuleParts(
            freq=freq,
            interval=_positive(raw.get("INTERVAL", "1"), errors.BAD_INTERVAL),
            count=_positive(raw["COUNT"], errors.BAD_COUNT) if "COUNT" in raw else None,
            until=_until(raw["UNTIL"]) if "UNTIL" in raw else None,
            bymonth=_numbers(raw, "BYMONTH", 12, negative=False, allowed="use 1 to 12"),
            byweekno=_numbers(raw, "BYWEEKNO", 53, allowed="use 1 to 53 or -53 to -1"),
            byyearday=_numbers(raw, "BYYEARDAY", 366, allowed="use 1 to 366 or -366 to -1"),
            bymonthday=_numbers(raw, "BYMONTHDAY", 31, allowed="use 1 to 31 or -31 to -1"),
            byday=_byday(raw.get("BYDAY"), freq),
            bysetpos=_numbers(raw, "BYSETPOS", 366, allowed="use 1 to 366 or -366 to -1"),
            wkst=_weekday(raw["WKST"], "WKST") if "WKST" in raw else 0,
        )
    )
    _check_combinations(parts, raw)
    return parts


def _rrule_body(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        raise ScheduleError(errors.EMPTY_RULE)
    for line in lines:
        if line.upper().startswith("DTSTART"):
            raise ScheduleError(errors.DTSTART_IN_RULE)
    if len(lines) > 1:
        extra = next((ln for ln in lines if not ln.upper().startswith("RRULE")), lines[1])
        raise ScheduleError(errors.EXTRA_LINE.format(line=extra))
    body = lines[0]
    if re.match(r"(?i)^\s*RRULE\s*:", body):
        body = body.split(":", 1)[1]
    if not body.strip():
        raise ScheduleError(errors.EMPTY_RULE)
    return body


def _split(body: str) -> dict[str, str]:
    raw: dict[str, str] = {}
    for chunk in body.split(";"):
        part = chunk.strip()
        if not part:
            continue  # a trailing or doubled ';' is harmless
        name, sep, value = part.partition("=")
        name, value = name.strip().upper(), re.sub(r"\s*,\s*", ",", value.strip().upper())
        if not sep or not name:
            raise ScheduleError(errors.BAD_PART.format(part=part))
        _check_name(name)
        if name in raw:
            raise ScheduleError(errors.DUPLICATE_PART.format(name=name))
        if not value:
            raise ScheduleError(errors.EMPTY_VALUE.format(name=name))
        raw[name] = value
    return raw


def _check_name(name: str) -> None:
    if name == "DTSTART":
        raise ScheduleError(errors.DTSTART_IN_RULE)
    if name in _TIME_PARTS:
        raise ScheduleError(errors.TIME_PART.format(name=name))
    if name not in _SUPPORTED:
        raise ScheduleError(errors.UNKNOWN_PART.format(name=name))


def _freq(value: str) -> Freq:
    if value in _SUB_DAILY:
        raise ScheduleError(errors.SUB_DAILY_FREQ.format(value=value))
    try:
        return Freq(value)
    except ValueError:
        raise ScheduleError(errors.UNKNOWN_FREQ.format(value=value)) from None


def _positive(value: str, message: str) -> int:
    if not _INT_RE.match(value) or int(value) < 1:
        raise ScheduleError(message.format(value=value))
    return int(value)


def _until(value: str) -> Until:
    match = _UNTIL_RE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        day, clock, zulu = match.groups()
        if clock is None:
            return datetime.strptime(day, "%Y%m%d").date()
        moment = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
        return moment.replace(tzinfo=UTC) if zulu else moment
    except ValueError:
        raise ScheduleError(errors.BAD_UNTIL.format(value=value)) from None


def _numbers(
    raw: dict[str, str], name: str, limit: int, *, allowed: str, negative: bool = True
) -> tuple[int, ...]:
    if name not in raw:
        return ()
    values = []
    for item in raw[name].split(","):
        number = int(item) if _INT_RE.match(item) else 0
        if number == 0 or abs(number) > limit or (number < 0 and not negative):
            raise ScheduleError(errors.BAD_NUMBER.format(name=name, value=item, allowed=allowed))
        values.append(number)
    return tuple(values)


def _byday(value: str | None, freq: Freq) -> tuple[WeekdayNum, ...]:
    if value is None:
        return ()
    days = []
    for item in value.split(","):
        match = _BYDAY_RE.match(item)
        if match is None:
            extra = ", optionally after a number such as 2MO or -1FR"
            raise ScheduleError(errors.BAD_WEEKDAY.format(name="BYDAY", value=item, extra=extra))
        n = int(match.group(1)) if match.group(1) else None
        _check_nth(item, n, freq)
        days.append(WeekdayNum(WEEKDAY_CODES.index(match.group(2)), n))
    return tuple(days)


def _check_nth(item: str, n: int | None, freq: Freq) -> None:
    if n is None:
        return
    if freq not in (Freq.MONTHLY, Freq.YEARLY):
        raise ScheduleError(errors.NTH_WEEKDAY_NEEDS_MONTHLY.format(value=item))
    limit = 5 if freq == Freq.MONTHLY else 53
    if n == 0 or abs(n) > limit:
        allowed = f"the number must be 1 to {limit} or -{limit} to -1 with FREQ={freq}"
        raise ScheduleError(errors.BAD_NUMBER.format(name="BYDAY", value=item, allowed=allowed))


def _weekday(value: str, name: str) -> int:
    if value not in WEEKDAY_CODES:
        raise ScheduleError(errors.BAD_WEEKDAY.format(name=name, value=value, extra=""))
    return WEEKDAY_CODES.index(value)


def _check_combinations(parts: RuleParts, raw: dict[str, str]) -> None:
    """The RFC 5545 §3.3.10 MUST / MUST NOT rules between parts."""
    if parts.count is not None and parts.until is not None:
        raise ScheduleError(errors.COUNT_AND_UNTIL)
    forbidden = {
        "BYMONTHDAY": parts.freq == Freq.WEEKLY,
        "BYYEARDAY": parts.freq in (Freq.DAILY, Freq.WEEKLY, Freq.MONTHLY),
        "BYWEEKNO": parts.freq != Freq.YEARLY,
    }
    for name, refused in forbidden.items():
        if refused and name in raw:
            raise ScheduleError(errors.PART_NOT_WITH_FREQ.format(name=name, freq=parts.freq))
    if parts.byweekno and any(d.n is not None for d in parts.byday):
        raise ScheduleError(errors.NTH_WEEKDAY_WITH_WEEKNO.format(value=raw["BYDAY"]))
    if parts.bysetpos and not parts.has_day_filters():
        raise ScheduleError(errors.SETPOS_ALONE)


def _join(values: tuple[int, ...]) -> str:
    return ",".join(str(v) for v in values)


def _sorted(values: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted(set(values)))


def _byday_key(day: WeekdayNum) -> tuple[int, int]:
    return (day.weekday, 0 if day.n is None else day.n)
