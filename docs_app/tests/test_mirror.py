"""The git layer on real repositories: clone, fast-forward, refusing rewritten history, diffs,
last commits, the seed repository."""

import pytest

from docs_app.mirror import (
    Change,
    HistoryRewritten,
    Mirror,
    MirrorBroken,
    RemoteUnavailable,
    check_url,
    make_seed_repository,
    safe_url,
)
from docs_app.tests.fixtures import AUTHOR, GitRemote, git


@pytest.fixture
def remote(tmp_path):
    return GitRemote.create(
        tmp_path / "origin",
        {
            "a.md": "# A\n",
            "folder/b.md": "# B\n",
            "images/x.png": b"\x89PNG",
        },
    )


@pytest.fixture
def mirror(tmp_path, remote):
    made = Mirror(tmp_path / "mirror", remote.url, "main", timeout=20)
    yield made
    made.close()


def test_first_update_clones_and_checks_out_the_branch(mirror, remote):
    update = mirror.update()
    assert update.cloned and update.head == remote.head()
    assert (mirror.path / "a.md").read_text() == "# A\n"
    assert not any(p.name.startswith(".mirror.clone") for p in mirror.path.parent.iterdir())


def test_update_fast_forwards_to_new_commits(mirror, remote):
    mirror.update()
    remote.write("a.md", "# A changed\n")
    new_head = remote.commit("Change A")
    update = mirror.update()
    assert not update.cloned and update.head == new_head == mirror.head()
    assert (mirror.path / "a.md").read_text() == "# A changed\n"


def test_update_without_remote_change_keeps_the_head(mirror):
    first = mirror.update()
    again = mirror.update()
    assert again.head == first.head and again.before == first.head


def test_force_push_is_refused_and_nothing_moves(mirror, remote):
    mirror.update()
    before = mirror.head()
    rewritten = remote.rewrite_last_commit()
    with pytest.raises(HistoryRewritten) as caught:
        mirror.update()
    message = str(caught.value)
    assert message.startswith(
        "The remote history was rewritten (force-push): local "
        f"{before[:7]} is not an ancestor of remote {rewritten[:7]}."
    )
    assert "Nothing was changed" in message and "docs_sync --reclone" in message
    assert mirror.head() == before
    assert git(mirror.path, "rev-parse", "HEAD") == before


def test_local_commits_and_new_remote_commits_are_reported_as_diverged(mirror, remote):
    mirror.update()
    (mirror.path / "local.md").write_text("# Local edit\n")
    git(mirror.path, "add", "local.md")
    git(
        mirror.path,
        "-c",
        "user.name=Ed",
        "-c",
        "user.email=ed@example.org",
        "commit",
        "-qm",
        "local",
    )
    local = mirror.head()
    remote.write("remote.md", "# Remote\n")
    remote.commit("remote change")
    with pytest.raises(HistoryRewritten, match=r"have diverged: local .* has 1 commit\(s\)"):
        mirror.update()
    assert mirror.head() == local and (mirror.path / "local.md").exists()


def test_local_commits_ahead_of_an_unchanged_remote_are_kept(mirror):
    mirror.update()
    (mirror.path / "local.md").write_text("# Local\n")
    git(mirror.path, "add", "local.md")
    git(mirror.path, "-c", "user.name=Ed", "-c", "user.email=ed@example.org", "commit", "-qm", "l")
    update = mirror.update()
    assert update.local_ahead == 1 and update.head == mirror.head()


def test_unreachable_remote_is_transient_and_leaves_the_mirror_alone(mirror, remote, tmp_path):
    mirror.update()
    head = mirror.head()
    moved = tmp_path / "gone.git"
    remote.bare.rename(moved)
    with pytest.raises(RemoteUnavailable, match="Fetching"):
        mirror.update()
    assert mirror.head() == head and (mirror.path / "a.md").exists()


def test_unreachable_remote_on_first_clone_leaves_no_directory(tmp_path):
    mirror = Mirror(tmp_path / "mirror", str(tmp_path / "nothing-here.git"), "main", timeout=10)
    with pytest.raises(RemoteUnavailable, match="Cloning"):
        mirror.update()
    assert not mirror.path.exists()
    assert list(tmp_path.iterdir()) == []


def test_missing_branch_is_a_permanent_problem(tmp_path, remote):
    mirror = Mirror(tmp_path / "mirror", remote.url, "no-such-branch", timeout=10)
    with pytest.raises(MirrorBroken):
        mirror.update()


@pytest.mark.parametrize("url", ["", "--upload-pack=touch /tmp/x", "ext::sh -c touch% /tmp/x"])
def test_urls_that_are_not_repositories_are_refused(url):
    with pytest.raises(MirrorBroken):
        check_url(url)


def test_credentials_are_left_out_of_urls_in_messages():
    assert (
        safe_url("https://bob:s3cret@git.example.org/org/docs.git")
        == "https://git.example.org/org/docs.git"
    )
    assert safe_url("/srv/docs.git") == "/srv/docs.git"


def test_changes_list_adds_modifications_renames_and_deletes(mirror, remote):
    first = mirror.update().head
    remote.write("a.md", "# A v2\n")
    remote.rename("folder/b.md", "folder/renamed b.md")
    remote.remove("images/x.png")
    remote.write("new/ü.md", "# New\n")
    second = remote.commit("Many changes")
    mirror.update()
    assert sorted(mirror.changes(first, second), key=lambda c: c.path) == [
        Change("M", "a.md"),
        Change("R", "folder/renamed b.md", "folder/b.md"),
        Change("D", "images/x.png"),
        Change("A", "new/ü.md"),
    ]


