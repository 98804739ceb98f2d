"""The Celery application: configuration comes from Django settings (``CELERY_*``)."""

import logging
import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataops.settings")
log = logging.getLogger(__name__)

app = Celery("dataops")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_scheduler = "dataops.beat:HeartbeatScheduler"
app.autodiscover_tasks()


@app.on_after_configure.connect
def ensure_broker_folders(sender: Celery, source, **kwargs) -> None:
    """The embedded filesystem broker needs its folders before anyone sends or listens.
    Run once the configuration is read (lazily, on first use), never at import time."""
    options = source.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_process_init.connect
def settle_heap(**kwargs) -> None:
    """A pool process freezes the loaded application out of full collections."""
    from dataops import heap

    heap.settle()


@worker_ready.connect
def send_waiting_runs_at_start(sender, **kwargs) -> None:
    """A worker that starts after an outage sends what waited for the queue, without
    waiting for beat's next sweep."""
    from django.db import connection

    from dataops.jobs import resend_waiting_runs

    try:
        resend_waiting_runs()
    except Exception:  # the database may not be up yet; beat's sweep tries again
        log.exception("could not send the runs waiting for the queue")
    finally:
        if not connection.in_atomic_block:  # the main process runs no jobs: hold no connection
            connection.close()
