"""Work engine at scale: 100,000 tasks, 2,000 workflows, 5 users (issue 4's targets).

The data looks like years of real use: workflows of the 11 shipped templates spread over
eight years (old ones finished, most of them archived), daily chores as standalone tasks,
and a working set around today (overdue, due today, waiting, upcoming). It is written with
`bulk_create` in batches, so generating it takes seconds, not minutes.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from itertools import cycle

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Result, measure
from dataops.models import ADMIN_GROUP, OPERATOR_GROUP, User
from tasks.models import Task, TaskDefinition, Workflow, WorkflowLinkSlot, WorkflowTemplate
from tasks.services import task_complete, templates_load, workflow_start
from tasks.services.common import local_today

TITLE = "Work engine: Home, workflow page, task list, start, complete at 100,000 tasks"
TASKS, WORKFLOWS, SMALL_TASKS = 100_000, 2_000, 1_000
BATCH = 5_000
PEOPLE = ["grace", "valeriia", "alexey", "ada", "bob"]
# Templates by how often they run (a weekly podcast and newsletter, monthly others…).
MIX = (
    ["podcast"] * 6
    + ["newsletter"] * 6
    + ["social-media-weekly"] * 5
    + ["tax-report"] * 2
    + [
        "webinar",
        "workshop",
        "book-of-the-week",
        "oss",
        "course",
        "maven-lightning-lesson",
        "office-hours",
    ]
)
S = Task.Status


def _users() -> list[User]:
    users = []
    for username in PEOPLE:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"first_name": username.title()}
        )
        role = ADMIN_GROUP if username == "ada" else OPERATOR_GROUP
        user.groups.add(Group.objects.get(name=role))
        users.append(user)
    return users


def _status(due: date, today: date, rng: random.Random) -> str:
    """Old work is closed; the last ten days hold the overdue and waiting ones."""
    if due < today - timedelta(days=10):
        return S.DONE if rng.random() < 0.97 else S.SKIPPED
    if due < today:
        return rng.choices([S.DONE, S.TODO, S.WAITING], [6, 3, 1])[0]
    return S.WAITING if rng.random() < 0.05 else S.TODO


def _task(status: str, due: date, today: date, rng: random.Random, **fields) -> Task:
    task = Task(status=status, due_date=due, **fields)
    if status in (S.DONE, S.SKIPPED):
        task.completed_at = timezone.now()
        task.completed_by_id = task.assignee_id
        task.closed_reason = "not needed" if status == S.SKIPPED else ""
    if status == S.WAITING:
        task.waiting_for, task.waiting_since = "the guest", due
        task.follow_up_date = today + timedelta(days=rng.randint(-2, 4))
    return task


class Generator:
    """Adds workflows and standalone tasks on top of what is there, in batches."""

    def __init__(self, today: date, users: list[User]):
        self.today, self.users, self.rng = today, users, random.Random(2026)
        self.templates = {t.slug: t for t in WorkflowTemplate.objects.all()}
        self.definitions = {
            slug: list(
                TaskDefinition.objects.filter(template__slug=slug)
                .select_related("phase")
                .order_by("position")
            )
            for slug in self.templates
        }
        self.slots = {
            slug: list(t.link_slots.values_list("name", flat=True))
            for slug, t in self.templates.items()
        }
        self.mix = cycle(MIX)

    def workflows(self, count: int, first: date, last: date) -> int:
        span = (last - first).days
        anchors = [first + timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]
        made = []
        for start in range(0, count, 500):
            batch = [self._workflow(anchor) for anchor in anchors[start : start + 500]]
            made += Workflow.objects.bulk_create(batch)
        WorkflowLinkSlot.objects.bulk_create(
            [
                WorkflowLinkSlot(
                    workflow=w,
                    name=name,
                    position=i,
                    url="https://example.org/x" if w.anchor_date < self.today else "",
                )
                for w in made
                for i, name in enumerate(self.slots[w.template.slug])
            ],
            batch_size=BATCH,
        )
        tasks = [self._workflow_task(w, d) for w in made for d in self.definitions[w.template.slug]]
        Task.objects.bulk_create(tasks, batch_size=BATCH)
        return len(tasks)

    def _workflow(self, anchor: date) -> Workflow:
        template = self.templates[next(self.mix)]
        old = anchor < self.today - timedelta(days=30)
        archived = old and self.rng.random() < 0.85
        return Workflow(
            template=template,
            template_version=template.version,
            anchor_date=anchor,
            title=f"{template.name}: {anchor.isoformat()}",
            stage="done" if old else ("announced" if anchor > self.today else "after-event"),
            status="archived" if archived else "active",
            phases=[],
            created_by=self.users[0],
        )

    def _workflow_task(self, workflow: Workflow, definition: TaskDefinition) -> Task:
        due = workflow.anchor_date + timedelta(days=definition.offset_days)
        status = (
            S.ARCHIVED
            if workflow.status == "archived" and due >= self.today
            else _status(due, self.today, self.rng)
        )
        return _task(
            status,
            due,
            self.today,
            self.rng,
            title=definition.title,
            workflow=workflow,
            source=Task.Source.TEMPLATE,
            template_ref=definition.ref,
            phase=definition.phase.slug,
            position=definition.position,
            assignee=self.rng.choice(self.users[:3]),
            proof_kind=definition.proof_kind,
            proof_label=definition.proof_label,
            required_slots=definition.required_slots,
            stage_on_complete=definition.stage_on_complete,
            instruction_doc=definition.instruction_doc,
            proof_url="https://example.org/p" if due < self.today - timedelta(10) else "",
        )

    def standalone(self, count: int, first: date, last: date) -> int:
        span = (last - first).days
        for start in range(0, count, BATCH):
            Task.objects.bulk_create(
                [
                    self._chore(first + timedelta(days=span * i // max(count - 1, 1)), i)
                    for i in range(start, min(start + BATCH, count))
                ]
            )
        return count

    def _chore(self, due: date, i: int) -> Task:
        return _task(
            _status(due, self.today, self.rng),
            due,
            self.today,
            self.rng,
            title=f"Chore {i}: back up the mailing list",
            source=Task.Source.RECURRING,
            assignee=self.users[i % len(self.users)] if i % 7 else None,
        )


# --- measurements -----------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(client: Client, url: str) -> int:
    """SQL queries of one view of `url` once the cached lists are warm (a first view fills
    them; every view after it is the steady state being compared)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _get(client: Client, url: str):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    return fetch


