"""The offline drafter: a prep document from the intake, the guest and the knowledge base.

No network, no model, no clock: every word comes from `DraftInputs` or from the templates
in `phrasing.py`, in a fixed order, so the same inputs give byte-identical Markdown. Facts
are quoted from where they were given and each question names its source; a fact that is
missing becomes an open TODO, never an invented detail.

How a question is chosen, per stage of the arc (`base.ARC`): candidates made from the
guest's facts first, then past questions of the knowledge base whose phrasing is reused
for this episode's subject, then questions from the episode's topic alone. A candidate is
skipped when it touches a topic to avoid, or is too close (`similarity.too_close`) to a
question already asked to this guest, asked in a recent episode on the same topic, or
already in this draft. Stages with facts to spare then get a second question (up to 14).

The reviewer's guidance (a rejection reason) is always shown in the notes; these phrases
also change the draft: "avoid / skip / don't ask about / don't mention / leave out X"
(X joins the topics to avoid), "more about / focus on X" (X becomes the first topic),
"more technical / deeper / more depth" (extra questions go to technical depth and
production first), "less technical / business" (to business impact and organisation
first), "shorter / fewer questions / too long" (ten questions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from podcast.assistant import similarity
from podcast.assistant.drafters import phrasing
from podcast.assistant.drafters.base import (
    ARC_KEYS,
    MAX_QUESTIONS,
    MIN_QUESTIONS,
    Draft,
    Question,
)
from podcast.assistant.drafters.phrasing import clip, inline
from podcast.assistant.inputs import TOPIC_FIELDS, DraftInputs, KBQuestionRef
from podcast.guest_form import FIELDS

NAME, VERSION = "offline", "1"
RECENT_DAYS = 365  # a past episode this close before the stream date is "recent"
RECENT_WITHOUT_DATE = 5  # unscheduled: the latest this many consulted episodes are recent
FOLLOWUP_COUNT = 7

# Past-question categories (podcast.kb QuestionCategory) → the stage whose phrasing they lend.
KB_STAGE = {
    "background": "background",
    "career": "background",
    "current_focus": "current_focus",
    "general": "topic_framing",
    "technical": "technical_depth",
    "reflection": "production",
    "business_impact": "business_impact",
    "practical_advice": "advice",
    "future": "advice",
    "resources": "resources",
}
EXTRA_STAGES = ("story", "technical_depth", "production", "business_impact")
TECHNICAL_FIRST = ("technical_depth", "production", "story", "business_impact")
BUSINESS_FIRST = ("business_impact", "organisation", "story", "production")

FACT, KB, GENERIC = "fact", "kb", "generic"


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str
    stage: str
    kind: str  # FACT, KB or GENERIC


@dataclass
class Plan:
    """The topics to avoid and what the reviewer's guidance changed (for the notes)."""

    avoid: tuple[str, ...] = ()
    extra_order: tuple[str, ...] = EXTRA_STAGES
    question_count: int = MAX_QUESTIONS
    focus: tuple[str, ...] = ()
    applied: list[str] = field(default_factory=list)


# --- guidance --------------------------------------------------------------------------------

_AVOID_VERBS = (
    r"(?:avoid|skip|leave out|don't ask about|do not ask about|don't mention|do not mention"
    r"|nothing about|no questions about)"
)
# What follows the verb, up to the end of the clause or the next avoid verb.
_AVOID_RULE = re.compile(
    rf"\b{_AVOID_VERBS}\s+(?P<what>(?:(?!\b(?:and|but|or)\s+{_AVOID_VERBS})[^.;\n])+)", re.I
)
_FOCUS_RULE = re.compile(r"\b(?:more about|focus on|focus more on)\s+(?P<what>[^.;\n]+)", re.I)
_TECHNICAL = re.compile(r"\b(more technical|deeper|more depth|too shallow)\b", re.I)
_BUSINESS = re.compile(r"\b(less technical|too technical|more business|business side)\b", re.I)
_SHORTER = re.compile(r"\b(shorter|fewer questions|too many questions|too long)\b", re.I)


