"""The garbage collector of long-running processes (web and Celery workers).

A full collection walks every object the collector tracks. In a worker most of them are the
loaded application (Django, every app's modules, the URL patterns, templates), which never
become garbage, yet each full collection walked them again: while saving a docs edit one
came every other save and cost 50–90 ms. `settle()` runs once a worker has loaded the
application: it collects what start-up left and moves the survivors to the permanent
generation (`gc.freeze()`), so later collections walk only what requests and jobs create.
"""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def load_application() -> None:
    """Import what the first request would: every URL pattern and so every view module."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the import is the point)


def settle() -> int:
    """Freeze the objects alive now (see the module docstring); returns how many."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("heap settled: %d objects frozen", frozen)
    return frozen
