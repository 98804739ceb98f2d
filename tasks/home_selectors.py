"""Reads for Operations Home: every lane, the missing-proof lane and the at-risk workflows,
in a constant number of queries whatever the number of tasks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils.module_loading import import_string

from dataops.models import User
from tasks.models import Task, Workflow, WorkflowTemplate
from tasks.risk import MISSING_PROOF_DAYS, Risk
from tasks.selectors import (
    ROW_COLUMNS,
    UPCOMING_DAYS,
    assessed_risks,
    decorate,
    missing_proof_candidates,
    row_sql,
    slot_values,
    with_related,
)

LANE_LIMIT = 8  # rows per lane on Home; "View all N" opens the rest in the task list
SIDE_LANE_LIMIT = 5  # Missing proof and Waiting, beside the main lanes
S = Task.Status


@dataclass
class Lane:
    key: str
    title: str
    hint: str
    tasks: list[Task]
    count: int
    more_url_query: str = ""
    empty: str = ""

    @property
    def more(self) -> int:
        """How many of the lane's tasks are not shown."""
        return self.count - len(self.tasks)


@dataclass
class HomeBoard:
    today: date
    everyone: bool
    lanes: list[Lane]
    risky: list[Workflow]
    risky_count: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(lane.count for lane in self.lanes if lane.key != "upcoming")

    @property
    def is_empty(self) -> bool:
        return not (self.risky_count or any(lane.count for lane in self.lanes))


def _in_scope(task: Task, *, user: User, everyone: bool) -> bool:
    return everyone or task.assignee_id in (None, user.pk)


def _lane_rows(user: User, today: date, everyone: bool) -> dict[str, tuple[list[Task], int]]:
    """The first LANE_LIMIT rows of every task lane and each lane's total.

    Each open task falls in exactly one lane; a window function numbers the tasks within
    their lane (due or follow-up date order) and counts the lane; one query returns the
    chosen rows with what they show.
    """
    params = {
        "waiting": S.WAITING,
        "todo": S.TODO,
        "today": today,
        "user": user.pk,
        "week": today + timedelta(UPCOMING_DAYS),
        "limit": LANE_LIMIT,
    }
    tasks: dict[str, list[Task]] = defaultdict(list)
    totals: dict[str, int] = {}
    for task in with_related(Task.objects.raw(_lane_sql(everyone), params)):
        tasks[task.lane].append(task)
        totals[task.lane] = task.lane_total
    return {key: (tasks[key], totals[key]) for key in totals}


@cache
def _lane_sql(everyone: bool) -> str:
    """The lane query. It is written in SQL because compiling its ORM form (the windows
    wrapped in a subquery to filter on them) took longer than running it, on every view
    of Home; the joins and the proof-file check run for the chosen rows only."""
    # Theirs and unassigned; with `assignee_id = … OR assignee_id IS NULL` PostgreSQL reads
    # every task the person ever had from the index to intersect them with the open ones.
    mine = "" if everyone else "AND COALESCE(assignee_id, %(user)s) = %(user)s"
    # Only the module's own SQL fragments are put together; every value is a bound parameter.
    ranked = f"""(
        SELECT laned.*,
               ROW_NUMBER() OVER (PARTITION BY lane ORDER BY lane_day, position, id)
                   AS lane_rank,
               COUNT(*) OVER (PARTITION BY lane) AS lane_total
        FROM (
            SELECT {", ".join(ROW_COLUMNS)},
                   CASE WHEN status = %(waiting)s AND follow_up_date <= %(today)s
                            THEN 'follow_ups'
                        WHEN status = %(waiting)s THEN 'waiting'
                        WHEN due_date < %(today)s THEN 'overdue'
                        WHEN due_date = %(today)s THEN 'today'
                        ELSE 'upcoming' END AS lane,
                   CASE WHEN status = %(waiting)s THEN follow_up_date
                        ELSE due_date END AS lane_day
            FROM tasks_task
            WHERE (status = %(waiting)s OR (status = %(todo)s AND due_date <= %(week)s))
                  {mine}
        ) laned
    )"""  # nosec B608
    return (
        f"{row_sql(ranked, 'task.lane', 'task.lane_total')} "
        "WHERE task.lane_rank <= %(limit)s ORDER BY task.lane, task.lane_rank"
    )


