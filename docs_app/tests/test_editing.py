"""Publishing edits: commits by the user, push, rebase, three-way merge, conflicts, reindex.

Real repositories: a bare remote with a clone to commit "other people's" changes from, the
mirror as the portal's working copy, the real sync and search index.
"""

from __future__ import annotations

import pytest

from dataops.errors import ServiceError
from dataops.models import AuditEvent
from docs_app import search
from docs_app.editing.publish import COMMITTED, CONFLICT, MERGED, UNCHANGED, publish
from docs_app.editing.saving import SaveDoc
from docs_app.models import Document
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, git, point_docs_at

pytestmark = pytest.mark.django_db

DOC = "ops/sops/restart-server.md"
OTHER = "ops/notes.md"
RESTART = """---
title: Restart the server
---

# Restart the server

1. Open the hosting console.
2. Find the app server in the list of machines.
3. Press Restart.
4. Wait until the status light turns green.
5. Open the site and check the home page.
6. Post a line in the ops channel.
"""
NOTES = "# Notes\n\nNothing yet.\n"


def pushing_remote(settings, tmp_path, files: dict[str, str]) -> GitRemote:
    """A remote holding `files`, mirrored and registered; the portal pushes its commits."""
    remote = GitRemote.create(tmp_path / "docs", files)
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    settings.DOCS_GIT_PUSH = True
    docs_sync()
    return remote


@pytest.fixture
def remote(settings, local_cache, tmp_path) -> GitRemote:
    return pushing_remote(settings, tmp_path, {DOC: RESTART, OTHER: NOTES})


@pytest.fixture
def editor(make_user):
    return make_user("edith", "operator", first_name="Edith", last_name="Editor", email="e@x.org")


def mirror_git(settings, *args: str) -> str:
    return git(settings.DOCS_MIRROR_DIR, *args)


def blob_of(settings, path: str) -> str:
    return mirror_git(settings, "rev-parse", f"HEAD:{path}")


def remote_commit(remote: GitRemote, files: dict[str, str], message: str = "Remote edit") -> str:
    """Someone else pushes to the remote (their clone first catches up with it)."""
    git(remote.work, "pull", "--quiet", "--ff-only", "origin", remote.branch)
    for path, text in files.items():
        remote.write(path, text)
    return remote.commit(message)


def remote_file(remote: GitRemote, path: str) -> str:
    return git(remote.bare, "show", f"{remote.branch}:{path}") + "\n"


def save(settings, editor, text: str, *, base: str | None = None, path: str = DOC, **kw):
    operation = SaveDoc(path, text, base or blob_of(settings, path))
    return publish(operation, user=editor, **kw)


