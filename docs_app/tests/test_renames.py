"""Renames and moves: a doc git saw renamed keeps answering to its old path and id.

Real repositories: each test commits a rename to a bare remote and runs the real sync.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from docs_app.models import Document, DocumentLink, DocumentMove, DocView, Finding, PinnedDoc
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at

pytestmark = pytest.mark.django_db

OLD, NEW = "ops/sops/restart-server.md", "infra/sops/restart-the-server.md"
OLD_ID, NEW_ID = "sop.ops.restart-server", "sop.infra.restart-the-server"
RESTART = """---
title: Restart the server
summary: What to do when the app server stops answering.
---

# Restart the server

1. Open the hosting console and find the app server in the list of machines.
2. Press Restart and wait until the status light turns green again.
3. Open the site and check that the home page loads within a few seconds.
4. Write a line in the ops channel saying the server was restarted, and why.
"""
LINKING = """---
title: On-call guide
related_docs: [ops/sops/restart-server.md]
---

# On-call guide

When the site is down, follow [[sop.ops.restart-server]] or read
[the restart steps](../ops/sops/restart-server.md#restart-the-server).
"""


def edited(text: str) -> str:
    """A small edit, as people make while moving a doc."""
    return text.replace("wait until", "wait until the console says so and").replace(
        "Write a line", "Post a line"
    )


@pytest.fixture
def remote(settings, local_cache, tmp_path) -> GitRemote:
    remote = GitRemote.create(tmp_path / "docs", {OLD: RESTART, "guides/on-call.md": LINKING})
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()
    return remote


def rename(remote: GitRemote, old: str, new: str, *, edit: bool = True) -> str:
    text = (remote.work / old).read_text()
    remote.rename(old, new)
    if edit:
        remote.write(new, edited(text))
    return remote.commit(f"Move {old} to {new}")


def test_a_renamed_doc_answers_to_its_old_id_and_path(remote, operator_client):
    rename(remote, OLD, NEW)
    result = docs_sync()
    assert result.counts["renamed"] == 1 and result.counts["deleted"] == 0
    doc = Document.objects.get(path=NEW)
    assert doc.doc_id == NEW_ID and {OLD_ID, OLD} <= set(doc.aliases)
    assert not Document.objects.filter(path=OLD).exists()
    move = DocumentMove.objects.get()
    assert (move.old_path, move.old_doc_id, move.new_path) == (OLD, OLD_ID, NEW)
    assert move.commit == result.head

    old_url = reverse("docs:doc", args=[OLD])
    response = operator_client.get(old_url + "?from_task=7")
    assert response.status_code == 301
    assert response["Location"] == reverse("docs:doc", args=[NEW]) + "?from_task=7"
    by_id = operator_client.get(reverse("docs:doc-by-id", args=[OLD_ID]))
    assert by_id.status_code == 302 and by_id["Location"] == reverse("docs:doc", args=[NEW])


def test_references_in_other_docs_follow_the_rename(remote, operator_client):
    rename(remote, OLD, NEW)
    docs_sync()
    links = DocumentLink.objects.filter(source__path="guides/on-call.md")
    assert {link.resolved_path for link in links} == {NEW}
    assert not Finding.objects.filter(path="guides/on-call.md", category="broken-doc-reference")
    html = operator_client.get(reverse("docs:doc", args=["guides/on-call.md"])).content.decode()
    assert f'href="/docs/{NEW}#restart-the-server"' in html
    assert "broken" not in html.lower()
    page = operator_client.get(reverse("docs:doc", args=[NEW])).context["page"]
    assert [b.path for b in page.backlinks] == ["guides/on-call.md"]


def test_history_follows_the_doc_across_the_rename(remote, operator_client):
    rename(remote, OLD, NEW)
    docs_sync()
    page = operator_client.get(reverse("docs:doc", args=[NEW])).context["page"]
    assert [commit.message for commit in page.history] == [f"Move {OLD} to {NEW}", "Initial docs"]


def test_a_rename_with_a_small_edit_in_a_short_doc_is_still_a_rename(remote):
    short = "---\ntitle: Short note\n---\n\n# Short note\n\nCall the venue on Monday morning.\n"
    remote.write("notes/short.md", short)
    remote.commit("Add a short note")
    docs_sync()
    remote.rename("notes/short.md", "notes/venue-call.md")
    remote.write("notes/venue-call.md", short.replace("Monday", "Tuesday"))
    remote.commit("Rename the short note")
    assert docs_sync().counts["renamed"] == 1
    assert "doc.notes.short" in Document.objects.get(path="notes/venue-call.md").aliases


def test_a_chain_of_moves_leads_to_the_last_place(remote, operator_client):
    rename(remote, OLD, NEW)
    docs_sync()
    last = "infra/runbooks/restart.md"
    rename(remote, NEW, last)
    docs_sync()
    assert dict(DocumentMove.objects.values_list("old_path", "new_path")) == {
        OLD: last,
        NEW: last,
    }
    assert {OLD, OLD_ID, NEW, NEW_ID} <= set(Document.objects.get(path=last).aliases)
    for old in (OLD, NEW):
        response = operator_client.get(reverse("docs:doc", args=[old]))
        assert response.status_code == 301
        assert response["Location"] == reverse("docs:doc", args=[last])
    by_id = operator_client.get(reverse("docs:doc-by-id", args=[OLD_ID]))
    assert by_id["Location"] == reverse("docs:doc", args=[last])


def test_a_real_doc_at_an_old_path_wins_over_the_move(remote, operator_client):
    rename(remote, OLD, NEW)
    docs_sync()
    remote.write(OLD, "---\ntitle: A new restart note\n---\n\n# A new restart note\n")
    remote.commit("A new doc where the old one was")
    docs_sync()
    response = operator_client.get(reverse("docs:doc", args=[OLD]))
    assert response.status_code == 200 and response.context["doc"].title == "A new restart note"
    assert not DocumentMove.objects.exists()
    assert Document.objects.get(path=NEW).aliases == []
    assert set(
        DocumentLink.objects.filter(source__path="guides/on-call.md").values_list(
            "resolved_path", flat=True
        )
    ) == {OLD}
    assert not Finding.objects.filter(code="duplicate-alias").exists()


def test_renaming_back_needs_no_redirect_for_the_doc_itself(remote, operator_client):
    rename(remote, OLD, NEW, edit=False)
    docs_sync()
    rename(remote, NEW, OLD, edit=False)
    docs_sync()
    doc = Document.objects.get(path=OLD)
    assert (doc.doc_id, doc.aliases) == (OLD_ID, [NEW, NEW_ID])
    assert operator_client.get(reverse("docs:doc", args=[OLD])).status_code == 200
    assert operator_client.get(reverse("docs:doc", args=[NEW])).status_code == 301


def test_deleting_a_moved_doc_forgets_its_moves(remote, operator_client):
    rename(remote, OLD, NEW)
    docs_sync()
    remote.remove(NEW)
    remote.commit("Remove the restart doc")
    docs_sync()
    assert not DocumentMove.objects.exists()
    assert operator_client.get(reverse("docs:doc", args=[OLD])).status_code == 404


def test_a_full_sync_keeps_the_moves_and_sees_renames_too(remote):
    rename(remote, OLD, NEW)
    docs_sync(full=True)  # the registry's commit is known: renames come from the diff
    assert DocumentMove.objects.filter(old_path=OLD, new_path=NEW).exists()
    docs_sync(full=True)  # nothing new to compare: the recorded move stays
    assert {OLD, OLD_ID} <= set(Document.objects.get(path=NEW).aliases)


def test_a_first_sync_of_a_renamed_history_registers_without_moves(settings, tmp_path):
    remote = GitRemote.create(tmp_path / "docs", {OLD: RESTART})
    rename(remote, OLD, NEW)
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    docs_sync()
    doc = Document.objects.get()
    assert (doc.path, doc.doc_id, doc.aliases) == (NEW, NEW_ID, [])
    assert not DocumentMove.objects.exists()


def test_pins_and_recent_views_follow_a_renamed_doc(remote, operator, admin_user):
    PinnedDoc.objects.create(user=operator, doc_id=OLD_ID)
    DocView.objects.create(user=operator, doc_id=OLD_ID)
    PinnedDoc.objects.create(user=admin_user, doc_id=OLD_ID)
    PinnedDoc.objects.create(user=admin_user, doc_id=NEW_ID)  # already pinned the new id
    rename(remote, OLD, NEW)
    docs_sync()
    assert set(PinnedDoc.objects.values_list("user__username", "doc_id")) == {
        (operator.username, NEW_ID),
        (admin_user.username, NEW_ID),
    }
    assert list(DocView.objects.values_list("doc_id", flat=True)) == [NEW_ID]


def open_the_sop(client, task):
    """Follow the task page's "Open the SOP" link to wherever it leads."""
    html = client.get(task.get_absolute_url()).content.decode()
    sop_link = re.search(r'href="([^"]+)">Open the SOP</a>', html)
    assert sop_link is not None, "the task offers its SOP"
    return client.get(sop_link.group(1).replace("&amp;", "&"), follow=True)


def test_a_template_task_linking_a_renamed_doc_opens_it(
    remote, operator_client, operator, tmp_path
):
    from tasks.selectors import template_page
    from tasks.services import templates_load, workflow_start
    from tasks.services.common import local_today

    template_file = tmp_path / "restart.yaml"
    template_file.write_text(
        "slug: restart\nname: Restart\ndefault_assignee: grace\n"
        "phases:\n  - {slug: only, title: Only}\n"
        f"tasks:\n  - {{ref: restart, title: Restart it, offset: 0, phase: only, doc: {OLD_ID}}}\n"
    )
    templates_load(paths=[template_file])
    template = template_page(slug="restart")
    workflow = workflow_start(template=template, anchor_date=local_today(), by=operator)
    task = workflow.tasks.get(template_ref="restart")
    assert open_the_sop(operator_client, task).context["doc"].path == OLD  # cached from here
    rename(remote, OLD, NEW)
    docs_sync()

    response = open_the_sop(operator_client, task)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("docs:doc", args=[NEW])
    assert response.context["doc"].path == NEW
    page = response.context["page"]
    assert [t.title for t in page.template_tasks] == ["Restart it"]
    template_html = operator_client.get(template.get_absolute_url()).content.decode()
    assert f'href="/docs/{NEW}"' in template_html
