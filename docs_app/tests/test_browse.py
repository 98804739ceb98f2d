"""Browsing pages: the docs index, folders, doc pages, deep links, pins, recently viewed."""

from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from docs_app.models import Document, DocumentLabel, DocView, MirrorState, PinnedDoc
from docs_app.tests.conftest import CREATE_PODCAST_DOC, CREATE_PODCAST_ID

DOC_URL = f"/docs/{CREATE_PODCAST_DOC}"


# --- access ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/docs/",
        "/docs/browse/media/",
        DOC_URL,
        f"/docs/id/{CREATE_PODCAST_ID}",
        "/docs/search/?q=podcast",
        "/docs/search/suggest/?q=pod",
        "/docs/quick-open/?q=pod",
    ],
)
def test_anonymous_visitors_are_sent_to_login(content_docs, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_anonymous_pin_is_refused(content_docs, client):
    response = client.post("/docs/pins/", {"doc_id": CREATE_PODCAST_ID})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not PinnedDoc.objects.exists()


# --- index -------------------------------------------------------------------------------


def test_index_lists_docs_with_tree_and_facets(content_docs, operator_client):
    response = operator_client.get("/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    total = Document.objects.count()
    assert f"{total} in all" in html
    assert 'href="/docs/browse/media/podcast/"' in html  # folder tree
    assert (
        f'class="doc-row-title" href="/docs/{Document.objects.order_by("title").first().path}"'
        in html
    )
    media = Document.objects.filter(domain="media").count()
    assert f'<span class="facet-name">media</span><span class="facet-count">{media}</span>' in html


def test_filters_narrow_the_list_and_counts_follow(content_docs, operator_client):
    response = operator_client.get("/docs/?domain=media&type=sop")
    page = response.context["page_obj"]
    expected = Document.objects.filter(domain="media", doc_type="sop")
    assert page.paginator.count == expected.count() > 0
    assert all(doc.domain == "media" and doc.doc_type == "sop" for doc in page.object_list)
    groups = {group["param"]: group["values"] for group in response.context["facet_groups"]}
    # each facet counts under the other facets' filters
    sop_counts = {v["facet"].value: v["facet"].count for v in groups["domain"]}
    assert sop_counts["events"] == Document.objects.filter(domain="events", doc_type="sop").count()
    podcast_tag = next(v["facet"] for v in groups["tag"] if v["facet"].value == "podcast")
    assert podcast_tag.count == expected.filter(labels__kind="tag", labels__value="podcast").count()
    selected = next(v for v in groups["domain"] if v["facet"].selected)
    assert selected["facet"].value == "media" and "domain=" not in selected["url"]


def test_tag_and_system_filters(content_docs, operator_client):
    response = operator_client.get("/docs/?tag=podcast&system=google-docs")
    docs = list(response.context["page_obj"].object_list)
    assert docs
    for doc in docs:
        assert "podcast" in doc.tags and "google-docs" in doc.systems


def test_htmx_filter_returns_only_the_browser_part(content_docs, operator_client):
    response = operator_client.get("/docs/?domain=events", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "doc-row-title" in html and "Folders" in html


def test_index_query_count_is_constant(
    content_docs, operator_client, operator, django_assert_num_queries
):
    for doc in Document.objects.all()[:5]:
        PinnedDoc.objects.create(user=operator, doc_id=doc.doc_id)
        DocView.objects.create(user=operator, doc_id=doc.doc_id)
    operator_client.get("/docs/")  # cached role lists filled
    with django_assert_num_queries(14):
        operator_client.get("/docs/?domain=media")
    Document.objects.filter(domain="media").update(domain="media")
    with django_assert_num_queries(14):
        operator_client.get("/docs/?domain=media&page=2")


def test_empty_registry_shows_a_designed_empty_state(db, operator_client):
    response = operator_client.get("/docs/")
    assert response.status_code == 200
    assert "No documents yet" in response.content.decode()


# --- folders -----------------------------------------------------------------------------


def test_folder_page_has_breadcrumbs_subfolders_and_docs(content_docs, operator_client):
    response = operator_client.get("/docs/browse/media/podcast/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<a href="/docs/browse/media/">media</a>' in html
    assert 'href="/docs/browse/media/podcast/sops/"' in html
    assert response.context["below"]  # only subfolders here: everything under it is listed
    assert (
        response.context["page_obj"].paginator.count
        == Document.objects.filter(folder__startswith="media/podcast/").count()
    )
    response = operator_client.get("/docs/browse/media/podcast/sops/")
    assert not response.context["below"]
    assert (
        response.context["page_obj"].paginator.count
        == Document.objects.filter(folder="media/podcast/sops").count()
    )


@pytest.mark.parametrize("folder", ["nowhere", "media/../..", "../etc", ".git"])
def test_unknown_or_escaping_folders_are_404(content_docs, operator_client, folder):
    assert operator_client.get(f"/docs/browse/{folder}/").status_code == 404


def test_folder_query_count_is_constant(content_docs, operator_client, django_assert_num_queries):
    with django_assert_num_queries(6):
        operator_client.get("/docs/browse/media/podcast/sops/")


# --- doc pages -----------------------------------------------------------------------------


def test_sop_page_shows_structure_metadata_and_links(content_docs, operator_client):
    response = operator_client.get(DOC_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Create a podcast document with the questions</h1>" in html
    assert '<div class="sop-step" id="step-6" data-step="6">' in html
    assert '<span class="chip chip-accent chip-action">click</span>' in html
    assert 'src="/docs/assets/images/media/podcast/docs-share-dialog-editor.png"' in html
    assert "<figcaption>The guest and Johanna both need the Editor role" in html
    assert 'href="/docs/media/podcast/playbooks/podcast-question-playbook.md"' in html
    assert "Lint clean" in html and "8 steps" in html
    page = response.context["page"]
    assert [r.label for r in page.related][0] == "Podcast question playbook"
    assert page.history and page.history[0].message
    assert page.history[0].author == "Alice Author"


def test_backlinks_come_from_links_wiki_refs_and_related_docs(content_docs, operator_client):
    page = operator_client.get(DOC_URL).context["page"]
    kinds = {kind for link in page.backlinks for kind in link.kinds}
    assert {"wiki", "related"} <= kinds
    sources = {link.path for link in page.backlinks}
    assert CREATE_PODCAST_DOC not in sources
    playbook = "media/podcast/playbooks/podcast-question-playbook.md"
    assert playbook in sources


def test_doc_page_query_count_is_constant(content_docs, operator_client, django_assert_num_queries):
    operator_client.get(DOC_URL)  # render cache and cached role lists filled
    # The person, the mirror's state, the viewer's pin and the recently viewed upsert; the
    # registry's answers come from the page's snapshot (see test_doc_snapshot.py).
    with django_assert_num_queries(4):
        operator_client.get(DOC_URL)


def test_doc_page_of_a_legacy_doc_renders_plain_markdown(content_docs, operator_client):
    legacy = (
        Document.objects.filter(is_marked_sop=False, doc_type="sop").first()
        or Document.objects.filter(is_marked_sop=False).first()
    )
    response = operator_client.get(legacy.get_absolute_url())
    assert response.status_code == 200
    assert 'class="sop-step"' not in response.content.decode()


@pytest.mark.parametrize(
    "path", ["../etc/passwd.md", "media/../../x.md", "nope.md", "%2e%2e/secret.md"]
)
def test_unknown_or_escaping_doc_paths_are_404(content_docs, operator_client, path):
    assert operator_client.get(f"/docs/{path}").status_code == 404


def test_view_on_git_host_link(content_docs, operator_client):
    MirrorState.objects.update(remote_url="git@github.com:datatalks/ops-docs.git", branch="main")
    html = operator_client.get(DOC_URL).content.decode()
    assert f'href="https://github.com/datatalks/ops-docs/blob/main/{CREATE_PODCAST_DOC}"' in html
    assert "View on GitHub" in html
    MirrorState.objects.update(remote_url="/srv/git/docs.git")
    assert "View on" not in operator_client.get(DOC_URL).content.decode()


def test_opened_from_a_task_shows_the_way_back(content_docs, operator_client):
    html = operator_client.get(f"{DOC_URL}?from_task=424242").content.decode()
    assert "Opened from task" in html and 'href="/tasks/424242/"' in html
    task_model = apps.get_model("tasks", "Task")
    task = task_model.objects.create(title="Create the podcast doc for Jane", due_date=date.today())
    html = operator_client.get(f"{DOC_URL}?from_task={task.pk}").content.decode()
    assert "<strong>Create the podcast doc for Jane</strong>" in html
    assert "Opened from task" not in operator_client.get(f"{DOC_URL}?from_task=x").content.decode()


# --- deep links ------------------------------------------------------------------------------


def test_deep_link_by_id_redirects_to_the_path(content_docs, operator_client):
    response = operator_client.get(f"/docs/id/{CREATE_PODCAST_ID}?step=6&from_task=7")
    assert response.status_code == 302
    assert response["Location"] == f"{DOC_URL}?from_task=7#step-6"


def test_deep_link_by_alias_and_by_path(content_docs, operator_client):
    doc = Document.objects.get(path=CREATE_PODCAST_DOC)
    doc.aliases = ["old.podcast-document", "old/place/podcast-doc.md"]
    doc.save(update_fields=["aliases"])
    for ref in ("old.podcast-document", "old/place/podcast-doc.md", CREATE_PODCAST_DOC):
        response = operator_client.get(f"/docs/id/{ref}")
        assert response.status_code == 302 and response["Location"] == DOC_URL, ref


def test_deep_link_to_an_unknown_id_is_404(content_docs, operator_client):
    assert operator_client.get("/docs/id/sop.nothing.here").status_code == 404


# --- pins and recently viewed ----------------------------------------------------------------


def test_pin_and_unpin(content_docs, operator_client, operator):
    response = operator_client.post("/docs/pins/", {"doc_id": CREATE_PODCAST_ID, "next": DOC_URL})
    assert response.status_code == 302 and response["Location"] == DOC_URL
    assert PinnedDoc.objects.filter(user=operator, doc_id=CREATE_PODCAST_ID).exists()
    index = operator_client.get("/docs/")
    assert [d.doc_id for d in index.context["pinned"]] == [CREATE_PODCAST_ID]
    response = operator_client.post(
        "/docs/pins/", {"doc_id": CREATE_PODCAST_ID}, headers={"HX-Request": "true"}
    )
    assert "☆ Pin" in response.content.decode() and "<html" not in response.content.decode()
    assert not PinnedDoc.objects.filter(user=operator).exists()


def test_pin_redirect_refuses_foreign_hosts(content_docs, operator_client):
    response = operator_client.post(
        "/docs/pins/", {"doc_id": CREATE_PODCAST_ID, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("docs:index")


def test_pin_requires_post_and_a_doc(content_docs, operator_client):
    assert operator_client.get("/docs/pins/").status_code == 405
    assert operator_client.post("/docs/pins/", {}).status_code == 400


def test_recently_viewed_keeps_one_row_per_doc_newest_first(
    content_docs, operator_client, operator
):
    other = Document.objects.exclude(path=CREATE_PODCAST_DOC).first()
    operator_client.get(DOC_URL)
    operator_client.get(other.get_absolute_url())
    operator_client.get(DOC_URL)
    assert DocView.objects.filter(user=operator).count() == 2
    recent = operator_client.get("/docs/").context["recent"]
    assert [d.path for d in recent] == [CREATE_PODCAST_DOC, other.path]


# --- the messy repository: nothing returns 500 ------------------------------------------------


def test_every_page_of_the_messy_repository_answers(messy_docs, operator_client):
    docs = list(Document.objects.all())
    assert len(docs) >= 25
    for doc in docs:
        response = operator_client.get(doc.get_absolute_url())
        assert response.status_code == 200, doc.path
    folders = {doc.folder for doc in docs if doc.folder}
    for folder in folders:
        assert operator_client.get(reverse("docs:folder", args=[folder])).status_code == 200
    for param in ("domain", "type", "tag", "system"):
        for value in DocumentLabel.objects.values_list("value", flat=True):
            assert operator_client.get("/docs/", {param: value}).status_code == 200
    assert operator_client.get("/docs/").status_code == 200


def test_skipped_files_say_why(messy_docs, operator_client):
    for path in ("binary.md", "huge.md", "link-outside.md"):
        doc = Document.objects.get(path=path)
        assert doc.skipped_reason, path
        html = operator_client.get(doc.get_absolute_url()).content.decode()
        assert "This file is not shown" in html and doc.skipped_reason in html


def test_hostile_doc_is_sanitized_on_its_page(messy_docs, operator_client):
    html = operator_client.get("/docs/html.md").content.decode()
    body = html[html.index('class="markdown-body') : html.index("doc-aside")]
    assert (
        "<script" not in body
        and "onerror" not in body
        and "javascript:" not in body.replace("[click](javascript:alert(1))", "")
    )


def test_broken_references_are_visible_and_listed(messy_docs, operator_client):
    html = operator_client.get("/docs/guides/guide.md").content.decode()
    assert 'class="broken-link" title="Document reference not found: ghost.md"' in html
    assert "problems found in this doc" in html or "problem found in this doc" in html
    assert 'class="broken-image"' in html


def test_parse_error_page_shows_markdown_and_the_error(messy_docs, operator_client):
    html = operator_client.get("/docs/sops/broken.md").content.decode()
    assert "Structure not shown." in html and "unclosed" in html and "Never closed." in html


def test_doc_page_lists_the_workflow_template_tasks_that_link_here(content_docs, operator_client):
    template_model = apps.get_model("tasks", "WorkflowTemplate")
    phase_model = apps.get_model("tasks", "TemplatePhase")
    definition_model = apps.get_model("tasks", "TaskDefinition")
    template = template_model.objects.create(slug="podcast", name="Podcast", kind="podcast")
    phase = phase_model.objects.create(template=template, slug="prep", title="Preparation")
    definition_model.objects.create(
        template=template,
        ref="create-doc",
        phase=phase,
        title="Create the podcast document",
        offset_days=-25,
        instruction_doc=CREATE_PODCAST_ID,
        instruction_step="2",
    )
    definition_model.objects.create(
        template=template,
        ref="other",
        phase=phase,
        title="Other",
        offset_days=-20,
        instruction_doc="sop.something.else",
    )
    page = operator_client.get(DOC_URL).context["page"]
    assert [(t.title, t.template, t.step_anchor) for t in page.template_tasks] == [
        ("Create the podcast document", "Podcast", "step-2")
    ]
    html = operator_client.get(DOC_URL).content.decode()
    assert "Used by workflow tasks" in html and 'href="/templates/podcast/"' in html


def test_admins_can_sync_and_reach_the_quality_report_from_the_index(
    content_docs, admin_client_, operator_client
):
    html = admin_client_.get("/docs/").content.decode()
    assert 'action="/docs/sync/"' in html and 'href="/docs/quality/"' in html
    assert 'action="/docs/sync/"' not in operator_client.get("/docs/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "page=3",
        "q=podcast+guest&page=2",
        "domain=media&type=sop&page=2",
        "tag=a&domain=media&tag=b",
        "type=sop&domain=events&q=%C3%A9t%C3%A9+%26+co",
        "system=slack&system=youtube&q=x",
    ],
)
def test_facet_links_are_the_address_with_one_filter_toggled(rf, query):
    from docs_app.selectors import FacetValue
    from docs_app.views.browse import FACETS, facet_groups

    facets = {
        key: [FacetValue("media", 3, True), FacetValue("events & more", 1, False)]
        for _, key, _ in FACETS
    }
    request = rf.get("/docs/?" + query)
    for group in facet_groups(request, facets):
        for item in group["values"]:
            expected = request.GET.copy()
            expected.pop("page", None)
            if item["facet"].selected:
                expected.pop(group["param"], None)
            else:
                expected[group["param"]] = item["facet"].value
            assert item["url"] == "?" + expected.urlencode()
