"""The editing pages: raw Markdown mode with preview, findings and diff; drafts; doc and
folder operations; history and restore; every refusal with nothing written.

A real remote (the portal pushes to it), the real sync, registry and renderer.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dataops.models import AuditEvent, JobRun
from docs_app.models import DocDraft, Document
from docs_app.tests.fixtures import GitRemote
from docs_app.tests.test_editing import mirror_git, remote_file
from docs_app.tests.test_sop_samples import group, marked_sop, step

pytestmark = pytest.mark.django_db

SOP = "media/sops/publish-episode.md"
SOP_ID = "sop.media.publish-episode"
SOP_TEXT = marked_sop("\n" + group("Upload", step(1, "Upload the video."), step(2, "Add a title.")))
REF = "media/reference/gear.md"
REF_TEXT = (
    "---\ntitle: Studio gear\ndoc_type: reference\n---\n\n# Studio gear\n\nTwo microphones.\n"
)
GUIDES = {f"team/guides/guide-{n}.md": f"# Guide {n}\n\nText {n}.\n" for n in range(3)}
LATIN1 = "media/reference/latin1.md"


@pytest.fixture
def remote(settings, local_cache, tmp_path) -> GitRemote:
    files = {SOP: SOP_TEXT, REF: REF_TEXT, LATIN1: "# Caf\xe9\n".encode("latin-1"), **GUIDES}
    made = GitRemote.create(tmp_path / "docs", files)
    made.symlink("media/reference/link.md", "gear.md")
    made.commit("Add a link")
    return pushing_remote_from(settings, tmp_path, made)


def pushing_remote_from(settings, tmp_path, made: GitRemote) -> GitRemote:
    from docs_app.sync import docs_sync
    from docs_app.tests.fixtures import point_docs_at

    point_docs_at(settings, made.bare, tmp_path / "mirror")
    settings.DOCS_GIT_PUSH = True
    docs_sync()
    return made


def head(settings) -> str:
    return mirror_git(settings, "rev-parse", "HEAD")


def blob(settings, path: str) -> str:
    return mirror_git(settings, "rev-parse", f"HEAD:{path}")


def nothing_written(settings, before: str) -> bool:
    return head(settings) == before and mirror_git(settings, "status", "--porcelain") == ""


def raw_url(path: str) -> str:
    return reverse("docs:edit-raw") + "?path=" + path


def publish_raw(client, settings, path: str, text: str, **extra):
    data = {"path": path, "text": text, "base": blob(settings, path), "action": "publish"}
    return client.post(reverse("docs:edit-raw"), {**data, **extra})


# --- access ---------------------------------------------------------------------------------

PAGES = [
    ("docs:edit-raw", f"?path={REF}"),
    ("docs:edit-history", f"?path={REF}"),
    ("docs:drafts", ""),
    ("docs:doc-create", "?folder=media"),
    ("docs:doc-rename", f"?path={REF}"),
    ("docs:folder-create", "?parent=team"),
    ("docs:folder-rename", "?path=team/guides"),
]


@pytest.mark.parametrize("name,query", PAGES)
def test_anonymous_users_are_sent_to_login(client, remote, name, query):
    response = client.get(reverse(name) + query)
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("name,query", PAGES)
def test_people_without_a_role_are_refused_and_operators_see_the_page(
    client, remote, outsider, operator, name, query
):
    client.force_login(outsider)
    assert client.get(reverse(name) + query).status_code == 403
    client.force_login(operator)
    assert client.get(reverse(name) + query).status_code == 200


def test_only_admins_delete_docs_and_folders(settings, client, remote, operator, admin_user):
    before = head(settings)
    client.force_login(operator)
    delete_doc = reverse("docs:doc-delete")
    delete_folder = reverse("docs:folder-delete")
    assert client.get(delete_doc + f"?path={REF}").status_code == 403
    assert client.post(delete_doc, {"path": REF}).status_code == 403
    assert client.post(delete_folder, {"path": "team/guides"}).status_code == 403
    assert nothing_written(settings, before)
    client.force_login(admin_user)
    page = client.get(delete_doc + f"?path={REF}")
    assert page.status_code == 200 and "Delete doc" in page.content.decode()
    response = client.post(delete_doc, {"path": REF, "base": blob(settings, REF)})
    assert response.status_code == 302 and response["Location"] == reverse(
        "docs:folder", args=["media/reference"]
    )
    assert not Document.objects.filter(path=REF).exists()
    assert int(mirror_git(settings, "rev-list", "--count", f"{before}..HEAD")) == 1


# --- raw mode ---------------------------------------------------------------------------------


def test_raw_mode_publishes_a_reference_doc_as_the_user(settings, remote, operator_client):
    page = operator_client.get(raw_url(REF))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'name="base" value="{blob(settings, REF)}"' in html
    assert f'name="head" value="{head(settings)}"' in html
    assert "Two microphones." in html  # the preview, rendered like the doc page
    response = publish_raw(
        operator_client, settings, REF, REF_TEXT.replace("Two", "Three"), message="More mics"
    )
    assert response.status_code == 302 and response["Location"] == reverse("docs:doc", args=[REF])
    assert "Three microphones." in remote_file(remote, REF)
    log = mirror_git(settings, "log", "-1", "--format=%an|%s")
    assert log == "Grace Hopper|More mics"
    doc_page = operator_client.get(reverse("docs:doc", args=[REF])).content.decode()
    assert "Three microphones." in doc_page


def test_publishing_without_a_change_makes_no_commit(settings, remote, operator_client):
    before = head(settings)
    response = publish_raw(operator_client, settings, SOP, SOP_TEXT)
    assert response.status_code == 302
    assert nothing_written(settings, before)


def test_review_shows_type_aware_findings_and_the_diff(settings, remote, operator_client):
    data = {"path": REF, "text": REF_TEXT + "More.\n", "base": blob(settings, REF)}
    html = operator_client.post(reverse("docs:edit-raw"), {**data, "action": "review"})
    html = html.content.decode()
    assert "No lint findings for this doc." in html  # a reference is not told it is no SOP
    assert '<span class="diff-add">+More.</span>' in html


def test_a_blocking_finding_needs_publish_anyway_which_is_audited(
    settings, remote, operator_client
):
    broken = SOP_TEXT.replace("<!-- sop-step-end -->", "", 1)  # the SOP no longer parses
    before = head(settings)
    refused = publish_raw(operator_client, settings, SOP, broken)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "nested &lt;!-- sop-step-start --&gt; not allowed" in html and "Publish anyway" in html
    assert nothing_written(settings, before)

    response = publish_raw(operator_client, settings, SOP, broken, anyway="1")
    assert response.status_code == 302
    assert remote_file(remote, SOP).rstrip() == broken.rstrip()
    event = AuditEvent.objects.get(action="docs.edit.publish_anyway")
    assert event.changes["commit"] == head(settings)
    assert any("not allowed" in finding for finding in event.changes["findings"])
    # reopened: the malformed SOP opens in raw mode with its parse problem listed
    html = operator_client.get(raw_url(SOP)).content.decode()
    assert "This SOP does not parse" in html


def test_a_conflicting_raw_save_shows_both_versions_and_writes_nothing(
    settings, remote, operator_client, make_user
):
    base = blob(settings, REF)
    other = make_user("linus", "operator")
    from docs_app.editing.publish import publish
    from docs_app.editing.saving import SaveDoc

    publish(SaveDoc(REF, REF_TEXT.replace("Two", "Four"), base), user=other)
    before = head(settings)
    response = operator_client.post(
        reverse("docs:edit-raw"),
        {"path": REF, "text": REF_TEXT.replace("Two", "Five"), "base": base, "action": "publish"},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "Four microphones." in html and "Five microphones." in html
    assert f'name="base" value="{blob(settings, REF)}"' in html  # save again on the current
    assert nothing_written(settings, before)


def test_the_preview_is_sanitised_like_the_doc_page(remote, operator_client):
    text = "# T\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n<b onclick=x>bold</b>\n"
    response = operator_client.post(reverse("docs:edit-preview"), {"path": REF, "text": text})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script" not in html and 'href="javascript' not in html and "onclick" not in html
    assert "<b>bold</b>" in html
    bad = operator_client.post(reverse("docs:edit-preview"), {"path": "../x.md", "text": "x"})
    assert bad.status_code == 400 and "only paths inside the docs" in bad.content.decode()


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,message",
    [
        ("../outside.md", "only paths inside the docs are accepted"),
        (".git/config.md", "not a path inside the docs"),
        ("/etc/passwd.md", "not a path inside the docs"),
        ("media/reference/link.md", "symbolic link"),
        (LATIN1, "not UTF-8"),
        ("media/reference/missing.md", "There is no doc"),
        ("media/reference/notes.txt", "not a Markdown document"),
    ],
)
def test_opening_bad_paths_is_refused(settings, remote, operator_client, path, message):
    before = head(settings)
    for url in (raw_url(path), reverse("docs:edit-history") + f"?path={path}"):
        response = operator_client.get(url)
        assert response.status_code == 400
        assert message in response.content.decode()
    response = operator_client.post(
        reverse("docs:edit-raw"),
        {"path": path, "text": "x", "base": "a" * 40, "action": "publish"},
    )
    assert response.status_code == 400 and message in response.content.decode()
    assert nothing_written(settings, before)


@pytest.mark.parametrize(
    "change,message",
    [
        ({"base": "0" * 40}, "is not a version of any file"),
        ({"base": "not-a-sha"}, "must be a full 40-character git sha"),
        ({"text": "x" * (1024 * 1024 + 1)}, "docs are limited to"),
        ({"head": "1" * 40}, "is not in the docs repository"),
    ],
)
def test_bad_publishes_are_refused_with_nothing_written(
    settings, remote, operator_client, change, message
):
    before = head(settings)
    data = {"path": REF, "text": REF_TEXT + "x\n", "base": blob(settings, REF), "action": "publish"}
    response = operator_client.post(reverse("docs:edit-raw"), {**data, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_written(settings, before)


@pytest.mark.parametrize(
    "url,data,message",
    [
        ("docs:doc-create", {"folder": "media", "name": "a/b", "title": "T"}, "contains a slash"),
        ("docs:doc-create", {"folder": "../x", "name": "a", "title": "T"}, "only paths inside"),
        ("docs:doc-create", {"folder": "media", "name": "a\x01b", "title": "T"}, "control"),
        ("docs:doc-create", {"folder": ".git", "name": "a", "title": "T"}, "not a path inside"),
        (
            "docs:doc-create",
            {"folder": "media", "name": "new", "title": ""},
            "Give the doc a title",
        ),
        ("docs:doc-rename", {"path": REF, "folder": "media", "name": "x/y"}, "contains a slash"),
        ("docs:doc-rename", {"path": REF, "folder": "team/guides", "name": "guide-1.md"}, "exists"),
        ("docs:folder-create", {"parent": "team", "name": ".git"}, "cannot start with a dot"),
        ("docs:folder-create", {"parent": "team", "name": "a/b"}, "contains a slash"),
        (
            "docs:folder-rename",
            {"path": "team/guides", "new_parent": "team/guides", "new_name": "x"},
            "into itself",
        ),
        ("docs:folder-rename", {"path": "team/none", "new_name": "x"}, "There is no folder"),
        ("docs:folder-rename", {"path": "../team", "new_name": "x"}, "only paths inside"),
    ],
)
def test_bad_operations_are_refused_with_nothing_written(
    settings, remote, operator_client, url, data, message
):
    before = head(settings)
    response = operator_client.post(reverse(url), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_written(settings, before)
    assert not JobRun.objects.exists()


def test_a_nul_byte_in_a_name_is_refused(settings, remote, operator_client):
    before = head(settings)
    response = operator_client.post(
        reverse("docs:folder-create"), {"parent": "team", "name": "a\x00b"}
    )
    assert response.status_code == 400
    assert nothing_written(settings, before)


# --- drafts ---------------------------------------------------------------------------------


def test_a_draft_is_saved_restored_and_discarded(settings, remote, operator_client, operator):
    base = blob(settings, REF)
    text = REF_TEXT + "Draft line.\n"
    saved = operator_client.post(
        reverse("docs:draft-save"), {"path": REF, "base": base, "text": text}
    )
    assert saved.status_code == 200 and saved.json()["saved"] is True
    reopened = operator_client.get(raw_url(REF)).content.decode()
    assert "Draft line." in reopened and "is restored" in reopened
    assert "The doc changed since" not in reopened
    listed = operator_client.get(reverse("docs:drafts")).content.decode()
    assert "Studio gear" in listed and REF in listed
    discard = operator_client.post(reverse("docs:draft-discard"), {"path": REF})
    assert discard.status_code == 302 and not DocDraft.objects.exists()
    empty = operator_client.get(reverse("docs:drafts")).content.decode()
    assert "No drafts" in empty


def test_a_draft_whose_base_changed_is_flagged(settings, remote, operator_client, make_user):
    from docs_app.editing.publish import publish
    from docs_app.editing.saving import SaveDoc

    base = blob(settings, REF)
    operator_client.post(
        reverse("docs:draft-save"), {"path": REF, "base": base, "text": REF_TEXT + "Mine.\n"}
    )
    theirs = REF_TEXT.replace("title: Studio gear", "title: Studio kit")
    publish(SaveDoc(REF, theirs, base), user=make_user("linus"))
    html = operator_client.get(raw_url(REF)).content.decode()
    assert "The doc changed since your draft was saved." in html
    assert f'name="base" value="{base}"' in html  # publishing merges from the draft's base
    assert "doc changed since" in operator_client.get(reverse("docs:drafts")).content.decode()
    response = publish_raw(
        operator_client, settings, REF, REF_TEXT + "Mine.\n", base=base
    )  # different lines: merged, both kept
    assert response.status_code == 302
    assert remote_file(remote, REF) == theirs + "Mine.\n"
    assert not DocDraft.objects.exists()  # published: the draft is gone


def test_drafts_are_refused_for_bad_input(remote, operator_client):
    url = reverse("docs:draft-save")
    for data in (
        {"path": "../x.md", "base": "a" * 40, "text": "x"},
        {"path": REF, "base": "nope", "text": "x"},
        {"path": REF, "base": "a" * 40, "text": "x" * (1024 * 1024 + 1)},
    ):
        response = operator_client.post(url, data)
        assert response.status_code == 400 and response.json()["saved"] is False
    assert not DocDraft.objects.exists()


# --- doc and folder operations ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["full-sop", "minimal-sop", "page"])
def test_create_a_doc_from_a_scaffold(settings, remote, operator_client, kind):
    before = head(settings)
    response = operator_client.post(
        reverse("docs:doc-create"),
        {"folder": "media/sops", "name": "new-one", "title": "New one", "kind": kind},
    )
    path = "media/sops/new-one.md"
    assert response.status_code == 302 and response["Location"] == raw_url(path)
    assert Document.objects.get(path=path).title == "New one"
    assert int(mirror_git(settings, "rev-list", "--count", f"{before}..HEAD")) == 1
    assert ("sop-step-start" in remote_file(remote, path)) == (kind != "page")


def test_a_renamed_doc_keeps_its_old_url_and_id(
    settings, remote, operator_client, operator, tmp_path
):
    from docs_app.tests.test_renames import open_the_sop
    from tasks.selectors import template_page
    from tasks.services import templates_load, workflow_start
    from tasks.services.common import local_today

    template_file = tmp_path / "publish.yaml"
    template_file.write_text(
        "slug: publish\nname: Publish\ndefault_assignee: grace\n"
        "phases:\n  - {slug: only, title: Only}\n"
        f"tasks:\n  - {{ref: pub, title: Publish it, offset: 0, phase: only, doc: {SOP_ID}}}\n"
    )
    templates_load(paths=[template_file])
    workflow = workflow_start(
        template=template_page(slug="publish"), anchor_date=local_today(), by=operator
    )
    task = workflow.tasks.get(template_ref="pub")
    form = operator_client.get(reverse("docs:doc-rename") + f"?path={SOP}").content.decode()
    assert 'value="media/sops"' in form and 'value="publish-episode.md"' in form

    response = operator_client.post(
        reverse("docs:doc-rename"),
        {"path": SOP, "folder": "media/podcast", "name": "publish-the-episode"},
    )
    new = "media/podcast/publish-the-episode.md"
    assert response.status_code == 302 and response["Location"] == reverse("docs:doc", args=[new])
    assert SOP_ID in Document.objects.get(path=new).aliases
    opened = open_the_sop(operator_client, task)
    assert opened.status_code == 200 and opened.context["doc"].path == new
    old_url = operator_client.get(reverse("docs:doc", args=[SOP]), follow=True)
    assert old_url.context["doc"].path == new


def test_folder_operations_through_the_pages(
    settings, remote, operator_client, admin_user, client, django_capture_on_commit_callbacks
):
    before = head(settings)
    created = operator_client.post(
        reverse("docs:folder-create"), {"parent": "team", "name": "empty"}
    )
    assert created.status_code == 302
    assert (settings.DOCS_MIRROR_DIR / "team/empty/.gitkeep").exists()
    with django_capture_on_commit_callbacks(execute=True):
        moved = operator_client.post(
            reverse("docs:folder-rename"),
            {"path": "team/guides", "new_parent": "team", "new_name": "handbook"},
        )
    assert moved.status_code == 200 and 'id="job-status-' in moved.content.decode()
    run = JobRun.objects.get(kind="docs.publish")
    assert run.status == JobRun.Status.SUCCEEDED, run.note
    assert Document.objects.filter(path__startswith="team/handbook/").count() == 3
    assert int(mirror_git(settings, "rev-list", "--count", f"{before}..HEAD")) == 2
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        deleted = client.post(reverse("docs:folder-delete"), {"path": "team/handbook"})
    assert deleted.status_code == 200
    assert not Document.objects.filter(path__startswith="team/handbook/").exists()
    assert int(mirror_git(settings, "rev-list", "--count", f"{before}..HEAD")) == 3


# --- history --------------------------------------------------------------------------------


def test_history_shows_commits_and_diffs_and_restores_a_version(settings, remote, operator_client):
    first = head(settings)
    publish_raw(operator_client, settings, REF, REF_TEXT.replace("Two", "<b>Nine</b>"))
    page = operator_client.get(reverse("docs:edit-history") + f"?path={REF}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Grace Hopper" in html and "Initial docs" in html
    assert "+&lt;b&gt;Nine&lt;/b&gt; microphones.</span>" in html  # escaped, never markup
    versions = re.findall(r"commit=([0-9a-f]{40})", html)
    assert versions  # older versions offer "restore"
    confirm = operator_client.get(
        reverse("docs:edit-restore") + f"?path={REF}&commit={versions[-1]}"
    )
    assert confirm.status_code == 200 and "Restore this version?" in confirm.content.decode()
    restored = operator_client.post(
        reverse("docs:edit-restore"), {"path": REF, "commit": versions[-1]}
    )
    assert restored.status_code == 302
    assert remote_file(remote, REF).rstrip() == REF_TEXT.rstrip()
    assert int(mirror_git(settings, "rev-list", "--count", f"{first}..HEAD")) == 2
    bad = operator_client.post(reverse("docs:edit-restore"), {"path": REF, "commit": "f" * 40})
    assert bad.status_code == 400


def test_doc_and_folder_pages_link_the_editing_pages_for_editors_only(
    client, remote, operator, outsider
):
    doc_url = reverse("docs:doc", args=[REF])
    folder_url = reverse("docs:folder", args=["team/guides"])
    client.force_login(operator)
    doc_page = client.get(doc_url).content.decode()
    assert reverse("docs:edit-raw") + "?path=media/reference/gear.md" in doc_page
    assert "Edit Markdown" in doc_page and "Rename/move" in doc_page
    assert "Delete</a>" not in doc_page  # deleting is for admins
    assert "New doc" in client.get(folder_url).content.decode()
    raw_sop = client.get(raw_url(SOP)).content.decode()
    assert reverse("docs:edit-sop") in raw_sop  # an SOP that parses also has the step editor
    client.force_login(outsider)
    assert "Edit Markdown" not in client.get(doc_url).content.decode()
    assert "New doc" not in client.get(folder_url).content.decode()