def plan_from(inputs: DraftInputs) -> Plan:
    """The topics to avoid (the guest's, plus what the guidance asks to avoid) and the
    rule-based effects of the reviewer's guidance."""
    plan = Plan(avoid=similarity.avoid_terms(inputs.answer("avoid")))
    guidance = inputs.guidance
    for match in _AVOID_RULE.finditer(guidance):
        terms = similarity.avoid_terms(match["what"])
        plan.avoid = tuple(dict.fromkeys(plan.avoid + terms))
        plan.applied.append("added to the topics to avoid: " + ", ".join(terms))
    for match in _FOCUS_RULE.finditer(guidance):
        plan.focus += (clip(match["what"], 80),)
        plan.applied.append(f"first topic: {clip(match['what'], 80)}")
    if _TECHNICAL.search(guidance):
        plan.extra_order = TECHNICAL_FIRST
        plan.applied.append("extra questions go to technical depth and production first")
    elif _BUSINESS.search(guidance):
        plan.extra_order = BUSINESS_FIRST
        plan.applied.append("extra questions go to business impact and organisation first")
    if _SHORTER.search(guidance):
        plan.question_count = MIN_QUESTIONS
        plan.applied.append(f"{MIN_QUESTIONS} questions")
    return plan


# --- the facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the draft may quote, each with the source note it carries."""

    name: str
    subject: str  # what the episode is about, in a few words
    values: dict[str, tuple[str, str]]  # field → (answer, source note)
    topics: tuple[tuple[str, str], ...]  # (topic, source note)

    def get(self, name: str) -> str:
        return self.values.get(name, ("", ""))[0]


def _source(inputs: DraftInputs, name: str, label: str) -> str:
    item = next((i for i in inputs.intake if str(i.fields.get(name) or "").strip()), None)
    return f"guest form: {label} (intake #{item.id})" if item else f"guest form: {label}"


def _profile(inputs: DraftInputs) -> dict[str, tuple[str, str]]:
    guest = inputs.guests[0] if inputs.guests else None
    bio = (inputs.answer("short_bio"), _source(inputs, "short_bio", "Short bio"))
    if not bio[0] and guest and guest.bio.strip():
        bio = (guest.bio.strip(), "guest profile: bio")
    role = " at ".join(p for p in (guest.role, guest.company) if p) if guest else ""
    if role:
        return {"facts.bio": bio, "facts.role": (role, "guest profile: role and company")}
    answer = inputs.answer("role_company")
    return {"facts.bio": bio, "facts.role": (answer, _source(inputs, "role_company", "Role"))}


def gather_facts(inputs: DraftInputs, plan: Plan) -> Facts:
    values = {
        name: (inputs.answer(name), _source(inputs, name, spec.label))
        for name, spec in FIELDS.items()
    }
    values.update(_profile(inputs))
    topics = [(topic, "reviewer's guidance") for topic in plan.focus]
    topics += [
        (clip(inputs.answer(name), 80), _source(inputs, name, f"Topic {n}"))
        for n, name in enumerate(TOPIC_FIELDS, 1)
        if inputs.answer(name)
    ]
    topics = [(t, s) for t, s in topics if not similarity.touches(t, plan.avoid)]
    subject = clip(inputs.topic, 80) or (topics[0][0] if topics else clip(inputs.working_title))
    guest = inputs.guests[0].name if inputs.guests else inputs.answer("name")
    return Facts(
        name=guest or "the guest",
        subject=subject or "your field",
        values=values,
        topics=tuple(dict.fromkeys(topics)),
    )


# --- candidates --------------------------------------------------------------------------------


def _fact_items(facts: Facts, rule: phrasing.FactRule) -> list[tuple[str, str]]:
    if rule.field == "facts.topics":
        return list(facts.topics)
    answer, source = facts.values.get(rule.field, ("", ""))
    if not answer:
        return []
    found = phrasing.items(answer)
    found = found if rule.each else found[:1]
    if rule.when:
        found = [item for item in found if phrasing.kind_of(item) == rule.when]
    return [(item, source) for item in found]


