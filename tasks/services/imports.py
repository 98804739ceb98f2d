"""Importing a Trello board (rolling it back: `tasks.services.import_rollback`).

The import runs in one transaction and writes through the task services (`task_create`,
`task_complete`, `task_add_comment`, `record`), so every imported row has its history and
meets the same constraints as hand-made work. Each created row is listed in an
`ImportBatchItem` with its Trello id: a Trello id is imported once, so importing the same
board again creates nothing new. A dry run takes the same path and rolls the transaction
back, so its report is exactly what the import would do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from dataops.errors import ServiceError
from dataops.models import User
from dataops.services import audit_record
from tasks.importers.mapping import STANDALONE, WORKFLOW, Mapping
from tasks.importers.trello import Board, Card, Checklist, Item
from tasks.models import (
    HistoryEvent,
    ImportBatch,
    ImportBatchItem,
    Task,
    Workflow,
    WorkflowReference,
    WorkflowTemplate,
)
from tasks.services.common import local_today, record
from tasks.services.task_actions import task_add_comment, task_complete, task_create
from tasks.services.workflows import workflow_start

Action = HistoryEvent.Action
MISSING_TEMPLATES = "The mapping names templates that do not exist: {slugs}."
IMPORT_KIND = "trello-import"
# How often the optional progress callback hears of the cards processed (a 2,000-card board
# takes half a minute: every 50 cards is about once a second).
PROGRESS_EVERY = 50

# Called with (cards processed, cards on the board), skipped cards included.
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    batch: int | None = None
    created: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("workflows", "tasks", "comments", "references"), 0)
    )
    skipped: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            (
                "archived_lists",
                "cards_in_archived_lists",
                "archived_cards",
                "unselected_cards",
                "already_imported",
            ),
            0,
        )
    )
    errors: list[str] = field(default_factory=list)
    redacted: int = 0
    redactions: list[dict[str, str]] = field(default_factory=list)
    unmatched_members: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


def item_model(model: type[models.Model]) -> str:
    """How an `ImportBatchItem` names the model of its row."""
    return model._meta.label_lower


# --- people ---------------------------------------------------------------------------------


def match_members(board: Board, mapping: Mapping) -> tuple[dict[str, User], list[str]]:
    """Trello member id → user: the mapping first, then username, email, full name; a
    member the mapping sends to "" has no user."""
    users = list(User.objects.filter(is_active=True))
    by_username = {u.username.lower(): u for u in users}
    by_email = {u.email.lower(): u for u in users if u.email}
    by_name = {u.get_full_name().lower(): u for u in users if u.get_full_name()}
    matched, unmatched = {}, []
    for member in board.members.values():
        wanted = mapping.members.get(member.username, member.username).lower()
        user = wanted and (
            by_username.get(wanted)
            or by_email.get(member.email.lower() if member.email else "")
            or by_name.get(member.full_name.lower())
        )
        if not user:
            unmatched.append(member.full_name or member.username)
        else:
            matched[member.trello_id] = user
    return matched, sorted(unmatched)


# --- the run ---------------------------------------------------------------------------------


@dataclass
class _Run:
    board: Board
    mapping: Mapping
    by: User | None
    batch: ImportBatch
    people: dict[str, User]
    templates: dict[str, WorkflowTemplate]
    report: ImportReport
    known: set[tuple[str, str]]
    # Written in one statement at the end: one insert per created row doubled the run time.
    items: list[ImportBatchItem] = field(default_factory=list)
    board_template: WorkflowTemplate | None = None
    on_progress: Progress | None = None

    def remember(self, row: models.Model, external_id: str) -> None:
        self.items.append(
            ImportBatchItem(
                batch=self.batch,
                model=item_model(type(row)),
                object_id=row.pk,
                external_id=external_id,
            )
        )
        self.known.add((item_model(type(row)), external_id))

    def checkpoint(self) -> tuple[int, dict[str, int]]:
        return len(self.items), dict(self.report.created)

    def undo_to(self, checkpoint: tuple[int, dict[str, int]]) -> None:
        """Forget what a failed card created: its rows were rolled back."""
        mark, self.report.created = checkpoint
        for item in self.items[mark:]:
            self.known.discard((item.model, item.external_id))
        del self.items[mark:]
        self.board_template = None  # it may have been created, and rolled back, with the card

    def seen(self, model: type[models.Model], external_id: str) -> bool:
        return (item_model(model), external_id) in self.known

    def list_name(self, card: Card) -> str:
        trello_list = self.board.lists.get(card.list_id)
        return trello_list.name if trello_list else ""

    def tags(self, card: Card) -> list[str]:
        """The card's labels as tags, mapped by label id or name; a nameless label or one
        mapped to "" gives none."""
        tags = set()
        for label_id in card.label_ids:
            name = self.board.labels.get(label_id, "")
            tags.add(self.mapping.labels.get(label_id, self.mapping.labels.get(name, name)))
        return sorted(tag for tag in tags if tag)

    def assignee(self, *member_ids: str) -> User | None:
        return next((self.people[m] for m in member_ids if m in self.people), None)

    def is_done(self, card: Card, item: Item | None) -> bool:
        rule = self.mapping.done
        if self.mapping.done_list:
            return self.list_name(card) == self.mapping.done_list
        if rule == "dueComplete" or item is None:
            return card.due_complete and rule != "checklist"
        return item.complete


def _local(value, fallback: date) -> date:
    return timezone.localdate(value) if value else fallback


def _import_template(run: _Run) -> WorkflowTemplate:
    """The board's own template: a workflow needs one, and a card's checklists are its plan.

    It has no task definitions (nothing can be started from it) and is created once per
    board, as part of the first import's batch."""
    if run.board_template is not None:
        return run.board_template
    slug = f"trello-{run.board.trello_id}"[:80]
    template = WorkflowTemplate.objects.filter(slug=slug).first()
    if template is None:
        template = WorkflowTemplate.objects.create(
            slug=slug,
            name=f"Trello: {run.board.name}"[:120],
            kind=IMPORT_KIND,
            description="Workflows imported from a Trello board; their tasks came from checklists.",
        )
        run.remember(template, f"board:{run.board.trello_id}")
    run.board_template = template
    return template


