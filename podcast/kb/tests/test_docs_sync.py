"""The KB and the docs: the docs registry (and so lint and search) leaves the KB folders out,
and a docs sync that changed files under them queues an import of the mirror."""

from __future__ import annotations

import pytest

from dataops.models import JobRun
from docs_app.models import Document
from docs_app.repo_paths import is_doc_path
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, point_docs_at
from podcast.kb.models import KbEpisode
from podcast.kb.receivers import touches_kb
from podcast.kb.tasks import IMPORT_KIND
from podcast.kb.tests.conftest import episode_text, profile_text


def test_kb_folders_are_not_process_docs(settings):
    assert is_doc_path("media/podcast/sops/record.md")
    assert not is_doc_path("podcast/episodes/s7e9.md")
    assert not is_doc_path("podcast/people/ada.md")
    assert is_doc_path("podcast/episodes.md")  # beside the folder, not in it
    assert is_doc_path("podcast/episodes-old/s1e1.md")
    settings.DOCS_EXCLUDE_PATHS = []
    assert is_doc_path("podcast/episodes/s7e9.md")


def test_only_paths_under_the_kb_folders_touch_the_kb(settings):
    assert touches_kb(["guides/a.md", "podcast/people/ada.md"])
    assert not touches_kb(["guides/a.md", "podcast/episodes.md", "media/podcast/x.md"])
    settings.PODCAST_KB_PATH = "shows/kb"
    assert touches_kb(["shows/kb/e1.md"]) and not touches_kb(["podcast/episodes/e1.md"])


def _sync(capture) -> None:
    with capture(execute=True):
        docs_sync()


@pytest.mark.django_db
def test_a_docs_sync_leaves_kb_files_out_and_imports_them(
    settings, tmp_path, django_capture_on_commit_callbacks, kb_index
):
    remote = GitRemote.create(
        tmp_path / "remote",
        {
            "guides/a.md": "# Guide\n\nText.\n",
            "podcast/episodes/e1.md": episode_text(title="Engines", guests=["ada"]),
            "podcast/people/ada.md": profile_text(short="ada", title="Ada Lovelace"),
        },
    )
    point_docs_at(settings, remote.url, tmp_path / "work")
    _sync(django_capture_on_commit_callbacks)
    assert list(Document.objects.values_list("path", flat=True)) == ["guides/a.md"]
    assert KbEpisode.objects.get().guests.get().name == "Ada Lovelace"
    run = JobRun.objects.get(kind=IMPORT_KIND)
    assert run.status == JobRun.Status.SUCCEEDED and run.counts["created"] == 1

    remote.write("guides/a.md", "# Guide\n\nNew text.\n")
    remote.commit("Docs only")
    _sync(django_capture_on_commit_callbacks)
    assert JobRun.objects.filter(kind=IMPORT_KIND).count() == 1

    remote.write("podcast/episodes/e1.md", episode_text(title="Engines, revised"))
    remote.commit("An episode changed")
    _sync(django_capture_on_commit_callbacks)
    assert JobRun.objects.filter(kind=IMPORT_KIND).count() == 2
    assert KbEpisode.objects.get().title == "Engines, revised"
    assert not Document.objects.filter(path__startswith="podcast/").exists()


@pytest.mark.django_db
def test_a_failing_receiver_does_not_fail_the_sync(settings, tmp_path, monkeypatch, kb_index):
    from podcast.kb import receivers

    def boom(*args, **kwargs):
        raise RuntimeError("receiver broke")

    monkeypatch.setattr(receivers, "touches_kb", boom)
    remote = GitRemote.create(tmp_path / "remote", {"guides/a.md": "# Guide\n"})
    point_docs_at(settings, remote.url, tmp_path / "work")
    assert docs_sync().counts["registered"] == 1


@pytest.mark.django_db
def test_the_job_over_a_repository_without_kb_folders_changes_nothing(
    settings, tmp_path, kb, run_import
):
    from podcast.kb.tasks import import_kb

    kb.episode("a.md", title="Kept")
    run_import()
    settings.DOCS_MIRROR_DIR = tmp_path / "empty-mirror"
    import_kb.delay()
    run = JobRun.objects.get(kind=IMPORT_KIND)
    assert run.status == JobRun.Status.SUCCEEDED and "nothing to import" in run.note
    assert KbEpisode.objects.get().title == "Kept"
