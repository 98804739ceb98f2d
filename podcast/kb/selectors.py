"""Reads of the knowledge base for pages and for the podcast's guest and episode pages."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from podcast.kb import search
from podcast.kb.models import KbAppearance, KbEpisode, KbQuestion, QuestionCategory
from podcast.models import Guest

RELATED_LIMIT = 10
RESULT_LIMIT = 20
LIST_PER_PAGE = 30

STATE_READY = "ready"
STATE_EMPTY = "empty"  # nothing imported yet
STATE_NO_INDEX = "no-index"  # imported, but this node's index is missing


def appearances(guest: Guest) -> list[str]:
    """The KB episodes `guest` appeared in, oldest first: `["S7E9"]` (the title for an
    episode without numbers)."""
    episodes = KbEpisode.objects.filter(appearances__guest=guest).order_by(
        "season", "number", "date", "pk"
    )
    return [episode.code or episode.title for episode in episodes.only("season", "number", "title")]


def _with_guests(rows):
    guests = KbAppearance.objects.select_related("guest").order_by("position")
    return rows.prefetch_related(Prefetch("appearances", queryset=guests))


def _in_order(rows, pks: list[int]) -> list:
    found = {row.pk: row for row in rows.filter(pk__in=pks)}
    return [found[pk] for pk in pks if pk in found]


@dataclass
class Hit:
    item: KbEpisode | KbQuestion
    score: float


@dataclass
class Results:
    query: str
    filters: search.Filters
    state: str = STATE_READY
    episodes: list[Hit] = field(default_factory=list)
    questions: list[Hit] = field(default_factory=list)
    episode_total: int = 0
    question_total: int = 0
    page: Page | None = None  # listing without a query: the page of questions


def _hits(kind: str, query: str, filters: search.Filters, limit: int, exclude: int = 0):
    ranked = search.rank(kind, query, filters=filters, limit=limit, exclude=exclude)
    if ranked is None:
        return None
    rows = (
        _with_guests(KbEpisode.objects.defer("transcript"))
        if kind == search.EPISODES
        else KbQuestion.objects.select_related("episode").defer("episode__transcript")
    )
    return [Hit(row, ranked.scores[row.pk]) for row in _in_order(rows, ranked.pks)], ranked.total


def kb_search(query: str, filters: search.Filters, *, limit: int = RESULT_LIMIT) -> Results:
    """Ranked episodes and questions for `query` under `filters`."""
    results = Results(query=query, filters=filters)
    if not KbEpisode.objects.exists():
        results.state = STATE_EMPTY
        return results
    episodes = _hits(search.EPISODES, query, filters, limit)
    questions = _hits(search.QUESTIONS, query, filters, limit)
    if episodes is None or questions is None:
        results.state = STATE_NO_INDEX
        return results
    results.episodes, results.episode_total = episodes
    results.questions, results.question_total = questions
    return results


def kb_listing(filters: search.Filters, *, page: int | str = 1) -> Results:
    """Without a query: the episodes and a page of questions under `filters`, newest first."""
    results = Results(query="", filters=filters)
    if not KbEpisode.objects.exists():
        results.state = STATE_EMPTY
        return results
    episodes = KbEpisode.objects.all()
    if filters.season:
        episodes = episodes.filter(season=filters.season if filters.season.isdigit() else -1)
    if filters.guest:
        guest = filters.guest if filters.guest.isdigit() else 0
        episodes = episodes.filter(appearances__guest_id=guest)
    if filters.topic:
        wanted = filters.topic.casefold()
        ids = [
            pk
            for pk, topics in episodes.values_list("pk", "topics")
            if wanted in (topic.casefold() for topic in topics)
        ]
        episodes = episodes.filter(pk__in=ids)
    questions = KbQuestion.objects.filter(episode__in=episodes).select_related("episode")
    if filters.category:
        questions = questions.filter(category=filters.category)
        episodes = episodes.filter(questions__category=filters.category).distinct()
    questions = questions.order_by("-episode__season", "-episode__number", "episode", "position")
    results.episodes = [Hit(row, 0.0) for row in _with_guests(episodes)[:RESULT_LIMIT]]
    results.episode_total = episodes.count()
    results.page = Paginator(questions, LIST_PER_PAGE).get_page(page)
    results.questions = [Hit(row, 0.0) for row in results.page.object_list]
    results.question_total = results.page.paginator.count
    return results


@dataclass
class FilterOptions:
    topics: list[str]
    seasons: list[int]
    guests: list[Guest]
    categories: list[tuple[str, str]]


def filter_options() -> FilterOptions:
    topics: dict[str, str] = {}
    for names in KbEpisode.objects.values_list("topics", flat=True):
        for name in names:
            topics.setdefault(name.casefold(), name)
    seasons = (
        KbEpisode.objects.exclude(season=None)
        .order_by("-season")
        .values_list("season", flat=True)
        .distinct()
    )
    guests = Guest.objects.filter(kb_appearances__isnull=False).distinct().order_by("name")
    return FilterOptions(
        topics=sorted(topics.values(), key=str.casefold),
        seasons=list(seasons),
        guests=list(guests),
        categories=list(QuestionCategory.choices),
    )


def episode_page(pk: int) -> KbEpisode | None:
    rows = _with_guests(KbEpisode.objects.all()).prefetch_related("questions")
    return rows.filter(pk=pk).first()


def similar_questions(question: KbQuestion, *, limit: int = RELATED_LIMIT) -> list[Hit]:
    """Questions like `question` (itself left out), best first."""
    found = _hits(search.QUESTIONS, question.text, search.Filters(), limit, exclude=question.pk)
    return found[0] if found else []


@dataclass
class Related:
    """What past episodes said about a topic: for a guest's or an episode's page."""

    query: str
    episodes: list[Hit] = field(default_factory=list)
    questions: list[Hit] = field(default_factory=list)
    state: str = STATE_READY


def _related(query: str) -> Related:
    related = Related(query=query)
    if not query.strip():
        return related
    found = kb_search(query, search.Filters(), limit=RELATED_LIMIT)
    related.state = found.state
    related.episodes, related.questions = found.episodes, found.questions
    return related


def related_for_guest(guest: Guest) -> Related:
    """Past episodes and questions on the guest's topics: their tags, role, the topics of
    their planned episodes and of the past episodes they were on."""
    topics = [episode.topic for episode in guest.episodes.all() if episode.topic]
    for names in guest.kb_episodes.values_list("topics", flat=True):
        topics += [name for name in names if name not in topics]
    return _related(" ".join([*guest.tags, *topics, guest.role]))


def related_for_episode(episode) -> Related:
    """Past episodes and questions on a planned episode's topic and working title."""
    return _related(" ".join([episode.topic, episode.working_title]))
