"""Publishing an approved prep document into the docs repository (real local git repos)."""

from __future__ import annotations

import pytest

from dataops.errors import ServiceError
from dataops.models import AuditEvent
from docs_app import search
from docs_app.models import Document
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import GitRemote, git, point_docs_at
from podcast.assistant.drafters.offline import OfflineDrafter
from podcast.assistant.publish import PUBLISH_ACTION, doc_path, publish_document
from podcast.assistant.tests.drafting import full_inputs

pytestmark = pytest.mark.django_db

PATH = "podcast-prep/s8e3-do-you-need-a-feature-store.md"


@pytest.fixture
def local_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "assistant-publish-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def remote(settings, local_cache, tmp_path) -> GitRemote:
    remote = GitRemote.create(tmp_path / "docs", {"ops/notes.md": "# Notes\n\nNothing yet.\n"})
    point_docs_at(settings, remote.bare, tmp_path / "mirror")
    settings.DOCS_GIT_PUSH = True
    settings.ASSISTANT_PUBLISH_FOLDER = "podcast-prep/"
    docs_sync()
    return remote


@pytest.fixture
def approver(make_user):
    return make_user("rita", "operator", first_name="Rita", last_name="Reviewer", email="r@x.org")


def document() -> str:
    return OfflineDrafter().draft(full_inputs()).to_markdown()


def mirror_git(settings, *args: str) -> str:
    return git(settings.DOCS_MIRROR_DIR, *args)


def test_publishing_is_a_commit_by_the_approver_pushed_and_registered(settings, remote, approver):
    sha, path = publish_document(
        document(), path_hint="S8E3 Do you need a feature store?", user=approver
    )
    assert path == PATH
    log = mirror_git(settings, "log", "-1", "--format=%H|%an <%ae>|%cn|%s")
    commit, author, committer, subject = log.split("|")
    assert commit == sha
    assert author == "Rita Reviewer <r@x.org>"
    assert committer == "DataOps"
    assert subject == f"Publish prep document {PATH}"
    assert git(remote.bare, "rev-parse", "main") == sha  # pushed
    published = git(remote.bare, "show", f"main:{PATH}")
    assert published.startswith("---\ntitle: 'Prep document: Do you need a feature store?'")
    assert "## Questions" in published
    doc = Document.objects.get(path=PATH)
    assert doc.title == "Prep document: Do you need a feature store?"
    assert PATH in [hit.path for hit in search.search("routing model platform").hits]
    event = AuditEvent.objects.get(action=PUBLISH_ACTION)
    assert event.actor == approver and event.changes["commit"] == sha


def test_publishing_again_replaces_the_doc_and_unchanged_publishes_nothing(
    settings, remote, approver
):
    first, _ = publish_document(document(), path_hint="S8E3 feature store", user=approver)
    again, _ = publish_document(document(), path_hint="S8E3 feature store", user=approver)
    assert again == first
    assert mirror_git(settings, "rev-parse", "HEAD") == first
    edited = document().replace("routing model platform", "dispatch platform")
    second, path = publish_document(edited, path_hint="S8E3 feature store", user=approver)
    assert second != first
    assert "dispatch platform" in git(remote.bare, "show", f"main:{path}")
    assert mirror_git(settings, "rev-list", "--count", "HEAD") == "3"


def test_without_push_the_commit_stays_in_the_mirror(settings, remote, approver):
    settings.DOCS_GIT_PUSH = False
    remote_head = git(remote.bare, "rev-parse", "main")
    sha, path = publish_document(document(), path_hint="offline", user=approver)
    assert mirror_git(settings, "rev-parse", "HEAD") == sha
    assert git(remote.bare, "rev-parse", "main") == remote_head
    assert Document.objects.filter(path=path).exists()


def test_a_folder_the_docs_leave_out_is_refused(settings, remote, approver):
    settings.ASSISTANT_PUBLISH_FOLDER = "podcast/episodes/prep/"
    settings.DOCS_EXCLUDE_PATHS = ["podcast/episodes/", "podcast/people/"]
    head = mirror_git(settings, "rev-parse", "HEAD")
    with pytest.raises(ServiceError, match="inside DOCS_EXCLUDE_PATHS"):
        publish_document(document(), path_hint="x", user=approver)
    assert mirror_git(settings, "rev-parse", "HEAD") == head


def test_a_document_over_the_docs_limit_is_refused_and_nothing_is_committed(
    settings, remote, approver
):
    settings.DOCS_EDIT_MAX_BYTES = 1000
    head = mirror_git(settings, "rev-parse", "HEAD")
    with pytest.raises(ServiceError, match="limited to 1,000 bytes"):
        publish_document(document(), path_hint="big", user=approver)
    assert mirror_git(settings, "rev-parse", "HEAD") == head


def test_the_path_is_a_safe_slug_of_the_hint(settings):
    settings.ASSISTANT_PUBLISH_FOLDER = "/podcast-prep/"
    assert doc_path("../../etc/passwd") == "podcast-prep/etcpasswd.md"
    assert doc_path("Ünïcode: title!") == "podcast-prep/unicode-title.md"
    assert doc_path("") == "podcast-prep/prep-document.md"
    settings.ASSISTANT_PUBLISH_FOLDER = ""
    assert doc_path("x") == "x.md"