def fact_candidates(facts: Facts) -> list[Candidate]:
    out = []
    for rule in phrasing.FACT_RULES:
        for item, source in _fact_items(facts, rule):
            text = rule.template.format(
                fact=inline(clip(item)), quote=clip(item), question=phrasing.as_question(item)
            )
            out.append(Candidate(text, source, rule.stage, FACT))
    return out


def kb_candidates(facts: Facts, inputs: DraftInputs) -> list[Candidate]:
    """Past questions whose phrasing carries over: the past episode's topic named in the
    question is replaced by this episode's subject; a question naming no topic and nobody
    is reused as it stands."""
    topics = {episode.id: episode.topics for episode in inputs.kb_episodes}
    out = []
    for question in inputs.kb_questions:
        text = _reuse(question, topics.get(question.episode_id, ()), facts.subject)
        if text:
            quoted = clip(question.text, 80)
            source = f"knowledge base: {question.episode_label} “{quoted}” (#{question.id})"
            stage = KB_STAGE.get(question.category, "topic_framing")
            out.append(Candidate(text, source, stage, KB))
    return out


def _reuse(question: KBQuestionRef, topics: tuple[str, ...], subject: str) -> str:
    text = phrasing.one_line(question.text)
    if not text.endswith("?") or len(text) > 220:
        return ""
    for topic in sorted(topics, key=len, reverse=True):
        pattern = re.compile(r"\b" + re.escape(topic) + r"\b", re.I)
        if topic.strip() and pattern.search(text):
            return pattern.sub(lambda m: subject if m.start() == 0 else inline(subject), text)
    # A capitalised word (not an acronym) may name a person or company of that episode.
    names = [w for w in text.split()[1:] if w[:1].isupper() and not w.rstrip("?,.").isupper()]
    return "" if names else text


def generic_candidates(facts: Facts) -> list[Candidate]:
    out = []
    for stage, templates in phrasing.GENERIC.items():
        for template in templates:
            source = (
                "episode topic (no guest facts for this stage yet)"
                if "{topic}" in template
                else "general question (no guest facts for this stage yet)"
            )
            text = template.format(topic=inline(facts.subject))
            out.append(Candidate(text, source, stage, GENERIC))
    return out


# --- choosing --------------------------------------------------------------------------------


@dataclass
class Chooser:
    avoid: tuple[str, ...]
    past: tuple[str, ...]  # asked to this guest, or recently on the same topic
    chosen: list[Candidate] = field(default_factory=list)
    too_close: list[str] = field(default_factory=list)
    avoided: int = 0

    def fits(self, candidate: Candidate) -> bool:
        if similarity.touches(candidate.text, self.avoid):
            self.avoided += 1
            return False
        if similarity.too_close(candidate.text, [c.text for c in self.chosen]):
            return False
        close = similarity.too_close(candidate.text, self.past)
        if close:
            self.too_close.append(close)
        return not close

    def take(self, candidates: list[Candidate], stage: str | None, kinds: tuple[str, ...]):
        for candidate in candidates:
            wanted = candidate.kind in kinds and stage in (None, candidate.stage)
            if wanted and candidate not in self.chosen and self.fits(candidate):
                self.chosen.append(candidate)
                return candidate
        return None


def recent_questions(inputs: DraftInputs) -> tuple[str, ...]:
    """Past questions on this topic from recent episodes: those within RECENT_DAYS before
    the stream date, or (unscheduled) the latest RECENT_WITHOUT_DATE episodes consulted."""
    episodes = sorted(inputs.kb_episodes, key=lambda e: (e.date, e.id), reverse=True)
    if inputs.stream_date:
        start = (date.fromisoformat(inputs.stream_date) - timedelta(days=RECENT_DAYS)).isoformat()
        ids = {e.id for e in episodes if e.date and start <= e.date <= inputs.stream_date}
    else:
        ids = {e.id for e in episodes[:RECENT_WITHOUT_DATE]}
    return tuple(q.text for q in inputs.kb_questions if q.episode_id in ids)