def test_tree_lists_blobs_with_sizes_and_marks_symlinks(mirror, remote):
    remote.symlink("link.md", "/etc/passwd")
    remote.commit("Add a symlink")
    head = mirror.update().head
    tree = mirror.tree(head)
    assert tree["a.md"].size == 4 and not tree["a.md"].is_symlink
    assert tree["link.md"].is_symlink
    assert mirror.read_blob(tree["link.md"].sha) == b"/etc/passwd"


def test_a_tree_follows_from_the_last_one_listed_and_equals_a_fresh_listing(
    mirror, remote, monkeypatch
):
    first = mirror.update().head
    assert set(mirror.tree(first)) == {"a.md", "folder/b.md", "images/x.png"}
    remote.write("a.md", "# A, now longer\n")
    remote.write("new/ü.md", "# New\n")
    remote.remove("images/x.png")
    remote.rename("folder/b.md", "folder/c.md")
    remote.symlink("link.md", "a.md")
    git(remote.work, "update-index", "--add", "--cacheinfo", f"160000,{first},vendored")
    second = remote.commit("Change everything kind of thing")
    mirror.update()
    listings = []
    real_listing = Mirror._list_tree
    monkeypatch.setattr(
        Mirror, "_list_tree", lambda self, sha: listings.append(sha) or real_listing(self, sha)
    )
    derived = mirror.tree(second)
    assert listings == []  # derived from the first commit's tree, not listed again
    assert derived == real_listing(mirror, second)
    assert derived["a.md"].size == len("# A, now longer\n")
    assert derived["link.md"].is_symlink and "vendored" not in derived
    derived["scribble.md"] = derived["a.md"]  # a caller's copy: the kept tree is untouched
    assert "scribble.md" not in mirror.tree(second)
    assert set(mirror.tree(first)) == {"a.md", "folder/b.md", "images/x.png"}


def test_last_commits_name_the_latest_commit_per_file(mirror, remote):
    first = mirror.update().head
    remote.write("a.md", "# A v2\n")
    second = remote.commit("Edit A", author=("Bob Builder", "bob@example.org"))
    head = mirror.update().head
    assert head == second
    full = mirror.last_commits(head, ["a.md", "folder/b.md"])
    assert (full["a.md"].author, full["a.md"].message, full["a.md"].sha) == (
        "Bob Builder",
        "Edit A",
        second,
    )
    assert (full["folder/b.md"].author, full["folder/b.md"].sha) == (AUTHOR[0], first)
    assert full["a.md"].date.tzinfo is not None
    since = mirror.last_commits(head, ["a.md"], since=first)
    assert since["a.md"].sha == second
    # a path the range walk does not meet is looked up on its own
    assert mirror.last_commits(head, ["folder/b.md"], since=first)["folder/b.md"].sha == first


def test_seed_repository_is_made_once_from_a_folder(tmp_path):
    content = tmp_path / "content"
    (content / "x").mkdir(parents=True)
    (content / "x" / "doc.md").write_text("# Doc\n")
    seed = tmp_path / "var" / "docs-origin.git"
    assert make_seed_repository(content, seed, "main") is True
    assert git(seed, "ls-tree", "-r", "--name-only", "main") == "x/doc.md"
    head = git(seed, "rev-parse", "main")
    (content / "x" / "doc.md").write_text("# Changed later\n")
    assert make_seed_repository(content, seed, "main") is False
    assert git(seed, "rev-parse", "main") == head


def test_set_aside_keeps_the_old_mirror(mirror):
    mirror.update()
    kept = mirror.set_aside("bak-test")
    assert kept is not None and (kept / "a.md").exists() and not mirror.path.exists()
    assert mirror.update().cloned


def test_pointing_at_another_repository_says_so_and_changes_nothing(mirror, tmp_path):
    mirror.update()
    head = mirror.head()
    other = GitRemote.create(tmp_path / "other", {"z.md": "# Z\n"})
    moved = Mirror(mirror.path, other.url, "main", timeout=20)
    with pytest.raises(HistoryRewritten, match="cloned from another repository than"):
        moved.update()
    moved.close()
    assert mirror.head() == head


def test_file_history_lists_the_commits_touching_a_file_newest_first(
    mirror, remote, settings, local_cache
):
    from docs_app.files import file_history

    remote.write("a.md", "# A\n\nSecond version.\n")
    remote.commit("Reword A\n\nThe body of the message is not the summary.")
    remote.write("folder/b.md", "# B changed\n")
    remote.commit("Change B only", author=("Bea Other", "bea@example.org"))
    remote.write("a.md", "# A\n\nThird version.\n")
    third = remote.commit("Café: the third A", author=("Zoë Ünicode", "zoe@example.org"))
    mirror.update()
    settings.DOCS_MIRROR_DIR = mirror.path

    history = file_history("a.md", third)
    assert [c.message for c in history][:2] == ["Café: the third A", "Reword A"]
    assert history[0].sha == third and history[0].author == "Zoë Ünicode"
    assert history[0].date.tzinfo is not None and history[0].date >= history[1].date
    assert "Change B only" not in [c.message for c in history]
    assert len(file_history("a.md", third, limit=1)) == 1
    assert file_history("missing.md", third) == []
