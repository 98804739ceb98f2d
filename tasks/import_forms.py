"""Forms of the Trello import pages: the board file, and the mapping built from the board."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from dataops.errors import ServiceError
from dataops.models import User
from tasks.importers.mapping import STANDALONE, WORKFLOW, Mapping
from tasks.importers.trello import Board
from tasks.models import WorkflowTemplate
from tasks.services.import_uploads import check_upload_size
from tasks.services.imports import IMPORT_KIND, match_members

SKIP = "skip"
BY_CHECKLISTS = "default"
TEMPLATE_PREFIX = "template:"
NO_TEMPLATE = "There is no workflow template “%(value)s” here; pick another target."
TEMPLATE_GONE = "Its template “{slug}” is gone (renamed or deleted): choose again."
GONE_OPTION = "“{slug}”: gone — choose again"
CHOOSE_TARGET = "Choose what this list becomes."
NO_FILE = "Choose the board's JSON file (Trello: board menu → Print and export → JSON)."
NOTHING_SELECTED = "Every list is skipped: choose at least one list to import."
DONE_LABELS = {
    "default": "Trello's own: a card's “due complete”, a checklist item's check mark",
    "dueComplete": "The card's “due complete” mark (checklist items too)",
    "checklist": "A checklist item's check mark (cards without checklists stay open)",
}


class UploadForm(forms.Form):
    board = forms.FileField(
        label="Board export (JSON)",
        error_messages={"required": NO_FILE},
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/json"}),
    )

    def clean_board(self):
        upload = self.cleaned_data["board"]
        try:
            check_upload_size(upload.size)
        except ServiceError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return upload


@dataclass(frozen=True)
class ListRow:
    trello_id: str
    name: str
    cards: int
    archived: int
    field: forms.BoundField | None
    gone: str = ""  # why its earlier target is no longer offered


@dataclass(frozen=True)
class NamedRow:
    title: str
    detail: str
    field: forms.BoundField


def _templates() -> list[WorkflowTemplate]:
    return list(WorkflowTemplate.objects.exclude(kind=IMPORT_KIND).order_by("name"))


def _list_choices(templates: list[WorkflowTemplate]) -> list:
    return [
        (SKIP, "Skip: do not import"),
        (BY_CHECKLISTS, "By checklists: a workflow if the card has any, else a task"),
        (STANDALONE, "Standalone tasks"),
        (WORKFLOW, "Workflows without a template"),
        (
            "Workflow template",
            [(f"{TEMPLATE_PREFIX}{t.slug}", f"{t.emoji} {t.name}".strip()) for t in templates],
        ),
    ]


def _user_choices() -> list[tuple[str, str]]:
    users = User.objects.filter(is_active=True).order_by("username")
    named = [
        (u.username, f"{u.get_full_name()} ({u.username})" if u.get_full_name() else u.username)
        for u in users
    ]
    return [("", "— nobody —"), *named]


def _list_initial(mapping: Mapping, name: str, list_id: str) -> str:
    if not mapping.imports_list(name, list_id):
        return SKIP
    target = mapping.target(name)
    if target in ("", STANDALONE, WORKFLOW):
        return target or BY_CHECKLISTS
    return f"{TEMPLATE_PREFIX}{target}"


class _SelectWithGone(forms.Select):
    """A select that also shows `gone` — a target no longer offered — as a disabled option."""

    def __init__(self, gone: str, label: str, choices):
        super().__init__(choices=[(gone, label), *choices])
        self.gone = gone

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value == self.gone:
            option["attrs"]["disabled"] = True
        return option


class MappingForm(forms.Form):
    """One choice per open list, label and member, plus the done rule and e-mail choice.

    Its initial values are `mapping`'s (the command's default mapping before the admin has
    chosen), so leaving the form as it comes imports what `import_trello` would."""

    done = forms.ChoiceField(label="What counts as done")
    keep_emails = forms.BooleanField(
        required=False,
        label="Keep e-mail addresses in descriptions and comments",
        help_text="Off: every address is masked before anything is stored or shown.",
    )

    def __init__(self, *args, board: Board, mapping: Mapping, **kwargs):
        super().__init__(*args, **kwargs)
        self.board = board
        self.open_lists = [lst for lst in board.lists.values() if not lst.closed]
        self._list_fields(mapping)
        self._label_fields(mapping)
        self._member_fields(mapping)
        self.fields["done"].choices = [
            *DONE_LABELS.items(),
            *[
                (f"list:{lst.name}", f"A card is in the list “{lst.name}”")
                for lst in self.open_lists
            ],
        ]
        self.initial.setdefault("done", mapping.done)
        self.initial.setdefault("keep_emails", mapping.keep_emails)

    def _list_fields(self, mapping: Mapping) -> None:
        templates = _templates()
        choices = _list_choices(templates)
        offered = {f"{TEMPLATE_PREFIX}{t.slug}" for t in templates}
        self.gone_targets: dict[str, str] = {}
        for lst in self.open_lists:
            initial = _list_initial(mapping, lst.name, lst.trello_id)
            field = forms.ChoiceField(
                label=lst.name,
                choices=choices,
                initial=initial,
                error_messages={"invalid_choice": NO_TEMPLATE, "required": CHOOSE_TARGET},
            )
            if initial.startswith(TEMPLATE_PREFIX) and initial not in offered:
                # Shown selected but disabled: the list does not fall back to "Skip" unseen,
                # and the form cannot be sent until something else is chosen.
                slug = initial.removeprefix(TEMPLATE_PREFIX)
                self.gone_targets[lst.trello_id] = TEMPLATE_GONE.format(slug=slug)
                field.widget = _SelectWithGone(initial, GONE_OPTION.format(slug=slug), choices)
            self.fields[f"list_{lst.trello_id}"] = field

    def _label_fields(self, mapping: Mapping) -> None:
        colors = self.board.label_colors
        for label_id, name in self.board.labels.items():
            mapped = mapping.labels.get(label_id, mapping.labels.get(name, name))
            # A nameless label gives no tag unless one is typed (the command's default).
            hint = "" if name else f"no tag; e.g. {colors.get(label_id) or 'its colour'}"
            self.fields[f"label_{label_id}"] = forms.CharField(
                label=name or "(no name)",
                required=False,
                max_length=60,
                initial=mapped,
                widget=forms.TextInput(attrs={"placeholder": hint} if hint else {}),
            )

    def _member_fields(self, mapping: Mapping) -> None:
        matched, _ = match_members(self.board, mapping)
        choices = _user_choices()
        for member in self.board.members.values():
            if not member.username:
                continue
            user = matched.get(member.trello_id)
            self.fields[f"member_{member.trello_id}"] = forms.ChoiceField(
                label=member.full_name or member.username,
                choices=choices,
                required=False,
                initial=user.username if user else "",
            )

    # --- what the page lays out -------------------------------------------------------------

    def list_rows(self) -> list[ListRow]:
        counts: dict[str, list[int]] = {}
        for card in self.board.cards:
            count = counts.setdefault(card.list_id, [0, 0])
            count[1 if card.closed else 0] += 1
        return [
            ListRow(
                lst.trello_id,
                lst.name,
                *counts.get(lst.trello_id, [0, 0]),
                None if lst.closed else self[f"list_{lst.trello_id}"],
                self.gone_targets.get(lst.trello_id, ""),
            )
            for lst in self.board.lists.values()
        ]

    def label_rows(self) -> list[NamedRow]:
        colors = self.board.label_colors
        return [
            NamedRow(name or "(no name)", colors.get(label_id, ""), self[f"label_{label_id}"])
            for label_id, name in self.board.labels.items()
        ]

    def member_rows(self) -> list[NamedRow]:
        return [
            NamedRow(member.full_name or member.username, f"@{member.username}", self[name])
            for member in self.board.members.values()
            if (name := f"member_{member.trello_id}") in self.fields
        ]

    # --- the result ---------------------------------------------------------------------------

    def clean(self):
        data = super().clean()
        chosen = [data.get(f"list_{lst.trello_id}") for lst in self.open_lists]
        if self.open_lists and all(value == SKIP for value in chosen):
            raise forms.ValidationError(NOTHING_SELECTED)
        return data

    def mapping(self) -> Mapping:
        data = self.cleaned_data
        lists, targets = set(), {}
        for lst in self.open_lists:
            value = data[f"list_{lst.trello_id}"]
            if value != SKIP:
                lists.add(lst.name)
            if value not in (SKIP, BY_CHECKLISTS):
                targets[lst.name] = value.removeprefix(TEMPLATE_PREFIX)
        skipped = len(lists) < len(self.open_lists)
        return Mapping(
            lists=frozenset(lists) if skipped else None,
            targets=targets,
            labels=self._labels(),
            members={
                member.username: data[f"member_{member.trello_id}"] or ""
                for member in self.board.members.values()
                if f"member_{member.trello_id}" in self.fields
            },
            done=data["done"],
            keep_emails=data["keep_emails"],
        )

    def _labels(self) -> dict[str, str]:
        labels = {}
        for label_id, name in self.board.labels.items():
            tag = self.cleaned_data[f"label_{label_id}"].strip()
            if name:
                labels[name] = tag
            elif tag:
                labels[label_id] = tag
        return labels

    def field_for_error(self, field: str) -> str | None:
        """A refusal of the mapping (a template gone meanwhile) goes on top of the form."""
        return field if field in self.fields else None
