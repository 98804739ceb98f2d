"""Reads for the work engine's pages: one selector per page, a fixed number of queries.

Rows come back "decorated" with what the templates need and cannot query for themselves:
`task.missing` (what blocks completion), `task.doc` (the instruction doc's `DocLink`) and
`task.sop_url` (the doc page, with ``?from_task=`` so it can offer a way back).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404

from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User
from docs_app import api as docs_api
from tasks.links import task_urls
from tasks.models import (
    HistoryEvent,
    ProofFile,
    Task,
    TaskDefinition,
    Workflow,
    WorkflowLinkSlot,
    WorkflowTemplate,
)
from tasks.risk import MISSING_PROOF_DAYS, Risk, assess
from tasks.services.common import describe_missing, local_today
from tasks.template_spec import render_title

LANE_LIMIT = 8  # rows per lane on Home; "View all N" opens the rest in the task list
SIDE_LANE_LIMIT = 5  # Missing proof and Waiting, beside the main lanes
UPCOMING_DAYS = 7
MISSING_PROOF_SCAN = 300
HISTORY_LIMIT = 50
S = Task.Status


# --- row decoration -------------------------------------------------------------------------


def with_file_flag(tasks: QuerySet[Task]) -> QuerySet[Task]:
    return tasks.annotate(has_file=Exists(ProofFile.objects.filter(task=OuterRef("pk"))))


def slot_values(workflow_ids: set[int]) -> dict[int, dict[str, str]]:
    """{workflow id: {slot name: url}} in one query."""
    values: dict[int, dict[str, str]] = defaultdict(dict)
    if workflow_ids:
        rows = WorkflowLinkSlot.objects.filter(workflow_id__in=workflow_ids)
        for workflow_id, name, url in rows.values_list("workflow_id", "name", "url"):
            values[workflow_id][name] = url
    return values


def sop_url(task: Task) -> str:
    doc = getattr(task, "doc", None)
    if not (doc and doc.exists and doc.url):
        return ""
    anchor = f"#step-{task.instruction_step}" if task.instruction_step else ""
    separator = "&" if "?" in doc.url else "?"
    return f"{doc.url}{separator}from_task={task.pk}{anchor}"


def attach_docs(tasks: list[Task]) -> None:
    """Resolve every row's instruction doc with one docs-app query."""
    links = docs_api.doc_links({t.instruction_doc for t in tasks if t.instruction_doc})
    for task in tasks:
        task.doc = links.get(task.instruction_doc)
        task.sop_url = sop_url(task)


@dataclass(frozen=True)
class ProofPrompt:
    """Which inputs the inline "complete" prompt shows for one task."""

    url: bool = False
    file: bool = False
    note: bool = False
    status: bool = False
    slots: tuple[tuple[int, str], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.url or self.file or self.note or self.status or self.slots)


def proof_prompt(task: Task, slots: dict[str, str], has_file: bool) -> ProofPrompt:
    kind = task.proof_kind
    return ProofPrompt(
        url=kind in ("url", "assistant_output") and not (task.proof_url
                                                        or slots.get(task.proof_label)),
        file=kind == "file" and not has_file,
        note=kind == "note" and not task.proof_note,
        status=kind == "external_status" and not task.proof_status,
        slots=tuple((i, name) for i, name in enumerate(task.required_slots)
                    if name != task.proof_slot_name and not slots.get(name)),
    )


def decorate(tasks: list[Task], slots: dict[int, dict[str, str]] | None = None,
             *, docs: bool = True, today: date | None = None) -> list[Task]:
    """Set what a row shows: `missing`, `missing_text`, `prompt` (needs `has_file`
    annotated), `urls`, `late`, `next_action` and, with `docs`, the instruction doc link."""
    if slots is None:
        slots = slot_values({t.workflow_id for t in tasks if t.workflow_id and t.needs_proof})
    today = today or local_today()
    for task in tasks:
        values, has_file = slots.get(task.workflow_id, {}), getattr(task, "has_file", False)
        needs = task.needs_proof and task.is_open
        task.missing = task.missing_proof(values, has_file) if needs else []
        task.missing_text = describe_missing(task.missing) if task.missing else ""
        task.prompt = proof_prompt(task, values, has_file) if needs else ProofPrompt()
        task.urls = task_urls(task)
        task.late = task.is_overdue(today)
    if docs:
        attach_docs(tasks)
    for task in tasks:
        doc = getattr(task, "doc", None)
        task.next_action = task.next_step(today=today, missing_text=task.missing_text,
                                          has_doc=bool(doc and doc.exists))
        task.next_is_plain = task.status == S.TODO and not (task.missing or task.late)
    return tasks


