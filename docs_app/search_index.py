"""The search index (Whoosh, from `whoosh-reloaded`): what is indexed, where it lives, how it
is written. Querying it is `docs_app.search`.

**Fields and boosts** (PRODUCT.md §2): title 4, summary / description / purpose 3, headings
2, body 1, tags and systems 1 (the spec names no boost for them); `docs_app.ranking` applies
them at query time, so changing one needs no reindex. Text fields are lowercased, folded to
plain letters ("Café" is "cafe"), stripped of English stop words and stemmed;
the body of a marked SOP is its structured text (sections, steps, captions, prose, TODOs)
without markers, of any other doc its Markdown as plain text. The body keeps word positions
and a stored checkpoint (character offset) every 64 words, so a snippet finds its matches by
counting at most 64 words, and a stored list of where each heading's section starts (hits
land on the heading). `words` holds each doc's distinct unstemmed words: the
vocabulary for typo tolerance and "did you mean".

**Index directory** (`DOCS_INDEX_DIR`): `gen-v<schema>-<time>/` directories and a `current`
symlink. A full rebuild writes a new generation beside the live one and swaps the symlink
atomically, so readers never see a half-built index; incremental updates commit into the
live generation (Whoosh readers keep the snapshot they opened). Writers — rebuilds and
updates — take one file lock (`.write.lock`, waiting with a timeout) so they never race;
the index is derived data every node can rebuild from the registry (`docs_reindex`). A
change of `SCHEMA_VERSION` makes the old index invisible until it is rebuilt.
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from whoosh import index
from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.analysis.tokenizers import default_pattern
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Existence
from whoosh.lang import stemmer_for_language
from whoosh.support.charset import accent_map
from whoosh.writing import MERGE_SMALL

from dataops.jobs import TransientJobError
from docs_app import files
from docs_app.models import Document
from docs_app.render import anchor_id
from docs_app.sop import SopParseError, headings, plain_text, split_frontmatter
from docs_app.sop.lines import split_lines
from docs_app.sop.parser import newline_of, parse_split
from docs_app.sop.text import structured_text

log = logging.getLogger(__name__)
_SNOWBALL_ENGLISH = stemmer_for_language("english")

SCHEMA_VERSION = 6
CHECKPOINT = 64
PARALLEL_FROM = 1000  # docs: a full build this big is written by two processes
PARALLEL_BATCH = 100  # docs handed to a writer process at a time
FIELD_BOOSTS = {
    "title": 4.0,
    "summary": 3.0,
    "description": 3.0,
    "purpose": 3.0,
    "headings": 2.0,
    "body": 1.0,
    "tags": 1.0,
    "systems": 1.0,
}
FACET_FIELDS = {"domain": "domain", "doc_type": "doc_type", "tag": "tags", "system": "systems"}
UPDATE_WAIT_SECONDS = 120
SMALL_SEGMENT_DOCS = 100
SMALL_SEGMENTS_BEFORE_MERGE = 10
# A segment's files stay separate. Whoosh reads a compound segment by copying each of its
# files into memory every time a reader opens, and the writer of every one-doc update opens
# all segments (to delete the doc's old version): a third of one save's re-index.
COMPOUND = False
REBUILD_WAIT_SECONDS = 600
CURRENT = "current"
INDEX_MISSING = "missing"
INDEX_EMPTY = "empty"
INDEX_READY = "ready"


class IndexBusy(TransientJobError):
    """Another process held the index write lock for too long (the job retries later)."""


_LETTERS = re.compile(r"[^\W\d_]{3,}")


def fold(text: str) -> str:
    """Lowercase without accents: "Café" and "cafe" are one word."""
    return text.lower().translate(accent_map)


def analyzer():
    """Words, lowercased, accents folded, English stop words dropped, stemmed (Snowball
    English, which takes "running" to "run")."""
    return (
        RegexTokenizer()
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        # Stop words keep their position: a token's position is its index among all the
        # words of the text, which `char_spans` counts back to characters.
        | StopFilter(renumber=False)
        | StemFilter(stemfn=english_stem, cachesize=None)
    )


@lru_cache(maxsize=200_000)
def english_stem(word: str) -> str:
    """Snowball English, remembered per process. The schema (and so each analyzer) is read
    back from the index for every writer; a module-level cache outlives those copies, so
    re-indexing one edited doc does not stem its words from scratch."""
    return _SNOWBALL_ENGLISH(word)


def _vocabulary() -> KEYWORD:
    """A word list per doc: presence only (each word once), with a length column all the
    same — without one, Whoosh's segment writer looks for the missing column file on disk
    once per posting, which was a third of a full build."""
    field = KEYWORD(lowercase=True, scorable=True)
    field.format = Existence(field_boost=field.format.field_boost)
    return field


def _schema() -> Schema:
    stem = analyzer()
    return Schema(
        path=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        title=TEXT(stored=True, analyzer=stem),
        # Positions only where a phrase is checked (the title) and snippets are cut (the body).
        summary=TEXT(stored=True, analyzer=stem, phrase=False),
        description=TEXT(analyzer=stem, phrase=False),
        purpose=TEXT(analyzer=stem, phrase=False),
        headings=TEXT(analyzer=stem, phrase=False),
        # Positions, not character offsets (a fifth of the index): a stored checkpoint every
        # CHECKPOINT words lets `char_spans` find a match's characters for a snippet.
        body=TEXT(stored=True, analyzer=stem),
        tags=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        systems=KEYWORD(stored=True, commas=True, lowercase=True, scorable=True),
        domain=ID(stored=True),
        doc_type=ID(stored=True),
        anchors=STORED(),
        # The distinct unstemmed words of title, headings and body: the spelling vocabulary
        # and the exact forms ranking prefers.
        words=_vocabulary(),
        # Not searched: identical copies share a blob (collapsed into one hit), and the
        # title's sort key orders the list of every doc.
        blob=COLUMN(VarBytesColumn()),
        sort_title=COLUMN(VarBytesColumn()),
    )


SCHEMA = _schema()


# --- what is indexed ------------------------------------------------------------------------


@dataclass
class Searchable:
    """A document's searchable body, its headings and where each heading's section starts."""

    body: str = ""
    headings: list[tuple[str, str]] = field(default_factory=list)  # (anchor, text)
    sections: list[tuple[int, str]] = field(default_factory=list)  # (body offset, anchor)


def searchable(text: str) -> Searchable:
    """Plain body text, split at headings: a marked SOP's structured text, else its body."""
    split = split_frontmatter(text)
    source = split.body
    try:
        document = parse_split(split, newline_of(text))
        if document.sections:
            source = structured_text(document)
    except SopParseError:
        pass
    # The title heading is the top of the page: hits there need no anchor.
    found = [h for h in headings(source) if h.level > 1]
    lines = split_lines(source)
    bounds = [0] + [h.line - 1 for h in found] + [len(lines)]
    anchors = [""] + [anchor_id(h.anchor) for h in found]
    result = Searchable(headings=[(anchor_id(h.anchor), h.text) for h in found])
    parts: list[str] = []
    offset = 0
    for start, end, anchor in zip(bounds, bounds[1:], anchors, strict=False):
        chunk = plain_text("".join(lines[start:end]))
        if chunk:
            result.sections.append((offset, anchor))
            parts.append(chunk)
            offset += len(chunk) + 1
    result.body = "\n".join(parts)
    return result


