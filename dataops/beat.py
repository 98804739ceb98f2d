"""Celery beat scheduler that also leaves a heartbeat, so Health can tell beat is alive."""

import logging
import os
import time

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

log = logging.getLogger(__name__)


def write_beat_heartbeat() -> None:
    from dataops.models import Heartbeat

    if not connection.in_atomic_block:  # beat is long-lived: drop stale connections first
        close_old_connections()
    Heartbeat.objects.update_or_create(
        name="beat", defaults={"at": timezone.now(), "detail": {"pid": os.getpid()}}
    )


class HeartbeatScheduler(PersistentScheduler):
    """The schedule itself is `CELERY_BEAT_SCHEDULE` (code); this adds the heartbeat."""

    _last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        every = settings.BEAT_HEARTBEAT_SECONDS
        now = time.monotonic()
        if now - self._last_heartbeat >= every:
            try:
                write_beat_heartbeat()
                self._last_heartbeat = now
            except Exception:  # the database may be briefly unavailable; beat keeps ticking
                log.exception("could not write the beat heartbeat")
        next_in = super().tick(*args, **kwargs)
        return min(next_in, max(1.0, every - (time.monotonic() - self._last_heartbeat)))