# What a task row reads (see _task_row.html and Task's row methods); the rest of a task's
# columns stay in the database. The query-count tests catch a field missing here.
ROW_FIELDS = (
    "title", "status", "due_date", "position", "milestone", "phase", "version", "source",
    "completed_at", "instruction_doc", "instruction_step", "proof_kind", "proof_label",
    "required_slots", "na_reasons", "proof_url", "proof_note", "proof_status", "waiting_for",
    "waiting_channel", "follow_up_date", "workflow__title", "workflow__status",
    "assignee__username", "assignee__first_name", "assignee__last_name",
)


def _row_queryset() -> QuerySet[Task]:
    return with_file_flag(
        Task.objects.select_related("assignee", "workflow").only(*ROW_FIELDS))


# --- Operations Home -------------------------------------------------------------------------


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


def _scoped(tasks: QuerySet[Task], user: User, everyone: bool) -> QuerySet[Task]:
    return tasks if everyone else tasks.filter(Q(assignee=user) | Q(assignee__isnull=True))


def _in_scope(task: Task, *, user: User, everyone: bool) -> bool:
    return everyone or task.assignee_id in (None, user.pk)


def _lane_rows(user: User, today: date, everyone: bool) -> dict[str, tuple[list[Task], int]]:
    """The first LANE_LIMIT rows of every task lane and each lane's total.

    Each open task falls in exactly one lane; a window function numbers the tasks within
    their lane (due or follow-up date order) and counts the lane; one query returns the
    chosen rows with what they show.
    """
    week = today + timedelta(UPCOMING_DAYS)
    waiting = Q(status=S.WAITING)
    lane = Case(
        When(waiting & Q(follow_up_date__lte=today), then=Value("follow_ups")),
        When(waiting, then=Value("waiting")),
        When(due_date__lt=today, then=Value("overdue")),
        When(due_date=today, then=Value("today")),
        default=Value("upcoming"), output_field=CharField(),
    )
    day = Case(When(waiting, then=F("follow_up_date")), default=F("due_date"))
    picked = (
        _scoped(_row_queryset(), user, everyone)
        .filter(waiting | Q(status=S.TODO, due_date__lte=week))
        .annotate(lane=lane, day=day)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("lane")],
                        order_by=[F("day").asc(), F("position").asc(), F("id").asc()]),
            lane_total=Window(Count("id"), partition_by=[F("lane")]),
        )
        .filter(rank__lte=LANE_LIMIT)
        .order_by("lane", "rank")
    )
    tasks: dict[str, list[Task]] = defaultdict(list)
    totals: dict[str, int] = {}
    for task in picked:
        tasks[task.lane].append(task)
        totals[task.lane] = task.lane_total
    return {key: (tasks[key], totals[key]) for key in totals}


def _missing_proof_candidates(today: date) -> list[Task]:
    """Open to-do tasks due within MISSING_PROOF_DAYS that need proof (everyone's)."""
    return list(
        _row_queryset()
        .filter(status=S.TODO, due_date__lte=today + timedelta(MISSING_PROOF_DAYS))
        .filter(~Q(proof_kind="none") | ~Q(required_slots=[]))
        .order_by("due_date", "position", "id")[:MISSING_PROOF_SCAN]
    )