def test_a_save_is_one_commit_by_the_user_pushed_and_registered(settings, remote, editor):
    result = save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."))

    assert result.status == COMMITTED and result.pushed
    author = mirror_git(settings, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s")
    assert author == "Edith Editor <e@x.org>|DataOps <dataops@localhost>|Edit " + DOC
    assert git(remote.bare, "rev-parse", "main") == result.commit
    assert result.paths == [DOC]
    assert result.blob == blob_of(settings, DOC)
    doc = Document.objects.get(path=DOC)
    assert doc.blob_sha == result.blob
    assert DOC in [hit.path for hit in search.search("Reboot").hits]
    event = AuditEvent.objects.get(action="docs.edit.save")
    assert event.changes["commit"] == result.commit and event.actor == editor
    # the next sync sees no divergence: nothing to do
    assert docs_sync().note.startswith("No changes")


def test_publishing_with_no_change_makes_no_commit(settings, remote, editor):
    head = mirror_git(settings, "rev-parse", "HEAD")
    result = save(settings, editor, RESTART)
    assert result.status == UNCHANGED and result.commit is None
    assert mirror_git(settings, "rev-parse", "HEAD") == head
    assert not AuditEvent.objects.filter(action="docs.edit.save").exists()


def test_two_saves_from_the_same_base_on_different_lines_merge(settings, remote, editor):
    base = blob_of(settings, DOC)
    first = save(settings, editor, RESTART.replace("hosting console", "cloud console"), base=base)
    second = save(settings, editor, RESTART.replace("ops channel", "#ops channel"), base=base)

    assert first.status == COMMITTED
    assert second.status == MERGED and second.merged
    assert "both changes were kept" in second.message
    text = remote_file(remote, DOC)
    assert "cloud console" in text and "#ops channel" in text


def test_two_saves_of_the_same_line_conflict_and_write_nothing(settings, remote, editor):
    base = blob_of(settings, DOC)
    save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."), base=base)
    head = mirror_git(settings, "rev-parse", "HEAD")
    mine = RESTART.replace("Press Restart.", "Press Restart twice.")

    result = save(settings, editor, mine, base=base)

    assert result.status == CONFLICT
    conflict = result.conflict
    assert conflict.mine == mine and "Press Reboot." in conflict.theirs
    assert conflict.base == RESTART and conflict.base_blob == base
    assert conflict.current_blob == blob_of(settings, DOC)
    assert "-3. Press Reboot." in conflict.diff and "+3. Press Restart twice." in conflict.diff
    assert mirror_git(settings, "rev-parse", "HEAD") == head
    assert mirror_git(settings, "status", "--porcelain") == ""
    assert "Press Reboot." in remote_file(remote, DOC)


def test_push_rejected_then_rebased_when_the_remote_changed_other_files(settings, remote, editor):
    base = blob_of(settings, DOC)
    theirs = remote_commit(remote, {OTHER: NOTES + "\nA remote note.\n"})

    result = save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."), base=base)

    assert result.status == COMMITTED
    assert mirror_git(settings, "rev-parse", "HEAD^") == theirs  # rebased onto the remote
    assert git(remote.bare, "rev-parse", "main") == result.commit
    assert "A remote note." in remote_file(remote, OTHER)
    assert "Press Reboot." in remote_file(remote, DOC)
    assert mirror_git(settings, "log", "-1", "--format=%ae|%ce") == "e@x.org|dataops@localhost"
    # the registry took both commits: the remote's file too
    assert Document.objects.get(path=OTHER).blob_sha == blob_of(settings, OTHER)
    assert docs_sync().note.startswith("No changes")


def test_push_rejected_with_an_overlapping_remote_change_is_a_conflict(settings, remote, editor):
    base = blob_of(settings, DOC)
    remote_commit(remote, {DOC: RESTART.replace("Press Restart.", "Press the red button.")})
    remote_head = git(remote.bare, "rev-parse", "main")
    mine = RESTART.replace("Press Restart.", "Press Reboot.")

    result = save(settings, editor, mine, base=base)

    assert result.status == CONFLICT
    assert result.conflict.mine == mine and "red button" in result.conflict.theirs
    assert git(remote.bare, "rev-parse", "main") == remote_head  # nothing pushed
    assert mirror_git(settings, "rev-parse", "HEAD") == remote_head  # mirror caught up
    assert mirror_git(settings, "status", "--porcelain") == ""
    assert Document.objects.get(path=DOC).blob_sha == blob_of(settings, DOC)  # and registered
    assert not AuditEvent.objects.filter(action="docs.edit.save").exists()


def test_push_rejected_with_a_remote_change_to_other_lines_merges(settings, remote, editor):
    base = blob_of(settings, DOC)
    remote_commit(remote, {DOC: RESTART.replace("hosting console", "cloud console")})

    result = save(settings, editor, RESTART.replace("ops channel", "#ops channel"), base=base)

    assert result.status == MERGED
    text = remote_file(remote, DOC)
    assert "cloud console" in text and "#ops channel" in text
    assert Document.objects.get(path=DOC).blob_sha == blob_of(settings, DOC)


def test_without_push_the_commit_stays_in_the_working_copy(settings, remote, editor):
    settings.DOCS_GIT_PUSH = False
    before = git(remote.bare, "rev-parse", "main")
    result = save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."))
    assert result.status == COMMITTED and not result.pushed
    assert git(remote.bare, "rev-parse", "main") == before
    assert Document.objects.get(path=DOC).blob_sha == result.blob


@pytest.mark.parametrize(
    ("path", "text", "base", "code"),
    [
        ("../etc/passwd.md", "x", None, "bad_path"),
        ("ops/../../x.md", "x", None, "bad_path"),
        ("/ops/x.md", "x", None, "bad_path"),
        (".git/config.md", "x", None, "bad_path"),
        ("ops/x\x00.md", "x", None, "bad_path"),
        ("ops/image.png", "x", None, "bad_path"),
        (DOC, "x" * (1024 * 1024 + 1), None, "too_large"),
        (DOC, b"\xff\xfe not utf-8", None, "not_utf8"),
        (DOC, "nul \x00 byte", None, "bad_body"),
        (DOC, "x", "not-a-sha", "bad_base"),
        (DOC, "x", "0" * 40, "bad_base"),
        ("ops/missing.md", "x", None, "gone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    settings, remote, editor, path, text, base, code
):
    head = mirror_git(settings, "rev-parse", "HEAD")
    with pytest.raises(ServiceError) as caught:
        operation = SaveDoc(path, text, base or blob_of(settings, DOC))
        publish(operation, user=editor)
    assert caught.value.code == code
    assert str(caught.value)
    assert mirror_git(settings, "rev-parse", "HEAD") == head
    assert mirror_git(settings, "status", "--porcelain") == ""


def test_a_symlinked_doc_is_refused(settings, remote, editor):
    git(remote.work, "pull", "--quiet", "--ff-only", "origin", "main")
    remote.symlink("ops/link.md", "restart-server.md")
    remote.commit("Add a link")
    docs_sync()
    head = mirror_git(settings, "rev-parse", "HEAD")
    with pytest.raises(ServiceError) as caught:
        save(settings, editor, "x", path="ops/link.md", base=blob_of(settings, DOC))
    assert caught.value.code == "symlink"
    assert mirror_git(settings, "rev-parse", "HEAD") == head


def test_a_push_the_remote_refuses_publishes_nothing(settings, remote, editor):
    hook = remote.bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pushes are frozen today' >&2\nexit 1\n")
    hook.chmod(0o755)
    head = mirror_git(settings, "rev-parse", "HEAD")
    registered = Document.objects.get(path=DOC).blob_sha

    with pytest.raises(ServiceError) as caught:
        save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."))

    assert caught.value.code == "push" and "Nothing was published" in str(caught.value)
    assert "frozen" in str(caught.value)
    assert mirror_git(settings, "rev-parse", "HEAD") == head
    assert mirror_git(settings, "status", "--porcelain") == ""
    assert Document.objects.get(path=DOC).blob_sha == registered


def test_on_the_embedded_default_edits_are_pushed_to_the_bundled_repository(
    settings, local_cache, tmp_path, editor
):
    seed = tmp_path / "content"
    (seed / "ops/sops").mkdir(parents=True)
    (seed / DOC).write_text(RESTART)
    settings.DOCS_GIT_URL = ""
    settings.VAR_DIR = tmp_path / "var"
    settings.DOCS_CONTENT_SEED_DIR = seed
    settings.DOCS_MIRROR_DIR = tmp_path / "var" / "docs-mirror"
    settings.DOCS_INDEX_DIR = tmp_path / "var" / "docs-index"
    settings.DOCS_GIT_PUSH = True
    docs_sync()

    result = save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."))

    bundled = tmp_path / "var" / "docs-origin.git"
    assert git(bundled, "rev-parse", "main") == result.commit
    assert docs_sync().note.startswith("No changes")
    assert (seed / DOC).read_text() == RESTART  # the shipped folder itself is never written


def test_leftovers_of_a_killed_publish_never_end_up_in_a_commit(settings, remote, editor):
    mirror = settings.DOCS_MIRROR_DIR
    (mirror / OTHER).write_text("half-written\n")
    (mirror / "ops/stray.md").write_text("# Stray\n")
    git(mirror, "add", "ops/stray.md")

    result = save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."))

    assert result.paths == [DOC]
    assert remote_file(remote, OTHER) == NOTES
    assert mirror_git(settings, "status", "--porcelain") == ""


def test_with_untracked_folders_remembered_a_new_stray_file_is_still_found(
    settings, remote, editor
):
    first = save(settings, editor, RESTART.replace("Press Restart.", "Press Reboot."))
    assert first.status == COMMITTED
    assert mirror_git(settings, "config", "core.untrackedCache") == "true"
    # Written after git remembered the folder: the clean-tree check must still see it.
    (settings.DOCS_MIRROR_DIR / "ops/stray.md").write_text("# Stray\n")

    second = save(settings, editor, RESTART.replace("Press Restart.", "Press Power."))

    assert second.paths == [DOC]
    assert not (settings.DOCS_MIRROR_DIR / "ops/stray.md").exists()
    assert mirror_git(settings, "status", "--porcelain") == ""