def _phases(checklists: list[Checklist]) -> list[dict[str, str]]:
    return [
        {"slug": slugify(c.name)[:60] or f"checklist-{i}", "title": c.name, "stage": "preparation"}
        for i, c in enumerate(checklists, 1)
    ]


def _start_workflow(run: _Run, card: Card, slug: str) -> Workflow:
    """A workflow for the card: started from the mapped template (its tasks included), or
    a workflow of the board's template carrying only the card's checklists."""
    anchor = _local(card.due, local_today())
    if slug:
        workflow = workflow_start(
            template=run.templates[slug], anchor_date=anchor, by=run.by, title=card.name
        )
        # The card's checklists join the template's phases, so their tasks group under them.
        known = {phase["slug"] for phase in workflow.phases}
        workflow.phases += [p for p in _phases(card.checklists) if p["slug"] not in known]
        workflow.save(update_fields=["phases"])
        for task in workflow.tasks.all():
            run.remember(task, f"{card.trello_id}:{task.template_ref}")
        run.report.created["tasks"] += workflow.tasks.count()
    else:
        template = _import_template(run)
        workflow = Workflow.objects.create(
            template=template,
            template_version=template.version,
            title=card.name[:300],
            anchor_date=anchor,
            phases=_phases(card.checklists),
            notes=card.desc,
            created_by=run.by,
        )
        record(
            action=Action.STARTED,
            by=run.by,
            workflow=workflow,
            note=f"Imported from the Trello board “{run.board.name}”.",
            after={"trello_card": card.trello_id, "checklists": len(card.checklists)},
        )
    run.remember(workflow, card.trello_id)
    run.report.created["workflows"] += 1
    return workflow


def _add_references(run: _Run, card: Card, workflow: Workflow) -> None:
    for position, link in enumerate(card.links):
        if run.seen(WorkflowReference, link.trello_id):
            continue
        reference = WorkflowReference.objects.create(
            workflow=workflow, title=link.title, url=link.url[:1000], position=100 + position
        )
        run.remember(reference, link.trello_id)
        run.report.created["references"] += 1


def _new_task(run: _Run, card: Card, *, external_id: str, done: bool, **fields) -> Task:
    task = task_create(by=run.by, source=Task.Source.IMPORT, tags=run.tags(card), **fields)
    run.remember(task, external_id)
    run.report.created["tasks"] += 1
    if done:
        task = task_complete(task=task, by=run.by)
    return task


def _checklist_tasks(run: _Run, card: Card, workflow: Workflow) -> None:
    phases = {
        c.trello_id: p["slug"]
        for c, p in zip(card.checklists, _phases(card.checklists), strict=True)
    }
    position = 1000
    for checklist in card.checklists:
        for item in checklist.items:
            position += 1
            _new_task(
                run,
                card,
                external_id=item.trello_id,
                done=run.is_done(card, item),
                title=item.name[:300],
                due_date=_local(item.due or card.due, workflow.anchor_date),
                assignee=run.assignee(item.member_id, *card.member_ids),
                workflow=workflow,
                phase=phases[checklist.trello_id],
                position=min(position, 32767),
            )


def _card_links_text(card: Card) -> str:
    lines = [f"- {link.title}: {link.url}" for link in card.links]
    return "\n".join([card.desc, "", "Links:", *lines]).strip() if lines else card.desc


def _comment_text(run: _Run, comment) -> str:
    member = run.board.members.get(comment.member_id)
    who = (member.full_name or member.username) if member else "someone"
    when = f" on {comment.at:%Y-%m-%d}" if comment.at else ""
    return f"{comment.text}\n\n(Trello comment by {who}{when})"


