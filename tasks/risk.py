"""The at-risk rule for workflows, as pure functions both the list and the page use.

High: any overdue task. Medium: a task waiting on someone, proof missing on a task due
within `MISSING_PROOF_DAYS`, or the anchor date passed with tasks still open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MISSING_PROOF_DAYS = 3
HIGH, MEDIUM = "high", "medium"


@dataclass(frozen=True)
class Risk:
    level: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {HIGH: "High risk", MEDIUM: "At risk"}.get(self.level, "On track")

    @property
    def css(self) -> str:
        return {HIGH: "pill-fail", MEDIUM: "pill-warn"}.get(self.level, "pill-ok")

    @property
    def rank(self) -> int:
        return {HIGH: 0, MEDIUM: 1}.get(self.level, 2)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def assess(
    *,
    overdue: int,
    waiting: int,
    open_count: int,
    missing_proof: list[str],
    anchor: date,
    today: date,
) -> Risk:
    """`missing_proof` names the slots/proof missing on tasks due soon (may be empty)."""
    reasons = []
    if overdue:
        reasons.append(f"{_plural(overdue, 'overdue task')}")
    if waiting:
        reasons.append(f"{_plural(waiting, 'task')} waiting")
    if missing_proof:
        more = len(missing_proof) - 2
        reasons.append(
            "missing " + ", ".join(missing_proof[:2]) + (f" and {more} more" if more > 0 else "")
        )
    if open_count and anchor < today:
        reasons.append(f"anchor passed with {_plural(open_count, 'open task')}")
    if overdue:
        return Risk(HIGH, reasons)
    return Risk(MEDIUM, reasons) if reasons else Risk()
