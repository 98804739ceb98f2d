"""Health: /healthz and the admin page, with services really running and really gone."""

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from dataops import health
from dataops.beat import HeartbeatScheduler
from dataops.celery import app
from dataops.models import Heartbeat, JobRun

ROOT = Path(__file__).resolve().parents[2]


def _child_env(**extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dataops.settings",
        "DEBUG": "false",
        "SECRET_KEY": "child-secret-key-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "testserver,localhost",
    }
    env.update(extra)
    return env


@pytest.mark.django_db
def test_healthz_says_ok_and_nothing_else(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable():
    code = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    env = _child_env(DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere")
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    status, body = out.stdout.strip().split(" ", 1)
    assert status == "503", out.stderr
    assert json.loads(body) == {"status": "fail"}


@pytest.mark.django_db
def test_health_page_is_for_admins(operator_client, admin_client_):
    assert operator_client.get(reverse("health")).status_code == 403
    shell = admin_client_.get(reverse("health"))
    assert shell.status_code == 200 and "Running checks" in shell.content.decode()


@pytest.mark.django_db
def test_health_fragment_lists_every_check(admin_client_):
    response = admin_client_.get(reverse("health"), headers={"HX-Request": "true"})
    page = response.content.decode()
    for name in (
        "Database",
        "Cache",
        "Broker",
        "Celery worker",
        "Celery beat",
        "Disk space",
        "Failed jobs",
    ):
        assert f'data-check="{name}"' in page
    assert 'data-check="Database" data-status="ok"' in page


@pytest.mark.django_db
def test_cache_and_broker_fail_when_redis_is_unreachable(settings, unreachable_broker):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert health.check_cache().status == health.FAIL
    broker = health.check_broker()
    assert broker.status == health.FAIL and "cannot reach Redis" in broker.detail


@pytest.mark.django_db
@pytest.mark.redis
def test_cache_and_broker_are_ok_with_redis():
    assert health.check_cache().status == health.OK
    assert health.check_broker().status == health.OK


@pytest.mark.services
def test_worker_check_follows_a_real_worker():
    name = f"health-{uuid.uuid4().hex[:8]}@%h"
    env = _child_env(
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=settings.REDIS_URL,
        DATAOPS_VAR_DIR=str(settings.VAR_DIR),
    )
    assert health.check_worker().status == health.FAIL
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dataops",
            "worker",
            "--pool",
            "solo",
            "--hostname",
            name,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120  # start-up on a machine busy with other tests
        result = health.check_worker()
        while result.status != health.OK and time.monotonic() < deadline:
            time.sleep(0.5)
            result = health.check_worker()
        assert result.status == health.OK, result.detail
        assert "health-" in result.detail
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    stopped = health.check_worker()
    assert stopped.status == health.FAIL and "No worker answered" in stopped.detail


@pytest.mark.django_db
def test_beat_check_reads_the_heartbeat_age():
    assert health.check_beat().status == health.FAIL
    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(seconds=30))
    assert health.check_beat().status == health.OK
    Heartbeat.objects.filter(name="beat").update(at=timezone.now() - timedelta(minutes=5))
    assert health.check_beat().status == health.WARN
    Heartbeat.objects.filter(name="beat").update(at=timezone.now() - timedelta(hours=1))
    assert health.check_beat().status == health.FAIL
    with pytest.raises(CommandError):
        call_command("beat_alive")


@pytest.mark.django_db
def test_beat_scheduler_writes_its_heartbeat(tmp_path):
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        scheduler.tick()
    finally:
        scheduler.close()
    beat = Heartbeat.objects.get(name="beat")
    assert timezone.now() - beat.at < timedelta(seconds=10)
    assert health.check_beat().status == health.OK


@pytest.mark.django_db
def test_disk_check_thresholds(settings):
    assert health.check_disk().status == health.OK
    settings.HEALTH_DISK_WARN_BYTES = 10**18
    assert health.check_disk().status == health.WARN
    settings.HEALTH_DISK_FAIL_BYTES = 10**18
    assert health.check_disk().status == health.FAIL


@pytest.mark.django_db
def test_failed_jobs_check_counts_and_ages():
    assert health.check_failed_jobs().status == health.OK
    run = JobRun.objects.create(kind="x", status=JobRun.Status.FAILED)
    result = health.check_failed_jobs()
    assert result.status == health.WARN and "1 failed job" in result.detail
    JobRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert health.check_failed_jobs().status == health.FAIL


def test_a_crashing_check_reports_itself(settings):
    settings.HEALTH_CHECKS = ["dataops.tests.test_health.exploding_check"]
    [result] = health.run_all()
    assert result.status == health.FAIL and "kaboom" in result.detail


def exploding_check():
    raise RuntimeError("kaboom")


@health.network_check("Slow service")
def slow_check():
    time.sleep(3)
    return health.CheckResult("Slow service", health.OK, "answered late")


def test_checks_answer_within_a_second_even_when_one_hangs(settings):
    settings.HEALTH_CHECKS = ["dataops.tests.test_health.slow_check", "dataops.health.check_disk"]
    started = time.monotonic()
    slow, disk = health.run_all()
    assert time.monotonic() - started <= 1.0
    assert slow.name == "Slow service" and slow.status == health.FAIL
    assert "No answer within" in slow.detail and disk.status == health.OK