def _completable(today: date) -> list[Task]:
    return list(
        Task.objects.filter(
            status=S.TODO,
            proof_kind="none",
            required_slots=[],
            workflow__isnull=True,
            due_date__gte=today,
        )[:60]
    )


def _settle() -> None:
    """Vacuum and analyze now, so autovacuum does not wake up (and take a core) mid-run."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _completable_in(workflow: Workflow, today: date) -> list[Task]:
    """The tasks of `workflow` due before today that need no proof (done, for a real page)."""
    return list(workflow.tasks.filter(due_date__lt=today, proof_kind="none", required_slots=[]))


def run(ctx) -> list[Result]:
    templates_load()
    users = _users()
    grace, ada = users[0], users[3]
    today = local_today()
    gen = Generator(today, users)
    eight_years_ago = today - timedelta(days=8 * 365)
    # Small: 1,000 tasks around today.
    made = gen.workflows(20, today - timedelta(days=20), today + timedelta(days=30))
    made += gen.standalone(
        SMALL_TASKS - made, today - timedelta(days=60), today + timedelta(days=30)
    )
    home = _client(grace)
    queries_small = (_queries(home, "/"), Task.objects.count())
    # Full: 2,000 workflows, 100,000 tasks.
    made_wf = gen.workflows(WORKFLOWS - 20, eight_years_ago, today - timedelta(days=21))
    gen.standalone(TASKS - Task.objects.count(), eight_years_ago, today + timedelta(days=30))
    _settle()
    queries_full = (_queries(home, "/"), Task.objects.count())
    podcast = WorkflowTemplate.objects.get(slug="podcast")
    workflow = workflow_start(template=podcast, anchor_date=today + timedelta(days=12), by=grace)
    for task in _completable_in(workflow, today):
        task_complete(task=task, by=grace)
    task_list = (
        f"/tasks/?status=done&source=recurring&assignee={grace.pk}"
        f"&due_from={today - timedelta(days=700)}&due_to={today - timedelta(days=30)}"
    )
    list_page = _client(grace)
    list_rows = Task.objects.filter(
        status=S.DONE,
        source="recurring",
        assignee=grace,
        due_date__range=(today - timedelta(700), today - timedelta(30)),
    ).count()
    assert list_rows > 50, list_rows
    open_tasks = iter(_completable(today))
    anchors = iter(range(30, 200))
    note = (
        f"data: {Task.objects.count():,} tasks, {Workflow.objects.count():,} workflows "
        f"({made_wf + made:,} workflow tasks), {len(users)} users; open tasks: "
        f"{Task.objects.filter(status__in=Task.OPEN).count():,}"
    )
    home_result = measure(
        "Operations Home GET / (operator, mine)", _get(home, "/"), runs=60, target_ms=50, note=note
    )
    home_result.extra = {"queries_at_1k": queries_small[0], "queries_at_100k": queries_full[0]}
    return [
        home_result,
        Result(
            f"Home SQL queries: {queries_small[1]:,} tasks → {queries_full[1]:,} tasks",
            [0.0],
            queries=queries_full[0],
            note=f"{queries_small[0]} queries at {queries_small[1]:,} tasks, "
            f"{queries_full[0]} at {queries_full[1]:,} (must be equal)",
            extra={"queries_small": queries_small[0], "queries_full": queries_full[0]},
        ),
        measure(
            "Operations Home GET /?scope=everyone (admin)",
            _get(_client(ada), "/?scope=everyone"),
            runs=40,
            target_ms=50,
        ),
        measure(
            f"Workflow page, 42 tasks (/workflows/{workflow.pk}/)",
            _get(_client(grace), f"/workflows/{workflow.pk}/"),
            runs=60,
            target_ms=50,
        ),
        measure(
            "Task list, 50 rows, 5 filters",
            _get(list_page, task_list),
            runs=60,
            target_ms=50,
            note=f"{list_rows:,} matching rows, first page of 50",
        ),
        measure(
            "Workflow list (active, risk computed)",
            _get(_client(grace), "/workflows/"),
            runs=30,
            target_ms=50,
        ),
        measure(
            "Start a Podcast workflow (42 tasks, service)",
            lambda: workflow_start(
                template=podcast, anchor_date=today + timedelta(days=next(anchors)), by=grace
            ),
            runs=20,
            warmup=2,
            target_ms=100,
        ),
        measure(
            "Complete a task (service)",
            lambda: task_complete(task=next(open_tasks), by=grace),
            runs=40,
            warmup=3,
            target_ms=20,
        ),
    ]
