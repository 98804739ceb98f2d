"""Searching the process docs: ranked hits, facets, snippets, typo tolerance, suggestions.

The index itself — fields, analysis, storage, writers — is `docs_app.search_index`; its
writers and state are re-exported here, so the sync pipeline calls
`search.update_index(...)` and `search.rebuild_index()`. How docs are scored is
`docs_app.ranking` (BM25F, any word with a bonus for matching more of the query, exact
forms and words close together, identical copies collapsed).

**Typo tolerance**: a query word none of whose forms is in the index matches its closest
indexed words instead (one edit, two for words of 7+ letters, first letter kept, a swap of two
letters counting as one edit) with a lower weight; words that do exist are matched exactly,
so fuzziness never drowns good hits. The candidates come from the `words` field through
Whoosh's `terms_within` automaton, ranked by edits, then document frequency. "Did you mean"
proposes the query with each unknown word replaced by its best candidate.

**An empty query or `*`** lists every doc by title, paginated, with the facets.

**Facets** (domain, type, tag, system) are counted over every match, each under the other
facets' filters, from a per-searcher table of docnum → values built from the postings once
per index version. The command and the suggestions skip facets.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from whoosh import highlight
from whoosh.analysis import Token

from docs_app import ranking
from docs_app.doc_urls import doc_path_url
from docs_app.search_index import (  # noqa: F401 - the index API, re-exported
    FACET_FIELDS,
    FIELD_BOOSTS,
    INDEX_EMPTY,
    INDEX_MISSING,
    INDEX_READY,
    SCHEMA,
    IndexBusy,
    char_spans,
    fold,
    index_state,
    open_searcher,
    rebuild_index,
    searchable,
    update_index,
)
from docs_app.selectors import FacetValue

ANALYZER = SCHEMA["body"].analyzer

FUZZY_WEIGHT = 0.6
PREFIX_WEIGHT = 0.8
MIN_FUZZY_LENGTH = 4
MAX_QUERY_LENGTH = 200
PER_PAGE = 20


@dataclass
class Filters:
    domain: str = ""
    doc_type: str = ""
    tag: str = ""
    system: str = ""

    def active(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}

    def matches(self, values: dict[str, tuple[str, ...]], *, skip: str = "") -> bool:
        for name, wanted in self.active().items():
            if name != skip and _normal(name, wanted) not in values.get(name, ()):
                return False
        return True


def _normal(facet: str, value: str) -> str:
    return value.lower() if facet in ("tag", "system") else value


@dataclass
class Hit:
    path: str
    doc_id: str
    title: str
    summary: str
    domain: str
    doc_type: str
    tags: list[str]
    systems: list[str]
    score: float
    snippet: str = ""  # HTML: escaped text with <mark> around matches
    anchor: str = ""
    section: str = ""  # the heading the anchor lands on
    copies: list[str] = field(default_factory=list)  # identical copies at other paths
    docnum: int = field(default=-1, repr=False)
    stored: dict = field(default_factory=dict, repr=False)

    @property
    def url(self) -> str:
        return doc_path_url(self.path) + (f"#{self.anchor}" if self.anchor else "")


@dataclass
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: Page | None = None
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str = ""
    state: str = INDEX_READY


def search(
    text: str,
    *,
    filters: Filters | None = None,
    page: int | str = 1,
    per_page: int = PER_PAGE,
    highlights: bool = True,
    facets: bool = True,
    as_you_type: bool = False,
) -> SearchResults:
    """Ranked hits for `text` under `filters`.

    With `facets` (the search page) every match is counted for the facets and the total;
    without (the command, suggestions) only the requested page is ranked, and `total` is the
    number of hits returned. `as_you_type` lets the last word match as a prefix.
    """
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    filters = filters or Filters()
    with open_searcher() as searcher:
        if searcher is None:
            return SearchResults(text, state=INDEX_MISSING)
        if searcher.doc_count() == 0:
            return SearchResults(text, state=INDEX_EMPTY)
        request = _Request(text, filters, page, per_page, highlights, facets, as_you_type)
        return _run(searcher, request)


@dataclass
class _Request:
    text: str
    filters: Filters
    page: int | str
    per_page: int
    highlights: bool
    facets: bool
    as_you_type: bool


def _run(searcher, request: _Request) -> SearchResults:
    results = SearchResults(request.text)
    vocabulary = _Words(searcher.reader())
    listing = request.text.strip() in ("", "*") and not request.as_you_type
    words = [] if listing or not request.text else _query_words(request, vocabulary)
    if listing:
        _rank(searcher, request, results, None)
    elif words:
        _rank(searcher, request, results, words)
        if results.hits and request.highlights:
            _decorate(searcher, _terms(words), results.hits)
    if not request.as_you_type and not listing:
        results.suggestion = did_you_mean(request.text, vocabulary)
    return results


def _query_words(request: _Request, vocabulary: _Words) -> list[ranking.Word]:
    """The query's words with the forms each matches: its stem when the index knows it,
    else its closest indexed words (lower weight); the word being typed also as a prefix."""
    text = request.text
    words: list[ranking.Word] = []
    seen: set[tuple] = set()
    for token in ANALYZER(text, mode="query", chars=True, removestops=True):
        typed = fold(text[token.startchar : token.endchar])
        forms = {token.text: 1.0}
        if not vocabulary.has(token.text):
            forms = _near_forms(vocabulary.near(typed)) or forms
        if request.as_you_type and token.endchar == len(text):
            for candidate in _completions(vocabulary.reader, typed):
                for form in _forms(candidate):
                    forms.setdefault(form, PREFIX_WEIGHT)
        key = tuple(sorted(forms))
        if key not in seen:
            seen.add(key)
            words.append(ranking.Word(typed, forms, exact=typed))
    return words


def _forms(word: str) -> list[str]:
    return list(SCHEMA["body"].process_text(word, mode="query"))


def _near_forms(near: list[tuple[int, str]]) -> dict[str, float]:
    return {
        form: FUZZY_WEIGHT / distance for distance, candidate in near for form in _forms(candidate)
    }


def _completions(reader, prefix: str, limit: int = 8) -> list[str]:
    """The most common indexed words starting with `prefix` (the word being typed)."""
    if len(prefix) < 2:
        return []
    found = [
        (reader.doc_frequency("words", word), word.decode() if isinstance(word, bytes) else word)
        for word in itertools.islice(reader.expand_prefix("words", prefix), 200)
    ]
    return [word for _, word in sorted(found, reverse=True)[:limit]]


def _terms(words: list[ranking.Word]) -> dict[str, set[str]]:
    forms = {form for word in words for form in word.forms}
    return {"body": forms, "headings": forms, "summary": forms}


def _rank(searcher, request: _Request, results: SearchResults, words) -> None:
    """Fill `results` with the page's hits, the total and (when asked) the facets. Without
    `words` every doc is listed, by title."""
    filters = request.filters
    table = _facet_table(searcher) if (request.facets or filters.active()) else {}
    if words is None:
        scores = dict.fromkeys(_live_docs(searcher), 0.0)
    else:
        scores = ranking.score(searcher, words)
    matched = set(scores)
    if request.facets:
        results.facets = _facet_counts(matched, table, filters)
    if filters.active():
        scores = {d: v for d, v in scores.items() if filters.matches(table.get(d, {}))}
    if words is None:
        ranked = [ranking.Ranked(d, 0.0) for d in _by_title(searcher, scores)]
    else:
        ranking.proximity_bonus(searcher, words, scores)
        ranked = ranking.collapse(searcher, scores)
    results.total = len(ranked)
    results.page = Paginator(range(results.total), request.per_page).get_page(request.page)
    if not ranked:
        results.hits = []
        return
    first = (results.page.number - 1) * request.per_page
    results.hits = [_hit(searcher, entry) for entry in ranked[first : first + request.per_page]]


def _live_docs(searcher) -> list[int]:
    reader = searcher.reader()
    return [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]


def _by_title(searcher, docnums) -> list[int]:
    order = getattr(searcher, "_dataops_title_order", None)
    if order is None:
        reader = searcher.reader()
        column = reader.column_reader("sort_title") if reader.has_column("sort_title") else None
        keys = {d: (column[d] if column else b"", d) for d in range(reader.doc_count_all())}
        order = searcher._dataops_title_order = sorted(keys, key=keys.__getitem__)
    wanted = set(docnums)
    return [d for d in order if d in wanted]


def _hit(searcher, entry: ranking.Ranked) -> Hit:
    stored = searcher.stored_fields(entry.docnum)
    hit = Hit(
        path=stored["path"],
        doc_id=stored.get("doc_id", ""),
        title=stored.get("title", ""),
        summary=stored.get("summary", ""),
        domain=stored.get("domain", ""),
        doc_type=stored.get("doc_type", ""),
        tags=_split(stored.get("tags")),
        systems=_split(stored.get("systems")),
        score=round(entry.score, 4),
        copies=sorted(searcher.stored_fields(d)["path"] for d in entry.copies),
    )
    hit.docnum, hit.stored = entry.docnum, stored
    return hit


class _Words:
    """What the index knows about a query's words (memoised for one query): whether an
    analysed form is indexed, and the closest indexed words to one that is not."""

    def __init__(self, reader):
        self.reader = reader
        self._known: dict[str, bool] = {}
        self._near: dict[str, list[tuple[int, str]]] = {}

    def has(self, form: str) -> bool:
        if form not in self._known:
            self._known[form] = any((name, form) in self.reader for name in FIELD_BOOSTS)
        return self._known[form]

    def is_known(self, word: str) -> bool:
        forms = _forms(word.lower())
        return not forms or any(self.has(form) for form in forms)

    def near(self, word: str) -> list[tuple[int, str]]:
        word = fold(word)
        if word not in self._near:
            self._near[word] = _closest_words(self.reader, word)
        return self._near[word]


def _closest_words(reader, word: str, limit: int = 2) -> list[tuple[int, str]]:
    """`(edits, word)` of the indexed words closest to `word`: fewest edits (a swap of two
    letters is one edit), then most documents, then closest length; first letter kept."""
    if len(word) < MIN_FUZZY_LENGTH:
        return []
    allowed = 2 if len(word) >= 7 else 1
    found: dict[str, int] = {}
    for candidate in reader.terms_within("words", word, 2, prefix=1):
        distance = edit_distance(word, candidate)
        if 0 < distance <= allowed:
            found[candidate] = distance
    if not found:
        return []
    best = min(found.values())

    def rank(candidate: str) -> tuple:
        return -reader.doc_frequency("words", candidate), abs(len(candidate) - len(word))

    closest = sorted((c for c, d in found.items() if d == best), key=rank)[:limit]
    return [(best, candidate) for candidate in closest]


def _facet_table(searcher) -> dict[int, dict[str, tuple[str, ...]]]:
    """docnum → {facet: values}, from the postings; built once per searcher."""
    table = getattr(searcher, "_dataops_facets", None)
    if table is None:
        reader = searcher.reader()
        collected: dict[int, dict[str, list[str]]] = {}
        for facet, fieldname in FACET_FIELDS.items():
            for raw in reader.lexicon(fieldname):
                value = raw.decode("utf-8")
                for docnum in reader.postings(fieldname, raw).all_ids():
                    collected.setdefault(docnum, {}).setdefault(facet, []).append(value)
        table = {d: {k: tuple(v) for k, v in per.items()} for d, per in collected.items()}
        searcher._dataops_facets = table
    return table


def _facet_counts(matched: set[int], table, filters: Filters) -> dict[str, list[FacetValue]]:
    selected = {name: _normal(name, value) for name, value in filters.active().items()}
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACET_FIELDS}
    filtered = bool(selected)
    for docnum in matched:
        values = table.get(docnum, {})
        for facet, found in values.items():
            if not filtered or filters.matches(values, skip=facet):
                for value in found:
                    counts[facet][value] = counts[facet].get(value, 0) + 1
    ordered: dict[str, list[FacetValue]] = {}
    for facet, found in counts.items():
        if facet in selected and selected[facet] not in found:
            found[selected[facet]] = 0
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
        ordered[facet] = [FacetValue(value, n, selected.get(facet) == value) for value, n in ranked]
    return ordered


class _MarkFormatter(highlight.Formatter):
    """Escapes everything and wraps matches in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text, quote=False)

    def format_token(self, text, token, replace=False):
        return f"<mark>{html.escape(highlight.get_text(text, token, replace), quote=False)}</mark>"