def _document_fields(doc: Document, text: str | None) -> dict:
    found = searchable(text) if text else Searchable()
    frontmatter = doc.frontmatter if isinstance(doc.frontmatter, dict) else {}
    values = {
        "path": doc.path,
        "doc_id": doc.doc_id,
        "title": doc.title,
        "summary": doc.summary,
        # The registry falls back to the summary for a missing description: index it once.
        "description": doc.description if doc.description != doc.summary else "",
        "purpose": str(frontmatter.get("purpose") or ""),
        "headings": "\n".join(text for _, text in found.headings),
        "body": found.body,
        "tags": ",".join(doc.tags),
        "systems": ",".join(doc.systems),
        "domain": doc.domain,
        "doc_type": doc.doc_type,
    }
    values["words"] = " ".join(
        sorted(set(_LETTERS.findall(fold(" ".join((doc.title, values["headings"], found.body))))))
    )
    fields = {name: value for name, value in values.items() if value}
    fields["anchors"] = {"h": found.headings, "s": found.sections, "c": checkpoints(found.body)}
    fields["blob"] = (doc.blob_sha or doc.path).encode()
    fields["sort_title"] = fold(doc.title or doc.path).encode()
    return fields


def checkpoints(body: str) -> list[int]:
    """The character offset of every CHECKPOINT-th word of `body` (word = the tokenizer's)."""
    return [
        match.start()
        for i, match in enumerate(default_pattern.finditer(body))
        if i % CHECKPOINT == 0
    ]