def missing_proof_tasks(today: date) -> list[Task]:
    """Tasks due soon whose proof is not there yet (two queries: tasks, their slots)."""
    candidates = decorate(_missing_proof_candidates(today), docs=False)
    return [task for task in candidates if task.missing]


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
    missing_all = _decorate_board(lanes, _missing_proof_candidates(today), shown, today)
    missing = [task for task in missing_all if shown(task)]
    lanes.insert(3, Lane("missing_proof", "Missing proof", f"Due within {MISSING_PROOF_DAYS} "
                         "days, proof not there yet", missing[:SIDE_LANE_LIMIT], len(missing),
                         empty=EMPTY["missing_proof"]))
    risks = workflow_risks(today=today, missing=missing_all)
    counts = {lane.key: lane.count for lane in lanes} | {"at_risk": len(risks)}
    return HomeBoard(today, everyone, lanes, _risky_workflows(risks), len(risks), counts)


def _decorate_board(lanes: list[Lane], candidates: list[Task], shown, today: date
                    ) -> list[Task]:
    """One slots query and one docs query for every row on the board; returns the
    candidates whose proof is really missing (everyone's: the risk rule needs them all).
    `shown(task)` says which of those the Missing proof lane will show."""
    rows = [task for lane in lanes for task in lane.tasks]
    slots = slot_values({t.workflow_id for t in [*rows, *candidates]
                         if t.workflow_id and t.needs_proof})
    decorate(candidates, slots, docs=False, today=today)
    missing = [task for task in candidates if task.missing]
    decorate([*rows, *[t for t in missing if shown(t)][:SIDE_LANE_LIMIT]], slots, today=today)
    return missing


# --- risk ------------------------------------------------------------------------------------


def workflow_risks(*, today: date, missing: list[Task]) -> dict[int, Risk]:
    """At-risk active workflows → their `Risk` (one aggregate query over open tasks)."""
    open_tasks = Task.objects.filter(status__in=Task.OPEN, workflow__status="active")
    stats = open_tasks.values("workflow_id", "workflow__anchor_date").annotate(
        overdue=Count("pk", filter=Q(status=S.TODO, due_date__lt=today)),
        waiting=Count("pk", filter=Q(status=S.WAITING)),
        open_count=Count("pk"),
    )
    missing_by_workflow = defaultdict(list)
    for task in missing:
        if task.workflow_id:
            missing_by_workflow[task.workflow_id] += task.missing
    risks = {}
    for row in stats:
        risk = assess(overdue=row["overdue"], waiting=row["waiting"],
                      open_count=row["open_count"], anchor=row["workflow__anchor_date"],
                      missing_proof=missing_by_workflow.get(row["workflow_id"], []),
                      today=today)
        if risk.level:
            risks[row["workflow_id"]] = risk
    return risks


def _risky_workflows(risks: dict[int, Risk]) -> list[Workflow]:
    ordered = sorted(risks, key=lambda pk: risks[pk].rank)[:LANE_LIMIT]
    workflows = Workflow.objects.select_related("template").in_bulk(ordered)
    result = []
    for pk in ordered:
        workflow = workflows[pk]
        workflow.risk = risks[pk]
        result.append(workflow)
    result.sort(key=lambda w: (w.risk.rank, w.anchor_date))
    return result


# --- workflows -------------------------------------------------------------------------------


@dataclass
class PhaseGroup:
    slug: str
    title: str
    stage: str
    tasks: list[Task]

    @property
    def done(self) -> int:
        return sum(t.status in (S.DONE, S.SKIPPED) for t in self.tasks)

    @property
    def complete(self) -> bool:
        return all(not t.is_open for t in self.tasks)


@dataclass
class WorkflowPage:
    workflow: Workflow
    phases: list[PhaseGroup]
    slots: list[WorkflowLinkSlot]
    history: list[HistoryEvent]
    risk: Risk
    next_task: Task | None
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def _group_by_phase(workflow: Workflow, tasks: list[Task]) -> list[PhaseGroup]:
    groups = {p["slug"]: PhaseGroup(p["slug"], p["title"], p["stage"], [])
              for p in workflow.phases}
    other = PhaseGroup("", "Other tasks", "", [])
    for task in tasks:
        groups.get(task.phase, other).tasks.append(task)
    return [g for g in [*groups.values(), other] if g.tasks]