_FRAGMENTER = highlight.PinpointFragmenter(maxchars=220, surround=70, autotrim=True)


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def _decorate(searcher, terms: dict[str, set[str]], hits: list[Hit]) -> None:
    """Snippets and heading anchors for the hits of one page.

    Match positions come from the body's postings and their characters from its stored
    checkpoints (no re-analysis of the text); the anchor is the first heading holding a
    query word, else the section where the best snippet starts.
    """
    matches = _body_matches(searcher, terms.get("body", set()), hits)
    for hit in hits:
        stored, anchors = hit.stored, hit.stored.get("anchors") or {}
        snippet, start = _body_snippet(stored.get("body", ""), matches[hit.docnum])
        hit.snippet = snippet or _text_snippet(hit.summary, terms.get("summary", set()))
        heads = anchors.get("h", [])
        hit.anchor = _heading_anchor(heads, terms.get("headings", set()))
        if not hit.anchor and start is not None:
            hit.anchor = _section_anchor(anchors.get("s", []), start)
        hit.section = next((text for anchor, text in heads if anchor == hit.anchor), "")


def _body_matches(searcher, terms: set[str], hits: list[Hit]) -> dict[int, list[Token]]:
    """docnum → the body's matching words as tokens with character offsets: each term's
    postings walked once, forward, over the page's docs in order; offsets from the stored
    checkpoints."""
    positions: dict[int, dict[int, str]] = {hit.docnum: {} for hit in hits}
    ordered = sorted(positions)
    for term in terms:
        for docnum, postings in ranking.postings_in(searcher, "body", term, ordered):
            for position in postings.value_as("positions"):
                positions[docnum][position] = term
    found: dict[int, list[Token]] = {}
    for hit in hits:
        marks = (hit.stored.get("anchors") or {}).get("c", [])
        where = positions[hit.docnum]
        found[hit.docnum] = [
            Token(text=where[pos], pos=pos, startchar=start, endchar=end)
            for pos, start, end in char_spans(hit.stored.get("body", ""), marks, where)
        ]
    return found