EMPTY = {
    "overdue": "Nothing overdue. Nice.",
    "today": "Nothing due today.",
    "follow_ups": "No one to nudge today.",
    "missing_proof": "Every task due soon has its proof.",
    "waiting": "Not waiting on anyone.",
    "upcoming": "Nothing due in the next week.",
}


TASK_LANES = [
    # key, title, hint, task-list query for "View all"
    ("overdue", "Overdue", "Past their due date", "status=todo&due=overdue"),
    ("today", "Today", "Due today", "status=todo&due=today"),
    ("follow_ups", "Follow-ups due", "Time to nudge someone", "status=waiting&due=follow_up"),
    ("waiting", "Waiting", "Parked on someone else", "status=waiting"),
    ("upcoming", "Upcoming", f"Next {UPCOMING_DAYS} days", "status=todo&due=week"),
]


def home_board(*, user: User, today: date, everyone: bool = False) -> HomeBoard:
    """Everything Operations Home shows, in a constant number of queries."""
    found = _lane_rows(user, today, everyone)
    lanes = []
    for key, title, hint, query in TASK_LANES:
        rows, count = found.get(key, ([], 0))
        limit = SIDE_LANE_LIMIT if key == "waiting" else LANE_LIMIT
        lanes.append(Lane(key, title, hint, rows[:limit], count, query, EMPTY[key]))
    shown = partial(_in_scope, user=user, everyone=everyone)
    missing_all = _decorate_board(lanes, missing_proof_candidates(today), shown, today)
    missing = [task for task in missing_all if shown(task)]
    lanes.insert(
        3,
        Lane(
            "missing_proof",
            "Missing proof",
            f"Due within {MISSING_PROOF_DAYS} days, proof not there yet",
            missing[:SIDE_LANE_LIMIT],
            len(missing),
            empty=EMPTY["missing_proof"],
        ),
    )
    risks = assessed_risks(today, missing_all)
    counts = {lane.key: lane.count for lane in lanes} | {"at_risk": len(risks)}
    return HomeBoard(today, everyone, lanes, _risky_workflows(risks), len(risks), counts)


def _decorate_board(lanes: list[Lane], candidates: list[Task], shown, today: date) -> list[Task]:
    """One slots query and one docs query for every row on the board; returns the
    candidates whose proof is really missing (everyone's: the risk rule needs them all).
    `shown(task)` says which of those the Missing proof lane will show."""
    rows = [task for lane in lanes for task in lane.tasks]
    slots = slot_values(
        {t.workflow_id for t in [*rows, *candidates] if t.workflow_id and t.needs_proof}
    )
    for task in candidates:  # all to do and needing proof; rows shown are decorated below
        task.missing = task.missing_proof(slots.get(task.workflow_id, {}), task.has_file)
    missing = [task for task in candidates if task.missing]
    decorate([*rows, *[t for t in missing if shown(t)][:SIDE_LANE_LIMIT]], slots, today=today)
    return missing


def _risky_workflows(assessed: list[tuple[dict, Risk]]) -> list[Workflow]:
    """The riskiest LANE_LIMIT workflows, loaded from their aggregate rows, with `risk`."""
    result = []
    for row, risk in sorted(assessed, key=lambda pair: pair[1].rank)[:LANE_LIMIT]:
        workflow = Workflow.from_db(
            DEFAULT_DB_ALIAS,
            ["id", "title", "anchor_date"],
            [row["workflow_id"], row["workflow__title"], row["workflow__anchor_date"]],
        )
        workflow.template = WorkflowTemplate.from_db(
            DEFAULT_DB_ALIAS,
            ["id", "emoji"],
            [row["workflow__template_id"], row["workflow__template__emoji"]],
        )
        workflow.risk = risk
        result.append(workflow)
    result.sort(key=lambda w: (w.risk.rank, w.anchor_date))
    return result


def home_counters(user: User) -> list:
    """Counters other apps put on Home (settings.HOME_COUNTERS: dotted paths of functions
    of the user returning an object with `label`, `count` and `url`, or None to stay
    hidden). The work engine imports none of those apps."""
    found = (import_string(path)(user) for path in settings.HOME_COUNTERS)
    return [counter for counter in found if counter is not None]
