"""Parallel test workers never share a Redis database (a test's cache.clear() empties one)."""

import os

import pytest
from django.conf import settings

from dataops.test_settings import _worker_redis


def test_each_worker_gets_its_own_redis_database():
    url = "redis://127.0.0.1:6379/13"
    assert _worker_redis(url, "") == url  # not under xdist
    assert _worker_redis(url, "gw0") == url
    assert _worker_redis(url, "gw1") == "redis://127.0.0.1:6379/14"
    assert _worker_redis(url, "gw3") == "redis://127.0.0.1:6379/0"
    assert _worker_redis("redis://:secret@cache:6380", "gw2") == "redis://:secret@cache:6380/2"
    assert _worker_redis("", "gw1") == ""  # the filesystem broker has no index


def test_a_url_without_a_database_index_is_refused_for_parallel_runs():
    with pytest.raises(SystemExit, match="redis://host:port/N"):
        _worker_redis("unix:///run/redis.sock", "gw1")


@pytest.mark.postgres
def test_this_process_uses_a_test_database_of_its_own(db):
    from django.db import connection

    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = connection.settings_dict["NAME"]
    assert name.startswith("test_")
    assert name.endswith(f"_{worker}") if worker else "_gw" not in name
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL
