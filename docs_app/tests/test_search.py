"""Search: relevance, highlights, anchors, facets, typos, suggestions, the commands, the index."""

import json
import re
import threading
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from whoosh.query import Every

from dataops.models import JobRun
from docs_app import search, search_index
from docs_app.models import Document
from docs_app.tests.conftest import CREATE_PODCAST_DOC

ALL = 500


def paths(results):
    return [hit.path for hit in results.hits]


# --- ranking -------------------------------------------------------------------------------


def test_title_matches_rank_first(content_docs):
    assert paths(search.search("create podcast document"))[0] == CREATE_PODCAST_DOC
    assert paths(search.search("glossary"))[0] == "internal-admin/reference/glossary.md"
    top = search.search("mailchimp").hits[:3]
    assert all("Mailchimp" in hit.title or "mailchimp" in hit.systems for hit in top)


def test_any_word_matches_and_docs_with_more_of_the_query_rank_higher(content_docs):
    both = search.search("luma validation", per_page=ALL)
    assert all(hit.snippet for hit in both.hits)
    assert both.total == search.search("luma validation", per_page=ALL).total
    luma = {hit.path for hit in search.search("luma", per_page=ALL).hits}
    validation = {hit.path for hit in search.search("validation", per_page=ALL).hits}
    assert set(paths(both)) == luma | validation
    with_both = luma & validation
    assert with_both and paths(both)[0] in with_both
    ranks = [paths(both).index(path) for path in with_both]
    assert sum(ranks) / len(ranks) < len(paths(both)) / 4  # near the top, on average
    unknown_word = search.search("luma zzyzxqq", per_page=ALL)
    assert set(paths(unknown_word)) == luma


def test_results_are_paginated_in_rank_order(content_docs):
    everything = paths(search.search("podcast", per_page=ALL))
    first, second = (
        search.search("podcast", per_page=10),
        search.search("podcast", per_page=10, page=2),
    )
    assert paths(first) + paths(second) == everything[:20]
    assert first.page.paginator.count == len(everything)


# --- snippets and anchors ------------------------------------------------------------------------


def test_snippets_mark_matches_and_escape_everything_else(messy_docs):
    results = search.search("alert")
    assert results.hits
    for hit in results.hits:
        assert "<mark>alert</mark>" in hit.snippet.lower()
        assert set(re.findall(r"</?([a-z]+)", hit.snippet)) <= {"mark"}


def test_snippet_escapes_markup_in_the_text(messy_docs):
    hit = search.search("entities").hits[0]
    assert hit.path == "notes/odd name (v2) [draft].md"
    assert "&amp;" in hit.snippet and "<b>" not in hit.snippet


def test_hits_link_to_the_matching_heading(content_docs):
    hit = next(
        h for h in search.search("troubleshooting greyed").hits if h.path == CREATE_PODCAST_DOC
    )
    assert hit.anchor == "troubleshooting" and hit.section == "Troubleshooting"
    assert hit.url == f"/docs/{CREATE_PODCAST_DOC}#troubleshooting"


def test_a_body_match_lands_on_its_section(content_docs):
    hit = next(
        h for h in search.search("private browser window").hits if h.path == CREATE_PODCAST_DOC
    )
    assert hit.anchor == "share-the-document" and hit.section == "Share the document"
    assert "<mark>private</mark> <mark>browser</mark> <mark>window</mark>" in hit.snippet


# --- facets and filters -----------------------------------------------------------------------


def test_facet_counts_are_the_matches_per_value(content_docs):
    results = search.search("podcast", per_page=ALL)
    by_domain = Counter(hit.domain for hit in results.hits if hit.domain)  # root docs: none
    counted = {facet.value: facet.count for facet in results.facets["domain"]}
    assert counted == dict(by_domain)
    by_tag = Counter(tag.lower() for hit in results.hits for tag in hit.tags)
    assert {f.value: f.count for f in results.facets["tag"]} == dict(by_tag)
    assert sum(f.count for f in results.facets["doc_type"]) == results.total


def test_a_filter_narrows_hits_and_keeps_the_other_values_countable(content_docs):
    unfiltered = search.search("podcast", per_page=ALL)
    media = search.search("podcast", per_page=ALL, filters=search.Filters(domain="media"))
    assert {hit.domain for hit in media.hits} == {"media"}
    assert media.total == next(f.count for f in unfiltered.facets["domain"] if f.value == "media")
    # the domain facet is counted without its own filter, so other domains stay visible
    assert [(f.value, f.count) for f in media.facets["domain"]] == [
        (f.value, f.count) for f in unfiltered.facets["domain"]
    ]
    assert next(f for f in media.facets["domain"] if f.value == "media").selected
    assert sum(f.count for f in media.facets["doc_type"]) == media.total


