"""The work engine's records: templates, workflows started from them, tasks, proof, history.

Invariants live in the database (unique and check constraints); the services in
`tasks.services` are the only code that changes a workflow or a task, and every change
appends a `HistoryEvent`.

A workflow copies what its tasks need from the template when it starts (titles, dates,
proof rules, phases), so editing a template never changes work already under way; the
workflow remembers the template version it came from.
"""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tasks.links import url_for
from tasks.models.choices import CatchUp, ProofKind, Shift, Stage

USER = settings.AUTH_USER_MODEL


# --- templates ---------------------------------------------------------------------------


class WorkflowTemplate(models.Model):
    """A reusable plan: phases, link slots, references and ordered task definitions."""

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    kind = models.SlugField(max_length=40, help_text="podcast, newsletter, webinar …")
    emoji = models.CharField(max_length=8, blank=True)
    description = models.TextField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    title_pattern = models.CharField(
        max_length=200,
        blank=True,
        help_text="Title convention, e.g. “Podcast: {anchor} - {topic} - {guest}”.",
    )
    default_assignee = models.CharField(
        max_length=150, blank=True, help_text="Username; tasks without an override get them."
    )
    docs = models.JSONField(default=list, blank=True, help_text="Process docs it is defined by.")
    automatic = models.BooleanField(default=False)
    schedule = models.CharField(
        max_length=300,
        blank=True,
        help_text="Cron (0 9 * * 1) or an RRULE (FREQ=WEEKLY;BYDAY=MO) with a time of day.",
    )
    schedule_time = models.CharField(
        max_length=5, blank=True, help_text="HH:MM for an RRULE schedule (default 09:00)."
    )
    schedule_timezone = models.CharField(
        max_length=64, blank=True, help_text="IANA zone; empty: the organisation's zone."
    )
    catch_up = models.CharField(max_length=8, choices=CatchUp.choices, default=CatchUp.LATEST)
    shift = models.CharField(max_length=8, choices=Shift.choices, default=Shift.NONE)
    lead_days = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="template_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.emoji} {self.name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("tasks:template-detail", args=[self.slug])

    def clean(self) -> None:
        """Admin edits get the schedule checks the YAML loader makes."""
        from tasks.template_spec import schedule_problems

        problems = schedule_problems(
            automatic=self.automatic,
            schedule=self.schedule,
            time=self.schedule_time,
            timezone=self.schedule_timezone,
        )
        if problems:
            raise ValidationError(problems)


class TemplatePhase(models.Model):
    template = models.ForeignKey(WorkflowTemplate, on_delete=models.CASCADE, related_name="phases")
    slug = models.SlugField(max_length=60)
    title = models.CharField(max_length=120)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PREPARATION)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "slug"], name="phase_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.title


