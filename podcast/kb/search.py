"""Searching the knowledge base: its own Whoosh index, scored by the docs' ranking.

Two indexes share one directory (`PODCAST_KB_INDEX_DIR`): **episodes** and **questions**.
Their text fields carry the names `docs_app.ranking` weighs, so the docs' analysis (folded,
stemmed, stop words dropped) and scoring (BM25F per field, a bonus for matching more of the
query and for the words close together) apply unchanged:

| field      | episode (weight)                   | question (weight)                      |
|------------|------------------------------------|----------------------------------------|
| `title`    | title (4)                          | the question (4)                       |
| `summary`  | summary, intro and topics (3)      | —                                      |
| `headings` | transcript section headers (2)     | —                                      |
| `body`     | the transcript's lines (1)         | — (kept empty: the ranking reads it)   |

Filters (topic, season, category, guest) are plain terms, applied after scoring.

The index is derived from the database: `update` re-indexes the episodes an import changed,
`rebuild` writes a new generation beside the live one and swaps the `current` symlink, so
readers never see a half-built index. A missing index is rebuilt by the next import (or
`podcast_kb_import --reindex`).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from whoosh import index
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, TEXT, Schema
from whoosh.reading import TermNotFound

from docs_app import ranking
from docs_app.search_index import analyzer, fold, writer_for
from podcast.kb.models import KbEpisode, KbQuestion

SCHEMA_VERSION = 1
CURRENT = "current"
EPISODES = "episodes"
QUESTIONS = "questions"
WRITE_WAIT_SECONDS = 120
MAX_QUERY_LENGTH = 200
FILTER_FIELDS = ("topic", "season", "category", "guest")
COMMON_SHARE = 0.25
PRUNE_FROM = 1000  # documents: below this every word is cheap
QUESTION_WORDS = frozenset(
    [
        "what",
        "how",
        "why",
        "who",
        "where",
        "which",
        "would",
        "could",
        "should",
        "do",
        "does",
        "did",
        "think",
        "tell",
        "about",
        "one",
        "need",
        "like",
        "really",
        "so",
        "some",
        "any",
        "get",
        "got",
        "make",
        "there",
        "they",
        "them",
        "me",
        "my",
        "i",
    ]
)


def _schemas() -> dict[str, Schema]:
    stem = analyzer()
    facets = {
        "topic": KEYWORD(commas=True, lowercase=True),
        "season": ID(),
        "guest": KEYWORD(commas=True),
        # Read by the docs' ranking, which collapses identical copies: each row is its own.
        "blob": COLUMN(VarBytesColumn()),
    }
    return {
        EPISODES: Schema(
            pk=ID(stored=True, unique=True),
            title=TEXT(analyzer=stem),
            summary=TEXT(analyzer=stem, phrase=False),
            headings=TEXT(analyzer=stem, phrase=False),
            # No positions: a fifth of the import's time; the ranking then skips the
            # words-close-together bonus for transcripts (titles keep their phrase bonus).
            body=TEXT(analyzer=stem, phrase=False),
            **facets,
        ),
        QUESTIONS: Schema(
            pk=ID(stored=True, unique=True),
            episode=ID(),
            title=TEXT(analyzer=stem),
            body=TEXT(analyzer=stem, phrase=False),
            category=ID(),
            **facets,
        ),
    }


SCHEMAS = _schemas()
ANALYZER = SCHEMAS[EPISODES]["body"].analyzer


# --- what is indexed ----------------------------------------------------------------------------


def _facets(episode: KbEpisode) -> dict[str, str]:
    guests = [str(appearance.guest_id) for appearance in episode.appearances.all()]
    values = {
        "topic": ",".join(topic.replace(",", " ") for topic in episode.topics),
        "season": "" if episode.season is None else str(episode.season),
        "guest": ",".join(guests),
    }
    return {name: value for name, value in values.items() if value}


def _episode_fields(episode: KbEpisode) -> dict:
    lines = [item["line"] for item in episode.transcript if "line" in item]
    return {
        "pk": str(episode.pk),
        "blob": f"e{episode.pk}".encode(),
        "title": episode.title,
        "summary": "\n".join([episode.summary, episode.intro, ", ".join(episode.topics)]),
        "headings": "\n".join(item["header"] for item in episode.sections()),
        "body": "\n".join(lines),
        **_facets(episode),
    }


def _question_fields(question: KbQuestion, episode: KbEpisode, facets: dict) -> dict:
    return {
        "pk": str(question.pk),
        "blob": f"q{question.pk}".encode(),
        "episode": str(episode.pk),
        "title": question.text,
        "category": question.category,
        **facets,
    }


def _episodes(pks: Iterable[int] | None) -> Iterator[KbEpisode]:
    rows = KbEpisode.objects.prefetch_related("appearances", "questions").order_by("pk")
    if pks is not None:
        rows = rows.filter(pk__in=list(pks))
    yield from rows.iterator(chunk_size=100)


def _write(writers: dict, episodes: Iterable[KbEpisode]) -> int:
    count = 0
    for episode in episodes:
        writers[EPISODES].add_document(**_episode_fields(episode))
        facets = _facets(episode)
        for question in episode.questions.all():
            writers[QUESTIONS].add_document(**_question_fields(question, episode, facets))
        count += 1
    return count


# --- the index directory --------------------------------------------------------------------------


def _root() -> Path:
    return Path(settings.PODCAST_KB_INDEX_DIR)


def current_dir() -> Path | None:
    try:
        target = (_root() / CURRENT).resolve(strict=True)
    except OSError:
        return None
    if not target.name.startswith(f"gen-v{SCHEMA_VERSION}-"):
        return None
    if not all(index.exists_in(target, indexname=name) for name in SCHEMAS):
        return None
    return target


def rebuild() -> int:
    """Index every episode into a new generation and make it the live one; returns episodes."""
    _root().mkdir(parents=True, exist_ok=True)
    name = f"gen-v{SCHEMA_VERSION}-{time.time_ns()}-{os.getpid()}"
    building = _root() / f".{name}"
    building.mkdir()
    try:
        episodes = KbEpisode.objects.count()
        sizes = {EPISODES: episodes, QUESTIONS: KbQuestion.objects.count()}
        writers = {
            kind: writer_for(index.create_in(building, schema, indexname=kind), sizes[kind])
            for kind, schema in SCHEMAS.items()
        }
        count = _write(writers, _episodes(None))
        for writer in writers.values():
            writer.commit()
        final = building.rename(_root() / name)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    previous = current_dir()
    temporary = _root() / f".current-{os.getpid()}-{time.time_ns()}"
    os.symlink(final.name, temporary)
    os.replace(temporary, _root() / CURRENT)
    for entry in _root().iterdir():
        if entry.name.startswith(("gen-", ".gen-")) and entry not in (final, previous):
            shutil.rmtree(entry, ignore_errors=True)
    return count


def update(*, upserts: list[int], deletes: list[int]) -> int:
    """Re-index the episodes `upserts` (and their questions), drop `deletes`; returns episodes
    written. Without an index yet, builds it (when there is anything to index)."""
    directory = current_dir()
    if directory is None:
        return rebuild() if KbEpisode.objects.exists() else 0
    if not upserts and not deletes:
        return 0
    writers = {
        kind: index.open_dir(directory, indexname=kind).writer(timeout=WRITE_WAIT_SECONDS)
        for kind in SCHEMAS
    }
    try:
        for pk in [*deletes, *upserts]:
            writers[EPISODES].delete_by_term("pk", str(pk))
            writers[QUESTIONS].delete_by_term("episode", str(pk))
        count = _write(writers, _episodes(upserts))
    except BaseException:
        for writer in writers.values():
            writer.cancel()
        raise
    for writer in writers.values():
        writer.commit()
    return count


# --- reading --------------------------------------------------------------------------------------

_local = threading.local()


@contextmanager
def open_searcher(kind: str) -> Iterator:
    """This thread's searcher on the live `kind` index, refreshed to its latest commit (None
    when there is no index)."""
    directory = current_dir()
    cache = getattr(_local, "searchers", None)
    if cache is None:
        cache = _local.searchers = {}
    if directory is None:
        yield None
        return
    cached = cache.get(kind)
    try:
        if cached is not None and cached[0] == directory and cached[1].up_to_date():
            searcher = cached[1]
        else:
            if cached is not None:
                cached[1].close()
            searcher = index.open_dir(directory, indexname=kind).searcher()
    except (OSError, index.EmptyIndexError):
        cache.pop(kind, None)
        yield None
        return
    cache[kind] = (directory, searcher)
    yield searcher


@dataclass
class Filters:
    topic: str = ""
    season: str = ""
    category: str = ""
    guest: str = ""

    def active(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}


@dataclass
class Ranked:
    """Primary keys, best first, with their scores; `total` matched before the limit."""

    pks: list[int] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)
    total: int = 0


def query_words(text: str) -> list[ranking.Word]:
    """The query's words as the ranking takes them: each analysed form once, without the
    words every question is made of ("how do you …") when others remain."""
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    words: list[ranking.Word] = []
    seen: set[str] = set()
    for token in ANALYZER(text, mode="query", chars=True, removestops=True):
        if token.text not in seen:
            seen.add(token.text)
            typed = fold(text[token.startchar : token.endchar])
            words.append(ranking.Word(typed, {token.text: 1.0}))
    meaningful = [word for word in words if word.text not in QUESTION_WORDS]
    return meaningful or words


def _telling(searcher, words: list[ranking.Word]) -> list[ranking.Word]:
    """Leave out the words most documents hold (more than `COMMON_SHARE`) when the query has
    others: they barely change the order and cost most of the time."""
    reader = searcher.reader()
    if reader.doc_count() < PRUNE_FROM:
        return words
    limit = COMMON_SHARE * reader.doc_count()

    def frequency(word: ranking.Word) -> int:
        return max(reader.doc_frequency(name, f) for f in word.forms for name in ("title", "body"))

    counts = {word.text: frequency(word) for word in words}
    rare = [word for word in words if 0 < counts[word.text] <= limit]
    return rare or words


def _matching(searcher, fieldname: str, value: str) -> set[int]:
    value = value.lower() if fieldname == "topic" else value
    try:
        return set(searcher.reader().postings(fieldname, value).all_ids())
    except (TermNotFound, KeyError):
        return set()


def rank(
    kind: str, text: str, *, filters: Filters | None = None, limit: int = 20, exclude: int = 0
) -> Ranked | None:
    """The best `limit` matches of `text` in the `kind` index under `filters` (None: no index)."""
    words = query_words(text)
    with open_searcher(kind) as searcher:
        if searcher is None:
            return None
        if not words:
            return Ranked()
        words = _telling(searcher, words)
        scores = ranking.score(searcher, words)
        for name, value in (filters or Filters()).active().items():
            if name in SCHEMAS[kind].names():
                allowed = _matching(searcher, name, value)
                scores = {d: s for d, s in scores.items() if d in allowed}
        ranking.proximity_bonus(searcher, words, scores)
        ordered = sorted(scores, key=lambda d: (-scores[d], d))
        found = Ranked(total=len(ordered))
        for docnum in ordered:
            pk = int(searcher.stored_fields(docnum)["pk"])
            if pk != exclude:
                found.pks.append(pk)
                found.scores[pk] = round(scores[docnum], 4)
            if len(found.pks) >= limit:
                break
        return found
