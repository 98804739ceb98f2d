"""Re-clone the docs mirror from the browser: the way out of a diverged or rewritten remote.

It queues the same sync job as `python manage.py docs_sync --reclone`: the mirror is set
aside as `<mirror>.bak-<time>` (only the newest `BACKUPS_KEPT` backups stay), cloned again
from `DOCS_GIT_URL`, and every file is registered and indexed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction

from dataops.jobs import enqueue
from dataops.models import JobRun, User
from dataops.services import audit_record
from docs_app.mirror import BACKUP_PREFIX, Mirror
from docs_app.models import MirrorState
from docs_app.selectors import SYNC_ACTIVE
from docs_app.sync import mirror_state
from docs_app.tasks import SYNC_KIND, sync_docs


@dataclass(frozen=True)
class Backup:
    name: str
    set_aside_at: datetime | None


def active_reclone() -> JobRun | None:
    """A re-clone queued or running now, if any."""
    return (
        JobRun.objects.filter(kind=SYNC_KIND, kwargs__reclone=True, status__in=SYNC_ACTIVE)
        .order_by("-created_at")
        .first()
    )


def mirror_reclone(*, by: User) -> JobRun:
    """Queue a re-clone of the docs mirror, or return the one already queued or running.

    Serialised on the mirror-state row, so two admins clicking at once queue one run.
    Audited; the job is sent once the transaction commits.
    """
    with transaction.atomic():
        MirrorState.objects.select_for_update().filter(pk=mirror_state().pk).first()
        waiting = active_reclone()
        if waiting is not None:
            return waiting
        run = enqueue(sync_docs, kwargs={"reclone": True}, trigger=JobRun.Trigger.MANUAL, by=by)
        audit_record(
            actor=by,
            action="docs.reclone",
            target=run,
            changes={"mirror": str(settings.DOCS_MIRROR_DIR)},
        )
        return run


def mirror_backups() -> list[Backup]:
    """The mirrors set aside by earlier re-clones, newest first."""
    mirror = Mirror(Path(settings.DOCS_MIRROR_DIR), "", settings.DOCS_GIT_BRANCH)
    return [Backup(path.name, _set_aside_at(path.name)) for path in reversed(mirror.backups())]


def _set_aside_at(name: str) -> datetime | None:
    stamp = name.rpartition(BACKUP_PREFIX)[2][:14]
    try:
        return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
