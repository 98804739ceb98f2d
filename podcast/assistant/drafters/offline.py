"""The offline drafter: a prep document from the intake, the guest and the knowledge base.

No network, no model, no clock: every word comes from `DraftInputs` or from the templates
below, in a fixed order, so the same inputs give byte-identical Markdown. Facts are quoted
from where they were given (each question names its source); a fact that is missing becomes
an open TODO, never an invented detail.

How a question is chosen, per stage of the arc (`base.ARC`): candidates from the guest's
facts first, then past questions of the knowledge base whose phrasing is reused for this
episode's subject, then questions from the episode's topic alone. A candidate is skipped
when it touches a topic to avoid, or is too close (`similarity.too_close`) to a question
already asked to this guest, asked on the same topic in a recent episode, or already in
this draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from podcast.assistant import similarity
from podcast.assistant.drafters.base import ARC_KEYS, MAX_QUESTIONS, MIN_QUESTIONS, Draft, Question
from podcast.assistant.inputs import TOPIC_FIELDS, DraftInputs, KBQuestionRef

NAME, VERSION = "offline", "1"
CLIP = 120  # a quoted fact is cut to this many characters, at a word boundary
RECENT_DAYS = 365  # a past episode this close before the stream date is "recent"
RECENT_WITHOUT_DATE = 5  # unscheduled: the latest this many consulted episodes are recent

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

# Stages that take a second question when there are facts for one, in this order.
EXTRA_STAGES = ("story", "technical_depth", "production", "business_impact")
TECHNICAL_FIRST = ("technical_depth", "production", "story", "business_impact")
BUSINESS_FIRST = ("business_impact", "organisation", "story", "production")

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
        "Which technical decision in your work was hardest to get right?",
    ),
    "production": (
        "What changed when {topic} went from a prototype to production?",
        "What breaks first when {topic} meets real users and real data?",
        "What surprised you when your work went into production?",
    ),
    "business_impact": (
        "How do you show the business value of {topic}?",
        "Which number tells you that your work on {topic} is paying off?",
        "How do you know your work is making a difference?",
    ),
    "organisation": (
        "Who needs to be on board for {topic} to work in a company, and how do you get them there?",
        "How does the team around {topic} need to be organised?",
        "What did you have to change in how your team works?",
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
    ),
}

FOLLOWUPS = (
    ("clarify", "When you say “{term}”, what exactly do you mean by it?"),
    ("confirm", "Let me check I got that right: {point} — is that a fair summary?"),
    ("compare", "How does {a} compare with {b} — when would you pick one over the other?"),
    ("example", "Can you give a concrete example of that from {project}?"),
    (
        "challenge",
        "Some listeners would say {topic} is overkill for a small team — what would you tell them?",
    ),
    ("numbers", "What number would have told you it was not working?"),
    ("hindsight", "Looking back, what would you do differently?"),
    ("listener", "What should a listener try this week to put that into practice?"),
)
FOLLOWUP_COUNT = 7


@dataclass(frozen=True)
class Candidate:
    text: str
    source: str
    stage: str
    kind: str  # "fact", "kb" or "generic"


@dataclass
class Plan:
    """The rules the reviewer's guidance turned on, for the notes."""

    avoid: tuple[str, ...] = ()
    extra_order: tuple[str, ...] = EXTRA_STAGES
    question_count: int | None = None
    focus: tuple[str, ...] = ()
    applied: list[str] = field(default_factory=list)


# --- small text helpers ---------------------------------------------------------------------


def clip(text: str, limit: int = CLIP) -> str:
    """The first sentence or line of `text`, cut at a word boundary, without end punctuation."""
    text = " ".join((text or "").strip().splitlines()[:1]) if text else ""
    first = re.split(r"(?<=[.!?])\s", text.strip(), maxsplit=1)[0]
    first = first.strip().rstrip(".!?;:,")
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:-—") + "…"


def inline(text: str) -> str:
    """`text` to sit inside a sentence: a leading capital lowered unless it is a name or an
    acronym (its second letter is a capital too, or it is a single capital)."""
    if len(text) > 1 and text[0].isupper() and text[1].islower() and not _proper(text):
        return text[0].lower() + text[1:]
    return text


def _proper(text: str) -> bool:
    first = text.split(" ", 1)[0]
    return first not in {"I", "A", "An", "The", "My", "Our", "We", "Building", "Leading"} and (
        len(first) > 1 and any(ch.isupper() for ch in first[1:])
    )


