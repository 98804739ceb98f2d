"""Redis gone: pages and writes keep working on the database alone, queued work waits for
the queue and is sent once Redis is back, Health says what is wrong, /healthz stays honest.

Each test runs its own redis-server on a free port and kills it: a real refused connection.
"""

import logging
import time

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from conftest import PASSWORD
from dataops import cache as resilient
from dataops import health
from dataops.jobs import QUEUE_UNAVAILABLE_TEXT, is_pending, messages_in_broker
from dataops.models import JobRun
from dataops.tasks import resend_waiting_runs
from docs_app.sync import docs_sync
from docs_app.tests.fixtures import make_remote_from, point_docs_at

pytestmark = [pytest.mark.redis, pytest.mark.services]

DOC = "guides/hello.md"


@pytest.fixture
def own_redis(redis_server, settings, live_broker):
    """Cache, sessions and broker on the test's own Redis."""
    settings.REDIS_URL = redis_server.url
    settings.CACHES = {
        "default": {
            "BACKEND": "dataops.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "redis-down",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    live_broker(redis_server.url)
    return redis_server


@pytest.fixture
def one_doc(settings, tmp_path):
    content = tmp_path / "content"
    (content / "guides").mkdir(parents=True)
    (content / DOC).write_text("# Hello\n\nHow we say hello.\n", encoding="utf-8")
    point_docs_at(settings, make_remote_from(content, tmp_path / "origin"), tmp_path / "work")
    docs_sync()


def _log_in(client, username: str) -> None:
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


@pytest.mark.django_db(transaction=True)
def test_pages_and_writes_work_while_redis_is_down_and_queued_work_runs_when_it_is_back(
    own_redis, one_doc, operator, admin_user, client, caplog
):
    from django.test import Client

    from tasks.models import Task
    from tasks.services import task_create
    from tasks.services.common import local_today

    _log_in(client, operator.username)  # a session cached in Redis before the outage
    task = task_create(
        title="Call the venue", due_date=local_today(), by=operator, assignee=operator
    )
    own_redis.stop()
    caplog.set_level(logging.WARNING, logger="dataops.cache")

    assert client.get("/").status_code == 200
    response = client.post(
        reverse("tasks:task-complete", args=[task.pk]), {"next": "/", "version": task.version}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == Task.Status.DONE
    assert client.get(reverse("docs:doc", kwargs={"path": DOC})).status_code == 200

    admin = Client()
    _log_in(admin, admin_user.username)  # a new session while Redis is down
    started = time.monotonic()
    response = admin.post(reverse("docs:sync-now"), {"next": "/docs/"})
    assert time.monotonic() - started < 3
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "queued" in message and QUEUE_UNAVAILABLE_TEXT in message
    run = JobRun.objects.get(kind="docs.sync", trigger=JobRun.Trigger.MANUAL)
    assert run.status == JobRun.Status.QUEUED and run.awaits_queue
    again = admin.post(reverse("docs:sync-now"), headers={"HX-Request": "true"})
    assert QUEUE_UNAVAILABLE_TEXT in again.content.decode()  # merged into the waiting run
    assert JobRun.objects.filter(kind="docs.sync").count() == 1

    page = admin.get(reverse("health"), headers={"HX-Request": "true"}).content.decode()
    assert 'data-check="Cache" data-status="fail"' in page
    assert 'data-check="Broker" data-status="fail"' in page
    assert client.get("/healthz").json() == {"status": "ok"}
    warnings = [r for r in caplog.records if "Redis cache unavailable" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, however many requests

    own_redis.start()  # back, empty
    assert resend_waiting_runs() == 1  # beat's sweep (also run when a worker starts)
    run.refresh_from_db()
    assert run.status == JobRun.Status.QUEUED and not run.awaits_queue
    assert messages_in_broker([run.task_id]) == {run.task_id}
    assert is_pending(run)
    assert resend_waiting_runs() == 0  # sent once


@pytest.mark.django_db(transaction=True)
def test_work_queued_while_the_broker_is_down_waits_instead_of_failing(own_redis, admin_client_):
    own_redis.stop()
    response = admin_client_.post(reverse("health-selfcheck"))  # sent as the request commits
    run = JobRun.objects.get(kind="platform.selfcheck")
    assert run.status == JobRun.Status.QUEUED and run.awaits_queue
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert QUEUE_UNAVAILABLE_TEXT in message
    assert resend_waiting_runs() == 0  # still down: it keeps waiting
    run.refresh_from_db()
    assert run.awaits_queue


@pytest.mark.django_db
def test_health_shows_redis_failing_within_a_second(own_redis):
    own_redis.stop()
    started = time.monotonic()
    results = {result.name: result for result in health.run_all()}
    assert time.monotonic() - started <= 1.0
    assert results["Cache"].status == health.FAIL and "Redis" in results["Cache"].detail
    assert results["Broker"].status == health.FAIL and "Redis" in results["Broker"].detail


def test_keys_written_during_an_outage_are_dropped_when_redis_is_back(own_redis, monkeypatch):
    """A session deleted (logged out) while Redis was away must not come back from it."""
    monkeypatch.setattr(resilient, "PAUSE_AFTER_FAILURE_SECONDS", 0.0)
    cache.set("session-x", "logged in")

    def refuse(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    client = cache._cache
    with monkeypatch.context() as patch:
        patch.setattr(client, "delete", refuse)
        assert cache.delete("session-x") is False  # skipped, remembered
    assert cache.get("session-x") is None  # the first answer after the outage drops it
    cache.set("kept", "1")
    assert cache.get("kept") == "1"
