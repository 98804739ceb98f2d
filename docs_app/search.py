"""Searching the process docs: ranked hits, facets, snippets, typo tolerance, suggestions.

The index itself — fields, boosts, storage, writers — is `docs_app.search_index`; its writers
and state are re-exported here, so the sync pipeline calls `search.update_index(...)` and
`search.rebuild_index()`.

**Typo tolerance**: a query word none of whose forms is in the index matches its closest
indexed words instead (one edit, two for words of 7+ letters, first letter kept, a swap of two
letters counting as one edit) with a lower weight; words that do exist are matched exactly,
so fuzziness never drowns good hits. The candidates come from the `words` field through
Whoosh's `terms_within` automaton, ranked by edits, then document frequency. "Did you mean"
proposes the query with each unknown word replaced by its best candidate. A multi-word query
that matches nothing with every word required is retried with any word allowed (`loose`).

**Facets** (domain, type, tag, system) are counted over every match, each under the other
facets' filters, from a per-searcher table of docnum → values built from the postings once
per index version. The command and the suggestions skip facets and rank only the page asked
for.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.urls import reverse
from whoosh import collectors, highlight, query
from whoosh.analysis import Token
from whoosh.qparser import MultifieldParser, OrGroup
from whoosh.reading import TermNotFound

from docs_app.search_index import (  # noqa: F401 - the index API, re-exported
    FACET_FIELDS,
    FIELD_BOOSTS,
    INDEX_EMPTY,
    INDEX_MISSING,
    INDEX_READY,
    SCHEMA,
    IndexBusy,
    index_state,
    open_searcher,
    rebuild_index,
    searchable,
    update_index,
)
from docs_app.selectors import FacetValue

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
    docnum: int = field(default=-1, repr=False)
    stored: dict = field(default_factory=dict, repr=False)

    @property
    def url(self) -> str:
        return reverse("docs:doc", args=[self.path]) + (f"#{self.anchor}" if self.anchor else "")


@dataclass
class SearchResults:
    query: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    page: Page | None = None
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str = ""
    state: str = INDEX_READY
    loose: bool = False


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
        if not text:
            return SearchResults(text)
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
    words = _Words(searcher.reader())
    q = _query(searcher, request, words, loose=False)
    _rank(searcher, q, request, results)
    if not results.hits and not results.total and len(request.text.split()) > 1:
        q = _query(searcher, request, words, loose=True)
        _rank(searcher, q, request, results)
        results.loose = bool(results.hits or results.total)
    if results.hits and request.highlights:
        _decorate(searcher, q, results.hits)
    if not request.as_you_type:
        results.suggestion = did_you_mean(request.text, words)
    return results


def _query(searcher, request: _Request, words: _Words, *, loose: bool):
    options = {"group": OrGroup.factory(0.9)} if loose else {}
    parser = MultifieldParser(
        list(FIELD_BOOSTS), searcher.schema, fieldboosts=FIELD_BOOSTS, **options
    )
    parsed = parser.parse(request.text)
    if parsed is query.NullQuery:
        return None
    return _tolerant(
        parsed, request.text, words, len(request.text) if request.as_you_type else None
    )


def _rank(searcher, q, request: _Request, results: SearchResults) -> None:
    """Fill `results` with the page's hits (and the facets and total when asked)."""
    results.hits, results.total = [], 0
    if q is None:
        return
    per_page = request.per_page
    if request.facets:
        matched = set(searcher.docs_for_query(q))
        table = _facet_table(searcher)
        allowed = {d for d in matched if request.filters.matches(table.get(d, {}))}
        results.facets = _facet_counts(matched, table, request.filters)
        results.total = len(allowed)
        results.page = Paginator(range(results.total), per_page).get_page(request.page)
        if not allowed:
            return
        number = results.page.number
        limit_to = allowed if request.filters.active() else None
    else:
        number = max(1, int(request.page) if str(request.page).isdigit() else 1)
        limit_to = _filter_query(request.filters)
    ranked = _top(searcher, q, number * per_page, limit_to)
    first = (number - 1) * per_page
    results.hits = [
        _hit(searcher, ranked.docnum(i), ranked.score(i))
        for i in range(first, ranked.scored_length())
    ]
    if not request.facets:
        results.total = len(results.hits)


def _top(searcher, q, limit: int, allow):
    """The `limit` best hits. Whoosh's shortcuts (block quality, replacing the matcher once a
    minimum score is known) drop real top hits of these multi-field queries, so both are off."""
    collector = collectors.TopCollector(limit, usequality=False, replace=0)
    if allow is not None:
        collector = collectors.FilterCollector(collector, allow=allow)
    searcher.search_with_collector(q, collector)
    return collector.results()


