"""What a prep-document draft is made from, gathered once into plain frozen values.

A drafter sees only a `DraftInputs`: no database, no settings, so the same inputs always
give the same document. The job keeps `references()` (ids), never copies of the inputs.
Everything here is ordered deterministically (by id, position or rank, ties by id).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q

from podcast.kb import search as kb_search_index
from podcast.kb import selectors as kb_selectors
from podcast.kb.models import KbQuestion
from podcast.models import Episode, Guest, IntakeItem, IntakeStatus
from podcast.selectors import stream_date

# Past questions looked up per search (the episode's topic, each topic to cover).
KB_QUESTIONS_PER_QUERY = 20
# At most this many past questions reach the drafter (the best ranked, then by id).
KB_QUESTION_LIMIT = 60
# Questions already asked to a guest are read from their latest past episodes.
ASKED_LIMIT = 200
TOPIC_FIELDS = tuple(f"topic_{n}" for n in range(1, 6))


@dataclass(frozen=True)
class GuestFacts:
    id: int
    name: str
    role: str = ""
    company: str = ""
    location: str = ""
    bio: str = ""
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntakeFacts:
    """One intake item: `fields` holds the guest-form answers by field name
    (`podcast.guest_form.FIELDS`); `text` is the item's free text."""

    id: int
    fields: dict[str, str] = field(default_factory=dict, hash=False)
    text: str = ""


@dataclass(frozen=True)
class KBQuestionRef:
    id: int
    text: str
    category: str
    episode_label: str
    section: str = ""
    episode_id: int = 0


@dataclass(frozen=True)
class KBEpisodeRef:
    id: int
    label: str
    title: str
    topics: tuple[str, ...] = ()
    date: str = ""  # ISO date, "" when unknown


@dataclass(frozen=True)
class DraftInputs:
    episode_id: int
    working_title: str
    topic: str = ""
    stream_date: str = ""  # ISO date, "" when not scheduled
    guests: tuple[GuestFacts, ...] = ()
    intake: tuple[IntakeFacts, ...] = ()
    kb_questions: tuple[KBQuestionRef, ...] = ()
    kb_episodes: tuple[KBEpisodeRef, ...] = ()
    asked_to_guest: tuple[str, ...] = ()
    guidance: str = ""

    def references(self) -> dict[str, list[int]]:
        """The ids a job stores instead of the inputs themselves."""
        return {
            "guests": [guest.id for guest in self.guests],
            "intake_items": [item.id for item in self.intake],
            "kb_episodes": [episode.id for episode in self.kb_episodes],
            "kb_questions": [question.id for question in self.kb_questions],
        }

    def answer(self, name: str) -> str:
        """The first non-empty intake answer (newest item first) for guest-form field `name`."""
        for item in self.intake:
            value = str(item.fields.get(name) or "").strip()
            if value:
                return value
        return ""


def _links(guest: Guest) -> tuple[str, ...]:
    urls = [guest.linkedin_url, guest.x_url, guest.github_url, guest.website_url]
    urls += [str(link.get("url", "")) for link in guest.other_links if isinstance(link, dict)]
    return tuple(url for url in urls if url)


def _guest_facts(guest: Guest) -> GuestFacts:
    return GuestFacts(
        id=guest.pk,
        name=guest.name,
        role=guest.role,
        company=guest.company,
        location=guest.location,
        bio=guest.bio,
        links=_links(guest),
        tags=tuple(str(tag) for tag in guest.tags),
    )


def _intake_items(episode: Episode, guests: list[Guest], ids: Iterable[int] | None):
    if ids is not None:
        rows = IntakeItem.objects.filter(pk__in=list(ids))
    else:
        rows = IntakeItem.objects.filter(status=IntakeStatus.ATTACHED).filter(
            Q(episode=episode) | Q(guest__in=guests, episode=None)
        )
    # Newest first: a later submission's answer wins over an older one's.
    return list(rows.only("pk", "fields", "text").order_by("-pk"))


def _intake_facts(item: IntakeItem) -> IntakeFacts:
    fields = item.fields if isinstance(item.fields, dict) else {}
    clean = {str(k): str(v) for k, v in sorted(fields.items()) if isinstance(v, str | int)}
    return IntakeFacts(id=item.pk, fields=clean, text=item.text or "")


def _queries(episode: Episode, intake: tuple[IntakeFacts, ...]) -> list[str]:
    queries = [" ".join(part for part in (episode.topic, episode.working_title) if part)]
    for name in TOPIC_FIELDS:
        for item in intake:
            value = str(item.fields.get(name) or "").strip()
            if value and value not in queries:
                queries.append(value)
    return [query for query in queries if query.strip()]


def _kb_refs(queries: list[str]):
    """Past questions (best rank first across the searches) and their episodes."""
    ranked: dict[int, tuple[float, object]] = {}
    for query in queries:
        found = kb_selectors.kb_search(
            query, kb_search_index.Filters(), limit=KB_QUESTIONS_PER_QUERY
        )
        for hit in found.questions:
            best = ranked.get(hit.item.pk)
            if best is None or hit.score > best[0]:
                ranked[hit.item.pk] = (hit.score, hit.item)
    order = sorted(ranked.items(), key=lambda pair: (-round(pair[1][0], 6), pair[0]))
    questions = [item for _, (_, item) in order[:KB_QUESTION_LIMIT]]
    episodes = {question.episode.pk: question.episode for question in questions}
    return questions, [episodes[pk] for pk in sorted(episodes)]


def _question_ref(question: KbQuestion) -> KBQuestionRef:
    episode = question.episode
    return KBQuestionRef(
        id=question.pk,
        text=question.text,
        category=question.category,
        episode_label=episode.code or episode.title,
        section=question.section,
        episode_id=episode.pk,
    )


def _episode_ref(episode) -> KBEpisodeRef:
    return KBEpisodeRef(
        id=episode.pk,
        label=episode.code or episode.title,
        title=episode.title,
        topics=tuple(str(topic) for topic in episode.topics),
        date=episode.date.isoformat() if episode.date else "",
    )


def _asked_to(guests: list[Guest]) -> tuple[str, ...]:
    """The host's questions from the past episodes these guests were on, latest first."""
    rows = (
        KbQuestion.objects.filter(episode__appearances__guest__in=guests)
        .order_by("-episode__date", "-episode_id", "position", "pk")
        .values_list("text", flat=True)
    )
    return tuple(dict.fromkeys(rows[:ASKED_LIMIT]))


def gather_inputs(
    episode: Episode, *, intake_item_ids: Iterable[int] | None = None, guidance: str = ""
) -> DraftInputs:
    """Read the episode, its guests, its (or its guests') attached intake items — or the
    items named by `intake_item_ids` — and the knowledge base's past questions on its topic."""
    guests = list(episode.guests.order_by("pk"))
    intake = tuple(_intake_facts(item) for item in _intake_items(episode, guests, intake_item_ids))
    questions, episodes = _kb_refs(_queries(episode, intake))
    return DraftInputs(
        episode_id=episode.pk,
        working_title=episode.working_title,
        topic=episode.topic,
        stream_date=day.isoformat() if (day := stream_date(episode)) else "",
        guests=tuple(_guest_facts(guest) for guest in guests),
        intake=intake,
        kb_questions=tuple(_question_ref(question) for question in questions),
        kb_episodes=tuple(_episode_ref(row) for row in episodes),
        asked_to_guest=_asked_to(guests) if guests else (),
        guidance=guidance.strip(),
    )