def test_type_tag_and_system_filters(content_docs):
    results = search.search(
        "podcast",
        per_page=ALL,
        filters=search.Filters(doc_type="sop", tag="guest", system="google-docs"),
    )
    assert results.hits
    for hit in results.hits:
        assert hit.doc_type == "sop" and "guest" in hit.tags and "google-docs" in hit.systems


# --- typos ------------------------------------------------------------------------------------


def test_a_typo_still_finds_the_docs_and_suggests_the_word(content_docs):
    results = search.search("podcats")
    assert results.total and results.suggestion == "podcast"
    assert any("podcast" in hit.title.lower() for hit in results.hits[:5])
    assert "<mark>" in results.hits[0].snippet


def test_did_you_mean_fixes_each_unknown_word(content_docs):
    assert search.search("shedule podcast documnt").suggestion == "schedule podcast document"
    assert search.search("schedule podcast").suggestion == ""


# --- odd queries and index states ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        '"unclosed phrase',
        "title:",
        "((",
        "AND OR NOT",
        "*",
        "a" * 500,
        "podcast^9",
        "<script>alert(1)</script>",
        "名前 ünïcødé",
        "https://www.loom.com/share/x",
        "the",
        "",
    ],
)
def test_odd_queries_never_fail(content_docs, operator_client, query):
    search.search(query)
    assert operator_client.get("/docs/search/", {"q": query}).status_code == 200
    assert operator_client.get("/docs/search/suggest/", {"q": query}).status_code == 200


def test_missing_index_is_explained_with_an_admin_hint(
    db, settings, tmp_path, operator_client, admin_client_
):
    settings.DOCS_INDEX_DIR = tmp_path / "no-index"
    assert search.search("podcast").state == search.INDEX_MISSING
    assert (
        "Search is not available yet"
        in operator_client.get("/docs/search/?q=podcast").content.decode()
    )
    assert "docs_reindex" in admin_client_.get("/docs/search/?q=podcast").content.decode()


# --- pages ------------------------------------------------------------------------------------


def test_search_page_shows_hits_facets_and_suggestion(content_docs, operator_client):
    html = operator_client.get("/docs/search/", {"q": "podcats"}).content.decode()
    assert "Did you mean" in html and "<strong>podcast</strong>" in html
    assert 'class="search-hit-title" href="/docs/' in html and "<mark>" in html
    assert 'class="facet-name">media</span>' in html


