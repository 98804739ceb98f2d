"""Occurrences of a rule as local dates and UTC instants, DST-safe.

Why local wall-clock dates. A schedule means "every day at 09:00 in Berlin", not "every 24
hours": evaluated in UTC it would drift by an hour at each DST change and, for times near
midnight, land on the wrong local day. So the RRULE runs over *naive local datetimes* (start
date + time of day, in the rule's IANA zone) and only each result is turned into an instant
with zoneinfo. DST cannot add or remove a calendar date, so a daily rule yields exactly one
occurrence per local day, dated on that local day, whatever the clocks do.

The two instants DST makes awkward, both decided by PEP 495 `fold=0`:

* Nonexistent (spring forward, e.g. 02:30 on 2026-03-29 in Europe/Berlin, where clocks jump
  02:00 → 03:00). `fold=0` reads the wall time with the offset in force *before* the gap,
  which lands the instant one gap later on the new wall clock: 02:30 becomes 03:30 CEST
  (01:30 UTC). The task stays on its local date and is due as soon after the intended time
  as the clock allows, never earlier than it would have been.
* Ambiguous (fall back, e.g. 02:30 on 2026-10-25, which happens twice). `fold=0` is the first
  of the two, 02:30 CEST (00:30 UTC): one deterministic instant, and the earlier one, so a
  chore is never reported an hour later than its owner expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .rule import ParsedRule, iter_local

DEFAULT_LIMIT = 10_000
MAX_PREVIEW = 366


class Occurrence(NamedTuple):
    local_date: date  # the occurrence's identity: one task per (rule, local_date)
    at_utc: datetime  # when it is due, aware, in UTC


@dataclass(frozen=True)
class OccurrenceBatch:
    occurrences: list[Occurrence]
    truncated: bool  # more occurrences fall in the range than `limit` allowed


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive local wall-clock time in `zone` as an aware UTC instant (DST rules above)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(UTC)


def due_at(rule: ParsedRule, day: date) -> datetime:
    """The UTC instant of the rule's time of day on a local `day` (e.g. a shifted due date)."""
    return local_to_utc(datetime.combine(day, rule.time), rule.zone)


def occurrences_between(
    rule: ParsedRule,
    *,
    after_exclusive: date | None,
    through_inclusive: date,
    limit: int = DEFAULT_LIMIT,
) -> OccurrenceBatch:
    """Occurrences with `after_exclusive` < local date ≤ `through_inclusive`, at most `limit`.

    `after_exclusive=None` means from the rule's start. The range is of local dates in the
    rule's zone, which is what a `generated_through` checkpoint counts in.
    """
    lower = rule.start if after_exclusive is None else after_exclusive + timedelta(days=1)
    found: list[Occurrence] = []
    for local in iter_local(rule, lower):
        if local.date() > through_inclusive:
            return OccurrenceBatch(found, truncated=False)
        if len(found) == limit:
            return OccurrenceBatch(found, truncated=True)
        found.append(Occurrence(local.date(), local_to_utc(local, rule.zone)))
    return OccurrenceBatch(found, truncated=False)


def next_dates(rule: ParsedRule, *, after: date, n: int) -> list[date]:
    """The first `n` (at most MAX_PREVIEW) occurrence dates strictly after `after`.

    For the live "next 6 dates" preview: pass yesterday (or the day before the start) to
    include today. Evaluation starts at the period holding `after`, not at the rule's start.
    """
    count = max(0, min(n, MAX_PREVIEW))
    lower = after + timedelta(days=1)
    return [local.date() for local in islice(iter_local(rule, lower), count)]
