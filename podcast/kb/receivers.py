"""Reactions to other apps' signals: a docs sync that touched the KB queues an import."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from dataops.jobs import enqueue
from dataops.models import JobRun


def _folders() -> tuple[str, ...]:
    paths = (settings.PODCAST_KB_PATH, settings.PODCAST_PEOPLE_PATH)
    return tuple(path.rstrip("/") + "/" for path in paths if path)


def touches_kb(paths: list[str]) -> bool:
    folders = _folders()
    return any(path.startswith(folders) for path in paths)


def import_after_docs_sync(sender, *, paths: list[str], **kwargs) -> None:
    """Queue `podcast_kb_import` of the mirror when the sync changed an episode or a profile."""
    if not touches_kb(paths):
        return
    from podcast.kb.tasks import import_kb

    transaction.on_commit(lambda: enqueue(import_kb, trigger=JobRun.Trigger.SYSTEM))
