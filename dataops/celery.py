"""The Celery application: configuration comes from Django settings (``CELERY_*``)."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dataops.settings")

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
