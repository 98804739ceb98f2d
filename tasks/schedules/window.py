"""One generator step for one rule: what to create now and where the checkpoint moves.

Pure: the caller (the Django generator) creates the planned tasks and stores `checkpoint` as
the rule's `generated_through` in the same transaction; the unique (rule, occurrence date)
constraint stays the final guard. A refused window creates nothing and keeps the checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from . import errors
from .calendar import MAX_SHIFT_DAYS, ShiftMode, WorkingCalendar
from .catchup import CatchUpPolicy, catch_up
from .occurrences import next_dates, occurrences_between
from .plan import Planned, plan
from .rule import ParsedRule

# How many occurrences one step may even look at (a daily rule over ~270 years).
SCAN_LIMIT = 100_000


@dataclass(frozen=True)
class Window:
    create: tuple[Planned, ...]  # tasks to create now, oldest occurrence first
    checkpoint: date | None  # the new generated_through (unchanged when refused)
    due: int  # occurrences this step settles: missed, due today, and ready ahead of time
    skipped: int  # missed occurrences the catch-up policy leaves out
    dropped: int  # occurrences whose shifted due date collided (see plan)
    refused: int = 0  # tasks not created because the step would exceed max_per_run
    message: str | None = None  # why the step was refused
    # The earliest local date on which the rule can have work again (None: it has finished).
    # Never later than the truth, so a generator may skip the rule until then.
    next_run_on: date | None = None

    @property
    def is_refused(self) -> bool:
        return self.message is not None


def due_window(
    rule: ParsedRule,
    *,
    generated_through: date | None,
    today: date,
    policy: CatchUpPolicy | str,
    max_per_run: int,
    shift_mode: ShiftMode | str = ShiftMode.NONE,
    calendar: WorkingCalendar | None = None,
    through: date | None = None,
) -> Window:
    """Combine occurrences, shift/collisions, the catch-up policy and the per-run limit.

    * Occurrences after `generated_through` (None: from the rule's start) up to `today`
      (or a later `through`, to generate ahead) come due. Collisions are decided first (a
      dropped occurrence never gets a task), then the catch-up policy applies to the
      surviving ones dated before `today` — see `catch_up` for "missed" vs "due today".
    * With `previous`, an occurrence can be due before its own date (Sunday the 1st is due on
      Friday the 30th), so the step also looks up to MAX_SHIFT_DAYS ahead and creates those
      already due; the checkpoint then moves past them, but only over a contiguous run, so
      no occurrence is ever left behind it unsettled.
    * If more than `max_per_run` tasks would be created, nothing is: the window is refused
      with a message and the checkpoint stays where it was.
    """
    horizon = max(today, through or today)
    previous = calendar is not None and ShiftMode(shift_mode) == ShiftMode.PREVIOUS
    lookahead = horizon + timedelta(days=MAX_SHIFT_DAYS) if previous else horizon
    batch = occurrences_between(
        rule, after_exclusive=generated_through, through_inclusive=lookahead, limit=SCAN_LIMIT
    )
    if batch.truncated:
        return _refused(generated_through, today, SCAN_LIMIT, errors.TOO_MANY_TO_SCAN, SCAN_LIMIT)
    dates = [o.local_date for o in batch.occurrences]
    kept = {
        p.occurrence_date: p
        for p in plan(dates, rule=rule, shift_mode=shift_mode, calendar=calendar)
    }
    ahead, ahead_end = _ready_ahead(dates, kept, horizon)
    current = [d for d in dates if d <= horizon]
    chosen = catch_up(
        [d for d in current if d in kept and d <= today],
        today=today,
        policy=policy,
        generated_through=generated_through,
    )
    later = [kept[d] for d in current if d in kept and d > today]
    create = [kept[d] for d in chosen.create] + later + ahead
    settled = len(current) + sum(1 for d in dates if horizon < d <= ahead_end)
    if len(create) > max_per_run:
        return _refused(generated_through, today, len(create), errors.TOO_MANY_AT_ONCE, max_per_run)
    checkpoint = max(chosen.checkpoint, horizon, ahead_end)
    return Window(
        create=tuple(create),
        checkpoint=checkpoint,
        due=settled,
        skipped=len(chosen.skipped),
        dropped=settled - len(create) - len(chosen.skipped),
        next_run_on=_next_run_on(rule, checkpoint, calendar if previous else None),
    )


def _ready_ahead(
    dates: list[date], kept: dict[date, Planned], horizon: date
) -> tuple[list[Planned], date]:
    """Future occurrences already due (or dropped), as long as they are contiguous."""
    ready: list[Planned] = []
    end = horizon
    for day in (d for d in dates if d > horizon):
        planned = kept.get(day)
        if planned is not None and planned.due_date > horizon:
            break
        end = day
        if planned is not None:
            ready.append(planned)
    return ready, end


def _next_run_on(
    rule: ParsedRule, checkpoint: date, previous_shift: WorkingCalendar | None
) -> date | None:
    """The next occurrence's date, or its earlier due date under a `previous` shift.

    Shifts never reorder occurrences, so nothing later can come due before this one.
    """
    upcoming = next_dates(rule, after=checkpoint, n=1)
    if not upcoming:
        return None
    if previous_shift is None:
        return upcoming[0]
    return previous_shift.shift(upcoming[0], ShiftMode.PREVIOUS)


def _refused(checkpoint: date | None, today: date, count: int, message: str, limit: int) -> Window:
    text = message.format(count=count, limit=limit)
    return Window(
        (),
        checkpoint,
        due=0,
        skipped=0,
        dropped=0,
        refused=count,
        message=text,
        next_run_on=today,  # still due: every run retries and refuses until the rule is fixed
    )
