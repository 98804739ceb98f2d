"""The docs API other apps use: resolving references to links, the doc panel beside a task."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from docs_app import api
from docs_app.models import Document
from docs_app.sync import docs_sync
from docs_app.tests.conftest import CREATE_PODCAST_DOC, CREATE_PODCAST_ID
from docs_app.tests.fixtures import GitRemote, point_docs_at


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


def test_doc_links_are_remembered_until_a_sync_changes_the_registry(
    db, settings, local_cache, tmp_path
):
    remote = GitRemote.create(
        tmp_path / "docs",
        {
            "guide.md": "---\nid: ref.guide\ntitle: Guide\n---\n# Guide\n\nText.\n",
            "glossary.md": "# Glossary\n\nWords.\n",
        },
    )
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()
    refs = ["ref.guide", "glossary.md", "sop.nothing.here"]
    first = api.doc_links(refs)
    assert first["glossary.md"].title == "Glossary" and not first["sop.nothing.here"].exists
    with CaptureQueriesContext(connection) as queries:
        again = api.doc_links(list(reversed(refs)))
    assert len(queries.captured_queries) == 0  # answered from the cache
    assert again == first

    remote.write("glossary.md", "# Words we use\n\nWords.\n")
    remote.write("nothing.md", "---\nid: sop.nothing.here\ntitle: Now here\n---\n# Now here\n")
    remote.commit("Retitle the glossary, add a doc")
    docs_sync()
    with CaptureQueriesContext(connection) as queries:
        after = api.doc_links(refs)
    assert len(queries.captured_queries) == 1
    assert after["glossary.md"].title == "Words we use"
    assert after["sop.nothing.here"].exists and after["sop.nothing.here"].title == "Now here"
    assert after["ref.guide"] == first["ref.guide"]
