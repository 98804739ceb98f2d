"""Forms of the work engine: they parse and validate input; the services decide."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

from django import forms
from django.core.exceptions import ValidationError

from dataops.errors import ServiceError
from dataops.models import User
from tasks import messages
from tasks.models import ProofKind, Stage, Task, WorkflowTemplate
from tasks.services.common import clean_url, local_today
from tasks.services.proof import ACCEPT_ATTR
from tasks.template_spec import title_fields

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATE_ERRORS = {"invalid": "Enter a real date (YYYY-MM-DD).", "required": "Pick a date."}


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE_WIDGET,
        error_messages=DATE_ERRORS,
        help_text=help_text,
    )


def http_url(value: str) -> str:
    try:
        return clean_url(value)
    except ServiceError as exc:
        raise ValidationError(str(exc)) from exc


class VersionedForm(forms.Form):
    """Every task action carries the version the person saw (optimistic locking). A post
    without it is refused: the services skip the stale-edit check when no version is given,
    so a form that lost it could silently overwrite someone else's change."""

    version = forms.IntegerField(
        required=False,
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"invalid": messages.VERSION_MISSING, "min_value": messages.VERSION_MISSING},
    )

    def clean(self):
        data = super().clean()
        if data.get("version") is None and not self.has_error("version"):
            self.add_error(None, messages.VERSION_MISSING)
        return data


def _people_choices(users: list[User], *, blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((str(u.pk), u.display_name) for u in users)]


def _person(value: str, users: list[User]) -> User | None:
    return next((u for u in users if str(u.pk) == value), None)


# --- task actions ---------------------------------------------------------------------------