def _filter_query(filters: Filters):
    terms = [
        query.Term(FACET_FIELDS[name], _normal(name, value))
        for name, value in filters.active().items()
    ]
    return query.And(terms) if terms else None


def _hit(searcher, docnum: int, score: float) -> Hit:
    stored = searcher.stored_fields(docnum)
    hit = Hit(
        path=stored["path"],
        doc_id=stored.get("doc_id", ""),
        title=stored.get("title", ""),
        summary=stored.get("summary", ""),
        domain=stored.get("domain", ""),
        doc_type=stored.get("doc_type", ""),
        tags=_split(stored.get("tags")),
        systems=_split(stored.get("systems")),
        score=round(score, 4),
    )
    hit.docnum, hit.stored = docnum, stored
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
        forms = list(SCHEMA["body"].process_text(word.lower(), mode="query"))
        return not forms or any(self.has(form) for form in forms)

    def near(self, word: str) -> list[tuple[int, str]]:
        word = word.lower()
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


def _tolerant(q, text: str, words: _Words, typing_at: int | None):
    """Unknown words match their closest indexed words (lower weight); the word being typed
    (ending at `typing_at`) also matches as a prefix."""

    def rewrite(node):
        if not isinstance(node, query.Or) or not node.subqueries:
            return node
        terms = node.subqueries
        if not all(isinstance(t, query.Term) and t.fieldname in FIELD_BOOSTS for t in terms):
            return _preloaded(node)
        end = getattr(terms[0], "endchar", None)
        extra: list = []
        if typing_at is not None and end == typing_at:
            extra += [
                query.Prefix(t.fieldname, t.text, boost=t.boost * PREFIX_WEIGHT) for t in terms
            ]
        if end is not None and not any(words.has(t.text) for t in terms):
            extra += _near_terms(terms, words.near(text[terms[0].startchar : end]))
        return _preloaded(query.Or(terms + extra) if extra else node)

    return q.accept(rewrite)


def _preloaded(node: query.Or) -> query.Or:
    """Whoosh's array union for an Or: it reads each field's postings once into an array
    instead of walking a tree of union matchers — same hits and scores, about twice as fast
    on words most docs contain."""
    node = node.copy()
    node.matcher_type = query.Or.ARRAY_MATCHER
    return node


def _near_terms(terms: list[query.Term], near: list[tuple[int, str]]) -> list[query.Term]:
    found = []
    for distance, candidate in near:
        for term in terms:
            for form in SCHEMA[term.fieldname].process_text(candidate, mode="query"):
                found.append(
                    query.Term(term.fieldname, form, boost=term.boost * FUZZY_WEIGHT / distance)
                )
    return found


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
    for docnum in matched:
        values = table.get(docnum, {})
        for facet in FACET_FIELDS:
            if filters.matches(values, skip=facet):
                for value in values.get(facet, ()):
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


def _decorate(searcher, q, hits: list[Hit]) -> None:
    """Snippets and heading anchors for the hits of one page.

    Match positions come from the body's stored character offsets (no re-analysis of the
    text); the anchor is the first heading holding a query word, else the section where the
    best snippet starts.
    """
    terms: dict[str, set[str]] = {}
    for name, text in q.iter_all_terms():
        terms.setdefault(name, set()).add(text.decode() if isinstance(text, bytes) else text)
    for hit in hits:
        stored, anchors = hit.stored, hit.stored.get("anchors") or {}
        snippet, start = _body_snippet(
            searcher, hit.docnum, stored.get("body", ""), terms.get("body", set())
        )
        hit.snippet = snippet or _text_snippet(hit.summary, terms.get("summary", set()))
        heads = anchors.get("h", [])
        hit.anchor = _heading_anchor(heads, terms.get("headings", set()))
        if not hit.anchor and start is not None:
            hit.anchor = _section_anchor(anchors.get("s", []), start)
        hit.section = next((text for anchor, text in heads if anchor == hit.anchor), "")


def _body_snippet(searcher, docnum: int, text: str, terms: set[str]) -> tuple[str, int | None]:
    tokens = []
    for term in terms:
        try:
            postings = searcher.postings("body", term)
        except TermNotFound:
            continue
        postings.skip_to(docnum)
        if postings.is_active() and postings.id() == docnum:
            tokens += [
                Token(text=term, pos=pos, startchar=begin, endchar=end)
                for pos, begin, end in postings.value_as("characters")
            ]
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
