"""The outbox sender and the health watch, as Celery tasks.

Plain tasks, not ledger jobs: the sender runs every minute and after every write that
queues a message, and keeps its own record (the outbox rows).
"""

from __future__ import annotations

from django.utils import timezone

from dataops.celery import app
from dataops.notify.health import NAME as OUTBOUND_CHECK
from dataops.notify.sender import send_pending

DOCS_CHECK = "Docs mirror"


@app.task(name="dataops.notify.tasks.send_outbox", ignore_result=True)
def send_outbox() -> dict[str, int]:
    return dict(send_pending())


@app.task(name="dataops.notify.tasks.watch_health", ignore_result=True)
def watch_health() -> int:
    """Tell admins (in-app, and outbound by the rules) about checks that are not ok: the
    docs mirror as "docs sync stopped", the others as "health degraded"; once per check,
    status and day (the rules' cooldowns keep the outbound side quieter still)."""
    from dataops.health import FAIL, run_all
    from dataops.services import notify_admins

    day = timezone.localdate().isoformat()
    told = 0
    for result in run_all():
        if result.status != FAIL or result.name == OUTBOUND_CHECK:
            continue  # the breaker tells admins itself when it opens
        docs = result.name == DOCS_CHECK
        told += notify_admins(
            kind="docs_sync_stopped" if docs else "health_degraded",
            text=f"{result.name}: {result.detail}",
            link="/health/",
            dedup_key=f"health:{result.name}:{result.status}:{day}",
        )
    return told
