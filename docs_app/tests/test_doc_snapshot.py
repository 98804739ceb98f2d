"""A doc page's registry answers are remembered per mirror head and generation: a sync that
changes the doc, its backlinks or its history, or a template that starts linking to it, shows
on the next view; a view of an unchanged doc asks the database only what is the viewer's."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

pytestmark = pytest.mark.django_db

GEAR = "media/reference/gear.md"
GEAR_TEXT = "---\ntitle: Studio gear\nid: ref.gear\n---\n\n# Studio gear\n\nTwo microphones.\n"
SETUP = "media/reference/setup.md"
SETUP_TEXT = "---\ntitle: Studio setup\n---\n\n# Studio setup\n\nSee [the gear](gear.md).\n"


@pytest.fixture
def remote(settings, local_cache, tmp_path) -> GitRemote:
    made = GitRemote.create(tmp_path / "docs", {GEAR: GEAR_TEXT, SETUP: SETUP_TEXT})
    point_docs_at(settings, made.bare, tmp_path / "mirror")
    docs_sync()
    return made


def _page(client):
    response = client.get(reverse("docs:doc", args=[GEAR]))
    assert response.status_code == 200
    return response.context["page"], response.content.decode()


def test_a_sync_that_changes_the_doc_and_its_backlinks_shows_on_the_next_view(
    remote, operator_client
):
    page, html = _page(operator_client)
    assert "Two microphones." in html
    assert [link.path for link in page.backlinks] == [SETUP]
    assert len(page.history) == 1  # the commit that created the remote
    remote.write(GEAR, GEAR_TEXT.replace("Two", "Three"))
    remote.write(SETUP, SETUP_TEXT.replace("See [the gear](gear.md).", "Nothing linked."))
    remote.commit("Three microphones, no link")
    docs_sync()
    page, html = _page(operator_client)
    assert "Three microphones." in html and "Two microphones." not in html
    assert page.backlinks == []
    assert page.history[0].message == "Three microphones, no link"


def test_an_unchanged_doc_is_read_from_the_snapshot(
    remote, operator_client, django_assert_num_queries
):
    _page(operator_client)
    # The person with their unread count, the mirror's state, the viewer's pin, the recently
    # viewed upsert: nothing of the registry.
    with django_assert_num_queries(4) as captured:
        _page(operator_client)
    assert not any("docs_app_document" in query["sql"] for query in captured.captured_queries)


def test_a_template_task_linking_the_doc_shows_on_the_next_view(remote, operator_client):
    page, _ = _page(operator_client)
    assert page.template_tasks == []
    template = apps.get_model("tasks", "WorkflowTemplate").objects.create(
        slug="studio", name="Studio day", kind="other"
    )
    phase = apps.get_model("tasks", "TemplatePhase").objects.create(
        template=template, slug="prep", title="Preparation"
    )
    apps.get_model("tasks", "TaskDefinition").objects.create(
        template=template,
        ref="check-gear",
        phase=phase,
        title="Check the gear",
        offset_days=-1,
        instruction_doc="ref.gear",
    )
    page, html = _page(operator_client)
    assert [task.title for task in page.template_tasks] == ["Check the gear"]
    assert "Check the gear" in html


def test_a_path_without_a_doc_is_not_found_and_a_later_sync_can_add_it(remote, operator_client):
    missing = "media/reference/lights.md"
    assert operator_client.get(reverse("docs:doc", args=[missing])).status_code == 404
    remote.write(missing, "# Lights\n\nTwo lamps.\n")
    remote.commit("Add lights")
    docs_sync()
    response = operator_client.get(reverse("docs:doc", args=[missing]))
    assert response.status_code == 200 and "Two lamps." in response.content.decode()


def test_a_snapshot_of_another_shape_is_never_read(remote, operator_client, monkeypatch):
    from django.core.cache import cache

    from docs_app import selectors

    _page(operator_client)
    head = selectors.mirror_state().head_sha
    stored = cache.get(selectors.snapshot_key(GEAR, head))
    assert stored is not None
    # What a release before a change of the snapshot's fields would have left in the cache.
    monkeypatch.setattr(selectors, "SNAPSHOT_SHAPE", "older")
    cache.set(selectors.snapshot_key(GEAR, head), (stored[0], object()), 60)
    monkeypatch.undo()
    page, html = _page(operator_client)
    assert "Two microphones." in html and [link.path for link in page.backlinks] == [SETUP]
