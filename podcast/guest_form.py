"""The public guest form: its sections and fields (with limits), and the Django form.

One declaration drives everything: the form's fields and limits, the live counters, the
phone layout's sections, the draft that is saved, and the plain-text summary an intake item
gets from a submission.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

# The page says this about its required fields.
REQUIRED_MISSING = "Fill in the fields marked required."
# A hidden field people never see; a bot that fills every input fills it too.
HONEYPOT = "website"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    limit: int
    required: bool = False
    lines: int = 1  # 1: one-line input; more: a textarea of that many rows
    hint: str = ""


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str
    fields: tuple[Field, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        "guest",
        "Guest",
        "How we introduce you.",
        (
            Field("name", "Your name", 200, required=True),
            Field("role_company", "Role and company", 200),
            Field("location_timezone", "Location and time zone", 200, hint="e.g. Berlin, CET"),
            Field(
                "links", "Links", 1500, lines=3, hint="LinkedIn, X, GitHub, website: one a line."
            ),
        ),
    ),
    Section(
        "angle",
        "Episode angle",
        "What the conversation is about.",
        (
            Field("working_title", "Working title", 200),
            Field("hook", "One-sentence hook", 300, required=True),
            Field("why_now", "Why it matters now", 1000, lines=3),
            Field("audience", "Who should listen", 1000, lines=3),
        ),
    ),
    Section(
        "background",
        "Background",
        "So the host can ask good questions.",
        (
            Field("short_bio", "Short bio", 1500, required=True, lines=4),
            Field("career_path", "Career path", 3000, lines=4),
            Field("current_focus", "Current focus", 1500, lines=3),
            Field("projects", "Projects worth discussing", 3000, lines=4),
        ),
    ),
    Section(
        "topics",
        "Topics to cover",
        "Up to five; the first is required.",
        tuple(Field(f"topic_{n}", f"Topic {n}", 300, required=n == 1) for n in range(1, 6)),
    ),
    Section(
        "avoid",
        "Topics to avoid",
        "Anything we should stay away from.",
        (Field("avoid", "Topics to avoid", 1500, lines=3),),
    ),
    Section(
        "stories",
        "Stories and proof points",
        "Metrics, outcomes, failures, lessons, links.",
        (Field("stories", "Stories and proof points", 4000, lines=6),),
    ),
    Section(
        "questions",
        "Draft questions",
        "Questions you would like to be asked.",
        (
            Field("q_background", "About your background", 1500, lines=3),
            Field("q_main", "About the main topic", 3000, lines=4),
            Field("q_practical", "Practical advice", 1500, lines=3),
            Field("q_resources", "Resources", 1500, lines=3),
        ),
    ),
    Section(
        "event",
        "Event description draft",
        "For the event page; we will edit it with you.",
        (
            Field("event_title", "Title", 200),
            Field("event_subtitle", "Subtitle", 300),
            Field("event_description", "Description", 4000, lines=6),
            Field("event_outline", "Outline", 3000, lines=5),
        ),
    ),
)
FIELDS: dict[str, Field] = {f.name: f for section in SECTIONS for f in section.fields}


def _django_field(spec: Field) -> forms.CharField:
    attrs = {"maxlength": spec.limit, "data-limit": spec.limit}
    widget = (
        forms.Textarea(attrs={**attrs, "rows": spec.lines})
        if spec.lines > 1
        else forms.TextInput(attrs=attrs)
    )
    return forms.CharField(
        label=spec.label,
        max_length=spec.limit,
        required=spec.required,
        widget=widget,
        help_text=spec.hint,
        error_messages={"required": "This field is required."},
    )


class GuestForm(forms.Form):
    """Every section's fields; `draft=True` checks the limits only (a draft may be partial)."""

    rev = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, draft: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in FIELDS.values():
            self.fields[spec.name] = _django_field(spec)
            if draft:
                self.fields[spec.name].required = False
        if draft:
            self.fields["rev"].required = False

    def sections(self):
        """(section, [bound fields]) in page order, for the template."""
        return [(s, [self[f.name] for f in s.fields]) for s in SECTIONS]

    def answers(self) -> dict[str, str]:
        """The cleaned answers, empty ones left out."""
        return {
            name: value.strip()
            for name in FIELDS
            if (value := self.cleaned_data.get(name) or "").strip()
        }


def answered_sections(answers: dict[str, str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(field label, answer)]) for the sections with an answer, in order."""
    sections = []
    for section in SECTIONS:
        rows = [(f.label, answers[f.name]) for f in section.fields if answers.get(f.name)]
        if rows:
            sections.append((section.title, rows))
    return sections


def summary_text(answers: dict[str, str]) -> str:
    """The intake item's text: a headline (who, and the hook), then every answer under its
    section's title."""
    headline = " — ".join(v for v in (answers.get("name"), answers.get("hook")) if v)
    blocks = [headline or "Guest form answers"]
    for title, rows in answered_sections(answers):
        blocks.append("\n".join([f"{title}:", *(f"- {label}: {value}" for label, value in rows)]))
    return "\n\n".join(blocks)


def links_of(answers: dict[str, str]) -> list[str]:
    """The web addresses among the guest's links (one a line); the rest stays in the text."""
    return [
        line.strip()
        for line in answers.get("links", "").splitlines()
        if line.strip().lower().startswith(("http://", "https://")) and len(line.strip()) <= 2000
    ][:20]
