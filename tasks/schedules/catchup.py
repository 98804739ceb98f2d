"""What to do with occurrences whose day passed while nothing generated them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class CatchUpPolicy(StrEnum):
    ALL = "all"  # create every missed occurrence
    LATEST = "latest"  # create only the most recent missed occurrence
    NONE = "none"  # create none of the missed occurrences


@dataclass(frozen=True)
class CatchUp:
    create: tuple[date, ...]  # occurrence dates to create now, oldest first
    skipped: tuple[date, ...]  # missed occurrence dates the policy leaves out, for ever
    checkpoint: date  # the new `generated_through`


def catch_up(
    occurrence_dates: Iterable[date],
    *,
    today: date,
    policy: CatchUpPolicy | str,
    generated_through: date | None = None,
) -> CatchUp:
    """Apply the catch-up policy to the occurrences after the checkpoint, up to today.

    Definitions (local dates in the rule's zone):

    * **due today**: an occurrence dated `today`. It is never "missed" and is always created,
      whatever the policy: the chore is simply for today.
    * **missed**: an occurrence dated before `today` and after the checkpoint, i.e. its day
      passed without a generator run. `all` creates them all, `latest` only the most recent
      one (one catch-up task says "this did not happen"; a pile of them says nothing more),
      `none` none of them.

    So a daily rule whose generator last ran 11 days ago has 10 missed occurrences and one due
    today: `all` creates 11, `latest` 2, `none` 1 — 10 / 1 / 0 of the missed ones.

    The checkpoint always advances to `today` (never backwards), so skipped occurrences are
    never reconsidered by a later run. Dates after `today` are a caller error.
    """
    policy = CatchUpPolicy(policy)
    dates = sorted(set(occurrence_dates))
    if dates and dates[-1] > today:
        raise ValueError(f"occurrence {dates[-1]} is after today ({today}); it is not due yet")
    missed = [d for d in dates if d < today]
    due_today = [d for d in dates if d == today]
    kept = {CatchUpPolicy.ALL: missed, CatchUpPolicy.LATEST: missed[-1:], CatchUpPolicy.NONE: []}
    create = kept[policy] + due_today
    skipped = [d for d in missed if d not in create]
    checkpoint = today if generated_through is None else max(today, generated_through)
    return CatchUp(tuple(create), tuple(skipped), checkpoint)
