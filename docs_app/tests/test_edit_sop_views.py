"""The SOP block editor's pages: who may edit, each action as a plain form (one commit by the
user, only that block's bytes), lint before publishing, conflicts, images, and bad input
(a clear message, nothing written, no 500)."""

from __future__ import annotations

import subprocess
from html import unescape

import pytest
from django.urls import reverse

from dataops.models import AuditEvent
from docs_app.models import Document
from docs_app.tests.test_editing import blob_of, mirror_git, pushing_remote, remote_commit
from docs_app.tests.test_sop_samples import group, marked_sop, step

pytestmark = pytest.mark.django_db

DOC = "media/sops/publish-episode.md"
SOP = marked_sop(
    "\n"
    + group(
        "Prepare",
        step(1, "Open the episode folder.", attrs=' action="navigate" systems="youtube"'),
        step(2, "Check the audio file."),
    )
    + group(
        "Publish",
        step(3, "Upload the audio to Spotify.", attrs=' action="upload" systems="spotify"'),
        step(4, "Post the link in the channel."),
    )
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def remote(settings, local_cache, tmp_path):
    return pushing_remote(settings, tmp_path, {DOC: SOP, "media/notes.md": "# Notes\n"})


def form(settings, **fields) -> dict:
    return {"path": DOC, "base": blob_of(settings, DOC), "head": head(settings), **fields}


def head(settings) -> str:
    return mirror_git(settings, "rev-parse", "HEAD")


def current(settings) -> str:
    return subprocess.run(
        ["git", "show", f"HEAD:{DOC}"],
        cwd=settings.DOCS_MIRROR_DIR,
        capture_output=True,
        check=True,
    ).stdout.decode()


def post(client, name: str, data: dict, **extra):
    return client.post(reverse(f"docs:{name}"), data, **extra)


# --- access ---------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_log_in(client, remote):
    response = client.get(reverse("docs:edit-sop"), {"path": DOC})
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_people_without_a_role_get_403_and_nothing_is_written(client, outsider, remote, settings):
    client.force_login(outsider)
    assert client.get(reverse("docs:edit-sop"), {"path": DOC}).status_code == 403
    before = head(settings)
    response = post(client, "edit-sop-block", form(settings, ref="step:2", value="2.  Hacked.\n"))
    assert response.status_code == 403
    assert head(settings) == before


def test_the_editor_shows_every_block_with_the_base_in_each_form(operator_client, remote, settings):
    response = operator_client.get(reverse("docs:edit-sop"), {"path": DOC})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Check the audio file." in html and 'value="Publish"' in html
    assert html.count(f'value="{blob_of(settings, DOC)}"') >= 10
    assert html.count(f'value="{head(settings)}"') >= 10
    assert 'name="systems" value="spotify"' in html  # the doc's systems only


def test_the_doc_page_links_the_editor_for_operators_only(client, operator, outsider, remote):
    document = Document.objects.get(path=DOC)
    client.force_login(operator)
    assert reverse("docs:edit-sop") in client.get(document.get_absolute_url()).content.decode()
    client.force_login(outsider)
    assert reverse("docs:edit-sop") not in client.get(document.get_absolute_url()).content.decode()


# --- saving ---------------------------------------------------------------------------------


def test_saving_a_step_commits_only_that_step_as_the_user(
    operator_client, operator, remote, settings
):
    operator.email = "grace@example.org"
    operator.save()
    response = post(
        operator_client,
        "edit-sop-block",
        form(settings, ref="step:2", value="2.  Listen to the audio file."),
    )
    assert response.status_code == 302 and "#edit-step-2" in response["Location"]
    assert current(settings) == SOP.replace("Check the audio file.", "Listen to the audio file.")
    assert (
        mirror_git(settings, "log", "-1", "--format=%an <%ae>")
        == "Grace Hopper <grace@example.org>"
    )
    page = operator_client.get(response["Location"])
    assert "Published as commit" in page.content.decode()


def test_a_change_elsewhere_meanwhile_is_merged(operator_client, remote, settings):
    data = form(settings, ref="step:4", value="4.  Post the link in #podcast.\n")
    remote_commit(remote, {DOC: SOP.replace("Open the episode folder.", "Open the folder.")})
    response = post(operator_client, "edit-sop-block", data, follow=True)
    assert "both changes were kept" in response.content.decode()
    text = current(settings)
    assert "Open the folder." in text and "Post the link in #podcast." in text


def test_the_same_step_changed_meanwhile_is_the_conflict_page(operator_client, remote, settings):
    data = form(settings, ref="step:2", value="2.  Mine: check the audio.\n")
    remote_commit(
        remote, {DOC: SOP.replace("Check the audio file.", "Theirs: normalise the audio.")}
    )
    response = post(operator_client, "edit-sop-block", data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Mine: check the audio." in html and "Theirs: normalise the audio." in html
    assert "Theirs" in current(settings) and "Mine" not in current(settings)

    conflict = response.context["conflict"]
    merged = conflict.theirs.replace("Theirs: normalise the audio.", "Normalise, then check.")
    response = post(
        operator_client,
        "edit-sop-resolve",
        {"path": DOC, "base": conflict.current_blob, "head": conflict.head, "text": merged},
    )
    assert response.status_code == 302
    assert "Normalise, then check." in current(settings)


def test_add_move_delete_and_undo_steps(operator_client, remote, settings):
    post(operator_client, "edit-sop-add", form(settings, after="2", body="Export the show notes."))
    assert "3.  Export the show notes." in current(settings)
    post(operator_client, "edit-sop-move", form(settings, step="3", direction="up"))
    text = current(settings)
    assert text.index("Export the show notes.") < text.index("Check the audio file.")
    before_delete = form(settings)["base"]
    response = post(operator_client, "edit-sop-delete", form(settings, step="2"))
    assert "Export the show notes." not in current(settings)
    assert f"undo={before_delete}" in response["Location"]
    page = operator_client.get(response["Location"]).content.decode()
    assert "Step 2 was deleted." in page
    post(operator_client, "edit-sop-undo", form(settings, restore=before_delete))
    assert "Export the show notes." in current(settings)


def test_drag_and_drop_moves_a_step_across_groups(operator_client, remote, settings):
    post(operator_client, "edit-sop-place", form(settings, step="1", group="1", position="1"))
    text = current(settings)
    publish_at = text.index("### Publish")
    assert text.index("Upload the audio") < text.index("Open the episode folder.")
    assert publish_at < text.index("Open the episode folder.") < text.index("Post the link")


def test_step_attributes_and_the_doc_systems(operator_client, remote, settings):
    data = form(settings, step="2", action="verify", tool="Audacity", systems=["youtube"])
    post(operator_client, "edit-sop-attrs", data)
    assert (
        '<!-- sop-step-start id=2 action="verify" tool="Audacity" systems="youtube" -->'
        in current(settings)
    )
    before = head(settings)
    response = post(
        operator_client, "edit-sop-attrs", form(settings, step="2", systems=["slack"]), follow=True
    )
    assert "slack is not one of this doc's systems" in unescape(response.content.decode())
    assert head(settings) == before


def test_frontmatter_and_group_title(operator_client, remote, settings):
    data = form(
        settings,
        title="Publish an episode",
        tags="podcast, release",
        tags_sent="1",
        systems="youtube, spotify",
        systems_sent="1",
        owner="operations",
    )
    post(operator_client, "edit-sop-frontmatter", data)
    text = current(settings)
    assert 'title: "Publish an episode"' in text or "title: Publish an episode" in text
    assert "owner: operations" in text and "release" in text
    post(operator_client, "edit-sop-group", form(settings, ref="group:1", value="Release"))
    assert "### Release" in current(settings)
    post(operator_client, "edit-sop-group-add", form(settings, after="0", title="Check"))
    assert "### Check" in current(settings)
    response = post(
        operator_client, "edit-sop-group-delete", form(settings, group="0"), follow=True
    )
    assert "still has 2 step(s)" in response.content.decode()
    post(operator_client, "edit-sop-group-delete", form(settings, group="1"))
    assert "### Check" not in current(settings)


# --- lint before publishing -----------------------------------------------------------------


def test_a_change_adding_blocking_findings_needs_publish_anyway(
    operator_client, operator, remote, settings
):
    before = head(settings)
    data = form(settings, step="2", action="dance")
    response = post(operator_client, "edit-sop-attrs", data, follow=True)
    assert "not an SOP action" in response.content.decode()
    assert head(settings) == before
    response = post(
        operator_client, "edit-sop-frontmatter", form(settings, systems="youtube", systems_sent="1")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Publish anyway" in html and "L12" in html and "-systems: [youtube, spotify]" in html
    assert head(settings) == before
    fields = dict(response.context["fields"])
    fields["publish_anyway"] = "1"
    response = post(operator_client, "edit-sop-frontmatter", fields)
    assert response.status_code == 302
    assert "systems: [youtube]" in current(settings) or "- youtube" in current(settings)
    event = AuditEvent.objects.filter(action="docs.edit.save").latest("id")
    assert event.changes["publish_anyway"] and "L12" in event.changes["publish_anyway"][0]


# --- images ---------------------------------------------------------------------------------


def test_an_uploaded_screenshot_is_committed_with_its_reference(operator_client, remote, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = form(
        settings, step="3", image=SimpleUploadedFile("Spotify Upload.png", PNG, "image/png")
    )
    response = post(operator_client, "edit-sop-image", data, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["ok"]
    files = mirror_git(settings, "show", "--name-only", "--format=", "HEAD").split()
    image = next(f for f in files if f.endswith(".png"))
    assert image.startswith("media/sops/assets/publish-episode/spotify-upload-")
    assert f"(assets/publish-episode/{image.rsplit('/', 1)[1]})" in current(settings)
    assert response.json()["src"].endswith(image)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fields", "message"),
    [
        ("edit-sop-block", {"base": "0" * 40, "ref": "step:2", "value": "x"}, "not a version"),
        ("edit-sop-block", {"base": "nope", "ref": "step:2", "value": "x"}, "40-character"),
        ("edit-sop-block", {"ref": "step:99", "value": "x"}, "no step"),
        ("edit-sop-block", {"ref": "shelf:1", "value": "x"}, "no block"),
        ("edit-sop-block", {"ref": "step:2", "value": "2.  x\n<!-- sop-step-end -->\n"}, "raw"),
        ("edit-sop-block", {"path": "../etc/passwd.md", "ref": "step:2", "value": "x"}, "contains"),
        ("edit-sop-move", {"step": "1", "direction": "up"}, "already at that end"),
        ("edit-sop-place", {"step": "1", "group": "x", "position": "0"}, "Where should"),
        ("edit-sop-undo", {"restore": "f" * 40}, "cannot be restored"),
    ],
)
def test_bad_input_is_refused_with_a_message(
    operator_client, remote, settings, name, fields, message
):
    before = head(settings)
    response = post(operator_client, name, form(settings, **fields), follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert head(settings) == before
    assert not mirror_git(settings, "status", "--porcelain")


def test_an_oversized_body_is_refused(operator_client, remote, settings):
    settings.DOCS_EDIT_MAX_BYTES = 2000
    before = head(settings)
    response = post(
        operator_client,
        "edit-sop-block",
        form(settings, ref="step:2", value="x" * 3000),
        follow=True,
    )
    assert "docs are limited to 2,000 bytes" in response.content.decode()
    assert head(settings) == before


def test_an_image_that_is_really_html_is_refused(operator_client, remote, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = head(settings)
    page = SimpleUploadedFile("shot.png", b"<!doctype html><script>alert(1)</script>", "image/png")
    response = post(
        operator_client,
        "edit-sop-image",
        form(settings, step="2", image=page),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 400
    assert "not an image" in response.json()["error"]
    assert head(settings) == before and not mirror_git(settings, "status", "--porcelain")


def test_a_malformed_sop_opens_with_its_problems_and_a_raw_link(operator_client, remote, settings):
    broken = SOP.replace(
        "<!-- sop-step-end -->\n\n<!-- sop-step-start id=2", "<!-- sop-step-start id=2", 1
    )
    remote_commit(remote, {DOC: broken})
    from docs_app.sync import docs_sync

    docs_sync()
    response = operator_client.get(reverse("docs:edit-sop"), {"path": DOC})
    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot be edited block by block" in html
    assert reverse("docs:edit-raw") in html


# --- the services added for the editor ---------------------------------------------------------


def changed_lines(before: str, after: str) -> list[int]:
    import difflib

    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return [
        line
        for tag, a1, a2, _, _ in matcher.get_opcodes()
        if tag != "equal"
        for line in range(a1 + 1, max(a2, a1 + 1) + 1)
    ]


def test_step_attributes_change_only_the_step_marker():
    from docs_app.editing.blocks import step_set_attributes

    after = step_set_attributes(SOP, "3", {"action": "verify", "tool": "", "systems": "spotify"})
    marker = SOP.splitlines().index(
        '<!-- sop-step-start id=3 action="upload" systems="spotify" -->'
    )
    assert changed_lines(SOP, after) == [marker + 1]
    assert '<!-- sop-step-start id=3 action="verify" systems="spotify" -->' in after


def test_frontmatter_update_changes_only_the_frontmatter():
    from docs_app.editing.blocks import frontmatter_update

    after = frontmatter_update(SOP, {"title": "Release an episode", "tags": ["podcast"]})
    closing = SOP.splitlines().index("---", 1) + 1
    assert all(line <= closing + 1 for line in changed_lines(SOP, after))
    assert after.split("---", 2)[2] == SOP.split("---", 2)[2]
    assert "Release an episode" in after and "podcast" in after


def test_groups_are_added_and_only_empty_ones_deleted():
    from dataops.errors import ServiceError
    from docs_app.editing.blocks import group_add, group_delete
    from docs_app.sop import lint, parse

    added = group_add(SOP, "Promote", after=1)
    groups = parse(added).structured_procedure.groups
    assert [g.title for g in groups] == ["Prepare", "Publish", "Promote"]
    assert added.startswith(SOP.rsplit("<!-- sop-group-end -->", 1)[0])
    assert lint(added) == lint(SOP)
    first = group_add(SOP, "Before", after=None)
    assert [g.title for g in parse(first).structured_procedure.groups][0] == "Before"
    assert group_delete(added, 2) == SOP
    with pytest.raises(ServiceError, match="still has 2 step"):
        group_delete(SOP, 0)
    flat = marked_sop("\n" + step(1, "Only step."))
    with pytest.raises(ServiceError, match="not in groups"):
        group_add(flat, "New", after=None)


def test_htmx_gets_the_conflict_page_as_a_swappable_answer(operator_client, remote, settings):
    data = form(settings, ref="step:2", value="2.  Mine.\n")
    remote_commit(remote, {DOC: SOP.replace("Check the audio file.", "Theirs.")})
    response = post(operator_client, "edit-sop-block", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200  # htmx swaps 2xx answers only
    assert 'id="conflict-text"' in response.content.decode()
