"""The prep document as data, its Markdown form, and the interface every drafter keeps.

`Draft.to_markdown()` writes the sections the host reads; `parse_markdown()` reads that form
back (an edited revision, a language model's answer) and `validate()` says what does not
fit. Pure Python: no Django, so drafters and their checks can be tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from podcast.assistant.inputs import DraftInputs

MIN_QUESTIONS, MAX_QUESTIONS = 10, 14
MIN_FOLLOWUPS, MAX_FOLLOWUPS = 5, 8

# The arc the questions follow, in order: (key, label).
ARC: tuple[tuple[str, str], ...] = (
    ("background", "Background"),
    ("current_focus", "Current focus"),
    ("topic_framing", "Topic framing"),
    ("story", "Concrete story"),
    ("technical_depth", "Technical depth"),
    ("production", "Production reality"),
    ("business_impact", "Business impact"),
    ("organisation", "Organisational reality"),
    ("advice", "Advice"),
    ("resources", "Resources"),
)
ARC_KEYS = tuple(key for key, _ in ARC)
ARC_LABELS = dict(ARC)
_ARC_BY_NAME = {name.casefold(): key for key, label in ARC for name in (key, label)}

CONTEXT, BACKGROUND, ANGLE = "Context", "Guest background", "Proposed angle"
QUESTIONS, FOLLOWUPS = "Questions", "Live follow-up prompts"
NOTES, TODOS = "Notes for the host", "Open TODOs"
SECTIONS = (CONTEXT, BACKGROUND, ANGLE, QUESTIONS, FOLLOWUPS, NOTES, TODOS)

_HEADING = re.compile(r"^##\s+(?P<title>.+?)\s*#*\s*$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,3}[.)]\s+(?P<text>\S.*)$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(?:\[[ xX]\]\s+)?(?P<text>\S.*)$")
_DETAIL = re.compile(r"^\s+[-*+]?\s*(?P<key>Arc|Source)\s*:\s*(?P<value>.*\S)\s*$", re.I)
_BYLINE = re.compile(r"^\*Drafted by (?P<name>\S+) (?P<version>\S+)\.\*$")


@dataclass(frozen=True)
class Question:
    text: str
    source: str
    category: str  # one of ARC_KEYS


@dataclass
class Draft:
    context: str = ""
    background: str = ""
    angle: str = ""
    questions: list[Question] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    todos: list[str] = field(default_factory=list)
    drafter: str = ""
    drafter_version: str = ""
    title: str = ""
    # Set by `parse_markdown`: headings the text lacked (validate() reports them).
    missing_sections: list[str] = field(default_factory=list)

    def to_markdown(self) -> str:
        lines = [f"# Prep document: {_one_line(self.title) or 'Untitled episode'}", ""]
        if self.drafter:
            lines += [f"*Drafted by {self.drafter} {self.drafter_version or '0'}.*", ""]
        for title, body in ((CONTEXT, self.context), (BACKGROUND, self.background)):
            lines += [f"## {title}", "", body.strip() or "_None._", ""]
        lines += [f"## {ANGLE}", "", self.angle.strip() or "_None._", ""]
        lines += [f"## {QUESTIONS}", ""]
        for number, question in enumerate(self.questions, 1):
            label = ARC_LABELS.get(question.category, question.category)
            lines += [f"{number}. {_one_line(question.text)}"]
            lines += [f"   - Arc: {label}", f"   - Source: {_one_line(question.source)}"]
        lines += ["", f"## {FOLLOWUPS}", ""] + [f"- {_one_line(t)}" for t in self.followups]
        lines += ["", f"## {NOTES}", ""] + [f"- {_one_line(t)}" for t in self.notes]
        lines += ["", f"## {TODOS}", ""] + [f"- [ ] {_one_line(t)}" for t in self.todos]
        if not self.todos:
            lines.append("_None._")
        return "\n".join(lines).rstrip() + "\n"

    def validate(self) -> list[str]:
        """What keeps this draft from being a prep document; empty when it fits."""
        problems = [f"The section “{name}” is missing." for name in self.missing_sections]
        problems += [f"The section “{t}” is empty." for t, v in self._texts() if not v.strip()]
        count = len(self.questions)
        if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
            problems.append(f"{count} questions; a draft has {MIN_QUESTIONS}–{MAX_QUESTIONS}.")
        problems += _question_problems(self.questions)
        count = len(self.followups)
        if not MIN_FOLLOWUPS <= count <= MAX_FOLLOWUPS:
            problems.append(
                f"{count} follow-up prompts; a draft has {MIN_FOLLOWUPS}–{MAX_FOLLOWUPS}."
            )
        return problems

    def _texts(self):
        return ((CONTEXT, self.context), (BACKGROUND, self.background), (ANGLE, self.angle))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _question_problems(questions: list[Question]) -> list[str]:
    problems = []
    positions = []
    for number, question in enumerate(questions, 1):
        if not question.text.strip():
            problems.append(f"Question {number} has no text.")
        if not question.source.strip():
            problems.append(f"Question {number} has no source note.")
        if question.category not in ARC_KEYS:
            problems.append(f"Question {number} is not on the arc (“{question.category}”).")
        else:
            positions.append(ARC_KEYS.index(question.category))
    if positions != sorted(positions):
        problems.append("The questions do not follow the arc's order.")
    if questions and questions[-1].category != "resources":
        problems.append("The last question is not about resources.")
    return problems


class Drafter(Protocol):
    name: str
    version: str

    def draft(self, inputs: DraftInputs) -> Draft: ...


def _split_sections(text: str) -> tuple[str, str, dict[str, list[str]]]:
    title, byline, current = "", "", None
    sections: dict[str, list[str]] = {}
    for line in text.replace("\r\n", "\n").split("\n"):
        heading = _HEADING.match(line)
        if heading:
            current = heading["title"].strip().casefold()
            sections.setdefault(current, [])
        elif current is not None:
            sections[current].append(line)
        elif line.startswith("# ") and not title:
            title = line[2:].strip().removeprefix("Prep document:").strip()
        elif _BYLINE.match(line.strip()):
            byline = line.strip()
    return title, byline, sections


def _prose(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    return "" if text == "_None._" else text


def _items(lines: list[str]) -> list[str]:
    found = [_BULLET.match(line) for line in lines]
    return [match["text"].strip() for match in found if match]


def _questions(lines: list[str]) -> list[Question]:
    questions: list[dict] = []
    for line in lines:
        numbered, detail = _NUMBERED.match(line), _DETAIL.match(line)
        if numbered and not line.startswith((" " * 4, "\t")):
            questions.append({"text": numbered["text"].strip(), "source": "", "category": ""})
        elif detail and questions:
            key, value = detail["key"].casefold(), detail["value"].strip()
            if key == "arc":
                questions[-1]["category"] = _ARC_BY_NAME.get(value.casefold(), value)
            else:
                questions[-1]["source"] = value
    return [Question(**question) for question in questions]


def parse_markdown(text: str) -> Draft:
    """Read a prep document in `to_markdown()`'s form (headings matched case-insensitively);
    the headings it lacks are kept in `missing_sections` for `validate()`."""
    title, byline, sections = _split_sections(text)
    missing = [name for name in SECTIONS if name.casefold() not in sections]
    get = lambda name: sections.get(name.casefold(), [])  # noqa: E731
    by = _BYLINE.match(byline)
    return Draft(
        context=_prose(get(CONTEXT)),
        background=_prose(get(BACKGROUND)),
        angle=_prose(get(ANGLE)),
        questions=_questions(get(QUESTIONS)),
        followups=_items(get(FOLLOWUPS)),
        notes=_items(get(NOTES)),
        todos=_items(get(TODOS)),
        drafter=by["name"] if by else "",
        drafter_version=by["version"] if by else "",
        title=title,
        missing_sections=missing,
    )