def char_spans(body: str, marks: list[int], positions: Iterable[int]) -> list[tuple[int, int, int]]:
    """`(position, start, end)` of the words at `positions` in `body`, each found by
    counting words from the checkpoint before it (`marks`, from `checkpoints`)."""
    blocks: dict[int, set[int]] = {}
    for position in positions:
        blocks.setdefault(position // CHECKPOINT, set()).add(position)
    spans = []
    for block, wanted in sorted(blocks.items()):
        if block >= len(marks):
            continue
        last = max(wanted)
        words = default_pattern.finditer(body, marks[block])
        for position, match in enumerate(words, start=block * CHECKPOINT):
            if position > last:
                break
            if position in wanted:
                spans.append((position, match.start(), match.end()))
    return spans


def text_of(doc: Document) -> str | None:
    return None if doc.skipped_reason else files.read_text(doc.path)


# --- the index directory -----------------------------------------------------------------------


def _root() -> Path:
    return Path(settings.DOCS_INDEX_DIR)


def _linked_dir() -> Path | None:
    """Where the `current` link points, if it is a generation of this schema."""
    try:
        target = (_root() / CURRENT).resolve(strict=True)
    except OSError:
        return None
    return target if target.name.startswith(f"gen-v{SCHEMA_VERSION}-") else None


def current_dir() -> Path | None:
    target = _linked_dir()
    return target if target is not None and index.exists_in(target) else None


@contextmanager
def write_lock(timeout: float) -> Iterator[None]:
    """One index writer at a time across processes (an OS file lock, waiting up to `timeout`)."""
    _root().mkdir(parents=True, exist_ok=True)
    with open(_root() / ".write.lock", "a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise IndexBusy(
                        "The search index is being written by another process."
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _swap_current(new: Path) -> Path | None:
    """Point `current` at `new` atomically; returns the generation it pointed at before."""
    previous = current_dir()
    temporary = _root() / f".current-{os.getpid()}-{time.time_ns()}"
    os.symlink(new.name, temporary)
    os.replace(temporary, _root() / CURRENT)
    return previous


def _prune(keep: set[Path]) -> None:
    """Remove older generations; the one readers may still hold (the previous) is kept."""
    for entry in _root().iterdir():
        if entry.name.startswith(("gen-", ".gen-")) and entry.is_dir() and entry not in keep:
            shutil.rmtree(entry, ignore_errors=True)


def rebuild_index() -> int:
    """Build the whole index from the registry and the mirror; returns docs written."""
    with write_lock(REBUILD_WAIT_SECONDS):
        name = f"gen-v{SCHEMA_VERSION}-{time.time_ns()}-{os.getpid()}"
        building = _root() / f".{name}"
        building.mkdir(parents=True)
        try:
            count = _fill(index.create_in(building, SCHEMA))
            final = building.rename(_root() / name)
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        previous = _swap_current(final)
        _prune({final} | ({previous} if previous else set()))
    log.info("search index rebuilt: %s documents", count)
    return count


def writer_for(ix, docs: int):
    """Two writer processes (each a segment of its own, not merged: merging cost as much as
    the build) for a big build; in-process for a small one, and in a process that may not
    have children (a Celery prefork worker's pool process is daemonic)."""
    if docs >= PARALLEL_FROM and not multiprocessing.current_process().daemon:
        try:
            return ix.writer(
                limitmb=512,
                procs=2,
                multisegment=True,
                batchsize=PARALLEL_BATCH,
                compound=COMPOUND,
            )
        except (AssertionError, OSError) as exc:  # no child processes here after all
            log.warning("search index: building in one process (%s)", exc)
    return ix.writer(limitmb=512, compound=COMPOUND)


def _fill(ix) -> int:
    writer = writer_for(ix, Document.objects.count())
    count = 0
    try:
        docs = Document.objects.prefetch_related("labels").order_by("pk")
        for doc in docs.iterator(chunk_size=500):
            writer.add_document(**_document_fields(doc, text_of(doc)))
            count += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit(optimize=True)
    return count


def update_index(*, upserts: list[str], deletes: list[str]) -> int:
    """Re-index the documents at `upserts` (repo paths), drop `deletes`; returns docs written.

    With no index yet this builds it from scratch.
    """
    if current_dir() is None:
        return rebuild_index()
    with write_lock(UPDATE_WAIT_SECONDS):
        directory = current_dir()
        if directory is not None:
            return _apply(index.open_dir(directory), upserts, deletes)
    return rebuild_index()


def _apply(ix, upserts: list[str], deletes: list[str]) -> int:
    writer = ix.writer(timeout=UPDATE_WAIT_SECONDS, compound=COMPOUND)
    written: set[str] = set()
    try:
        for path in deletes:
            writer.delete_by_term("path", path)
        for doc in Document.objects.filter(path__in=list(upserts)).prefetch_related("labels"):
            writer.update_document(**_document_fields(doc, text_of(doc)))
            written.add(doc.path)
        for path in set(upserts) - written:  # no longer registered
            writer.delete_by_term("path", path)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=merge_policy)
    return len(written)


def merge_policy(writer, segments: list) -> list:
    """Which segments a commit keeps. Whoosh's default merges the small segments earlier
    updates left on every commit, and that merge is what made one save's re-index slow now
    and then. Here a segment whose documents have all been replaced since (the usual fate of
    a doc's previous version, written by its previous save) is dropped, which costs nothing;
    live small segments are left alone until there are SMALL_SEGMENTS_BEFORE_MERGE of them
    (searching a few more segments costs little), and then merged."""
    live = [segment for segment in segments if segment.doc_count() > 0]
    small = sum(1 for segment in live if segment.doc_count_all() < SMALL_SEGMENT_DOCS)
    if small < SMALL_SEGMENTS_BEFORE_MERGE:
        return live
    return MERGE_SMALL(writer, live)


# --- reading ---------------------------------------------------------------------------------

_local = threading.local()


@contextmanager
def open_searcher() -> Iterator:
    """This thread's searcher on the live generation, refreshed to its latest commit.
    (Opening the index is what checks that one is there: asking `current_dir` first would
    read the index's table of contents on every search.)"""
    directory = _linked_dir()
    if directory is None:
        yield None
        return
    cached = getattr(_local, "cached", None)
    try:
        if cached is not None and cached[0] == directory and cached[1].up_to_date():
            searcher = cached[1]
        else:
            # Not `Searcher.refresh()`: it reuses segment readers and so misses deletions.
            if cached is not None:
                cached[1].close()
            searcher = index.open_dir(directory).searcher()
    except (OSError, index.EmptyIndexError):  # swapped and pruned under us: try next time
        _local.cached = None
        yield None
        return
    _local.cached = (directory, searcher)
    yield searcher


def segment_sizes() -> list[int]:
    """Documents (replaced ones included) in each segment of the live index."""
    directory = current_dir()
    if directory is None:
        return []
    return [segment.doc_count_all() for segment in index.open_dir(directory)._segments()]


def index_state() -> tuple[str, int]:
    """`(state, documents)`: missing (never built), empty, or ready."""
    with open_searcher() as searcher:
        if searcher is None:
            return INDEX_MISSING, 0
        count = searcher.doc_count()
    return (INDEX_READY if count else INDEX_EMPTY), count