def _risk_of(workflow: Workflow, tasks: list[Task], today: date) -> Risk:
    if workflow.is_archived:
        return Risk()
    open_tasks = [t for t in tasks if t.is_open]
    soon = today + timedelta(MISSING_PROOF_DAYS)
    missing = [m for t in open_tasks if t.due_date <= soon for m in t.missing]
    return assess(overdue=sum(t.is_overdue(today) for t in tasks),
                  waiting=sum(t.status == S.WAITING for t in tasks),
                  open_count=len(open_tasks), missing_proof=missing,
                  anchor=workflow.anchor_date, today=today)


def workflow_page(*, workflow_id: int, today: date) -> WorkflowPage:
    workflow = get_object_or_404(
        Workflow.objects.select_related("template", "created_by"), pk=workflow_id)
    slots = list(workflow.link_slots.select_related("updated_by"))
    tasks = list(with_file_flag(workflow.tasks.select_related("assignee"))
                 .order_by("due_date", "position", "id"))
    for task in tasks:
        task.workflow = workflow
    decorate(tasks, {workflow.pk: {s.name: s.url for s in slots}})
    # A template task's "created" event only repeats "started the workflow": leave it out.
    history = list(workflow.history.select_related("actor", "task")
                   .exclude(action=HistoryEvent.Action.CREATED, task__source=Task.Source.TEMPLATE)
                   .order_by("-at", "-id")[:HISTORY_LIMIT])
    counted = [t for t in tasks if t.status != S.ARCHIVED]
    return WorkflowPage(
        workflow=workflow, phases=_group_by_phase(workflow, tasks), slots=slots,
        history=history, risk=_risk_of(workflow, tasks, today),
        next_task=next((t for t in tasks if t.is_open), None),
        done=sum(t.status in (S.DONE, S.SKIPPED) for t in counted), total=len(counted),
    )


def workflow_list(*, template: str = "", stage: str = "", status: str = "active",
                  risk: str = "", today: date) -> tuple[QuerySet[Workflow], dict[int, Risk]]:
    """Filtered workflows with task counts; risks for the active ones."""
    workflows = Workflow.objects.select_related("template").annotate(
        total=Count("tasks", filter=~Q(tasks__status=S.ARCHIVED)),
        done=Count("tasks", filter=Q(tasks__status__in=[S.DONE, S.SKIPPED])),
    ).order_by("status", "anchor_date", "id")
    if status in ("active", "archived"):
        workflows = workflows.filter(status=status)
    if template:
        workflows = workflows.filter(template__slug=template)
    if stage:
        workflows = workflows.filter(stage=stage)
    risks = workflow_risks(today=today, missing=missing_proof_tasks(today))
    if risk in ("high", "medium"):
        workflows = workflows.filter(pk__in=[pk for pk, r in risks.items() if r.level == risk])
    elif risk == "any":
        workflows = workflows.filter(pk__in=list(risks))
    elif risk == "none":
        workflows = workflows.exclude(pk__in=list(risks))
    return workflows, risks


def start_preview(*, template: WorkflowTemplate, anchor_date: date, values: dict) -> dict:
    """Title suggestion and date span of a workflow not started yet."""
    span = template.task_definitions.aggregate(first=Min("offset_days"),
                                               last=Max("offset_days"), count=Count("pk"))
    if not span["count"]:
        return {}
    return {
        "title": render_title(template.title_pattern, anchor=anchor_date, name=template.name,
                              values=values),
        "count": span["count"],
        "first": anchor_date + timedelta(span["first"]),
        "last": anchor_date + timedelta(span["last"]),
    }


def templates_for_start() -> list[WorkflowTemplate]:
    return list(WorkflowTemplate.objects.annotate(task_count=Count("task_definitions"))
                .filter(task_count__gt=0).order_by("name"))


def template_list() -> list[WorkflowTemplate]:
    return list(WorkflowTemplate.objects.annotate(
        task_count=Count("task_definitions", distinct=True),
        active_count=Count("workflows", filter=Q(workflows__status="active"), distinct=True),
    ).order_by("name"))


