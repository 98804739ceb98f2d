"""What a load run prints: locust's statistics as a table, and the lost-write check."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

WRITE_ACTIONS = ("completed", "reopened", "commented")
# The goal a run is judged against (on the 2-core machine, load generator included).
GOAL = {"rps": 100.0, "p95": 300.0, "p99": 1000.0}


@dataclass(frozen=True)
class PageStats:
    name: str
    requests: int
    errors: int
    rps: float
    p50: float
    p95: float
    p99: float


def _number(value: str) -> float:
    return float(value) if value not in ("", "N/A") else 0.0


def read_stats(path: Path) -> tuple[list[PageStats], PageStats]:
    """Per-request-name rows and the overall row of locust's `<prefix>_stats.csv`."""
    rows, overall = [], None
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            stats = PageStats(
                name=row["Name"],
                requests=int(row["Request Count"]),
                errors=int(row["Failure Count"]),
                rps=_number(row["Requests/s"]),
                p50=_number(row["50%"]),
                p95=_number(row["95%"]),
                p99=_number(row["99%"]),
            )
            if row["Name"] == "Aggregated":
                overall = stats
            elif stats.requests:
                rows.append(stats)
    if overall is None:
        raise ValueError(f"{path} has no Aggregated row: did locust run?")
    return sorted(rows, key=lambda r: -r.requests), overall


def stats_table(rows: list[PageStats], overall: PageStats) -> str:
    header = (
        f"{'page':<22} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8}"
    )
    lines = [header, "-" * len(header)]
    for r in [*rows, None, overall]:
        if r is None:
            lines.append("-" * len(header))
            continue
        name = "overall" if r is overall else r.name
        lines.append(
            f"{name:<22} {r.requests:>9} {r.errors:>7} {r.rps:>8.1f} {r.p50:>8.0f} "
            f"{r.p95:>8.0f} {r.p99:>8.0f}"
        )
    return "\n".join(lines)


def login_summary(logins: dict) -> str:
    """The logins before the measured window: how many, refused, how long they took."""
    seconds = sorted(logins["seconds"]) or [0.0]
    return (
        f"logins: {logins['done']} through the login page, {logins['refused']} refused; "
        f"all in after {logins['all_in_after']:.1f} s (each: median "
        f"{seconds[len(seconds) // 2] * 1000:.0f} ms, max {seconds[-1] * 1000:.0f} ms)"
    )


def cpu_summary(web_seconds: float, db_seconds: float, requests: int) -> str:
    """CPU per request on the server side: comparable between runs on a busy machine."""
    per = max(requests, 1)
    return (
        f"server CPU per request: gunicorn {web_seconds / per * 1000:.1f} ms + PostgreSQL "
        f"{db_seconds / per * 1000:.1f} ms ({web_seconds + db_seconds:.0f} CPU s for "
        f"{requests} requests)"
    )


def verdict(overall: PageStats, lost: int, errors: int) -> str:
    checks = [
        (f"requests/s {overall.rps:.1f} ≥ {GOAL['rps']:.0f}", overall.rps >= GOAL["rps"]),
        (f"p95 {overall.p95:.0f} ms ≤ {GOAL['p95']:.0f}", overall.p95 <= GOAL["p95"]),
        (f"p99 {overall.p99:.0f} ms ≤ {GOAL['p99']:.0f}", overall.p99 <= GOAL["p99"]),
        (f"errors {errors} = 0", errors == 0),
        (f"lost writes {lost} = 0", lost == 0),
    ]
    return "goal: " + ", ".join(f"{text} {'ok' if ok else 'MISSED'}" for text, ok in checks)


@dataclass
class WriteCheck:
    """Confirmed writes (the server answered success) against the rows the database gained."""

    confirmed: Counter = field(default_factory=Counter)  # action -> confirmed writes
    lost: dict[tuple[int, str], int] = field(default_factory=dict)
    unconfirmed: dict[tuple[int, str], int] = field(default_factory=dict)
    wrong_status: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def lost_count(self) -> int:
        return sum(self.lost.values()) + len(self.wrong_status)

    def summary(self) -> str:
        total = sum(self.confirmed.values())
        parts = ", ".join(f"{self.confirmed[a]} {a}" for a in WRITE_ACTIONS)
        text = f"lost writes: {self.lost_count} ({total} confirmed writes: {parts}"
        if self.unconfirmed:
            text += f"; {sum(self.unconfirmed.values())} landed without a confirmation"
        text += ")"
        for (task_id, action), missing in sorted(self.lost.items()):
            text += f"\n  task {task_id}: {missing} confirmed '{action}' not in the database"
        for task_id, (wanted, found) in sorted(self.wrong_status.items()):
            text += f"\n  task {task_id}: left {wanted!r} by its user, {found!r} in the database"
        return text


def check_writes(
    *,
    confirmed: dict[str, dict[str, int]],
    before: dict[tuple[int, str], int],
    after: dict[tuple[int, str], int],
    last_status: dict[str, str],
    statuses: dict[int, str],
) -> WriteCheck:
    """Each task's confirmed writes per action must equal the history rows it gained, and
    the status its user last saw must be the one stored."""
    result = WriteCheck()
    keys = {(int(t), a) for t, actions in confirmed.items() for a in actions}
    keys |= {key for key in after if after[key] != before.get(key, 0)}
    for key in sorted(keys):
        wanted = confirmed.get(str(key[0]), {}).get(key[1], 0)
        gained = after.get(key, 0) - before.get(key, 0)
        result.confirmed[key[1]] += wanted
        if gained < wanted:
            result.lost[key] = wanted - gained
        elif gained > wanted:
            result.unconfirmed[key] = gained - wanted
    in_flight = {task_id for task_id, _ in result.unconfirmed}
    for task_id, status in last_status.items():
        stored = statuses.get(int(task_id), "missing")
        # A write the server made but whose answer the run stopped before reading explains
        # a newer status; nothing the user was told is missing.
        if stored != status and int(task_id) not in in_flight:
            result.wrong_status[int(task_id)] = (status, stored)
    return result


def history_counts(task_ids: list[int]) -> dict[tuple[int, str], int]:
    """History rows per (task, write action) in the database now."""
    from django.db.models import Count

    from tasks.models import HistoryEvent

    rows = (
        HistoryEvent.objects.filter(task_id__in=task_ids, action__in=WRITE_ACTIONS)
        .values("task_id", "action")
        .annotate(n=Count("id"))
    )
    return {(r["task_id"], r["action"]): r["n"] for r in rows}


def task_statuses(task_ids: list[int]) -> dict[int, str]:
    from tasks.models import Task

    return dict(Task.objects.filter(pk__in=task_ids).values_list("pk", "status"))
