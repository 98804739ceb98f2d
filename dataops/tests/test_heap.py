"""Long-running processes freeze their start-up objects out of full collections."""

import gc
import runpy
from pathlib import Path

import pytest
from celery.signals import worker_process_init
from django.conf import settings

from dataops import heap


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test run collects as usual


def test_settle_freezes_what_is_alive_and_later_objects_stay_collectable(unfrozen):
    alive = len(gc.get_objects())
    frozen = heap.settle()
    assert frozen >= alive // 2
    # Another thread (pytest-xdist's) may free a few frozen objects once settle() returns.
    assert 0 <= frozen - gc.get_freeze_count() < 100
    later = [[] for _ in range(100)]
    assert all(gc.is_tracked(item) for item in later)
    assert len(gc.get_objects()) < 1000 + len(later)  # the frozen ones are not walked


def test_a_gunicorn_worker_settles_once_the_application_is_loaded(unfrozen):
    config = runpy.run_path(str(Path(settings.BASE_DIR) / "gunicorn.conf.py"))
    config["post_worker_init"](object())
    assert gc.get_freeze_count() > 0


def test_a_celery_pool_process_settles_when_it_starts(unfrozen):
    import dataops.celery  # noqa: F401 (connects the receivers)

    worker_process_init.send(sender=None)
    assert gc.get_freeze_count() > 0