def template_page(*, slug: str) -> WorkflowTemplate:
    template = get_object_or_404(
        WorkflowTemplate.objects.select_related("auto_schedule").prefetch_related(
            "phases", "link_slots", "references",
            Prefetch("task_definitions",
                     queryset=TaskDefinition.objects.select_related("phase")),
        ), slug=slug)
    definitions = list(template.task_definitions.all())
    links = docs_api.doc_links({d.instruction_doc for d in definitions if d.instruction_doc})
    for definition in definitions:
        definition.doc = links.get(definition.instruction_doc)
    template.definitions = definitions
    return template


# --- tasks ----------------------------------------------------------------------------------


def task_list(*, filters: dict, user: User, today: date) -> QuerySet[Task]:
    """The task list's rows, filtered (see `TaskFilterForm`) and ordered by due date."""
    tasks = _row_queryset().order_by("due_date", "id")
    status = filters.get("status")
    if status == "open":
        tasks = tasks.filter(status__in=Task.OPEN)
    elif status:
        tasks = tasks.filter(status=status)
    tasks = _filter_assignee(tasks, filters.get("assignee") or "", user)
    tasks = _filter_due(tasks, filters, today)
    if filters.get("workflow"):
        tasks = tasks.filter(workflow_id=filters["workflow"])
    if filters.get("source"):
        tasks = tasks.filter(source=filters["source"])
    if filters.get("q"):
        tasks = tasks.filter(title__icontains=filters["q"])
    return tasks


def _filter_assignee(tasks: QuerySet[Task], value: str, user: User) -> QuerySet[Task]:
    if value == "me":
        return tasks.filter(assignee=user)
    if value == "mine":
        return tasks.filter(Q(assignee=user) | Q(assignee__isnull=True))
    if value == "none":
        return tasks.filter(assignee__isnull=True)
    if value.isdigit():
        return tasks.filter(assignee_id=int(value))
    return tasks


def _filter_due(tasks: QuerySet[Task], filters: dict, today: date) -> QuerySet[Task]:
    preset = filters.get("due")
    if preset == "overdue":
        tasks = tasks.filter(due_date__lt=today)
    elif preset == "today":
        tasks = tasks.filter(due_date=today)
    elif preset == "week":
        tasks = tasks.filter(due_date__gt=today, due_date__lte=today + timedelta(UPCOMING_DAYS))
    elif preset == "follow_up":
        tasks = tasks.filter(follow_up_date__lte=today)
    if filters.get("due_from"):
        tasks = tasks.filter(due_date__gte=filters["due_from"])
    if filters.get("due_to"):
        tasks = tasks.filter(due_date__lte=filters["due_to"])
    return tasks


@dataclass
class TaskPage:
    task: Task
    files: list[ProofFile]
    history: list[HistoryEvent]
    slots: list[WorkflowLinkSlot]
    doc_panel: str | None


def task_page(*, task_id: int) -> TaskPage:
    task = get_object_or_404(
        with_file_flag(Task.objects.select_related(
            "assignee", "workflow__template", "completed_by", "created_by")), pk=task_id)
    slots = list(task.workflow.link_slots.all()) if task.workflow_id else []
    decorate([task], {task.workflow_id: {s.name: s.url for s in slots}})
    panel = (docs_api.render_doc_panel(task.instruction_doc,
                                       step_id=task.instruction_step or None)
             if task.instruction_doc else None)
    return TaskPage(
        task=task,
        files=list(task.proof_files.select_related("uploaded_by")),
        history=list(task.history.select_related("actor").order_by("at", "id")),
        slots=[s for s in slots if s.name in {task.proof_slot_name, *task.required_slots}],
        doc_panel=panel,
    )


def row_task(*, task_id: int) -> Task:
    """One decorated row, for re-rendering a row after an in-place action."""
    task = get_object_or_404(_row_queryset(), pk=task_id)
    return decorate([task])[0]


def assignable_users() -> list[User]:
    """Active people with a role, for assignee pickers."""
    with_role = Q(groups__name__in=[OPERATOR_GROUP, ADMIN_GROUP]) | Q(is_superuser=True)
    return list(User.objects.filter(with_role, is_active=True).distinct()
                .order_by("first_name", "username"))
