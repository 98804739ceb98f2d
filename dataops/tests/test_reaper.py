"""Runs nobody will finish are failed as lost; repeated deliveries never run a job twice
over; runs that waited for the queue are sent when it is back."""

import uuid
from datetime import timedelta

import pytest
import redis
import time_machine
from django.utils import timezone

from dataops.celery import app
from dataops.jobs import (
    LOST_IN_QUEUE,
    LOST_TOO_OFTEN,
    LedgerTask,
    allowed_seconds,
    enqueue,
    reap_lost_runs,
)
from dataops.models import JobRun, Notification

CALLS = {"n": 0}


@app.task(base=LedgerTask, kind="test.counted", time_limit=30)
def counted() -> dict:
    CALLS["n"] += 1
    return {"calls": CALLS["n"]}


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS["n"] = 0


def _run(**fields) -> JobRun:
    defaults = {"kind": counted.kind, "task_name": counted.name, "task_id": str(uuid.uuid4())}
    return JobRun.objects.create(**{**defaults, **fields})


@pytest.mark.django_db
def test_running_past_the_time_limit_is_lost_and_admins_are_told_once(
    admin_user, django_capture_on_commit_callbacks
):
    now = timezone.now()
    late = _run(
        status=JobRun.Status.RUNNING,
        attempts=1,
        attempt_started_at=now - timedelta(seconds=30 + 61),
    )
    fresh = _run(
        status=JobRun.Status.RUNNING, attempts=1, attempt_started_at=now - timedelta(seconds=20)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reap_lost_runs() == 1
        assert reap_lost_runs() == 0
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.is_lost and late.is_open_failure and fresh.status == JobRun.Status.RUNNING
    assert Notification.objects.filter(recipient=admin_user, kind="job_failed").count() == 1


@pytest.mark.django_db
def test_a_retrying_run_gets_the_longest_retry_wait_on_top(settings):
    run = _run(status=JobRun.Status.RETRYING, attempts=1)
    settings.JOB_MAX_RETRIES = 3
    settings.JOB_RETRY_BACKOFF_SECONDS = 30
    assert allowed_seconds(run) == 30 + 60 + 240


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_queued_run_is_lost_only_once_the_broker_no_longer_holds_it(
    redis_server, live_broker, settings, admin_user
):
    live_broker(redis_server.url)
    held = enqueue(counted)  # autocommit: sent now, and no worker takes it
    later = timezone.now() + timedelta(minutes=settings.JOB_QUEUED_LOST_MINUTES + 1)
    with time_machine.travel(later):
        assert reap_lost_runs() == 0  # the message is still in the queue
        redis.Redis.from_url(redis_server.url).flushall()  # Redis restarted empty
        assert reap_lost_runs() == 1
    held.refresh_from_db()
    assert held.is_lost and held.error.startswith(LOST_IN_QUEUE)
    assert Notification.objects.filter(recipient=admin_user).count() == 1


@pytest.mark.django_db
def test_a_queued_run_waiting_for_the_queue_is_not_lost(settings):
    waiting = _run(
        error_code=JobRun.ErrorCode.QUEUE_UNAVAILABLE,
        created_at=timezone.now() - timedelta(hours=5),
    )
    assert reap_lost_runs() == 0
    waiting.refresh_from_db()
    assert waiting.awaits_queue


@pytest.mark.django_db
def test_a_delivery_of_a_run_that_already_succeeded_is_skipped(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = enqueue(counted)
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and CALLS["n"] == 1
    counted.apply(task_id=run.task_id)  # the same message delivered again
    run.refresh_from_db()
    assert CALLS["n"] == 1 and run.status == JobRun.Status.SUCCEEDED and run.attempts == 1


@pytest.mark.django_db
def test_a_lost_run_whose_message_turns_up_runs_after_all():
    run = _run(status=JobRun.Status.FAILED, error_code=JobRun.ErrorCode.LOST, attempts=1)
    counted.apply(task_id=run.task_id)
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and not run.is_lost and CALLS["n"] == 1


@pytest.mark.django_db
def test_a_job_that_kills_its_worker_every_time_is_not_delivered_forever(settings, admin_user):
    settings.JOB_MAX_RETRIES = 2
    run = _run(status=JobRun.Status.RUNNING, attempts=3)  # three workers died on it
    counted.apply(task_id=run.task_id)
    run.refresh_from_db()
    assert CALLS["n"] == 0 and run.is_lost
    assert run.error == LOST_TOO_OFTEN.format(n=3)


@pytest.mark.django_db
def test_a_starting_worker_sends_what_waited_for_the_queue(django_capture_on_commit_callbacks):
    from celery.signals import worker_ready

    run = _run(error_code=JobRun.ErrorCode.QUEUE_UNAVAILABLE)
    worker_ready.send(sender=None)  # Celery is eager in tests: sending runs it here
    run.refresh_from_db()
    assert run.status == JobRun.Status.SUCCEEDED and CALLS["n"] == 1


def test_beat_runs_the_sweep_and_the_reaper_every_minute(settings):
    app.loader.import_default_modules()
    entries = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("dataops.tasks.resend_waiting_runs", "dataops.tasks.reap_lost_runs"):
        assert entries[name] == 60.0 and name in app.tasks