def choose(candidates: list[Candidate], chooser: Chooser, plan: Plan) -> list[Candidate]:
    """One question per stage (facts, then past phrasing, then the topic), extras for the
    stages with facts to spare and one past phrasing, then — only if still under ten — any
    that fits."""
    for stage in ARC_KEYS:
        chooser.take(candidates, stage, (FACT, KB, GENERIC))
    for stage in plan.extra_order:
        if len(chooser.chosen) < plan.question_count:
            chooser.take(candidates, stage, (FACT,))
    middle = [c for c in candidates if c.stage != "resources"]
    if len(chooser.chosen) < plan.question_count:
        chooser.take(middle, None, (KB,))  # one past phrasing, when the facts left room
    while len(chooser.chosen) < MIN_QUESTIONS and chooser.take(middle, None, (FACT, KB, GENERIC)):
        pass
    order = {stage: n for n, stage in enumerate(ARC_KEYS)}
    return sorted(chooser.chosen, key=lambda c: order[c.stage])  # stable: first pick first


# --- the document ------------------------------------------------------------------------------


def _context(inputs: DraftInputs, facts: Facts) -> str:
    lines = [f"- **Episode:** {inputs.working_title}"]
    lines.append(f"- **Topic:** {inputs.topic or 'TODO: no topic set on the episode'}")
    lines.append(f"- **Stream date:** {inputs.stream_date or 'TODO: not scheduled yet'}")
    for guest in inputs.guests:
        role = ", ".join(p for p in (guest.role, guest.company) if p)
        where = f" ({guest.location})" if guest.location else ""
        lines.append(f"- **Guest:** {guest.name}{' — ' + role if role else ''}{where}")
    if not inputs.guests:
        lines.append("- **Guest:** TODO: no guest on the episode yet")
    ids = ", ".join(f"#{item.id}" for item in inputs.intake) or "none attached"
    lines.append(f"- **Intake used:** {ids}")
    labels = ", ".join(dict.fromkeys(episode.label for episode in inputs.kb_episodes[:12]))
    lines.append(f"- **Past episodes consulted:** {labels or 'none found'}")
    if facts.get("why_now"):
        lines.append(f"- **Why now:** {clip(facts.get('why_now'), 300)}")
    return "\n".join(lines)


def _background(inputs: DraftInputs, facts: Facts) -> str:
    bio = phrasing.one_line(facts.get("facts.bio"))
    parts = [bio or "TODO: no bio yet — ask the guest for a short bio."]
    for label, name in (("Career path", "career_path"), ("Current focus", "current_focus")):
        if facts.get(name):
            parts.append(f"**{label}:** {phrasing.one_line(facts.get(name))}")
    projects = phrasing.items(facts.get("projects"))
    if projects:
        parts.append("**Projects worth discussing:** " + "; ".join(projects))
    links = [link for guest in inputs.guests for link in guest.links]
    if links:
        parts.append("**Links:** " + " · ".join(links))
    return "\n\n".join(parts)


def _angle(facts: Facts) -> tuple[str, list[str]]:
    missing = [
        label
        for label, name in (("who should listen", "audience"), ("a one-sentence hook", "hook"))
        if not facts.get(name)
    ]
    if missing:
        todo = f"Ask the guest for {' and '.join(missing)} (guest form, Episode angle)."
        return f"TODO: {todo}", [todo]
    projects = phrasing.items(facts.get("projects"))
    role = facts.get("facts.role")
    experience = (
        f"{facts.name}'s experience with {inline(projects[0])}"
        if projects
        else f"{facts.name}'s experience as {role}"
        if role
        else f"{facts.name}'s experience"
    )
    audience = inline(clip(facts.get("audience"), 100))
    angle = f"This episode is about {audience} learning {phrasing.lesson(facts.get('hook'))} "
    angle += f"from {experience}."
    if facts.get("why_now"):
        angle += f"\n\nWhy now: {clip(facts.get('why_now'), 300)}."
    return angle, []