def test_search_page_htmx_returns_the_results_part(content_docs, operator_client):
    response = operator_client.get("/docs/search/", {"q": "luma"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "search-hit" in html


def test_search_page_query_count_is_constant(
    content_docs, operator_client, django_assert_num_queries
):
    # The person with their unread count and the role lists (a fresh cache): no more.
    with django_assert_num_queries(2):
        operator_client.get("/docs/search/", {"q": "podcast", "domain": "media"})


def test_suggestions_as_you_type(content_docs, operator_client):
    html = operator_client.get("/docs/search/suggest/", {"q": "podc"}).content.decode()
    assert html.count('class="suggest-item"') == 6
    assert 'href="/docs/search/?q=podc"' in html and "See all results" in html
    assert operator_client.get("/docs/search/suggest/", {"q": ""}).content == b""


# --- commands ---------------------------------------------------------------------------------


def test_docs_search_json_prints_the_page_ranking(content_docs):
    out = StringIO()
    call_command("docs_search", "podcast", "document", "--json", "--limit", "5", stdout=out)
    rows = json.loads(out.getvalue())
    assert [row["path"] for row in rows] == paths(search.search("podcast document"))[:5]
    assert set(rows[0]) == {"path", "id", "title", "score"}
    assert rows[0]["id"] == Document.objects.get(path=rows[0]["path"]).doc_id
    assert rows == sorted(rows, key=lambda row: -row["score"])


def test_docs_search_filters_and_text_output(content_docs):
    out = StringIO()
    call_command(
        "docs_search", "event", "--domain", "events", "--type", "sop", "--json", stdout=out
    )
    rows = json.loads(out.getvalue())
    assert rows and all(Document.objects.get(path=r["path"]).domain == "events" for r in rows)
    out = StringIO()
    call_command("docs_search", "podcats", stdout=out)
    assert out.getvalue().startswith("Did you mean: podcast\n  1.")


def test_docs_search_without_an_index_fails_clearly(db, settings, tmp_path):
    settings.DOCS_INDEX_DIR = tmp_path / "none"
    with pytest.raises(CommandError, match="docs_reindex"):
        call_command("docs_search", "podcast")


def test_docs_reindex_rebuilds_and_records_a_run(own_content_docs, settings):
    out = StringIO()
    call_command("docs_reindex", stdout=out)
    count = Document.objects.count()
    assert out.getvalue().strip() == f"Indexed {count} document(s)."
    run = JobRun.objects.get(kind="docs.reindex")
    assert run.status == JobRun.Status.SUCCEEDED and run.counts == {"indexed": count}
    assert search.index_state() == (search.INDEX_READY, count)
    generations = [p for p in Path(settings.DOCS_INDEX_DIR).iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 2  # the live one and the previous one readers may still hold


# --- the index: incremental, atomic, one writer ---------------------------------------------------


def _edit_mirror(settings, path: str, extra: str) -> None:
    target = Path(settings.DOCS_MIRROR_DIR) / path
    target.write_text(target.read_text() + extra)


def test_update_index_reindexes_only_the_given_docs(own_content_docs, settings):
    _edit_mirror(settings, CREATE_PODCAST_DOC, "\nThe zebrafish protocol applies.\n")
    other = "internal-admin/reference/glossary.md"
    _edit_mirror(settings, other, "\nAnother zebrafish.\n")
    assert search.update_index(upserts=[CREATE_PODCAST_DOC], deletes=[]) == 1
    assert paths(search.search("zebrafish")) == [CREATE_PODCAST_DOC]
    before = search.index_state()[1]
    assert search.update_index(upserts=[], deletes=[CREATE_PODCAST_DOC]) == 0
    assert search.index_state()[1] == before - 1
    assert CREATE_PODCAST_DOC not in paths(search.search("podcast", per_page=ALL))


def test_update_index_drops_paths_no_longer_registered(own_content_docs):
    Document.objects.filter(path=CREATE_PODCAST_DOC).delete()
    assert search.update_index(upserts=[CREATE_PODCAST_DOC], deletes=[]) == 0
    assert CREATE_PODCAST_DOC not in paths(search.search("podcast", per_page=ALL))


def test_update_without_an_index_builds_it(db, settings, own_content_docs, tmp_path):
    settings.DOCS_INDEX_DIR = tmp_path / "fresh-index"
    assert search.update_index(upserts=[CREATE_PODCAST_DOC], deletes=[]) == Document.objects.count()


def test_a_rebuild_never_disturbs_an_open_reader(own_content_docs):
    with search_index.open_searcher() as searcher:
        before = [hit["path"] for hit in searcher.search(Every(), limit=None)]
        search.rebuild_index()
        assert [hit["path"] for hit in searcher.search(Every(), limit=None)] == before
    assert search.search("podcast").total


def test_writers_wait_for_each_other_and_give_up_cleanly(own_content_docs, monkeypatch):
    monkeypatch.setattr(search_index, "UPDATE_WAIT_SECONDS", 0.2)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock():
        with search_index.write_lock(5):
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    holding.wait(5)
    try:
        with pytest.raises(search.IndexBusy):
            search.update_index(upserts=[CREATE_PODCAST_DOC], deletes=[])
    finally:
        release.set()
        thread.join()
    assert search.update_index(upserts=[CREATE_PODCAST_DOC], deletes=[]) == 1


def _segments() -> int:
    return len(search_index.segment_sizes())


def test_editing_one_doc_again_and_again_keeps_one_small_segment(own_content_docs, settings):
    start = _segments()
    counts = []
    for n in range(6):
        _edit_mirror(settings, CREATE_PODCAST_DOC, f"\nEdit number{n} zebrafish.\n")
        search.update_index(upserts=[CREATE_PODCAST_DOC], deletes=[])
        counts.append(_segments() - start)
        assert paths(search.search(f"number{n}")) == [CREATE_PODCAST_DOC]
    # Each save's segment holds the doc's only live version; the previous save's segment
    # (now all deleted) is dropped by the commit, without a merge.
    assert counts == [1] * 6
    assert search.search("zebrafish").total == 1


def test_edits_of_different_docs_merge_their_small_segments_only_now_and_then(
    own_content_docs, settings, monkeypatch
):
    monkeypatch.setattr(search_index, "SMALL_SEGMENTS_BEFORE_MERGE", 4)
    edited = list(own_content_docs.order_by("path").values_list("path", flat=True)[:7])
    start = _segments()
    counts = []
    for n, path in enumerate(edited):
        _edit_mirror(settings, path, f"\nEdit number{n} zebrafish.\n")
        search.update_index(upserts=[path], deletes=[])
        counts.append(_segments() - start)
        assert paths(search.search(f"number{n}")) == [path]
    # Each save adds a segment without merging until four small live ones wait; then a save
    # merges them (Whoosh's small-segment policy), so the count stays bounded.
    assert counts[:4] == [1, 2, 3, 4]
    assert max(counts) <= 5 and counts[-1] < max(counts)
    assert search.search("zebrafish").total == len(edited)


def test_stemming_is_the_snowball_english_stemmer_remembered_per_process():
    search_index.english_stem.cache_clear()
    words = [t.text for t in search_index.analyzer()("Running runners ran quickly")]
    assert words == ["run", "runner", "ran", "quick"]
    assert search_index.english_stem.cache_info().currsize == 4