class TemplateLinkSlot(models.Model):
    """A named proof link every workflow of the template carries (e.g. “Luma”)."""

    template = models.ForeignKey(
        WorkflowTemplate, on_delete=models.CASCADE, related_name="link_slots"
    )
    name = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "name"], name="template_slot_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateReference(models.Model):
    template = models.ForeignKey(
        WorkflowTemplate, on_delete=models.CASCADE, related_name="references"
    )
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class TaskDefinition(models.Model):
    """One task of a template, placed `offset_days` from the workflow's anchor date."""

    template = models.ForeignKey(
        WorkflowTemplate, on_delete=models.CASCADE, related_name="task_definitions"
    )
    ref = models.SlugField(max_length=80, help_text="Stable id, unique in the template.")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    offset_days = models.SmallIntegerField(help_text="Calendar days from the anchor date.")
    phase = models.ForeignKey(TemplatePhase, on_delete=models.PROTECT, related_name="+")
    milestone = models.BooleanField(default=False)
    stage_on_complete = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    assignee = models.CharField(max_length=150, blank=True, help_text="Username override.")
    instruction_doc = models.CharField(max_length=200, blank=True)
    instruction_step = models.CharField(max_length=20, blank=True)
    systems = models.JSONField(default=list, blank=True)
    proof_kind = models.CharField(max_length=20, choices=ProofKind.choices, default=ProofKind.NONE)
    proof_label = models.CharField(max_length=200, blank=True)
    required_slots = models.JSONField(default=list, blank=True)
    na_reasons = models.JSONField(
        default=list, blank=True, help_text="Reasons it may be closed as not applicable."
    )
    waiting_hint = models.CharField(max_length=200, blank=True)
    risk_hint = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "ref"], name="definition_ref_unique"),
            models.CheckConstraint(
                condition=Q(offset_days__gte=-366, offset_days__lte=366),
                name="definition_offset_within_a_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ref}: {self.title}"

    def clean(self) -> None:
        """Admin edits get the checks the YAML loader makes."""
        errors = {}
        if self.phase_id and self.template_id and self.phase.template_id != self.template_id:
            errors["phase"] = "Pick a phase of this template."
        for name in ("systems", "required_slots", "na_reasons"):
            value = getattr(self, name)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[name] = 'Enter a list of texts, like ["Luma", "Meetup"].'
        if not errors and self.template_id and self.required_slots:
            known = set(self.template.link_slots.values_list("name", flat=True))
            unknown = [name for name in self.required_slots if name not in known]
            if unknown:
                errors["required_slots"] = f"Not link slots of this template: {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)


# --- workflows ----------------------------------------------------------------------------


class Workflow(models.Model):
    """A run of a template around an anchor date (the event, stream or send date)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    template = models.ForeignKey(
        WorkflowTemplate, on_delete=models.PROTECT, related_name="workflows"
    )
    template_version = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    anchor_date = models.DateField()
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PREPARATION)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    phases = models.JSONField(default=list, help_text="Snapshot: [{slug, title, stage}].")
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Started by the template's own schedule (the recurring generator), not by a person.
    auto_started = models.BooleanField(default=False)
    # The key of the start form that made it: a resubmitted form (a double click, a retry,
    # ten identical posts at once) finds this workflow instead of starting another.
    start_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["anchor_date", "id"]
        indexes = [models.Index(fields=["status", "anchor_date"])]
        constraints = [
            # The generator's final guard: one automatic start per template and anchor date.
            # People may still start several workflows with the same anchor by hand.
            models.UniqueConstraint(
                fields=["template", "anchor_date"],
                condition=Q(auto_started=True),
                name="workflow_one_auto_start_per_anchor",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "archived"]), name="workflow_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage__in=Stage.values), name="workflow_stage_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_for("tasks:workflow-detail", self.pk)

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


class WorkflowLinkSlot(models.Model):
    """A shared proof link of one workflow; filling it satisfies every task that needs it."""

    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="link_slots")
    name = models.CharField(max_length=80)
    url = models.URLField(max_length=1000, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workflow", "name"], name="workflow_slot_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_filled(self) -> bool:
        return bool(self.url)


class WorkflowReference(models.Model):
    workflow = models.ForeignKey(Workflow, on_delete=models.CASCADE, related_name="references")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


# --- tasks ------------------------------------------------------------------------------


class Task(models.Model):
    """One piece of work with a due date, optional proof rules and waiting state."""

    class Status(models.TextChoices):
        TODO = "todo", "To do"
        WAITING = "waiting", "Waiting"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Not applicable"
        ARCHIVED = "archived", "Archived"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        TEMPLATE = "template", "Template"
        RECURRING = "recurring", "Recurring"
        INTAKE = "intake", "Intake"
        IMPORT = "import", "Import"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"
        TELEGRAM = "telegram", "Telegram"
        LINKEDIN = "linkedin", "LinkedIn"
        PHONE = "phone", "Phone"
        OTHER = "other", "Other"

    OPEN = (Status.TODO, Status.WAITING)

    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    due_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)
    # Foreign keys led by a composite index below need no index of their own: one index less
    # to maintain per task matters when a catch-up creates a year of chores at once.
    assignee = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        db_index=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    workflow = models.ForeignKey(
        Workflow,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        db_index=False,
    )
    template_ref = models.CharField(max_length=80, blank=True)
    # A task generated by a recurring rule, for one of its occurrences (a local date). The
    # unique (rule, occurrence) index serves the foreign key too: no index of its own.
    recurring_rule = models.ForeignKey(
        "tasks.RecurringRule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        db_index=False,
    )
    occurrence_date = models.DateField(null=True, blank=True)
    phase = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    milestone = models.BooleanField(default=False)
    stage_on_complete = models.CharField(max_length=16, choices=Stage.choices, blank=True)
    instruction_doc = models.CharField(max_length=200, blank=True)
    instruction_step = models.CharField(max_length=20, blank=True)
    systems = models.JSONField(default=list, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # What closing it needs, and what was given.
    proof_kind = models.CharField(max_length=20, choices=ProofKind.choices, default=ProofKind.NONE)
    proof_label = models.CharField(max_length=200, blank=True)
    required_slots = models.JSONField(default=list, blank=True)
    na_reasons = models.JSONField(default=list, blank=True)
    proof_url = models.URLField(max_length=1000, blank=True)
    proof_note = models.TextField(blank=True)
    proof_status = models.CharField(max_length=200, blank=True)
    # Waiting on someone.
    waiting_for = models.CharField(max_length=200, blank=True)
    waiting_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    waiting_since = models.DateField(null=True, blank=True)
    follow_up_date = models.DateField(null=True, blank=True)
    waiting_hint = models.CharField(max_length=200, blank=True)
    # Closing.
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_date", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workflow", "template_ref"],
                condition=~Q(template_ref=""),
                name="task_one_per_workflow_ref",
            ),
            models.UniqueConstraint(
                fields=["recurring_rule", "occurrence_date"],
                name="task_one_per_rule_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(recurring_rule__isnull=True, occurrence_date__isnull=True)
                | Q(recurring_rule__isnull=False, occurrence_date__isnull=False),
                name="task_rule_and_occurrence_together",
            ),
            models.CheckConstraint(
                condition=~Q(status="waiting")
                | (~Q(waiting_for="") & Q(follow_up_date__isnull=False)),
                name="task_waiting_needs_who_and_follow_up",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="task_done_has_completion_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["todo", "waiting", "done", "skipped", "archived"]),
                name="task_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["manual", "template", "recurring", "intake", "import"]),
                name="task_source_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="task_version_positive"),
        ]
        indexes = [
            # Operations Home reads only open tasks; these stay small as history grows.
            models.Index(fields=["due_date"], condition=Q(status="todo"), name="task_todo_due"),
            models.Index(
                fields=["follow_up_date"], condition=Q(status="waiting"), name="task_waiting_fu"
            ),
            models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_status"),
            models.Index(fields=["workflow", "status", "due_date"], name="task_workflow_status"),
            models.Index(fields=["status", "due_date"], name="task_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return url_for("tasks:task-detail", self.pk)

    # --- per-row facts -------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.status == self.Status.TODO and self.due_date < today

    def follow_up_is_due(self, today: date) -> bool:
        return self.status == self.Status.WAITING and self.follow_up_date <= today

    def next_step(self, *, today: date, missing_text: str = "", has_doc: bool = False) -> str:
        """What to do next with this task, in words, for its row."""
        if self.status == self.Status.WAITING:
            if self.follow_up_date > today:
                return f"Waiting for {self.waiting_for}."
            channel = f" on {self.get_waiting_channel_display()}" if self.waiting_channel else ""
            return f"Follow up with {self.waiting_for}{channel}."
        if self.status != self.Status.TODO:
            return ""
        if missing_text:
            return f"Add {missing_text}, then complete."
        if self.due_date < today:
            return "Overdue: do it now or snooze it."
        return "Follow the SOP, then complete." if has_doc else "Complete it when it is done."

    @property
    def needs_proof(self) -> bool:
        return self.proof_kind != ProofKind.NONE or bool(self.required_slots)

    @property
    def proof_slot_name(self) -> str:
        """The workflow slot the URL proof lands in, when the label names one."""
        return self.proof_label if self.proof_kind == ProofKind.URL else ""

    def missing_proof(self, slots: dict[str, str], has_file: bool) -> list[str]:
        """What is missing before this task may close, as phrases naming each thing.

        `slots` maps the workflow's slot names to their URLs; `has_file` says whether a
        proof file is attached.
        """
        missing = []
        label = self.proof_label
        kind = self.proof_kind
        if kind == ProofKind.URL and not (self.proof_url or slots.get(label)):
            missing.append(f"the “{label}” link" if label else "a proof link")
        elif kind == ProofKind.FILE and not has_file:
            missing.append(f"a file (“{label}”)" if label else "a proof file")
        elif kind == ProofKind.NOTE and not self.proof_note.strip():
            missing.append(f"a note (“{label}”)" if label else "a note")
        elif kind == ProofKind.EXTERNAL_STATUS and not self.proof_status.strip():
            missing.append(f"the status “{label}”" if label else "the external status")
        elif kind == ProofKind.ASSISTANT_OUTPUT and not (self.proof_url or self.proof_note):
            missing.append("the approved assistant output")
        for name in self.required_slots:
            if name != self.proof_slot_name and not slots.get(name):
                missing.append(f"the “{name}” link")
        return missing


class ProofFile(models.Model):
    """A file attached as proof. Stored through Django storage, served only to members."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="proof_files")
    file = models.FileField(upload_to="proof/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("tasks:proof-file", args=[self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @staticmethod
    def storage_name(original_name: str) -> str:
        """A random stored name keeps the extension only: nothing guessable, no collisions."""
        suffix = PurePath(original_name).suffix.lower()[:10]
        return f"{uuid.uuid4().hex}{suffix}"


# --- history --------------------------------------------------------------------------------


class HistoryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("History events are append-only.")

    def delete(self):
        raise TypeError("History events are append-only.")


class HistoryEvent(models.Model):
    """Append-only: who did what to a task or workflow, with before/after of what changed."""

    class Action(models.TextChoices):
        CREATED = "created", "created"
        EDITED = "edited", "edited"
        COMPLETED = "completed", "completed"
        REOPENED = "reopened", "reopened"
        WAITING = "waiting", "marked waiting"
        FOLLOW_UP_SENT = "follow_up_sent", "sent a follow-up"
        RESPONSE_RECEIVED = "response_received", "got the response"
        RESOLVED = "resolved", "resolved waiting as done"
        SNOOZED = "snoozed", "snoozed"
        REASSIGNED = "reassigned", "reassigned"
        NOT_APPLICABLE = "not_applicable", "closed as not applicable"
        PROOF_ADDED = "proof_added", "added proof"
        COMMENTED = "commented", "commented"
        ARCHIVED = "archived", "archived"
        STARTED = "started", "started the workflow"
        SLOT_SET = "slot_set", "set a link"
        STAGE_CHANGED = "stage_changed", "changed the stage"

    # Served by history_task_at / history_workflow_at (see Task's foreign keys).
    task = models.ForeignKey(
        Task,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="history",
        db_index=False,
    )
    workflow = models.ForeignKey(
        Workflow,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="history",
        db_index=False,
    )
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    note = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = HistoryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["task", "at"], name="history_task_at"),
            models.Index(fields=["workflow", "at"], name="history_workflow_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(task__isnull=False) | Q(workflow__isnull=False),
                name="history_has_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} @ {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("History events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("History events are append-only.")

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) triples for the timeline."""
        keys = list(dict.fromkeys([*self.before, *self.after]))
        return [(key, self.before.get(key), self.after.get(key)) for key in keys]