def _todos(facts: Facts, inputs: DraftInputs, chosen: list[Candidate]) -> list[str]:
    todos = []
    if not inputs.intake:
        todos.append("No intake is attached: send the guest the form or attach their intake item.")
    if not facts.get("facts.bio"):
        todos.append("Ask the guest for a short bio.")
    sharpened: dict[str, list[str]] = {}
    for number, candidate in enumerate(chosen, 1):
        if candidate.kind != FACT:
            sharpened.setdefault(phrasing.SHARPENED_BY[candidate.stage], []).append(str(number))
    for wanted, numbers in sharpened.items():
        which = f"question {numbers[0]}" if len(numbers) == 1 else "questions " + ", ".join(numbers)
        todos.append(
            f"Ask the guest for {wanted}: {which} came from the topic or past episodes "
            "and would be sharper with it."
        )
    if not inputs.stream_date:
        todos.append("Set the episode's stream date.")
    return todos


def _notes(inputs: DraftInputs, plan: Plan, chooser: Chooser) -> list[str]:
    notes = []
    if plan.avoid:
        notes.append("Topics to avoid (no question touches them): " + "; ".join(plan.avoid) + ".")
    if inputs.guidance:
        guidance = phrasing.shorten(inputs.guidance, 400)
        notes.append(f"Reviewer's guidance for this draft: “{guidance}”.")
        effect = "; ".join(plan.applied) or "no rule matched it, so read it before the recording"
        notes.append(f"Guidance applied: {effect}.")
    if len(inputs.guests) > 1:
        names = ", ".join(guest.name for guest in inputs.guests[1:])
        notes.append(f"The questions are drafted for {inputs.guests[0].name}; also on: {names}.")
    if inputs.asked_to_guest:
        notes.append(
            f"{len(inputs.asked_to_guest)} questions were asked to the guest in past episodes; "
            "near-repeats are left out."
        )
    if chooser.too_close:
        notes.append(
            f"{len(chooser.too_close)} candidate questions were left out as too close to past "
            f"ones, e.g. “{clip(chooser.too_close[0], 100)}”."
        )
    if chooser.avoided:
        notes.append(
            f"{chooser.avoided} candidate questions were left out as touching a topic to avoid."
        )
    notes.append("Every question names its source: check quoted facts with the guest.")
    return notes


def _followups(facts: Facts, avoid: tuple[str, ...]) -> list[str]:
    terms = [topic for topic, _ in facts.topics] or [facts.subject]
    projects = phrasing.items(facts.get("projects"))
    values = {
        "term": clip(terms[0], 60),
        "point": "the main point in your own words",
        "a": inline(clip(terms[0], 60)),
        "b": inline(clip(terms[1], 60)) if len(terms) > 1 else "the approach you did not choose",
        "project": inline(projects[0]) if projects else "your own work",
        "topic": inline(clip(facts.subject, 60)),
    }
    out = []
    for _kind, template in phrasing.FOLLOWUPS:
        text = template.format(**values)
        if similarity.touches(text, avoid):
            text = template.format(**{**values, **phrasing.FOLLOWUP_NEUTRAL})
        if not similarity.touches(text, avoid) and text not in out:
            out.append(text)
    return out[:FOLLOWUP_COUNT]


class OfflineDrafter:
    name = NAME
    version = VERSION

    def draft(self, inputs: DraftInputs) -> Draft:
        plan = plan_from(inputs)
        facts = gather_facts(inputs, plan)
        candidates = fact_candidates(facts) + kb_candidates(facts, inputs)
        candidates += generic_candidates(facts)
        past = inputs.asked_to_guest + recent_questions(inputs)
        chooser = Chooser(avoid=plan.avoid, past=past)
        chosen = choose(candidates, chooser, plan)
        angle, angle_todos = _angle(facts)
        return Draft(
            title=inputs.working_title,
            context=_context(inputs, facts),
            background=_background(inputs, facts),
            angle=angle,
            questions=[Question(c.text, c.source, c.stage) for c in chosen],
            followups=_followups(facts, plan.avoid),
            notes=_notes(inputs, plan, chooser),
            todos=angle_todos + _todos(facts, inputs, chosen),
            drafter=NAME,
            drafter_version=VERSION,
        )