def _add_comments(run: _Run, card: Card, *, task: Task | None, workflow: Workflow | None) -> None:
    for comment in card.comments:
        if run.seen(HistoryEvent, comment.trello_id):
            continue
        text = _comment_text(run, comment)
        if task is not None:
            event = task_add_comment(task=task, by=run.by, text=text)
        else:
            # A workflow has no comment service of its own; its timeline shows the event.
            event = record(action=Action.COMMENTED, by=run.by, workflow=workflow, note=text[:5000])
        run.remember(event, comment.trello_id)
        run.report.created["comments"] += 1


def _import_card(run: _Run, card: Card) -> None:
    target = run.mapping.target(run.list_name(card))
    as_workflow = target not in ("", STANDALONE) or (target == "" and card.checklists)
    if as_workflow:
        workflow = _start_workflow(run, card, target if target != WORKFLOW else "")
        _checklist_tasks(run, card, workflow)
        _add_references(run, card, workflow)
        _add_comments(run, card, task=None, workflow=workflow)
        return
    task = _new_task(
        run,
        card,
        external_id=card.trello_id,
        done=run.is_done(card, None),
        title=card.name[:300],
        due_date=_local(card.due, local_today()),
        assignee=run.assignee(*card.member_ids),
        description=_card_links_text(card),
    )
    _add_comments(run, card, task=task, workflow=None)


def _already_imported(run: _Run, card: Card) -> bool:
    return run.seen(Workflow, card.trello_id) or run.seen(Task, card.trello_id)


def _skip_reason(run: _Run, card: Card) -> str:
    trello_list = run.board.lists.get(card.list_id)
    if trello_list is not None and trello_list.closed:
        return "cards_in_archived_lists"
    if card.closed:
        return "archived_cards"
    if not run.mapping.imports_list(run.list_name(card), card.list_id):
        return "unselected_cards"
    return "already_imported" if _already_imported(run, card) else ""


def _import_cards(run: _Run) -> None:
    total = len(run.board.cards)
    if run.on_progress:
        run.on_progress(0, total)
    for done, card in enumerate(run.board.cards, start=1):
        _take_card(run, card)
        if run.on_progress and (done % PROGRESS_EVERY == 0 or done == total):
            run.on_progress(done, total)


def _take_card(run: _Run, card: Card) -> None:
    reason = _skip_reason(run, card)
    if reason:
        run.report.skipped[reason] += 1
        return
    checkpoint = run.checkpoint()
    try:
        # A card that fails (a date ten years off) is reported; the others still import.
        with transaction.atomic():
            _import_card(run, card)
    except ServiceError as exc:
        run.undo_to(checkpoint)
        run.report.errors.append(f"card “{card.name}”: {exc}")


def _templates(mapping: Mapping) -> dict[str, WorkflowTemplate]:
    wanted = mapping.template_slugs()
    found = {t.slug: t for t in WorkflowTemplate.objects.filter(slug__in=wanted)}
    missing = sorted(wanted - set(found))
    if missing:
        raise ServiceError(MISSING_TEMPLATES.format(slugs=", ".join(missing)), code="mapping")
    return found


def _known_ids() -> set[tuple[str, str]]:
    return set(ImportBatchItem.objects.values_list("model", "external_id"))


def _report_redactions(board: Board, report: ImportReport) -> None:
    report.redacted = len(board.redactions)
    report.redactions = [asdict(r) for r in board.redactions]


def trello_import(
    *,
    board: Board,
    mapping: Mapping,
    by: User | None,
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportReport:
    """Import `board` in one transaction as one `ImportBatch`; return what was done.

    Refuses (ServiceError, nothing written) when the mapping names a missing template. With
    `dry_run` the same work is done and rolled back; the report then has no batch id.
    `on_progress(done, total)` hears of the cards processed every PROGRESS_EVERY cards,
    at the start and at the end (the import's transaction is still open meanwhile)."""
    report = ImportReport(dry_run=dry_run)
    _report_redactions(board, report)
    try:
        with transaction.atomic():
            _run_import(board, mapping, by, report, on_progress)
            if dry_run:
                raise _DryRun
    except _DryRun:
        report.batch = None
    return report


def _run_import(
    board: Board,
    mapping: Mapping,
    by: User | None,
    report: ImportReport,
    on_progress: Progress | None,
) -> None:
    templates = _templates(mapping)
    people, report.unmatched_members = match_members(board, mapping)
    batch = ImportBatch.objects.create(
        source="trello", external_id=board.trello_id, name=board.name[:300], created_by=by
    )
    run = _Run(board, mapping, by, batch, people, templates, report, _known_ids())
    run.on_progress = on_progress
    report.skipped["archived_lists"] = sum(1 for lst in board.lists.values() if lst.closed)
    _import_cards(run)
    ImportBatchItem.objects.bulk_create(run.items, batch_size=1000)
    if not run.items:
        # Nothing new (a re-import of the same board): no empty batch either.
        batch.delete()
        return
    batch.history_mark = HistoryEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    report.batch = batch.pk
    batch.report = report.as_dict()
    batch.save(update_fields=["history_mark", "report"])
    audit_record(actor=by, action="import.trello", target=batch, changes=report.created)