def items(text: str) -> list[str]:
    """A free-text answer as its items: one a line (bullets stripped), or one a sentence."""
    lines = [line.strip(" \t-*•").strip() for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1:
        lines = [part.strip() for part in re.split(r"(?<=[.!?;])\s+", lines[0]) if part.strip()]
    return [clip(line) for line in lines if clip(line)]


_METRIC = re.compile(r"\d|percent|\bx\b|%", re.I)
_FAILURE = re.compile(r"\b(fail|broke|outage|mistake|incident|wrong|lesson|learn)", re.I)


# --- the facts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    name: str
    role_line: str  # "Head of Data at Acme" or ""
    bio: str
    bio_source: str
    career: str
    focus: str
    projects: tuple[str, ...]
    stories: tuple[str, ...]
    topics: tuple[str, ...]
    subject: str  # what the episode is about, in a few words
    hook: str
    why_now: str
    audience: str
    guest_questions: dict[str, str]


def _form(field_label: str, inputs: DraftInputs, name: str) -> str:
    for item in inputs.intake:
        if str(item.fields.get(name) or "").strip():
            return f"guest form: {field_label} (intake #{item.id})"
    return f"guest form: {field_label}"


def gather_facts(inputs: DraftInputs, plan: Plan) -> Facts:
    guest = inputs.guests[0] if inputs.guests else None
    name = guest.name if guest else (inputs.answer("name") or "our guest")
    role = ", ".join(p for p in (guest.role, guest.company) if p) if guest else ""
    role = role or inputs.answer("role_company")
    bio, bio_source = inputs.answer("short_bio"), "guest form: Short bio"
    if not bio and guest and guest.bio.strip():
        bio, bio_source = guest.bio.strip(), "guest profile: bio"
    topics = [*plan.focus, *(inputs.answer(f) for f in TOPIC_FIELDS)]
    topics = [clip(t, 80) for t in topics if t and not similarity.touches(t, plan.avoid)]
    subject = clip(inputs.topic, 80) or (topics[0] if topics else "") or clip(inputs.working_title)
    return Facts(
        name=name,
        role_line=role.replace(", ", " at ", 1) if guest and guest.company and guest.role else role,
        bio=bio,
        bio_source=bio_source,
        career=inputs.answer("career_path"),
        focus=inputs.answer("current_focus"),
        projects=tuple(items(inputs.answer("projects"))),
        stories=tuple(items(inputs.answer("stories"))),
        topics=tuple(dict.fromkeys(topics)),
        subject=subject or "your field",
        hook=inputs.answer("hook"),
        why_now=inputs.answer("why_now"),
        audience=inputs.answer("audience"),
        guest_questions={
            key: inputs.answer(key)
            for key in ("q_background", "q_main", "q_practical", "q_resources")
        },
    )


# --- candidates ------------------------------------------------------------------------------


def _fact_candidates(facts: Facts, inputs: DraftInputs) -> list[Candidate]:
    src = lambda label, name: _form(label, inputs, name)  # noqa: E731
    out: list[Candidate] = []
    add = lambda stage, text, source: out.append(Candidate(text, source, stage, "fact"))  # noqa: E731
    gq = facts.guest_questions
    if gq["q_background"]:
        add(
            "background",
            clip(gq["q_background"], 200).rstrip("?") + "?",
            src("About your background", "q_background"),
        )
    if facts.career:
        add(
            "background",
            f"Your path so far: {inline(clip(facts.career))}. "
            "What was the turning point that brought you to what you do now?",
            src("Career path", "career_path"),
        )
    if facts.bio:
        add(
            "background",
            f"You describe yourself as: “{clip(facts.bio)}”. How did you get there?",
            facts.bio_source,
        )
    if facts.focus:
        add(
            "current_focus",
            f"You are currently focused on {inline(clip(facts.focus))}. "
            "What does that work look like day to day?",
            src("Current focus", "current_focus"),
        )
    if facts.role_line:
        add(
            "current_focus",
            f"What does your work as {facts.role_line} involve right now?",
            "guest profile: role and company",
        )
    for n, topic in enumerate(facts.topics[:3], 1):
        add(
            "topic_framing",
            f"Let's frame {inline(topic)} for listeners: what is it, and why does it matter now?",
            src(
                f"Topic {n}"
                if topic != (facts.topics[0] if not facts.topics else topic)
                else "Topics to cover",
                "topic_1",
            ),
        )
    if facts.hook:
        add(
            "topic_framing",
            f"Your one-line pitch for this episode is “{clip(facts.hook)}”. "
            "Why is that true today?",
            src("One-sentence hook", "hook"),
        )
    if gq["q_main"]:
        add(
            "topic_framing",
            clip(gq["q_main"], 200).rstrip("?") + "?",
            src("About the main topic", "q_main"),
        )
    for project in facts.projects[:3]:
        add(
            "story",
            f"Tell us about {inline(project)}: "
            "where did it start, and what problem was it solving?",
            src("Projects worth discussing", "projects"),
        )
    for project in facts.projects[:3]:
        add(
            "technical_depth",
            f"How is {inline(project)} built — which technical decisions mattered most?",
            src("Projects worth discussing", "projects"),
        )
    for story in facts.stories:
        if _FAILURE.search(story):
            add(
                "production",
                f"You mentioned “{story}”. What happened, "
                "and what did it teach you about running this in production?",
                src("Stories and proof points", "stories"),
            )
    for story in facts.stories:
        if _METRIC.search(story):
            add(
                "business_impact",
                f"You mentioned “{story}”. "
                "How did you measure that, and what did it change for the business?",
                src("Stories and proof points", "stories"),
            )
    for story in facts.stories:
        if not _METRIC.search(story) and not _FAILURE.search(story):
            add(
                "story",
                f"You mentioned “{story}”. Can you tell us that story from the beginning?",
                src("Stories and proof points", "stories"),
            )
    if facts.projects:
        add(
            "organisation",
            f"Who had to be convinced to make {inline(facts.projects[0])} happen, "
            "and how did the team change along the way?",
            src("Projects worth discussing", "projects"),
        )
    if gq["q_practical"]:
        add(
            "advice",
            clip(gq["q_practical"], 200).rstrip("?") + "?",
            src("Practical advice", "q_practical"),
        )
    if facts.audience:
        add(
            "advice",
            f"For {inline(clip(facts.audience, 80))}: "
            "what should they do first after listening to this episode?",
            src("Who should listen", "audience"),
        )
    if gq["q_resources"]:
        add(
            "resources",
            clip(gq["q_resources"], 200).rstrip("?") + "?",
            src("Resources", "q_resources"),
        )
    return out


_TOPIC_SPLIT = re.compile(r"\s+")


def _kb_candidates(facts: Facts, inputs: DraftInputs) -> list[Candidate]:
    """Past questions whose phrasing carries over: the past episode's topic named in the
    question is replaced by this episode's subject; a question naming no topic and no one
    is reused as it stands."""
    topics = {episode.id: episode.topics for episode in inputs.kb_episodes}
    out = []
    for question in inputs.kb_questions:
        stage = KB_STAGE.get(question.category, "topic_framing")
        text = _reuse(question, topics.get(question.episode_id, ()), facts.subject)
        if text:
            quoted = clip(question.text, 80)
            source = f"knowledge base: {question.episode_label} “{quoted}” (#{question.id})"
            out.append(Candidate(text, source, stage, "kb"))
    return out


def _reuse(question: KBQuestionRef, topics: tuple[str, ...], subject: str) -> str:
    text = " ".join(question.text.split())
    if not text.endswith("?") or len(text) > 220:
        return ""
    for topic in sorted(topics, key=len, reverse=True):
        pattern = re.compile(re.escape(topic), re.I)
        if topic and pattern.search(text):
            return pattern.sub(lambda _m: subject, text)
    names = [
        word for word in text.split()[1:] if word[:1].isupper() and word not in {"I", "I'm", "I've"}
    ]
    return "" if names else text


def _generic_candidates(facts: Facts) -> list[Candidate]:
    return [
        Candidate(text.format(topic=facts.subject), _generic_source(text), stage, "generic")
        for stage, texts in GENERIC.items()
        for text in texts
    ]


def _generic_source(template: str) -> str:
    if "{topic}" in template:
        return "episode topic (no guest facts for this stage yet)"
    return "general question (no guest facts for this stage yet)"


# --- choosing --------------------------------------------------------------------------------


@dataclass
class Chooser:
    avoid: tuple[str, ...]
    asked: tuple[str, ...]
    recent: tuple[str, ...]
    chosen: list[Candidate] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    avoided: int = 0

    def fits(self, candidate: Candidate) -> bool:
        if similarity.touches(candidate.text, self.avoid):
            self.avoided += 1
            return False
        mine = [c.text for c in self.chosen]
        if similarity.too_close(candidate.text, mine):
            return False
        close = similarity.too_close(candidate.text, self.asked + self.recent)
        if close:
            self.dropped.append(close)
            return False
        return True

    def take(self, candidates: list[Candidate], stage: str, kinds=("fact", "kb", "generic")):
        for candidate in candidates:
            wanted = candidate.stage == stage and candidate.kind in kinds
            if wanted and candidate not in self.chosen and self.fits(candidate):
                self.chosen.append(candidate)
                return candidate
        return None


def _recent(inputs: DraftInputs) -> tuple[str, ...]:
    episodes = sorted(inputs.kb_episodes, key=lambda e: (e.date, e.id), reverse=True)
    if inputs.stream_date:
        start = (date.fromisoformat(inputs.stream_date) - timedelta(days=RECENT_DAYS)).isoformat()
        ids = {e.id for e in episodes if e.date and start <= e.date <= inputs.stream_date}
    else:
        ids = {e.id for e in episodes[:RECENT_WITHOUT_DATE]}
    return tuple(q.text for q in inputs.kb_questions if q.episode_id in ids)


def choose(candidates: list[Candidate], chooser: Chooser, plan: Plan) -> list[Candidate]:
    for stage in ARC_KEYS:
        if not chooser.take(candidates, stage):
            chooser.take(candidates, stage, kinds=("generic",))
    limit = plan.question_count or MAX_QUESTIONS
    for stage in plan.extra_order:
        if len(chooser.chosen) >= limit:
            break
        chooser.take(candidates, stage, kinds=("fact",))
    order = {stage: n for n, stage in enumerate(ARC_KEYS)}
    return sorted(chooser.chosen, key=lambda c: order[c.stage])  # stable: first pick first


# --- guidance ---------------------------------------------------------------------------------

_AVOID_RULE = re.compile(
    r"\b(?:avoid|don't ask about|do not ask about|don't mention|do not mention|skip"
    r"|leave out|no more|nothing about)\s+(?P<what>[^.;\n]+)",
    re.I,
)
_FOCUS_RULE = re.compile(r"\b(?:more about|focus on|ask about)\s+(?P<what>[^.;\n]+)", re.I)


def plan_from(inputs: DraftInputs) -> Plan:
    """The avoid list (the guest's, plus what the reviewer's guidance asks to avoid) and the
    rule-based effects of the guidance."""
    plan = Plan(avoid=similarity.avoid_terms(inputs.answer("avoid")))
    guidance = inputs.guidance
    if not guidance:
        return plan
    for match in _AVOID_RULE.finditer(guidance):
        terms = similarity.avoid_terms(match["what"])
        plan.avoid = tuple(dict.fromkeys(plan.avoid + terms))
        plan.applied.append("avoided: " + ", ".join(terms))
    lowered = guidance.casefold()
    for match in _FOCUS_RULE.finditer(guidance):
        if not _AVOID_RULE.search(match.group(0)):
            plan.focus += (clip(match["what"], 80),)
            plan.applied.append(f"focused the topic questions on {clip(match['what'], 80)}")
    if re.search(r"\b(more technical|deeper|too shallow|more depth|technical)\b", lowered):
        plan.extra_order = TECHNICAL_FIRST
        plan.applied.append("extra questions go to technical depth and production first")
    elif re.search(r"\b(less technical|business|non-technical)\b", lowered):
        plan.extra_order = BUSINESS_FIRST
        plan.applied.append("extra questions go to business impact and organisation first")
    if re.search(r"\b(shorter|fewer questions|too many questions|too long)\b", lowered):
        plan.question_count = MIN_QUESTIONS
        plan.applied.append(f"{MIN_QUESTIONS} questions")
    return plan


# --- the document -------------------------------------------------------------------------------


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
    labels = ", ".join(episode.label for episode in inputs.kb_episodes[:12])
    lines.append(f"- **Past episodes consulted:** {labels or 'none found'}")
    if facts.why_now:
        lines.append(f"- **Why now:** {clip(facts.why_now, 300)}")
    return "\n".join(lines)


def _background(inputs: DraftInputs, facts: Facts) -> str:
    parts = [facts.bio if facts.bio else "TODO: no bio yet — ask the guest for a short bio."]
    if facts.career:
        parts.append(f"**Career path:** {facts.career}")
    if facts.focus:
        parts.append(f"**Current focus:** {facts.focus}")
    if facts.projects:
        parts.append("**Projects worth discussing:** " + "; ".join(facts.projects))
    links = [link for guest in inputs.guests for link in guest.links]
    if links:
        parts.append("**Links:** " + " · ".join(links))
    return "\n\n".join(" ".join(part.split()) if "\n" not in part else part for part in parts)


def _angle(facts: Facts) -> tuple[str, list[str]]:
    missing = [
        label
        for label, value in (
            ("who should listen", facts.audience),
            ("the one-sentence hook", facts.hook),
        )
        if not value
    ]
    if missing:
        wanted = " and ".join(missing)
        todo = f"Proposed angle: ask the guest for {wanted} (guest form, Episode angle)."
        return f"TODO: {todo}", [todo]
    experience = facts.projects[0] if facts.projects else (facts.role_line or "their work")
    angle = (
        f"This episode is about {inline(clip(facts.audience, 100))} learning "
        f"{inline(clip(facts.hook, 140))} from {facts.name}'s experience with {inline(experience)}."
    )
    return angle, []


def _fact_todos(facts: Facts, inputs: DraftInputs, chosen: list[Candidate]) -> list[str]:
    todos = []
    if not inputs.intake:
        todos.append(
            "No intake is attached: send the guest the form or attach their intake item; "
            "every question below comes from the topic and past episodes."
        )
    generic = [n for n, c in enumerate(chosen, 1) if c.kind != "fact"]
    wanted = [
        ("a short bio", facts.bio),
        ("the current focus", facts.focus),
        ("topics to cover", facts.topics),
        (
            "projects worth discussing (sharpen the story, technical and organisation questions)",
            facts.projects,
        ),
        (
            "stories with metrics, outcomes or failures "
            "(sharpen the production and business impact questions)",
            facts.stories,
        ),
    ]
    for label, value in wanted:
        if not value:
            todos.append(f"Ask the guest for {label}.")
    if generic:
        numbers = ", ".join(str(n) for n in generic)
        todos.append(
            f"Questions {numbers} come from the topic or past episodes, not the guest's facts: "
            "sharpen them once the facts above are in."
        )
    return todos


def _notes(inputs: DraftInputs, plan: Plan, chooser: Chooser) -> list[str]:
    notes = []
    if plan.avoid:
        notes.append("Topics to avoid (no question touches them): " + "; ".join(plan.avoid) + ".")
    if inputs.guidance:
        notes.append(f"Reviewer's guidance for this draft: “{clip(inputs.guidance, 400)}”.")
        effect = "; ".join(plan.applied) or "no rule matched it; read it before the recording"
        notes.append(f"Guidance applied: {effect}.")
    if inputs.asked_to_guest:
        notes.append(
            f"The guest was asked {len(inputs.asked_to_guest)} questions in past episodes; "
            "near-repeats are left out."
        )
    if chooser.dropped:
        notes.append(
            f"{len(chooser.dropped)} candidate questions were left out as too close to past ones, "
            f"e.g. “{clip(chooser.dropped[0], 100)}”."
        )
    if chooser.avoided:
        notes.append(
            f"{chooser.avoided} candidate questions were left out "
            "because they touched a topic to avoid."
        )
    notes.append(
        "Each question's source says where it came from; "
        "check quoted facts with the guest before the recording."
    )
    return notes


def _terms(facts: Facts) -> list[str]:
    return [t for t in (*facts.topics, facts.subject) if t]


def _followups(facts: Facts, avoid: tuple[str, ...]) -> list[str]:
    terms = _terms(facts)
    values = {
        "term": clip(terms[0], 60),
        "point": "the main point in your own words",
        "a": clip(terms[0], 60),
        "b": clip(terms[1], 60) if len(terms) > 1 else "the approach you did not choose",
        "project": inline(facts.projects[0]) if facts.projects else "your own work",
        "topic": inline(clip(facts.subject, 60)),
    }
    out = []
    for _kind, template in FOLLOWUPS:
        text = template.format(**values)
        if similarity.touches(text, avoid):
            text = template.format(
                **{
                    **values,
                    "term": "that",
                    "a": "that",
                    "b": "the alternative",
                    "topic": "this",
                    "project": "your own work",
                }
            )
        if not similarity.touches(text, avoid) and text not in out:
            out.append(text)
    return out[:FOLLOWUP_COUNT]


class OfflineDrafter:
    name = NAME
    version = VERSION

    def draft(self, inputs: DraftInputs) -> Draft:
        plan = plan_from(inputs)
        facts = gather_facts(inputs, plan)
        candidates = _fact_candidates(facts, inputs) + _kb_candidates(facts, inputs)
        candidates += _generic_candidates(facts)
        chooser = Chooser(avoid=plan.avoid, asked=inputs.asked_to_guest, recent=_recent(inputs))
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
            todos=angle_todos + _fact_todos(facts, inputs, chosen),
            drafter=NAME,
            drafter_version=VERSION,
        )