def _body_snippet(text: str, tokens: list[Token]) -> tuple[str, int | None]:
    if not tokens or not text:
        return "", None
    tokens.sort(key=lambda token: token.startchar)
    fragments = list(_FRAGMENTER.fragment_matches(text, tokens))
    best = highlight.top_fragments(
        fragments, 2, highlight.BasicFragmentScorer(), order=highlight.FIRST
    )
    if not best:
        return "", None
    return _MarkFormatter()(text, best), min(fragment.startchar for fragment in best)


def _text_snippet(text: str, terms: set[str]) -> str:
    """A short stored text (the summary) with its matching words marked."""
    analyzer = SCHEMA["summary"].analyzer
    out, position = [], 0
    for token in analyzer(text, chars=True, removestops=False):
        if token.text in terms:
            out.append(html.escape(text[position : token.startchar], quote=False))
            out.append(f"<mark>{html.escape(text[token.startchar : token.endchar])}</mark>")
            position = token.endchar
    out.append(html.escape(text[position:], quote=False))
    return "".join(out)


def _heading_anchor(heads: Iterable[tuple[str, str]], terms: set[str]) -> str:
    if not terms:
        return ""
    analyzer = SCHEMA["headings"].analyzer
    for anchor, text in heads:
        if terms & {token.text for token in analyzer(text)}:
            return anchor
    return ""


def _section_anchor(sections: list[tuple[int, str]], position: int) -> str:
    anchor = ""
    for offset, section_anchor in sections:
        if offset > position:
            break
        anchor = section_anchor
    return anchor


# --- did you mean ----------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def edit_distance(a: str, b: str) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions, swaps."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def did_you_mean(text: str, words: _Words) -> str:
    """The query with each unknown word replaced by its closest indexed word ("" if none)."""
    corrected, changed, position = [], False, 0
    for match in _WORD.finditer(text):
        word = match.group()
        replacement = word
        if not word.isdigit() and not words.is_known(word):
            near = words.near(word)
            if near:
                replacement, changed = near[0][1], True
        corrected.append(text[position : match.start()] + replacement)
        position = match.end()
    corrected.append(text[position:])
    return "".join(corrected) if changed else ""