class CompleteForm(VersionedForm):
    """Completion with its proof prompt: only the inputs this task's proof rule uses.

    Nothing here is required: the service names exactly what is missing when it refuses.
    """

    url = forms.CharField(
        label="Link",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    file = forms.FileField(
        label="File", required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR})
    )
    status = forms.BooleanField(label="Confirmed", required=False)
    note = forms.CharField(
        label="Note", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        kind, label = task.proof_kind, task.proof_label
        if kind in (ProofKind.URL, ProofKind.ASSISTANT_OUTPUT):
            self.fields["url"].label = f"“{label}” link" if label else "Proof link"
        else:
            del self.fields["url"]
        if kind == ProofKind.FILE:
            self.fields["file"].label = label or "Proof file"
        else:
            del self.fields["file"]
        if kind == ProofKind.EXTERNAL_STATUS:
            self.fields["status"].label = label or "Confirmed"
        else:
            del self.fields["status"]
        if kind == ProofKind.NOTE and label:
            self.fields["note"].label = label
        for index, name in enumerate(task.required_slots):
            if name != task.proof_slot_name:
                self.fields[f"slot_{index}"] = forms.CharField(
                    label=f"“{name}” link",
                    required=False,
                    max_length=1000,
                    widget=forms.URLInput(attrs={"placeholder": "https://…"}),
                )

    def clean_url(self) -> str:
        return http_url(self.cleaned_data["url"])

    def clean(self):
        data = super().clean()
        for key in self.fields:
            if key.startswith("slot_"):
                try:
                    data[key] = http_url(data.get(key, ""))
                except ValidationError as exc:
                    self.add_error(key, exc)
        return data

    def proof(self) -> dict:
        """Keyword arguments for `services.ProofInput`."""
        data = self.cleaned_data
        return {
            "url": data.get("url", ""),
            "note": data.get("note", ""),
            "status": (self.task.proof_label or "confirmed") if data.get("status") else "",
            "file": data.get("file"),
            "slots": {
                name: data.get(f"slot_{i}", "") for i, name in enumerate(self.task.required_slots)
            },
        }

    def field_for_error(self, field: str | None) -> str | None:
        if field and field.startswith("slot:"):
            name = field.removeprefix("slot:")
            key = (
                f"slot_{self.task.required_slots.index(name)}"
                if name in self.task.required_slots
                else "url"
            )
            return key if key in self.fields else None
        return field


class WaitForm(VersionedForm):
    waiting_for = forms.CharField(
        label="Waiting for", max_length=200, error_messages={"required": messages.WAIT_NEEDS_WHO}
    )
    follow_up_date = date_field("Follow up on")
    channel = forms.ChoiceField(
        label="Channel", required=False, choices=[("", "—"), *Task.Channel.choices]
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, task: Task | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("follow_up_date", local_today() + timedelta(days=2))
        if task is not None and task.waiting_hint:
            kwargs["initial"].setdefault("waiting_for", task.waiting_hint)
        super().__init__(*args, **kwargs)


class FollowUpForm(VersionedForm):
    next_follow_up = date_field("Next follow-up")
    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, *args, task: Task | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("next_follow_up", local_today() + timedelta(days=3))
        super().__init__(*args, **kwargs)


class NoteForm(VersionedForm):
    """Response received, reopen: an optional note."""

    note = forms.CharField(label="Note", required=False, max_length=2000)

    def __init__(self, *args, task: Task | None = None, **kwargs):
        super().__init__(*args, **kwargs)


class SnoozeForm(VersionedForm):
    until = date_field("New due date")
    reason = forms.CharField(
        label="Why", max_length=300, error_messages={"required": messages.SNOOZE_NEEDS_REASON}
    )

    def __init__(self, *args, task: Task | None = None, **kwargs):
        kwargs.setdefault("initial", {})
        due = task.due_date if task is not None else local_today()
        kwargs["initial"].setdefault("until", max(due, local_today()) + timedelta(days=1))
        super().__init__(*args, **kwargs)
        self.task = task

    def clean_until(self):
        """The date rules the service keeps, checked here too so that every problem of the
        form shows at once (a past date and a missing reason together)."""
        until = self.cleaned_data["until"]
        if until < local_today():
            raise ValidationError(messages.SNOOZE_IN_PAST)
        if self.task is not None and until == self.task.due_date:
            raise ValidationError(messages.SNOOZE_SAME_DATE)
        return until


class ReassignForm(VersionedForm):
    assignee = forms.ChoiceField(label="Assignee", required=False)

    def __init__(self, *args, task: Task | None = None, users: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.users = users
        self.fields["assignee"].choices = _people_choices(users, blank="Nobody (anyone)")

    def person(self) -> User | None:
        return _person(self.cleaned_data["assignee"], self.users)


class NotApplicableForm(VersionedForm):
    reason = forms.ChoiceField(label="Reason")

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.fields["reason"].choices = [(r, r) for r in task.na_reasons]
        self.fields["reason"].required = bool(task.na_reasons)

    def clean(self):
        if not self.task.na_reasons:
            raise ValidationError(messages.NA_NOT_ALLOWED)
        return super().clean()


class ProofForm(VersionedForm):
    url = forms.CharField(
        label="Link",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    note = forms.CharField(
        label="Note", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
    status = forms.CharField(label="External status", required=False, max_length=200)

    def __init__(self, *args, task: Task | None = None, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_url(self) -> str:
        return http_url(self.cleaned_data["url"])


class ProofFileForm(forms.Form):
    file = forms.FileField(
        label="Proof file",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTR}),
        error_messages={"required": "Choose a file to attach."},
    )

    def __init__(self, *args, task: Task | None = None, **kwargs):
        super().__init__(*args, **kwargs)


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": messages.COMMENT_EMPTY},
    )

    def __init__(self, *args, task: Task | None = None, **kwargs):
        super().__init__(*args, **kwargs)


class TaskEditForm(VersionedForm):
    title = forms.CharField(label="Title", max_length=300)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_date = date_field("Due")
    instruction_doc = forms.CharField(label="Instruction doc id", required=False, max_length=200)
    instruction_step = forms.CharField(label="Step", required=False, max_length=20)

    def __init__(self, *args, task: Task | None = None, **kwargs):
        if task is not None and "data" not in kwargs and not args:
            kwargs["initial"] = {
                "version": task.version,
                "title": task.title,
                "description": task.description,
                "due_date": task.due_date,
                "instruction_doc": task.instruction_doc,
                "instruction_step": task.instruction_step,
            }
        super().__init__(*args, **kwargs)


class TaskCreateForm(forms.Form):
    title = forms.CharField(
        label="Task",
        max_length=300,
        error_messages={"required": messages.TITLE_REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": "What needs doing?"}),
    )
    due_date = date_field("Due")
    assignee = forms.ChoiceField(label="Assignee", required=False)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, users: list[User], me: User, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("due_date", local_today())
        kwargs["initial"].setdefault("assignee", str(me.pk))
        super().__init__(*args, **kwargs)
        self.users = users
        self.fields["assignee"].choices = _people_choices(users, blank="Nobody (anyone)")

    def person(self) -> User | None:
        return _person(self.cleaned_data["assignee"], self.users)


# --- workflows ------------------------------------------------------------------------------


class StartWorkflowForm(forms.Form):
    """Template, anchor date, a title from the template's convention, link slots.

    `start_key` is made once when the form is shown and travels with every post of it, so
    the service recognises a resubmit; `start_anyway` is the answer to "one exists"."""

    start_key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": messages.START_KEY_MISSING,
            "invalid": messages.START_KEY_MISSING,
        },
    )
    start_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)
    template = forms.ChoiceField(label="Template")
    anchor_date = date_field(
        "Anchor date", help_text="The event, stream or send date. Tasks are dated from it."
    )
    title = forms.CharField(
        label="Title",
        required=False,
        max_length=300,
        help_text="Leave empty to use the template's convention.",
    )
    notes = forms.CharField(
        label="Notes", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, templates: list[WorkflowTemplate], **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("start_key", uuid4())
        self.templates = {t.slug: t for t in templates}
        self.fields["template"].choices = [("", "Choose a template…")] + [
            (t.slug, f"{t.emoji} {t.name}".strip()) for t in templates
        ]
        self.chosen = self.templates.get(
            self.data.get("template") or self.initial.get("template") or ""
        )
        if self.chosen is not None:
            self._add_template_fields(self.chosen)

    def _add_template_fields(self, template: WorkflowTemplate) -> None:
        for name in title_fields(template.title_pattern):
            self.fields[f"title_{name}"] = forms.CharField(
                label=name.replace("_", " ").capitalize(), required=False, max_length=120
            )
        for index, slot in enumerate(template.link_slots.all()):
            self.fields[f"slot_{index}"] = forms.CharField(
                label=slot.name,
                required=False,
                max_length=1000,
                widget=forms.URLInput(attrs={"placeholder": "https://… (optional)"}),
            )
            self.fields[f"slot_{index}"].slot_name = slot.name

    def clean_template(self) -> WorkflowTemplate:
        template = self.templates.get(self.cleaned_data["template"])
        if template is None:
            raise ValidationError("Choose a template.")
        return template

    def clean(self):
        data = super().clean()
        for key in self.slot_field_names:
            if data.get(key):
                try:
                    data[key] = http_url(data[key])
                except ValidationError as exc:
                    self.add_error(key, exc)
        return data

    @property
    def title_field_names(self) -> list[str]:
        return [key for key in self.fields if key.startswith("title_")]

    @property
    def slot_field_names(self) -> list[str]:
        return [key for key in self.fields if key.startswith("slot_")]

    def title_values(self) -> dict[str, str]:
        return {
            key.removeprefix("title_"): self.cleaned_data.get(key, "")
            for key in self.title_field_names
        }

    def slot_urls(self) -> dict[str, str]:
        return {
            self.fields[key].slot_name: self.cleaned_data.get(key, "")
            for key in self.slot_field_names
            if self.cleaned_data.get(key)
        }


class SlotForm(forms.Form):
    url = forms.CharField(
        label="Link",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )

    def clean_url(self) -> str:
        return http_url(self.cleaned_data["url"])


class StageForm(forms.Form):
    stage = forms.ChoiceField(label="Stage", choices=Stage.choices)
    comment = forms.CharField(
        label="Why", max_length=2000, error_messages={"required": messages.STAGE_NEEDS_COMMENT}
    )


class ArchiveForm(forms.Form):
    note = forms.CharField(label="Note", required=False, max_length=2000)


# --- filters ----------------------------------------------------------------------------------


class TaskFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title contains…"}),
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), ("open", "Open (to do or waiting)"), *Task.Status.choices],
    )
    assignee = forms.ChoiceField(label="Assignee", required=False)
    due = forms.ChoiceField(
        label="When",
        required=False,
        choices=[
            ("", "Any time"),
            ("overdue", "Overdue"),
            ("today", "Today"),
            ("week", "Next 7 days"),
            ("follow_up", "Follow-up due"),
        ],
    )
    due_from = date_field("Due from", required=False)
    due_to = date_field("Due until", required=False)
    workflow = forms.IntegerField(
        label="Workflow", required=False, min_value=1, widget=forms.HiddenInput
    )
    source = forms.ChoiceField(
        label="Source", required=False, choices=[("", "Any source"), *Task.Source.choices]
    )

    def __init__(self, *args, users: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("mine", "Me or unassigned"),
            ("none", "Unassigned"),
            *((str(u.pk), u.display_name) for u in users),
        ]

    def clean(self):
        data = super().clean()
        low, high = data.get("due_from"), data.get("due_to")
        if low and high and low > high:
            self.add_error("due_to", "“Due until” is before “Due from”.")
        return data


class WorkflowFilterForm(forms.Form):
    template = forms.ChoiceField(label="Template", required=False)
    stage = forms.ChoiceField(
        label="Stage", required=False, choices=[("", "Any stage"), *Stage.choices]
    )
    risk = forms.ChoiceField(
        label="Risk",
        required=False,
        choices=[
            ("", "Any risk"),
            ("any", "At risk (any)"),
            ("high", "High risk"),
            ("medium", "Medium risk"),
            ("none", "On track"),
        ],
    )
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("active", "Active"), ("archived", "Archived"), ("all", "All")],
    )

    def __init__(self, *args, templates: list[WorkflowTemplate], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", "Any template")] + [
            (t.slug, t.name) for t in templates
        ]
