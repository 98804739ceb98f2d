"""The words of the offline drafter: question templates per stage of the arc, follow-up
prompts, and the small text helpers that fit a quoted fact into a sentence.

Kept apart from the choosing logic (`offline.py`) so the wording can be reviewed and
changed in one place. Pure Python, no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CLIP = 120  # a quoted fact is cut to this many characters, at a word boundary


@dataclass(frozen=True)
class FactRule:
    """A question made from one guest-form answer (or each item of it)."""

    stage: str
    field: str  # guest-form field name (podcast.guest_form.FIELDS), or "facts.<name>"
    label: str  # how the source note names it
    template: str  # "{fact}" is the quoted fact, fitted into the sentence
    each: bool = False  # one question per item of the answer (a line or a sentence)
    when: str = ""  # "metric", "failure" or "plain": only items of that kind


# In order of preference within a stage.
FACT_RULES: tuple[FactRule, ...] = (
    FactRule("background", "q_background", "About your background", "{question}"),
    FactRule(
        "background",
        "career_path",
        "Career path",
        "Your path so far: {fact}. What was the turning point that brought you to what you do now?",
    ),
    FactRule("background", "facts.bio", "", "Your bio says: “{quote}”. How did you get there?"),
    FactRule(
        "current_focus",
        "current_focus",
        "Current focus",
        "You are currently focused on {fact}. What does that work look like day to day?",
    ),
    FactRule("current_focus", "facts.role", "", "What does your work as {fact} involve right now?"),
    FactRule(
        "topic_framing",
        "facts.topics",
        "",
        "Let's frame {fact} for listeners: what is it, and why does it matter now?",
        each=True,
    ),
    FactRule(
        "topic_framing",
        "hook",
        "One-sentence hook",
        "Your one-line pitch for this episode is “{quote}”. Why is that true today?",
    ),
    FactRule("topic_framing", "q_main", "About the main topic", "{question}"),
    FactRule(
        "story",
        "projects",
        "Projects worth discussing",
        "Tell us about {fact}: where did it start, and what problem was it solving?",
        each=True,
    ),
    FactRule(
        "story",
        "stories",
        "Stories and proof points",
        "You mentioned “{quote}”. Can you tell us that story from the beginning?",
        each=True,
        when="plain",
    ),
    FactRule(
        "technical_depth",
        "projects",
        "Projects worth discussing",
        "How is {fact} built, and which technical decisions mattered most?",
        each=True,
    ),
    FactRule(
        "production",
        "stories",
        "Stories and proof points",
        "You mentioned “{quote}”. What happened, and what did it teach you about running this "
        "in production?",
        each=True,
        when="failure",
    ),
    FactRule(
        "business_impact",
        "stories",
        "Stories and proof points",
        "You mentioned “{quote}”. How did you measure that, and what did it change for the "
        "business?",
        each=True,
        when="metric",
    ),
    FactRule(
        "organisation",
        "projects",
        "Projects worth discussing",
        "Who had to be convinced to make {fact} happen, and how did the team change along the way?",
    ),
    FactRule("advice", "q_practical", "Practical advice", "{question}"),
    FactRule(
        "advice",
        "audience",
        "Who should listen",
        "For {fact}: what should they do first after listening to this episode?",
    ),
    FactRule("resources", "q_resources", "Resources", "{question}"),
)

# Questions from the topic alone, per stage ({topic}); the last ones name no topic at all,
# so a draft reaches ten questions even when the topic itself is to be avoided.
GENERIC: dict[str, tuple[str, ...]] = {
    "background": (
        "How did you get started with {topic}, and what drew you to it?",
        "What did your path look like before you started working on {topic}?",
        "How did you end up doing the work you do today?",
    ),
    "current_focus": (
        "What are you focused on right now when it comes to {topic}?",
        "What does a typical week of your work on {topic} look like?",
        "What are you spending most of your time on these days?",
    ),
    "topic_framing": (
        "How would you explain {topic} to someone hearing about it for the first time?",
        "What do people most often get wrong about {topic}?",
        "What is the one idea you want listeners to take away from this conversation?",
    ),
    "story": (
        "Can you walk us through a project where {topic} made the difference?",
        "What is a project you are proud of, and what made it hard?",
        "Tell us about a piece of work that changed how you think.",
    ),
    "technical_depth": (
        "What does the technical setup behind {topic} look like in your work?",
        "Which technical decision around {topic} was hardest to get right?",
        "Which technical choice in your work took longest to get right?",
    ),
    "production": (
        "What changed when {topic} went from a prototype to production?",
        "What breaks first when {topic} meets real users and real data?",
        "What surprised you when your work went live?",
    ),
    "business_impact": (
        "How do you show the business value of {topic}?",
        "Which number tells you that your work on {topic} is paying off?",
        "How do you know your work is making a difference?",
    ),
    "organisation": (
        "Who needs to be on board for {topic} to work in a company, and how do you get them there?",
        "How should the people working on {topic} be organised?",
        "What did you have to change in how people around you work?",
    ),
    "advice": (
        "What would you tell someone who wants to start with {topic} tomorrow?",
        "What is the most common mistake you see people make with {topic}?",
        "What advice would you give someone at the start of their career?",
    ),
    "resources": (
        "Which books, courses, communities or people would you recommend for learning {topic}?",
        "Where should listeners go next to learn more about {topic}?",
        "Which resources would you recommend to listeners who want to learn more?",
        "Where can listeners follow you and your work?",
    ),
}

# The facts that would turn a stage's topic-only question into a question for this guest.
SHARPENED_BY = {
    "background": "a short bio and career path",
    "current_focus": "their current focus",
    "topic_framing": "topics to cover and a one-sentence hook",
    "story": "projects worth discussing",
    "technical_depth": "projects worth discussing",
    "production": "stories of failures or incidents",
    "business_impact": "stories with metrics or outcomes",
    "organisation": "projects worth discussing",
    "advice": "who should listen, or their practical-advice question",
    "resources": "the resources they recommend",
}

# (kind, template); the kinds the issue asks for come first.
FOLLOWUPS: tuple[tuple[str, str], ...] = (
    ("clarify", "When you say “{term}”, what exactly do you mean by it?"),
    ("confirm", "Let me check I got that right: {point} — is that a fair summary?"),
    ("compare", "How does {a} compare with {b}, and when would you pick one over the other?"),
    ("example", "Can you give a concrete example of that from {project}?"),
    (
        "challenge",
        "Some listeners would say {topic} is overkill for a small team — what do you say to that?",
    ),
    ("numbers", "What number would have told you it was not working?"),
    ("hindsight", "Looking back, what would you do differently?"),
    ("practice", "What could a listener try this week to put that into practice?"),
)
FOLLOWUP_NEUTRAL = {"term": "that", "a": "that", "b": "the alternative", "topic": "this",
                    "project": "your own work"}  # fmt: skip

_WH = ("how ", "why ", "what ", "when ", "where ", "which ", "who ", "to ")
METRIC = re.compile(r"\d|percent|%", re.I)
FAILURE = re.compile(r"\b(fail|broke|break|outage|mistake|incident|wrong|ignored|lost)", re.I)


def one_line(text: str) -> str:
    return " ".join((text or "").split())


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary past `limit` characters."""
    text = one_line(text)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


