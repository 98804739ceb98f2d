"""Ranking docs for a query: BM25F over the index's fields, any word matching, with a strong
bonus for matching more of the query, the exact form and the words close together.

**Words, not fields, are the unit.** Each query word (stop words dropped, English stems,
accents folded) is looked up in every text field and scored per field with BM25 — the
field's frequency divided by the field's length relative to the median doc's, with a
per-field `b`, then saturated — times the field's weight, summed over the fields. The body's
`b` is high, so a page ten times the usual length needs ten times the mentions to count the
same, and saturation caps what any number of mentions is worth: one huge page that contains
every word does not outrank the doc whose title and summary are about the query.

**Any word matches**, and the sum of the word scores is multiplied by the share of query
words the doc matched, squared: a doc with two of three words keeps 44 % of its score. A typo
(a word the index does not know) matches its closest indexed words at a lower weight and
still counts as matched. The exact (unstemmed) form of a word earns a small bonus through
the `words` field, and among the best `RERANK` candidates, the query's words appearing
together — as a phrase in the title or within a short window of the body — earn another.

Identical copies (same git blob) collapse into their best-scoring path; the others are
returned as `copies` for "also at".
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

from docs_app.search_index import FIELD_BOOSTS as FIELD_WEIGHTS

K1 = 1.2
# Per-field weight (the spec's boosts, `FIELD_WEIGHTS`) and length normalisation.
FIELD_B = {"title": 0.4, "summary": 0.5, "description": 0.5, "purpose": 0.5, "headings": 0.6}
BODY_B = 0.9
COORD_POWER = 2.0
EXACT_BONUS = 0.15  # of the word's idf, when the doc holds the word exactly as typed
PHRASE_BONUS = 0.6  # of the summed idf, for the words in order in the title
WINDOW_BONUS = 0.4  # of the summed idf, for all the words within WINDOW positions in the body
WINDOW = 12
RERANK = 60


@dataclass
class Word:
    """One query word: the forms it matches (stem → weight) and its exact spelling."""

    text: str
    forms: dict[str, float]
    exact: str = ""


@dataclass
class Ranked:
    docnum: int
    score: float
    copies: list[int] = field(default_factory=list)


class FieldStats:
    """Per index version: every doc's field lengths, the typical ones and the copy key."""

    def __init__(self, reader):
        self.count = max(1, reader.doc_count_all())
        self.lengths: dict[str, list[int]] = {}
        # The median length of the docs that have the field, not the mean: a few huge pages
        # would otherwise make every other doc look short.
        self.typical: dict[str, float] = {}
        for name in FIELD_WEIGHTS:
            if name not in reader.schema or not reader.schema[name].scorable:
                continue
            values = [reader.doc_field_length(d, name, 0) or 0 for d in range(self.count)]
            self.lengths[name] = values
            present = sorted(v for v in values if v)
            self.typical[name] = float(max(1, present[len(present) // 2])) if present else 1.0
        self.copy_key = _column(reader, "blob", self.count)


def _column(reader, name: str, count: int) -> list:
    if not reader.has_column(name):
        return list(range(count))
    column = reader.column_reader(name)
    return [column[d] or d for d in range(count)]


def stats_for(searcher) -> FieldStats:
    stats = getattr(searcher, "_dataops_stats", None)
    if stats is None:
        stats = searcher._dataops_stats = FieldStats(searcher.reader())
    return stats


def _postings(reader, fieldname: str, form: str) -> list[tuple[int, float]]:
    """(docnum, frequency) of a term in every segment, deleted docs left out. Whoosh's
    postings are read a block at a time (ids and weights as arrays), not posting by posting:
    a word most docs contain costs a few blocks, not thousands of method calls."""
    found: list[tuple[int, float]] = []
    for segment, offset in reader.leaf_readers():
        try:
            matcher = segment.postings(fieldname, form)
        except TermNotFound:
            continue
        deleted: frozenset | tuple = ()
        if isinstance(matcher, FilterMatcher):  # the segment has deletions
            matcher, deleted = matcher.child, segment.deleted_docs_set
        found.extend(
            (offset + docnum, weight)
            for docnum, weight in _blocks(matcher)
            if docnum not in deleted
        )
    return found


def _blocks(matcher):
    """Every (id, weight) of a leaf matcher, block by block."""
    if not hasattr(matcher, "_read_ids"):  # not the on-disk matcher: the generic walk
        while matcher.is_active():
            yield matcher.id(), matcher.weight()
            matcher.next()
        return
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        yield from zip(matcher._ids, matcher._weights, strict=False)
        matcher._next_block()


def _word_scores(reader, stats: FieldStats, word: Word) -> tuple[float, dict[int, float]]:
    """The word's idf and docnum → its score: per field, BM25 with the field's length
    normalisation, times the field's weight, summed over the fields (a word in the title
    and the summary counts more than any number of mentions in a long body)."""
    postings = []
    for fieldname in FIELD_WEIGHTS:
        if fieldname in stats.lengths:
            for form, form_weight in word.forms.items():
                found = _postings(reader, fieldname, form)
                if found:
                    postings.append((fieldname, form_weight, found))
    idf = _idf(stats.count, len({d for _, _, found in postings for d, _ in found}))
    scores: dict[int, float] = defaultdict(float)
    for fieldname, form_weight, found in postings:
        lengths, typical = stats.lengths[fieldname], stats.typical[fieldname]
        b = FIELD_B.get(fieldname, BODY_B if fieldname == "body" else 0.0)
        weight = FIELD_WEIGHTS[fieldname] * form_weight * idf
        for docnum, frequency in found:
            tf = frequency / (1 - b + b * lengths[docnum] / typical)
            scores[docnum] += weight * tf / (K1 + tf)
    return idf, scores


def _idf(count: int, frequency: int) -> float:
    return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))


def score(searcher, words: list[Word]) -> dict[int, float]:
    """docnum → score for every doc matching any word (filters apply afterwards). The share
    of the query a doc matched is weighted by idf: missing a word most docs contain costs
    little, missing the rare word that names the topic costs most."""
    reader = searcher.reader()
    stats = stats_for(searcher)
    totals: dict[int, float] = defaultdict(float)
    matched: dict[int, float] = defaultdict(float)
    weight = 0.0
    for word in words:
        idf, scores = _word_scores(reader, stats, word)
        weight += idf
        if word.exact:
            bonus = EXACT_BONUS * idf
            for docnum, _ in _postings(reader, "words", word.exact):
                if docnum in scores:
                    scores[docnum] += bonus
        for docnum, value in scores.items():
            totals[docnum] += value
            matched[docnum] += idf
    weight = weight or 1.0
    return {d: s * (matched[d] / weight) ** COORD_POWER for d, s in totals.items()}


def proximity_bonus(searcher, words: list[Word], scores: dict[int, float]) -> None:
    """Raise the best candidates whose title holds the words in order, or whose body holds
    them all within a short window."""
    if len(words) < 2 or not scores:
        return
    reader = searcher.reader()
    stats = stats_for(searcher)
    weight = sum(
        _idf(stats.count, max(reader.doc_frequency("body", f) for f in w.forms) or 1)
        for w in words
        if w.forms
    )
    best = sorted(scores, key=scores.__getitem__, reverse=True)[:RERANK]
    titles = _positions(searcher, "title", words, best)
    bodies = _positions(searcher, "body", words, best)
    for docnum in best:
        bonus = 0.0
        if _in_order(titles[docnum]):
            bonus += PHRASE_BONUS * weight
        span = _window(bodies[docnum])
        if span is not None and span <= WINDOW:
            bonus += WINDOW_BONUS * weight * (len(words) / max(span, len(words)))
        scores[docnum] += bonus


def _positions(
    searcher, fieldname: str, words: list[Word], docnums: list[int]
) -> dict[int, list[list[int]]]:
    """docnum → for each word, the positions of any of its forms in that doc's field; one
    forward walk of each form's postings over the docs in order."""
    found = {docnum: [[] for _ in words] for docnum in docnums}
    ordered = sorted(docnums)
    for i, word in enumerate(words):
        for form in word.forms:
            for docnum, matcher in postings_in(searcher, fieldname, form, ordered):
                if matcher.supports("positions"):
                    found[docnum][i].extend(matcher.value_as("positions"))
    for places in found.values():
        for positions in places:
            positions.sort()
    return found


def postings_in(searcher, fieldname: str, form: str, ordered: list[int]):
    """`(docnum, matcher)` for each of the docs `ordered` (ascending) that holds the term:
    one forward walk of its postings, reading only the blocks those docs are in."""
    try:
        matcher = searcher.postings(fieldname, form)
    except TermNotFound:
        return
    for docnum in ordered:
        if not matcher.is_active():
            return
        matcher.skip_to(docnum)
        if matcher.is_active() and matcher.id() == docnum:
            yield docnum, matcher


def _in_order(positions: list[list[int]]) -> bool:
    if not positions or any(not places for places in positions):
        return False
    for start in positions[0]:
        if all(start + i in set(places) for i, places in enumerate(positions[1:], 1)):
            return True
    return False


def _window(positions: list[list[int]]) -> int | None:
    """The smallest span of positions holding one occurrence of every word (None if a word
    is missing)."""
    if not positions or any(not places for places in positions):
        return None
    events = sorted((p, i) for i, places in enumerate(positions) for p in places)
    need, have, best, left = len(positions), defaultdict(int), None, 0
    covered = 0
    for _right, (position, word) in enumerate(events):
        have[word] += 1
        covered += have[word] == 1
        while covered == need:
            span = position - events[left][0] + 1
            best = span if best is None or span < best else best
            have[events[left][1]] -= 1
            covered -= have[events[left][1]] == 0
            left += 1
    return best


def collapse(searcher, scores: dict[int, float]) -> list[Ranked]:
    """Best first, one entry per distinct content; identical copies ride along."""
    keys = stats_for(searcher).copy_key
    groups: dict[object, Ranked] = {}
    for docnum in sorted(scores, key=lambda d: (-scores[d], d)):
        key = keys[docnum] if docnum < len(keys) else docnum
        if key in groups:
            groups[key].copies.append(docnum)
        else:
            groups[key] = Ranked(docnum, scores[docnum])
    return list(groups.values())
