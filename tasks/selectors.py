"""Reads for the work engine's pages: one selector per page, a fixed number of queries.

Rows come back "decorated" with what the templates need and cannot query for themselves:
`task.missing` (what blocks completion), `task.doc` (the instruction doc's `DocLink`) and
`task.sop_url` (the doc page, with ``?from_task=`` so it can offer a way back).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import (
    Count,
    Exists,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.db.models.query import RawQuerySet
from django.shortcuts import get_object_or_404

from dataops import cached
from dataops.models import User
from docs_app import api as docs_api
from tasks.links import task_urls
from tasks.models import (
    HistoryEvent,
    ProofFile,
    ProofKind,
    Task,
    TaskDefinition,
    Workflow,
    WorkflowLinkSlot,
    WorkflowTemplate,
)
from tasks.risk import MISSING_PROOF_DAYS, Risk, assess
from tasks.services.common import describe_missing, local_today
from tasks.template_spec import render_title

UPCOMING_DAYS = 7  # Home's Upcoming lane and the task list's "Next 7 days"
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
        url=kind in ("url", "assistant_output")
        and not (task.proof_url or slots.get(task.proof_label)),
        file=kind == "file" and not has_file,
        note=kind == "note" and not task.proof_note,
        status=kind == "external_status" and not task.proof_status,
        slots=tuple(
            (i, name)
            for i, name in enumerate(task.required_slots)
            if name != task.proof_slot_name and not slots.get(name)
        ),
    )


def decorate(
    tasks: list[Task],
    slots: dict[int, dict[str, str]] | None = None,
    *,
    docs: bool = True,
    today: date | None = None,
) -> list[Task]:
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
        task.next_action = task.next_step(
            today=today, missing_text=task.missing_text, has_doc=bool(doc and doc.exists)
        )
        task.next_is_plain = task.status == S.TODO and not (task.missing or task.late)
    return tasks


# What a task row reads (see _task_row.html and Task's row methods); the rest of a task's
# columns stay in the database. The query-count tests catch a field missing here.
ROW_FIELDS = (
    "title",
    "status",
    "due_date",
    "position",
    "milestone",
    "phase",
    "version",
    "source",
    "completed_at",
    "instruction_doc",
    "instruction_step",
    "proof_kind",
    "proof_label",
    "required_slots",
    "na_reasons",
    "proof_url",
    "proof_note",
    "proof_status",
    "waiting_for",
    "waiting_channel",
    "follow_up_date",
    "workflow__title",
    "workflow__status",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def _row_queryset() -> QuerySet[Task]:
    return with_file_flag(Task.objects.select_related("assignee", "workflow").only(*ROW_FIELDS))


# Home's task queries are written in SQL (see tasks.home_selectors) and load the rows
# `_row_queryset` loads: ROW_FIELDS of the task and of its assignee and workflow, `has_file`.
ROW_COLUMNS = ("id", "assignee_id", "workflow_id", *(f for f in ROW_FIELDS if "__" not in f))
ROW_RELATED = {
    relation: (model, [f.split("__")[1] for f in ROW_FIELDS if f.startswith(f"{relation}__")])
    for relation, model in (("assignee", User), ("workflow", Workflow))
}


def row_sql(source: str, *extra: str) -> str:
    """SELECT a row's columns (and `extra` ones) FROM `source` — tasks_task or a subquery
    of its columns — as `task`, joined to its assignee and workflow."""
    related = [f"{f.replace('__', '.')} AS {f}" for f in ROW_FIELDS if "__" in f]
    has_file = "EXISTS (SELECT 1 FROM tasks_prooffile proof WHERE proof.task_id = task.id)"
    columns = [
        *(f"task.{column}" for column in ROW_COLUMNS),
        *related,
        f"{has_file} AS has_file",
        *extra,
    ]
    # Column and table names are the module's own constants; no value is interpolated.
    return (
        f"SELECT {', '.join(columns)} FROM {source} task "  # nosec B608
        "LEFT JOIN dataops_user assignee ON assignee.id = task.assignee_id "
        "LEFT JOIN tasks_workflow workflow ON workflow.id = task.workflow_id"
    )


def with_related(tasks: RawQuerySet) -> list[Task]:
    """Turn raw rows' `assignee__username`… columns into their assignee and workflow,
    loaded as `select_related` with `only` loads them, one object per person or workflow."""
    rows, loaded = list(tasks), {}
    for task in rows:
        for relation, (model, names) in ROW_RELATED.items():
            values = [task.__dict__.pop(f"{relation}__{name}") for name in names]
            pk = getattr(task, f"{relation}_id")
            if pk is not None:
                if (relation, pk) not in loaded:
                    loaded[relation, pk] = model.from_db(
                        task._state.db, ["id", *names], [pk, *values]
                    )
                setattr(task, relation, loaded[relation, pk])
    return rows


# In SQL for the reason Home's lane query is (tasks.home_selectors); `required_slots` is
# JSON, stored as `[]` when empty.
_MISSING_PROOF_SQL = (
    f"{row_sql('tasks_task')} "
    "WHERE task.status = %(todo)s AND task.due_date <= %(soon)s "
    "AND (task.proof_kind <> %(none)s OR task.required_slots <> '[]') "
    "ORDER BY task.due_date, task.position, task.id LIMIT %(limit)s"
)


def missing_proof_candidates(today: date) -> list[Task]:
    """Open to-do tasks due within MISSING_PROOF_DAYS that need proof (everyone's)."""
    params = {
        "todo": S.TODO,
        "soon": today + timedelta(MISSING_PROOF_DAYS),
        "none": ProofKind.NONE,
        "limit": MISSING_PROOF_SCAN,
    }
    return with_related(Task.objects.raw(_MISSING_PROOF_SQL, params))


def missing_proof_tasks(today: date) -> list[Task]:
    """Tasks due soon whose proof is not there yet (two queries: tasks, their slots)."""
    candidates = decorate(missing_proof_candidates(today), docs=False)
    return [task for task in candidates if task.missing]


# --- risk ------------------------------------------------------------------------------------


def workflow_risks(*, today: date, missing: list[Task]) -> dict[int, Risk]:
    """At-risk active workflows → their `Risk` (one aggregate query over open tasks)."""
    return {row["workflow_id"]: risk for row, risk in assessed_risks(today, missing)}


def assessed_risks(today: date, missing: list[Task]) -> list[tuple[dict, Risk]]:
    """Each at-risk active workflow's aggregate row and `Risk`. The rows also carry what
    Home shows of the workflow (title, template emoji), which spares it a query."""
    open_tasks = Task.objects.filter(status__in=Task.OPEN, workflow__status="active")
    stats = open_tasks.values(
        "workflow_id",
        "workflow__anchor_date",
        "workflow__title",
        "workflow__template_id",
        "workflow__template__emoji",
    ).annotate(
        overdue=Count("pk", filter=Q(status=S.TODO, due_date__lt=today)),
        waiting=Count("pk", filter=Q(status=S.WAITING)),
        open_count=Count("pk"),
    )
    missing_by_workflow = defaultdict(list)
    for task in missing:
        if task.workflow_id:
            missing_by_workflow[task.workflow_id] += task.missing
    assessed = []
    for row in stats:
        risk = assess(
            overdue=row["overdue"],
            waiting=row["waiting"],
            open_count=row["open_count"],
            anchor=row["workflow__anchor_date"],
            missing_proof=missing_by_workflow.get(row["workflow_id"], []),
            today=today,
        )
        if risk.level:
            assessed.append((row, risk))
    return assessed


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
    groups = {p["slug"]: PhaseGroup(p["slug"], p["title"], p["stage"], []) for p in workflow.phases}
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
    return assess(
        overdue=sum(t.is_overdue(today) for t in tasks),
        waiting=sum(t.status == S.WAITING for t in tasks),
        open_count=len(open_tasks),
        missing_proof=missing,
        anchor=workflow.anchor_date,
        today=today,
    )


# What the workflow page's history shows of each event (its task: a title and a link).
HISTORY_FIELDS = (
    "at",
    "action",
    "note",
    "after",
    "workflow",
    "task__title",
    "actor__username",
    "actor__first_name",
    "actor__last_name",
)


# A workflow's rows, in SQL like Home's lanes: the page is opened all day, and building and
# compiling the same query through the ORM cost as much as running it.
_WORKFLOW_TASKS_SQL = (
    f"{row_sql('tasks_task')} WHERE task.workflow_id = %s "
    "ORDER BY task.due_date, task.position, task.id"
)


def workflow_page(*, workflow_id: int, today: date) -> WorkflowPage:
    workflow = get_object_or_404(
        Workflow.objects.select_related("template", "created_by"), pk=workflow_id
    )
    slots = list(workflow.link_slots.select_related("updated_by"))
    tasks = with_related(Task.objects.raw(_WORKFLOW_TASKS_SQL, [workflow.pk]))
    for task in tasks:
        task.workflow = workflow
    decorate(tasks, {workflow.pk: {s.name: s.url for s in slots}})
    # A template task's "created" event only repeats "started the workflow": leave it out.
    history = list(
        workflow.history.select_related("actor", "task")
        .only(*HISTORY_FIELDS)
        .exclude(action=HistoryEvent.Action.CREATED, task__source=Task.Source.TEMPLATE)
        .order_by("-at", "-id")[:HISTORY_LIMIT]
    )
    counted = [t for t in tasks if t.status != S.ARCHIVED]
    return WorkflowPage(
        workflow=workflow,
        phases=_group_by_phase(workflow, tasks),
        slots=slots,
        history=history,
        risk=_risk_of(workflow, tasks, today),
        next_task=next((t for t in tasks if t.is_open), None),
        done=sum(t.status in (S.DONE, S.SKIPPED) for t in counted),
        total=len(counted),
    )


def workflow_list(
    *, template: str = "", stage: str = "", status: str = "active", risk: str = "", today: date
) -> tuple[QuerySet[Workflow], dict[int, Risk]]:
    """Filtered workflows and the risks of the active ones. Task counts are not part of the
    query: `attach_progress` adds them to the page shown (see there)."""
    workflows = Workflow.objects.select_related("template").order_by("status", "anchor_date", "id")
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


def attach_progress(workflows: list[Workflow]) -> None:
    """Set `total` (tasks not archived) and `done` (done or skipped) on each workflow, in one
    grouped query over the given workflows' tasks. Counting in the list query itself made
    PostgreSQL count the tasks of every matching workflow before it could cut out a page."""
    counts = {
        row["workflow_id"]: row
        for row in Task.objects.filter(workflow__in=[w.pk for w in workflows])
        .values("workflow_id")
        .annotate(
            total=Count("pk", filter=~Q(status=S.ARCHIVED)),
            done=Count("pk", filter=Q(status__in=[S.DONE, S.SKIPPED])),
        )
        .order_by()
    }
    for workflow in workflows:
        row = counts.get(workflow.pk, {})
        workflow.total, workflow.done = row.get("total", 0), row.get("done", 0)


def start_preview(*, template: WorkflowTemplate, anchor_date: date, values: dict) -> dict:
    """Title suggestion and date span of a workflow not started yet."""
    span = template.task_definitions.aggregate(
        first=Min("offset_days"), last=Max("offset_days"), count=Count("pk")
    )
    if not span["count"]:
        return {}
    return {
        "title": render_title(
            template.title_pattern, anchor=anchor_date, name=template.name, values=values
        ),
        "count": span["count"],
        "first": anchor_date + timedelta(span["first"]),
        "last": anchor_date + timedelta(span["last"]),
    }


def templates_for_start() -> list[WorkflowTemplate]:
    return cached.start_templates()


def template_list() -> list[WorkflowTemplate]:
    return list(
        WorkflowTemplate.objects.annotate(
            task_count=Count("task_definitions", distinct=True),
            active_count=Count("workflows", filter=Q(workflows__status="active"), distinct=True),
        ).order_by("name")
    )


def template_page(*, slug: str) -> WorkflowTemplate:
    template = get_object_or_404(
        WorkflowTemplate.objects.select_related("auto_schedule").prefetch_related(
            "phases",
            "link_slots",
            "references",
            Prefetch("task_definitions", queryset=TaskDefinition.objects.select_related("phase")),
        ),
        slug=slug,
    )
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
        with_file_flag(
            Task.objects.select_related(
                "assignee", "workflow__template", "completed_by", "created_by"
            )
        ),
        pk=task_id,
    )
    slots = list(task.workflow.link_slots.all()) if task.workflow_id else []
    decorate([task], {task.workflow_id: {s.name: s.url for s in slots}})
    panel = (
        docs_api.render_doc_panel(task.instruction_doc, step_id=task.instruction_step or None)
        if task.instruction_doc
        else None
    )
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
    return cached.people()