def clip(text: str, limit: int = CLIP) -> str:
    """The first sentence or line of `text`, cut at a word boundary, without end punctuation."""
    lines = (text or "").strip().splitlines()
    first = re.split(r"(?<=[.!?])\s", one_line(lines[0]) if lines else "", maxsplit=1)[0]
    first = first.rstrip(".!?;:,")
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0].rstrip(",;:-—") + "…"


def inline(text: str) -> str:
    """`text` to sit inside a sentence: a leading capital is lowered unless the first word
    looks like a name or an acronym (another capital or a digit in it)."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:].islower() and first.isalpha():
        return text[0].lower() + text[1:]
    return text


def as_question(text: str) -> str:
    return clip(text, 200).rstrip("?") + "?"


def lesson(hook: str) -> str:
    """The hook as what listeners learn: as it stands after a question word, else quoted."""
    hook = clip(hook, 160)
    return inline(hook) if hook.casefold().startswith(_WH) else f"“{hook}”"


def items(text: str) -> list[str]:
    """A free-text answer as its items: one a line (bullets stripped), or one a sentence."""
    lines = [line.strip(" \t-*•").strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1:
        lines = [part for part in re.split(r"(?<=[.!?;])\s+", lines[0]) if part.strip()]
    return [clip(line) for line in lines if clip(line)]


def kind_of(item: str) -> str:
    if FAILURE.search(item):
        return "failure"
    return "metric" if METRIC.search(item) else "plain"
