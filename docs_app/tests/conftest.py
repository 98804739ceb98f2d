"""Fixtures for the docs pages: the bundled content and the messy repository, registered by
the real pipeline (`docs_sync`) from local git remotes.

The remotes, mirrors and search indexes are built once per session (same commit, same
index); each test then re-registers into its own database transaction. Caches are per test
(local memory), so a render cached by one test never leaks into another.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from docs_app import search, search_index
from docs_app.models import Document
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import make_messy_repo, make_remote_from, point_docs_at

CREATE_PODCAST_DOC = "media/podcast/sops/create-podcast-document.md"
CREATE_PODCAST_ID = "sop.media.podcast.create-podcast-document"


@pytest.fixture(scope="session")
def content_remote(tmp_path_factory) -> Path:
    return make_remote_from(
        django_settings.DOCS_CONTENT_SEED_DIR, tmp_path_factory.mktemp("content-remote")
    )


@pytest.fixture(scope="session")
def messy_remote(tmp_path_factory) -> Path:
    return make_messy_repo(tmp_path_factory.mktemp("messy-remote"))


@pytest.fixture(scope="session")
def content_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("content-work")


@pytest.fixture(scope="session")
def messy_workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("messy-work")


@pytest.fixture
def local_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "docs-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()  # locmem caches of one LOCATION share their entries across tests


def _sync_reusing_index(monkeypatch) -> None:
    """Register the mirror; the session's index of the same commit is reused when present."""
    real_rebuild = search.rebuild_index

    def rebuild_once() -> int:
        return Document.objects.count() if search_index.current_dir() else real_rebuild()

    with monkeypatch.context() as patch:
        patch.setattr(search, "rebuild_index", rebuild_once)
        docs_sync()


@pytest.fixture
def content_docs(db, settings, monkeypatch, local_cache, content_remote, content_workdir):
    """The bundled `content/` registered, mirrored and indexed."""
    point_docs_at(settings, content_remote, content_workdir)
    _sync_reusing_index(monkeypatch)
    return Document.objects


@pytest.fixture
def messy_docs(db, settings, monkeypatch, local_cache, messy_remote, messy_workdir):
    """The deliberately messy repository registered, mirrored and indexed."""
    point_docs_at(settings, messy_remote, messy_workdir)
    _sync_reusing_index(monkeypatch)
    return Document.objects


@pytest.fixture
def own_content_docs(db, settings, local_cache, content_remote, tmp_path):
    """The bundled content with a mirror and index of the test's own (for tests that write)."""
    point_docs_at(settings, content_remote, tmp_path)
    docs_sync()
    return Document.objects
