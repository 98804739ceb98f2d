"""The docs API other apps use: resolving references to links, the doc panel beside a task."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from docs_app import api
from docs_app.models import Document
from docs_app.tests.conftest import CREATE_PODCAST_DOC, CREATE_PODCAST_ID


def test_doc_links_resolve_ids_aliases_and_paths_in_one_query(content_docs):
    Document.objects.filter(path=CREATE_PODCAST_DOC).update(aliases=["old.podcast-doc"])
    refs = [
        CREATE_PODCAST_ID,
        "old.podcast-doc",
        "internal-admin/reference/glossary.md",
        "sop.nothing.here",
        "",
    ]
    with CaptureQueriesContext(connection) as queries:
        links = api.doc_links(refs)
    assert len(queries.captured_queries) == 1
    assert set(links) == set(refs) - {""}
    assert links[CREATE_PODCAST_ID].exists
    assert links[CREATE_PODCAST_ID].title == "Create a podcast document with the questions"
    assert links[CREATE_PODCAST_ID].url == f"/docs/{CREATE_PODCAST_DOC}"
    assert links["old.podcast-doc"].url == f"/docs/{CREATE_PODCAST_DOC}"
    assert links["internal-admin/reference/glossary.md"].title == "Glossary"
    missing = links["sop.nothing.here"]
    assert (
        not missing.exists
        and missing.url == ""
        and missing.label == "sop.nothing.here (unavailable)"
    )


def test_doc_link_deep_links_to_a_step(content_docs):
    link = api.doc_link(CREATE_PODCAST_ID, "6")
    assert link.url == f"/docs/{CREATE_PODCAST_DOC}#step-6" and link.step_id == "6"
    assert api.doc_link("") is None
    assert api.doc_link("sop.nothing.here", "2").url == ""


def test_links_keep_working_without_any_docs(db):
    link = api.doc_links(["sop.media.podcast.create-podcast-document"])[
        "sop.media.podcast.create-podcast-document"
    ]
    assert not link.exists


def test_doc_panel_highlights_the_linked_step(content_docs):
    html = api.render_doc_panel(CREATE_PODCAST_ID, step_id="6")
    assert html.startswith(f'<div class="doc-panel" data-doc-path="{CREATE_PODCAST_DOC}">')
    assert '<div class="sop-step is-current" id="step-6"' in html
    assert html.count("is-current") == 1
    assert f'href="/docs/{CREATE_PODCAST_DOC}#step-6"' in html
    assert "<script" not in html


def test_doc_panel_for_unknown_or_skipped_docs_is_none(messy_docs):
    assert api.render_doc_panel("sop.nothing.here") is None
    assert api.render_doc_panel("binary.md") is None
    assert api.render_doc_panel("sops/marked.md") is not None
